-- Dollars in the binding (issue 16): create_leaderboard with model_column, cost_column and
-- exposure. Identical work on an expensive and a cheap model ranks equal under exposure => 'cost'
-- when the dollars are equal and differs as the dollars differ; a price change mid-period prices
-- each event by its date; an unpriced model is reported and has NULL dollars, never 0; a reported
-- cost wins over the computed one, unless it is not believable (the attack: report 1 cent for a
-- $10 day, or $0 for tokens without a price); a tokens board is unchanged by binding the model and cost;
-- an incremental refresh keeps the dollars of the days it does not re-read.
BEGIN;
SET LOCAL search_path = usage_value, public;
SELECT plan(39);

CREATE SCHEMA cb;
CREATE TABLE cb.usage (dev text, at timestamptz, model text, input bigint, output bigint, cache_read bigint,
                       cache_creation bigint, cost numeric);
CREATE TABLE cb.prs (id text, author text, merged_at timestamptz, additions int, deletions int);
CREATE TABLE cb.teams (dev text, team text);
INSERT INTO cb.teams VALUES ('exp', 'a'), ('cheap', 'a'), ('cheap2', 'a'), ('mid', 'a'), ('nop', 'a'), ('zero', 'a'),
                            ('rep', 'b'), ('liar', 'b'), ('f1', 'b'), ('f2', 'b'), ('f3', 'b');

-- Prices (US dollars per million tokens, every class alike): big 10, small 1; mid 2 until
-- 2026-01-08 00:00 UTC and 4 from then on; no price for 'mystery'.
INSERT INTO model_prices (model, effective_from, input_usd_per_mtok, output_usd_per_mtok, cache_read_usd_per_mtok,
                          cache_creation_usd_per_mtok, source)
VALUES ('big', '2025-01-01', 10, 10, 10, 10, 'test'), ('small', '2025-01-01', 1, 1, 1, 1, 'test'),
       ('mid', '2025-01-01', 2, 2, 2, 2, 'test'), ('mid', '2026-01-08 00:00+00', 4, 4, 4, 4, 'test');

-- 14 days of January 2026, one usage row a day at noon (UTC), one merged 100-line change a day
-- at 16:00 for everyone. exp: 1M tokens on big ($10 a day); cheap: 10M tokens on small ($10 a
-- day, the same dollars); cheap2: 1M tokens on small ($1 a day, exp's tokens); mid: 1M tokens on
-- mid (the price change); nop: 1M tokens on mystery (no price); rep: 1M tokens on big with a
-- reported cost of $6 (reported wins over the computed $10); liar: exp's work and tokens on big,
-- reporting 1 cent a day (not believable: the price is used); zero: nop's, reporting $0 (not
-- believable, no price: unpriced); f1..f3 on small at other rates.
INSERT INTO cb.usage
SELECT dev, d + interval '12 hours', model, tokens * 3 / 4, tokens / 4, 0, 0, cost
FROM (VALUES ('exp', 'big', 1000000, NULL::numeric), ('cheap', 'small', 10000000, NULL), ('cheap2', 'small', 1000000, NULL),
             ('mid', 'mid', 1000000, NULL), ('nop', 'mystery', 1000000, NULL), ('rep', 'big', 1000000, 6),
             ('liar', 'big', 1000000, 0.01), ('zero', 'mystery', 1000000, 0),
             ('f1', 'small', 2000000, NULL), ('f2', 'small', 4000000, NULL), ('f3', 'small', 8000000, NULL)) v(dev, model, tokens, cost),
     generate_series('2026-01-01'::timestamptz, '2026-01-14', '1 day') d;
INSERT INTO cb.prs
SELECT 'pr-' || dev || '-' || extract(doy FROM d), dev, d + interval '16 hours', 60, 40
FROM (SELECT DISTINCT dev FROM cb.usage) u, generate_series('2026-01-01'::timestamptz, '2026-01-14', '1 day') d;

-- make(board, exposure, model, cost): a monthly board over cb's tables.
CREATE FUNCTION pg_temp.make(board text, exposure text, model text, cost text) RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM create_leaderboard(name => board, target_schema => 'cb',
        usage_table => 'cb.usage', developer_column => 'dev', time_column => 'at',
        input_tokens_column => 'input', output_tokens_column => 'output', cache_read_column => 'cache_read',
        cache_creation_column => 'cache_creation', token_convention => 'cache_separate',
        changes_table => 'cb.prs', author_column => 'author', merged_at_column => 'merged_at',
        team_table => 'cb.teams', team_member_column => 'dev', team_column => 'team',
        additions_column => 'additions', deletions_column => 'deletions', change_size_unit => 100,
        period => 'month', bucket_width => '1 day', min_group_size => 2, late_window => '2 days',
        model_column => model, cost_column => cost, exposure => exposure);
