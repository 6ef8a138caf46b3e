#!/usr/bin/env bash
# Load test of the production path: PostgreSQL seeded with 100,000 trainees, Redis,
# gunicorn with deploy/gunicorn.conf.py (cores + 1 sync workers, LMS_ENV=production),
# locust (bench/locustfile.py) as a second process on 127.0.0.1. Prints figures; asserts nothing.
#
#   bench/run_load.sh            # seeds once (database lms_load), then three series:
#     1. every role's journey mixed, 32 users, think time 1-3 s, 60 s
#     2. the same without think time, 60 s
#     3. each page alone, 32 users, no think time, ISOLATED s each, with the
#        one-query page (/healthz) first: requests/s and ratio to it
#
# Environment: LMS_BENCH_PG (server URL, default postgresql://postgres@127.0.0.1:5432),
# LMS_BENCH_DB (lms_load), LMS_BENCH_REDIS (redis://127.0.0.1:6379/13), TRAINEES (100000),
# RESEED=1 (drop and seed again), USERS (32), DURATION (60), ISOLATED (15), SETUP (120), SETUP_LATER (20), PORT (8765),
# PAGES (isolated series, default all), SKIP_MIXED=1, SKIP_ISOLATED=1.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
PG="${LMS_BENCH_PG:-postgresql://postgres@127.0.0.1:5432}"
DB="${LMS_BENCH_DB:-lms_load}"
REDIS="${LMS_BENCH_REDIS:-redis://127.0.0.1:6379/13}"
TRAINEES="${TRAINEES:-100000}"
USERS="${USERS:-32}"
DURATION="${DURATION:-60}"   # seconds measured, after every user has logged in
ISOLATED="${ISOLATED:-15}"
SETUP="${SETUP:-120}"        # seconds allowed for the first run's logins (their figures are dropped);
SETUP_LATER="${SETUP_LATER:-20}"  # later runs reuse those sessions (bench/locustfile.py)
PORT="${PORT:-8765}"
PAGES="${PAGES:-healthz catalog course_page dashboard lesson quiz booking verification instructor_dashboard cohort_page session_page attendance ministry}"
OUT="${OUT:-$(mktemp -d /tmp/lms-load.XXXXXX)}"
mkdir -p "$OUT"
export LMS_DATABASE_URL="$PG/$DB" LMS_REDIS_URL="$REDIS"
# A fixed key for the bench database (never a production key): sessions kept between runs
# stay valid; bench/load_targets.py seals the demo TOTP key again with whichever key is used.
export LMS_SECRET_KEY="${LMS_SECRET_KEY:-lms-load-bench-only-key-0123456789abcdef}"
unset FLASK_DEBUG LMS_ENV
FLASK=".venv/bin/flask --app wsgi"

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.1f GB", $2/1048576}' /proc/meminfo), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "output:  $OUT"

seeded() { psql -X -At "$PG/$DB" -c "SELECT count(*) FROM users WHERE role = 'trainee'" 2>/dev/null || echo 0; }
if [[ "${RESEED:-0}" == 1 ]]; then psql -X -q "$PG/postgres" -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)"; fi
have="$(seeded)"
if [[ "$have" -lt "$TRAINEES" ]]; then
  psql -X -q "$PG/postgres" -c "DROP DATABASE IF EXISTS \"$DB\" WITH (FORCE)" -c "CREATE DATABASE \"$DB\""
  $FLASK db upgrade >/dev/null 2>&1
  $FLASK reference load >/dev/null
  $FLASK courses sync >/dev/null
  start=$(date +%s.%N)
  $FLASK demo seed --trainees "$TRAINEES" --seed 42 --today now | tail -n 25
  echo "seed of $TRAINEES trainees on PostgreSQL: $(echo "$(date +%s.%N) - $start" | bc) s (the seed ends with ANALYZE)"
else
  echo "database $DB already holds $have trainees (RESEED=1 to seed again)"
