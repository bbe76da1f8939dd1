-- Issue 12: bad source rows never stop a refresh (they are set aside in <name>_rejects and
-- counted), the join of usage, changes and teams is checked (refused at create when it matches
-- too little, shown in <name>_coverage and <name>_unmatched), people in several teams follow
-- multiple_teams, and no board column holds Infinity or NaN.
BEGIN;
SET LOCAL search_path = usage_value, public;
SELECT plan(42);

CREATE SCHEMA rj;
CREATE TABLE rj.usage (who text, at timestamptz, inp bigint, outp bigint, cr bigint, cc bigint, conv text);
CREATE TABLE rj.changes (author text, merged timestamptz, id text);
CREATE TABLE rj.teams (who text, team text);

-- Six developers by e-mail, daily use over six weeks (cache tokens inside input, as OpenAI and
-- OpenTelemetry GenAI count them); d1-d5 merge 1-3 changes a day, d6 never merges. Teams: a
-- (d1-d3), b (d4, d5), c (d6 alone: a team without merges).
INSERT INTO rj.usage
SELECT 'd' || i || '@example.com', d + interval '10 hours',
       200000 + 1000 * ((hashtext(i || ':' || d::date) & 1023)), 20000, 50000, 0, 'cache_included'
FROM generate_series(1, 6) i, generate_series('2026-01-05'::timestamptz, '2026-02-15', '1 day') d;
INSERT INTO rj.changes
SELECT 'd' || i || '@example.com', d + interval '15 hours' + make_interval(mins => k), i || ':' || d::date || ':' || k
FROM generate_series(1, 5) i, generate_series('2026-01-05'::timestamptz, '2026-02-15', '1 day') d, generate_series(1, 3) k
WHERE k <= 1 + (i + extract(day FROM d)::int) % 3;
INSERT INTO rj.teams VALUES ('d1@example.com', 'a'), ('d2@example.com', 'a'), ('d3@example.com', 'a'),
                            ('d4@example.com', 'b'), ('d5@example.com', 'b'), ('d6@example.com', 'c');
-- The same data, clean: what the board over the bad rows must equal.
CREATE TABLE rj.clean AS SELECT * FROM rj.usage;

-- The bad rows: cache tokens larger than the input that contains them, a negative count, an
-- unknown convention, no developer, no time, an infinite time (it would make the developer's
-- span of buckets endless); a merged change without an author, one merged at infinity. A change with an
-- author and no merge time is not merged: not a reject.
INSERT INTO rj.usage VALUES
    ('d2@example.com', '2026-01-20 11:00', 100, 10, 200, 0, 'cache_included'),
    ('d3@example.com', '2026-01-21 11:00', -5, 10, 0, 0, 'cache_separate'),
    ('d4@example.com', '2026-01-22 11:00', 100, 10, 0, 0, 'mystery'),
    (NULL, '2026-01-23 11:00', 100, 10, 0, 0, 'cache_separate'),
    ('d5@example.com', NULL, 100, 10, 0, 0, 'cache_separate'),
    ('d6@example.com', 'infinity', 100, 10, 0, 0, 'cache_separate');
INSERT INTO rj.changes VALUES (NULL, '2026-01-24 15:00', 'orphan'), ('d1@example.com', NULL, 'open'),
                              ('d1@example.com', 'infinity', 'forever');

CREATE FUNCTION pg_temp.bind(name text, usage regclass, changes regclass DEFAULT 'rj.changes',
                             teams regclass DEFAULT 'rj.teams', policy text DEFAULT 'first',
                             identities regclass DEFAULT NULL, coverage float8 DEFAULT 0.1) RETURNS SETOF text
