-- usage_summary with weighted value: rollup equals one pass over the raw rows, parallel equals
-- serial, window use, the interval against the mpmath reference, and bad input with SQLSTATEs.
BEGIN;
SET LOCAL search_path = usage_value, public;
SELECT plan(15);

-- Telemetry-like rows with a value per row: multiples of 1/8 over at most 2 merges, so every sum
-- (of values and of value^2 / max(merges, 1)) is exact in float8 and equality can be asserted.
SELECT setseed(0.17);
CREATE TABLE tap_valued AS
SELECT 'dev' || (g % 300) AS developer,
       date '2026-09-01' + (g / 300) % 60 AS day,
       CASE WHEN g % 53 = 0 THEN NULL ELSE (exp(random() * 12))::bigint END AS tokens,
       CASE WHEN g % 71 = 0 THEN NULL ELSE (random() * 2.4)::int::bigint END AS merged,
       CASE WHEN g % 67 = 0 THEN NULL ELSE floor(random() * 24) / 8 END::float8 AS value
FROM generate_series(0, 300 * 60 * 5 - 1) g;
ANALYZE tap_valued;

-- 1. Rollup of daily summaries = usage_agg over the raw rows = plain sums.
CREATE TABLE tap_valued_daily AS
    SELECT developer, day, usage_agg(tokens, merged, value) AS summary FROM tap_valued GROUP BY developer, day;
SELECT is((SELECT count(*) FROM (SELECT developer, rollup(summary) AS s FROM tap_valued_daily GROUP BY developer) r
           JOIN (SELECT developer, usage_agg(tokens, merged, value) AS s, sum(tokens) AS t, sum(merged) AS m,
                        sum(value) AS v, sum(value ^ 2 / greatest(coalesce(merged, 0), 1)) AS q,
                        count(*) FILTER (WHERE tokens IS NOT NULL OR merged IS NOT NULL OR value IS NOT NULL) AS n
                 FROM tap_valued GROUP BY developer) a USING (developer)
           WHERE r.s = a.s AND tokens(r.s) = a.t AND merged_changes(r.s) = a.m AND row_count(r.s) = a.n
             AND value(r.s) = a.v AND effective_changes(r.s) = a.v * (a.v / a.q)),
          300::bigint, 'weighted: rollup of daily summaries = usage_agg over raw rows = plain sums, for all 300 developers');
SELECT is((SELECT rollup(summary) FROM tap_valued_daily), (SELECT usage_agg(tokens, merged, value) FROM tap_valued),
          'weighted: grand total by rollup equals grand total by usage_agg');
SELECT is((SELECT rollup(s) FROM (SELECT rollup(summary) AS s FROM tap_valued_daily GROUP BY day) d),
          (SELECT rollup(summary) FROM tap_valued_daily), 'weighted: rollup is associative (by day, then overall)');
SELECT is((SELECT count(*) FROM tap_valued_daily WHERE summary::text LIKE '(version:2,%'),
          (SELECT count(*) FROM tap_valued_daily WHERE value(summary) <> merged_changes(summary)
                                                     OR effective_changes(summary) <> merged_changes(summary)),
          'version 2 exactly for the weighted daily summaries');

-- 2. Unit weights through the weighted aggregate are the unweighted summary, in version 1.
SELECT is((SELECT count(*) FROM (SELECT developer, usage_agg(tokens, merged, merged::float8) AS w,
                                        usage_agg(tokens, merged) AS u
                                 FROM tap_valued WHERE merged IS NOT NULL GROUP BY developer) x
           WHERE w = u AND w::text = u::text AND w::text LIKE '(version:1,%'),
          300::bigint, 'value = merged_changes gives the unweighted summary, written as version 1');

-- 3. Forced parallel plan.
CREATE TABLE tap_valued_serial AS
    SELECT developer, usage_agg(tokens, merged, value) AS s FROM tap_valued GROUP BY developer;
