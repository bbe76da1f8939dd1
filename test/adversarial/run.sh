#!/usr/bin/env bash
# The adversarial suite (issue 10): a simulated cohort, attacks against honest twins, thresholds
# asserted with pgTAP. Needs the extension installed and a running cluster reached through PGHOST /
# PGPORT / PGUSER (scripts/lib.sh exports them; scripts/test runs this after its pgTAP suite).
#
#   test/adversarial/run.sh        exit status 0 when every assertion holds
#
# Makes a fresh database (ADV_DATABASE, default usage_value_adversarial), loads cohort.sql and
# boards.sql into it, runs pg_prove on attacks.sql and drops the database unless ADV_KEEP=1.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
DB=${ADV_DATABASE:-usage_value_adversarial}
PSQL=(psql -X -q -v ON_ERROR_STOP=1)

"${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS \"$DB\"" -c "CREATE DATABASE \"$DB\""
[ "${ADV_KEEP:-0}" = 1 ] || trap '"${PSQL[@]}" -d postgres -c "DROP DATABASE IF EXISTS \"$DB\"" >/dev/null 2>&1 || true' EXIT
"${PSQL[@]}" -d "$DB" -c "CREATE EXTENSION pgtap" -c "CREATE EXTENSION usage_value"
start=$(date +%s)
"${PSQL[@]}" -d "$DB" -f "$HERE/cohort.sql" >/dev/null
"${PSQL[@]}" -d "$DB" -f "$HERE/boards.sql" >/dev/null
echo "# cohort and five boards built in $(( $(date +%s) - start )) s" >&2
pg_prove -v -d "$DB" "$HERE/attacks.sql"
