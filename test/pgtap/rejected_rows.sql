-- Rows set aside must not pay. A board leaves out the usage rows it cannot use (<name>_rejects),
-- and their tokens count for nobody: a developer who makes their own rows malformed lowers their
-- tokens and so raises their value per token. rejected_rows / rejected_share on _periods and
-- _leaderboard count those rows per developer and period (after identity_table; rows without a
-- time count in every period); above 5% of the developer's usage rows, with at least 3 of them,
-- the developer is not ranked in the period (left out of the ranking: fair_score, fair_rank and
-- its interval NULL; rank_note says why)
-- and is listed in <name>_suspects as rows_set_aside. An honest twin with a few bad rows stays
-- ranked; an incremental refresh with rejects present equals a full one.
BEGIN;
SET LOCAL search_path = usage_value, public;
SELECT plan(18);

CREATE SCHEMA rr;
CREATE TABLE rr.usage (who text, at timestamptz, inp bigint, outp bigint, cr bigint, cc bigint, conv text);
CREATE TABLE rr.changes (author text, merged timestamptz, id text);
CREATE TABLE rr.ids (identity text, person text);

-- Seven developers at different rates (d1 merges 1 change a day ... d8 8, no d4) and three copies
-- of a fourth at 4 a day: hon (honest), att (the attacker) and few (honest, a few bad rows).
-- 16 usage rows a day (one an hour, 06-21 UTC) of ~100k tokens with deterministic noise, two
-- weeks from Monday 2026-01-05. The copies share their rows exactly.
CREATE TABLE rr.devs (who text, per_day int, copy_of text);
INSERT INTO rr.devs VALUES ('d1', 1, NULL), ('d2', 2, NULL), ('d3', 3, NULL), ('d5', 5, NULL), ('d6', 6, NULL),
                           ('d7', 7, NULL), ('d8', 8, NULL), ('hon', 4, 'hon'), ('att', 4, 'hon'), ('few', 4, 'hon');
INSERT INTO rr.usage
SELECT v.who, d + make_interval(hours => h),
       80000 + 1000 * (hashtext(coalesce(v.copy_of, v.who) || ':' || d::date || ':' || h) & 63), 10000, 0, 0, 'cache_separate'
FROM rr.devs v, generate_series('2026-01-05'::timestamptz, '2026-01-18', '1 day') d, generate_series(6, 21) h;
INSERT INTO rr.changes
SELECT v.who, d + interval '22 hours' + make_interval(mins => k), v.who || ':' || d::date || ':' || k
FROM rr.devs v, generate_series('2026-01-05'::timestamptz, '2026-01-18', '1 day') d, generate_series(1, 8) k
WHERE k <= v.per_day;
-- att also writes as att-laptop (mapped to att by the identity table).
INSERT INTO rr.ids VALUES ('att-laptop', 'att');

-- The attack: 30% of att's rows (the hours 06-10) get a negative input count, half of them under
-- the second identity; the board sets them aside and att's tokens drop by about 30%.
UPDATE rr.usage SET inp = -inp, who = CASE WHEN extract(hour FROM at AT TIME ZONE 'UTC') IN (6, 7) THEN 'att-laptop' ELSE who END
WHERE who = 'att' AND extract(hour FROM at AT TIME ZONE 'UTC') BETWEEN 6 AND 10;
-- The honest twin with a collector fault: 3 rows a week with an unknown convention and one row
-- without a time (it could be in either week: it counts in both): 4 of 112 rows a week, 3.6%.
UPDATE rr.usage SET conv = 'mystery'
WHERE who = 'few' AND extract(hour FROM at AT TIME ZONE 'UTC') = 12 AND extract(isodow FROM at AT TIME ZONE 'UTC') IN (1, 3, 5);
INSERT INTO rr.usage VALUES ('few', NULL, 90000, 10000, 0, 0, 'cache_separate');

CREATE FUNCTION pg_temp.bind(target text) RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM usage_value.create_leaderboard(name => 'b', target_schema => target,
        usage_table => 'rr.usage', developer_column => 'who', time_column => 'at',
        input_tokens_column => 'inp', output_tokens_column => 'outp', cache_read_column => 'cr',
        cache_creation_column => 'cc', convention_column => 'conv',
        changes_table => 'rr.changes', author_column => 'author', merged_at_column => 'merged', change_id_column => 'id',
        identity_table => 'rr.ids', identity_column => 'identity', identity_person_column => 'person',
        period => 'week', bucket_width => '1 hour', min_group_size => 1)
