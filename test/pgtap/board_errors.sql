-- create_leaderboard refuses a bad mapping before it makes anything, and every refusal says what
-- to do: each RAISE in its body, with the exact text it prints. Also where the objects go when
-- target_schema is not given.
BEGIN;
SET LOCAL search_path = usage_value, public;
SELECT plan(28);

CREATE SCHEMA be;
CREATE TABLE be.u (who text, at timestamptz, tok bigint, inp bigint, outp bigint, conv text);
CREATE TABLE be.c (author text, merged timestamptz, id text, adds int, dels int);
CREATE TABLE be.t (who text, team text);
INSERT INTO be.u VALUES ('a', '2026-01-05 10:00', 1000, 800, 200, 'claude_code');
INSERT INTO be.c VALUES ('a', '2026-01-05 15:00', 'c1', 10, 5);

-- A valid call with the arguments given as JSON, so each test changes one of them.
CREATE FUNCTION pg_temp.bind(changes jsonb) RETURNS SETOF text LANGUAGE plpgsql AS $$
DECLARE a jsonb := '{"name": "b", "target_schema": "be", "tokens_column": "tok"}'::jsonb || changes;
BEGIN
    RETURN QUERY SELECT usage_value.create_leaderboard(
        name => a->>'name', target_schema => (a->>'target_schema')::name,
        usage_table => 'be.u', developer_column => 'who', time_column => 'at', changes_table => 'be.c',
        author_column => 'author', merged_at_column => 'merged',
        tokens_column => a->>'tokens_column', input_tokens_column => a->>'input_tokens_column',
        output_tokens_column => a->>'output_tokens_column', token_convention => a->>'token_convention',
        convention_column => a->>'convention_column',
        team_table => (a->>'team_table')::regclass, team_member_column => a->>'team_member_column',
        team_column => a->>'team_column', cohort_column => a->>'cohort_column',
        period => coalesce(a->>'period', 'week'), bucket_width => coalesce(a->>'bucket_width', '1 day')::interval,
        min_group_size => coalesce((a->>'min_group_size')::int, 5), refresh_schedule => a->>'refresh_schedule',
        change_id_column => a->>'change_id_column', additions_column => a->>'additions_column',
        deletions_column => a->>'deletions_column', reverts_column => a->>'reverts_column',
        reviewer_column => a->>'reviewer_column', review_change_column => a->>'review_change_column',
        change_size_unit => (a->>'change_size_unit')::float8,
        change_value_cap => coalesce((a->>'change_value_cap')::float8, 10),
        unreviewed_weight => coalesce((a->>'unreviewed_weight')::float8, 0.5),
        review_weight => coalesce((a->>'review_weight')::float8, 0.25),
        identity_column => a->>'identity_column', identity_person_column => a->>'identity_person_column',
        split_identities => coalesce(a->>'split_identities', 'rank_jointly'));
END $$;

SELECT throws_ok($$SELECT pg_temp.bind('{"name": ""}')$$, '22023', 'name must not be empty', 'an empty name');
SELECT throws_ok($$SELECT pg_temp.bind('{"name": null}')$$, '22023', 'name must not be empty', 'a NULL name');
SELECT throws_ok($$SELECT pg_temp.bind('{"name": "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz"}')$$, '22023',
                 'name is too long: object names like abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz_team_leaderboard exceed 63 bytes',
                 'a name too long for its objects');
SELECT throws_ok($$SELECT pg_temp.bind('{"period": "fortnight"}')$$, '22023',
                 'period must be day, week, month or quarter (got fortnight)', 'a bad period');
SELECT throws_ok($$SELECT pg_temp.bind('{"min_group_size": 0}')$$, '22023', 'min_group_size must be at least 1 (got 0)',
                 'a minimum group size below 1');
SELECT throws_ok($$SELECT pg_temp.bind('{"bucket_width": "2 hours"}')$$, '22023',
                 'bucket_width must be ''1 hour'' or ''1 day'' (got 02:00:00)', 'a bucket width other than an hour or a day');
SELECT throws_ok($$SELECT pg_temp.bind('{"change_size_unit": -1}')$$, '22023',
                 'change_size_unit must be a number of lines > 0, or NULL for the median merged change (got -1)',
                 'a negative change size unit');
SELECT throws_ok($$SELECT pg_temp.bind('{"change_value_cap": 0.5}')$$, '22023',
                 'change_value_cap must be at least 1 typical change (got 0.5)', 'a cap below one typical change');
SELECT throws_ok($$SELECT pg_temp.bind('{"unreviewed_weight": 2}')$$, '22023',
                 'unreviewed_weight must be between 0 and 1 (got 2)', 'an unreviewed weight above 1');
SELECT throws_ok($$SELECT pg_temp.bind('{"review_weight": -0.5}')$$, '22023',
                 'review_weight must be between 0 and 1 (got -0.5)', 'a negative review weight');
SELECT throws_ok($$SELECT pg_temp.bind('{"split_identities": "merge"}')$$, '22023',
                 'split_identities must be rank_jointly or report_only (got merge)', 'an unknown split_identities');
SELECT throws_ok($$SELECT pg_temp.bind('{"tokens_column": null, "input_tokens_column": "inp"}')$$, '22023',
                 'give tokens_column, or input_tokens_column and output_tokens_column (with a token_convention or convention_column)',
                 'input tokens without output tokens');
