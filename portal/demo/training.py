"""Demo courses (province-wide and by district, 2016 to 2026) and everyone's training records."""
from __future__ import annotations

import bisect
import datetime
import random
from collections import defaultdict
from dataclasses import dataclass

from agencies.models import Agency, Staff
from training.models import Course, CourseCategory, TrainingRecord

from .names import person_name
from .people import Place
from .profile import (
    DATA_UNTIL,
    DEFAULT_PROGRESS,
    DEPARTMENT_PROGRESS,
    DISTRICT_PROGRESS,
    END_2020,
    RESULTS_PENDING_AFTER,
    weighted,
)

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


@dataclass
class CourseDraft:
    course: Course
    scope: str  # "P" for province-wide, else the district committee's code


def _trainer(rng: random.Random) -> str:
    gender = "male" if rng.random() < 0.7 else "female"
    title = weighted(rng, [("ThS.", 5), ("KS.", 3), ("TS.", 1), ("CN.", 1)])
    return f"{title} {person_name(rng, gender, False)} ({rng.choice(TRAINER_PLACES)})"


def _course(rng, *, code, category, title, start, organiser, place, agency_id) -> Course:
    hours = rng.choice(COURSE_HOURS[category.code])
    days = max(1, hours // 8)
    end = start + datetime.timedelta(days=days - 1 + 2 * ((days - 1) // 5))  # skip weekends roughly
    return Course(code=code, name=title, category=category, start_date=start, end_date=end, organiser=organiser,
                  hours=hours, place=place, trainer=_trainer(rng), agency_id=agency_id)


def build_courses(rng: random.Random, categories: dict[str, CourseCategory], agencies: dict[str, Agency]) -> list[CourseDraft]:
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
                drafts.append(CourseDraft(_course(
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
                drafts.append(CourseDraft(_course(
                    rng, code=f"KH{year}-{short}-{CATEGORY_ABBR[code]}{k:02d}", category=categories[code], title=title,
                    start=start, organiser=f"UBND {place_name}", place=f"Hội trường UBND {place_name}",
                    agency_id=district.pk), district_code))
    return drafts


class _CourseIndex:
    """Courses by (scope, category), sorted by end date, for picking one that ended in a window."""

    def __init__(self, drafts: list[CourseDraft]):
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


def _progress(place: Place) -> tuple[float, float]:
    if place.district:
        by_2020, final, commune_2020, commune_final, _year = DISTRICT_PROGRESS[place.district.code]
        return (commune_2020, commune_final) if place.agency.kind == Agency.Kind.COMMUNE_COMMITTEE else (by_2020, final)
    return DEPARTMENT_PROGRESS.get(place.department or "", DEFAULT_PROGRESS)


class _Trainee:
    """One person's records: picks courses in date windows, never the same course twice."""

    def __init__(self, rng, index: _CourseIndex, drafts: list[CourseDraft], person: Staff, place: Place,
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


def build_records(rng, people, places_by_agency, drafts, programme_start) -> list[TrainingRecord]:
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


def _district_code(place: Place) -> str | None:
    return place.district.code if place.district else None

