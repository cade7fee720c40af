"""The Decision 1965/QĐ-UBND programme, its 13 indicators and their targets (indicators.md).

Reference data, editable afterwards in the admin: a later programme is added the same way, as data.
"""
import datetime

from django.db import migrations

ALL_CATEGORIES = ["basic", "egov", "security", "open-source", "leadership"]
UNIVERSITY_OR_HIGHER = ["university", "master", "doctorate"]

# code, Vietnamese name, English name, source, rule, levels, staff flag, key agencies only,
# categories, qualifications, {year: (op, percent)}
INDICATORS = [
    ("staff-prov-district", "CBCCVC cấp tỉnh, huyện được nâng cao trình độ ứng dụng CNTT",
     "Provincial and district civil servants trained in IT application",
     "staff", "trained", ["province", "district"], "", False, ALL_CATEGORIES, [],
     {2020: (">", 90), 2025: (">=", 100)}),
    ("staff-commune", "CBCCVC cấp xã được nâng cao trình độ ứng dụng CNTT",
     "Commune civil servants trained in IT application",
     "staff", "trained", ["commune"], "", False, ALL_CATEGORIES, [],
     {2020: (">=", 60), 2025: (">=", 100)}),
    ("agency-cio", "Sở, Ban, Ngành và UBND huyện, thị xã có lãnh đạo phụ trách CNTT (CIO)",
     "Departments and district committees with a CIO",
     "key_agencies", "has_cio", [], "", False, [], [],
     {2020: (">=", 100)}),
    ("agency-it-degree", "Sở, Ban, Ngành và UBND huyện, thị xã có cán bộ chuyên trách CNTT trình độ đại học trở lên",
     "Departments and district committees with university-trained dedicated IT staff",
     "key_agencies", "has_qualified_it_staff", [], "", False, [], UNIVERSITY_OR_HIGHER,
     {2020: (">=", 100)}),
    ("it-staff-degree", "Cán bộ chuyên trách CNTT có trình độ CNTT từ đại học trở lên",
     "Dedicated IT staff with a university IT degree or higher",
     "staff", "qualified", [], "is_it_staff", False, [], UNIVERSITY_OR_HIGHER,
     {2025: (">=", 100)}),
    ("it-staff-security", "Cán bộ chuyên trách CNTT được đào tạo chuyên sâu về an toàn, an ninh thông tin",
     "Dedicated IT staff trained in information security",
     "staff", "trained", [], "is_it_staff", True, ["security"], [],
     {}),
    ("it-staff-open-source", "Cán bộ chuyên trách CNTT làm chủ phần mềm nguồn mở để phát triển ứng dụng",
     "Dedicated IT staff mastering open-source software",
     "staff", "trained", [], "is_it_staff", True, ["open-source"], [],
     {}),
    ("leaders-trained", "Cán bộ lãnh đạo được bồi dưỡng kiến thức CNTT và kỹ năng quản lý",
     "Leaders trained in IT knowledge and management skills",
     "staff", "trained", [], "is_leader", False, ["leadership"], [],
     {2025: (">=", 100)}),
    ("teachers-it", "Giáo viên có đủ khả năng ứng dụng CNTT hỗ trợ giảng dạy",
     "Teachers able to apply IT in teaching",
     "reports", "reported", [], "", False, [], [],
     {2020: (">=", 100)}),
    ("vocational-students-it", "Học sinh trung cấp chuyên nghiệp và học nghề được đào tạo kiến thức, kỹ năng ứng dụng CNTT",
     "Vocational and professional secondary students trained in IT",
     "reports", "reported", [], "", False, [], [],
     {2020: (">=", 100)}),
    ("secondary-students-informatics", "Học sinh THPT, THCS được học tin học trong chương trình chính khóa",
     "Upper and lower secondary students taking informatics",
     "reports", "reported", [], "", False, [], [],
     {2020: (">=", 100)}),
    ("enterprises-trained", "Tổ chức, doanh nghiệp được đào tạo kỹ năng khai thác, sử dụng CNTT",
     "Organisations and enterprises given IT-use training",
     "reports", "reported", [], "", False, [], [],
     {2020: (">", 50), 2025: (">=", 100)}),
    ("citizens-trained", "Người dân (nhóm hạt nhân) được đào tạo kỹ năng cơ bản sử dụng máy tính, Internet",
     "Citizens of the core group given basic IT skills",
     "reports", "reported", [], "", False, [], [],
     {2020: (">", 40), 2025: (">=", 100)}),
]


def add_programme(apps, schema_editor):
    Programme = apps.get_model("targets", "Programme")
    Indicator = apps.get_model("targets", "Indicator")
    Target = apps.get_model("targets", "Target")
    CourseCategory = apps.get_model("training", "CourseCategory")
    PassCutoff = apps.get_model("training", "PassCutoff")

    start = datetime.date(2016, 11, 16)
    programme, _ = Programme.objects.update_or_create(
        code="qd-1965-2016",
        defaults={
            "name": "Chương trình phát triển nguồn nhân lực CNTT tỉnh Đắk Nông đến năm 2020, tầm nhìn đến năm 2025",
            "decision": "Quyết định số 1965/QĐ-UBND ngày 16/11/2016 của UBND tỉnh Đắk Nông",
            "start_date": start,
            "is_current": True,
        },
    )
    PassCutoff.objects.get_or_create(counted_from=start)
    categories = {c.code: c for c in CourseCategory.objects.all()}
    for order, (code, name, name_en, source, rule, levels, flag, key_only, cats, quals, targets) in enumerate(
        INDICATORS, start=1
    ):
        indicator, _ = Indicator.objects.update_or_create(
            programme=programme, code=code,
            defaults={"name": name, "name_en": name_en, "order": order, "source": source, "rule": rule,
                      "levels": levels, "staff_flag": flag, "key_agencies_only": key_only, "qualifications": quals},
        )
        indicator.categories.set([categories[c] for c in cats])
        for year, (op, percent) in targets.items():
            Target.objects.update_or_create(indicator=indicator, year=year, defaults={"op": op, "percent": percent})


class Migration(migrations.Migration):
    dependencies = [("targets", "0001_initial"), ("training", "0002_course_categories")]
    operations = [migrations.RunPython(add_programme, migrations.RunPython.noop)]
