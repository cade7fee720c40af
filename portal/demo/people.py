"""Demo staff: how many people each agency has, their titles, categories, flags and dates."""
from __future__ import annotations

import datetime
import random
from dataclasses import dataclass

from agencies.models import Agency, Staff
from sheets.text import fold

from .names import person_name
from .profile import (
    COMMUNE_SIZE,
    DATA_UNTIL,
    DEPARTMENT_SIZE,
    DISTRICT_OFFICE_SIZE,
    LATE_CIO,
    NO_CIO,
    NO_IT_STAFF,
    SCHOOL_SIZE,
    UNIT_SIZE,
    random_day,
    weighted,
)


@dataclass
class Place:
    """Where an agency sits: what its people's size, titles and training progress depend on."""

    agency: Agency
    district: Agency | None  # the district committee above (or being) a district/commune agency
    department: str | None  # the province-level key agency above (or being) the agency
    office: str  # last part of a district office code ("VP", "PVHTT"), else ""


def places_of(agencies: list[Agency]) -> list[Place]:
    by_path = {a.path: a for a in agencies}
    places = []
    for agency in agencies:
        ancestors = [by_path[path] for path in (*agency.ancestor_paths, agency.path)]
        district = next((a for a in ancestors if a.kind == Agency.Kind.DISTRICT_COMMITTEE), None)
        department = next((a.code for a in ancestors if a.kind == Agency.Kind.DEPARTMENT), None)
        office = agency.code.rsplit("-", 1)[1] if district and agency.kind == Agency.Kind.UNIT else ""
        places.append(Place(agency, district, department, office))
    return places


def size_of(place: Place) -> float:
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


def _staff_pool(place: Place) -> list:
    agency = place.agency
    if agency.kind == Agency.Kind.SCHOOL:
        return SCHOOL_STAFF
    if agency.kind == Agency.Kind.UNIT and not place.district:
        for start, pool in SERVICE_STAFF.items():
            if agency.name.startswith(start):
                return pool
    return OFFICE_STAFF


def _roster(rng: random.Random, place: Place, n: int) -> list[tuple[str, str, bool]]:
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
        position, cat = weighted(rng, pool)
        roster.append((position, cat, False))
    return roster[:n]


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


def _it_staff_count(rng: random.Random, place: Place, n: int) -> int:
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


def build_staff(rng: random.Random, places: list[Place], counts: list[int]) -> list[Staff]:
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
            name = person_name(rng, gender, local)
            birth, birth_year, joined = _dates(rng, leader)
            person = Staff(
                code=f"DN{number:06d}", full_name=name, name_folded=fold(name), agency_id=agency.pk,
                category=category, birth_date=birth, birth_year=birth_year, gender=gender, position=position,
                is_leader=leader, joined_on=joined,
                it_qualification=weighted(rng, OTHER_QUALIFICATIONS),
            )
            if i in it_slots:
                person.is_it_staff = True
                person.category = it_category
                person.position = "Viên chức CNTT" if person.category == "VC" else "Chuyên viên CNTT"
                person.it_qualification = weighted(rng, IT_QUALIFICATIONS)
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
                    person.left_on = random_day(rng, earliest, DATA_UNTIL)
            people.append(person)
    return people