$$;
SELECT pg_temp.make('tok', 'tokens', NULL, NULL);
SELECT pg_temp.make('tokm', 'tokens', 'model', 'cost');
SELECT pg_temp.make('usd', 'cost', 'model', 'cost');
CREATE FUNCTION pg_temp.board(board text, dev text) RETURNS SETOF record LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE format('SELECT tokens, cost_usd, fair_score, fair_rank, rank_note FROM cb.%I WHERE developer_id = %L',
                                board || '_leaderboard', dev);
END $$;

-- Dollars on the board.
SELECT is((SELECT cost_usd FROM cb.usd_leaderboard WHERE developer_id = 'exp'), 140.000000::numeric, 'exp: 14 days of 1M tokens at $10 = $140');
SELECT is((SELECT cost_usd FROM cb.usd_leaderboard WHERE developer_id = 'cheap'), 140.000000::numeric, 'cheap: 14 days of 10M tokens at $1 = $140');
SELECT is((SELECT cost_usd FROM cb.usd_leaderboard WHERE developer_id = 'cheap2'), 14.000000::numeric, 'cheap2: $14');
SELECT is((SELECT cost_per_merged_change FROM cb.usd_leaderboard WHERE developer_id = 'exp'), 10.0::float8, 'cost per merged change: $10');
SELECT ok((SELECT cost_per_merged_change_lower < 10 AND cost_per_merged_change_upper > 10 FROM cb.usd_leaderboard WHERE developer_id = 'exp'),
          'its interval is around it');
SELECT is((SELECT cost_per_merged_change_lower FROM cb.usd_leaderboard WHERE developer_id = 'exp')::numeric(20, 9),
          (SELECT tokens_per_merged_change_lower * cost_usd / tokens FROM cb.usd_leaderboard WHERE developer_id = 'exp')::numeric(20, 9),
          'the dollar interval is the token interval at the developer''s dollars per token');

-- Ranking on dollars: equal dollars and equal work rank equal; fewer dollars rank higher.
SELECT is((SELECT fair_score FROM cb.usd_leaderboard WHERE developer_id = 'exp'),
          (SELECT fair_score FROM cb.usd_leaderboard WHERE developer_id = 'cheap'),
          'exposure cost: the expensive model and the cheap one at equal dollars score equal');
SELECT is((SELECT fair_rank_lower || '-' || fair_rank_upper FROM cb.usd_leaderboard WHERE developer_id = 'exp'),
          (SELECT fair_rank_lower || '-' || fair_rank_upper FROM cb.usd_leaderboard WHERE developer_id = 'cheap'),
          'and have the same rank interval');
SELECT ok((SELECT fair_score FROM cb.usd_leaderboard WHERE developer_id = 'cheap2')
          > (SELECT fair_score FROM cb.usd_leaderboard WHERE developer_id = 'exp'),
          'exposure cost: the same tokens and work for a tenth of the dollars scores higher');
SELECT ok((SELECT fair_score FROM cb.tokm_leaderboard WHERE developer_id = 'exp')
          > (SELECT fair_score FROM cb.tokm_leaderboard WHERE developer_id = 'cheap'),
          'exposure tokens: exp (fewer tokens) scores above cheap, as before');
SELECT is((SELECT fair_score FROM cb.tokm_leaderboard WHERE developer_id = 'exp'),
          (SELECT fair_score FROM cb.tokm_leaderboard WHERE developer_id = 'cheap2'),
          'exposure tokens: the same tokens score equal whatever they cost');
SELECT is((SELECT array_agg(DISTINCT exposure) FROM cb.usd_leaderboard), ARRAY['cost'], 'the board says what it ranks on');

-- A price change mid-period prices each event by its date: 7 days at $2 and 7 at $4.
SELECT is((SELECT cost_usd FROM cb.usd_leaderboard WHERE developer_id = 'mid'), 42.000000::numeric,
          'price change on Jan 8: 7 x $2 + 7 x $4 = $42');

-- An unpriced model: reported, no dollars (NULL, never 0), tokens still counted, not ranked on dollars.
SELECT results_eq($$SELECT model, developer_id, events, tokens, first_at, last_at FROM cb.usd_unpriced WHERE developer_id = 'nop'$$,
                  $$VALUES ('mystery', 'nop', 14::bigint, 14000000::bigint, '2026-01-01 12:00+00'::timestamptz, '2026-01-14 12:00+00'::timestamptz)$$,
                  'the unpriced model is reported with its developer, events, tokens and times');
