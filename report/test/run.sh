#!/usr/bin/env bash
# The report's browser test (scripts/report --test runs it; exit code 0 = pass). It builds the
# report for three scratch databases on the cluster the PG* variables point at (default: the demo
# cluster of scripts/demo), opens each page from disk in headless Chromium (Debian's `chromium`)
# with all network requests blocked, asserts what is drawn against the database, and saves
# screenshots to report/out/screenshots/. The scratch databases are dropped afterwards:
#   uv_report_test        demo telemetry (seed 42), leaderboard demo.eng as in demo/bind.sql (no
#                         pg_cron schedule, refreshed once) and report_sup.eng with min_group_size 1000
#                         (every team suppressed; its last scheduled refresh failed)
#   uv_report_test_empty  the extension, no leaderboard
#   uv_report_test_noext  not even the extension
# Needs the role to create databases, and the extension installed (scripts/demo does both).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT"
[ -x "${CHROMIUM:-/usr/bin/chromium}" ] || { echo "error: needs Chromium: apt-get install chromium" >&2; exit 1; }
if [ ! -d report/node_modules/playwright-core ] || [ ! -d report/node_modules/echarts ]; then
    (cd report && npm ci --no-audit --no-fund --loglevel=error)
fi
if [ -z "${PGHOST:-}" ]; then
    eval "$(scripts/cluster env)"
    scripts/cluster start
fi
PSQL=psql; command -v psql >/dev/null || PSQL=/usr/lib/postgresql/${PG_MAJOR:-15}/bin/psql
q() { local db=$1; shift; "$PSQL" -X -q -v ON_ERROR_STOP=1 -d "$db" "$@"; }
DBS="uv_report_test uv_report_test_empty uv_report_test_noext"
cleanup() { for db in $DBS; do q postgres -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; done; rm -rf "$work"; }
work=$(mktemp -d)
trap cleanup EXIT
for db in $DBS; do q postgres -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null; done

echo "# loading demo telemetry into uv_report_test" >&2
q uv_report_test_empty -c "CREATE EXTENSION usage_value" >/dev/null
q uv_report_test -c "CREATE EXTENSION usage_value" >/dev/null
q uv_report_test -v seed=42 -v scale=1 -f demo/generate.sql >/dev/null
# The demo's own binding (demo/bind.sql), without a pg_cron schedule; and a second one whose
# teams are all below the minimum group size.
q uv_report_test -v refresh_schedule= -f demo/bind.sql >/dev/null
q uv_report_test -c "CREATE SCHEMA report_sup" >/dev/null
q uv_report_test -v schema=report_sup -v min_group_size=1000 -v refresh_schedule= -f demo/bind.sql >/dev/null

# Freshness: demo.eng refreshed once; report_sup.eng's scheduled refresh fails over an hour whose
# tokens overflow bigint (two valid rows: a bad row would only be set aside), then deleted:
# the page shows when each was refreshed, and the failure of report_sup's last scheduled run.
q uv_report_test -c "SELECT usage_value.refresh_leaderboard('eng', 'demo')" >/dev/null
q uv_report_test -c "INSERT INTO demo.usage_events SELECT (SELECT max(event_id) FROM demo.usage_events) + k, '2025-04-30 12:00+00',
                     'dev0001', 'bad', 'otel_genai', 'bad-model', 'report-bad', 5000000000000000000, 0, 0, 0, NULL
                     FROM generate_series(1, 2) k" >/dev/null
if q uv_report_test -c "CALL usage_value.scheduled_refresh('eng', 'report_sup')" >/dev/null 2>&1; then
    echo "error: the scheduled refresh over an overflowing hour did not fail" >&2; exit 1
fi
q uv_report_test -c "DELETE FROM demo.usage_events WHERE tool = 'report-bad'" >/dev/null

echo "# building the pages" >&2
PGDATABASE=uv_report_test scripts/report --out "$work/demo" >/dev/null
PGDATABASE=uv_report_test scripts/report --schema report_sup --out "$work/suppressed" >/dev/null
PGDATABASE=uv_report_test_empty scripts/report --out "$work/empty" >/dev/null
PGDATABASE=uv_report_test_noext scripts/report --out "$work/noext" >/dev/null

echo "# opening them in headless Chromium" >&2
# Screenshots go to report/out/screenshots (git-ignored); UV_UPDATE_SCREENSHOTS=1 refreshes the
# committed copies in report/screenshots/ that the README shows.
shots="$ROOT/report/out/screenshots"
[ "${UV_UPDATE_SCREENSHOTS:-0}" = 1 ] && shots="$ROOT/report/screenshots"
mkdir -p "$shots"
PSQL=$PSQL node report/test/run.js "$work" "$shots"
