"""Demo aggregate reports (teachers, students, enterprises, citizens) by the agencies that report them."""
from __future__ import annotations

from agencies.models import Agency
from targets.models import AggregateReport, Indicator

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


def build_reports(rng, indicators: dict[str, Indicator], agencies: dict[str, Agency]) -> list[AggregateReport]:
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
    return reports

