#!/usr/bin/env bash
# Freshness and failed scheduled refreshes, end to end: a board records when it was refreshed,
# what it read and the span of its data; a scheduled refresh that fails (a bucket whose tokens
# overflow bigint: each row is valid, so it is not set aside) exits with the original error,
# leaves its trace in leaderboard_freshness, and the board keeps its previous contents; the next
# good refresh clears the trace. CALL needs a session of its own (it commits), hence a shell test, not pgTAP.
. "$(dirname "$0")/tap.sh"

db=uv_freshness
fresh_database $db
q() { $PSQL -At -d $db -c "$1"; }
$PSQL -d $db >/dev/null <<'SQL'
CREATE SCHEMA b;
CREATE TABLE b.usage (dev text, at timestamptz, input bigint, output bigint, cache_read bigint, src text);
CREATE TABLE b.prs (author text, merged_at timestamptz, id text);
-- 6 developers, 5 weeks of hourly calls on weekdays; merges on Tuesdays and Thursdays.
INSERT INTO b.usage
SELECT 'd' || i, d + make_interval(hours => h), 20000 + 1000 * i, 500, 5000, CASE WHEN i % 2 = 0 THEN 'claude_code' ELSE 'otel_genai' END
FROM generate_series(1, 6) i, generate_series('2026-01-05'::timestamptz, '2026-02-06', '1 day') d, generate_series(9, 17, 4) h
WHERE extract(isodow FROM d) <= 5;
INSERT INTO b.prs
SELECT 'd' || i, d + interval '16 hours', 'pr-' || i || '-' || extract(doy FROM d)
FROM generate_series(1, 6) i, generate_series('2026-01-06'::timestamptz, '2026-02-05', '1 day') d
WHERE extract(isodow FROM d) IN (2, 4);
SELECT count(*) AS objects_made FROM usage_value.create_leaderboard(
    name => 'fresh', target_schema => 'b', usage_table => 'b.usage', developer_column => 'dev', time_column => 'at',
    input_tokens_column => 'input', output_tokens_column => 'output', cache_read_column => 'cache_read',
    convention_column => 'src', changes_table => 'b.prs', author_column => 'author', merged_at_column => 'merged_at',
    change_id_column => 'id', period => 'week', bucket_width => '1 hour', min_group_size => 3);
SQL
ok $? "a small board is created"

# The usage part of rows_read is counted by <name>_periods.usage_rows where the board has that
# column (boards made by 0.4.0); without it rows_read is NULL.
has_usage_rows=$(q "SELECT count(*) FROM pg_attribute WHERE attrelid = 'b.fresh_periods'::regclass AND attname = 'usage_rows'")
expected_rows=$(q "SELECT CASE WHEN $has_usage_rows = 1 THEN (SELECT count(*) FROM b.usage) + (SELECT count(*) FROM b.prs) END")
max_bucket=$(q "SELECT to_timestamp(max(floor(extract(epoch FROM at) / 3600) * 3600)) FROM b.usage")
min_bucket=$(q "SELECT to_timestamp(min(floor(extract(epoch FROM at) / 3600) * 3600)) FROM b.usage")

