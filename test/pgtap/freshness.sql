-- Freshness of a board (usage_value.leaderboards, leaderboard_freshness): what a refresh records,
-- for boards of every version (objects listed or not, usage_rows or not), and who may read it.
-- scheduled_refresh commits, so it is tested end to end in test/shell/freshness.t.
BEGIN;
SET LOCAL search_path = usage_value, public;
SELECT plan(16);

-- A board whose relations are plain tables stands in for every version: refresh skips what is
-- not a materialized view, and record_refresh reads only what the board has.
CREATE SCHEMA fresh_t;
CREATE TABLE fresh_t.x_changes (change_id text);
CREATE TABLE fresh_t.x_buckets (developer_id text, bucket timestamptz, tokens bigint);
CREATE TABLE fresh_t.x_periods (developer_id text, period_start date, usage_rows bigint);
INSERT INTO fresh_t.x_changes SELECT 'c' || g FROM generate_series(1, 5) g;
INSERT INTO fresh_t.x_buckets VALUES ('a', '2026-01-01 00:00Z', 0), ('a', '2026-01-01 01:00Z', 10), ('b', '2026-01-03 05:00Z', 7),
                                     ('b', '2026-01-03 06:00Z', 0);
INSERT INTO fresh_t.x_periods VALUES ('a', '2026-01-01', 3), ('b', '2026-01-01', 4);
INSERT INTO leaderboards (target_schema, name, bucket_width, period, min_group_size, objects)
VALUES ('fresh_t', 'x', '1 hour', 'week', 1, ARRAY['x_changes', 'x_buckets', 'x_periods']);

SELECT is((SELECT (rows_read, data_from, data_through, last_failed_at, last_error)::text FROM refresh_leaderboard('x', 'fresh_t')),
          (7 + 5, '2026-01-01 01:00Z'::timestamptz, '2026-01-03 05:00Z'::timestamptz, NULL::timestamptz, NULL::text)::text,
          'refresh_leaderboard returns the freshness row: rows read = usage_rows summed + merged changes, data span = buckets with tokens');
SELECT ok((SELECT refreshed_at <= clock_timestamp() AND refreshed_at >= now() AND refresh_seconds >= 0 AND hours_since_refresh < 1
           FROM leaderboard_freshness WHERE schema = 'fresh_t' AND name = 'x'),
          'refreshed_at is when the refresh started; refresh_seconds and hours_since_refresh are set');

-- A failure recorded by scheduled_refresh is cleared by the next successful refresh.
UPDATE leaderboards SET last_failed_at = now(), last_error = 'boom (SQLSTATE 22003)' WHERE name = 'x';
SELECT is((SELECT last_error FROM leaderboard_freshness WHERE name = 'x'), 'boom (SQLSTATE 22003)', 'the view shows a recorded failure');
SELECT is((SELECT (last_failed_at IS NULL AND last_error IS NULL) FROM refresh_leaderboard('x', 'fresh_t')), true,
          'a successful refresh clears last_failed_at and last_error');

-- Boards that do not record usage rows (made before 0.4.0): rows_read is unknown, not a guess.
ALTER TABLE fresh_t.x_periods DROP COLUMN usage_rows;
SELECT is((SELECT rows_read FROM refresh_leaderboard('x', 'fresh_t')), NULL::bigint, 'without <name>_periods.usage_rows, rows_read is NULL');
-- A 0.2.0 board: objects NULL, no _changes; its relations are found by name.
INSERT INTO leaderboards (target_schema, name, bucket_width, period, min_group_size) VALUES ('fresh_t', 'y', '1 day', 'month', 5);
CREATE TABLE fresh_t.y_buckets AS SELECT * FROM fresh_t.x_buckets;
SELECT is((SELECT (rows_read IS NULL, data_through) FROM refresh_leaderboard('y', 'fresh_t'))::text,
          (true, '2026-01-03 05:00Z'::timestamptz)::text, 'a 0.2.0 board (objects NULL) refreshes and records its data span');
