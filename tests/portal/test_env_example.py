"""`.env.example` documents every environment variable the settings read."""
import re
from pathlib import Path

from django.conf import settings

BASE_DIR = Path(settings.BASE_DIR)
READ = re.compile(r"""(?:env_bool|env_int|env_list|os\.environ\.get|os\.getenv)\(\s*["']([A-Z0-9_]+)["']""")
LISTED = re.compile(r"^#?\s*([A-Z0-9_]+)=", re.MULTILINE)


def test_env_example_lists_every_variable_read_by_the_settings():
    read = set(READ.findall((BASE_DIR / "portal" / "settings.py").read_text(encoding="utf-8")))
    listed = set(LISTED.findall((BASE_DIR / ".env.example").read_text(encoding="utf-8")))
    assert {"DATABASE_URL", "SECRET_KEY", "DEBUG", "ALLOWED_HOSTS"} <= read
    assert read - listed == set()
