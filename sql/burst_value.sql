-- burst_inflation / burst_episodes crediting merged output by its value (issue 10): the attack
-- (trivial changes merged in a spike's window), the count path unchanged, NULLs, errors,
-- overload resolution of the existing calls, OVER () and a parallel plan.
SET search_path = usage_value, public;
SET TimeZone = 'UTC';
SET extra_float_digits = 0;

-- The developer of sql/burst.sql: a steady weekday rhythm, two merges a week (each worth 1), one
-- 10x day with nothing merged.
CREATE TABLE vseries AS
SELECT d::timestamptz AS bucket,
       CASE WHEN extract(isodow FROM d) > 5 THEN 0
            WHEN d = '2026-03-18' THEN 10 * 200000
            ELSE 200000 + (extract(day FROM d)::int * 7919 % 50000) END::bigint AS tokens,
       CASE WHEN extract(isodow FROM d) IN (2, 4) AND d NOT BETWEEN '2026-03-16' AND '2026-03-22' THEN 1 ELSE 0 END::bigint AS merged
FROM generate_series('2026-01-05'::date, '2026-04-26'::date, '1 day') d;
ALTER TABLE vseries ADD COLUMN value float8;
UPDATE vseries SET value = merged;
-- The attack: twenty trivial changes (0.01-0.02 each) merged on the spike day and the three after.
CREATE TABLE trivial AS
SELECT '2026-03-18'::timestamptz + (g % 4) * interval '1 day' AS bucket, 0::bigint AS tokens, 1::bigint AS merged,
       0.01 + 0.0005 * g AS value
FROM generate_series(0, 19) g;

-- Weights of 1 give exactly the counted result (the count path is unchanged).
SELECT burst_inflation(bucket, tokens, merged, value, '1 day') = burst_inflation(bucket, tokens, merged) AS weights_of_one_equal_counts,
       burst_inflation(bucket, tokens, merged, value, '1 day', 0.01, '3 days', '56 days')
           = burst_inflation(bucket, tokens, merged, '1 day', 0.01, '3 days', '56 days') AS all_parameters_too,
       burst_episodes(bucket, tokens, merged, value, '1 day')::text = burst_episodes(bucket, tokens, merged)::text
           AS episodes_equal
FROM vseries;

-- Counted, the twenty trivial changes buy the spike back; valued, it is charged as before.
WITH attacked AS (SELECT * FROM vseries UNION ALL SELECT * FROM trivial)
SELECT round((SELECT burst_inflation(bucket, tokens, merged) FROM vseries)::numeric, 4) AS share_alone,
       round(burst_inflation(bucket, tokens, merged)::numeric, 4) AS share_counted,
       round(burst_inflation(bucket, tokens, merged, value, '1 day')::numeric, 4) AS share_valued,
       burst_inflation(bucket, tokens, merged, value, '1 day')
           >= 0.8 * (SELECT burst_inflation(bucket, tokens, merged, value, '1 day') FROM vseries) AS valued_keeps_80_percent
FROM attacked;
WITH attacked AS (SELECT * FROM vseries UNION ALL SELECT * FROM trivial)
SELECT e.start_at, e.end_at, e.tokens, e.merged_changes, round(e.expected_merged_changes::numeric, 2) AS expected_changes,
       round(e.merged_value::numeric, 3) AS merged_value, round(e.expected_merged_value::numeric, 2) AS expected_value,
       e.is_inflation, round((e.inflated_tokens / e.excess_tokens)::numeric, 3) AS charged_share
FROM (SELECT burst_episodes(bucket, tokens, merged, value, '1 day') AS episodes FROM attacked) s, unnest(episodes) e;
-- The new columns come last; the old ones keep their positions.
SELECT attnum, attname, format_type(atttypid, atttypmod) FROM pg_attribute
WHERE attrelid = 'burst_episode'::regclass AND attnum > 0 ORDER BY attnum;

-- NULL merged_value contributes nothing (like a NULL count); a row of NULLs is skipped; a NULL
-- bucket skips the row; no rows gives NULL.
SELECT (SELECT burst_inflation(b, t, m, v, '1 day') FROM (SELECT bucket, tokens, merged, value FROM vseries
                                                        UNION ALL SELECT '2026-02-02', NULL, NULL, NULL
                                                        UNION ALL SELECT NULL, 99999999, 5, 5) x(b, t, m, v))
       = (SELECT burst_inflation(bucket, tokens, merged, value, '1 day') FROM vseries) AS nulls_ignored,
       (SELECT burst_inflation(bucket, tokens, merged, NULL, '1 day') FROM vseries)
       = (SELECT burst_inflation(bucket, tokens, merged, 0, '1 day') FROM vseries) AS null_value_is_zero,
       (SELECT burst_inflation(bucket, tokens, merged, value, '1 day') FROM vseries WHERE false) IS NULL AS empty_is_null,
       (SELECT burst_episodes(bucket, tokens, merged, value, '1 day') FROM vseries WHERE false) IS NULL AS no_episodes_is_null;

-- Existing calls resolve as before: untyped literals and NULL in fourth place are still the
-- bucket width, the 7-argument form is unchanged, and a float8 in fourth place needs the width.
SELECT burst_inflation(bucket, tokens, merged, '1 day') = burst_inflation(bucket, tokens, merged, '1 day'::interval) AS literal_is_width,
       burst_inflation(bucket, tokens, merged, '1 day', 0.01, '3 days', '56 days')
           = burst_inflation(bucket, tokens, merged, '1 day'::interval, 0.01::float8, '3 days'::interval, '56 days'::interval) AS seven_arguments,
       cardinality(burst_episodes(bucket, tokens, merged, '1 day')) AS episodes_with_literal
FROM vseries;
SELECT burst_inflation(bucket, tokens, merged, NULL) FROM vseries;
SELECT burst_inflation(bucket, tokens, merged, value) FROM vseries;
SELECT p.oid::regprocedure AS overload FROM pg_proc p
WHERE p.pronamespace = 'usage_value'::regnamespace AND p.proname IN ('burst_inflation', 'burst_episodes')
ORDER BY p.proname, p.pronargs;
-- Why there is no daily (bucket, tokens, merged_changes, merged_value) overload: beside the
-- (..., bucket_width interval) one, an untyped fourth argument would be ambiguous.
CREATE FUNCTION pg_temp.f(timestamptz, bigint, bigint, interval) RETURNS int LANGUAGE sql AS 'SELECT 1';
CREATE FUNCTION pg_temp.f(timestamptz, bigint, bigint, float8) RETURNS int LANGUAGE sql AS 'SELECT 2';
SELECT pg_temp.f(now(), 1, 1, '1 day');

-- Every valued aggregate with OVER ().
SELECT DISTINCT round(burst_inflation(bucket, tokens, merged, value, '1 day') OVER ()::numeric, 3) AS share,
       cardinality(burst_episodes(bucket, tokens, merged, value, '1 day') OVER ()) AS episodes,
       round(burst_inflation(bucket, tokens, merged, value, '1 day', 0.01, '3 days', '56 days') OVER ()::numeric, 3) AS share_all,
       cardinality(burst_episodes(bucket, tokens, merged, value, '1 day', 0.01, '3 days', '56 days') OVER ()) AS episodes_all
FROM vseries;

-- Errors name merged_value: negative 22003, NaN and infinity 22023; parameters as before.
\set VERBOSITY default
SELECT burst_inflation(bucket, tokens, merged, -0.5, '1 day') FROM vseries;
SELECT burst_inflation(bucket, tokens, merged, 'NaN', '1 day') FROM vseries;
SELECT burst_inflation(bucket, tokens, merged, 'Infinity', '1 day') FROM vseries;
SELECT burst_episodes(bucket, tokens, merged, '-Infinity', '1 day') FROM vseries;
SELECT burst_inflation(bucket, tokens, merged, 1e16, '1 day') FROM vseries;
SELECT burst_inflation(bucket, tokens, -1, 1, '1 day') FROM vseries;
SELECT burst_inflation(bucket, tokens, merged, value, NULL) FROM vseries;
SELECT burst_inflation(bucket, tokens, merged, value, '1 day', 0.9, '3 days', '56 days') FROM vseries;
\set VERBOSITY sqlstate
SELECT burst_inflation(bucket, tokens, merged, -0.5, '1 day') FROM vseries;
SELECT burst_inflation(bucket, tokens, merged, 'NaN', '1 day') FROM vseries;
SELECT burst_inflation(bucket, tokens, merged, 'Infinity', '1 day') FROM vseries;
\set VERBOSITY default

-- A forced parallel plan (Partial Aggregate under a Gather) gives the serial result.
CREATE TABLE vparallel AS
SELECT dev, d::timestamptz AS bucket,
       (100000 + (dev * 7919 + extract(doy FROM d)::int * 104729) % 60000
        + CASE WHEN d = '2026-03-02'::date + dev % 20 THEN 1500000 ELSE 0 END)::bigint AS tokens,
       ((dev + extract(doy FROM d)::int) % 3 = 0)::int::bigint AS merged,
       CASE WHEN (dev + extract(doy FROM d)::int) % 3 = 0 THEN 0.25 + ((dev * 31 + extract(doy FROM d)::int) % 7) / 4.0 ELSE 0 END AS value
FROM generate_series(1, 60) dev, generate_series('2026-01-05'::date, '2026-04-26'::date, '1 day') d;
ANALYZE vparallel;
CREATE TABLE vserial AS
SELECT dev, burst_inflation(bucket, tokens, merged, value, '1 day') AS share,
       burst_episodes(bucket, tokens, merged, value, '1 day', 0.01, '3 days', '56 days')::text AS episodes
FROM vparallel GROUP BY dev;
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF)
SELECT dev, burst_inflation(bucket, tokens, merged, value, '1 day') FROM vparallel GROUP BY dev;
SELECT count(*) AS developers, count(*) FILTER (WHERE s.share > 0) AS with_inflation,
       count(*) FILTER (WHERE p.share IS DISTINCT FROM s.share OR p.episodes IS DISTINCT FROM s.episodes) AS mismatches
FROM (SELECT dev, burst_inflation(bucket, tokens, merged, value, '1 day') AS share,
             burst_episodes(bucket, tokens, merged, value, '1 day', 0.01, '3 days', '56 days')::text AS episodes
      FROM vparallel GROUP BY dev) p JOIN vserial s USING (dev);
RESET ALL;
