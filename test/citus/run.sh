#!/usr/bin/env bash
# Citus test (issue 15, "Beyond one machine"): the demo on a real Citus cluster, a coordinator and
# two workers, with the usage events and pull requests distributed by developer (colocated) and
# the developers a reference table; the same rows in plain tables on the coordinator are the
# single-server reference.
#   1. every aggregate and accessor: what Citus does with it across the workers (pushed down
#      whole, split into worker partials and a coordinator combine, or rows pulled), asserted
#      from EXPLAIN, grouped by developer, by team and over everything; results equal to the
#      plain tables' (test/citus/checks.txt);
#   2. the distributed binding: create_leaderboard over the distributed tables keeps its days,
#      credits and episodes in distributed tables colocated with the usage and refreshes them with
#      statements the workers run whole (the remote commands are logged and checked); its boards
#      and episodes equal those of the same board over the plain tables; a refresh while readers
#      read; a worker stopped during a refresh: the refresh fails cleanly, the boards keep their
#      data, and the next refresh after the worker returns succeeds.
#
#   test/citus/run.sh            (or: prove test/citus/)
#
# Starts three throwaway servers of its own (test/citus/cluster.sh: ports 54351-54353, Unix
# sockets in a private folder, as the postgres user when run as root), always stopped and deleted
# on exit. Needs the extension installed (make install); builds Citus with ../shared/citus/build
# when it is missing. Output is TAP. CITUS_DEVELOPERS / CITUS_DAYS / CITUS_SEED change the demo
# data (defaults 40 / 60 / 42); CITUS_SKIP_CHECKS=1 skips the per-aggregate checks (while working on
# the binding).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
WORK=$(mktemp -d /tmp/uv-citus.XXXXXX)
trap 'rm -rf "$WORK"' EXIT  # replaced by cleanup below once the helpers are loaded
export UV_CLUSTER_DIR=$WORK
. "$HERE/../../scripts/lib.sh"
. "$HERE/cluster.sh"
[ "$OWNER" = "$(id -un)" ] || chown "$OWNER" "$WORK"

cleanup() {
    jobs -p | xargs -r kill 2>/dev/null || true
    citus_stop
    rm -rf "$WORK"
}
trap cleanup EXIT

# --- Citus and three servers -------------------------------------------------------------------
if out=$(citus_ensure 2>&1); then
    pass "Citus is installed in PostgreSQL $(pg_config --version | awk '{print $2}') ($(sed -n "s/^default_version = '\(.*\)'/\1/p" "$(pg_config --sharedir)/extension/citus.control"))"
else
    fail "Citus is installed (../shared/citus/build)"; echo "$out" | tail -20 | diag; bail "no Citus"
fi
if out=$(citus_start 2>&1); then
    pass "a coordinator (:$C) and two workers (:${CITUS_PORTS[1]} :${CITUS_PORTS[2]}) with shared_preload_libraries = 'citus', on a Unix socket"
else
    fail "three Citus servers started"; echo "$out" | diag
    for i in 0 1 2; do tail -5 "$WORK/${CITUS_NAMES[$i]}.log" 2>/dev/null | diag || true; done
    bail "servers did not start"
fi

# --- data --------------------------------------------------------------------------------------
setup() {
    q "$C" -d "$DB" -c "CREATE EXTENSION usage_value"
    q "$C" -d "$DB" -v seed="${CITUS_SEED:-42}" -v developers="${CITUS_DEVELOPERS:-40}" -v days="${CITUS_DAYS:-60}" \
        -f "$ROOT/demo/generate.sql" >/dev/null
    q "$C" -d "$DB" -f "$HERE/setup.sql" >/dev/null
    q "$C" -d "$DB" -f "$HERE/aggregates.sql" >/dev/null
}
if out=$(setup 2>&1); then
    pass "demo telemetry loaded; usage_events and pull_requests distributed by developer, developers and comments reference tables; plain copies on the coordinator"
else
    fail "setup"; echo "$out" | diag; bail "setup failed"
