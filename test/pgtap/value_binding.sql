-- The binding's value rules on data built to break them: revert chains (a revert of a revert
-- restores; a loop stops), duplicate change ids, a person in two teams, an account mapped to two
-- people, an identity map, a cohort below min_group_size, an identity in no team.
BEGIN;
SET LOCAL search_path = usage_value, public;
SELECT plan(12);

CREATE SCHEMA vb;
CREATE TABLE vb.usage (who text, at timestamptz, tokens bigint);
CREATE TABLE vb.changes (id text, author text, merged timestamptz, adds int, dels int, reverts text);
CREATE TABLE vb.people (who text, team text, level text);
CREATE TABLE vb.accounts (account text, person text);

-- Seven people with the same usage every weekday hour 10-15 over four weeks of February.
INSERT INTO vb.usage
SELECT 'p' || i, d + make_interval(hours => h), 100000
FROM generate_series(1, 7) i, generate_series('2026-02-02'::timestamptz, '2026-02-27', '1 day') d, generate_series(10, 15) h
WHERE extract(isodow FROM d) <= 5;
-- p1 also works through a second account, 'p1-alt', mapped to p1.
INSERT INTO vb.usage SELECT 'p1-alt', at, tokens FROM vb.usage WHERE who = 'p1';
-- An account that nobody maps and no team lists.
INSERT INTO vb.usage SELECT 'ci-agent', at, 50000 FROM vb.usage WHERE who = 'p2';
-- Everyone merges a 100-line change every weekday at 16:00.
INSERT INTO vb.changes
SELECT 'c-' || i || '-' || extract(doy FROM d), 'p' || i, d + interval '16 hours', 60, 40, NULL
FROM generate_series(1, 7) i, generate_series('2026-02-02'::timestamptz, '2026-02-27', '1 day') d
WHERE extract(isodow FROM d) <= 5;
-- p2: change X reverted by R1, R1 reverted by R2 (X is restored).
INSERT INTO vb.changes VALUES ('X', 'p2', '2026-02-03 17:00', 60, 40, NULL), ('R1', 'p2', '2026-02-04 17:00', 40, 60, 'X'),
                              ('R2', 'p2', '2026-02-05 17:00', 60, 40, 'R1');
-- p3: two reverts that revert each other (a loop: both are reverts, both worth 0; nothing hangs).
INSERT INTO vb.changes VALUES ('L1', 'p3', '2026-02-03 17:00', 10, 10, 'L2'), ('L2', 'p3', '2026-02-04 17:00', 10, 10, 'L1');
-- p4: the same change id twice in the source (counts once).
INSERT INTO vb.changes SELECT id, author, merged + interval '1 minute', adds, dels, reverts FROM vb.changes WHERE author = 'p4' AND id LIKE 'c-4-3%';
-- p1's second account merges too; its change is p1's.
INSERT INTO vb.changes VALUES ('A1', 'p1-alt', '2026-02-10 17:00', 60, 40, NULL);
-- Teams: p5 is in two teams; p1..p6 are 'senior' except p6 and p7 'principal' (a cohort of 2 < 5).
INSERT INTO vb.people VALUES ('p1', 'a', 'senior'), ('p2', 'a', 'senior'), ('p3', 'a', 'senior'), ('p4', 'b', 'senior'),
                             ('p5', 'b', 'senior'), ('p5', 'c', 'senior'), ('p6', 'b', 'principal'), ('p7', 'b', 'principal');
-- 'p1-alt' belongs to p1; 'dup' is mapped to two people and goes to one of them only (p6, the
-- first by name).
INSERT INTO vb.accounts VALUES ('p1-alt', 'p1'), ('dup', 'p7'), ('dup', 'p6');
INSERT INTO vb.usage SELECT 'dup', at, tokens FROM vb.usage WHERE who = 'p3' LIMIT 10;

SELECT lives_ok($$SELECT count(*) FROM create_leaderboard(name => 'vb', target_schema => 'vb',
    usage_table => 'vb.usage', developer_column => 'who', time_column => 'at', tokens_column => 'tokens',
    changes_table => 'vb.changes', author_column => 'author', merged_at_column => 'merged',
    change_id_column => 'id', additions_column => 'adds', deletions_column => 'dels', reverts_column => 'reverts',
    team_table => 'vb.people', team_member_column => 'who', team_column => 'team', cohort_column => 'level',
    identity_table => 'vb.accounts', identity_column => 'account', identity_person_column => 'person',
    period => 'month', bucket_width => '1 hour', min_group_size => 5)$$, 'the board binds over the awkward data');

SELECT is((SELECT array_agg(change_id || ':' || reason || ':' || value ORDER BY change_id) FROM vb.vb_changes WHERE change_id IN ('X', 'R1', 'R2')),
          ARRAY['R1:revert:0', 'R2:revert:0', 'X:by size:1'], 'a revert of a revert restores the original; reverts stay 0');
SELECT is((SELECT array_agg(change_id || ':' || value ORDER BY change_id) FROM vb.vb_changes WHERE change_id IN ('L1', 'L2')),
          ARRAY['L1:0', 'L2:0'], 'two reverts that revert each other are worth 0 and the walk ends');
SELECT is((SELECT count(*) FROM vb.vb_changes WHERE developer_id = 'p4'), 20::bigint, 'a change id twice in the source counts once');
SELECT is((SELECT developer_id FROM vb.vb_changes WHERE change_id = 'A1'), 'p1', 'a mapped account''s change is its person''s');
SELECT is((SELECT tokens FROM vb.vb_periods WHERE developer_id = 'p1'), 2 * (SELECT tokens FROM vb.vb_periods WHERE developer_id = 'p4'),
          'a mapped account''s tokens are its person''s');
SELECT is((SELECT count(*) FROM vb.vb_periods WHERE developer_id = 'p5'), 1::bigint, 'a person in two teams has one row (one team)');
SELECT is((SELECT count(*) FROM vb.vb_periods WHERE developer_id = 'dup'), 0::bigint, 'an account mapped to two people is one of them, not itself');
SELECT is((SELECT array_agg(DISTINCT ranked_in) FROM vb.vb_leaderboard WHERE developer_id IN ('p6', 'p7')), ARRAY['all'],
          'a cohort of 2 (below min_group_size 5) is ranked in the whole company');
SELECT is((SELECT ranked_in FROM vb.vb_leaderboard WHERE developer_id = 'ci-agent'), 'all', 'an identity in no team is on the board, ranked in the whole company');
SELECT is((SELECT kind || ':' || tokens FROM vb.vb_suspects WHERE developer_id = 'ci-agent' AND kind = 'no_person'),
          'no_person:' || (SELECT sum(tokens) FROM vb.usage WHERE who = 'ci-agent'), 'its tokens are reported, not dropped');
-- The group someone is ranked in: their cohort, or for 'all' every ranked identity of the period.
SELECT is((SELECT count(*) FROM (SELECT period_start, ranked_in, count(*) AS n FROM vb.vb_leaderboard
                                 WHERE fair_rank IS NOT NULL GROUP BY 1, 2) g
                           JOIN (SELECT period_start, count(*) AS company FROM vb.vb_leaderboard
                                 WHERE fair_rank IS NOT NULL GROUP BY 1) c USING (period_start)
           WHERE CASE WHEN ranked_in = 'all' THEN company ELSE n END < 5), 0::bigint,
          'no one is ranked in a group of fewer than min_group_size');

SELECT * FROM finish();
ROLLBACK;