$$;
SELECT ok(pg_temp.bind('rr') > 0, 'a board over rows of which some are set aside');

-- 1. What is counted.
SELECT is((SELECT array_agg(concat_ws(' ', period_start, usage_rows, rejected_rows, round(rejected_share::numeric, 3)) ORDER BY period_start)
           FROM rr.b_periods WHERE developer_id = 'att'),
          ARRAY['2026-01-05 77 35 0.313', '2026-01-12 77 35 0.313'],
          'att: 35 of 112 rows a week set aside, those under the mapped identity included');
SELECT is((SELECT array_agg(concat_ws(' ', period_start, usage_rows, rejected_rows, round(rejected_share::numeric, 3)) ORDER BY period_start)
           FROM rr.b_periods WHERE developer_id = 'few'),
          ARRAY['2026-01-05 109 4 0.035', '2026-01-12 109 4 0.035'],
          'few: 3 rows a week with a time, and the row without one counted in each week');
SELECT is((SELECT count(*) FROM rr.b_leaderboard WHERE developer_id NOT IN ('att', 'few') AND (rejected_rows <> 0 OR rejected_share <> 0)),
          0::bigint, 'developers without rows set aside: 0 rows, share 0');

-- 2. The counterfactual: the board's ranking without the rule (fair_detail over the periods as
--    the board calls it; no cohorts, no split pairs here): on fewer tokens for the same changes
--    att outscores and outranks its honest twin.
CREATE TEMP VIEW cf AS
SELECT period_start, developer_id, (d).score, (d).rank
FROM (SELECT period_start, developer_id,
             fair_detail(value, tokens / 1e6, 0.1, 0.8, effective_changes)
                 OVER (PARTITION BY period_start ORDER BY developer_id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS d
      FROM rr.b_periods) x;
SELECT ok(bool_and(a.score > h.score AND a.rank < h.rank), 'without the rule att would outscore and outrank its honest twin in both weeks')
FROM cf a JOIN cf h USING (period_start) WHERE a.developer_id = 'att' AND h.developer_id = 'hon';
SELECT is((SELECT count(*) FROM cf c JOIN rr.b_leaderboard l USING (period_start, developer_id)
           WHERE c.developer_id <> 'att' AND l.fair_rank IS DISTINCT FROM c.rank - (c.rank > (SELECT rank FROM cf x WHERE x.period_start = c.period_start AND x.developer_id = 'att'))::int),
          0::bigint, 'with the rule every other rank is the counterfactual one with att taken out (no gap, nobody pushed down)');
SELECT diag(format('%s: without the rule att ranks %s of 10 (score %s), its honest twin %s (score %s); with it hon ranks %s',
                   a.period_start, a.rank, round(a.score::numeric, 2), h.rank, round(h.score::numeric, 2),
                   (SELECT fair_rank FROM rr.b_leaderboard l WHERE l.period_start = a.period_start AND l.developer_id = 'hon')))
FROM cf a JOIN cf h USING (period_start) WHERE a.developer_id = 'att' AND h.developer_id = 'hon' ORDER BY period_start;

-- 3. With the rule: att is not ranked, says why, and is reported.
SELECT is((SELECT count(*) FROM rr.b_leaderboard WHERE developer_id = 'att' AND ranked_in IS NULL
           AND fair_rank IS NULL AND fair_rank_lower IS NULL AND fair_rank_upper IS NULL AND fair_score IS NULL),
          2::bigint, 'att: not ranked in either week (left out of the ranking: fair_score, fair_rank and its interval NULL)');
SELECT is((SELECT DISTINCT rank_note FROM rr.b_leaderboard WHERE developer_id = 'att'),
          '35 of 112 usage rows set aside as unusable: not ranked; see b_rejects', 'att: rank_note says why');
SELECT is((SELECT array_agg(concat_ws(' ', period_start, kind, action) ORDER BY period_start) FROM rr.b_suspects WHERE developer_id = 'att'),
          ARRAY['2026-01-05 rows_set_aside not ranked: 35 of 112 usage rows set aside as unusable; see b_rejects',
                '2026-01-12 rows_set_aside not ranked: 35 of 112 usage rows set aside as unusable; see b_rejects'],
          'att is on b_suspects as rows_set_aside: withholding is visible, not an escape');
SELECT is((SELECT count(*) FROM rr.b_suspects WHERE kind = 'rows_set_aside' AND developer_id <> 'att'), 0::bigint,
          'nobody else is reported for rows set aside');
SELECT ok(bool_and(a.rejected_rows = 35 AND a.rejected_share > 0.3), 'the leaderboard shows rejected_rows and rejected_share')
FROM rr.b_leaderboard a WHERE a.developer_id = 'att';

-- 4. The honest twin with a few bad rows (below 5%) is ranked as usual.
SELECT is((SELECT count(*) FROM rr.b_leaderboard WHERE developer_id = 'few' AND fair_rank IS NOT NULL AND rank_note IS NULL),
          2::bigint, 'few (4 of 113 rows set aside, 3.5%) is ranked, without a note');
SELECT is((SELECT count(*) FROM rr.b_leaderboard WHERE developer_id <> 'att' AND fair_rank IS NULL), 0::bigint,
          'everyone else is ranked');
SELECT is((SELECT count(*) FROM rr.b_leaderboard WHERE prior_method IN ('no_spread', 'no_exposure')), 0::bigint,
          '(the group has spread: ranks are defined)');

-- 5. Incremental equals full with rejects present: a third week arrives (att's bad rows in it
--    too, and one more row of few without a time), board b refreshes incrementally, a board is
--    made from scratch (board b of schema rr_full) over the same rows: their boards are equal.
INSERT INTO rr.usage
SELECT v.who, d + make_interval(hours => h),
       CASE WHEN v.who = 'att' AND h BETWEEN 6 AND 10 THEN -1 ELSE 1 END
       * (80000 + 1000 * (hashtext(coalesce(v.copy_of, v.who) || ':' || d::date || ':' || h) & 63)), 10000, 0, 0, 'cache_separate'
FROM rr.devs v, generate_series('2026-01-19'::timestamptz, '2026-01-25', '1 day') d, generate_series(6, 21) h;
INSERT INTO rr.usage VALUES ('few', NULL, 90000, 10000, 0, 0, 'cache_separate');
INSERT INTO rr.changes
SELECT v.who, d + interval '22 hours' + make_interval(mins => k), v.who || ':' || d::date || ':' || k
FROM rr.devs v, generate_series('2026-01-19'::timestamptz, '2026-01-25', '1 day') d, generate_series(1, 8) k
WHERE k <= v.per_day;
SELECT is((SELECT refresh_kind FROM refresh_leaderboard('b', 'rr')), 'incremental', 'b refreshes incrementally');
CREATE SCHEMA rr_full;
SELECT ok(pg_temp.bind('rr_full') > 0, 'rr_full.b: the same binding made from scratch');
SELECT is((SELECT array_agg(concat_ws(' ', period_start, rejected_rows, CASE WHEN fair_rank IS NULL THEN 'withheld' ELSE 'ranked' END) ORDER BY period_start)
           FROM rr.b_leaderboard WHERE developer_id = 'few'),
          ARRAY['2026-01-05 5 ranked', '2026-01-12 5 ranked', '2026-01-19 2 ranked'],
          'after the refresh: the two rows without a time count in each of few''s weeks (5 of 114, still ranked)');
SELECT is((SELECT count(*) FROM ((SELECT * FROM rr.b_leaderboard EXCEPT ALL SELECT * FROM rr_full.b_leaderboard)
                                 UNION ALL (SELECT * FROM rr_full.b_leaderboard EXCEPT ALL SELECT * FROM rr.b_leaderboard)) x)
          + (SELECT count(*) FROM ((SELECT developer_id, period_start, rejected_rows, rejected_share FROM rr.b_periods
                                    EXCEPT ALL SELECT developer_id, period_start, rejected_rows, rejected_share FROM rr_full.b_periods)
                                   UNION ALL (SELECT developer_id, period_start, rejected_rows, rejected_share FROM rr_full.b_periods
                                    EXCEPT ALL SELECT developer_id, period_start, rejected_rows, rejected_share FROM rr.b_periods)) x)
          + (SELECT count(*) FROM ((SELECT period_start, kind, developer_id, action FROM rr.b_suspects
                                    EXCEPT ALL SELECT period_start, kind, developer_id, action FROM rr_full.b_suspects)
                                   UNION ALL (SELECT period_start, kind, developer_id, action FROM rr_full.b_suspects
                                    EXCEPT ALL SELECT period_start, kind, developer_id, action FROM rr.b_suspects)) x),
          0::bigint, 'the incremental refresh equals the full one: leaderboard, periods and suspects, rejects present');

SELECT * FROM finish();
ROLLBACK;