fi
workers_ext=$(qa "$C" -c "SELECT string_agg(result, ',') FROM run_command_on_workers(\$\$SELECT extversion FROM pg_extension WHERE extname = 'usage_value'\$\$)")
coord_ext=$(qa "$C" -c "SELECT extversion FROM pg_extension WHERE extname = 'usage_value'")
if [ "$workers_ext" = "$coord_ext,$coord_ext" ]; then
    pass "CREATE EXTENSION usage_value on the coordinator is propagated to both workers (version $coord_ext)"
else
    fail "usage_value on the workers (coordinator $coord_ext, workers $workers_ext)"
fi
# Both workers hold rows; the usage and pull requests of a developer sit on the same worker.
placement=$(qa "$C" -c "
    SELECT count(DISTINCT nodeport) || '/' || (SELECT count(*) FROM pg_dist_partition p1, pg_dist_partition p2
                                               WHERE p1.logicalrelid = 'demo.usage_events'::regclass AND p2.logicalrelid = 'demo.pull_requests'::regclass
                                                 AND p1.colocationid = p2.colocationid)
    FROM pg_dist_shard_placement pl JOIN pg_dist_shard s USING (shardid) WHERE s.logicalrelid = 'demo.usage_events'::regclass")
rows=$(qa "$C" -c "SELECT (SELECT count(*) FROM demo.usage_events) || '/' || (SELECT count(*) FROM plain.usage_events)")
if [ "$placement" = "2/1" ] && [ "${rows%/*}" = "${rows#*/}" ] && [ "${rows%/*}" -gt 0 ]; then
    pass "shards on both workers, usage_events and pull_requests colocated, ${rows%/*} usage events in both copies"
else
    fail "placement (workers holding shards / colocated: $placement; distributed / plain rows: $rows)"
fi

# --- 1. aggregates and accessors ---------------------------------------------------------------
PLAN=
plan() { PLAN=$(qa "$C" -c "EXPLAIN (VERBOSE, COSTS OFF) $1" 2>&1) || true; }
# The coordinator's part of the plan (above the Citus scan) and the queries sent to the workers.
coordinator_part() { printf '%s\n' "$PLAN" | sed '/Custom Scan (Citus Adaptive)/q' | grep -v 'Custom Scan'; }
worker_queries() { printf '%s\n' "$PLAN" | grep 'Query:' || true; }
# classify FUNCTION: whole, split, pulled or other, from PLAN.
classify() {
    local coord queries
    coord=$(coordinator_part); queries=$(worker_queries)
    if printf '%s' "$queries" | grep -q "worker_partial_agg('$1" && printf '%s' "$PLAN" | grep -q 'coord_combine_agg'; then
        echo split
    elif ! printf '%s' "$coord" | grep -q 'Aggregate\|WindowAgg' && printf '%s' "$queries" | grep -qF "$1"; then
        echo whole
    elif ! printf '%s' "$queries" | grep -qF "$1" && printf '%s' "$coord" | grep -q 'Aggregate\|WindowAgg'; then
        echo pulled
    else
        echo other
    fi
}
expand() {  # expand TEMPLATE SIDE(plain|dist) GROUPING(developer|team|all)
    local k g
    case $3 in developer) k='developer_id,'; g='GROUP BY developer_id' ;; team) k='team,'; g='GROUP BY team' ;; *) k=''; g='' ;; esac
    printf '%s' "$1" | sed -e "s/@H/$2_hourly/g" -e "s/@D/$2_days/g" -e "s/@K/$k/g" -e "s/@G/$g/g"
}
declare -A expected_label=([whole]="pushed down whole" [split]="split: worker partials, combined on the coordinator" [pulled]="rows pulled, aggregated on the coordinator")
touch "$WORK/checks.tap"
[ -n "${CITUS_SKIP_CHECKS:-}" ] || grep -v '^#' "$HERE/checks.txt" | while IFS='|' read -r name fn accessor by_dev by_team by_all template; do
    for grouping in developer team all; do
        case $grouping in developer) want=$by_dev ;; team) want=$by_team ;; *) want=$by_all ;; esac
        [ "$want" != - ] || continue
        sql=$(expand "$template" dist "$grouping")
        plan "$sql"
        got=$(classify "$fn")
        where_ok=1
        if [ "$accessor" != - ]; then
            # the accessor runs where the whole aggregate is: on the workers only when pushed down whole
            if [ "$want" = whole ]; then worker_queries | grep -qF "$accessor" || where_ok=0
            else ! worker_queries | grep -qF "$accessor" || where_ok=0; fi
        fi
        started=$(date +%s%N)
        qa "$C" -c "$sql ORDER BY 1" > "$WORK/d.out" 2>&1 || echo "ERROR" >> "$WORK/d.out"
        qa "$C" -c "$(expand "$template" plain "$grouping") ORDER BY 1" > "$WORK/p.out" 2>&1 || echo "ERROR" >> "$WORK/p.out"
        ms=$(( ($(date +%s%N) - started) / 1000000 ))
        rows=$(grep -c . "$WORK/p.out" || true)
        equal=$("$HERE/same.py" "$WORK/p.out" "$WORK/d.out") || equal=no
        case $equal in exact) how="equal to the plain table's" ;; *) how="equal to the plain table's to 1e-12 (float8 sums in another order)" ;; esac
        if [ "$got" = "$want" ] && [ $where_ok = 1 ] && [ "$equal" != no ] && [ "$rows" -gt 0 ] && ! grep -q ERROR "$WORK/p.out"; then
            pass "$name by $grouping: ${expected_label[$want]}; $how ($rows rows, $ms ms)"
        else
            fail "$name by $grouping: expected ${expected_label[$want]}, got $got (accessor placed right: $where_ok); equal: $equal"
            printf '%s\n' "$PLAN" | head -30 | diag
            diff "$WORK/p.out" "$WORK/d.out" | head -6 | diag || true
        fi
    done
