-- Dollars: usage_agg with a cost, its accessors and intervals, model_prices and event_cost_usd.
SET search_path = usage_value, public;
SET extra_float_digits = 0;

-- Events of two developers over two days; costs with more than six decimals, a NULL cost.
CREATE TABLE cost_rows (developer text, day date, tokens bigint, merged bigint, value float8, cost float8);
INSERT INTO cost_rows VALUES
    ('ada', '2026-11-02', 120000, 2, 2.0, 0.3600004), ('ada', '2026-11-02', 30000, 0, 0.0, 0.0900005),
    ('ada', '2026-11-03', 80000, 1, 1.0, 0.24),       ('bob', '2026-11-02', 900000, 0, 0.0, 2.7),
    ('bob', '2026-11-03', 1100000, 1, 0.5, 3.3),      ('cy',  '2026-11-02', 50000, 1, 1.0, NULL),
    ('cy',  '2026-11-03', 50000, 1, 1.0, 0.15);

-- 1. Each row is rounded to the micro-dollar once; the summary's cost is their exact sum, against
--    the same sum in numeric; a developer with a row without cost has none (not a partial one).
SELECT developer, cost_usd(s), cost_micro_usd(s), uncosted_tokens(s), expected, cost_usd(s) = expected AS exact
FROM (SELECT developer, usage_agg(tokens, merged, value, cost) AS s,
             sum(round(cost::numeric, 6)) FILTER (WHERE cost IS NOT NULL) AS expected
      FROM cost_rows GROUP BY developer) x ORDER BY developer;

-- 2. Rollup of daily summaries equals one aggregate, to the micro-dollar and in every field.
SELECT developer, rollup(d) = usage_agg_all AS rollup_equal, cost_usd(rollup(d)) AS rolled_up
FROM (SELECT developer, day, usage_agg(tokens, merged, value, cost) AS d FROM cost_rows GROUP BY developer, day) days
JOIN (SELECT developer, usage_agg(tokens, merged, value, cost) AS usage_agg_all FROM cost_rows GROUP BY developer) whole USING (developer)
GROUP BY developer, usage_agg_all ORDER BY developer;

-- 3. The text form of a summary with a cost (version 3) round-trips; one without stays version 1/2.
SELECT usage_agg(tokens, merged, merged::float8, cost) AS unit_weights_with_cost FROM cost_rows WHERE developer = 'ada';
SELECT usage_agg(tokens, merged, value) AS without_cost FROM cost_rows WHERE developer = 'ada';
SELECT s::text::usage_summary = s AS text_round_trip FROM (SELECT usage_agg(tokens, merged, value, cost) AS s FROM cost_rows) x;
SELECT '(version:3,rows:1,tokens:10,merged_changes:0,value:0,value_squares:0,cost_micro_usd:5,costed_tokens:11)'::usage_summary;
SELECT '(version:3,rows:1,tokens:10,merged_changes:0,value:0,value_squares:0,cost_micro_usd:0,costed_tokens:0)'::usage_summary;

-- 4. Dollars per merged change: the Garwood interval of tokens per merged change with the cost as
--    exposure. At one price for every token (here $3 per million) the two are proportional.
SELECT round(cost_per_merged_change(s)::numeric, 6) AS per_change,
       abs(cost_per_merged_change_lower(s) / (tokens_per_merged_change_lower(s) * 3e-6) - 1) < 1e-12 AS lower_scales,
       abs(cost_per_merged_change_upper(s, 0.9) / (tokens_per_merged_change_upper(s, 0.9) * 3e-6) - 1) < 1e-12 AS upper_scales,
       abs(cost_per_value_upper(s) / (tokens_per_value_upper(s) * 3e-6) - 1) < 1e-12 AS value_upper_scales
FROM (SELECT usage_agg(tokens, merged, value, tokens * 3e-6) AS s FROM cost_rows) x;
SELECT cost_per_merged_change(s) AS no_merges, cost_per_merged_change_upper(s) AS upper
FROM (SELECT usage_agg(tokens, 0, 0.0, 1.0) AS s FROM cost_rows) x;
SELECT cost_usd(s) AS partly_costed, cost_per_merged_change_lower(s) AS lower
FROM (SELECT usage_agg(tokens, merged, value, cost) AS s FROM cost_rows) x;

-- 5. Bad costs are errors naming cost_usd; nothing is stored.
SELECT usage_agg(1, 0, 0.0, -0.01);
SELECT usage_agg(1, 0, 0.0, 'NaN');
SELECT usage_agg(1, 0, 0.0, 'Infinity');
SELECT usage_agg(1, 0, 0.0, 1e13);
SELECT cost_per_merged_change_lower(usage_agg(1, 1, 1.0, 1.0), 1.5);