LANGUAGE sql AS $$
    SELECT usage_value.create_leaderboard(name => name, target_schema => 'rj',
        usage_table => usage, developer_column => 'who', time_column => 'at',
        input_tokens_column => 'inp', output_tokens_column => 'outp', cache_read_column => 'cr',
        cache_creation_column => 'cc', convention_column => 'conv',
        changes_table => changes, author_column => 'author', merged_at_column => 'merged', change_id_column => 'id',
        team_table => teams, team_member_column => CASE WHEN teams IS NOT NULL THEN 'who' END,
        team_column => CASE WHEN teams IS NOT NULL THEN 'team' END,
        identity_table => identities, identity_column => CASE WHEN identities IS NOT NULL THEN 'identity' END,
        identity_person_column => CASE WHEN identities IS NOT NULL THEN 'person' END,
        period => 'week', bucket_width => '1 day', min_group_size => 1, min_coverage => coverage, multiple_teams => policy)
$$;

-- 1. The predicate and billable_tokens agree: NULL exactly where billable_tokens accepts.
CREATE FUNCTION pg_temp.raises(i bigint, o bigint, r bigint, c bigint, conv text) RETURNS boolean LANGUAGE plpgsql AS $$
BEGIN
    PERFORM usage_value.billable_tokens(i, o, r, c, conv);
    RETURN false;
EXCEPTION WHEN OTHERS THEN
    RETURN true;
END $$;
SELECT is((SELECT count(*) FROM
               (VALUES (NULL::bigint), (-1), (0), (5), (10), (9223372036854775807)) i(v),
               (VALUES (NULL::bigint), (-1), (0), (7), (9223372036854775807)) o(v),
               (VALUES (NULL::bigint), (-1), (0), (5), (6), (9223372036854775807)) r(v),
               (VALUES (NULL::bigint), (-1), (0), (1), (9223372036854775807)) c(v),
               (VALUES (NULL::text), ('cache_included'), ('openai'), ('cache_separate'), ('claude_code'), ('mystery'), ('')) k(v)
           WHERE pg_temp.raises(i.v, o.v, r.v, c.v, k.v)
                 <> (billable_tokens_reject_reason(i.v, o.v, r.v, c.v, k.v) IS NOT NULL)),
          0::bigint, 'billable_tokens_reject_reason is NULL exactly where billable_tokens accepts (6300 cases)');
SELECT is(billable_tokens_reject_reason(100, 10, 200, 0, 'cache_included'),
          'cache_read_tokens + cache_creation_tokens (200) exceed input_tokens (100), which under cache_included already contains them',
          '... and says why');

-- 2. Before: one bad row failed the whole board (0.3.0 summed billable_tokens over every row).
SELECT throws_ok($$SELECT sum(billable_tokens(inp, outp, cr, cc, conv)) FROM rj.usage$$, '22003', NULL,
                 'the bad rows make billable_tokens raise over the source');

-- 3. Now: the board is made without them, lists them with the reason and counts them.
SELECT lives_ok($$SELECT count(*) FROM pg_temp.bind('rj', 'rj.usage')$$, 'create_leaderboard succeeds over the bad rows');
SELECT lives_ok($$SELECT count(*) FROM pg_temp.bind('clean', 'rj.clean')$$, '... and over the same data without them');
SELECT results_eq(
    $$SELECT source, reason, developer_id, row_time FROM rj.rj_rejects ORDER BY reject_id$$,
    $$VALUES ('changes', 'no author (author_column is NULL) on a merged change', NULL, '2026-01-24 15:00'::timestamptz),
             ('changes', 'merge time is not finite (merged_at_column is infinity)', 'd1@example.com', 'infinity'),
             ('usage', 'cache_read_tokens + cache_creation_tokens (200) exceed input_tokens (100), which under cache_included already contains them',
              'd2@example.com', '2026-01-20 11:00'),
             ('usage', 'input_tokens is negative (-5)', 'd3@example.com', '2026-01-21 11:00'),
             ('usage', 'unknown convention ''mystery'': cache_separate (anthropic, claude_code) or cache_included (openai, otel_genai, copilot)',
              'd4@example.com', '2026-01-22 11:00'),
             ('usage', 'no developer (developer_column is NULL)', NULL, '2026-01-23 11:00'),
             ('usage', 'time is not finite (time_column is infinity)', 'd6@example.com', 'infinity'),
             ('usage', 'no time (time_column is NULL)', 'd5@example.com', NULL)$$,
    '<name>_rejects names every row left out (not the unmerged change) with the reason');
