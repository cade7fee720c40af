#!/usr/bin/env bash
# Refreshes the translation catalogues from the source strings and compiles them:
#   1. makemessages for vi and en (Python and templates; no JavaScript string is translated), with
#      file-only locations so that moving a line does not rewrite the .po files;
#   2. lists the Vietnamese entries that still need a translator (empty or fuzzy);
#   3. compilemessages, so the committed .mo files match the .po files.
# Exits 1 while any Vietnamese entry is empty or fuzzy (tests/portal/test_translations.py fails too):
# translate them in locale/vi/LC_MESSAGES/django.po, remove the "fuzzy" flags, and run it again.
# Needs GNU gettext (Debian: apt-get install gettext). Python: $PORTAL_PYTHON if set (for example
# PORTAL_PYTHON=/path/to/venv/bin/python scripts/messages.sh), else the repository's .venv.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -n "${PORTAL_PYTHON:-}" ]; then
    python=$PORTAL_PYTHON
else
    # shellcheck source=scripts/_venv.sh
    . scripts/_venv.sh
    ensure_venv
    python=.venv/bin/python
fi
for tool in xgettext msgmerge msgfmt msgattrib; do
    command -v "$tool" >/dev/null || { echo "error: $tool not found; on Debian: apt-get install gettext" >&2; exit 2; }
done

# The same ignores as tests/portal/test_translations.py: test and benchmark strings are not shown to anyone.
"$python" manage.py makemessages -l vi -l en --no-obsolete --add-location=file \
    --ignore=.venv --ignore=staticfiles --ignore=tests --ignore=bench --ignore=test-artifacts

po=locale/vi/LC_MESSAGES/django.po
todo=$(msgattrib --no-wrap --untranslated "$po"; msgattrib --no-wrap --only-fuzzy "$po")
"$python" manage.py compilemessages --ignore=.venv >/dev/null
echo "vi: $(msgfmt --statistics -o /dev/null "$po" 2>&1)"
if [ -n "$todo" ]; then
    echo
    echo "Still to translate in $po (empty or fuzzy):"
    printf '%s\n' "$todo" | grep -E '^(msgctxt|msgid)' | grep -v '^msgid ""$' || true
    exit 1
fi
