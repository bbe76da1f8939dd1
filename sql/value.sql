-- usage_summary with weighted value: usage_agg(tokens, merged_changes, value), the accessors,
-- the version 2 encodings beside version 1, NULLs, errors, window and parallel use.
SET search_path = usage_value, public;

-- An error as one line with its SQLSTATE.
CREATE FUNCTION pg_temp.error_of(query text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE query;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- Text: version 2 for weighted summaries, round-trip exact; version 1 still read and written for
-- unweighted ones.
SELECT '(version:2,rows:3,tokens:123,merged_changes:4,value:3.5,value_squares:4.25)'::usage_summary;
SELECT ' ( version : 2 , rows:1,tokens:1,merged_changes:1 , value : 1E-1 , value_squares : 0.01 ) '::usage_summary;
SELECT s::text::usage_summary = s AS round_trip, s::text
FROM (SELECT usage_agg(t, 1, v) AS s
      FROM (VALUES (1::bigint, 0.1::float8), (2, 1.0 / 3), (3, pi())) x(t, v)) y;
SELECT '(version:1,rows:1,tokens:123,merged_changes:4)'::usage_summary AS v1,
       value('(version:1,rows:1,tokens:123,merged_changes:4)') AS v1_value,
       effective_changes('(version:1,rows:1,tokens:123,merged_changes:4)') AS v1_effective;
-- Binary: version byte 2, then rows, tokens, merged_changes, value, value_squares (big-endian).
SELECT usage_summary_send('(version:2,rows:1,tokens:258,merged_changes:3,value:1.5,value_squares:0.75)');
SELECT usage_summary_send('(version:1,rows:1,tokens:258,merged_changes:3)');
-- Stored: 48 bytes with weights, 32 without.
SELECT pg_column_size('(version:2,rows:1,tokens:258,merged_changes:3,value:1.5,value_squares:0.75)'::usage_summary) AS v2_bytes,
       pg_column_size('(version:1,rows:1,tokens:258,merged_changes:3)'::usage_summary) AS v1_bytes;

-- Malformed version 2 text.
SELECT pg_temp.error_of(format('SELECT %L::usage_value.usage_summary', t)) AS error, t AS text
FROM (VALUES
    ('(version:2,rows:3,tokens:123,merged_changes:4)'),
    ('(version:2,rows:3,tokens:123,merged_changes:4,value:3.5)'),
    ('(version:2,rows:3,tokens:123,merged_changes:4,value_squares:4.25,value:3.5)'),
    ('(version:1,rows:3,tokens:123,merged_changes:4,value:3.5,value_squares:4.25)'),
    ('(version:2,rows:3,tokens:123,merged_changes:4,value:-3.5,value_squares:4.25)'),
    ('(version:2,rows:3,tokens:123,merged_changes:4,value:NaN,value_squares:4.25)'),
    ('(version:2,rows:3,tokens:123,merged_changes:4,value:Infinity,value_squares:4.25)'),
    ('(version:2,rows:3,tokens:123,merged_changes:4,value:1e400,value_squares:4.25)'),
    ('(version:2,rows:3,tokens:123,merged_changes:4,value:0,value_squares:4.25)'),
    ('(version:2,rows:0,tokens:0,merged_changes:0,value:1,value_squares:1)'),
    ('(version:2,rows:3,tokens:123,merged_changes:4,value:4,value_squares:4)'),
    ('(version:2,rows:3,tokens:123,merged_changes:4,value:3.5,value_squares:4.25) x')) v(t);

-- Telemetry rows with a value per row. Weights are multiples of 1/4 here, so every sum is exact.
CREATE TABLE valued (developer text, day date, tokens bigint, merged bigint, value float8);
INSERT INTO valued VALUES
    ('ada', '2026-11-02', 120000, 1, 1.5), ('ada', '2026-11-02', 30000, 1, 0.25),
    ('ada', '2026-11-03', 80000, 2, 1.0),  ('ada', '2026-11-04', NULL, 1, NULL),
    ('bob', '2026-11-02', 900000, 1, 0),   ('bob', '2026-11-03', 1100000, 1, 0),
    ('cy',  '2026-11-02', 50000, 1, 1),    ('cy',  '2026-11-03', 60000, 2, 2),
    ('dee', '2026-11-02', NULL, NULL, NULL),
    ('eve', '2026-11-02', 20000, 0, 0.5),  ('eve', '2026-11-03', 10000, 0, NULL);

-- NULLs contribute nothing, like sum(): ada's last row adds a merge and no value; dee has only
-- NULLs (NULL); cy's unit weights keep version 1; bob's bots are worth 0; eve's review credit
-- has value without merges.
SELECT developer, usage_agg(tokens, merged, value) AS summary,
       value(usage_agg(tokens, merged, value)), sum(value) AS sum_value,
       merged_changes(usage_agg(tokens, merged, value)), sum(merged) AS sum_merged,
       row_count(usage_agg(tokens, merged, value)),
       count(*) FILTER (WHERE tokens IS NOT NULL OR merged IS NOT NULL OR value IS NOT NULL) AS counted
FROM valued GROUP BY developer ORDER BY developer;

-- value_squares adds value^2 / max(merged, 1) per row; the effective count is value^2 / that.
SELECT developer, round(effective_changes(usage_agg(tokens, merged, value))::numeric, 12) AS effective,
       round((sum(value) ^ 2 / nullif(sum(value ^ 2 / greatest(merged, 1)), 0))::numeric, 12) AS plain_sql
FROM valued GROUP BY developer ORDER BY developer;

-- Accessors: point estimate and interval; no value gives NULL and an infinite upper bound.
SELECT developer,
       round(tokens_per_value(s)::numeric, 3) AS per_value,
       round(tokens_per_value_lower(s)::numeric, 3) AS lower95,
       round(tokens_per_value_upper(s)::numeric, 3) AS upper95,
       round(tokens_per_value_lower(s, 0.5)::numeric, 3) AS lower50,
       round(tokens_per_value_upper(s, 0.5)::numeric, 3) AS upper50
FROM (SELECT developer, usage_agg(tokens, merged, value) AS s FROM valued GROUP BY developer) g
ORDER BY developer;
SELECT tokens_per_value_lower(NULL::usage_summary) IS NULL AS null_summary,
       tokens_per_value_upper('(version:2,rows:1,tokens:5,merged_changes:1,value:1,value_squares:2)', NULL) IS NULL AS null_confidence;

-- Unit weights: every figure equals the merged-change one (the Garwood interval on merges).
SELECT s = usage_agg2 AS same_summary,
       tokens_per_value(s) = tokens_per_merged_change(s) AS estimate,
       tokens_per_value_lower(s) = tokens_per_merged_change_lower(s) AS lower,
       tokens_per_value_upper(s, 0.8) = tokens_per_merged_change_upper(s, 0.8) AS upper
FROM (SELECT usage_agg(g::bigint * 1000, g % 3, (g % 3)::float8) AS s, usage_agg(g::bigint * 1000, g % 3) AS usage_agg2
      FROM generate_series(1, 50) g) x;
-- Equal weights w: value = w * k, n_eff = k, and the interval on value is w times Garwood's.
SELECT abs(tokens_per_value_lower(s) * 0.5 / tokens_per_merged_change_lower(s) - 1) < 1e-12 AS lower,
       abs(tokens_per_value_upper(s) * 0.5 / tokens_per_merged_change_upper(s) - 1) < 1e-12 AS upper,
       effective_changes(s) = merged_changes(s) AS effective
FROM (SELECT usage_agg(1000, 1, 0.5) AS s FROM generate_series(1, 37)) x;

-- Errors, named, with their SQLSTATE: negative 22003, NaN and infinities 22023.
SELECT pg_temp.error_of(format('SELECT usage_value.usage_agg(10, 1, %s::float8)', v)) AS error
FROM (VALUES ('-0.5'), ('''NaN'''), ('''Infinity'''), ('''-Infinity'''), ('1e-200'), ('1e200')) x(v);
SELECT pg_temp.error_of('SELECT usage_value.usage_agg(-1, 1, 1.0)') AS negative_tokens,
       pg_temp.error_of('SELECT usage_value.usage_agg(1, -1, 1.0)') AS negative_merges;
SELECT pg_temp.error_of($$SELECT usage_value.tokens_per_value_lower('(version:2,rows:1,tokens:5,merged_changes:1,value:1,value_squares:2)', 1)$$) AS bad_confidence;
SELECT pg_temp.error_of($$SELECT usage_value.rollup(s) FROM (VALUES ('(version:2,rows:1,tokens:1,merged_changes:1,value:1e308,value_squares:1)'::usage_value.usage_summary), ('(version:2,rows:1,tokens:1,merged_changes:1,value:1e308,value_squares:1)')) v(s)$$) AS overflow;
-- Negative zero is zero.
SELECT usage_agg(1, 0, '-0'::float8) AS negative_zero;

-- Rollup combines the weights: daily summaries rolled up equal one pass over the rows.
CREATE TABLE valued_daily AS
    SELECT developer, day, usage_agg(tokens, merged, value) AS summary FROM valued GROUP BY developer, day;
SELECT r.developer, r.total = a.total AS same, r.total
FROM (SELECT developer, rollup(summary) AS total FROM valued_daily GROUP BY developer) r
JOIN (SELECT developer, usage_agg(tokens, merged, value) AS total FROM valued GROUP BY developer) a USING (developer)
ORDER BY developer;
-- Mixed with unweighted summaries.
SELECT rollup(s) FROM (VALUES ('(version:1,rows:1,tokens:10,merged_changes:2)'::usage_summary),
                              ('(version:2,rows:1,tokens:5,merged_changes:1,value:0.5,value_squares:0.25)')) v(s);
-- Equality and hashing follow the value, whatever the layout: GROUP BY and DISTINCT.
SELECT s, count(*) AS n FROM (
    SELECT usage_agg(t, m, v) AS s FROM (VALUES (1, 1::bigint, 0.5::float8), (1, 0, 0.5)) x(t, m, v)
    UNION ALL SELECT '(version:2,rows:2,tokens:2,merged_changes:1,value:1,value_squares:0.5)'
    UNION ALL SELECT '(version:1,rows:2,tokens:2,merged_changes:1)'
    UNION ALL SELECT usage_agg(t, m, v) FROM (VALUES (1, 0::bigint, 1.0::float8), (1, 1, 0.0)) x(t, m, v)
    UNION ALL SELECT usage_agg(t, m) FROM (VALUES (1, 0::bigint), (1, 1)) x(t, m)) y
GROUP BY s ORDER BY n;

-- The state grows to version 2 and shrinks back in place: a group that alternates between
-- weighted and unweighted totals equals the sums computed in SQL.
SELECT s, merged_changes(s) = 500 AND value(s) = 500 AND row_count(s) = 1000 AS sums_match
FROM (SELECT usage_agg(1, (g % 2 = 0)::int::bigint, (g % 2)::float8 ORDER BY g) AS s
      FROM generate_series(1, 1000) g) x;
SELECT s, value(s) = 501.5 AS sums_match
FROM (SELECT usage_agg(1, (g % 2 = 0)::int::bigint, CASE WHEN g = 1000 THEN 1.5 ELSE (g % 2)::float8 END ORDER BY g) AS s
      FROM generate_series(1, 1000) g) x;
SELECT usage_agg(1, m, v ORDER BY g) AS back_to_unweighted
FROM (VALUES (1, 0::bigint, 1.0::float8), (2, 1, 0.0), (3, 0, 1.0), (4, 1, 0.0)) x(g, m, v);

-- Window use: OVER (), running totals, and a sliding frame (no inverse: recomputed per row).
SELECT developer, day, tokens, merged, value,
       value(usage_agg(tokens, merged, value) OVER ()) AS all_value,
       usage_agg(tokens, merged, value) OVER (PARTITION BY developer ORDER BY day, tokens
                                              ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS sliding,
       value(usage_agg(tokens, merged, value) OVER (PARTITION BY developer ORDER BY day, tokens)) AS running
FROM valued ORDER BY developer, day, tokens;
SELECT count(*) AS sliding_mismatches FROM (
    SELECT usage_agg(t, m, v) OVER w AS fast,
           (SELECT usage_agg(t2, m2, v2) FROM generate_series(greatest(1, g - 4), g) h,
                   LATERAL (SELECT (h * 7919 % 1000)::bigint, (h % 3)::bigint, (h % 5) * 0.25::float8) x(t2, m2, v2)) AS slow
    FROM generate_series(1, 200) g,
         LATERAL (SELECT (g * 7919 % 1000)::bigint, (g % 3)::bigint, (g % 5) * 0.25::float8) y(t, m, v)
    WINDOW w AS (ORDER BY g ROWS BETWEEN 4 PRECEDING AND CURRENT ROW)
) z WHERE fast <> slow;

-- Binary COPY round trip through send and recv, both versions.
CREATE TABLE copied (s usage_summary);
INSERT INTO copied SELECT summary FROM valued_daily;
\copy copied TO '/tmp/usage_value_regress_value.bin' (FORMAT binary)
CREATE TABLE copied_back (s usage_summary);
\copy copied_back FROM '/tmp/usage_value_regress_value.bin' (FORMAT binary)
SELECT (SELECT array_agg(s::text ORDER BY s::text) FROM copied) = (SELECT array_agg(s::text ORDER BY s::text) FROM copied_back) AS copy_round_trip,
       (SELECT count(*) FROM copied_back WHERE s::text LIKE '(version:2%') AS weighted_rows;

-- Support functions called directly return new values and leave their arguments alone.
SELECT s AS before, usage_agg_transfn(s, 10, 1, 0.5) AS added, usage_summary_combine(s, s) AS doubled, s AS after
FROM (VALUES ('(version:2,rows:1,tokens:5,merged_changes:1,value:0.25,value_squares:0.0625)'::usage_summary)) v(s);
SELECT pg_temp.error_of($$SELECT usage_value.usage_agg_inverse('(version:2,rows:1,tokens:5,merged_changes:1,value:0.25,value_squares:0.0625)', 5, 1)$$) AS inverse_of_weighted;

-- Forced parallel plan: Partial Aggregate, and the parallel result equals the serial one.
CREATE TABLE parallel_valued AS
    SELECT (g % 97)::int AS developer, (g * 7919 % 100000)::bigint AS tokens, (g % 5 = 0)::int::bigint AS merged,
           (g % 7) * 0.25::float8 AS value, ln(g)::float8 AS rough_value
    FROM generate_series(1, 200000) g;
ANALYZE parallel_valued;
CREATE TABLE valued_serial AS
    SELECT developer, usage_agg(tokens, merged, value) AS s, usage_agg(tokens, merged, rough_value) AS rough
    FROM parallel_valued GROUP BY developer;
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF)
    SELECT developer, usage_agg(tokens, merged, value) FROM parallel_valued GROUP BY developer;
-- Exact for weights whose sums are exact; within rounding for arbitrary ones (float8 sums in a
-- different order).
SELECT count(*) FILTER (WHERE p.s = s.s) AS exact_groups,
       count(*) FILTER (WHERE abs(value(p.rough) / value(s.rough) - 1) < 1e-12
                          AND abs(effective_changes(p.rough) / effective_changes(s.rough) - 1) < 1e-12
                          AND tokens(p.rough) = tokens(s.rough)) AS rough_groups_within_rounding,
       count(*) AS groups
FROM (SELECT developer, usage_agg(tokens, merged, value) AS s, usage_agg(tokens, merged, rough_value) AS rough
      FROM parallel_valued GROUP BY developer) p JOIN valued_serial s USING (developer);
SELECT usage_agg(tokens, merged, value) = (SELECT rollup(s) FROM valued_serial) AS whole_table_matches
FROM parallel_valued;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET parallel_leader_participation;