SELECT is((SELECT count(*) FROM rj.usage u JOIN rj.rj_rejects r ON r.row_id = u.ctid::text WHERE r.source = 'usage'), 6::bigint,
          '... each usage row identified by its ctid');
SELECT is((SELECT array_agg(row_id ORDER BY reject_id) FROM rj.rj_rejects WHERE source = 'changes'), ARRAY['orphan', 'forever'],
          '... a change by its id');
-- (rejected_rows and rejected_share count the bad rows, test/pgtap/rejected_rows.sql; one or
-- two a developer is below the 3 that withhold a rank)
SELECT results_eq($$SELECT to_jsonb(l) - 'rejected_rows' - 'rejected_share' FROM rj.rj_leaderboard l ORDER BY period_start, developer_id$$,
                  $$SELECT to_jsonb(l) - 'rejected_rows' - 'rejected_share' FROM rj.clean_leaderboard l ORDER BY period_start, developer_id$$,
                  'the developer board equals the board over the data without the bad rows');
SELECT results_eq($$SELECT * FROM rj.rj_team_leaderboard ORDER BY period_start, team$$,
                  $$SELECT * FROM rj.clean_team_leaderboard ORDER BY period_start, team$$,
                  '... and so does the team board');
SELECT is((SELECT (rejected_usage_rows, rejected_change_rows)::text FROM rj.rj_coverage WHERE period_start IS NULL), '(6,2)',
          '<name>_coverage counts the rows left out');
SELECT is((SELECT rejected_rows FROM leaderboards WHERE target_schema = 'rj' AND name = 'rj'), 8::bigint,
          '... and so does the registry');
SELECT is((SELECT rejected_usage_rows FROM rj.rj_coverage WHERE period_start = '2026-01-19'), 4::bigint,
          '... per period, by the row''s time');
INSERT INTO rj.usage VALUES ('d1@example.com', '2026-02-02 09:00', 10, -1, 0, 0, 'openai');
SELECT lives_ok($$SELECT refresh_leaderboard('rj', 'rj')$$, 'a refresh over a new bad row succeeds');
SELECT is((SELECT rejected_rows FROM leaderboards WHERE target_schema = 'rj' AND name = 'rj'), 9::bigint, '... and counts it');
SELECT results_eq($$SELECT tokens FROM rj.rj_leaderboard ORDER BY period_start, developer_id$$,
                  $$SELECT tokens FROM rj.clean_leaderboard ORDER BY period_start, developer_id$$, '... without it');

-- 4. BI-safe bounds: d6 (team c) has no merged change; the upper bounds are NULL, not Infinity.
SELECT ok((SELECT bool_and(tokens_per_merged_change_upper IS NULL AND tokens_per_value_upper IS NULL) AND count(*) > 0
           FROM rj.rj_leaderboard WHERE developer_id = 'd6@example.com'),
          'a developer without merges: upper bounds NULL (unbounded)');
SELECT ok((SELECT bool_and(tokens_per_merged_change_upper IS NULL) FROM rj.rj_team_leaderboard WHERE team = 'c'),
          '... a team without merges too');
CREATE FUNCTION pg_temp.non_finite(board regclass) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE n bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM %s WHERE %s', board,
                   (SELECT string_agg(format('%I IN (''Infinity'', ''-Infinity'', ''NaN'')', attname), ' OR ')
                    FROM pg_attribute WHERE attrelid = board AND atttypid = 'float8'::regtype AND attnum > 0)) INTO n;
    RETURN n;
END $$;
SELECT is(pg_temp.non_finite('rj.rj_leaderboard') + pg_temp.non_finite('rj.rj_team_leaderboard') + pg_temp.non_finite('rj.rj_coverage'),
          0::bigint, 'no float8 column of either board (or of the coverage) holds Infinity or NaN');
