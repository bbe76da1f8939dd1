-- create_leaderboard / refresh_leaderboard / drop_leaderboard over tables with hostile names:
-- the objects, their unique indexes, concurrent refresh, pg_cron, privacy, and no injection.
BEGIN;
SET LOCAL search_path = usage_value, public;
SELECT plan(27);

CREATE SCHEMA "odd schema; --";
CREATE TABLE public.victim (x int, t timestamptz);
-- Identifiers with quotes, spaces and semicolons.
CREATE TABLE "odd schema; --"."usage""; DROP TABLE victim; --" (
    "dev id" text, "at time" timestamptz, "in tok" bigint, "out tok" bigint, "cache r" bigint, "cache w" bigint, "src" text);
CREATE TABLE "odd schema; --"."prs ); DROP TABLE victim" ("author ""x""" text, "merged at" timestamptz,
    "pr id; --" text, "add""s" int, "del s" int, "re'verts" text, "bot?" boolean, "ok ""by"" peer" boolean);
CREATE TABLE "odd schema; --"."reviews""; --" ("who; r" text, "pr ""id""" text);
CREATE TABLE "odd schema; --".members ("who" text, "team; name" text, "level" text);
CREATE TABLE "odd schema; --"."people"")--" ("login; --" text, "dev ""id""" text);   -- role mapping (issue 17)
INSERT INTO "odd schema; --"."people"")--" VALUES (current_user, 'd2');

-- 8 developers in two teams (6 and 2) over 10 weeks: hourly calls on weekdays, merges on Tuesdays.
INSERT INTO "odd schema; --".members
SELECT 'd' || i, CASE WHEN i <= 6 THEN 'big team' ELSE 'small team' END, CASE WHEN i % 2 = 0 THEN 'senior' ELSE 'junior' END
FROM generate_series(1, 8) i;
INSERT INTO "odd schema; --"."usage""; DROP TABLE victim; --"
SELECT 'd' || i, d + interval '10 hours', 30000 + 5000 * i, 800, 20000, 1000, CASE WHEN i % 2 = 0 THEN 'claude_code' ELSE 'otel_genai' END
FROM generate_series(1, 8) i, generate_series('2026-01-05'::timestamptz, '2026-03-15', '1 day') d
WHERE extract(isodow FROM d) <= 5;
INSERT INTO "odd schema; --"."prs ); DROP TABLE victim"
SELECT 'd' || i, d + interval '15 hours', 'pr-' || i || '-' || extract(doy FROM d), 44, 20, NULL, false, true
FROM generate_series(1, 8) i, generate_series('2026-01-06'::timestamptz, '2026-03-10', '7 days') d;
-- d7's changes are a bot's; d8 reverts its own last change; d(i)'s changes are reviewed by d(i+1).
UPDATE "odd schema; --"."prs ); DROP TABLE victim" SET "bot?" = true WHERE "author ""x""" = 'd7';
INSERT INTO "odd schema; --"."prs ); DROP TABLE victim" VALUES ('d8', '2026-03-11 09:00', 'pr-8-revert', 20, 44, 'pr-8-69', false, true);
INSERT INTO "odd schema; --"."reviews""; --"
SELECT 'd' || (substring("pr id; --" FROM 'pr-([0-9])')::int % 8 + 1), "pr id; --" FROM "odd schema; --"."prs ); DROP TABLE victim";

SELECT is((
    SELECT array_agg(o) FROM create_leaderboard(
        name => 'board "1"', usage_table => '"odd schema; --"."usage""; DROP TABLE victim; --"',
        developer_column => 'dev id', time_column => 'at time',
        input_tokens_column => 'in tok', output_tokens_column => 'out tok',
        cache_read_column => 'cache r', cache_creation_column => 'cache w', convention_column => 'src',
        changes_table => '"odd schema; --"."prs ); DROP TABLE victim"', author_column => 'author "x"',
        merged_at_column => 'merged at', change_id_column => 'pr id; --', additions_column => 'add"s',
        deletions_column => 'del s', reverts_column => 're''verts', bot_column => 'bot?', reviewed_column => 'ok "by" peer',
        reviews_table => '"odd schema; --"."reviews""; --"', reviewer_column => 'who; r', review_change_column => 'pr "id"',
        team_table => '"odd schema; --".members', team_member_column => 'who', team_column => 'team; name',
        cohort_column => 'level', period => 'month', min_group_size => 3,
        target_schema => 'odd schema; --', refresh_schedule => '17 3 * * *',
        role_table => '"odd schema; --"."people"")--"', role_column => 'login; --', role_developer_column => 'dev "id"') o),
    ARRAY['"odd schema; --"."board ""1""_changes"', '"odd schema; --"."board ""1""_credits_read"', '"odd schema; --"."board ""1""_credits"', '"odd schema; --"."board ""1""_usage_read"',
          '"odd schema; --"."board ""1""_days"', '"odd schema; --"."board ""1""_buckets"', '"odd schema; --"."board ""1""_episodes"',
          '"odd schema; --"."board ""1""_period_totals"', '"odd schema; --"."board ""1""_periods"', '"odd schema; --"."board ""1""_leaderboard"',
          '"odd schema; --"."board ""1""_team_leaderboard"', '"odd schema; --"."board ""1""_suspects"',
          '"odd schema; --"."board ""1""_rejects"', '"odd schema; --"."board ""1""_coverage"', '"odd schema; --"."board ""1""_unmatched"',
          '"odd schema; --"."board ""1""_adoption"', '"odd schema; --"."board ""1""_my_board"', '"odd schema; --"."board ""1""_my_episodes"',
          'pg_cron job usage_value:odd schema; --.board "1" (17 3 * * *)'],
    'create_leaderboard makes four tables, four materialized views, ten views and a pg_cron job, all quoted');
