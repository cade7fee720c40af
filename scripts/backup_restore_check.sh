#!/usr/bin/env bash
# Back up a PostgreSQL database with pg_dump -Fc, restore it into a scratch database with
# pg_restore, and compare the row count of every table between the dumped snapshot and the copy
# (valid while the portal keeps writing), and check that no sequence is behind its table's ids.
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

tables=$(psql_value "$SOURCE_DB" "SELECT quote_ident(table_name) FROM information_schema.tables
                                    WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1")
[ -n "$tables" ] || fail "$SOURCE_DB has no tables"
# One line: "table|count table|count ...", so it can be read back from the coprocess below.
count_sql() {
  local sql="" t
  for t in $tables; do sql+="SELECT '$t' AS t, count(*) AS n FROM $t UNION ALL "; done
  echo "SELECT string_agg(t || '|' || n, ' ' ORDER BY t) FROM (${sql% UNION ALL }) AS counts"
}

echo "== backup: pg_dump -Fc $SOURCE_DB -> $DUMP"
# The portal may keep writing while this runs. pg_dump and the source counts share one exported
# snapshot, held by this psql session, so they see exactly the same rows.
coproc SNAPSHOT { psql -X -q -tA -d "$SOURCE_DB"; }
echo "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT pg_export_snapshot();" >&"${SNAPSHOT[1]}"
read -r -t 30 snapshot <&"${SNAPSHOT[0]}" || fail "cannot export a snapshot of $SOURCE_DB"
echo "$(count_sql);" >&"${SNAPSHOT[1]}"
read -r -t 600 source_line <&"${SNAPSHOT[0]}" || fail "cannot count the rows of $SOURCE_DB"
pg_dump -Fc --snapshot="$snapshot" -d "$SOURCE_DB" -f "$DUMP" || fail "pg_dump failed"
echo "COMMIT;" >&"${SNAPSHOT[1]}"
exec {SNAPSHOT[1]}>&-
wait "$SNAPSHOT_PID" 2>/dev/null || true
pg_restore --list "$DUMP" > /dev/null || fail "the archive is not readable"
dumped=$(now)

echo "== restore: pg_restore into scratch database $SCRATCH_DB"
psql -X -q -d postgres -c "DROP DATABASE IF EXISTS \"$SCRATCH_DB\" WITH (FORCE)" || fail "cannot drop $SCRATCH_DB"
psql -X -q -d postgres -c "CREATE DATABASE \"$SCRATCH_DB\"" || fail "cannot create $SCRATCH_DB"
pg_restore --no-owner --no-privileges --exit-on-error -d "$SCRATCH_DB" "$DUMP" || fail "pg_restore failed"
restored=$(now)

echo "== compare row counts"
source_counts=$(tr ' ' '\n' <<<"$source_line")
scratch_counts=$(psql_value "$SCRATCH_DB" "$(count_sql)" | tr ' ' '\n')
# Sequences are not part of the snapshot; what matters is that new rows cannot collide with restored ids.
behind_sql=$(psql_value "$SCRATCH_DB" "
  SELECT string_agg(format('SELECT %L WHERE (SELECT coalesce(max(%I), 0) FROM %I) > (SELECT CASE WHEN is_called
           THEN last_value ELSE last_value - 1 END FROM %s)', seq, column_name, table_name, seq), ' UNION ALL ')
  FROM (SELECT table_name, column_name, pg_get_serial_sequence(quote_ident(table_name), column_name) AS seq
        FROM information_schema.columns WHERE table_schema = 'public') AS owned WHERE seq IS NOT NULL")
sequences_behind=""
if [ -n "$behind_sql" ]; then sequences_behind=$(psql_value "$SCRATCH_DB" "$behind_sql"); fi

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
if [ -n "$sequences_behind" ]; then
  echo "sequences behind their tables' ids (new rows would collide): $sequences_behind"; mismatches=$((mismatches + 1))
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
echo "OK: the backup restores to identical row counts, and every sequence is past its table's ids"
