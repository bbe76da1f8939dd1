-- Transparency (issue 17), with real roles: each person reads their own rows of the developer
-- board and the episodes (<name>_my_board, <name>_my_episodes) and nothing of anyone else's,
-- whatever the WHERE clause (a leaky function sees only their rows); a role mapped to nobody sees
-- nothing; a manager granted the team board and <name>_adoption reads no per-person row.
-- <name>_adoption against counts taken from the source tables. audit_person_reads' checks (the
-- audit log itself: test/shell/transparency.t, as login roles).
BEGIN;
SET LOCAL search_path = usage_value, public;
SELECT plan(40);

CREATE SCHEMA tr_src;
CREATE TABLE tr_src.usage (dev text, at timestamptz, tokens bigint);
CREATE TABLE tr_src.prs (author text, merged_at timestamptz);
CREATE TABLE tr_src.members (who text, team text);
CREATE TABLE tr_src.people (login name, dev text);   -- which database role is which developer
-- Eight weeks from Monday 2026-01-05. Team a: d1-d6; team b: d7, d8 (below min_group_size 3).
-- d6 spends tokens and never merges; d2 merges in even weeks only; d5 uses no AI in week 3; d1
-- and d3 burn 40x their usual tokens on one day of week 6.
INSERT INTO tr_src.members SELECT 'd' || i, CASE WHEN i <= 6 THEN 'a' ELSE 'b' END FROM generate_series(1, 8) i;
INSERT INTO tr_src.usage
SELECT 'd' || i, '2026-01-05'::timestamptz + make_interval(days => d, hours => 10),
       (1000 * i + 37 * (d % 5)) * CASE WHEN i IN (1, 3) AND d = 37 THEN 40 ELSE 1 END
FROM generate_series(1, 8) i, generate_series(0, 55) d
WHERE extract(isodow FROM '2026-01-05'::date + d) <= 5 AND NOT (i = 5 AND d / 7 = 2);
INSERT INTO tr_src.prs
SELECT 'd' || i, '2026-01-05'::timestamptz + make_interval(days => d, hours => 15)
FROM generate_series(1, 8) i, generate_series(0, 55) d
WHERE i <> 6 AND d % 7 IN (1, 3) AND NOT (i = 2 AND (d / 7) % 2 = 1);
INSERT INTO tr_src.people VALUES ('uv_t_d1', 'd1'), ('uv_t_d3', 'd3'), ('uv_t_gone', 'd4'), (NULL, 'd5'), ('uv_t_d1', NULL);

CREATE SCHEMA tr;
SELECT lives_ok($$SELECT count(*) FROM create_leaderboard('b', 'tr_src.usage', 'dev', 'at', 'tr_src.prs', 'author', 'merged_at',
                    tokens_column => 'tokens', team_table => 'tr_src.members', team_member_column => 'who', team_column => 'team',
                    min_group_size => 3, target_schema => 'tr',
                    role_table => 'tr_src.people', role_column => 'login', role_developer_column => 'dev')$$,
                'create_leaderboard with role_table, role_column, role_developer_column');
SELECT is((SELECT objects[array_length(objects, 1) - 2:] FROM leaderboards WHERE name = 'b' AND target_schema = 'tr'),
          ARRAY['b_adoption', 'b_my_board', 'b_my_episodes'], 'the board owns <name>_adoption, <name>_my_board and <name>_my_episodes');
SELECT is((SELECT array_agg(c.relname::text || ':' || array_to_string(c.reloptions, ',') ORDER BY c.relname) FROM pg_class c
           WHERE c.relnamespace = 'tr'::regnamespace AND c.relname IN ('b_my_board', 'b_my_episodes')),
          ARRAY['b_my_board:security_barrier=true', 'b_my_episodes:security_barrier=true'],
          'both are security-barrier views with their owner''s rights (no security_invoker)');
SELECT is((SELECT count(*) FROM pg_class c CROSS JOIN LATERAL aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a
           WHERE c.relnamespace = 'tr'::regnamespace AND c.relname IN ('b_my_board', 'b_my_episodes') AND a.grantee <> c.relowner),
          0::bigint, '... granted to nobody');
