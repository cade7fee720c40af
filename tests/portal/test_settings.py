import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from portal.settings import database_from_url


def test_postgres_url_is_parsed():
    db = database_from_url("postgres://portal:s%40cret@127.0.0.1:5432/portal_db")
    assert db == {
        "ENGINE": "django.db.backends.postgresql", "NAME": "portal_db", "USER": "portal",
        "PASSWORD": "s@cret", "HOST": "127.0.0.1", "PORT": "5432",
    }


def test_postgres_url_without_password_or_port():
    db = database_from_url("postgresql://postgres@localhost/portal")
    assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == ("postgres", "", "localhost", "", "portal")


def test_sqlite_url_with_absolute_path():
    assert database_from_url("sqlite:////var/lib/portal/db.sqlite3")["NAME"] == "/var/lib/portal/db.sqlite3"


def test_unknown_scheme_is_refused():
    with pytest.raises(ImproperlyConfigured):
        database_from_url("mysql://root@localhost/portal")


def test_query_string_options_reach_the_driver():
    db = database_from_url("postgres://portal@db.example/portal?sslmode=require&sslrootcert=%2Fetc%2Fca.pem&connect_timeout=10")
    assert db["OPTIONS"] == {"sslmode": "require", "sslrootcert": "/etc/ca.pem", "connect_timeout": 10}
    assert db["NAME"] == "portal"


def test_sqlite_options_too():
    assert database_from_url("sqlite:////tmp/p.sqlite3?timeout=20")["OPTIONS"] == {"timeout": 20}


def test_no_query_string_means_no_options():
    assert "OPTIONS" not in database_from_url("postgres://portal@db.example/portal")


def test_settings_keep_the_urls_options_and_add_the_connect_timeout_default():
    """The settings module as a fresh process reads it: sslmode kept, the URL's timeout wins over the default."""
    code = ("from django.conf import settings; o = settings.DATABASES['default']['OPTIONS'];"
            " print(o['sslmode'], o['connect_timeout'])")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings", "DEBUG": "1"}
    env.pop("DB_CONNECT_TIMEOUT", None)
    for url, expected in [
        ("postgres://p@127.0.0.1/x?sslmode=require&connect_timeout=9", "require 9"),
        ("postgres://p@127.0.0.1/x?sslmode=verify-full", "verify-full 3"),
    ]:
        env["DATABASE_URL"] = url
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True,
                             cwd=settings.BASE_DIR)
        assert out.stdout.split() == expected.split()