CREATE TABLE tap_valued_serial_rollup AS SELECT developer, rollup(summary) AS s FROM tap_valued_daily GROUP BY developer;
\ir include/force_parallel.sql
SELECT matches(pg_temp.plan_of('SELECT developer, usage_agg(tokens, merged, value) FROM tap_valued GROUP BY developer'),
               'Partial (Hash|Group)?Aggregate', 'weighted usage_agg runs as a Partial Aggregate');
SELECT is((SELECT count(*) FROM (SELECT developer, usage_agg(tokens, merged, value) AS s FROM tap_valued GROUP BY developer) p
           JOIN tap_valued_serial s USING (developer) WHERE p.s = s.s),
          300::bigint, 'parallel weighted usage_agg equals the serial result');
SELECT is((SELECT count(*) FROM (SELECT developer, rollup(summary) AS s FROM tap_valued_daily GROUP BY developer) p
           JOIN tap_valued_serial_rollup s USING (developer) WHERE p.s = s.s),
          300::bigint, 'parallel rollup of weighted summaries equals the serial rollup');
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET parallel_leader_participation;

-- 4. Window use.
SELECT is((SELECT usage_agg(tokens, merged, value) OVER () FROM tap_valued LIMIT 1),
          (SELECT usage_agg(tokens, merged, value) FROM tap_valued), 'weighted usage_agg OVER () equals the plain aggregate');
SELECT is((SELECT count(*) FROM (
              SELECT usage_agg(tokens, merged, value) OVER w AS fast,
                     (SELECT usage_agg(u2.tokens, u2.merged, u2.value) FROM tap_valued u2
                      WHERE u2.developer = u.developer AND u2.day BETWEEN u.day - 6 AND u.day) AS slow
              FROM tap_valued u WHERE developer IN ('dev1', 'dev2')
              WINDOW w AS (PARTITION BY developer ORDER BY day RANGE BETWEEN '6 days' PRECEDING AND CURRENT ROW)
          ) x WHERE fast IS DISTINCT FROM slow), 0::bigint,
          'weighted usage_agg over a sliding 7-day frame equals recomputation from scratch');

-- 5. The interval against the 50-digit reference (test/reference/garwood.py, "weighted summary").
CREATE TEMP TABLE reference_summary AS
SELECT usage_agg(100000, m, v) AS s
FROM (VALUES (1, 0.5), (1, 1), (1, 2), (1, 0.25), (1, 3), (1, 1.5), (1, 0), (2, 1.5), (0, 0.75), (3, 3)) r(m, v);
SELECT ok((SELECT abs(tokens_per_value_lower(s) / (1e6 / 26.014987726504143) - 1) < 1e-9
              AND abs(tokens_per_value_upper(s) / (1e6 / 6.0330344961195076) - 1) < 1e-9
              AND abs(tokens_per_value_lower(s, 0.9) / (1e6 / 23.876931938752606) - 1) < 1e-9
              AND abs(tokens_per_value_upper(s, 0.9) / (1e6 / 6.9110836049553832) - 1) < 1e-9
              AND abs(effective_changes(s) / 8.5764705882352941 - 1) < 1e-15
           FROM reference_summary),
          'tokens_per_value bounds and effective_changes match the mpmath reference');

-- 6. Bad input, each with its SQLSTATE and a message naming the argument.
SELECT throws_ok($$SELECT usage_agg(1, 1, -0.5)$$, '22003', 'value must not be negative (got -0.5)', 'negative value: 22003');
SELECT throws_ok($$SELECT usage_agg(1, 1, 'NaN')$$, '22023', 'value must be a finite number (got nan)', 'NaN value: 22023');
SELECT throws_ok($$SELECT usage_agg(1, 1, '-Infinity')$$, '22023', 'value must be a finite number (got -inf)', 'infinite value: 22023');
SELECT throws_ok($$SELECT '(version:2,rows:3,tokens:123,merged_changes:4,value:4,value_squares:4)'::usage_summary$$,
                 '22P02', NULL, 'an unweighted summary in version 2 text: 22P02');

SELECT * FROM finish();
ROLLBACK;
