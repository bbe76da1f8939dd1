-- Every column explained: describe_leaderboard comments every relation a board makes and every
-- column in it, from one table of texts; a column without a text fails loudly. The fields of the
-- extension's composite types and the columns of its own relations have comments too.
BEGIN;
SET LOCAL search_path = usage_value, public;
SELECT plan(14);

-- A board with every optional part (teams and cohorts, change sizes, reverts, bots, reviews, dollars), so
-- that every column a board can have is there.
CREATE SCHEMA describe_t;
CREATE TABLE describe_t.usage (dev text, at timestamptz, tokens bigint, out bigint DEFAULT 0, model text DEFAULT 'm', cost numeric);
CREATE TABLE describe_t.prs (author text, merged_at timestamptz, id text, adds int, dels int, reverts text, bot boolean, ok boolean);
CREATE TABLE describe_t.reviews (reviewer text, pr text);
CREATE TABLE describe_t.members (who text, team text, level text);
CREATE TABLE describe_t.people (login name, dev text);
INSERT INTO describe_t.members SELECT 'd' || i, CASE WHEN i <= 5 THEN 'a' ELSE 'b' END, CASE WHEN i % 2 = 0 THEN 'senior' ELSE 'junior' END
FROM generate_series(1, 7) i;
INSERT INTO describe_t.usage SELECT 'd' || i, d + interval '10 hours', 30000 + 5000 * i
FROM generate_series(1, 7) i, generate_series('2026-01-05'::timestamptz, '2026-02-27', '1 day') d WHERE extract(isodow FROM d) <= 5;
INSERT INTO describe_t.prs SELECT 'd' || i, d + interval '15 hours', 'pr-' || i || '-' || extract(doy FROM d), 40, 20, NULL, i = 7, true
FROM generate_series(1, 7) i, generate_series('2026-01-06'::timestamptz, '2026-02-24', '7 days') d;
INSERT INTO describe_t.reviews SELECT 'd' || (substring(id FROM 'pr-([0-9])')::int % 7 + 1), id FROM describe_t.prs;
SELECT lives_ok($$SELECT count(*) FROM create_leaderboard('b', 'describe_t.usage', 'dev', 'at', 'describe_t.prs', 'author', 'merged_at',
                    input_tokens_column => 'tokens', output_tokens_column => 'out', token_convention => 'cache_separate',
                    model_column => 'model', cost_column => 'cost', change_id_column => 'id', additions_column => 'adds', deletions_column => 'dels',
                    reverts_column => 'reverts', bot_column => 'bot', reviewed_column => 'ok',
                    reviews_table => 'describe_t.reviews', reviewer_column => 'reviewer', review_change_column => 'pr',
                    team_table => 'describe_t.members', team_member_column => 'who', team_column => 'team', cohort_column => 'level',
                    period => 'month', min_group_size => 3, target_schema => 'describe_t',
                    role_table => 'describe_t.people', role_column => 'login', role_developer_column => 'dev')$$, 'a board with every optional part');
-- (create_leaderboard will call it itself; called here explicitly)
SELECT lives_ok($$SELECT usage_value_internal.describe_leaderboard('describe_t', 'b')$$, 'describe_leaderboard');

SELECT is((SELECT array_agg(c.relname::text ORDER BY c.relname) FROM pg_class c
           WHERE c.relnamespace = 'describe_t'::regnamespace AND c.relname LIKE 'b\_%' AND c.relkind IN ('r', 'v', 'm')
             AND coalesce(obj_description(c.oid, 'pg_class'), '') = ''),
          NULL, 'every relation of the board has a comment');
SELECT is((SELECT count(*) FROM pg_class c WHERE c.relnamespace = 'describe_t'::regnamespace AND c.relname LIKE 'b\_%' AND c.relkind IN ('r', 'v', 'm')),
          21::bigint, '... all twenty-one of them (tables, views, materialized views; with the person views, _adoption, and with dollars, _unpriced, _burst_costs and _cost_reconciliation)');
SELECT is((SELECT array_agg(c.relname || '.' || a.attname ORDER BY c.relname, a.attnum) FROM pg_class c
           JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
           WHERE c.relnamespace = 'describe_t'::regnamespace AND c.relname LIKE 'b\_%' AND c.relkind IN ('r', 'v', 'm')
             AND coalesce(col_description(c.oid, a.attnum), '') = ''),
          NULL, 'every column of every relation of the board has a comment');
