-- The boards per period (0.4.0): inflated tokens in the periods they were spent in, how complete
-- each period is, no strict rank where the data cannot order the group, the team board's
-- columns, and each episode's verdict.
BEGIN;
SET LOCAL search_path = usage_value, public;
SELECT plan(31);

CREATE SCHEMA bp;
CREATE TABLE bp.usage (who text, at timestamptz, tokens bigint);
CREATE TABLE bp.changes (author text, merged timestamptz);
CREATE TABLE bp.people (who text, team text);
CREATE TABLE bp.solo (who text, team text);

-- 14 developers, daily use from Dec 1 to Mar 10 (March: 10 of its 31 days). Dec-Feb: about a
-- million tokens a day (deterministic noise, +-35%) and 1-4 merges a day by developer, so rates
-- differ; March: exactly a million tokens and 2 merges a day for everyone, so rates are equal.
-- d01 drips 6x its tokens Jan 27 - Feb 5 (10 days across the month boundary) and merges as usual.
INSERT INTO bp.usage
SELECT 'd' || lpad(i::text, 2, '0'), d + interval '10 hours',
       CASE WHEN d >= '2026-03-01' THEN 1000000
            ELSE round(1e6 * exp(0.3 * ((hashtext(i || ':' || d::date) & 65535) / 32768.0 - 1))
                       * CASE WHEN i = 1 AND d BETWEEN '2026-01-27' AND '2026-02-05' THEN 6 ELSE 1 END) END
FROM generate_series(1, 14) i, generate_series('2025-12-01'::timestamptz, '2026-03-10', '1 day') d;
INSERT INTO bp.changes
SELECT 'd' || lpad(i::text, 2, '0'), d + interval '15 hours' + make_interval(mins => k)
FROM generate_series(1, 14) i, generate_series('2025-12-01'::timestamptz, '2026-03-10', '1 day') d,
     generate_series(1, 4) k
WHERE k <= CASE WHEN d >= '2026-03-01' THEN 2 ELSE 1 + i % 4 END;
-- Teams: a and b of 6, c of 2 (suppressed at min_group_size 5); and one team per developer.
INSERT INTO bp.people SELECT 'd' || lpad(i::text, 2, '0'), CASE WHEN i <= 6 THEN 'a' WHEN i <= 12 THEN 'b' ELSE 'c' END
FROM generate_series(1, 14) i;
INSERT INTO bp.solo SELECT who, who FROM bp.people;

SELECT lives_ok($$SELECT count(*) FROM create_leaderboard(name => 'bp', target_schema => 'bp',
    usage_table => 'bp.usage', developer_column => 'who', time_column => 'at', tokens_column => 'tokens',
    changes_table => 'bp.changes', author_column => 'author', merged_at_column => 'merged',
    team_table => 'bp.people', team_member_column => 'who', team_column => 'team',
    period => 'month', bucket_width => '1 day', min_group_size => 5)$$, 'a monthly board over daily buckets');
SELECT lives_ok($$SELECT count(*) FROM create_leaderboard(name => 'solo', target_schema => 'bp',
    usage_table => 'bp.usage', developer_column => 'who', time_column => 'at', tokens_column => 'tokens',
    changes_table => 'bp.changes', author_column => 'author', merged_at_column => 'merged',
    team_table => 'bp.solo', team_member_column => 'who', team_column => 'team',
    period => 'month', bucket_width => '1 day', min_group_size => 1)$$, '... and one whose teams are single developers');

SELECT ok((SELECT refreshed_at IS NOT NULL AND rows_read = (SELECT count(*) FROM bp.usage) + (SELECT count(*) FROM bp.changes)
           FROM leaderboard_freshness WHERE schema = 'bp' AND name = 'bp')
          AND col_description('bp.bp_periods'::regclass, (SELECT attnum FROM pg_attribute WHERE attrelid = 'bp.bp_periods'::regclass
                                                           AND attname = 'inflated_tokens')) IS NOT NULL,
          'create_leaderboard records the board''s freshness (every usage row and change read) and comments its columns');

-- 1. Inflated tokens in the periods they were spent in.
SELECT is((SELECT count(*) FROM bp.bp_episodes WHERE kind = 'burst' AND developer_id = 'd01' AND inflated_tokens > 0
           AND start_at < '2026-02-01' AND end_at > '2026-02-01'), 1::bigint,
          'd01''s drip is one charged episode across the January / February boundary');
