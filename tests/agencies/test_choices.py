"""ChoiceLabels: get_FOO_display as Django's, in the active language, without rebuilding the choices."""
from django.utils import translation

from agencies.models import Agency, Level, Staff


def test_labels_follow_the_active_language_and_unknown_values_show_as_stored():
    agency = Agency(code="X", name="X", level=Level.DISTRICT, kind=Agency.Kind.DISTRICT_COMMITTEE)
    person = Staff(code="1", full_name="A", it_qualification="university")
    with translation.override("en"):
        assert (agency.get_level_display(), person.get_it_qualification_display()) == ("District", "University")
    with translation.override("vi"):
        assert (agency.get_level_display(), person.get_it_qualification_display()) == ("Cấp huyện", "Đại học")
    person.it_qualification = "not-a-choice"
    assert person.get_it_qualification_display() == "not-a-choice"
