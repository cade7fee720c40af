import pytest
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
