#!/usr/bin/env bash
# Incremental refresh across sessions (0.5.0, issue 13): readers are never blocked by a refresh
# and see the previous data until it commits; two refreshes of one board serialise, the second
# folding in what the first did not; boards made by 0.4.0 keep their layout and their refresh
# after ALTER EXTENSION UPDATE. Two sessions at once, hence a shell test, not pgTAP.
. "$(dirname "$0")/tap.sh"

db=uv_incremental
fresh_database $db
q() { $PSQL -At -d $db -c "$1"; }
work=$(mktemp -d)
setup_sql=$(cat <<'SQL'
CREATE SCHEMA b;
CREATE TABLE b.usage (dev text, at timestamptz, tokens bigint);
CREATE TABLE b.prs (author text, merged_at timestamptz, id text);
INSERT INTO b.usage
SELECT 'd' || i, d + make_interval(hours => h), 20000 + 1000 * i + (hashtext(i || ':' || d || ':' || h) & 4095)
FROM generate_series(1, 6) i, generate_series('2026-01-05'::timestamptz, '2026-02-06', '1 day') d, generate_series(9, 17, 4) h;
INSERT INTO b.prs
SELECT 'd' || i, d + interval '16 hours', 'pr-' || i || '-' || extract(doy FROM d)
FROM generate_series(1, 6) i, generate_series('2026-01-06'::timestamptz, '2026-02-05', '1 day') d WHERE extract(isodow FROM d) IN (2, 4);
SQL
)
create_sql="SELECT count(*) FROM usage_value.create_leaderboard(name => 'inc', target_schema => 'b', usage_table => 'b.usage',
    developer_column => 'dev', time_column => 'at', tokens_column => 'tokens', changes_table => 'b.prs', author_column => 'author',
    merged_at_column => 'merged_at', change_id_column => 'id', period => 'week', bucket_width => '1 hour', min_group_size => 2)"
$PSQL -d $db -c "$setup_sql" -c "$create_sql" >/dev/null
ok $? "a board over a small company"

board="SELECT md5(string_agg(l::text, ',' ORDER BY period_start, developer_id)) FROM b.inc_leaderboard l"
days="SELECT md5(string_agg(d::text, ',' ORDER BY developer_id, day)) FROM b.inc_days d"
board_before=$(q "$board"); days_before=$(q "$days")

# 1. A refresh held open (it sleeps before committing): readers in other sessions are not blocked
#    (lock_timeout 1 s on every relation readers use) and see the previous data.
q "INSERT INTO b.usage VALUES ('d1', '2026-02-06 20:00Z', 900000), ('d2', '2026-02-05 08:00Z', 50000)" >/dev/null
PGAPPNAME=uv-holder $PSQL -d $db -c "BEGIN" -c "SELECT usage_value.refresh_leaderboard('inc', 'b')" -c "SELECT pg_sleep(6)" -c "COMMIT" >/dev/null 2>&1 &
holder=$!
for _ in $(seq 200); do
    [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'uv-holder' AND query LIKE '%pg_sleep%'")" = 1 ] && break
    sleep 0.1
done
reads=$($PSQL -At -d $db -c "SET lock_timeout = '1s'" \
    -c "SELECT count(*) > 0 FROM b.inc_leaderboard" -c "SELECT count(*) >= 0 FROM b.inc_team_leaderboard" \
    -c "SELECT count(*) > 0 FROM b.inc_periods" -c "SELECT count(*) > 0 FROM b.inc_buckets" -c "SELECT count(*) >= 0 FROM b.inc_episodes" \
    -c "SELECT count(*) > 0 FROM b.inc_days" -c "SELECT count(*) >= 0 FROM b.inc_suspects" -c "SELECT count(*) > 0 FROM b.inc_coverage" \
    -c "SELECT count(*) > 0 FROM b.inc_changes" -c "SELECT count(*) FROM usage_value.leaderboard_freshness" 2>&1 | tr '\n' ' ')
is "$reads" "t t t t t t t t t 1 " "during a refresh, readers of every relation of the board are not blocked (lock_timeout 1 s)"
is "$(q "$board")|$(q "$days")" "$board_before|$days_before" "... and see the previous data until it commits"