fi
echo "database size: $(psql -X -At "$PG/$DB" -c "SELECT pg_size_pretty(pg_database_size('$DB'))")"

$PY bench/load_targets.py > "$OUT/targets.json"
export LMS_LOAD_TARGETS="$OUT/targets.json" LMS_LOAD_COOKIES="$OUT"

# The app server: the repository's gunicorn configuration, production settings; the
# session cookie without Secure (plain HTTP on 127.0.0.1) and one trusted proxy hop so
# that locust's X-Forwarded-For stands for many client addresses.
# Throttling counters under a prefix of this series' own (failed second-factor codes of an
# earlier series must not lock the ministry account out of this one).
LMS_RATELIMIT_KEY_PREFIX="lms-load-$$" \
LMS_ENV=production LMS_PROXY_HOPS=1 LMS_SESSION_COOKIE_SECURE=0 LMS_ACCESS_LOG="$OUT/access.log" \
  .venv/bin/gunicorn -c deploy/gunicorn.conf.py --bind "127.0.0.1:$PORT" wsgi:app 2>"$OUT/gunicorn.log" &
GUNICORN=$!
MEMLOG="$OUT/rss.log"
( while kill -0 $GUNICORN 2>/dev/null; do
    { ps -o rss= --ppid $GUNICORN 2>/dev/null | sort -n | tail -1 >> "$MEMLOG"; } || true; sleep 2; done ) &
SAMPLER=$!
cleanup() { kill $SAMPLER 2>/dev/null || true; kill -TERM $GUNICORN 2>/dev/null || true; wait $GUNICORN 2>/dev/null || true; }
trap cleanup EXIT
for _ in $(seq 1 60); do curl -fs "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break; sleep 1; done
workers=$(ps -o pid= --ppid $GUNICORN | wc -l)
echo "gunicorn: $workers sync workers (cores + 1) on 127.0.0.1:$PORT, LMS_ENV=production"

LOCUST=".venv/bin/locust -f bench/locustfile.py --headless --host http://127.0.0.1:$PORT --only-summary"
run() {  # name, think(1/0), users, time, [page]
  LMS_LOAD_THINK="$2" LMS_LOAD_PAGE="${5:-}" $LOCUST -u "$3" -r "$3" -t "$(( $4 + SETUP ))s" --csv "$OUT/$1" \
    >"$OUT/$1.out" 2>&1 || echo "  ($1: locust reported failures, see $OUT/$1.out)"
  SETUP="$SETUP_LATER"
}
if [[ "${SKIP_MIXED:-0}" != 1 ]]; then
  echo "-- mixed journeys, $USERS users, think time 1-3 s, ${DURATION} s"; run think 1 "$USERS" "$DURATION"
  echo "-- mixed journeys, $USERS users, no think time, ${DURATION} s"; run nothink 0 "$USERS" "$DURATION"
  $PY bench/load_report.py mixed "$OUT/think_stats.csv" "$OUT/nothink_stats.csv"
fi
if [[ "${SKIP_ISOLATED:-0}" != 1 ]]; then
  rm -rf "$OUT/isolated"; mkdir -p "$OUT/isolated"
  for page in $PAGES; do
    echo "-- $page alone, $USERS users, no think time, ${ISOLATED} s"
    run "isolated/$page" 0 "$USERS" "$ISOLATED" "$page"
  done
  $PY bench/load_report.py isolated "$OUT/isolated" "$USERS"
fi
echo
echo "peak RSS of one gunicorn worker: $(sort -n "$MEMLOG" | tail -1 | awk '{printf "%.0f MB", $1/1024}')"
echo "errors in gunicorn's log: $(grep -c -E 'Traceback|ERROR' "$OUT/gunicorn.log" || true)"
echo "load average after the run: $(cut -d' ' -f1-3 /proc/loadavg) (the machine is shared: figures are noisy)"
