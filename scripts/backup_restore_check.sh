#!/usr/bin/env bash
# Back up a PostgreSQL database with pg_dump -Fc, restore it into a scratch database with
# pg_restore, and compare the row count of every table (and the sequences) between the two.
#
#   scripts/backup_restore_check.sh [SOURCE_DB] [BACKUP_DIR]
#
# SOURCE_DB defaults to "portal", BACKUP_DIR to ./test-artifacts/backups. The server is chosen by the
# usual libpq variables (PGHOST, PGPORT, PGUSER); on a production machine run it as the postgres
# user: sudo -u postgres scripts/backup_restore_check.sh portal /var/backups/portal
# The scratch database "<SOURCE_DB>_restore_check" is dropped at the end unless KEEP_SCRATCH=1.
# Exit status: 0 when every count matches, 1 when one differs, 2 when a step failed.
set -euo pipefail

SOURCE_DB="${1:-portal}"
BACKUP_DIR="${2:-$(pwd)/test-artifacts/backups}"
SCRATCH_DB="${SOURCE_DB}_restore_check"
export PGHOST="${PGHOST:-127.0.0.1}" PGPORT="${PGPORT:-5432}" PGUSER="${PGUSER:-postgres}"
export PGOPTIONS="${PGOPTIONS:---client-min-messages=warning}"

fail() { echo "backup_restore_check: $*" >&2; exit 2; }
psql_value() { psql -X -d "$1" -tAc "$2"; }

mkdir -p "$BACKUP_DIR"
DUMP="$BACKUP_DIR/${SOURCE_DB}-$(date +%Y%m%d-%H%M%S).dump"
now() { date +%s.%N; }
started=$(now)

echo "== backup: pg_dump -Fc $SOURCE_DB -> $DUMP"
# One consistent snapshot: the portal may keep serving (and writing) while this runs.
pg_dump -Fc -d "$SOURCE_DB" -f "$DUMP" || fail "pg_dump failed"
pg_restore --list "$DUMP" > /dev/null || fail "the archive is not readable"
dumped=$(now)

echo "== restore: pg_restore into scratch database $SCRATCH_DB"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS \"$SCRATCH_DB\" WITH (FORCE)" || fail "cannot drop $SCRATCH_DB"
psql -X -q -d postgres -c "CREATE DATABASE \"$SCRATCH_DB\"" || fail "cannot create $SCRATCH_DB"
pg_restore --no-owner --no-privileges --exit-on-error -d "$SCRATCH_DB" "$DUMP" || fail "pg_restore failed"
restored=$(now)

echo "== compare row counts"
tables=$(psql_value "$SOURCE_DB" "SELECT quote_ident(table_name) FROM information_schema.tables
                                    WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1")
[ -n "$tables" ] || fail "$SOURCE_DB has no tables"
count_sql() {
  local sql="" t
  for t in $tables; do sql+="SELECT '$t', count(*) FROM $t UNION ALL "; done
  echo "${sql% UNION ALL } ORDER BY 1"
}
source_counts=$(psql_value "$SOURCE_DB" "$(count_sql)")
scratch_counts=$(psql_value "$SCRATCH_DB" "$(count_sql)")
seq_sql="SELECT sequencename, coalesce(last_value, 0) FROM pg_sequences WHERE schemaname = 'public' ORDER BY 1"
source_seqs=$(psql_value "$SOURCE_DB" "$seq_sql")
scratch_seqs=$(psql_value "$SCRATCH_DB" "$seq_sql")

mismatches=0
total_rows=0
printf '%-40s %12s %12s\n' table source restored
while IFS='|' read -r table count; do
  restored_count=$(grep -m1 "^$table|" <<<"$scratch_counts" | cut -d'|' -f2)
  mark=""
  if [ "$count" != "$restored_count" ]; then mark="  <-- MISMATCH"; mismatches=$((mismatches + 1)); fi
  total_rows=$((total_rows + count))
  printf '%-40s %12s %12s%s\n' "$table" "$count" "${restored_count:-missing}" "$mark"
done <<<"$source_counts"
if [ "$source_seqs" != "$scratch_seqs" ]; then
  echo "sequences differ (new rows would collide with restored ids)"; mismatches=$((mismatches + 1))
fi

size=$(du -h "$DUMP" | cut -f1)
printf '== %d tables, %d rows; dump %s; pg_dump %.1f s, pg_restore %.1f s\n' \
  "$(wc -l <<<"$source_counts")" "$total_rows" "$size" \
  "$(awk "BEGIN {print $dumped - $started}")" "$(awk "BEGIN {print $restored - $dumped}")"

if [ "${KEEP_SCRATCH:-0}" != "1" ]; then
  psql -X -q -d postgres -c "DROP DATABASE IF EXISTS \"$SCRATCH_DB\" WITH (FORCE)"
fi
if [ "$mismatches" -ne 0 ]; then
  echo "FAILED: $mismatches difference(s) between $SOURCE_DB and its restored copy"
  exit 1
fi
echo "OK: the backup restores to identical row counts and sequences"
