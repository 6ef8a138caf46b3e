#!/usr/bin/env bash
# Prove a PostgreSQL backup restores: dump a database (pg_dump, custom format), restore
# the dump into a new database, and compare the row count of every table.
#
#   deploy/backup_check.sh [-k] [-o DUMPFILE | -r DUMPFILE] SOURCE_URL
#
#   SOURCE_URL  postgresql://user@host:port/dbname (the LMS database, or a copy of it)
#   -o FILE     keep the dump there (default: a temporary file, removed at the end)
#   -r FILE     do not dump: restore this existing dump (pg_dump -Fc) and compare it with
#               SOURCE_URL as it is now (any write since the dump shows as a mismatch)
#   -k          keep the restored database (default: dropped at the end)
#
# Prints one line per table (source rows, restored rows) and exits 0 when every count
# matches, 1 on any mismatch or missing table, 2 when a step fails. The restored
# database is <dbname>_restore_<timestamp> on the same server.
set -euo pipefail

keep=0
dump=""
existing=""
while getopts "ko:r:" opt; do
  case "$opt" in
    k) keep=1 ;;
    o) dump="$OPTARG" ;;
    r) existing="$OPTARG" ;;
    *) echo "usage: $0 [-k] [-o DUMPFILE | -r DUMPFILE] postgresql://user@host:port/dbname" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
src="${1:-}"
if [[ -z "$src" ]]; then
  echo "usage: $0 [-k] [-o DUMPFILE | -r DUMPFILE] postgresql://user@host:port/dbname" >&2
  exit 2
fi
src="${src/postgresql+psycopg:/postgresql:}"   # accept the app's SQLAlchemy form too
src_db="${src##*/}"; src_db="${src_db%%\?*}"
server="${src%/*}"
restore_db="${src_db}_restore_$(date -u +%Y%m%d%H%M%S)_$$"
restore="${server}/${restore_db}"
own_dump=0
if [[ -n "$existing" ]]; then
  [[ -r "$existing" ]] || { echo "backup_check: cannot read ${existing}" >&2; exit 2; }
  dump="$existing"
elif [[ -z "$dump" ]]; then dump="$(mktemp --suffix=.dump)"; own_dump=1; fi

cleanup() {
  if [[ $keep -eq 0 ]]; then
    psql -q -X -v ON_ERROR_STOP=1 "${server}/postgres" -c "DROP DATABASE IF EXISTS \"${restore_db}\" WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  if [[ $own_dump -eq 1 ]]; then rm -f "$dump"; fi
}
trap cleanup EXIT
fail() { echo "backup_check: $*" >&2; exit 2; }

if [[ -z "$existing" ]]; then
  echo "dump:    ${src_db} -> ${dump}"
  pg_dump --format=custom --no-owner --no-privileges --file="$dump" "$src" || fail "pg_dump failed"
fi
echo "restore: ${dump} -> ${restore_db}"
psql -q -X -v ON_ERROR_STOP=1 "${server}/postgres" -c "CREATE DATABASE \"${restore_db}\"" >/dev/null \
  || fail "could not create ${restore_db}"
pg_restore --no-owner --no-privileges --exit-on-error --dbname="$restore" "$dump" || fail "pg_restore failed"

# Exact counts (not the planner's estimates) of every ordinary table outside the catalogs.
count_rows() {
  psql -X -At -v ON_ERROR_STOP=1 "$1" <<'SQL'
SELECT format('SELECT %L || E''\t'' || count(*) FROM %I.%I;', table_schema || '.' || table_name, table_schema, table_name)
FROM information_schema.tables
WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')
ORDER BY table_schema, table_name
\gexec
SQL
}
src_counts="$(count_rows "$src")" || fail "counting rows in ${src_db} failed"
dst_counts="$(count_rows "$restore")" || fail "counting rows in ${restore_db} failed"

status=0
tables=0
printf '%-40s %12s %12s\n' table source restored
while IFS=$'\t' read -r table n; do
  [[ -z "$table" ]] && continue
  tables=$((tables + 1))
  m="$(printf '%s\n' "$dst_counts" | awk -F'\t' -v t="$table" '$1 == t {print $2}')"
  mark=""
  if [[ -z "$m" ]]; then m="missing"; mark="  <-- MISSING"; status=1
  elif [[ "$m" != "$n" ]]; then mark="  <-- MISMATCH"; status=1; fi
  printf '%-40s %12s %12s%s\n' "$table" "$n" "$m" "$mark"
done <<< "$src_counts"
if [[ $tables -eq 0 ]]; then echo "backup_check: no tables in ${src_db}" >&2; exit 1; fi
if [[ $status -eq 0 ]]; then
  echo "OK: ${tables} tables, every row count matches"
else
  echo "FAILED: the restored database differs from ${src_db}" >&2
fi
exit $status