SELECT ok((SELECT bool_and(inflated_tokens > 0 AND burst_inflation > 0) AND count(*) = 2 FROM bp.bp_periods
           WHERE developer_id = 'd01' AND period_start IN ('2026-01-01', '2026-02-01')),
          'its inflated tokens count in January and in February');
SELECT ok((SELECT (SELECT inflated_tokens FROM bp.bp_periods WHERE developer_id = 'd01' AND period_start = '2026-01-01')
                  / inflated_tokens BETWEEN 0.35 AND 0.65
           FROM bp.bp_episodes WHERE kind = 'burst' AND developer_id = 'd01' AND start_at < '2026-02-01' AND end_at > '2026-02-01'),
          '... split by the tokens spent on each side (5 of its 10 days are in January)');
SELECT ok((SELECT abs((SELECT sum(inflated_tokens) FROM bp.bp_periods) - sum(inflated_tokens)) <= 1e-6 * sum(inflated_tokens)
           FROM bp.bp_episodes WHERE kind = 'burst'),
          'the periods'' inflated tokens add up to the burst episodes'' (drift findings are explanation only)');
SELECT is((SELECT count(*) FROM bp.bp_periods WHERE inflated_tokens > tokens
                                                 OR burst_inflation <> inflated_tokens / nullif(tokens, 0)), 0::bigint,
          'burst_inflation is the period''s inflated tokens over its tokens, never above 1');
SELECT has_index('bp', 'bp_period_totals', 'bp_period_totals_pkey', ARRAY['developer_id', 'period_start'],
                 'the periods are stored (0.5.0: bp_period_totals, under the view bp_periods) keyed by developer and period');
SELECT lives_ok($$SELECT refresh_leaderboard('bp', 'bp')$$, 'and the board refreshes');

-- 2. How complete each period is.
SELECT is((SELECT array_agg(DISTINCT period_start || ':' || period_days || ':' || days_covered || ':' || is_complete ORDER BY
                                     period_start || ':' || period_days || ':' || days_covered || ':' || is_complete)
           FROM bp.bp_leaderboard),
          ARRAY['2025-12-01:31:31:true', '2026-01-01:31:31:true', '2026-02-01:28:28:true', '2026-03-01:31:10:false'],
          'period_days, days_covered and is_complete per period');
SELECT is((SELECT array_agg(DISTINCT period_start || ':' || period_days || ':' || days_covered || ':' || is_complete ORDER BY
                                     period_start || ':' || period_days || ':' || days_covered || ':' || is_complete)
           FROM bp.bp_team_leaderboard),
          ARRAY['2025-12-01:31:31:true', '2026-01-01:31:31:true', '2026-02-01:28:28:true', '2026-03-01:31:10:false'],
          '... the same on the team board');
SELECT is((SELECT count(*) FROM bp.bp_leaderboard WHERE period_start < '2026-03-01' AND rank_note IS NOT NULL), 0::bigint,
          'complete periods with a spread of rates carry no note');

-- 3. No strict rank where the data cannot order the group: in March every rate is the same.
SELECT is((SELECT array_agg(DISTINCT prior_method) FROM bp.bp_leaderboard WHERE period_start = '2026-03-01'), ARRAY['no_spread'],
          'March: equal rates, the prior fit finds no spread');
SELECT is((SELECT count(*) FROM bp.bp_leaderboard WHERE period_start = '2026-03-01' AND fair_rank IS NOT NULL), 0::bigint,
          '... so nobody gets a strict rank');
SELECT is((SELECT count(*) FROM bp.bp_leaderboard WHERE period_start = '2026-03-01'
           AND fair_score IS NOT NULL AND fair_rank_lower = 1 AND fair_rank_upper = 14 AND prior_alpha IS NOT NULL), 14::bigint,
          '... while the score, the rank interval (all of 1-14) and the prior stay visible');
SELECT is((SELECT DISTINCT rank_note FROM bp.bp_leaderboard WHERE period_start = '2026-03-01'),
          'not ranked: the data cannot tell these developers apart in this period; period incomplete: data covers 10 of 31 days',
          '... and the note says why, and how incomplete the period is');
SELECT is((SELECT count(*) FROM bp.bp_leaderboard WHERE period_start < '2026-03-01'
           AND (fair_rank IS NULL OR prior_method <> 'marginal_likelihood')), 0::bigint,
          'months where rates differ are fitted and ranked');
