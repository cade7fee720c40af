"""Building a class from an attendance sheet: a pasted column of staff codes, two of them mistyped."""
from __future__ import annotations

import re

import pytest

from .support import exact, follow, t

pytestmark = pytest.mark.browser


def test_a_pasted_list_of_30_codes_with_2_typos_adds_28_and_lists_the_2(page, sign_in):
    sign_in("quantri")
    follow(page, page.get_by_role("link", name=exact(t("Courses"))).first)
    follow(page, page.locator("main table tbody tr a").first)
    follow(page, page.get_by_role("link", name=t("Add participants")))

    # Thirty people on no course yet, as an officer would copy them from a sheet.
    page.get_by_label(t("Show")).select_option("untrained")
    follow(page, page.get_by_role("button", name=exact(t("Search"))))
    codes = page.locator("main table tbody tr td:nth-child(2)").all_inner_texts()[:30]
    assert len(codes) == 30
    typos = [codes[4] + "X", "Q" + codes[17]]
    pasted = codes[:4] + [typos[0]] + codes[5:17] + [typos[1].lower()] + codes[18:]

    page.get_by_text(t("Paste a list from an attendance sheet")).click()
    page.get_by_label(t("Paste staff codes or full names, one a line")).fill("\n".join(pasted))
    follow(page, page.get_by_role("button", name=t("Find these people")))

    found = page.locator("#pasted table tbody tr")
    assert found.count() == 28
    assert page.locator("#pasted input[name=staff]:checked").count() == 28
    unmatched = page.locator("#unmatched li").all_inner_texts()
    assert [line.split(":")[0] for line in unmatched] == [typos[0], typos[1].lower()]

    follow(page, page.locator("#pasted").get_by_role("button", name=t("Add the people ticked")))
    message = page.get_by_role("alert").first.inner_text()
    assert re.search(r"\b28\b", message)