# 2. A second refresh of the board waits for the first (the registry row is locked), then runs.
q "INSERT INTO b.usage VALUES ('d3', '2026-02-06 21:00Z', 70000)" >/dev/null
PGAPPNAME=uv-second $PSQL -At -d $db -c "SELECT days_changed FROM usage_value.refresh_leaderboard('inc', 'b')" >"$work/second.out" 2>&1 &
second=$!
waiting=0
for _ in $(seq 50); do
    [ "$(q "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'uv-second' AND wait_event_type = 'Lock'")" = 1 ] && { waiting=1; break; }
    sleep 0.1
done
is "$waiting" "1" "a second refresh of the same board waits for the first"
wait $holder
ok $? "the first refresh commits"
wait $second
ok $? "... then the second completes"
is "$(cat "$work/second.out")" "1" "... after reading what the first wrote: it changes only the day of the row inserted since"
full_board=$($PSQL -At -d $db -c "BEGIN" -c "SELECT days_changed FROM usage_value.refresh_leaderboard('inc', 'b', full => true)" -c "ROLLBACK" | head -1)
is "$full_board" "0" "... and the board equals a full rebuild (which finds nothing to change)"

# 3. A board made by 0.4.0 keeps its layout and its refresh after ALTER EXTENSION UPDATE.
old=uv_incremental_old
fresh_database $old
$PSQL -d $old -c "DROP EXTENSION usage_value" -c "CREATE EXTENSION usage_value VERSION '0.4.0'" -c "$setup_sql" -c "$create_sql" >/dev/null
ok $? "a board made by 0.4.0"
$PSQL -d $old -c "ALTER EXTENSION usage_value UPDATE" >/dev/null
ok $? "ALTER EXTENSION usage_value UPDATE"
$PSQL -d $old -c "INSERT INTO b.usage VALUES ('d1', '2026-02-06 20:00Z', 900000)" >/dev/null
is "$($PSQL -At -d $old -c "SELECT refresh_kind, days_recomputed IS NULL FROM usage_value.refresh_leaderboard('inc', 'b')")" "full|t" \
   "it refreshes as before (every materialized view, concurrently): refresh_kind full"
is "$($PSQL -At -d $old -c "SELECT string_agg(relkind::text, '' ORDER BY relname) FROM pg_class WHERE relnamespace = 'b'::regnamespace AND relname LIKE 'inc\\_%' AND relkind IN ('r', 'v', 'm')")" \
   "mmvmvmmvvv" "... keeping its 0.4.0 objects (buckets, changes, episodes, periods, rejects materialized)"
is "$($PSQL -At -d $old -c "SELECT sum(tokens) FROM b.inc_periods") $($PSQL -At -d $old -c "SELECT sum(tokens) FROM b.usage")" \
   "$($PSQL -At -d $old -c "SELECT sum(tokens) FROM b.usage") $($PSQL -At -d $old -c "SELECT sum(tokens) FROM b.usage")" \
   "... with the new row"
$PSQL -d $old -c "INSERT INTO b.usage VALUES ('d2', '2026-02-05 08:00Z', 50000), ('d3', '2026-02-06 21:00Z', 70000)" \
    -c "SELECT usage_value.drop_leaderboard('inc', 'b')" -c "$create_sql" >/dev/null
ok $? "dropped and created again, it gets the new layout"
is "$($PSQL -At -d $old -c "SELECT refresh_kind FROM usage_value.refresh_leaderboard('inc', 'b')") $($PSQL -At -d $db -c "SELECT md5(string_agg(p::text, ',' ORDER BY developer_id, period_start)) FROM b.inc_period_totals p" | cut -c1-4)" \
   "incremental $($PSQL -At -d $old -c "SELECT md5(string_agg(p::text, ',' ORDER BY developer_id, period_start)) FROM b.inc_period_totals p" | cut -c1-4)" \
   "... refreshes incrementally, and holds, bit for bit, what the board of the same data holds in the other database"

$PSQL -d postgres -c "DROP DATABASE $db" -c "DROP DATABASE $old" >/dev/null
rm -rf "$work"
done_testing