SELECT is((SELECT array_agg(attname || ' ' || format_type(atttypid, atttypmod) ORDER BY attnum) FROM pg_attribute
           WHERE attrelid = 'tr.b_my_board'::regclass AND attnum > 0),
          (SELECT array_agg(attname || ' ' || format_type(atttypid, atttypmod) ORDER BY attnum) FROM pg_attribute
           WHERE attrelid = 'tr.b_leaderboard'::regclass AND attnum > 0),
          '<name>_my_board has every column of the developer board (prior, shrinkage, rank interval among them)');
SELECT is((SELECT array_agg(attname || ' ' || format_type(atttypid, atttypmod) ORDER BY attnum) FROM pg_attribute
           WHERE attrelid = 'tr.b_my_episodes'::regclass AND attnum > 0),
          (SELECT array_agg(attname || ' ' || format_type(atttypid, atttypmod) ORDER BY attnum) FROM pg_attribute
           WHERE attrelid = 'tr.b_episodes'::regclass AND attnum > 0),
          '<name>_my_episodes has every column of <name>_episodes (expected and delivered value among them)');

-- The roles: developers (a group granted the person's views), a manager granted the team board.
CREATE ROLE uv_t_devs NOLOGIN;
CREATE ROLE uv_t_d1 IN ROLE uv_t_devs;
CREATE ROLE uv_t_d3 IN ROLE uv_t_devs;
CREATE ROLE uv_t_nobody IN ROLE uv_t_devs;   -- mapped to no developer
CREATE ROLE uv_t_manager;
GRANT USAGE ON SCHEMA tr TO uv_t_devs, uv_t_manager;
GRANT SELECT ON tr.b_my_board, tr.b_my_episodes TO uv_t_devs;
GRANT SELECT ON tr.b_team_leaderboard, tr.b_adoption TO uv_t_manager;
-- A leaky function anyone may call: it raises a NOTICE with, and records, every value it is
-- called with (the notices are silenced here; the table is what the test reads).
SET LOCAL client_min_messages = warning;
CREATE TABLE tr_src.seen (who name DEFAULT current_user, v text);
GRANT USAGE ON SCHEMA tr_src TO PUBLIC;
GRANT INSERT ON tr_src.seen TO PUBLIC;
CREATE FUNCTION tr_src.leak(v text) RETURNS boolean LANGUAGE plpgsql COST 0.0001 AS $$
BEGIN
    RAISE NOTICE 'leak: %', v;
    INSERT INTO tr_src.seen (v) VALUES (v);
    RETURN true;
END $$;

-- What the board says about d1 and about the others, as the board's owner reads it.
SELECT count(*) AS d1_rows, md5(string_agg(b::text, '|' ORDER BY b::text)) AS d1_board FROM tr.b_leaderboard b WHERE developer_id = 'd1' \gset
SELECT count(*) AS d1_episodes, md5(string_agg(e::text, '|' ORDER BY e::text)) AS d1_episode_rows FROM tr.b_episodes e WHERE developer_id = 'd1' \gset
SELECT ok(:d1_rows > 0 AND :d1_episodes > 0
          AND (SELECT count(DISTINCT developer_id) FROM tr.b_episodes WHERE developer_id <> 'd1') > 0
          AND (SELECT count(*) FROM tr.b_leaderboard WHERE developer_id <> 'd1' AND fair_score IS NOT NULL) > 0,
          'the board has rows and episodes of d1 and of others (ranked, with scores)');

SET LOCAL ROLE uv_t_d1;
SELECT is((SELECT count(*) || ' ' || md5(string_agg(b::text, '|' ORDER BY b::text)) FROM tr.b_my_board b), :d1_rows || ' ' || :'d1_board',
          'a mapped developer reads exactly their rows of the developer board, every column');
SELECT is((SELECT count(*) || ' ' || md5(string_agg(e::text, '|' ORDER BY e::text)) FROM tr.b_my_episodes e),
          :d1_episodes || ' ' || :'d1_episode_rows', '... and exactly their episodes');
SELECT is((SELECT array_agg(DISTINCT developer_id) FROM tr.b_my_board), ARRAY['d1'], '... of no one else');
SELECT ok((SELECT bool_and(prior_mean IS NOT NULL AND shrinkage IS NOT NULL AND fair_rank_lower IS NOT NULL AND fair_rank_upper IS NOT NULL)
           FROM tr.b_my_board WHERE fair_score IS NOT NULL)
          AND (SELECT bool_and(expected_merged_value IS NOT NULL AND merged_value IS NOT NULL) FROM tr.b_my_episodes WHERE kind = 'burst'),
          '... with the explanation: prior, shrinkage, rank interval; each burst''s expected and delivered value');
-- Leaky functions in the WHERE clause, on every kind of column, cheap enough to be tried first.
SELECT is((SELECT count(*) FROM tr.b_my_board WHERE tr_src.leak(developer_id || ' ' || coalesce(fair_score::text, '') || ' ' || team)),
          :d1_rows::bigint, 'a leaky function in the WHERE clause on the board ...');
SELECT is((SELECT count(*) FROM tr.b_my_episodes WHERE tr_src.leak(developer_id || ' ' || tokens::text) OR tr_src.leak(developer_id)),
          :d1_episodes::bigint, '... and on the episodes');
SELECT is((SELECT count(*) FROM tr.b_my_board b JOIN tr.b_my_episodes e ON tr_src.leak(e.developer_id) AND tr_src.leak(b.developer_id)),
          (:d1_rows * :d1_episodes)::bigint, '... and in a join condition');
RESET ROLE;
SELECT is((SELECT array_agg(DISTINCT split_part(v, ' ', 1)) FROM tr_src.seen), ARRAY['d1'],
          '... was never called with another person''s row (every value it saw is d1''s)');
SELECT cmp_ok((SELECT count(*) FROM tr_src.seen), '>=', (2 * :d1_rows + :d1_episodes)::bigint, '... and it was called (on d1''s rows)');
SELECT throws_ok($$SET LOCAL ROLE uv_t_d1; SELECT count(*) FROM tr.b_leaderboard$$, '42501', NULL,
                 'the developer cannot read the developer board itself');
RESET ROLE;
SELECT throws_ok($$SET LOCAL ROLE uv_t_d1; SELECT count(*) FROM tr.b_episodes$$, '42501', NULL, '... nor the episodes table');
RESET ROLE;
SELECT throws_ok($$SET LOCAL ROLE uv_t_d1; SELECT count(*) FROM tr_src.people$$, '42501', NULL, '... nor the role mapping');
RESET ROLE;

SET LOCAL ROLE uv_t_d3;
SELECT is((SELECT array_agg(DISTINCT developer_id) FROM tr.b_my_board) || (SELECT array_agg(DISTINCT developer_id) FROM tr.b_my_episodes),
          ARRAY['d3', 'd3'], 'another mapped developer reads their own rows only');
RESET ROLE;
DELETE FROM tr_src.seen;
SET LOCAL ROLE uv_t_nobody;
SELECT is((SELECT count(*) FROM tr.b_my_board WHERE tr_src.leak(developer_id)) + (SELECT count(*) FROM tr.b_my_episodes WHERE tr_src.leak(developer_id)),
          0::bigint, 'a role mapped to no developer reads no row');
RESET ROLE;
SELECT is((SELECT count(*) FROM tr_src.seen), 0::bigint, '... and its leaky function saw none');

SET LOCAL ROLE uv_t_manager;
SELECT cmp_ok((SELECT count(*) FROM tr.b_team_leaderboard), '>', 0::bigint, 'a manager granted the team board reads it');
SELECT cmp_ok((SELECT count(*) FROM tr.b_adoption), '>', 0::bigint, '... and <name>_adoption');
SELECT throws_ok($$SELECT count(*) FROM tr.b_my_board$$, '42501', NULL, '... but not <name>_my_board');
SELECT throws_ok($$SELECT count(*) FROM tr.b_my_episodes$$, '42501', NULL, '... nor <name>_my_episodes');
SELECT throws_ok($$SELECT count(*) FROM tr.b_leaderboard$$, '42501', NULL, '... nor the developer board');
SELECT throws_ok($$SELECT count(*) FROM tr.b_episodes$$, '42501', NULL, '... nor the episodes');
RESET ROLE;

-- Adoption against the source tables: per week, team a's members with usage rows, and those with
-- usage rows and a merged change that week. Team b (two members) is suppressed.
SELECT is((SELECT array_agg(a.week_start || ' ' || a.developers || ' ' || a.ai_users || ' ' || a.ai_users_with_value ORDER BY a.week_start)
           FROM tr.b_adoption a WHERE a.team = 'a'),
          (SELECT array_agg((w AT TIME ZONE 'UTC')::date || ' 6 '
                            || (SELECT count(DISTINCT u.dev) FROM tr_src.usage u JOIN tr_src.members m ON m.who = u.dev AND m.team = 'a'
                                WHERE u.at >= w AND u.at < w + interval '7 days')
                            || ' ' || (SELECT count(DISTINCT u.dev) FROM tr_src.usage u JOIN tr_src.members m ON m.who = u.dev AND m.team = 'a'
                                       WHERE u.at >= w AND u.at < w + interval '7 days'
                                         AND EXISTS (SELECT 1 FROM tr_src.prs p WHERE p.author = u.dev
                                                     AND p.merged_at >= w AND p.merged_at < w + interval '7 days'))
                            ORDER BY w)
           FROM generate_series(timestamptz '2026-01-05 00:00+00', '2026-02-23 00:00+00', interval '7 days') w),
          '<name>_adoption: per week, team a''s members, those with AI use and those whose AI use came with merged value (from the sources)');
SELECT ok((SELECT bool_and(value_adoption <= raw_adoption AND raw_adoption = ai_users::float8 / developers
                           AND value_adoption = ai_users_with_value::float8 / developers) FROM tr.b_adoption)
          AND (SELECT count(*) FROM tr.b_adoption WHERE value_adoption < raw_adoption) > 0,
          '... the shares: value_adoption is below raw_adoption where AI use came without value (d6, and d2 in odd weeks)');
SELECT is((SELECT array_agg(DISTINCT team || ':' || teams_suppressed) FROM tr.b_adoption), ARRAY['a:1'],
          '... team b (2 members, min_group_size 3) is not shown, and counted as suppressed');

-- The mapping's arguments.
SELECT throws_ok($$SELECT count(*) FROM create_leaderboard('c', 'tr_src.usage', 'dev', 'at', 'tr_src.prs', 'author', 'merged_at',
                    tokens_column => 'tokens', target_schema => 'tr', role_table => 'tr_src.people', role_developer_column => 'dev')$$,
                 '22023', 'role_column must not be NULL', 'role_table without role_column is refused');
SELECT throws_ok($$SELECT count(*) FROM create_leaderboard('c', 'tr_src.usage', 'dev', 'at', 'tr_src.prs', 'author', 'merged_at',
                    tokens_column => 'tokens', target_schema => 'tr', role_table => 'tr_src.people', role_column => 'login', role_developer_column => 'developer')$$,
                 '42703', 'role_developer_column: table tr_src.people has no column developer', 'a missing column is named with its argument');
SELECT throws_ok($$SELECT count(*) FROM create_leaderboard('c', 'tr_src.usage', 'dev', 'at', 'tr_src.prs', 'author', 'merged_at',
                    tokens_column => 'tokens', target_schema => 'tr', role_column => 'login')$$,
                 '22023', 'role_column and role_developer_column are columns of role_table; give role_table too', 'role_column without role_table is refused');

-- audit_person_reads: the auditor role may not log in nor have members; the board's owner calls it.
CREATE ROLE uv_t_auditor_login LOGIN;
SELECT throws_like($$SELECT audit_person_reads('b', 'uv_t_auditor_login', 'tr')$$,
                   'auditor_role: uv_t_auditor_login must be a role that cannot log in%', 'an auditor role that can log in is refused');
SELECT throws_ok($$SELECT audit_person_reads('b', 'uv_t_devs', 'tr')$$, '22023', NULL, '... as is one with members');
SELECT throws_ok($$SELECT audit_person_reads('b', 'uv_t_no_such_role', 'tr')$$, '42704', 'auditor_role: role uv_t_no_such_role does not exist',
                 '... and one that does not exist');
SELECT throws_ok($$SET LOCAL ROLE uv_t_manager; SELECT audit_person_reads('b', 'uv_t_auditor', 'tr')$$, '42704', NULL,
                 'a role that does not own the board cannot set up its audit');
RESET ROLE;

-- drop_leaderboard drops them with the board.
SELECT lives_ok($$SELECT drop_leaderboard('b', 'tr')$$, 'drop_leaderboard');
SELECT is((SELECT count(*) FROM pg_class WHERE relnamespace = 'tr'::regnamespace), 0::bigint, '... drops the person''s views and <name>_adoption too');

SELECT * FROM finish();
ROLLBACK;