SELECT ok(col_description('rj.rj_leaderboard'::regclass,
                          (SELECT attnum FROM pg_attribute WHERE attrelid = 'rj.rj_leaderboard'::regclass
                           AND attname = 'tokens_per_value_upper')) LIKE '%NULL with no value (unbounded)',
          '... and the column comment says NULL means unbounded');

-- 5. Coverage. DevLake keys pull requests by account id, the usage is keyed by e-mail: nothing
--    matches, and the board is refused, saying which columns to map.
CREATE TABLE rj.pull_requests AS
SELECT 'github:GithubAccount:1:1000' || substr(author, 2, 1) AS author, merged, id FROM rj.changes WHERE author IS NOT NULL;
CREATE TABLE rj.user_accounts (identity text, person text);
INSERT INTO rj.user_accounts SELECT 'github:GithubAccount:1:1000' || i, 'd' || i || '@example.com' FROM generate_series(1, 6) i;
SELECT throws_ok($$SELECT pg_temp.bind('dl', 'rj.clean', 'rj.pull_requests')$$, '23503',
                 'no author in rj.pull_requests.author matches a developer in rj.clean.who (examples: ''github:GithubAccount:1:10001'' vs ''d1@example.com''): map them with identity_table',
                 'usage by e-mail, pull requests by account id: refused at create, naming the columns');
SELECT is((SELECT count(*) FROM pg_class WHERE relnamespace = 'rj'::regnamespace AND relname LIKE 'dl\_%'), 0::bigint,
          '... and nothing is left behind');
SELECT lives_ok($$SELECT count(*) FROM pg_temp.bind('dl', 'rj.clean', 'rj.pull_requests', identities => 'rj.user_accounts')$$,
                '... accepted with the identity map');
SELECT is((SELECT (developers_with_tokens, developers_with_merged_changes, developer_coverage, change_coverage,
                   usage_only_identities, changes_only_identities, team_coverage)::text
           FROM rj.dl_coverage WHERE period_start IS NULL), '(6,5,0.8333333333333334,1,1,0,1)',
          '<name>_coverage over the whole span: 5 of 6 developers with tokens merged, every change has usage');
SELECT results_eq($$SELECT identity, side, tokens IS NOT NULL, merged_changes FROM rj.dl_unmatched$$,
                  $$VALUES ('d6@example.com', 'usage only', true, NULL::bigint)$$,
                  '<name>_unmatched lists the identity seen on one side only');
SELECT ok((SELECT count(*) > 5 AND bool_and(developers_with_tokens = 6 AND developers_with_merged_changes = 5)
           FROM rj.dl_coverage WHERE period_start IS NOT NULL), '... one row per period');
-- Too little coverage: 1 of 6 with a threshold of a half.
CREATE TABLE rj.few AS SELECT * FROM rj.changes WHERE author = 'd1@example.com';
SELECT throws_ok($$SELECT pg_temp.bind('few', 'rj.clean', 'rj.few', coverage => 0.5)$$, '23503',
                 'only 1 of 6 developers with tokens in rj.clean.who have a merged change in rj.few.author (16.7%, min_coverage is 50.0%): map the identities that differ with identity_table (with tokens, no merged change: ''d3@example.com'', ''d5@example.com'', ''d6@example.com'', ...)',
                 'coverage below min_coverage: refused');
SELECT lives_ok($$SELECT count(*) FROM pg_temp.bind('few', 'rj.clean', 'rj.few', coverage => 0)$$, '... min_coverage => 0 accepts it');
-- A team table keyed by another id than the usage.
CREATE TABLE rj.gh_teams AS SELECT 'github:GithubAccount:1:1000' || substr(who, 2, 1) AS who, team FROM rj.teams;
SELECT throws_ok($$SELECT pg_temp.bind('gt', 'rj.clean', teams => 'rj.gh_teams')$$, '23503',
                 'no member in rj.gh_teams.who matches a developer in rj.clean.who (examples: ''github:GithubAccount:1:10001'' vs ''d3@example.com''): key team_table by the same identity, or map them with identity_table',
                 'a team table keyed by another id: refused');
