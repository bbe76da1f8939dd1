-- usage_summary behaviour: rollup equals one pass over the raw rows, parallel equals serial,
-- window use, and every bad input fails with its SQLSTATE.
BEGIN;
SET LOCAL search_path = usage_value, public;
SELECT plan(22);

-- Telemetry-like rows: 300 developers x 60 days, heavy-tailed tokens, some NULLs.
SELECT setseed(0.42);
CREATE TABLE tap_usage AS
SELECT 'dev' || (g % 300) AS developer,
       date '2026-09-01' + (g / 300) % 60 AS day,
       CASE WHEN g % 53 = 0 THEN NULL ELSE (exp(random() * 12))::bigint END AS tokens,
       CASE WHEN g % 71 = 0 THEN NULL ELSE (random() < 0.2)::int::bigint END AS merged
FROM generate_series(0, 300 * 60 * 5 - 1) g;
ANALYZE tap_usage;

-- 1. Rollup of daily summaries equals the aggregate over the raw rows and equals plain sums.
CREATE TABLE tap_daily AS
    SELECT developer, day, usage_agg(tokens, merged) AS summary FROM tap_usage GROUP BY developer, day;
SELECT is((SELECT count(*) FROM (SELECT developer, rollup(summary) AS s FROM tap_daily GROUP BY developer) r
           JOIN (SELECT developer, usage_agg(tokens, merged) AS s, sum(tokens) AS t, sum(merged) AS m,
                        count(*) FILTER (WHERE tokens IS NOT NULL OR merged IS NOT NULL) AS n
                 FROM tap_usage GROUP BY developer) a USING (developer)
           WHERE r.s = a.s AND tokens(r.s) = a.t AND merged_changes(r.s) = a.m AND row_count(r.s) = a.n),
          300::bigint, 'rollup of daily summaries = usage_agg over raw rows = plain sums, for all 300 developers');
SELECT is((SELECT rollup(summary) FROM tap_daily), (SELECT usage_agg(tokens, merged) FROM tap_usage),
          'grand total by rollup equals grand total by usage_agg');
SELECT is((SELECT rollup(s) FROM (SELECT rollup(summary) AS s FROM tap_daily GROUP BY day) d),
          (SELECT rollup(summary) FROM tap_daily), 'rollup is associative: by day then overall');

-- 2. Forced parallel plan: EXPLAIN shows Partial Aggregate and the result equals the serial one.
CREATE TABLE tap_serial AS
    SELECT developer, usage_agg(tokens, merged) AS s, tokens_per_merged_change(tokens, merged) AS r
    FROM tap_usage GROUP BY developer;
CREATE TABLE tap_serial_rollup AS SELECT developer, rollup(summary) AS s FROM tap_daily GROUP BY developer;
\ir include/force_parallel.sql
SELECT matches(pg_temp.plan_of('SELECT developer, usage_agg(tokens, merged) FROM tap_usage GROUP BY developer'),
               'Partial (Hash|Group)?Aggregate', 'usage_agg runs as a Partial Aggregate');
SELECT matches(pg_temp.plan_of('SELECT developer, tokens_per_merged_change(tokens, merged) FROM tap_usage GROUP BY developer'),
               'Partial (Hash|Group)?Aggregate', 'tokens_per_merged_change runs as a Partial Aggregate');
SELECT matches(pg_temp.plan_of('SELECT developer, rollup(summary) FROM tap_daily GROUP BY developer'),
               'Partial (Hash|Group)?Aggregate', 'rollup runs as a Partial Aggregate');
SELECT is((SELECT count(*) FROM (SELECT developer, usage_agg(tokens, merged) AS s,
                                        tokens_per_merged_change(tokens, merged) AS r
                                 FROM tap_usage GROUP BY developer) p
           JOIN tap_serial s USING (developer) WHERE p.s = s.s AND p.r IS NOT DISTINCT FROM s.r),
          300::bigint, 'parallel usage_agg and tokens_per_merged_change equal the serial results');
SELECT is((SELECT count(*) FROM (SELECT developer, rollup(summary) AS s FROM tap_daily GROUP BY developer) p
           JOIN tap_serial_rollup s USING (developer) WHERE p.s = s.s),
          300::bigint, 'parallel rollup equals the serial rollup');
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET parallel_leader_participation;

-- 3. Window use.
SELECT is((SELECT count(*) FROM (SELECT DISTINCT usage_agg(tokens, merged) OVER () AS s FROM tap_usage) w),
          1::bigint, 'usage_agg OVER () gives one value for every row');
SELECT is((SELECT usage_agg(tokens, merged) OVER () FROM tap_usage LIMIT 1),
          (SELECT usage_agg(tokens, merged) FROM tap_usage), 'usage_agg OVER () equals the plain aggregate');
SELECT is((SELECT tokens_per_merged_change(tokens, merged) OVER () FROM tap_usage LIMIT 1),
          (SELECT tokens_per_merged_change(tokens, merged) FROM tap_usage),
          'tokens_per_merged_change OVER () equals the plain aggregate');