before=$(q "SELECT clock_timestamp()")
row=$(q "SELECT schema, name, refreshed_at >= '$before', refresh_seconds >= 0, coalesce(rows_read::text, 'NULL'),
                data_from = '$min_bucket', data_through = '$max_bucket', last_failed_at IS NULL, last_error IS NULL
         FROM usage_value.refresh_leaderboard('fresh', 'b')")
is "$row" "b|fresh|t|t|${expected_rows:-NULL}|t|t|t|t" \
   "refresh_leaderboard returns the freshness row: refreshed now, rows read = usage rows + merged changes (${expected_rows:-NULL}), data from the first to the last bucket with usage"
is "$(q "SELECT count(*) FROM usage_value.leaderboard_freshness WHERE schema = 'b' AND name = 'fresh' AND data_through = '$max_bucket'
           AND refreshed_at = (SELECT refreshed_at FROM usage_value.leaderboards WHERE target_schema = 'b' AND name = 'fresh')")" "1" \
   "leaderboard_freshness shows the same row"
# current_schema() is the caller's, not the function's pinned search_path (it was pg_catalog).
is "$($PSQL -At -d $db -c "SET search_path = b, public" -c "SELECT name FROM usage_value.refresh_leaderboard('fresh')")" "fresh" \
   "refresh_leaderboard without target_schema finds the board in the current schema"
refreshed=$(q "SELECT refreshed_at FROM usage_value.leaderboards WHERE target_schema = 'b' AND name = 'fresh'")
board="SELECT md5(string_agg(l::text, ',' ORDER BY period_start, developer_id)) FROM b.fresh_leaderboard l"
board_before=$(q "$board")
periods_before=$(q "SELECT md5(string_agg(p::text, ',' ORDER BY developer_id, period_start)) FROM b.fresh_periods p")

# A failure of the whole board: two usage rows, each valid (a bad row would only be set aside in
# <name>_rejects), whose hour holds more tokens than a bigint.
q "INSERT INTO b.usage VALUES ('d1', '2026-02-06 18:00', 5000000000000000000, 0, 0, 'otel_genai'),
                              ('d1', '2026-02-06 18:30', 5000000000000000000, 0, 0, 'otel_genai')" >/dev/null
want_state=$($PSQL -At -d $db -c "\\set VERBOSITY sqlstate" -c "SELECT sum(5000000000000000000::bigint)::bigint FROM generate_series(1, 2)" 2>&1 | grep -o '[0-9A-Z]\{5\}' | tail -1)
want_message=$($PSQL -At -d $db -c "SELECT sum(5000000000000000000::bigint)::bigint FROM generate_series(1, 2)" 2>&1 | sed -n 's/^ERROR:  //p')
out=$($PSQL -d $db -c "\\set VERBOSITY verbose" -c "CALL usage_value.scheduled_refresh('fresh', 'b')" 2>&1)
rc=$?
ok "$([ $rc -ne 0 ]; echo $?)" "CALL scheduled_refresh exits with an error when the refresh fails (psql exit $rc)"
is "$(echo "$out" | sed -n 's/^ERROR:  \([0-9A-Z]\{5\}\): .*/\1/p')" "$want_state" "... with the original SQLSTATE ($want_state)"
is "$(echo "$out" | sed -n 's/^ERROR:  [0-9A-Z]\{5\}: //p')" "$want_message" "... and message"
ok "$(echo "$out" | grep -q 'HINT:  The failure is recorded in usage_value.leaderboard_freshness'; echo $?)" "... and a hint saying where it is recorded"
is "$(q "SELECT last_error, last_failed_at > refreshed_at, refreshed_at = '$refreshed'
         FROM usage_value.leaderboard_freshness WHERE schema = 'b' AND name = 'fresh'")" \
   "$want_message (SQLSTATE $want_state)|t|t" \
   "the failure is recorded (committed): last_error with its SQLSTATE, last_failed_at; refreshed_at is the last good refresh"
is "$(q "$board")|$(q "SELECT md5(string_agg(p::text, ',' ORDER BY developer_id, period_start)) FROM b.fresh_periods p")" \
   "$board_before|$periods_before" "the board still returns its previous contents"

# The same failure inside an explicit transaction cannot commit its record: CALL must be top level.
out=$($PSQL -d $db -c "BEGIN" -c "CALL usage_value.scheduled_refresh('fresh', 'b')" -c "COMMIT" 2>&1)
ok "$(echo "$out" | grep -q 'invalid transaction termination'; echo $?)" "inside a transaction block the CALL fails at its COMMIT (hence: CALL it at top level)"

# A board that does not exist: the error, and nothing recorded.
out=$($PSQL -d $db -c "\\set VERBOSITY sqlstate" -c "CALL usage_value.scheduled_refresh('nope', 'b')" 2>&1)
is "$(echo "$out" | grep -o '42704')" "42704" "scheduled_refresh of a board that does not exist raises 42704"

# Fixed data: a scheduled refresh succeeds and clears the failure.
q "DELETE FROM b.usage WHERE input >= 5000000000000000000" >/dev/null
$PSQL -d $db -c "SET search_path = b" -c "CALL usage_value.scheduled_refresh('fresh')"
ok $? "with the rows deleted, CALL scheduled_refresh succeeds (board found in the current schema)"
is "$(q "SELECT last_error IS NULL AND last_failed_at IS NULL, refreshed_at > '$refreshed', hours_since_refresh < 1
         FROM usage_value.leaderboard_freshness WHERE schema = 'b' AND name = 'fresh'")" "t|t|t" \
   "the next good refresh clears last_error and last_failed_at and moves refreshed_at"
is "$(q "$board")" "$board_before" "and the board is as before the overflowing rows"

# drop_leaderboard finds the board in the current schema too.
$PSQL -d $db -c "SET search_path = b" -c "SELECT usage_value.drop_leaderboard('fresh')" >/dev/null
is "$(q "SELECT count(*) FROM usage_value.leaderboards") $(q "SELECT count(*) FROM pg_class WHERE relname LIKE 'fresh%'")" "0 0" \
   "drop_leaderboard without target_schema drops the board of the current schema"

$PSQL -d postgres -c "DROP DATABASE $db"
done_testing