SELECT is((SELECT cost_usd FROM cb.usd_leaderboard WHERE developer_id = 'nop'), NULL, 'unpriced: NULL dollars');
SELECT is((SELECT tokens || '/' || uncosted_tokens FROM cb.usd_leaderboard WHERE developer_id = 'nop'), '14000000/14000000',
          'its tokens still count as tokens, and as uncosted');
SELECT ok((SELECT fair_score IS NULL AND fair_rank IS NULL AND rank_note LIKE 'no cost: 14000000 tokens without a price%'
           FROM cb.usd_leaderboard WHERE developer_id = 'nop'), 'not ranked on dollars, and the note says why');
SELECT ok((SELECT fair_score IS NOT NULL FROM cb.tokm_leaderboard WHERE developer_id = 'nop'), 'still ranked on tokens');

-- The team board: dollars beside tokens; a team with unpriced tokens has no dollars and is not
-- ranked on them.
SELECT is((SELECT cost_usd FROM cb.usd_team_leaderboard WHERE team = 'b'), 420.000000::numeric,
          'team b: $84 reported + $140 (liar, at the price) + $28 + $56 + $112 at the small price');
SELECT ok((SELECT cost_usd IS NULL AND fair_score IS NULL AND rank_note LIKE 'no cost%' FROM cb.usd_team_leaderboard WHERE team = 'a'),
          'team a (nop''s unpriced tokens): no dollars, not ranked on them, and the note says why');
SELECT ok((SELECT fair_score IS NOT NULL FROM cb.tokm_team_leaderboard WHERE team = 'a'), 'team a is ranked on tokens');

-- A reported cost wins over the computed one; the reconciliation shows the difference.
SELECT is((SELECT cost_usd FROM cb.usd_leaderboard WHERE developer_id = 'rep'), 84.000000::numeric, 'reported $6 a day wins over $10 computed');
SELECT results_eq($$SELECT events, reported_usd, priced_events, computed_usd, difference_usd, disbelieved_events FROM cb.usd_cost_reconciliation
                    WHERE model = 'big' AND month = '2026-01-01'$$,
                  $$VALUES (28::bigint, 84.14::numeric, 28::bigint, 280.000000::numeric, -195.860000::numeric, 14::bigint)$$,
                  'reconciliation: reported against computed dollars per model and month, and the 14 reports not believed');

-- The attack: report less than it cost. Below half the price it is not believed and does not pay.
SELECT is((SELECT cost_usd FROM cb.usd_leaderboard WHERE developer_id = 'liar'), 140.000000::numeric,
          'liar reports 1 cent a day for $10 of tokens: counted at the price, $140');
SELECT is((SELECT fair_score FROM cb.usd_leaderboard WHERE developer_id = 'liar'),
          (SELECT fair_score FROM cb.usd_leaderboard WHERE developer_id = 'exp'),
          'and scores exactly as exp, the honest twin (the same work and tokens)');
SELECT is((SELECT fair_rank_lower || '-' || fair_rank_upper FROM cb.usd_leaderboard WHERE developer_id = 'liar'),
          (SELECT fair_rank_lower || '-' || fair_rank_upper FROM cb.usd_leaderboard WHERE developer_id = 'exp'),
          'with the same rank interval');
SELECT is((SELECT cost_usd FROM cb.usd_leaderboard WHERE developer_id = 'zero'), NULL,
          'zero reports $0 for tokens without a price: unpriced (NULL), not free');
SELECT ok((SELECT fair_score IS NULL AND rank_note LIKE 'no cost: 14000000 tokens without a price%' FROM cb.usd_leaderboard WHERE developer_id = 'zero')
          AND (SELECT events = 14 FROM cb.usd_unpriced WHERE developer_id = 'zero'),
          'not ranked on dollars, and listed as unpriced');
SELECT is((SELECT usage_value_internal.believed_cost(r, c, 1000) FROM (VALUES (5.0, 10.0)) v(r, c)), 5.0,
          'believed_cost: half the price is still believed (the boundary)');