SELECT throws_ok($$SELECT refresh_leaderboard('nope', 'fresh_t')$$, '42704', 'no leaderboard fresh_t.nope', 'an unknown board is named');
SELECT throws_ok($$SELECT usage_value_internal.record_refresh('fresh_t', 'nope')$$, '42704', 'no leaderboard fresh_t.nope',
                 'record_refresh refuses an unknown board');

-- At creation: create_leaderboard ends with record_refresh (called here as create will call it).
CREATE TABLE fresh_t.usage (dev text, at timestamptz, tokens bigint);
CREATE TABLE fresh_t.prs (author text, merged_at timestamptz);
INSERT INTO fresh_t.usage SELECT 'd' || i, '2026-01-05'::timestamptz + make_interval(days => d, hours => 10), 1000 * i
FROM generate_series(1, 4) i, generate_series(0, 20) d;
INSERT INTO fresh_t.prs SELECT 'd' || i, '2026-01-06'::timestamptz + make_interval(days => 2 * d, hours => 15)
FROM generate_series(1, 4) i, generate_series(0, 9) d;
SELECT lives_ok($$SELECT count(*) FROM create_leaderboard('z', 'fresh_t.usage', 'dev', 'at', 'fresh_t.prs', 'author', 'merged_at',
                  tokens_column => 'tokens', target_schema => 'fresh_t', min_group_size => 1)$$, 'a board is created');
SELECT lives_ok($$SELECT usage_value_internal.record_refresh('fresh_t', 'z', now())$$, 'record_refresh records its creation');
SELECT is((SELECT (refreshed_at = now(), data_from, data_through, rows_read IS NOT DISTINCT FROM
                      CASE WHEN EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = 'fresh_t.z_periods'::regclass AND attname = 'usage_rows')
                           THEN 84 + 40 END)::text
           FROM leaderboard_freshness WHERE schema = 'fresh_t' AND name = 'z'),
          (true, '2026-01-05 00:00Z'::timestamptz, '2026-01-25 00:00Z'::timestamptz, true)::text,
          'the new board''s row: refreshed at its creation, data from the first to the last daily usage bucket, rows read (where recorded)');

-- Safe for BI roles: no per-person column, owner's rights, readable with SELECT on the view alone.
SELECT is((SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'leaderboard_freshness'::regclass AND attnum > 0),
          ARRAY['schema', 'name', 'period', 'bucket_width', 'refreshed_at', 'refresh_seconds', 'rows_read', 'data_from', 'data_through',
                'last_failed_at', 'last_error', 'hours_since_refresh', 'cron_job_name', 'rejected_rows', 'developer_coverage',
                'refresh_kind', 'days_recomputed', 'days_changed', 'developers_reanalysed', 'periods_rebuilt', 'watermark', 'late_window'],
          'leaderboard_freshness has board-level columns only');
SELECT is((SELECT array_agg(DISTINCT format_type(atttypid, atttypmod) ORDER BY format_type(atttypid, atttypmod))
           FROM pg_attribute WHERE attrelid = 'leaderboard_freshness'::regclass AND attnum > 0),
          ARRAY['bigint', 'double precision', 'text', 'timestamp with time zone'], '... of plain column types for BI tools');
-- Every role may read it (no grant needed on it or on usage_value.leaderboards); it shows the
-- boards the reader owns or may read (issue 12, least privilege): a BI role granted one board's
-- team view sees that board's row.
CREATE ROLE uv_fresh_bi;
GRANT USAGE ON SCHEMA fresh_t TO uv_fresh_bi;
GRANT SELECT ON fresh_t.z_team_leaderboard TO uv_fresh_bi;
SET LOCAL ROLE uv_fresh_bi;
SELECT is((SELECT array_agg(name ORDER BY name) FROM usage_value.leaderboard_freshness WHERE schema = 'fresh_t'), ARRAY['z'],
          'a BI role granted a board''s team view reads that board''s row of leaderboard_freshness, and no other');
SELECT is((SELECT array_agg(name ORDER BY name) FROM usage_value.leaderboards), ARRAY['z'],
          '... and of usage_value.leaderboards');
SELECT throws_ok($$SELECT count(*) FROM fresh_t.z_periods$$, '42501', NULL, '... but no per-person relation of the board');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
