-- burst_inflation, burst_episodes, burst_score: inputs, NULLs, parameters, errors.
SET search_path = usage_value, public;
SET TimeZone = 'UTC';
SET extra_float_digits = 0;

-- A developer with a steady weekday rhythm, two merges a week, and one 10x day with no merges.
CREATE TABLE series AS
SELECT d::timestamptz AS bucket,
       CASE WHEN extract(isodow FROM d) > 5 THEN 0
            WHEN d = '2026-03-18' THEN 10 * 200000
            ELSE 200000 + (extract(day FROM d)::int * 7919 % 50000) END::bigint AS tokens,
       CASE WHEN extract(isodow FROM d) IN (2, 4) AND d NOT BETWEEN '2026-03-16' AND '2026-03-22' THEN 1 ELSE 0 END::bigint AS merged
FROM generate_series('2026-01-05'::date, '2026-04-26'::date, '1 day') d;

SELECT round(burst_inflation(bucket, tokens, merged)::numeric, 3) AS share FROM series;
SELECT e.start_at, e.end_at, e.tokens, round(e.baseline_tokens) AS baseline, e.merged_changes,
       round(e.expected_merged_changes::numeric, 2) AS expected, round(e.excess_tokens) AS excess,
       e.is_inflation, e.p_value < 0.01 AS significant
FROM (SELECT burst_episodes(bucket, tokens, merged) AS episodes FROM series) s, unnest(episodes) e;

-- Order does not matter; gaps inside the span count as zero use (weekends removed: same answer).
SELECT burst_inflation(bucket, tokens, merged ORDER BY bucket DESC) = burst_inflation(bucket, tokens, merged) AS order_free,
       (SELECT burst_inflation(bucket, tokens, merged) FROM series WHERE tokens > 0 OR merged > 0)
           = burst_inflation(bucket, tokens, merged) AS gaps_are_zero
FROM series;
-- Duplicate buckets are summed: splitting every bucket in two rows changes nothing.
SELECT (SELECT burst_inflation(bucket, t, m) FROM series, LATERAL (VALUES (tokens / 2, merged), (tokens - tokens / 2, 0)) v(t, m))
       = (SELECT burst_inflation(bucket, tokens, merged) FROM series) AS duplicates_summed;
-- NULL bucket rows are skipped; NULL counts contribute nothing; no rows gives NULL.
SELECT (SELECT burst_inflation(b, t, m) FROM (SELECT bucket, tokens, merged FROM series
                                              UNION ALL SELECT NULL, 99999999, 0
                                              UNION ALL SELECT '2026-02-02', NULL, NULL) x(b, t, m))
       = (SELECT burst_inflation(bucket, tokens, merged) FROM series) AS nulls_ignored,
       (SELECT burst_inflation(bucket, tokens, merged) FROM series WHERE false) IS NULL AS empty_is_null,
       (SELECT burst_episodes(bucket, tokens, merged) FROM series WHERE false) IS NULL AS no_episodes_is_null;
-- No tokens at all: nothing inflated.
SELECT burst_inflation(bucket, 0, merged) AS share_without_tokens FROM series;
-- Hourly buckets and explicit parameters.
SELECT burst_inflation(bucket, tokens, merged, '1 day') = burst_inflation(bucket, tokens, merged) AS daily_default,
       burst_inflation(bucket, tokens, merged, '1 day', 0.01, '3 days', '56 days') = burst_inflation(bucket, tokens, merged) AS explicit_defaults,
       burst_inflation(bucket, tokens, merged, '1 day', 1e-9, '3 days', '56 days') <= burst_inflation(bucket, tokens, merged) AS stricter_flags_less
FROM series;

-- burst_score: the 10x day stands out against the week before it; NULL tokens give NULL.
SELECT bucket::date AS day, tokens, round(burst_score(tokens) OVER w::numeric, 2) AS score
FROM series WHERE bucket BETWEEN '2026-03-09' AND '2026-03-20'
WINDOW w AS (ORDER BY bucket ROWS BETWEEN 13 PRECEDING AND CURRENT ROW) ORDER BY bucket;
SELECT count(*) AS rows, count(score) AS scored FROM (
    SELECT burst_score(t) OVER (ORDER BY g ROWS BETWEEN 3 PRECEDING AND CURRENT ROW) AS score
    FROM (VALUES (1, 5::bigint), (2, NULL), (3, 7), (4, NULL)) v(g, t)) x;
-- Sliding frames (inverse transition) equal recomputation over the same frame.
SELECT count(*) AS mismatches FROM (
    SELECT burst_score(tokens) OVER (ORDER BY bucket ROWS BETWEEN 9 PRECEDING AND CURRENT ROW) AS fast,
           (SELECT burst_score(s2.tokens ORDER BY s2.bucket) FROM series s2
            WHERE s2.bucket BETWEEN s.bucket - interval '9 days' AND s.bucket) AS slow
    FROM series s) x
WHERE abs(fast - slow) > 1e-12;

-- Every aggregate with OVER (); burst_score refuses it (no order, so no current row: misuse.sql).
SELECT DISTINCT round(burst_inflation(bucket, tokens, merged) OVER ()::numeric, 3) AS share,
       cardinality(burst_episodes(bucket, tokens, merged) OVER ()) AS episodes
FROM series;
SELECT burst_score(tokens) OVER () FROM series;

-- Errors, each naming the argument.
\set VERBOSITY default
SELECT burst_inflation(bucket, -1, 0) FROM series;
SELECT burst_inflation(bucket, tokens, -1) FROM series;
SELECT burst_inflation(bucket, tokens, merged, '0 seconds') FROM series;
SELECT burst_inflation(bucket, tokens, merged, '-1 hour') FROM series;
SELECT burst_inflation(bucket, tokens, merged, '1 month') FROM series;
SELECT burst_inflation(bucket, tokens, merged, '1.5 seconds') FROM series;
SELECT burst_inflation(bucket, tokens, merged, NULL) FROM series;
SELECT burst_inflation(bucket, tokens, merged, '1 day', 0, '3 days', '56 days') FROM series;
SELECT burst_inflation(bucket, tokens, merged, '1 day', 0.9, '3 days', '56 days') FROM series;
SELECT burst_inflation(bucket, tokens, merged, '1 day', 'NaN', '3 days', '56 days') FROM series;
SELECT burst_inflation(bucket, tokens, merged, '1 day', 0.01, '-3 days', '56 days') FROM series;
SELECT burst_inflation(bucket, tokens, merged, '1 day', 0.01, '3 days', '0 days') FROM series;
SELECT burst_inflation(b, 1, 0) FROM (VALUES ('infinity'::timestamptz)) v(b);
SELECT burst_inflation(bucket, tokens, merged, w) FROM series, (VALUES ('1 day'::interval), ('1 hour')) v(w);
SELECT burst_inflation(b, 1, 0, '1 second') FROM (VALUES ('2000-01-01'::timestamptz), ('2026-01-01')) v(b);
SELECT burst_score(-5) OVER (ORDER BY bucket ROWS 3 PRECEDING) FROM series LIMIT 1;
SELECT burst_inflation(bucket, t, 0) FROM series, (VALUES (9223372036854775807::bigint)) v(t);
\set VERBOSITY sqlstate
SELECT burst_inflation(bucket, -1, 0) FROM series;
SELECT burst_inflation(bucket, tokens, merged, '1 month') FROM series;
SELECT burst_inflation(b, 1, 0, '1 second') FROM (VALUES ('2000-01-01'::timestamptz), ('2026-01-01')) v(b);
\set VERBOSITY default
SELECT 'still alive' AS status;
