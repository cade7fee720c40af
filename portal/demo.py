"""A deterministic, realistic demo province on top of the Đắk Nông fixture (`manage.py seed_demo`).

Everything comes from one seeded random generator walking the agencies in path order, so the same
`staff_count` gives the same people, courses, records and reports on every run and every database.
Progress is deliberately uneven (PROGRESS below) so that the dashboards have something to show:
Gia Nghĩa and Đắk Mil far ahead, Đắk Glong and Tuy Đức behind, the province level around the
2020 target of "more than 90 %" without every department reaching it.
"""
from __future__ import annotations

import bisect
import datetime
import random
import time
from collections import defaultdict
from dataclasses import dataclass

from django.core.management import call_command
from django.db import transaction

from agencies.models import Agency, ChangeRecord, Staff, User
from sheets.text import fold
from targets.models import AggregateReport, Indicator, Programme
from targets.reports import additivity_conflicts
from training.models import Course, CourseCategory, FirstPass, TrainingRecord
from training.passes import refresh_first_passes

SEED = 1965
# A fixed horizon rather than today(), so that a seeded database is the same whenever it is made.
DATA_UNTIL = datetime.date(2026, 11, 20)
# Courses that ended after this day have no results entered yet (records stay "pending").
RESULTS_PENDING_AFTER = datetime.date(2026, 10, 31)
END_2020 = datetime.date(2020, 12, 31)
DEFAULT_STAFF = 10_000
ROOT_CODE = "UBND-DKN"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    password: str
    full_name: str
    role: str
    agency_code: str | None


DEMO_LOGINS = [
    DemoLogin("quantri", "QuanTri@1965", "Quản trị hệ thống", User.Role.ADMINISTRATOR, None),
    DemoLogin("lanhdao", "LanhDao@1965", "Lãnh đạo UBND tỉnh", User.Role.LEADER, None),
    DemoLogin("cntt.dakmil", "CanBo@1965", "Cán bộ CNTT huyện Đắk Mil", User.Role.OFFICER, "H-DAKMIL"),
]


class DemoError(Exception):
    """The database is not in a state the demo can be seeded into."""


@dataclass(frozen=True)
class SeedResult:
    agencies_loaded: int
    staff: int
    courses: int
    records: int
    reports: int
    seconds: float


# ---------------------------------------------------------------------------------------------
# Data: sizes, progress and names. Sizes are relative weights, scaled to the requested head count.

DEPARTMENT_SIZE = {
    "VP-UBND": 70, "SNV": 45, "STC": 50, "SKHDT": 45, "STTTT": 32, "SGDDT": 60, "SYT": 55, "SNNPTNT": 70,
    "STNMT": 50, "SXD": 40, "SGTVT": 48, "SCT": 40, "SLDTBXH": 45, "SVHTTDL": 45, "SKHCN": 30, "STP": 32,
    "SNGV": 18, "TTT": 30, "BDT": 20, "BQLKCN": 24,
}
UNIT_SIZE = {
    "SYT-BVDK": 380, "SNNPTNT-CCKL": 150, "STNMT-VPDKDD": 90, "SYT-CDC": 80, "DPTTH": 70, "STTTT-TTCNTT": 22,
}
SCHOOL_SIZE = 65
COMMUNE_SIZE = 17
DISTRICT_OFFICE_SIZE = {"VP": 22, "PGDDT": 14, "PNNPTNT": 12, "PTNMT": 12, "PQLDT": 12, "PKTHT": 12}

# Share of CBCCVC trained (any category, from the programme start) by 31/12/2020 and by the end of
# the data, for district-level staff and for commune staff, and the first year of the district's own courses.
DISTRICT_PROGRESS = {
    "H-GIANGHIA": (0.985, 0.995, 0.86, 0.98, 2017),
    "H-DAKMIL": (0.97, 0.99, 0.80, 0.96, 2017),
    "H-CUJUT": (0.94, 0.98, 0.66, 0.93, 2017),
    "H-DAKRLAP": (0.92, 0.97, 0.63, 0.91, 2018),
    "H-KRONGNO": (0.90, 0.96, 0.58, 0.88, 2018),
    "H-DAKSONG": (0.88, 0.95, 0.56, 0.87, 2018),
    "H-DAKGLONG": (0.76, 0.92, 0.44, 0.80, 2019),
    "H-TUYDUC": (0.68, 0.90, 0.34, 0.76, 2020),
}
# Province level, by department (its units and schools follow it).
DEPARTMENT_PROGRESS = {
    "STTTT": (1.0, 1.0), "VP-UBND": (0.985, 1.0), "SNV": (0.975, 1.0), "STC": (0.96, 0.99), "SKHDT": (0.96, 0.99),
    "SYT": (0.86, 0.95), "SGDDT": (0.935, 0.97), "SNNPTNT": (0.91, 0.96), "BQLKCN": (0.78, 0.93),
    "SNGV": (0.82, 0.95), "BDT": (0.88, 0.97),
}
DEFAULT_PROGRESS = (0.975, 0.99)
# Key agencies with no CIO at all, and those whose CIO was only appointed after 2020.
NO_CIO = {"SNGV", "BQLKCN", "SXD", "H-DAKGLONG"}
LATE_CIO = {"SGTVT", "SVHTTDL", "H-TUYDUC"}
NO_IT_STAFF = {"SNGV", "BDT", "TTT"}