-- 6. As a window aggregate over the whole partition (OVER ()), and running totals.
SELECT developer, day, cost_usd(usage_agg(tokens, merged, value, cost) OVER (PARTITION BY developer ORDER BY day)) AS running
FROM cost_rows WHERE developer = 'ada' ORDER BY developer, day, tokens;
SELECT DISTINCT cost_usd(usage_agg(tokens, merged, value, cost) OVER ()) AS everyone FROM cost_rows WHERE cost IS NOT NULL;

-- 7. Forced parallel plan: Partial Aggregate, and the serial result.
CREATE TABLE cost_parallel AS
    SELECT (g % 97)::int AS developer, (g * 7919 % 100000)::bigint AS tokens, (g % 5 = 0)::int::bigint AS merged,
           (g % 3)::float8 * 0.5 AS value, (g * 7919 % 100000) * 3e-6 + (g % 7) * 1e-7 AS cost
    FROM generate_series(1, 200000) g;
ANALYZE cost_parallel;
CREATE TABLE cost_serial AS SELECT developer, usage_agg(tokens, merged, value, cost) AS s FROM cost_parallel GROUP BY developer;
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT developer, usage_agg(tokens, merged, value, cost) FROM cost_parallel GROUP BY developer;
SELECT count(*) AS developers, count(*) FILTER (WHERE p.s = c.s) AS equal
FROM (SELECT developer, usage_agg(tokens, merged, value, cost) AS s FROM cost_parallel GROUP BY developer) p
JOIN cost_serial c USING (developer);
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET parallel_leader_participation;

-- 8. Prices by date: a price change mid-month prices each event by its own date; an exact name
--    wins over a pattern, a longer pattern over a shorter; a model without a price has no cost.
INSERT INTO model_prices (model, effective_from, input_usd_per_mtok, output_usd_per_mtok,
                          cache_read_usd_per_mtok, cache_creation_usd_per_mtok, source) VALUES
    ('claude-sonnet-4-5', '2026-01-01', 3, 15, 0.30, 3.75, 'test'),
    ('claude-sonnet-4-5', '2026-11-15 00:00+00', 2, 10, 0.20, 2.50, 'test: a price cut on the 15th (UTC)'),
    ('claude-%',          '2026-01-01', 100, 100, 100, 100, 'test: any other Claude model'),
    ('claude-haiku-%',    '2026-01-01', 1, 5, 0.10, 1.25, 'test'),
    ('gpt-4.1',           '2026-01-01', 2, 8, 0.50, 0, 'test');
SELECT model, at, event_cost_usd(model, at, 1000000, 100000, 0, 0, 'claude_code') AS cost
FROM (VALUES ('claude-sonnet-4-5', '2026-11-14 23:59:59+00'::timestamptz), ('claude-sonnet-4-5', '2026-11-15 00:00:00+00'),
             ('claude-haiku-4-5', '2026-11-20'), ('claude-opus-4-1', '2026-11-20'), ('gpt-4.1', '2026-11-20'),
             ('claude-sonnet-4-5', '2025-12-31'), ('o4-mini', '2026-11-20')) e(model, at);

-- 9. Cache tokens in cost follow the convention as billable_tokens does: at one price for every
--    token class, the cost is billable_tokens times that price, under both conventions.
INSERT INTO model_prices VALUES ('flat', '2026-01-01', 7, 7, 7, 7, 'test: one price');
SELECT convention, event_cost_usd('flat', '2026-11-20', i, o, r, w, convention) = billable_tokens(i, o, r, w, convention) * 7 / 1e6 AS matches
FROM (VALUES ('cache_separate'), ('cache_included'), ('claude_code'), ('otel_genai')) c(convention),
     (VALUES (1000::bigint, 200::bigint, 300::bigint, 100::bigint)) t(i, o, r, w)
ORDER BY convention;
-- Under cache_included, input less the cache is priced as input (gpt-4.1: 2, cached 0.50).
SELECT event_cost_usd('gpt-4.1', '2026-11-20', 1000000, 0, 400000, 0, 'openai') AS cache_included,
       event_cost_usd('gpt-4.1', '2026-11-20', 1000000, 0, 400000, 0, 'cache_separate') AS cache_separate;
-- Counts that break the convention raise as billable_tokens does.
SELECT event_cost_usd('gpt-4.1', '2026-11-20', 10, 0, 400000, 0, 'openai');
SELECT event_cost_usd('gpt-4.1', '2026-11-20', -1, 0, 0, 0, 'openai');
-- model_prices refuses negative prices; pg_dump keeps its rows (a configuration table).
INSERT INTO model_prices VALUES ('bad', '2026-01-01', -1, 0, 0, 0, NULL);
SELECT count(*) AS dumped FROM pg_extension e, unnest(e.extconfig) c WHERE e.extname = 'usage_value' AND c = 'usage_value.model_prices'::regclass;
DELETE FROM model_prices;