SELECT throws_ok($$SELECT pg_temp.bind('{"tokens_column": null, "input_tokens_column": "inp", "output_tokens_column": "outp"}')$$,
                 '22023', 'give exactly one of token_convention and convention_column', 'token columns without a convention');
SELECT throws_ok($$SELECT pg_temp.bind('{"identity_column": "who"}')$$, '22023',
                 'identity_column and identity_person_column are columns of identity_table; give identity_table too',
                 'an identity column without its table');
SELECT throws_ok($$SELECT pg_temp.bind('{"reverts_column": "id"}')$$, '22023',
                 'reverts_column and reviews_table refer to changes by id: give change_id_column too', 'reverts without change ids');
SELECT throws_ok($$SELECT pg_temp.bind('{"additions_column": "adds"}')$$, '22023',
                 'a change''s size is additions + deletions: give both additions_column and deletions_column',
                 'additions without deletions');
SELECT throws_ok($$SELECT pg_temp.bind('{"reviewer_column": "who"}')$$, '22023',
                 'reviewer_column and review_change_column are columns of reviews_table; give reviews_table too',
                 'a reviewer column without its table');
SELECT throws_ok($$SELECT pg_temp.bind('{"team_table": "be.t", "team_member_column": "who"}')$$, '22023',
                 'team_table needs team_member_column and team_column', 'a team table without its team column');
SELECT throws_ok($$SELECT pg_temp.bind('{"cohort_column": "team"}')$$, '22023',
                 'cohort_column is a column of team_table; give team_table too', 'a cohort column without the team table');

-- A board that exists is named in the error, with the call that removes it (quoted as SQL).
SELECT lives_ok($$SELECT pg_temp.bind('{"name": "it''s"}')$$, 'a board named it''s');
SELECT throws_ok($$SELECT pg_temp.bind('{"name": "it''s"}')$$, '42710',
                 'leaderboard be.it''s already exists; drop_leaderboard(''it''''s'', ''be'') removes it', '... exists already');

-- Without target_schema the objects go to the caller's current schema (the body runs with its
-- own search_path); with no current schema at all, the call says so.
SET LOCAL search_path = be, usage_value, public;
SELECT is((SELECT array_agg(o ORDER BY o) FROM create_leaderboard('here', 'be.u', 'who', 'at', 'be.c', 'author', 'merged',
                                                                  tokens_column => 'tok') o),
          ARRAY['be.here_adoption', 'be.here_buckets', 'be.here_changes', 'be.here_coverage', 'be.here_credits', 'be.here_credits_read', 'be.here_days', 'be.here_episodes',
                'be.here_leaderboard', 'be.here_period_totals', 'be.here_periods', 'be.here_rejects', 'be.here_suspects',
                'be.here_team_leaderboard', 'be.here_unmatched', 'be.here_usage_read'],
          'without target_schema the objects go to the current schema');
SET LOCAL search_path = usage_value, public;
CREATE FUNCTION pg_temp.nowhere() RETURNS SETOF text LANGUAGE sql SET search_path = '' AS
    $$SELECT usage_value.create_leaderboard('nowhere', 'be.u', 'who', 'at', 'be.c', 'author', 'merged', tokens_column => 'tok')$$;
SELECT throws_ok($$SELECT pg_temp.nowhere()$$,
                 '3F000', 'target_schema is not given and there is no current schema (search_path names none that exists)',
                 'without target_schema and without a current schema');

-- Columns of the wrong type are refused at create, naming the parameter (a Copilot export's day as
-- text, a collector's JSON attributes), not by a cast failing at every refresh.
CREATE TABLE be.raw (who text, day text, attrs jsonb, tok text, merged date, bot text);
SELECT throws_ok($$SELECT usage_value.create_leaderboard('raw', 'be.raw', 'who', 'day', 'be.c', 'author', 'merged', tokens_column => 'tok', target_schema => 'be')$$,
                 '42804', 'time_column: column be.raw.day is text, not a time', 'a text time column');
SELECT throws_ok($$SELECT usage_value.create_leaderboard('raw', 'be.u', 'who', 'at', 'be.c', 'author', 'merged', target_schema => 'be',
                   input_tokens_column => 'inp', output_tokens_column => 'conv', token_convention => 'claude_code')$$,
                 '42804', 'output_tokens_column: column be.u.conv is text, not a count', 'a text token column');
CREATE TABLE be.c2 (author text, merged date, id text, bot text);
SELECT lives_ok($$SELECT usage_value.create_leaderboard('dated', 'be.u', 'who', 'at', 'be.c2', 'author', 'merged', tokens_column => 'tok',
                  target_schema => 'be', min_coverage => 0)$$, 'a date merge time is a time');
SELECT throws_ok($$SELECT usage_value.create_leaderboard('raw', 'be.u', 'who', 'at', 'be.c2', 'author', 'merged', tokens_column => 'tok',
                   target_schema => 'be', change_id_column => 'id', bot_column => 'bot')$$,
                 '42804', 'bot_column: column be.c2.bot is text, not a boolean', 'a text flag column');

-- pg_cron is checked before anything is made (dropped here, inside this test's transaction).
DROP EXTENSION pg_cron;
SELECT throws_ok($$SELECT pg_temp.bind('{"name": "cron", "refresh_schedule": "17 3 * * *"}')$$, '55000',
                 'refresh_schedule needs the pg_cron extension (CREATE EXTENSION pg_cron)', 'a schedule without pg_cron');

SELECT * FROM finish();
ROLLBACK;
