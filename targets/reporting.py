"""Which agencies are silent: no roster update, no training recorded, no aggregate report for the year."""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Max
from django.utils import timezone

from agencies.models import Agency, Staff
from training.models import TrainingRecord

from .models import AggregateReport

# Agencies that keep a roster for their own same-level subtree (a district committee for its offices
# and schools, a commune for itself): the natural unit to chase when data stops coming.
WATCHED_KINDS = (Agency.Kind.DEPARTMENT, Agency.Kind.DISTRICT_COMMITTEE, Agency.Kind.COMMUNE_COMMITTEE)
QUIET_DAYS = 365


@dataclass(frozen=True)
class SilentAgency:
    agency_id: int
    code: str
    name: str
    path: str
    last_roster_update: datetime.datetime | None
    no_roster_update: bool
    no_training: bool
    missing_reports: tuple[str, ...]


def silent_agencies(*, as_of: datetime.date, user) -> list[SilentAgency]:
    """Watched agencies visible to `user` with at least one silence in the twelve months before `as_of`.

    Four queries whatever the number of agencies: roster and training activity are grouped by
    agency in the database and credited in Python to the watched agency that owns each roster.
    """
    nodes = list(Agency.objects.visible_to(user).order_by("path").values("id", "code", "name", "level", "kind", "path"))
    by_id = {n["id"]: n for n in nodes}
    until = timezone.make_aware(datetime.datetime.combine(as_of + datetime.timedelta(days=1), datetime.time()))
    since = until - datetime.timedelta(days=QUIET_DAYS + 1)

    def owner(agency_id: int) -> int | None:
        node = by_id.get(agency_id)
        if node is None:
            return None
        for pk in reversed([int(s) for s in node["path"].split("/") if s]):
            candidate = by_id.get(pk)
            if candidate and candidate["kind"] in WATCHED_KINDS and candidate["level"] == node["level"]:
                return pk
        return None

    staff = Staff.objects.visible_to(user).filter(updated_at__lt=until)
    last_update: dict[int, datetime.datetime] = {}
    for row in staff.order_by().values("agency_id").annotate(last=Max("updated_at")):
        pk = owner(row["agency_id"])
        if pk is not None and (pk not in last_update or row["last"] > last_update[pk]):
            last_update[pk] = row["last"]
    records = TrainingRecord.objects.visible_to(user).filter(created_at__gte=since, created_at__lt=until)
    trained = {owner(pk) for pk in records.order_by().values_list("staff__agency_id", flat=True).distinct()}

    reported: dict[int, set[str]] = {}
    this_year: dict[int, set[str]] = {}
    reports = AggregateReport.objects.filter(agency_id__in=list(by_id), year__lte=as_of.year)
    for agency_id, code, year in reports.values_list("agency_id", "indicator__code", "year"):
        reported.setdefault(agency_id, set()).add(code)
        if year == as_of.year:
            this_year.setdefault(agency_id, set()).add(code)

    silent = []
    for node in nodes:
        watched = node["kind"] in WATCHED_KINDS
        if not watched and node["id"] not in reported:
            continue
        last = last_update.get(node["id"])
        no_roster = watched and (last is None or last < since)
        no_training = watched and node["id"] not in trained
        missing = tuple(sorted(reported.get(node["id"], set()) - this_year.get(node["id"], set())))
        if no_roster or no_training or missing:
            silent.append(SilentAgency(
                agency_id=node["id"], code=node["code"], name=node["name"], path=node["path"],
                last_roster_update=last, no_roster_update=no_roster, no_training=no_training, missing_reports=missing,
            ))
    return silent