-- A tokens board is unchanged by binding the model and the cost.
SELECT is((SELECT count(*) FROM (
              (SELECT developer_id, tokens, value, fair_score, fair_rank, fair_rank_lower, fair_rank_upper, token_rank, rank_note,
                      tokens_per_merged_change_lower, posterior_mean FROM cb.tok_leaderboard
               EXCEPT SELECT developer_id, tokens, value, fair_score, fair_rank, fair_rank_lower, fair_rank_upper, token_rank, rank_note,
                      tokens_per_merged_change_lower, posterior_mean FROM cb.tokm_leaderboard)
              UNION ALL
              (SELECT developer_id, tokens, value, fair_score, fair_rank, fair_rank_lower, fair_rank_upper, token_rank, rank_note,
                      tokens_per_merged_change_lower, posterior_mean FROM cb.tokm_leaderboard
               EXCEPT SELECT developer_id, tokens, value, fair_score, fair_rank, fair_rank_lower, fair_rank_upper, token_rank, rank_note,
                      tokens_per_merged_change_lower, posterior_mean FROM cb.tok_leaderboard)) x), 0::bigint,
          'exposure tokens: the board ranks the same with and without model and cost columns');
SELECT is((SELECT count(cost_usd) FROM cb.tok_leaderboard), 0::bigint, 'a board without dollars has none (NULL)');

-- Incremental refresh: a late row inside the window and new days; the days not re-read keep their
-- dollars, and the board equals a full rebuild.
INSERT INTO cb.usage VALUES ('exp', '2026-01-13 15:00+00', 'big', 100000, 0, 0, 0, NULL),
                            ('exp', '2026-01-15 12:00+00', 'small', 1000000, 0, 0, 0, NULL);
SELECT refresh_leaderboard('usd', 'cb');
SELECT pg_temp.make('usd_full', 'cost', 'model', 'cost');
SELECT is((SELECT count(*) FROM ((SELECT developer_id, day, tokens, summary::text, cost_micro_usd, uncosted_tokens FROM cb.usd_days
                                  EXCEPT SELECT developer_id, day, tokens, summary::text, cost_micro_usd, uncosted_tokens FROM cb.usd_full_days)
                                 UNION ALL
                                 (SELECT developer_id, day, tokens, summary::text, cost_micro_usd, uncosted_tokens FROM cb.usd_full_days
                                  EXCEPT SELECT developer_id, day, tokens, summary::text, cost_micro_usd, uncosted_tokens FROM cb.usd_days)) x),
          0::bigint, 'incremental refresh: the days equal a full rebuild''s, dollars included');
SELECT is((SELECT cost_usd FROM cb.usd_leaderboard WHERE developer_id = 'exp'), 142.000000::numeric,
          'exp after the refresh: $140 + $1 late + $1 new (old days kept their dollars)');

-- A price corrected after the fact: the days keep their cost, so the next refresh re-reads the
-- usage from the price's effective_from on (not only the late window) and equals a full rebuild.
INSERT INTO model_prices VALUES ('big', '2026-01-08', 20, 20, 20, 20, 'test: a correction');
SELECT refresh_leaderboard('usd', 'cb');
SELECT is((SELECT cost_usd FROM cb.usd_leaderboard WHERE developer_id = 'exp'), 213.000000::numeric,
          'exp after big''s price doubles from Jan 8: 7 x $10 + 7 x $20 + $2 late (at $20) + $1 new');
SELECT is((SELECT read_from FROM leaderboards WHERE target_schema = 'cb' AND name = 'usd'), '2026-01-08 00:00+00'::timestamptz,
          'the refresh re-read from the price''s effective_from (the late window alone starts on Jan 13)');
SELECT pg_temp.make('usd_full2', 'cost', 'model', 'cost');
SELECT is((SELECT count(*) FROM ((SELECT developer_id, cost_usd, fair_score FROM cb.usd_leaderboard
                                  EXCEPT SELECT developer_id, cost_usd, fair_score FROM cb.usd_full2_leaderboard)
                                 UNION ALL
                                 (SELECT developer_id, cost_usd, fair_score FROM cb.usd_full2_leaderboard
                                  EXCEPT SELECT developer_id, cost_usd, fair_score FROM cb.usd_leaderboard)) x),
          0::bigint, 'and the board equals a full rebuild''s, dollars and scores');

-- Arguments checked, naming the argument.
SELECT throws_ok($$SELECT pg_temp.make('bad', 'dollars', 'model', NULL)$$, '22023', 'exposure must be tokens or cost (got dollars)',
                 'exposure is tokens or cost');
SELECT throws_ok($$SELECT pg_temp.make('bad', 'cost', NULL, NULL)$$, '22023',
                 'exposure => ''cost'' needs a cost: give cost_column, or model_column with the token class columns',
                 'exposure cost needs a cost');
SELECT throws_ok($$SELECT pg_temp.make('bad', 'tokens', 'model', 'model')$$, '42804', NULL, 'cost_column must be an amount');

SELECT * FROM finish();
ROLLBACK;
