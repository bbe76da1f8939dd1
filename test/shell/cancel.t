#!/usr/bin/env bash
# A long analysis stays cancellable: the core checks for interrupts through the hook, so a
# statement timeout stops burst_inflation over 7.8 million buckets long before it would finish
# (uncanceled it runs about 4.5 s on an idle machine; the bound leaves room for a loaded one).
. "$(dirname "$0")/tap.sh"

fresh_database uv_cancel
query="SELECT usage_value.burst_inflation(b, 1, 0, '1 second') FROM (VALUES ('2026-01-01'::timestamptz), ('2026-04-01')) v(b)"
start=$(date +%s%N)
out=$($PSQL -d uv_cancel -c "SET statement_timeout = '300ms'" -c "\\set VERBOSITY sqlstate" -c "$query" 2>&1)
elapsed_ms=$(( ($(date +%s%N) - start) / 1000000 ))
is "$(echo "$out" | grep -o '57014' | head -1)" "57014" "the statement is canceled (57014)"
ok "$([ "$elapsed_ms" -lt 2500 ]; echo $?)" "within 2.2 s of the 300 ms timeout (took ${elapsed_ms} ms)"
is "$($PSQL -At -d uv_cancel -c "SELECT 'alive'")" "alive" "the backend is fine afterwards"

$PSQL -d postgres -c "DROP DATABASE uv_cancel"
done_testing