done > "$WORK/checks.tap"
# (the loop ran in a subshell: count its lines here)
while IFS= read -r line; do
    case $line in
        "ok "*) pass "${line#ok * - }" ;;
        "not ok "*) fail "${line#not ok * - }" ;;
        *) echo "$line" ;;
    esac
done < "$WORK/checks.tap"

# billable_tokens, a plain function: computed on the workers row by row, under any grouping.
plan "SELECT d.team, sum(usage_value.billable_tokens(input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens, source)) FROM demo.usage_events u JOIN demo.developers d USING (developer_id) GROUP BY d.team"
dsum=$(qa "$C" -c "SELECT d.team, sum(usage_value.billable_tokens(input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens, source)) FROM demo.usage_events u JOIN demo.developers d USING (developer_id) GROUP BY d.team ORDER BY 1")
psum=$(qa "$C" -c "SELECT d.team, sum(usage_value.billable_tokens(input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens, source)) FROM plain.usage_events u JOIN plain.developers d USING (developer_id) GROUP BY d.team ORDER BY 1")
if worker_queries | grep -q 'usage_value.billable_tokens(' && [ "$dsum" = "$psum" ]; then
    pass "billable_tokens by team (usage joined with the reference table of developers): computed on the workers, summed partially there; equal to the plain tables'"
else
    fail "billable_tokens by team on the workers, equal to the plain tables'"; printf '%s\n' "$PLAN" | head -20 | diag
fi

# The window functions: burst_score per developer runs on the workers; the fair functions rank
# per-developer totals (summed on the workers) once, on the coordinator.
plan "SELECT developer_id, bucket, usage_value.burst_score(tokens) OVER (PARTITION BY developer_id ORDER BY bucket ROWS BETWEEN 23 PRECEDING AND CURRENT ROW) FROM dist_hourly"
got=$(classify usage_value.burst_score)
score_sql="SELECT developer_id, bucket, usage_value.burst_score(tokens) OVER (PARTITION BY developer_id ORDER BY bucket ROWS BETWEEN 23 PRECEDING AND CURRENT ROW) FROM %s ORDER BY 1, 2"
d=$(qa "$C" -c "$(printf "$score_sql" dist_hourly)" | md5sum); p=$(qa "$C" -c "$(printf "$score_sql" plain_hourly)" | md5sum)
if [ "$got" = whole ] && [ "$d" = "$p" ]; then
    pass "burst_score OVER (PARTITION BY developer_id ...): pushed down whole; equal to the plain table's"
else
    fail "burst_score OVER (PARTITION BY developer_id ...): expected pushed down whole, got $got; equal: $([ "$d" = "$p" ] && echo yes || echo no)"