-- Escaping to "not ranked" does not pay: burning adds the spread that brings ranks back, and the
-- burner takes the last one (fourteen equal rows; then one spends three times the tokens).
SELECT is((SELECT array_agg(DISTINCT (d).prior_method) FROM (
               SELECT fair_detail(20::float8, 10::float8) OVER () AS d FROM generate_series(1, 14)) x),
          ARRAY['no_spread'], 'fourteen equal rates: no spread');
SELECT is((SELECT (d).prior_method || ' ' || (d).rank FROM (
               SELECT i, fair_detail(20::float8, CASE WHEN i = 1 THEN 30 ELSE 10 END::float8) OVER () AS d
               FROM generate_series(1, 14) i) x WHERE i = 1),
          'marginal_likelihood 14', 'one of them burning three times the tokens brings ranks back, and ranks last');

-- 4. The team board has what the developer board has.
SELECT is((SELECT count(*) FROM bp.bp_team_leaderboard WHERE team = 'c'), 0::bigint, 'team c (2 people) is not shown');
SELECT is((SELECT array_agg(DISTINCT teams_suppressed) FROM bp.bp_team_leaderboard), ARRAY[1::bigint],
          '... and each period counts it as suppressed');
SELECT is((SELECT count(*) FROM bp.bp_team_leaderboard
           WHERE period_start < '2026-03-01' AND NOT (fair_rank_lower <= fair_rank AND fair_rank <= fair_rank_upper)), 0::bigint,
          'team ranks lie inside their 80% rank interval');
SELECT is((SELECT count(*) FROM bp.bp_team_leaderboard t
           WHERE merged_changes_per_million_tokens IS DISTINCT FROM merged_changes / (tokens / 1e6)::float8
              OR value_per_million_tokens IS DISTINCT FROM value / (tokens / 1e6)::float8), 0::bigint,
          'teams: merged changes and value per million tokens are the plain ratios');
SELECT is((SELECT count(*) FROM bp.bp_leaderboard
           WHERE merged_changes_per_million_tokens IS DISTINCT FROM merged_changes / (tokens / 1e6)::float8
              OR value_per_million_tokens IS DISTINCT FROM value / (tokens / 1e6)::float8), 0::bigint,
          'developers: the same ratios');
SELECT is((SELECT array_agg(DISTINCT prior_method) FROM bp.bp_team_leaderboard), ARRAY['small_partition'],
          'two teams: the small-partition prior, shown');
SELECT is((SELECT array_agg(DISTINCT coalesce(fair_rank::text, '-') || ' ' || prior_method || ' ' || coalesce(rank_note, '-'))
           FROM bp.solo_team_leaderboard WHERE period_start = '2026-03-01'),
          ARRAY['- no_spread not ranked: the data cannot tell these teams apart in this period; period incomplete: data covers 10 of 31 days'],
          'fourteen teams with equal rates: no strict team rank either');
SELECT is((SELECT count(*) FROM bp.solo_team_leaderboard WHERE period_start < '2026-03-01' AND fair_rank IS NOT NULL
           AND teams_suppressed = 0), 42::bigint, 'and where their rates differ, every team is ranked');

-- 5. What the detector concluded about each episode.
SELECT is((SELECT verdict FROM bp.bp_episodes WHERE kind = 'burst' AND developer_id = 'd01' AND start_at < '2026-02-01' AND end_at > '2026-02-01'),
          'partly paid', 'd01''s drip: charged, all but a sliver (its 26 merges are a little above what its baseline tokens deliver)');
SELECT is((SELECT count(*) FROM bp.bp_episodes
           WHERE kind = 'burst' AND (verdict IN ('inflation', 'partly paid', 'partly excused')) IS DISTINCT FROM is_inflation),
          0::bigint, 'every charged burst episode, and only those, has a verdict of inflation');
SELECT is(ARRAY[episode_verdict(ROW(now(), now(), 100, 10, 1, 9, 90, 90, 0.001, true, 1, 9, 0)::burst_episode),
                episode_verdict(ROW(now(), now(), 100, 10, 4, 9, 90, 40, 0.001, true, 4, 9, 0)::burst_episode),
                episode_verdict(ROW(now(), now(), 100, 10, 9, 9, 90, 0, 0.001, false, 9.5, 9, 0)::burst_episode),
                episode_verdict(ROW(now(), now(), 100, 10, 7, 9, 90, 0, 0.001, false, 7, 9, 0)::burst_episode),
                episode_verdict(NULL)],
          ARRAY['inflation', 'partly paid', 'not charged: output kept pace', 'not charged: output above baseline', NULL],
          'episode_verdict: the four verdicts');

SELECT * FROM finish();
ROLLBACK;
