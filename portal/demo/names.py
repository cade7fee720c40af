"""Vietnamese names for demo people: Kinh family, middle and given names, and M'Nông and Ê Đê names."""
from __future__ import annotations

import random

from .profile import weighted

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


def person_name(rng: random.Random, gender: str, local: bool) -> str:
    if local and rng.random() < 0.12:
        if rng.random() < 0.6:
            family, given = MNONG[gender]
            return f"{family} {rng.choice(given)}"
        prefix = "Y" if gender == "male" else "H'"
        sep = " " if gender == "male" else ""
        return f"{prefix}{sep}{rng.choice(EDE_GIVEN[gender])} {rng.choice(EDE_FAMILY)}"
    family = weighted(rng, FAMILY)
    middle = weighted(rng, MIDDLE[gender])
    given = rng.choice(GIVEN[gender])
    if given == middle:
        given = rng.choice(GIVEN[gender])
    if rng.random() < 0.12:  # a second middle name: "Nguyễn Thị Thu Hà", "Trần Văn Minh Đức"
        second = weighted(rng, MIDDLE[gender][1:])
        return f"{family} {MIDDLE[gender][0][0]} {second} {given}"
    return f"{family} {middle} {given}"