SELECT is((SELECT array_agg(DISTINCT developer_id) FROM "odd schema; --"."board ""1""_my_board"), ARRAY['d2'],
          '<name>_my_board (its query, with the reader''s-rights views it reads inlined, under hostile names) shows the developer mapped to current_user');
SELECT has_table('public', 'victim', 'hostile identifiers inject nothing: the victim table still exists');
SELECT is((SELECT count(*) FROM pg_matviews WHERE schemaname = 'odd schema; --'), 4::bigint, 'four materialized views');
SELECT is((SELECT count(*) FROM pg_indexes i JOIN pg_index x ON x.indexrelid = (quote_ident(i.schemaname) || '.' || quote_ident(i.indexname))::regclass
           WHERE i.schemaname = 'odd schema; --' AND x.indisunique AND x.indpred IS NULL), 6::bigint,
          'each materialized view refreshed concurrently has the unique index it needs (the staging areas are not), each table its key');
SELECT ok((SELECT reloptions @> ARRAY['security_invoker=true'] FROM pg_class WHERE oid = '"odd schema; --"."board ""1""_leaderboard"'::regclass),
          'the per-person leaderboard view is security_invoker');

-- Contents: token accounting, merges, periods, cohorts.
SELECT is((SELECT sum(tokens) FROM "odd schema; --"."board ""1""_buckets"),
          (SELECT sum(billable_tokens("in tok", "out tok", "cache r", "cache w", src)) FROM "odd schema; --"."usage""; DROP TABLE victim; --"),
          'bucket tokens are the billable tokens of every usage row, counted once');
SELECT is((SELECT sum(merged_changes) FROM "odd schema; --"."board ""1""_buckets"), 81::numeric,
          'every merged change lands in a bucket');
-- What the changes are worth: all of one size (the unit), so 1 each; d7's (a bot's), d8's
-- reverted change and its revert 0; a reviewer gets a quarter of each reviewed change's value,
-- up to what they authored themselves in the period.
SELECT is((SELECT array_agg(reason || ':' || value ORDER BY reason) FROM (
               SELECT reason, sum(value) AS value FROM "odd schema; --"."board ""1""_changes" GROUP BY reason) r),
          ARRAY['bot:0', 'by size:69', 'revert:0', 'reverted:0'], 'changes valued by size; bot, revert and reverted changes are worth 0');
SELECT is((SELECT array_agg(developer_id || ':' || round(v::numeric, 6) ORDER BY developer_id) FROM (
               SELECT developer_id, sum(value) AS v FROM "odd schema; --"."board ""1""_buckets" WHERE developer_id IN ('d1', 'd2', 'd7', 'd8')
               GROUP BY 1) b),
          ARRAY['d1:12.250000', 'd2:12.500000', 'd7:0.000000', 'd8:9.000000'],
          'value per developer: own changes plus a quarter of the reviewed changes'' value (d1 reviews d8''s 9, d8 reviews only bot changes), capped at what the reviewer authored (d7 authored nothing of value)');
SELECT is((SELECT count(DISTINCT period_start) FROM "odd schema; --"."board ""1""_leaderboard"), 3::bigint, 'three monthly periods');
SELECT is((SELECT array_agg(DISTINCT cohort ORDER BY cohort) FROM "odd schema; --"."board ""1""_leaderboard"),
          ARRAY['junior', 'senior'], 'ranked within cohorts');