-- The extension's own composite types, tables and views: every field explained.
SELECT is((SELECT array_agg(t.typname || '.' || a.attname ORDER BY t.typname, a.attnum) FROM pg_type t
           JOIN pg_attribute a ON a.attrelid = t.typrelid AND a.attnum > 0 AND NOT a.attisdropped
           WHERE t.typnamespace IN ('usage_value'::regnamespace, 'usage_value_internal'::regnamespace) AND t.typtype = 'c'
             AND coalesce(col_description(t.typrelid, a.attnum), '') = ''),
          NULL, 'every field of the extension''s composite types (burst_episode, fair_detail, its tables and views) has a comment');
SELECT cmp_ok((SELECT count(*) FROM pg_attribute WHERE attrelid IN ('burst_episode'::regtype::text::regclass, 'fair_detail'::regtype::text::regclass)
               AND attnum > 0), '>=', 26::bigint, '... burst_episode and fair_detail among them');

-- What the comments say: units, which direction is better, what 'all' and NULL mean, how to read a rank.
CREATE FUNCTION pg_temp.says(rel text, col text) RETURNS text LANGUAGE sql AS
$$ SELECT col_description(('describe_t.' || rel)::regclass, (SELECT attnum FROM pg_attribute WHERE attrelid = ('describe_t.' || rel)::regclass AND attname = col)) $$;
SELECT ok(pg_temp.says('b_leaderboard', 'fair_score') ~ 'per million tokens' AND pg_temp.says('b_leaderboard', 'fair_score') ~ 'higher is better'
          AND pg_temp.says('b_leaderboard', 'fair_score') ~ 'NULL: not ranked'
          AND pg_temp.says('b_leaderboard', 'burst_inflation') ~ 'fraction 0-1' AND pg_temp.says('b_leaderboard', 'burst_inflation') ~ 'lower is better'
          AND pg_temp.says('b_buckets', 'tokens') ~ 'raw tokens' AND pg_temp.says('b_periods', 'value') ~ 'typical changes',
          'units and the better direction: changes per million tokens, a fraction 0-1, raw tokens, typical changes');
SELECT ok(pg_temp.says('b_leaderboard', 'cohort') ~ '''all'' means no cohort' AND pg_temp.says('b_leaderboard', 'fair_rank_lower') ~ 'rank interval'
          AND pg_temp.says('b_leaderboard', 'fair_rank_lower') ~ 'not told apart'
          AND pg_temp.says('b_leaderboard', 'tokens_per_merged_change') ~ 'NULL with no merged change',
          'what cohort = ''all'' means, how to read the rank interval, what NULL means');
SELECT ok(pg_temp.says('b_team_leaderboard', 'fair_rank') ~ 'among the teams' AND pg_temp.says('b_leaderboard', 'fair_rank') ~ 'within ranked_in'
          AND pg_temp.says('b_changes', 'value') <> pg_temp.says('b_periods', 'value'),
          'a column that means something else in one relation gets that relation''s text');
SELECT ok(obj_description('describe_t.b_team_leaderboard'::regclass, 'pg_class') ~ 'GRANT to BI roles'
          AND obj_description('describe_t.b_leaderboard'::regclass, 'pg_class') ~ 'Board describe_t.b of usage_value: month periods',
          'relation comments say what the relation is for, and which board it belongs to');

-- A column without a text fails loudly; a board of 0.2.0 (objects NULL) is described by name.
CREATE TABLE describe_t.s_periods (developer_id text, period_start date, mystery float8);
CREATE TABLE describe_t.s_buckets (developer_id text, bucket timestamptz, tokens bigint);
INSERT INTO leaderboards (target_schema, name, bucket_width, period, min_group_size) VALUES ('describe_t', 's', '1 day', 'week', 5);
SELECT throws_ok($$SELECT usage_value_internal.describe_leaderboard('describe_t', 's')$$, '42704', 'no comment text for s_periods.mystery',
                 'a column without a comment text is refused, by name');
ALTER TABLE describe_t.s_periods DROP COLUMN mystery;
SELECT lives_ok($$SELECT usage_value_internal.describe_leaderboard('describe_t', 's')$$,
                'a board without objects listed (0.2.0) is described through the relations it has');
SELECT is(col_description('describe_t.s_buckets'::regclass, 3), (SELECT comment FROM usage_value_internal.column_comments WHERE relation = '*' AND column_name = 'tokens'),
          '... from the shared texts');

SELECT * FROM finish();
ROLLBACK;