fi
plan "SELECT team, bucket, usage_value.burst_score(tokens) OVER (PARTITION BY team ORDER BY bucket, developer_id ROWS BETWEEN 23 PRECEDING AND CURRENT ROW) FROM dist_hourly"
got=$(classify usage_value.burst_score)
if [ "$got" = pulled ]; then pass "burst_score OVER (PARTITION BY team ...): rows pulled, the window runs on the coordinator"
else fail "burst_score OVER (PARTITION BY team ...): expected pulled, got $got"; fi
for fn in fair_rank fair_score fair_rank_lower fair_rank_upper fair_detail; do
    for w in "" "PARTITION BY team"; do
        tmpl="SELECT developer_id, usage_value.$fn(m, t) OVER ($w)::text FROM (SELECT developer_id, team, sum(merged_changes)::bigint AS m, (sum(tokens) / 1e6)::float8 AS t FROM %s GROUP BY developer_id, team) x"
        plan "$(printf "$tmpl" dist_hourly)"
        coord=$(coordinator_part)
        d=$(qa "$C" -c "$(printf "$tmpl" dist_hourly) ORDER BY 1" 2>&1); p=$(qa "$C" -c "$(printf "$tmpl" plain_hourly) ORDER BY 1" 2>&1)
        if printf '%s' "$coord" | grep -q WindowAgg && ! worker_queries | grep -q "usage_value.$fn(" && worker_queries | grep -q 'GROUP BY' \
           && [ "$d" = "$p" ] && [ "$(printf '%s\n' "$p" | grep -c .)" -gt 1 ]; then
            pass "$fn OVER (${w}) over per-developer totals: the totals on the workers, the window once on the coordinator; equal to the plain table's"
        else
            fail "$fn OVER (${w}): the totals on the workers, the window on the coordinator, equal results"
            printf '%s\n' "$PLAN" | head -20 | diag
        fi
    done
done

# --- 2. the distributed binding ----------------------------------------------------------------
bind() {  # bind SCHEMA SOURCE_SCHEMA
    q "$C" -d "$DB" -c "CREATE SCHEMA IF NOT EXISTS $1"
    sed -e "s/demo\./$2./g" "$ROOT/demo/bind.sql" | q "$C" -d "$DB" -v schema="$1" -v refresh_schedule= -f - 2>&1
}
if out=$(bind single plain); then
    pass "create_leaderboard over the plain tables (schema single): the single-server reference board"
else
    fail "create_leaderboard over the plain tables"; echo "$out" | diag; bail "no reference board"
fi
if out=$(bind dist demo) && ! printf '%s' "$out" | grep -q 'WARNING\|NOTICE'; then
    pass "create_leaderboard over the distributed tables (schema dist), the same call, no warning or notice"
else
    fail "create_leaderboard over the distributed tables"; echo "$out" | diag; bail "no distributed board"
