"""agencies.links: each link worked out once per process, and the same link Django would give."""
from unittest import mock

import pytest
from django.http import HttpResponse
from django.template import Context, Template
from django.test import override_settings
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, path, set_script_prefix
from django.urls import reverse as django_reverse
from django.urls.resolvers import LocalePrefixPattern
from django.utils.functional import Promise

from agencies import links
from agencies.models import Agency

urlpatterns = [
    path("elsewhere/<int:pk>/", lambda request, pk: HttpResponse(), name="elsewhere"),
    path("named/<str:name>/", lambda request, name: HttpResponse(), name="named"),
]


@pytest.fixture(autouse=True)
def empty_link_cache():
    links._reverse.cache_clear()
    yield
    links._reverse.cache_clear()


def counting_reverse():
    return mock.patch.object(links, "django_reverse", wraps=django_reverse)


def test_a_link_is_djangos_and_is_worked_out_once():
    with counting_reverse() as reverse:
        first = links.reverse("agencies:agency-detail", args=[7])
        again = links.reverse("agencies:agency-detail", args=(7,))
        other = links.reverse("agencies:agency-detail", args=["8"])
    assert first == again == django_reverse("agencies:agency-detail", args=[7])
    assert other == django_reverse("agencies:agency-detail", args=[8])
    assert reverse.call_count == 2


def test_keyword_arguments_are_part_of_the_key():
    with counting_reverse() as reverse:
        assert links.reverse("agencies:agency-detail", kwargs={"pk": 3}) == django_reverse(
            "agencies:agency-detail", kwargs={"pk": 3})
        assert links.reverse("agencies:agency-detail", kwargs={"pk": 4}).endswith("/4/")
        links.reverse("agencies:agency-detail", kwargs={"pk": 3})
    assert reverse.call_count == 2


@override_settings(ROOT_URLCONF=__name__)
def test_arguments_other_than_ids_are_reversed_every_time():
    """A model's link text is its __str__, which can change under the same primary key."""
    agency = Agency(pk=5, code="X", name="So5")
    with counting_reverse() as reverse:
        assert links.reverse("named", args=[agency]) == "/named/So5/"
        agency.name = "Sở-5"
        assert links.reverse("named", args=[agency]) == django_reverse("named", args=["Sở-5"])
    assert reverse.call_count == 2


def test_the_script_prefix_is_part_of_the_key():
    plain = links.reverse("agencies:agency-detail", args=[1])
    set_script_prefix("/cong/")
    try:
        prefixed = links.reverse("agencies:agency-detail", args=[1])
    finally:
        set_script_prefix("/")
    assert prefixed == "/cong" + plain
    assert links.reverse("agencies:agency-detail", args=[1]) == plain


def test_the_urlconf_is_part_of_the_key():
    assert links.reverse("agencies:agency-detail", args=[1])
    with override_settings(ROOT_URLCONF=__name__):
        assert links.reverse("elsewhere", args=[1]) == "/elsewhere/1/"
        with pytest.raises(NoReverseMatch):
            links.reverse("agencies:agency-detail", args=[1])


def test_no_url_pattern_depends_on_the_language():
    """The cache leaves the language out of its key: that holds while no route is translated."""
    def walk(patterns):
        for entry in patterns:
            yield entry
            if isinstance(entry, URLResolver):
                yield from walk(entry.url_patterns)

    for entry in walk(get_resolver().url_patterns):
        assert isinstance(entry, URLPattern | URLResolver)
        assert not isinstance(entry.pattern, LocalePrefixPattern), entry
        assert not isinstance(getattr(entry.pattern, "_route", getattr(entry.pattern, "_regex", "")), Promise), entry


def test_the_url_tag_reverses_through_the_cache():
    template = Template("{% url 'agencies:agency-detail' pk %}")
    with counting_reverse() as reverse:
        assert template.render(Context({"pk": 3})) == template.render(Context({"pk": 3}))
    assert reverse.call_count == 1


def test_the_url_tag_renders_as_djangos():
    rendered = Template(
        "{% url 'agencies:agency-detail' pk %}|{% url 'agencies:agency-detail' pk=pk %}|"
        "{% url 'no-such-page' as missing %}[{{ missing }}]|{% url 'agencies:agency-list' as list %}{{ list }}"
    ).render(Context({"pk": 12}))
    detail = django_reverse("agencies:agency-detail", args=[12])
    assert rendered == f"{detail}|{detail}|[]|{django_reverse('agencies:agency-list')}"
    with pytest.raises(NoReverseMatch):
        Template("{% url 'no-such-page' %}").render(Context())


@override_settings(ROOT_URLCONF=__name__)
def test_the_url_tag_escapes_what_it_writes():
    assert Template("{% url 'named' name %}").render(Context({"name": "a&b"})) == "/named/a&amp;b/"
    assert Template("{% autoescape off %}{% url 'named' name %}{% endautoescape %}").render(
        Context({"name": "a&b"})) == "/named/a&b/"