SELECT is((SELECT count(*) FROM "odd schema; --"."board ""1""_leaderboard" l
           WHERE fair_rank IS NULL OR NOT (fair_rank_lower <= fair_rank AND fair_rank <= fair_rank_upper)), 0::bigint,
          'every developer ranked, rank inside its interval');
-- Privacy: the small team (2 < 3 developers) is suppressed.
SELECT is((SELECT array_agg(DISTINCT team) FROM "odd schema; --"."board ""1""_team_leaderboard"), ARRAY['big team'],
          'teams below min_group_size are suppressed');

-- New telemetry, then a concurrent refresh.
INSERT INTO "odd schema; --"."usage""; DROP TABLE victim; --" VALUES ('d1', '2026-03-16 10:00', 123456789, 0, 0, 0, 'claude_code');
SELECT lives_ok($$SELECT refresh_leaderboard('board "1"', 'odd schema; --')$$, 'refresh_leaderboard refreshes concurrently');
SELECT is((SELECT sum(tokens) FROM "odd schema; --"."board ""1""_periods" WHERE developer_id = 'd1' AND period_start = '2026-03-01'),
          (SELECT sum(billable_tokens("in tok", "out tok", "cache r", "cache w", src)) FROM "odd schema; --"."usage""; DROP TABLE victim; --"
           WHERE "dev id" = 'd1' AND "at time" >= '2026-03-01'), 'the refresh picked up the new telemetry');
SELECT is((SELECT command FROM cron.job WHERE jobname = 'usage_value:odd schema; --.board "1"'),
          'CALL usage_value.scheduled_refresh(''board "1"'', ''odd schema; --'')', 'pg_cron runs the refresh (recording a failure)');

-- A BI role granted only the team view reads it and nothing per person.
CREATE ROLE uv_bi_reader;
GRANT USAGE ON SCHEMA "odd schema; --" TO uv_bi_reader;
GRANT SELECT ON "odd schema; --"."board ""1""_team_leaderboard" TO uv_bi_reader;
SET LOCAL ROLE uv_bi_reader;
SELECT lives_ok($$SELECT count(*) FROM "odd schema; --"."board ""1""_team_leaderboard"$$, 'a BI role reads the team view');
SELECT throws_ok($$SELECT count(*) FROM "odd schema; --"."board ""1""_periods"$$, '42501', NULL, '... but not per-person rows');
SELECT throws_ok($$SELECT count(*) FROM "odd schema; --"."board ""1""_leaderboard"$$, '42501', NULL,
                 '... nor the per-person board, even through the view (security_invoker)');
RESET ROLE;

-- Errors name the argument.
SELECT throws_ok($$SELECT create_leaderboard('x', 'public.victim', 'nope', 'x', 'public.victim', 'x', 'x', tokens_column => 'x')$$,
                 '42703', 'developer_column: table public.victim has no column nope', 'a missing column is named');
SELECT throws_ok($$SELECT create_leaderboard('board "1"', '"odd schema; --"."usage""; DROP TABLE victim; --"', 'dev id', 'at time',
                   '"odd schema; --"."prs ); DROP TABLE victim"', 'author "x"', 'merged at', tokens_column => 'in tok', period => 'fortnight')$$,
                 '22023', 'period must be day, week, month or quarter (got fortnight)', 'a bad period is refused');
SELECT throws_ok($$SELECT create_leaderboard('y', 'public.victim', 'x', 't', 'public.victim', 'x', 't', tokens_column => 'x',
                   reverts_column => 'x')$$,
                 '22023', 'reverts_column and reviews_table refer to changes by id: give change_id_column too',
                 'reverts need change ids');
SELECT throws_ok($$SELECT create_leaderboard('y', 'public.victim', 'x', 't', 'public.victim', 'x', 't', tokens_column => 'x',
                   additions_column => 'x')$$,
                 '22023', 'a change''s size is additions + deletions: give both additions_column and deletions_column',
                 'a size needs both additions and deletions');
SELECT throws_ok($$SELECT create_leaderboard('y', 'public.victim', 'x', 'x', 'public.victim', 'x', 'x', tokens_column => 'x',
                   change_value_cap => 0.5)$$,
                 '22023', 'change_value_cap must be at least 1 typical change (got 0.5)', 'a cap below one typical change is refused');

-- Dropping removes everything, including the cron job.
SELECT lives_ok($$SELECT drop_leaderboard('board "1"', 'odd schema; --')$$, 'drop_leaderboard');
SELECT is((SELECT count(*) FROM pg_class WHERE relnamespace = '"odd schema; --"'::regnamespace AND relname LIKE 'board%')
          + (SELECT count(*) FROM cron.job WHERE jobname LIKE 'usage_value:odd%'), 0::bigint, 'no object and no job left');

SELECT * FROM finish();
ROLLBACK;
