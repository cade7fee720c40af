"""The shape of the demo province: dates, sizes, progress and gaps, and the small random helpers.

These numbers are tuned so that the dashboards tell a story (see portal/demo/__init__.py).
"""
from __future__ import annotations

import datetime
import random

SEED = 1965
# A fixed horizon rather than today(), so that a seeded database is the same whenever it is made.
DATA_UNTIL = datetime.date(2026, 11, 20)
# Courses that ended after this day have no results entered yet (records stay "pending").
RESULTS_PENDING_AFTER = datetime.date(2026, 10, 31)
END_2020 = datetime.date(2020, 12, 31)

# Staff per agency, as relative weights scaled to the requested head count.

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


def weighted(rng: random.Random, pairs):
    """One item of [(item, weight), ...], drawn in proportion to the weights."""
    return rng.choices([p for p, _w in pairs], weights=[w for _p, w in pairs])[0]


def random_day(rng: random.Random, first: datetime.date, last: datetime.date) -> datetime.date:
    return first + datetime.timedelta(days=rng.randint(0, max(0, (last - first).days)))


def apportion(total: int, weights: list[float]) -> list[int]:
    """Largest-remainder split of `total` in proportion to `weights` (deterministic, sums exactly)."""
    whole = sum(weights)
    shares = [total * w / whole for w in weights]
    counts = [int(s) for s in shares]
    order = sorted(range(len(weights)), key=lambda i: (-(shares[i] - counts[i]), i))
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts

