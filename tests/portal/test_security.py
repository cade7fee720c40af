"""Production settings, the Content-Security-Policy, password rules, sessions and deactivation."""
import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, make_password
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from agencies.models import ChangeRecord, User

BASE_DIR = Path(__file__).resolve().parents[2]


def _production_env(**extra) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SECURE_", "SESSION_", "CSRF_", "CONN_"))}
    env.update(DEBUG="False", SECRET_KEY=secrets.token_urlsafe(64), ALLOWED_HOSTS="portal.example.gov.vn",
               CSRF_TRUSTED_ORIGINS="https://portal.example.gov.vn", TRUST_X_FORWARDED_FOR="true")
    env.update(extra)
    return env


def test_deploy_check_is_clean_in_production():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=BASE_DIR, env=_production_env(), capture_output=True, text=True, timeout=120,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output
    assert "WARNING" not in output


def test_deploy_check_warns_when_the_proxy_address_is_not_trusted():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy"],
        cwd=BASE_DIR, env=_production_env(TRUST_X_FORWARDED_FOR="false"), capture_output=True, text=True, timeout=120,
    )
    assert "accounts.W001" in result.stdout + result.stderr


def test_production_settings_values():
    script = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({'secure': [s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT], "
        "'hsts': s.SECURE_HSTS_SECONDS, 'proxy': list(s.SECURE_PROXY_SSL_HEADER), "
        "'conn_max_age': s.DATABASES['default']['CONN_MAX_AGE'], "
        "'health_checks': s.DATABASES['default']['CONN_HEALTH_CHECKS'], "
        "'static': s.STORAGES['staticfiles']['BACKEND']}))"
    )
    env = _production_env(DJANGO_SETTINGS_MODULE="portal.settings")
    result = subprocess.run([sys.executable, "-c", script], cwd=BASE_DIR, env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode == 0, result.stderr
    values = json.loads(result.stdout)
    assert values["secure"] == [True, True, True]
    assert values["hsts"] >= 31536000
    assert values["proxy"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert values["conn_max_age"] == 60
    assert values["health_checks"] is True
    assert values["static"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


@pytest.mark.parametrize("url_name", ["login", "healthz"])
def test_csp_header_on_public_pages(client, db, url_name):
    response = client.get(reverse(url_name))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy


def test_csp_header_on_signed_in_pages_and_admin(client, national_admin, tree):
    client.force_login(national_admin)
    for url in [reverse("home"), reverse("agencies:agency-list"), reverse("agencies:agency-detail", args=[tree.province.pk]),
                reverse("admin:index"), reverse("admin:agencies_user_changelist")]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "script-src 'self'" in response["Content-Security-Policy"], url


_INLINE_PATTERNS = {
    "inline script": re.compile(r"<script(?![^>]*\bsrc\b)[^>]*>", re.IGNORECASE),
    "style attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "style element": re.compile(r"<style\b", re.IGNORECASE),
    "event handler attribute": re.compile(r"\son[a-z]+\s*=\s*[\"']", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}


def test_templates_have_nothing_the_csp_would_block():
    offenders = []
    for path in sorted((BASE_DIR / "templates").rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for label, pattern in _INLINE_PATTERNS.items():
            if pattern.search(text):
                offenders.append(f"{path.relative_to(BASE_DIR)}: {label}")
    assert offenders == []


def test_argon2_is_the_first_password_hasher():
    # tests/conftest.py swaps in a fast hasher, so read the settings module itself.
    import portal.settings as production

    assert production.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    hasher = Argon2PasswordHasher()
    encoded = make_password("mật khẩu đủ dài", hasher=hasher)
    assert encoded.startswith("argon2$")
    assert hasher.verify("mật khẩu đủ dài", encoded)
    assert not hasher.verify("mật khẩu khác", encoded)


def test_passwords_need_ten_characters():
    with pytest.raises(ValidationError):
        validate_password("Tn9#kq2Lz")
    validate_password("Tn9#kq2Lzw")


def test_common_and_numeric_passwords_are_refused():
    for weak in ["password123", "1234567890123"]:
        with pytest.raises(ValidationError):
            validate_password(weak)


def test_session_ends_with_the_browser_and_after_a_working_day(client, district_officer, settings):
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE is True
    assert settings.SESSION_COOKIE_AGE <= 8 * 60 * 60
    response = client.post(reverse("login"), {"username": "officer-a", "password": "pw"})
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == "" and cookie["expires"] == ""
    assert cookie["httponly"]
    assert client.session.get_expiry_age() <= 8 * 60 * 60


def test_deactivated_user_is_signed_out_on_next_request(client, district_officer):
    client.force_login(district_officer)
    assert client.get(reverse("home")).status_code == 200
    User.objects.filter(pk=district_officer.pk).update(is_active=False)
    response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_deactivated_user_cannot_sign_in_again(client, district_officer):
    User.objects.filter(pk=district_officer.pk).update(is_active=False)
    response = client.post(reverse("login"), {"username": "officer-a", "password": "pw"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_admin_action_deactivates_users_and_their_sessions(client, national_admin, district_officer, outsider):
    officer_client = type(client)()
    officer_client.force_login(district_officer)
    client.force_login(national_admin)
    response = client.post(reverse("admin:agencies_user_changelist"), {
        "action": "deactivate_users", "_selected_action": [district_officer.pk, national_admin.pk],
    }, follow=True)
    assert response.status_code == 200
    district_officer.refresh_from_db()
    national_admin.refresh_from_db()
    outsider.refresh_from_db()
    assert (district_officer.is_active, national_admin.is_active, outsider.is_active) == (False, True, True)
    assert ChangeRecord.objects.filter(model="agencies.User", object_id=str(district_officer.pk),
                                       changes={"is_active": [True, False]}).count() == 1
    assert officer_client.get(reverse("home")).status_code == 302


def test_admin_action_is_for_administrators_only(client, leader, district_officer):
    client.force_login(leader)
    response = client.post(reverse("admin:agencies_user_changelist"), {
        "action": "deactivate_users", "_selected_action": [district_officer.pk],
    })
    assert response.status_code == 302  # the admin sends non-staff to its sign-in page
    district_officer.refresh_from_db()
    assert district_officer.is_active


def test_anonymous_user_cannot_reach_admin_action(client, district_officer):
    response = client.post(reverse("admin:agencies_user_changelist"), {
        "action": "deactivate_users", "_selected_action": [district_officer.pk],
    })
    assert response.status_code == 302
    district_officer.refresh_from_db()
    assert district_officer.is_active


def test_pages_for_signed_in_people_are_never_stored(client, district_officer, tree):
    """Shared office computers: nothing shown to a signed-in person stays in a cache (NoStoreForSignedInMiddleware)."""
    client.force_login(district_officer)
    for url in (reverse("home"), reverse("home") + "?format=xlsx", reverse("agencies:staff-list"),
                reverse("targets:agency", args=[tree.district_a.pk]) + "?format=xlsx"):
        response = client.get(url)
        assert response.status_code == 200 and "no-store" in response["Cache-Control"], url