fi
layout=$(qa "$C" -c "
    SELECT string_agg(c.relname || ':' || CASE WHEN p.logicalrelid IS NULL THEN 'coordinator'
                                               WHEN p.partmethod = 'h' AND p.colocationid = u.colocationid THEN 'colocated'
                                               ELSE 'other' END, ' ' ORDER BY c.relname)
    FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace AND s.nspname = 'dist'
    LEFT JOIN pg_dist_partition p ON p.logicalrelid = c.oid
    CROSS JOIN (SELECT colocationid FROM pg_dist_partition WHERE logicalrelid = 'demo.usage_events'::regclass) u
    WHERE c.relkind = 'r'")
echo "# tables of the distributed board: $layout"
if [ "$layout" = "eng_credits:colocated eng_days:colocated eng_episodes:colocated eng_period_totals:coordinator" ]; then
    pass "the distributed board's days, credits and episodes are distributed tables colocated with the usage; the period totals stay on the coordinator"
else
    fail "the distributed board's tables: $layout"
fi

# compare_boards LABEL: every relation of the board, as text, the distributed one against the single one.
BOARD_RELATIONS="eng_leaderboard eng_team_leaderboard eng_episodes eng_periods eng_suspects eng_coverage eng_unmatched eng_buckets eng_changes eng_rejects eng_days eng_credits eng_period_totals eng_adoption eng_unpriced eng_burst_costs eng_cost_reconciliation"
board_text() {  # board_text SCHEMA RELATION
    qa "$C" -c "SELECT x::text FROM $1.$2 x ORDER BY 1"
}
compare_boards() {
    local r a b bad='' counts=''
    for r in $BOARD_RELATIONS; do
        a=$(board_text single "$r" 2>&1) || a="ERROR $a"
        b=$(board_text dist "$r" 2>&1) || b="ERROR $b"
        counts="$counts $r=$(printf '%s\n' "$a" | grep -c . || true)"
        [ "$a" = "$b" ] && [[ $a != ERROR* ]] || bad="$bad $r"
    done
    if [ -z "$bad" ]; then
        pass "$1: every relation of the distributed board equals the single server's ($counts )"
    else
        fail "$1: relations that differ:$bad"
        for r in $bad; do diff <(board_text single "$r" 2>&1) <(board_text dist "$r" 2>&1) | head -6 | diag || true; done
    fi
}
compare_boards "after create"
nontrivial=$(qa "$C" -c "SELECT (SELECT count(*) FROM dist.eng_episodes WHERE kind = 'burst' AND inflated_tokens > 0) || '/' ||
                                (SELECT count(*) FROM dist.eng_episodes WHERE kind = 'drift') || '/' ||
                                (SELECT count(DISTINCT fair_rank) FROM dist.eng_leaderboard)")
IFS=/ read -r n_infl n_drift n_ranks <<<"$nontrivial"
if [ "$n_infl" -gt 0 ] && [ "$n_drift" -gt 0 ] && [ "$n_ranks" -gt 1 ]; then
    pass "non-trivial boards: $n_infl inflating burst episodes, $n_drift drift findings, $n_ranks distinct ranks"
else
    fail "non-trivial boards (inflating episodes / drift findings / distinct ranks: $nontrivial)"
fi

# Where the refresh runs: the commands the coordinator sends to the workers during a refresh.
qa "$C" -c "SET citus.log_remote_commands = on" -c "SET client_min_messages = log" \
    -c "SELECT refresh_kind FROM usage_value.refresh_leaderboard('eng', 'dist')" > "$WORK/remote.log" 2>&1 || true
remote() { grep -o 'issuing .*' "$WORK/remote.log" | grep -E "$1" | wc -l; }
days_pushed=$(remote 'INSERT INTO dist\.eng_days_[0-9]+ .*FROM demo\.usage_events_[0-9]+ .*GROUP BY')
episodes_pushed=$(remote 'INSERT INTO dist\.eng_episodes_[0-9]+ .*usage_value\.burst_episodes\(usage_value\.rollup')
drift_pushed=$(remote 'INSERT INTO dist\.eng_episodes_[0-9]+ .*usage_value\.efficiency_drift\(')
usage_reads=$(remote 'demo\.usage_events_[0-9]+')
usage_pulls=$(grep -o 'issuing .*' "$WORK/remote.log" | grep -E 'demo\.usage_events_[0-9]+' | grep -vE '^issuing INSERT INTO dist\.eng_days_' \
              | grep -vcE 'IS NOT NULL\)|max\(' || true)
shards=$(qa "$C" -c "SELECT count(*) FROM pg_dist_shard WHERE logicalrelid = 'demo.usage_events'::regclass")
echo "# remote commands: $(grep -c 'issuing' "$WORK/remote.log") ; INSERT INTO eng_days shards from usage: $days_pushed; burst episodes: $episodes_pushed; drift: $drift_pushed; other reads of usage: $((usage_reads - days_pushed))"
if [ "$days_pushed" = "$shards" ] && [ "$episodes_pushed" = "$shards" ] && [ "$drift_pushed" = "$shards" ] && [ "$usage_pulls" = 0 ]; then
    pass "the refresh runs on the workers: INSERT INTO <days shard> SELECT ... FROM <usage shard> GROUP BY, burst_episodes and efficiency_drift into <episodes shard>, once per shard ($shards); the usage is otherwise read only for the rejected rows and the newest time"
else
    fail "the refresh on the workers (days: $days_pushed, episodes: $episodes_pushed, drift: $drift_pushed of $shards shards; other usage reads: $usage_pulls)"
    grep -o 'issuing .*' "$WORK/remote.log" | grep 'usage_events' | cut -c1-300 | head -5 | diag
fi

# New rows, the same in both copies, then a refresh of both boards.
demo_end=$(qa "$C" -c "SELECT max(event_time) FROM plain.usage_events")
add_rows() {  # add_rows SCHEMA: two days of three developers' usage and a merged change each, after the demo's end
    q "$C" -d "$DB" -c "
        INSERT INTO $1.usage_events (event_id, event_time, developer_id, session_id, source, model, tool, input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens, cost_usd)
        SELECT 900000000 + g, '$demo_end'::timestamptz + g * interval '37 minutes', d.developer_id, 'late-' || g,
               'claude_code', 'm', 't', 1000 + 17 * g, 300, 0, 0, 0
        FROM generate_series(1, 60) g CROSS JOIN (SELECT developer_id FROM plain.developers ORDER BY developer_id LIMIT 3) d" \
        -c "INSERT INTO $1.pull_requests (id, author_id, created_date, merged_date, status, additions, deletions, is_draft, merge_commit_sha, is_bot, reviewed)
            SELECT 'late-' || d.developer_id, d.developer_id, now(), '$demo_end'::timestamptz + interval '1 day', 'MERGED', 120, 30, false, NULL, false, true
            FROM (SELECT developer_id FROM plain.developers ORDER BY developer_id LIMIT 3) d"
}
# and a price change on the coordinator (gpt-4.1 dearer from 20 April): the workers price their
# usage with the coordinator's prices, copied to them by the refresh.
reprice="INSERT INTO usage_value.model_prices VALUES ('gpt-4.1', '2025-04-20', 2.40, 9.60, 0.60, 0, 'citus test: a price change')"
if out=$( { add_rows plain && add_rows demo && qa "$C" -c "$reprice" &&
            qa "$C" -c "SELECT refresh_kind FROM usage_value.refresh_leaderboard('eng', 'single', full => true)" &&
            qa "$C" -c "SELECT refresh_kind FROM usage_value.refresh_leaderboard('eng', 'dist')"; } 2>&1 ); then
    pass "new usage events and merged changes in both copies, a new price on the coordinator; both boards refreshed"
    prices=$(qa "$C" -c "SELECT md5(string_agg(p::text, ',' ORDER BY model, effective_from)) FROM usage_value.model_prices p")
    for w in 1 2; do
        got=$(qa "${CITUS_PORTS[$w]}" -c "SELECT md5(string_agg(p::text, ',' ORDER BY model, effective_from)) FROM usage_value.model_prices p")
        [ "$got" = "$prices" ] && pass "worker $w prices with the coordinator's model_prices (copied by the refresh)" \
                               || fail "worker $w's model_prices differ from the coordinator's"
    done
    compare_boards "after a refresh with new rows"
else
    fail "new rows and refreshes"; echo "$out" | diag
fi

# A refresh while readers read: each read sees a whole board (the same rows, as before the
# refreshes: the data did not change), never a half-written one, and no read fails.
expected=$(qa "$C" -c "SELECT md5(string_agg(x::text, E'\n' ORDER BY x::text)) FROM dist.eng_leaderboard x")
reader() {
    local i out
    for i in $(seq 1 40); do
        out=$(qa "$C" -c "SELECT md5(string_agg(x::text, E'\n' ORDER BY x::text)) FROM dist.eng_leaderboard x" 2>&1) || { echo "error: $out"; continue; }
        echo "$out"
    done
}
reader > "$WORK/reader1" & r1=$!
reader > "$WORK/reader2" & r2=$!
refreshes=0; refresh_errors=0
while kill -0 $r1 2>/dev/null || kill -0 $r2 2>/dev/null; do
    if qa "$C" -c "SELECT 1 FROM usage_value.refresh_leaderboard('eng', 'dist')" >/dev/null 2>"$WORK/refresh.err"; then
        refreshes=$((refreshes + 1))
    else
        refresh_errors=$((refresh_errors + 1)); diag < "$WORK/refresh.err"
    fi
done
wait $r1 $r2 || true
reads=$(cat "$WORK/reader1" "$WORK/reader2" | wc -l)
consistent=$(cat "$WORK/reader1" "$WORK/reader2" | grep -cx "$expected" || true)
if [ "$refreshes" -ge 2 ] && [ "$refresh_errors" = 0 ] && [ "$reads" = 80 ] && [ "$consistent" = 80 ]; then
    pass "$refreshes refreshes while two readers read the leaderboard 80 times: every read succeeded and saw the whole board"
else
    fail "refresh while readers read (refreshes $refreshes, failed $refresh_errors, reads $reads, whole boards $consistent)"
    cat "$WORK/reader1" "$WORK/reader2" | grep -vx "$expected" | head -5 | diag || true
fi

# A worker stopped during a refresh. The refresh is held on the coordinator (another session
# holds a lock on the board's period totals there) after it has rewritten the days and episodes
# on both workers, uncommitted; worker2 is stopped; the lock is released, the refresh goes on,
# needs worker2 and fails. The coordinator survives, the error is clean, and once worker2 is back
# the boards hold what they held before and the next refresh succeeds.
before=$(for r in $BOARD_RELATIONS; do board_text dist "$r"; done | md5sum)
W2=${CITUS_PORTS[2]}
mkfifo "$WORK/release"
( { echo "BEGIN;"; echo "LOCK TABLE dist.eng_period_totals IN ACCESS EXCLUSIVE MODE;"; echo "SELECT 'locked';";
    read -r _ < "$WORK/release"; echo "COMMIT;"; } | q "$C" -d "$DB" -At > "$WORK/locker.out" 2>&1 ) &
locker=$!
for i in $(seq 1 100); do grep -q locked "$WORK/locker.out" 2>/dev/null && break; sleep 0.1; done
( if qa "$C" -c "\\set VERBOSITY verbose" -c "SELECT 1 FROM usage_value.refresh_leaderboard('eng', 'dist')" > "$WORK/failed.out" 2>&1
  then echo 0 > "$WORK/failed.rc"; else echo $? > "$WORK/failed.rc"; fi ) &
refresher=$!
waiting=0
for i in $(seq 1 200); do
    waiting=$(qa "$C" -c "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%refresh_leaderboard%'")
    [ "$waiting" -gt 0 ] && break
    sleep 0.1
done
held_on_workers=$(qa "$W2" -c "SELECT count(*) FROM pg_stat_activity WHERE state LIKE 'idle in transaction%' AND datname = '$DB'")
citus_server_stop 2 immediate
echo go > "$WORK/release"
wait $refresher || true
wait $locker 2>/dev/null || true
rc=$(cat "$WORK/failed.rc" 2>/dev/null || echo none)
alive=$(qa "$C" -c "SELECT 1" 2>&1 || true)
sqlstate=$(grep -o 'ERROR:  [0-9A-Z]\{5\}' "$WORK/failed.out" | head -1 | awk '{print $2}' || true)
echo "# the refresh's error: $(grep -m1 ERROR "$WORK/failed.out" || true)"
if [ "$waiting" -gt 0 ] && [ "$held_on_workers" -gt 0 ] && [ "$rc" != 0 ] && [ "$rc" != none ] && [ "$alive" = 1 ] && [ -n "$sqlstate" ] && [ "$sqlstate" != XX000 ]; then
    pass "a worker stopped during a refresh (its days and episodes rewritten, uncommitted, over $held_on_workers open transactions on the worker): the refresh fails with SQLSTATE $sqlstate, the coordinator is up"
else
    fail "a worker stopped during a refresh (held: $waiting, open transactions on the worker: $held_on_workers, exit $rc, coordinator: $alive, SQLSTATE ${sqlstate:-none})"
    diag < "$WORK/failed.out"
fi
# The scheduled path (pg_cron's CALL) with the worker still down: the CALL fails with the error,
# and the failure is recorded in leaderboard_freshness (committed on the coordinator).
if out=$(qa "$C" -c "CALL usage_value.scheduled_refresh('eng', 'dist')" 2>&1); then
    fail "scheduled_refresh with a worker down should fail"
else
    recorded=$(qa "$C" -c "SELECT last_error FROM usage_value.leaderboard_freshness WHERE schema = 'dist' AND name = 'eng'")
    if printf '%s' "$recorded" | grep -q '08006'; then
        pass "scheduled_refresh (the pg_cron path) with a worker down: fails, and the failure is recorded: $recorded"
    else
        fail "scheduled_refresh with a worker down: failure recorded (last_error: $recorded)"; echo "$out" | diag
    fi
fi
if out=$(citus_server_start 2 2>&1); then
    for i in $(seq 1 50); do qa "$W2" -c "SELECT 1" >/dev/null 2>&1 && break; sleep 0.2; done
    after=$(for r in $BOARD_RELATIONS; do board_text dist "$r"; done | md5sum)
    if [ "$before" = "$after" ]; then
        pass "worker back: every relation of the board holds what it held before the failed refresh"
    else
        fail "worker back: the board changed after the failed refresh"
    fi
    if out=$(qa "$C" -c "SELECT refresh_kind FROM usage_value.refresh_leaderboard('eng', 'dist')" 2>&1); then
        pass "the next refresh after the worker returned succeeded ($out)"
        qa "$C" -c "SELECT refresh_kind FROM usage_value.refresh_leaderboard('eng', 'single', full => true)" >/dev/null
        compare_boards "after the failed refresh and the next one"
    else
        fail "the next refresh after the worker returned"; echo "$out" | diag
    fi
else
    fail "worker2 restarted"; echo "$out" | diag
fi

cleared=$(qa "$C" -c "SELECT last_error IS NULL AND last_failed_at IS NULL FROM usage_value.leaderboard_freshness WHERE schema = 'dist' AND name = 'eng'")
if [ "$cleared" = t ]; then pass "the successful refresh cleared the recorded failure"; else fail "the successful refresh cleared the recorded failure"; fi

# drop_leaderboard drops the distributed tables with their shards on the workers.
if out=$(qa "$C" -c "SELECT usage_value.drop_leaderboard('eng', 'dist')" 2>&1); then
    left=$(qa "$C" -c "SELECT count(*) FROM pg_dist_partition WHERE logicalrelid::text LIKE 'dist.%'")
    shards=$(qa "$W2" -c "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'dist' AND c.relkind = 'r'")
    if [ "$left" = 0 ] && [ "$shards" = 0 ]; then
        pass "drop_leaderboard on the distributed board: no distributed table left, no shard on the workers"
    else
        fail "drop_leaderboard on the distributed board (distributed tables left: $left, shard tables on worker2: $shards)"
    fi
else
    fail "drop_leaderboard on the distributed board"; echo "$out" | diag
fi

# Without Citus in the source: a usage table that is not distributed gives the single-server
# layout (covered above by the board in schema single); one distributed by another column is kept
# on the coordinator, said by a NOTICE, and still equals the reference.
notice=$(q "$C" -d "$DB" -c "CREATE TABLE odd_usage AS SELECT * FROM plain.usage_events" \
           -c "SELECT create_distributed_table('odd_usage', 'session_id')" \
           -c "CREATE SCHEMA odd" \
           -c "SELECT count(*) FROM usage_value.create_leaderboard('eng', 'odd_usage', 'developer_id', 'event_time', 'plain.pull_requests', 'author_id', 'merged_date', input_tokens_column => 'input_tokens', output_tokens_column => 'output_tokens', cache_read_column => 'cache_read_tokens', cache_creation_column => 'cache_creation_tokens', convention_column => 'source', target_schema => 'odd')" 2>&1 || true)
odd_layout=$(qa "$C" -c "SELECT count(*) FROM pg_dist_partition WHERE logicalrelid::text LIKE 'odd.%'")
if printf '%s' "$notice" | grep -q 'kept on the coordinator: public.odd_usage is distributed with Citus, but it is distributed by session_id' && [ "$odd_layout" = 0 ]; then
    pass "usage distributed by another column: the board is kept on the coordinator, with a NOTICE saying why"
else
    fail "usage distributed by another column (layout: $odd_layout)"; echo "$notice" | diag
fi

echo "1..$n"
[ "$failures" = 0 ]