FAMILY = [("Nguyễn", 30), ("Trần", 11), ("Lê", 9), ("Phạm", 7), ("Hoàng", 5), ("Phan", 4), ("Vũ", 4), ("Võ", 4),
          ("Đặng", 2), ("Bùi", 2), ("Đỗ", 2), ("Huỳnh", 2), ("Hồ", 1.5), ("Ngô", 1.5), ("Dương", 1), ("Lý", 0.6),
          ("Đinh", 1), ("Trương", 1), ("Lương", 0.6), ("Nông", 0.8), ("Triệu", 0.5), ("Lục", 0.3), ("Ma", 0.3)]
MIDDLE = {
    "male": [("Văn", 40), ("Hữu", 6), ("Đức", 8), ("Minh", 8), ("Quốc", 5), ("Công", 5), ("Thanh", 5),
             ("Xuân", 4), ("Ngọc", 4), ("Đình", 4), ("Trọng", 3), ("Quang", 4), ("Duy", 3), ("Tiến", 2)],
    "female": [("Thị", 55), ("Ngọc", 6), ("Thanh", 5), ("Thu", 5), ("Kim", 4), ("Hồng", 4), ("Phương", 3),
               ("Minh", 3), ("Bích", 2), ("Hoài", 2), ("Mỹ", 2), ("Diệu", 1)],
}
GIVEN = {
    "male": "Anh Bình Cường Dũng Duy Đạt Đức Hải Hiếu Hòa Hoàng Hùng Huy Khánh Lâm Long Lợi Minh Nam Nghĩa "
            "Phong Phúc Quân Quang Sơn Tài Tâm Thắng Thành Thịnh Toàn Trung Tuấn Tùng Việt Vinh Hưng Kiên Lực "
            "Tín Thạch Hào Khoa Lộc Hiệp Nhân Thuận Sang Tú".split(),
    "female": "Anh Châu Chi Dung Duyên Giang Hà Hằng Hạnh Hiền Hoa Hồng Huệ Hương Lan Liên Linh Loan Mai Nga "
              "Ngân Ngọc Nhung Oanh Phương Quỳnh Thảo Thu Thúy Trang Trinh Tuyết Uyên Vân Xuân Yến Hậu Nhàn "
              "Diệp Thơm Lụa Hòa".split(),
}
# M'Nông and Ê Đê names, as common among staff of the province's districts and communes.
MNONG = {"male": ("Điểu", ["K'Lương", "Bre", "Xrê", "Đăm", "Ré", "K'Nhoang", "Sơn", "Ong", "Lâm", "Huynh"]),
         "female": ("Thị", ["H'Bin", "H'Loan", "Nga", "Thoa", "H'Nhung", "Ngọc", "H'Nhoi"])}
EDE_FAMILY = ["Niê", "Ayun", "Byă", "Êban", "Mlô"]
EDE_GIVEN = {"male": ["Thanh", "Ngọc", "Khoa", "Blim", "Hiếu", "Phiêm"], "female": ["Lan", "Hoa", "Ni", "Bla", "Duyên"]}

CATEGORY_ABBR = {"basic": "CB", "egov": "CQDT", "security": "ATTT", "open-source": "NM", "leadership": "LD"}
COURSE_TITLES = {
    "basic": ["Bồi dưỡng kỹ năng ứng dụng CNTT cơ bản", "Tin học văn phòng nâng cao",
              "Ứng dụng CNTT cơ bản theo chuẩn Thông tư 03/2014/TT-BTTTT"],
    "egov": ["Tập huấn sử dụng hệ thống quản lý văn bản và điều hành", "Tập huấn Cổng dịch vụ công và Hệ thống một cửa điện tử",
             "Bồi dưỡng kỹ năng xây dựng chính quyền điện tử", "Tập huấn chữ ký số và gửi, nhận văn bản điện tử"],
    "security": ["Đào tạo chuyên sâu về an toàn, an ninh thông tin", "Quản trị hệ thống mạng và máy chủ",
                 "Diễn tập ứng cứu sự cố an toàn thông tin mạng"],
    "open-source": ["Phát triển ứng dụng trên nền tảng mã nguồn mở", "Quản trị hệ điều hành Linux và phần mềm nguồn mở",
                    "Lập trình web với phần mềm nguồn mở"],
    "leadership": ["Bồi dưỡng kiến thức CNTT và kỹ năng quản lý cho lãnh đạo (CIO)",
                   "Bồi dưỡng lãnh đạo về chuyển đổi số và chính quyền điện tử"],
}
COURSE_HOURS = {"basic": [40, 32], "egov": [16, 24], "security": [40, 80], "open-source": [60, 80], "leadership": [24, 32]}
# Province-run courses a year by category, and the year each kind of course began.
PROVINCE_COURSES_PER_YEAR = {"basic": 3, "egov": 3, "security": 2, "open-source": 1, "leadership": 2}
FIRST_YEAR = {"basic": 2016, "egov": 2016, "security": 2017, "open-source": 2018, "leadership": 2017}
TRAINER_PLACES = ["Trường Đại học Tây Nguyên", "Học viện Công nghệ Bưu chính Viễn thông",
                  "Trung tâm CNTT-TT tỉnh Đắk Nông", "Cục An toàn thông tin", "Học viện Hành chính Quốc gia",
                  "Trường Đại học Công nghệ Thông tin - ĐHQG TP.HCM"]


def _weighted(rng: random.Random, pairs):
    return rng.choices([p for p, _w in pairs], weights=[w for _p, w in pairs])[0]


