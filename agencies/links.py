"""Links to pages, each worked out once per process.

Django's `reverse` costs tens of microseconds, and a list page links every row (a person, an agency,
a course) besides the navigation: reversing was a tenth of such a page's CPU. The URL patterns do
not change while a process runs, so a link is a pure function of the view's name, its arguments,
the URLconf and the script prefix, and is kept under them. The patterns are not translated (a test
holds that), so the language is not part of the key.

Every app links through here (agencies is the app all others import); templates do too, since
portal.templatetags.links makes `{% url %}` call `reverse` below.
"""
from __future__ import annotations

from functools import lru_cache

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf
from django.urls import reverse as django_reverse

# Every agency, course and recently listed person: a few MB per process at most.
LINK_CACHE_SIZE = 16384


def reverse(viewname: str, args=(), kwargs=None, current_app: str | None = None) -> str:
    """Django's `reverse`, kept once worked out for names and ids (ints or strings); other arguments
    (a model whose text could change, say) are reversed every time."""
    kwargs = kwargs or {}
    if not all(type(value) in (int, str) for value in (*args, *kwargs.values())):
        return django_reverse(viewname, args=args, kwargs=kwargs, current_app=current_app)
    return _reverse(viewname, tuple(args), tuple(sorted(kwargs.items())), current_app,
                    get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())


@lru_cache(maxsize=LINK_CACHE_SIZE)
def _reverse(viewname: str, args: tuple, kwargs: tuple, current_app: str | None, urlconf: str, prefix: str) -> str:
    return django_reverse(viewname, urlconf=urlconf, args=args, kwargs=dict(kwargs), current_app=current_app)
