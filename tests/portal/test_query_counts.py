"""Every list page has a query-count test, as every URL has a line in the permission matrix.

A page that shows rows of data must run the same number of queries whatever the number of rows
(the tests below compare the count before and after adding rows). A URL named `*-list` is a list
page by its name; the others that list rows are declared in OTHER_LIST_PAGES. Each is registered in
QUERY_COUNT_TESTS with the test that pins its count: a new list page without one fails
`test_every_list_page_has_a_query_count_test`.
"""
from __future__ import annotations

import importlib
import inspect

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

# Pages that list rows without being named "-list".
OTHER_LIST_PAGES = {
    "home",                            # the overview: a scorecard line per district and department
    "targets:agency",                  # an agency's attainment: a row per unit below it
    "targets:not-counted",             # the people (or agencies) not yet counted
    "targets:reporting",               # the silent agencies
    "targets:results",                 # the programme's results: a row per indicator and deadline
    "targets:staff-detail",            # a person's training records and change history
    "agencies:agency-detail",          # an agency's staff and its units
    "training:course-detail",          # a course's participants
    "training:participant-results",    # a page of participants' results
    "training:participant-add",        # the people found to put on a course
    "api-attainment",                  # the attainment document: a row per agency
    "imports:history",                 # the import runs
}

QUERY_COUNT_TESTS = {
    "home": "tests.targets.test_dashboards:test_query_count_is_the_same_when_the_data_doubles",
    "agencies:agency-list": "tests.agencies.test_staff_views:test_agency_list_query_count_does_not_grow_with_rows",
    "agencies:staff-list": "tests.agencies.test_staff_views:test_directory_query_count_does_not_grow_with_rows",
    "agencies:agency-detail":
        "tests.agencies.test_staff_views:test_agency_detail_query_count_does_not_grow_with_staff_or_children",
    "training:course-list": "tests.training.test_course_views:test_course_list_query_count_does_not_grow_with_rows",
    "training:course-detail":
        "tests.training.test_course_views:test_course_detail_query_count_does_not_grow_with_participants",
    "training:participant-results":
        "tests.training.test_participants:test_results_page_query_count_does_not_grow_with_participants",
    "targets:agency": "tests.targets.test_views:test_agency_page_query_count_is_constant",
    "targets:not-counted": "tests.targets.test_views:test_not_counted_query_count_is_constant",
    "targets:reporting": "tests.targets.test_views:test_reporting_panel_query_count_does_not_grow_with_agencies",
    "targets:report-list": "tests.targets.test_report_views:test_list_query_count_does_not_grow_with_rows",
    "targets:results": "tests.targets.test_programme_results:test_results_query_count_does_not_grow_with_the_data",
    "targets:staff-detail": "tests.targets.test_person_views:test_person_page_query_count_does_not_grow_with_records",
    "training:participant-add":
        "tests.training.test_participants:test_search_query_count_does_not_grow_with_candidates",
    "api-attainment": "tests.targets.test_dashboards:test_api_query_count_is_the_same_when_the_data_doubles",
    "imports:history": "tests.portal.test_import_views:test_history_lists_who_imported_which_file",
}

COUNTING = ("django_assert_num_queries", "django_assert_max_num_queries", "CaptureQueriesContext")


def _named_urls(patterns, namespace: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            yield from _named_urls(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern) and pattern.name:
            yield f"{namespace}{pattern.name}"


def test_every_list_page_has_a_query_count_test():
    names = set(_named_urls(get_resolver().url_patterns))
    list_pages = {name for name in names if name.endswith("-list")} | OTHER_LIST_PAGES
    assert list_pages - QUERY_COUNT_TESTS.keys() == set(), "list pages with no query-count test registered"
    assert QUERY_COUNT_TESTS.keys() - names == set(), "query-count tests registered for URLs that do not exist"
    assert OTHER_LIST_PAGES <= names


@pytest.mark.parametrize("name", sorted(QUERY_COUNT_TESTS))
def test_each_registered_test_exists_and_counts_queries(name):
    module_name, function_name = QUERY_COUNT_TESTS[name].split(":")
    test = getattr(importlib.import_module(module_name), function_name, None)
    assert callable(test), f"{QUERY_COUNT_TESTS[name]} does not exist"
    source = inspect.getsource(test)
    assert any(tool in source for tool in COUNTING), f"{QUERY_COUNT_TESTS[name]} counts no queries"