def _person_name(rng: random.Random, gender: str, local: bool) -> str:
    if local and rng.random() < 0.12:
        if rng.random() < 0.6:
            family, given = MNONG[gender]
            return f"{family} {rng.choice(given)}"
        prefix = "Y" if gender == "male" else "H'"
        sep = " " if gender == "male" else ""
        return f"{prefix}{sep}{rng.choice(EDE_GIVEN[gender])} {rng.choice(EDE_FAMILY)}"
    family = _weighted(rng, FAMILY)
    middle = _weighted(rng, MIDDLE[gender])
    given = rng.choice(GIVEN[gender])
    if given == middle:
        given = rng.choice(GIVEN[gender])
    if rng.random() < 0.12:  # a second middle name: "Nguyễn Thị Thu Hà", "Trần Văn Minh Đức"
        second = _weighted(rng, MIDDLE[gender][1:])
        return f"{family} {MIDDLE[gender][0][0]} {second} {given}"
    return f"{family} {middle} {given}"


def _random_day(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    return first + datetime.timedelta(days=rng.randint(0, max(0, (last - first).days)))


def _apportion(total: int, weights: list[float]) -> list[int]:
    """Largest-remainder split of `total` in proportion to `weights` (deterministic, sums exactly)."""
    whole = sum(weights)
    shares = [total * w / whole for w in weights]
    counts = [int(s) for s in shares]
    order = sorted(range(len(weights)), key=lambda i: (-(shares[i] - counts[i]), i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


# ---------------------------------------------------------------------------------------------
# Agencies: who is where, how big, which titles.

@dataclass
class _Place:
    agency: Agency
    district: Agency | None  # the district committee above (or being) a district/commune agency
    department: str | None  # the province-level key agency above (or being) the agency
    office: str  # last part of a district office code ("VP", "PVHTT"), else ""


def _places(agencies: list[Agency]) -> list[_Place]:
    by_path = {a.path: a for a in agencies}
    places = []
    for agency in agencies:
        segments = agency.path.strip("/").split("/")
        ancestors = [by_path["".join(f"{s}/" for s in segments[: i + 1])] for i in range(len(segments))]
        district = next((a for a in ancestors if a.kind == Agency.Kind.DISTRICT_COMMITTEE), None)
        department = next((a.code for a in ancestors if a.kind == Agency.Kind.DEPARTMENT), None)
        office = agency.code.rsplit("-", 1)[1] if district and agency.kind == Agency.Kind.UNIT else ""
        places.append(_Place(agency, district, department, office))
    return places


def _size(place: _Place) -> float:
    agency = place.agency
    kind = agency.kind
    if kind == Agency.Kind.PROVINCE_COMMITTEE:
        return 5
    if kind == Agency.Kind.DEPARTMENT:
        return DEPARTMENT_SIZE.get(agency.code, 40)
    if kind == Agency.Kind.SCHOOL:
        return SCHOOL_SIZE
    if kind == Agency.Kind.DISTRICT_COMMITTEE:
        return 4
    if kind == Agency.Kind.COMMUNE_COMMITTEE:
        return COMMUNE_SIZE - (2 if "phường" in agency.name else 0)
    if place.district:
        city = 1.2 if place.district.code == "H-GIANGHIA" else 1.0
        return DISTRICT_OFFICE_SIZE.get(place.office, 9) * city
    return UNIT_SIZE.get(agency.code, 30)


def _titles(agency: Agency) -> tuple[str, str]:
    """The head's and the deputies' titles."""
    name, kind = agency.name, agency.kind
    if kind in (Agency.Kind.PROVINCE_COMMITTEE, Agency.Kind.DISTRICT_COMMITTEE, Agency.Kind.COMMUNE_COMMITTEE):
        place = " ".join(name.split()[:3]) if "thị trấn" in name or "thành phố" in name else " ".join(name.split()[:2])
        return f"Chủ tịch {place}", f"Phó Chủ tịch {place}"
    if kind == Agency.Kind.SCHOOL:
        return "Hiệu trưởng", "Phó Hiệu trưởng"
    for start, titles in [("Văn phòng", ("Chánh Văn phòng", "Phó Chánh Văn phòng")),
                          ("Thanh tra", ("Chánh Thanh tra", "Phó Chánh Thanh tra")),
                          ("Ban", ("Trưởng ban", "Phó Trưởng ban")),
                          ("Chi cục", ("Chi cục trưởng", "Phó Chi cục trưởng")),
                          ("Phòng", ("Trưởng phòng", "Phó Trưởng phòng"))]:
        if name.startswith(start) and not name.startswith("Văn phòng Đăng ký"):
            return titles
    return "Giám đốc", "Phó Giám đốc"


COMMUNE_CB = ["Bí thư Đảng ủy", "Chủ tịch HĐND", "Phó Chủ tịch HĐND", "Chủ tịch Ủy ban MTTQ Việt Nam",
              "Bí thư Đoàn TNCS Hồ Chí Minh", "Chủ tịch Hội Liên hiệp Phụ nữ", "Chủ tịch Hội Nông dân",
              "Chủ tịch Hội Cựu chiến binh", "Phó Bí thư Đảng ủy"]
COMMUNE_CC = ["Văn phòng - Thống kê", "Địa chính - Xây dựng", "Tài chính - Kế toán", "Tư pháp - Hộ tịch",
              "Văn hóa - Xã hội", "Chỉ huy trưởng Quân sự"]
OFFICE_STAFF = [(("Chuyên viên", "CC"), 60), (("Chuyên viên chính", "CC"), 14), (("Kế toán", "CC"), 5),
                (("Văn thư", "CC"), 5), (("Lái xe", "HD"), 5), (("Bảo vệ", "HD"), 4), (("Nhân viên phục vụ", "HD"), 3)]
# Public-service units by the start of their name; the others are staffed like offices.
SERVICE_STAFF = {
    "Bệnh viện": [(("Bác sĩ", "VC"), 25), (("Điều dưỡng", "VC"), 40), (("Dược sĩ", "VC"), 6),
                  (("Kỹ thuật viên y", "VC"), 10), (("Hộ lý", "HD"), 8), (("Kế toán", "VC"), 3)],
    "Trung tâm Kiểm soát": [(("Bác sĩ", "VC"), 25), (("Y sĩ", "VC"), 20), (("Kỹ thuật viên xét nghiệm", "VC"), 15),
                            (("Viên chức", "VC"), 20), (("Lái xe", "HD"), 4)],
    "Đài": [(("Phóng viên", "VC"), 35), (("Biên tập viên", "VC"), 25), (("Kỹ thuật viên", "VC"), 25), (("Lái xe", "HD"), 5)],
    "Chi cục Kiểm lâm": [(("Kiểm lâm viên", "CC"), 70), (("Kiểm lâm viên chính", "CC"), 15), (("Kế toán", "CC"), 3),
                         (("Bảo vệ rừng hợp đồng", "HD"), 10)],
    "Trung tâm": [(("Viên chức", "VC"), 55), (("Kỹ sư", "VC"), 15), (("Kế toán", "VC"), 5), (("Chuyên viên", "VC"), 15),
                  (("Lái xe", "HD"), 4), (("Bảo vệ", "HD"), 4)],
    "Thư viện": [(("Thư viện viên", "VC"), 70), (("Kế toán", "VC"), 10), (("Bảo vệ", "HD"), 10)],
    "Bảo tàng": [(("Viên chức", "VC"), 70), (("Kế toán", "VC"), 10), (("Bảo vệ", "HD"), 10)],
    "Văn phòng Đăng ký": [(("Viên chức", "VC"), 80), (("Kế toán", "VC"), 5), (("Lái xe", "HD"), 5)],
}
SCHOOL_STAFF = [(("Giáo viên", "VC"), 86), (("Nhân viên văn thư", "VC"), 2), (("Kế toán", "VC"), 2),
                (("Nhân viên thư viện", "VC"), 2), (("Nhân viên thiết bị", "VC"), 2), (("Bảo vệ", "HD"), 3),
                (("Nhân viên phục vụ", "HD"), 3)]


def _staff_pool(place: _Place) -> list:
    agency = place.agency
    if agency.kind == Agency.Kind.SCHOOL:
        return SCHOOL_STAFF
    if agency.kind == Agency.Kind.UNIT and not place.district:
        for start, pool in SERVICE_STAFF.items():
            if agency.name.startswith(start):
                return pool
    return OFFICE_STAFF


def _roster(rng: random.Random, place: _Place, n: int) -> list[tuple[str, str, bool]]:
    """(position, category, is_leader) for the n people of an agency, head first."""
    agency = place.agency
    if n == 0:
        return []
    head, deputy = _titles(agency)
    committee = agency.kind in (Agency.Kind.PROVINCE_COMMITTEE, Agency.Kind.DISTRICT_COMMITTEE)
    commune = agency.kind == Agency.Kind.COMMUNE_COMMITTEE
    category = "CB" if committee or commune else ("VC" if agency.kind == Agency.Kind.SCHOOL else "CC")
    if committee:  # a chair and up to four (province) or three (district) vice-chairs, then their assistants
        deputies = 4 if agency.kind == Agency.Kind.PROVINCE_COMMITTEE else 3
    else:
        deputies = min(3, max(1, n // 15)) if n > 2 else 0
    roster = [(head, category, True)] + [(deputy, category, True)] * min(deputies, n - 1)
    if commune:
        cb = [(title, "CB", title in COMMUNE_CB[:3]) for title in COMMUNE_CB]
        cc = [(COMMUNE_CC[i % len(COMMUNE_CC)], "CC", False) for i in range(12)]
        roster += cb[: max(0, (n - len(roster)) // 2)]
        roster += cc[: max(0, n - len(roster))]
        while len(roster) < n:
            roster.append(("Người hoạt động không chuyên trách", "HD", False))
        return roster[:n]
    if agency.kind == Agency.Kind.DEPARTMENT or (agency.kind == Agency.Kind.UNIT and n >= 40):
        for _ in range(n // 12):  # heads of the divisions (trưởng phòng) are leaders too
            roster.append(("Trưởng phòng" if agency.kind == Agency.Kind.DEPARTMENT else "Trưởng khoa, phòng", category, True))
    pool = _staff_pool(place)
    while len(roster) < n:
        position, cat = _weighted(rng, pool)
        roster.append((position, cat, False))
    return roster[:n]


# ---------------------------------------------------------------------------------------------
# Staff.

def _dates(rng: random.Random, leader: bool) -> tuple[datetime.date | None, int, datetime.date | None]:
    """Birth date (or None with only the year known), birth year, joining date."""
    age = int(rng.triangular(24, 60, 44 if leader else 36))
    year = DATA_UNTIL.year - age
    birth = datetime.date(year, rng.randint(1, 12), rng.randint(1, 28))
    career = min(DATA_UNTIL.year, year + rng.randint(22, 28))
    # Most people joined their agency early in their career; some moved in recently.
    joined_year = career if rng.random() < 0.55 else rng.randint(career, DATA_UNTIL.year)
    joined = datetime.date(joined_year, rng.randint(1, 12), 1)
    joined = min(joined, DATA_UNTIL - datetime.timedelta(days=30))
    if rng.random() < 0.04:
        return None, year, joined
    return birth, year, joined


IT_QUALIFICATIONS = [("university", 58), ("college", 13), ("intermediate", 8), ("master", 10), ("certificate", 7),
                     ("none", 2), ("doctorate", 0.5)]
OTHER_QUALIFICATIONS = [("none", 82), ("certificate", 12), ("intermediate", 2), ("college", 2), ("university", 2)]


def _it_staff_count(rng: random.Random, place: _Place, n: int) -> int:
    agency = place.agency
    if n < 3 or (place.department or "") in NO_IT_STAFF:
        return 0
    if place.district and place.district.code in NO_CIO and rng.random() < 0.5:
        return 0
    if agency.code == "STTTT-TTCNTT":
        return n // 2
    if agency.code == "STTTT":
        return 3
    if agency.kind == Agency.Kind.DEPARTMENT:
        return 1 + int(n >= 40 and rng.random() < 0.5)
    if place.office == "PVHTT":
        return 1
    if place.office == "VP":
        return int(rng.random() < 0.6)
    if agency.kind == Agency.Kind.COMMUNE_COMMITTEE:
        return int(rng.random() < 0.15)
    if agency.kind == Agency.Kind.UNIT:
        return int(rng.random() < 0.35)
    return 0


def _build_staff(rng: random.Random, places: list[_Place], counts: list[int]) -> list[Staff]:
    people = []
    number = 0
    for place, n in zip(places, counts, strict=True):
        agency = place.agency
        local = place.district is not None
        female_share = {"school": 0.7, "unit": 0.55, "commune_committee": 0.35}.get(agency.kind, 0.42)
        roster = _roster(rng, place, n)
        it_category = "CC" if _staff_pool(place) is OFFICE_STAFF else "VC"
        it_slots = set(range(n - 1, n - 1 - _it_staff_count(rng, place, n), -1))
        key = agency.is_key_agency
        cio_slot = None
        if key and agency.code not in NO_CIO and n:
            cio_slot = 1 if n > 1 and roster[1][2] else 0
        for i, (position, category, leader) in enumerate(roster):
            number += 1
            gender = "female" if rng.random() < (female_share * (0.6 if leader else 1)) else "male"
            name = _person_name(rng, gender, local)
            birth, birth_year, joined = _dates(rng, leader)
            person = Staff(
                code=f"DN{number:06d}", full_name=name, name_folded=fold(name), agency_id=agency.pk,
                category=category, birth_date=birth, birth_year=birth_year, gender=gender, position=position,
                is_leader=leader, joined_on=joined,
                it_qualification=_weighted(rng, OTHER_QUALIFICATIONS),
            )
            if i in it_slots:
                person.is_it_staff = True
                person.category = it_category
                person.position = "Viên chức CNTT" if person.category == "VC" else "Chuyên viên CNTT"
                person.it_qualification = _weighted(rng, IT_QUALIFICATIONS)
                if rng.random() < 0.3:
                    person.joined_on = datetime.date(rng.randint(2017, 2023), rng.randint(1, 12), 1)
            if i == cio_slot:
                person.is_cio = True
                person.left_on = None
                if agency.code in LATE_CIO:
                    person.joined_on = datetime.date(2021 + (number % 2), 3, 1)
                else:  # a CIO in post since before the programme, and old enough to have been
                    person.joined_on = min(joined, datetime.date(2015, rng.randint(1, 12), 1))
                    if person.birth_year > person.joined_on.year - 25:
                        person.birth_year = person.joined_on.year - rng.randint(25, 40)
                        if person.birth_date:
                            person.birth_date = person.birth_date.replace(year=person.birth_year)
            elif not (leader or person.is_it_staff) and rng.random() < 0.07:
                earliest = max(datetime.date(2017, 1, 1), joined + datetime.timedelta(days=180))
                if earliest < DATA_UNTIL:
                    person.left_on = _random_day(rng, earliest, DATA_UNTIL)
            people.append(person)
    return people


# ---------------------------------------------------------------------------------------------
# Courses.

@dataclass
class _CourseDraft:
    course: Course
    scope: str  # "P" for province-wide, else the district committee's code


def _trainer(rng: random.Random) -> str:
    gender = "male" if rng.random() < 0.7 else "female"
    title = _weighted(rng, [("ThS.", 5), ("KS.", 3), ("TS.", 1), ("CN.", 1)])
    return f"{title} {_person_name(rng, gender, False)} ({rng.choice(TRAINER_PLACES)})"


def _course(rng, *, code, category, title, start, organiser, place, agency_id) -> Course:
    hours = rng.choice(COURSE_HOURS[category.code])
    days = max(1, hours // 8)
    end = start + datetime.timedelta(days=days - 1 + 2 * ((days - 1) // 5))  # skip weekends roughly
    return Course(code=code, name=title, category=category, start_date=start, end_date=end, organiser=organiser,
                  hours=hours, place=place, trainer=_trainer(rng), agency_id=agency_id)


def _build_courses(rng: random.Random, categories: dict[str, CourseCategory], agencies: dict[str, Agency]) -> list[_CourseDraft]:
    drafts = []
    stttt = agencies["STTTT"]
    snv = agencies["SNV"]
    for year in range(2016, DATA_UNTIL.year + 1):
        for code, per_year in PROVINCE_COURSES_PER_YEAR.items():
            if year < FIRST_YEAR[code]:
                continue
            # 2016: courses before the programme began (they count for nothing) and one after it.
            months = [4, 8, 12] if year == 2016 else [2 + k * (10 // per_year) + rng.randint(0, 1) for k in range(per_year)]
            if year == 2016 and code != "basic":
                months = [9]
            if year == DATA_UNTIL.year and code in ("basic", "egov"):
                months.append(11)  # under way or just finished: results not entered yet
            for k, month in enumerate(months, start=1):
                start = datetime.date(year, month, rng.randint(3, 20) if month != 11 else (2 if code == "basic" else 4))
                if start > DATA_UNTIL - datetime.timedelta(days=12):
                    continue
                title = f"{rng.choice(COURSE_TITLES[code])} năm {year} (đợt {k})"
                if code == "leadership":
                    organiser = "Sở Nội vụ phối hợp Sở Thông tin và Truyền thông"
                    place, agency = "Trường Chính trị tỉnh Đắk Nông", snv
                elif code == "egov" and k % 2 == 0:
                    organiser, place, agency = "Văn phòng UBND tỉnh", "Hội trường UBND tỉnh, Gia Nghĩa", agencies["VP-UBND"]
                else:
                    organiser = "Sở Thông tin và Truyền thông"
                    place, agency = "Trung tâm CNTT-TT tỉnh, Gia Nghĩa", stttt
                drafts.append(_CourseDraft(_course(
                    rng, code=f"KH{year}-T-{CATEGORY_ABBR[code]}{k:02d}", category=categories[code], title=title,
                    start=start, organiser=organiser, place=place, agency_id=agency.pk), "P"))
        for district_code, (*_shares, first_year) in DISTRICT_PROGRESS.items():
            if year < first_year:
                continue
            district = agencies[district_code]
            short = district_code.removeprefix("H-")
            place_name = " ".join(district.name.split()[1:])
            for k, (code, month) in enumerate([("basic", 3), ("egov", 6), ("basic", 9)], start=1):
                start = datetime.date(year, month, rng.randint(5, 22))
                if start > DATA_UNTIL - datetime.timedelta(days=12):
                    continue
                title = f"{rng.choice(COURSE_TITLES[code])} cho CBCCVC {place_name} năm {year}"
                drafts.append(_CourseDraft(_course(
                    rng, code=f"KH{year}-{short}-{CATEGORY_ABBR[code]}{k:02d}", category=categories[code], title=title,
                    start=start, organiser=f"UBND {place_name}", place=f"Hội trường UBND {place_name}",
                    agency_id=district.pk), district_code))
    return drafts


class _CourseIndex:
    """Courses by (scope, category), sorted by end date, for picking one that ended in a window."""

    def __init__(self, drafts: list[_CourseDraft]):
        self.pools: dict[tuple[str, str], list[tuple[datetime.date, int]]] = defaultdict(list)
        for i, draft in enumerate(drafts):
            self.pools[(draft.scope, draft.course.category.code)].append((draft.course.end_date, i))
        for pool in self.pools.values():
            pool.sort()

    def pick(self, rng, scopes, category, first, last, taken) -> int | None:
        candidates = []
        for scope in scopes:
            pool = self.pools.get((scope, category), [])
            lo = bisect.bisect_left(pool, (first, -1))
            hi = bisect.bisect_right(pool, (last, 1 << 30))
            candidates.extend(i for _end, i in pool[lo:hi] if i not in taken)
        return rng.choice(candidates) if candidates else None


# ---------------------------------------------------------------------------------------------
# Training records.

def _progress(place: _Place) -> tuple[float, float]:
    if place.district:
        by_2020, final, commune_2020, commune_final, _year = DISTRICT_PROGRESS[place.district.code]
        return (commune_2020, commune_final) if place.agency.kind == Agency.Kind.COMMUNE_COMMITTEE else (by_2020, final)
    return DEPARTMENT_PROGRESS.get(place.department or "", DEFAULT_PROGRESS)


class _Trainee:
    """One person's records: picks courses in date windows, never the same course twice."""

    def __init__(self, rng, index: _CourseIndex, drafts: list[_CourseDraft], person: Staff, place: _Place,
                 records: list[TrainingRecord]):
        self.rng, self.index, self.drafts, self.person, self.records = rng, index, drafts, person, records
        self.scopes = [place.district.code, "P"] if place.district else ["P"]
        self.taken: set[int] = set()

    def end(self, i: int) -> datetime.date:
        return self.drafts[i].course.end_date

    def category(self, i: int) -> str:
        return self.drafts[i].course.category.code

    def pick(self, category: str, first: datetime.date, last: datetime.date, local_first: bool = True) -> int | None:
        """A course of this category that ended between first and last; the district's own courses first."""
        if last < first:
            return None
        if local_first and len(self.scopes) > 1 and self.rng.random() < 0.8:
            found = self.index.pick(self.rng, self.scopes[:1], category, first, last, self.taken)
            if found is not None:
                return found
        return self.index.pick(self.rng, self.scopes, category, first, last, self.taken)

    def add(self, i: int | None, result: str) -> None:
        if i is None:
            return
        self.taken.add(i)
        completed = self.end(i) if result in (TrainingRecord.Result.PASSED, TrainingRecord.Result.FAILED) else None
        self.records.append(TrainingRecord(staff=self.person, course=self.drafts[i].course, result=result,
                                           completed_on=completed))


def _build_records(rng, people, places_by_agency, drafts, programme_start) -> list[TrainingRecord]:
    index = _CourseIndex(drafts)
    records: list[TrainingRecord] = []
    day = datetime.timedelta(days=1)
    passed, failed, absent = TrainingRecord.Result.PASSED, TrainingRecord.Result.FAILED, TrainingRecord.Result.ABSENT

    for person in people:
        place = places_by_agency[person.agency_id]
        trainee = _Trainee(rng, index, drafts, person, place, records)
        start = max(programme_start, person.joined_on or programme_start)
        stop = min(RESULTS_PENDING_AFTER, (person.left_on or DATA_UNTIL) - day)

        # One draw decides whether the person was trained by the end of 2020, later, or never,
        # so that each agency lands near its PROGRESS shares.
        by_2020, final = _progress(place)
        if person.category == Staff.Category.HD:
            by_2020, final = by_2020 * 0.5, final * 0.6
        u = rng.random()
        first_pass = None
        if u < by_2020:
            first_pass = trainee.pick("basic" if rng.random() < 0.65 else "egov", start, min(stop, END_2020))
        if first_pass is None and u < final:
            # Catching up: within about two years of 2021 or of joining, whichever is later.
            late = max(start, END_2020 + day)
            first_pass = trainee.pick("basic" if rng.random() < 0.5 else "egov", late,
                                      min(stop, late + datetime.timedelta(days=730)))
        if first_pass is not None:
            if rng.random() < 0.07:  # failed or missed an earlier course first
                earlier = trainee.pick(trainee.category(first_pass), start, trainee.end(first_pass) - day)
                trainee.add(earlier, rng.choice([failed, absent]))
            trainee.add(first_pass, passed)
            if rng.random() < 0.45:  # many go on to the other general course later
                other = "egov" if trainee.category(first_pass) == "basic" else "basic"
                trainee.add(trainee.pick(other, trainee.end(first_pass) + datetime.timedelta(days=90), stop), passed)
        elif rng.random() < 0.35:
            trainee.add(trainee.pick(rng.choice(["basic", "egov"]), start, stop), rng.choice([failed, absent]))

        # Trained before the Decision: such records are kept but count for no indicator.
        joined = person.joined_on or datetime.date(2016, 1, 1)
        if joined < datetime.date(2016, 4, 1) and rng.random() < (0.06 if first_pass is not None else 0.3):
            early = trainee.pick("basic", joined, programme_start - day, local_first=False)
            if early is None:
                early = trainee.pick("egov", joined, programme_start - day, local_first=False)
            trainee.add(early, passed)

        if person.is_leader and rng.random() < 0.82:
            window = (start, min(stop, END_2020)) if rng.random() < 0.5 else (max(start, END_2020 + day), stop)
            found = trainee.pick("leadership", *window, local_first=False)
            if found is None:
                found = trainee.pick("leadership", start, stop, local_first=False)
            trainee.add(found, passed if rng.random() < 0.95 else failed)
        if person.is_it_staff:
            for category, share in (("security", 0.72), ("open-source", 0.45)):
                if rng.random() < share:
                    trainee.add(trainee.pick(category, start, stop, local_first=False), passed if rng.random() < 0.9 else failed)

    # The latest courses have attendees but no results yet.
    active = [p for p in people if p.left_on is None]
    for draft in drafts:
        if draft.course.end_date > RESULTS_PENDING_AFTER:
            pool = [p for p in active if draft.scope == "P" or _district_code(places_by_agency[p.agency_id]) == draft.scope]
            for person in rng.sample(pool, min(len(pool), 25)):
                records.append(TrainingRecord(staff=person, course=draft.course, result=TrainingRecord.Result.PENDING))
    return records


def _district_code(place: _Place) -> str | None:
    return place.district.code if place.district else None


# ---------------------------------------------------------------------------------------------
# Aggregate reports (teachers, students, enterprises, citizens), by the agencies that report them.

REPORT_YEARS = range(2017, 2026)
# indicator: (reporting agency, denominator in 2017, yearly growth, share per year 2017..2025)
PROVINCE_REPORTS = {
    "teachers-it": ("SGDDT", 11_240, 0.012, [0.78, 0.86, 0.93, 0.992, 1.0, 1.0, 1.0, 1.0, 1.0]),
    "secondary-students-informatics": ("SGDDT", 86_400, 0.018, [0.71, 0.79, 0.88, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0]),
    "vocational-students-it": ("SLDTBXH", 4_150, -0.01, [0.62, 0.70, 0.78, 0.86, 0.90, 0.93, 0.95, 0.97, 0.985]),
    "enterprises-trained": ("SKHDT", 1_930, 0.055, [0.18, 0.29, 0.41, 0.53, 0.60, 0.66, 0.72, 0.79, 0.86]),
}
# Each district reports its own core group of citizens: (size in 2017, share in 2020, first year reported).
CITIZEN_REPORTS = {
    "H-GIANGHIA": (2_600, 0.63, 2017), "H-DAKMIL": (3_900, 0.55, 2017), "H-CUJUT": (3_400, 0.46, 2017),
    "H-DAKRLAP": (3_600, 0.43, 2017), "H-KRONGNO": (3_300, 0.39, 2018), "H-DAKSONG": (3_000, 0.37, 2018),
    "H-DAKGLONG": (2_800, 0.24, 2019), "H-TUYDUC": (2_200, 0.21, 2019),
}


def _build_reports(rng, indicators: dict[str, Indicator], agencies: dict[str, Agency]) -> list[AggregateReport]:
    reports = []
    for code, (agency_code, base, growth, shares) in PROVINCE_REPORTS.items():
        for year, share in zip(REPORT_YEARS, shares, strict=True):
            denominator = round(base * (1 + growth) ** (year - 2017))
            numerator = min(denominator, round(denominator * share))
            reports.append(AggregateReport(indicator=indicators[code], agency=agencies[agency_code], year=year,
                                           numerator=numerator, denominator=denominator))
    for district_code, (base, share_2020, first_year) in CITIZEN_REPORTS.items():
        for year in REPORT_YEARS:
            if year < first_year or (district_code == "H-KRONGNO" and year == 2022):  # one report never sent
                continue
            denominator = round(base * (1 + 0.02 * (year - 2017)))
            share = share_2020 + 0.09 * (year - 2020) + rng.uniform(-0.015, 0.015)
            numerator = min(denominator, max(0, round(denominator * share)))
            reports.append(AggregateReport(indicator=indicators["citizens-trained"], agency=agencies[district_code],
                                           year=year, numerator=numerator, denominator=denominator,
                                           note="Số liệu báo cáo năm của UBND cấp huyện"))
    pairs = {(r.indicator_id, r.agency_id): (r.indicator, r.agency) for r in reports}
    if additivity_conflicts(pairs=pairs.values()):
        raise DemoError("The demo reports break the additivity rule.")
    return reports


# ---------------------------------------------------------------------------------------------
# Entry points.

def demo_users_exist() -> bool:
    return User.objects.filter(username__in=[login.username for login in DEMO_LOGINS]).exists()


def has_roster_data() -> bool:
    return (Staff.objects.exists() or Course.objects.exists() or TrainingRecord.objects.exists()
            or AggregateReport.objects.exists())


@transaction.atomic
def demo_reset() -> None:
    """Delete every staff member, course, record, report and change record, and the demo users.

    Agencies and the reference data (programme, indicators, categories) stay.
    """
    FirstPass.objects.all().delete()
    TrainingRecord.objects.all().delete()
    Course.objects.all().delete()
    AggregateReport.objects.all().delete()
    ChangeRecord.objects.all().delete()
    User.objects.filter(username__in=[login.username for login in DEMO_LOGINS]).delete()
    Staff.objects.all().delete()


def demo_seed(*, staff_count: int = DEFAULT_STAFF) -> SeedResult:
    """Seed the demo into a database with no staff, courses, records or reports.

    Loads the Đắk Nông fixture first when the agency tree is empty.
    """
    if staff_count < 1:
        raise DemoError("The number of staff must be positive.")
    if has_roster_data() or demo_users_exist():
        raise DemoError("The database already holds staff, courses, records, reports or demo users.")
    began = time.perf_counter()
    with transaction.atomic():
        loaded = 0
        if not Agency.objects.exists():
            call_command("loaddata", "daknong", verbosity=0)
            loaded = Agency.objects.count()
        agencies = list(Agency.objects.order_by("path"))
        by_code = {a.code: a for a in agencies}
        missing = {ROOT_CODE, "STTTT", "SNV", "VP-UBND", "SGDDT", "SLDTBXH", "SKHDT", *DISTRICT_PROGRESS} - set(by_code)
        if missing:
            raise DemoError(f"The agency tree is not the Đắk Nông fixture (missing {', '.join(sorted(missing))}).")
        programme = Programme.objects.filter(is_current=True).first()
        programme_start = programme.start_date if programme else datetime.date(2016, 11, 16)
        indicators = {i.code: i for i in Indicator.objects.filter(programme=programme)}
        categories = {c.code: c for c in CourseCategory.objects.all()}

        rng = random.Random(SEED)
        places = _places(agencies)
        counts = _apportion(staff_count, [_size(p) for p in places])
        people = _build_staff(rng, places, counts)
        Staff.objects.bulk_create(people, batch_size=2000)
        staff_ids = dict(Staff.objects.values_list("code", "pk"))
        for person in people:
            person.pk = staff_ids[person.code]

        drafts = _build_courses(rng, categories, by_code)
        Course.objects.bulk_create([d.course for d in drafts], batch_size=1000)
        course_ids = dict(Course.objects.values_list("code", "pk"))
        for draft in drafts:
            draft.course.pk = course_ids[draft.course.code]

        places_by_agency = {p.agency.pk: p for p in places}
        records = _build_records(rng, people, places_by_agency, drafts, programme_start)
        TrainingRecord.objects.bulk_create(records, batch_size=2000)

        reports = _build_reports(rng, indicators, by_code) if indicators else []
        AggregateReport.objects.bulk_create(reports)

        for login in DEMO_LOGINS:
            User.objects.create_user(
                login.username, login.password, full_name=login.full_name, role=login.role,
                agency=by_code[login.agency_code] if login.agency_code else None,
            )
        refresh_first_passes()
    return SeedResult(agencies_loaded=loaded, staff=len(people), courses=len(drafts), records=len(records),
                      reports=len(reports), seconds=time.perf_counter() - began)