SELECT lives_ok($$SELECT count(*) FROM pg_temp.bind('gt', 'rj.clean', teams => 'rj.gh_teams', identities => 'rj.user_accounts')$$,
                '... accepted when the identity map maps its members too');
-- A refresh after the mapping broke: the board refreshes, the coverage shows the drop (and a NOTICE says it).
DELETE FROM rj.user_accounts WHERE identity <> 'github:GithubAccount:1:10001';
SELECT lives_ok($$SELECT refresh_leaderboard('dl', 'rj')$$, 'a refresh after the identity map lost four people succeeds');
SELECT is((SELECT round(developer_coverage::numeric, 3) FROM leaderboards WHERE target_schema = 'rj' AND name = 'dl'), 0.167,
          '... and records the coverage it dropped to');

-- 6. People in several teams. d1 is also in team b.
CREATE TABLE rj.multi AS SELECT * FROM rj.teams;
INSERT INTO rj.multi VALUES ('d1@example.com', 'b');
SELECT throws_ok($$SELECT pg_temp.bind('mr', 'rj.clean', teams => 'rj.multi', policy => 'refuse')$$, '23505',
                 'people in several teams in rj.multi (multiple_teams = refuse): d1@example.com (a, b)',
                 'multiple_teams = refuse: refused at create, naming the person');
SELECT lives_ok($$SELECT count(*) FROM pg_temp.bind('me', 'rj.clean', teams => 'rj.multi', policy => 'every')$$, 'multiple_teams = every');
SELECT lives_ok($$SELECT count(*) FROM pg_temp.bind('mf', 'rj.clean', teams => 'rj.multi', policy => 'first')$$, 'multiple_teams = first');
SELECT ok((SELECT bool_and(e.developers = f.developers + CASE WHEN e.team = 'b' THEN 1 ELSE 0 END AND
                           e.tokens = f.tokens + CASE WHEN e.team = 'b' THEN d1.tokens ELSE 0 END)
           FROM rj.me_team_leaderboard e JOIN rj.mf_team_leaderboard f USING (period_start, team)
           JOIN rj.mf_leaderboard d1 ON d1.period_start = e.period_start AND d1.developer_id = 'd1@example.com'),
          'every: d1 counts in team b too (developers and tokens); first: in team a only');
SELECT is((SELECT array_agg(DISTINCT team) FROM rj.me_leaderboard WHERE developer_id = 'd1@example.com'), ARRAY['a'],
          '... and on the developer board d1 appears once, with the first team');
-- Memberships edited after create never break a refresh, whatever the policy.
SELECT lives_ok($$SELECT count(*) FROM pg_temp.bind('nr', 'rj.clean', teams => 'rj.teams', policy => 'refuse')$$, 'refuse, one team each: made');
INSERT INTO rj.teams VALUES ('d2@example.com', 'b');
SELECT lives_ok($$SELECT refresh_leaderboard('nr', 'rj'), refresh_leaderboard('rj', 'rj'), refresh_leaderboard('me', 'rj')$$,
                'a second membership added after create: refresh succeeds under refuse, first and every');
SELECT is((SELECT (team, people_in_several_teams)::text FROM rj.nr_leaderboard l, rj.nr_coverage c
           WHERE c.period_start IS NULL AND l.developer_id = 'd2@example.com' LIMIT 1), '(a,1)',
          '... refuse keeps the first team and reports the person in <name>_coverage');

-- 7. Every object goes with the board.
SELECT lives_ok($$SELECT drop_leaderboard(n, 'rj') FROM (VALUES ('rj'), ('clean'), ('dl'), ('few'), ('gt'), ('me'), ('mf'), ('nr')) b(n)$$,
                'drop_leaderboard drops every board');
SELECT is((SELECT count(*) FROM pg_class WHERE relnamespace = 'rj'::regnamespace AND relkind IN ('v', 'm')), 0::bigint,
          '... with its rejects, coverage and unmatched');

SELECT * FROM finish();
ROLLBACK;