SELECT is((SELECT rollup(summary) OVER () FROM tap_daily LIMIT 1), (SELECT rollup(summary) FROM tap_daily),
          'rollup OVER () equals the plain aggregate');
SELECT is((SELECT count(*) FROM (
              SELECT usage_agg(tokens, merged) OVER w AS fast,
                     (SELECT usage_agg(u2.tokens, u2.merged) FROM tap_usage u2
                      WHERE u2.developer = u.developer AND u2.day BETWEEN u.day - 6 AND u.day) AS slow
              FROM tap_usage u WHERE developer IN ('dev1', 'dev2')
              WINDOW w AS (PARTITION BY developer ORDER BY day RANGE BETWEEN '6 days' PRECEDING AND CURRENT ROW)
          ) x WHERE fast IS DISTINCT FROM slow), 0::bigint,
          'a sliding 7-day frame (inverse transition) equals recomputation from scratch');

-- 4. Bad input, each with its SQLSTATE and a message naming the argument.
SELECT throws_ok($$SELECT usage_agg(t, m) FROM (VALUES (-1::bigint, 0::bigint)) v(t, m)$$,
                 '22003', 'tokens must not be negative (got -1)', 'negative tokens: 22003');
SELECT throws_ok($$SELECT usage_agg(t, m) FROM (VALUES (1::bigint, -2::bigint)) v(t, m)$$,
                 '22003', 'merged_changes must not be negative (got -2)', 'negative merged_changes: 22003');
SELECT throws_ok($$SELECT usage_agg(t, 0) FROM (VALUES (9223372036854775807::bigint), (1)) v(t)$$,
                 '22003', 'sum of tokens overflows bigint', 'overflowing tokens: 22003');
SELECT throws_ok($$SELECT tokens_per_merged_change_upper('(version:1,rows:1,tokens:5,merged_changes:1)', 1.5)$$,
                 '22023', NULL, 'confidence outside (0, 1): 22023');
SELECT throws_ok($$SELECT '(version:1,rows:1,tokens:5,merged_changes:1'::usage_summary$$,
                 '22P02', NULL, 'truncated text: 22P02');
SELECT throws_ok($$SELECT '(version:1,rows:0,tokens:5,merged_changes:0)'::usage_summary$$,
                 '22P02', NULL, 'zero rows holding tokens: 22P02');

-- 5. A few hundred randomly mutated text values: each parses to a valid summary or fails with
--    22P02 / 22003; nothing else, and the backend stays up.
CREATE FUNCTION pg_temp.mutation_outcomes(n int) RETURNS TABLE (outcome text, times bigint) LANGUAGE plpgsql AS $$
DECLARE
    valid constant text := '(version:1,rows:3,tokens:123456,merged_changes:7)';
    alphabet constant text := '()0123456789:,-+ xyz.eE' || chr(10) || 'version:rows:tokens:merged_changes';
    t text; pos int; s usage_summary; results text[] := '{}';
BEGIN
    PERFORM setseed(0.2026);
    FOR i IN 1..n LOOP
        t := valid;
        FOR m IN 1..1 + (random() * 3)::int LOOP
            pos := 1 + (random() * (length(t) - 1))::int;
            CASE (random() * 2)::int
                WHEN 0 THEN t := overlay(t PLACING substr(alphabet, 1 + (random() * (length(alphabet) - 1))::int, 1) FROM pos FOR 1);
                WHEN 1 THEN t := overlay(t PLACING '' FROM pos FOR 1 + (random() * 5)::int);
                ELSE t := overlay(t PLACING repeat(substr(t, pos, 3), 1 + (random() * 4)::int) FROM pos FOR 0);
            END CASE;
        END LOOP;
        BEGIN
            s := t::usage_summary;
            results := results || CASE WHEN row_count(s) >= 0 AND tokens(s) >= 0 AND merged_changes(s) >= 0
                                            AND (row_count(s) > 0 OR (tokens(s) = 0 AND merged_changes(s) = 0))
                                       THEN 'valid' ELSE 'INVALID VALUE ACCEPTED' END;
        EXCEPTION WHEN OTHERS THEN
            results := results || CASE WHEN SQLSTATE IN ('22P02', '22003') THEN 'rejected' ELSE 'SQLSTATE ' || SQLSTATE END;
        END;
    END LOOP;
    RETURN QUERY SELECT r, count(*) FROM unnest(results) r GROUP BY r;
END $$;
CREATE TEMP TABLE outcomes AS SELECT * FROM pg_temp.mutation_outcomes(500);
SELECT is((SELECT sum(times) FROM outcomes), 500::numeric, '500 mutated text values tried');
SELECT is((SELECT array_agg(outcome ORDER BY outcome) FROM outcomes WHERE outcome NOT IN ('valid', 'rejected')),
          NULL::text[], 'every mutated text value is either a valid summary or rejected with 22P02/22003');
SELECT cmp_ok((SELECT times FROM outcomes WHERE outcome = 'rejected'), '>', 100::bigint,
              'the mutations do exercise the rejection paths');

SELECT * FROM finish();
ROLLBACK;
