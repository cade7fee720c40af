"""The five course categories of Decision 1965 (indicators.md), present after migrate."""
from django.db import migrations

CATEGORIES = [
    ("basic", "Tin học, ứng dụng CNTT cơ bản", "Basic IT and IT application"),
    ("egov", "Chính quyền điện tử, dịch vụ công trực tuyến", "E-government and online public services"),
    ("security", "An toàn, an ninh thông tin; quản trị hệ thống", "Information security; system administration"),
    ("open-source", "Phần mềm nguồn mở, phát triển ứng dụng", "Open-source software and application development"),
    ("leadership", "Kiến thức CNTT và kỹ năng quản lý cho lãnh đạo", "IT knowledge and management skills for leaders"),
]


def add_categories(apps, schema_editor):
    CourseCategory = apps.get_model("training", "CourseCategory")
    for order, (code, name, name_en) in enumerate(CATEGORIES, start=1):
        CourseCategory.objects.update_or_create(code=code, defaults={"name": name, "name_en": name_en, "order": order})


class Migration(migrations.Migration):
    dependencies = [("training", "0001_initial")]
    operations = [migrations.RunPython(add_categories, migrations.RunPython.noop)]
