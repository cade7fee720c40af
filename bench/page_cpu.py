"""CPU per request of each page of bench/load.py, in-process, with where it goes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5444/portal_load .venv/bin/python bench/page_cpu.py

For each page of load.READ_PAGES, as a leader (and an officer), N requests through Django's test
client (the whole middleware stack, the session and the request log included), reporting the median
CPU time of this process per request (time.process_time: the database's own work is not in it) and
the part of it spent rendering templates, with DEBUG off as in production. Figures are taken with the result cache warm
(every reader after the first) and, for the pages that compute attainment, cold (the first reader
after a write).
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(BASE_DIR))
sys.path.insert(0, str(BASE_DIR / "bench"))


class RenderClock:
    """Accumulates the CPU time of outermost template renders."""

    def __init__(self):
        self.depth = 0
        self.spent = 0.0

    def install(self):
        from django.template import base

        original = base.Template.render
        clock = self

        def render(template, context):
            clock.depth += 1
            started = time.process_time() if clock.depth == 1 else None
            try:
                return original(template, context)
            finally:
                clock.depth -= 1
                if started is not None:
                    clock.spent += time.process_time() - started

        base.Template.render = render


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")
    os.environ.setdefault("REQUEST_LOG", "1")
    # As in production: no DEBUG (templates parsed once and cached, no query log).
    os.environ.setdefault("DEBUG", "False")
    os.environ.setdefault("SECRET_KEY", "page-cpu-bench-" + "x" * 40)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "False")  # plain HTTP behind nginx, as load.py uses
    import logging

    import django

    django.setup()
    logging.getLogger("portal.requests").handlers = [logging.NullHandler()]  # formatted, then dropped
    import load
    from django.core.cache import cache
    from django.test import Client

    from agencies.models import Agency, Staff, User
    from training.models import Course

    clock = RenderClock()
    clock.install()
    leader = User.objects.filter(role=User.Role.LEADER, is_active=True).order_by("pk").first()
    district = Agency.objects.filter(kind=Agency.Kind.DISTRICT_COMMITTEE).order_by("path").first()
    ids = {
        "agency": district.pk,
        "staff": Staff.objects.filter(agency__path__startswith=district.path).order_by("pk").first().pk,
        "course": Course.objects.order_by("pk").first().pk,
    }
    client = Client()
    client.force_login(leader)
    print(f"{'page':<22}{'CPU ms/request':>16}{'templates ms':>14}{'cold CPU ms':>13}")
    for label, target, pool, roles in load.READ_PAGES:
        path = load._path_template(target, pool)
        if path is None or "leader" not in roles:
            continue
        url = path.replace("{id}", str(ids[pool])) if pool else path
        client.get(url)  # warm: the cache, the templates, the connection
        cpu, render = [], []
        for _ in range(args.requests):
            clock.spent = 0.0
            started = time.process_time()
            response = client.get(url, follow=True)
            cpu.append(time.process_time() - started)
            render.append(clock.spent)
            assert response.status_code == 200, (url, response.status_code)
        cold = []
        if "attainment" in label or label == "home":
            for _ in range(5):
                cache.clear()
                started = time.process_time()
                assert client.get(url).status_code == 200
                cold.append(time.process_time() - started)
        # Medians: a machine shared with other work adds outliers, not a uniform slowdown.
        print(f"{label:<22}{statistics.median(cpu) * 1000:>16.1f}{statistics.median(render) * 1000:>14.1f}"
              f"{(statistics.median(cold) * 1000 if cold else float('nan')):>13.1f}")


if __name__ == "__main__":
    main()
