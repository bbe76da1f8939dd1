-- burst_series (issue 13): the two-step burst. The stored type (text and accessors), the same
-- bits whatever the row order, plan, parallel split or rollup grouping, the one-step aggregates
-- as thin wrappers, equality and hashing (also for usage_summary), parallel plans, OVER (), a
-- hash aggregate that spills under a small work_mem, and the errors.
SET search_path = usage_value, public;
SET TimeZone = 'UTC';
SET extra_float_digits = 0;

-- A small series: text form, round trip, accessors.
CREATE TABLE bs_tiny (bucket timestamptz, tokens bigint, merged bigint, value float8);
INSERT INTO bs_tiny VALUES ('2026-03-02 10:00', 100, 1, 0.5), ('2026-03-02 10:00', 50, 0, 0),
                        ('2026-03-02 13:00', 7, 2, 0.3), ('2026-03-01 23:00', 0, 0, 0);
SELECT burst_series(bucket, tokens, merged) AS hourly FROM bs_tiny;
SELECT burst_series(bucket, tokens, merged, value, '1 hour') AS valued FROM bs_tiny;
SELECT burst_series(date_trunc('day', bucket), tokens, merged, '1 day') AS daily FROM bs_tiny;
-- Hourly buckets at '1 day' are refused (distinct buckets would be summed into one).
SELECT burst_series(bucket, tokens, merged, '1 day') FROM bs_tiny;
SELECT s::text::burst_series = s AS text_round_trip, bucket_width(s), tokens(s), merged_changes(s),
       merged_value(s), first_bucket(s), last_bucket(s), bucket_count(s)
FROM (SELECT burst_series(bucket, tokens, merged) AS s FROM bs_tiny) x;
SELECT s::text::burst_series = s AS text_round_trip, merged_value(s)
FROM (SELECT burst_series(bucket, tokens, merged, value, '1 hour') AS s FROM bs_tiny) x;
SELECT * FROM buckets((SELECT burst_series(bucket, tokens, merged, value, '1 hour') FROM bs_tiny));
-- Whitespace and commas between buckets are accepted on input; the output is canonical.
SELECT ' ( version : 1 , width : 3600 , buckets : [ 10 : 1 : 0 , 12:2:1 ] ) '::burst_series;
SELECT '(version:1,width:3600,valued:true,buckets:[10:1:1:0.25:0.0625])'::burst_series;

-- Several developers, 60 days of hourly rows (several rows per bucket), one spike without merges.
CREATE TABLE bs_rows AS
SELECT dev, '2026-01-05'::timestamptz + (h * interval '1 hour') + (k * interval '7 minutes') AS at,
       CASE WHEN dev = 1 AND h BETWEEN 900 AND 930 THEN 40000
            WHEN extract(isodow FROM '2026-01-05'::timestamptz + h * interval '1 hour') > 5 THEN (h * 31 + dev) % 3 * 50
            WHEN (h % 24) BETWEEN 8 AND 17 THEN 1000 + (h * 7919 + dev * 104729 + k * 13) % 3000
            ELSE (h * 13 + dev) % 5 * 20 END::bigint AS tokens,
       CASE WHEN (h * 17 + dev * 5 + k) % 41 = 0 AND NOT (dev = 1 AND h BETWEEN 880 AND 1000) THEN 1 ELSE 0 END::bigint AS merged,
       ((h * 17 + dev * 5 + k) % 41 = 0)::int * (0.01 + ((h + k) % 7) * 0.35) AS value
FROM generate_series(1, 6) dev, generate_series(0, 60 * 24 - 1) h, generate_series(0, 2) k;
ANALYZE bs_rows;

-- Independent check: the bs_stored buckets are date_trunc and sum() in plain SQL.
SELECT count(*) AS buckets_differing FROM (
    (SELECT dev, b.bucket, b.tokens, b.merged_changes
     FROM (SELECT dev, burst_series(at, tokens, merged) AS s FROM bs_rows GROUP BY dev) x, buckets(s) b
     EXCEPT
     SELECT dev, date_trunc('hour', at), sum(tokens), sum(merged) FROM bs_rows GROUP BY 1, 2)
    UNION ALL
    (SELECT dev, date_trunc('hour', at), sum(tokens), sum(merged) FROM bs_rows GROUP BY 1, 2
     EXCEPT
     SELECT dev, b.bucket, b.tokens, b.merged_changes
     FROM (SELECT dev, burst_series(at, tokens, merged) AS s FROM bs_rows GROUP BY dev) x, buckets(s) b)
) d;
SELECT count(*) AS daily_buckets_differing FROM (
    SELECT dev, b.bucket, b.tokens, b.merged_changes
    FROM (SELECT dev, burst_series(date_trunc('day', at), tokens, merged, '1 day') AS s FROM bs_rows GROUP BY dev) x, buckets(s) b
    EXCEPT
    SELECT dev, date_trunc('day', at), sum(tokens), sum(merged) FROM bs_rows GROUP BY 1, 2
) d;
-- Totals and the bucket count against plain SQL.
SELECT bool_and(tokens(s) = t AND merged_changes(s) = m AND bucket_count(s) = n AND merged_value(s) = m
                AND first_bucket(s) = f AND last_bucket(s) = l) AS totals_match
FROM (SELECT dev, burst_series(at, tokens, merged) AS s, sum(tokens) AS t, sum(merged) AS m,
             count(DISTINCT date_trunc('hour', at)) AS n, date_trunc('hour', min(at)) AS f, date_trunc('hour', max(at)) AS l
      FROM bs_rows GROUP BY dev) x;

-- The stored series, and the same from the one-step aggregates.
CREATE TABLE bs_stored AS
SELECT dev, burst_series(at, tokens, merged) AS s, burst_series(at, tokens, merged, value, '1 hour') AS v,
       burst_inflation(at, tokens, merged, '1 hour') AS one_step,
       burst_inflation(at, tokens, merged, value, '1 hour') AS one_step_valued,
       burst_inflation(at, tokens, merged, '1 hour', 0.05, '1 day', '28 days') AS one_step_params,
       burst_episodes(at, tokens, merged, '1 hour')::text AS one_step_episodes,
       burst_episodes(at, tokens, merged, value, '1 hour')::text AS one_step_valued_episodes
FROM bs_rows GROUP BY dev;
SELECT dev, round(burst_inflation(s)::numeric, 4) AS share, round(burst_inflation(v)::numeric, 4) AS valued_share,
       cardinality(burst_episodes(s)) AS episodes
FROM bs_stored ORDER BY dev;
-- Thin wrappers: the accessors give the one-step results bit for bit.
SELECT bool_and(burst_inflation(s) = one_step) AS inflation_equal,
       bool_and(burst_inflation(v) = one_step_valued) AS valued_inflation_equal,
       bool_and(burst_inflation(s, 0.05, '1 day', '28 days') = one_step_params) AS parameters_equal,
       bool_and(burst_inflation(s, significance => 0.05, horizon => '1 day', baseline => '28 days') = one_step_params) AS named_equal,
       bool_and(burst_episodes(s)::text = one_step_episodes) AS episodes_equal,
       bool_and(burst_episodes(v)::text = one_step_valued_episodes) AS valued_episodes_equal
FROM bs_stored;
-- Defaults are significance 0.01, horizon '3 days', baseline '56 days'.
SELECT bool_and(burst_inflation(s) = burst_inflation(s, 0.01, '3 days', '56 days')) AS defaults_explicit FROM bs_stored;

-- The same bits whatever the row order: shuffled inputs give byte-identical series.
SELECT bool_and(x.s = bs_stored.s AND x.v = bs_stored.v AND x.s::text = bs_stored.s::text) AS order_free
FROM (SELECT dev, burst_series(at, tokens, merged ORDER BY md5(at::text || tokens)) AS s,
             burst_series(at, tokens, merged, value, '1 hour' ORDER BY md5(tokens || at::text) DESC) AS v
      FROM bs_rows GROUP BY dev) x JOIN bs_stored USING (dev);

-- Rollup of per-day series equals one aggregate over the raw rows, bit for bit, and so do the
-- accessors; also per-day series rolled up in another grouping (weeks, then the whole).
CREATE TABLE bs_daily AS
SELECT dev, date_trunc('day', at) AS day, burst_series(at, tokens, merged) AS s,
       burst_series(at, tokens, merged, value, '1 hour') AS v
FROM bs_rows GROUP BY 1, 2;
SELECT bool_and(r.s = bs_stored.s) AS rollup_equal, bool_and(r.v = bs_stored.v) AS valued_rollup_equal,
       bool_and(burst_inflation(r.s) = bs_stored.one_step) AS rollup_inflation_equal,
       bool_and(burst_inflation(r.v) = bs_stored.one_step_valued) AS valued_rollup_inflation_equal,
       bool_and(burst_episodes(r.v)::text = bs_stored.one_step_valued_episodes) AS rollup_episodes_equal
FROM (SELECT dev, rollup(s) AS s, rollup(v) AS v FROM bs_daily GROUP BY dev) r JOIN bs_stored USING (dev);
SELECT bool_and(w.s = bs_stored.s AND w.v = bs_stored.v) AS weekly_then_whole_equal
FROM (SELECT dev, rollup(s) AS s, rollup(v) AS v
      FROM (SELECT dev, date_trunc('week', day) AS week, rollup(s) AS s, rollup(v) AS v FROM bs_daily GROUP BY 1, 2) w
      GROUP BY dev) w JOIN bs_stored USING (dev);
-- Overlapping ranges: buckets summed.
SELECT (SELECT rollup(s) FROM (SELECT burst_series(bucket, tokens, merged) FROM bs_tiny
                               UNION ALL SELECT burst_series(bucket, tokens, merged) FROM bs_tiny) x(s))
       = (SELECT burst_series(b, t, m) FROM (SELECT bucket, tokens, merged FROM bs_tiny
                                            UNION ALL SELECT bucket, tokens, merged FROM bs_tiny) y(b, t, m)) AS overlap_summed;
-- A counted series rolled up with a valued one: value = count for the counted buckets.
SELECT rollup(s) AS mixed FROM (VALUES ('(version:1,width:3600,buckets:[10:1:2])'::burst_series),
                                       ('(version:1,width:3600,valued:true,buckets:[10:1:1:0.5:0.25 11:3:0:0:0])')) x(s);
-- NULLs: a NULL bucket skips the row, NULL counts contribute nothing, no rows (or only NULL
-- series) gives NULL.
SELECT burst_series(b, t, m) = (SELECT burst_series(bucket, tokens, merged) FROM bs_tiny) AS nulls_ignored
FROM (SELECT bucket, tokens, merged FROM bs_tiny UNION ALL SELECT NULL, 5, 5 UNION ALL SELECT '2026-03-02 10:30', NULL, NULL) x(b, t, m);
SELECT burst_series(bucket, tokens, merged) IS NULL AS empty_is_null FROM bs_tiny WHERE false;
SELECT rollup(s) IS NULL AS rollup_of_nulls_is_null FROM (VALUES (NULL::burst_series)) x(s);
SELECT burst_inflation(NULL::burst_series) IS NULL AS strict_accessor;

-- Equality and hashing: DISTINCT, GROUP BY, UNION, a hash join, = and <>, for burst_series and
-- usage_summary.
SELECT count(*) AS distinct_series FROM (SELECT DISTINCT s FROM (SELECT s FROM bs_stored UNION ALL SELECT s FROM bs_stored) x) d;
SELECT count(*) AS groups FROM (SELECT s FROM bs_stored UNION ALL SELECT s FROM bs_stored) x GROUP BY s ORDER BY 1 LIMIT 1;
SELECT count(*) AS union_rows FROM (SELECT s FROM bs_stored UNION SELECT rollup(s) FROM bs_daily GROUP BY dev) x;
SELECT count(*) AS summary_union_rows FROM (SELECT usage_agg(tokens, merged) FROM bs_rows GROUP BY dev
                                            UNION SELECT usage_agg(tokens, merged) FROM bs_rows GROUP BY dev) x;
SELECT count(*) AS distinct_summaries FROM (SELECT DISTINCT u FROM (SELECT usage_agg(tokens, merged, value) AS u FROM bs_rows GROUP BY dev, dev % 2
                                                                   UNION ALL SELECT usage_agg(tokens, merged, value) FROM bs_rows GROUP BY dev) x) d;
SET enable_mergejoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT a.dev FROM bs_stored a JOIN bs_daily d ON a.s = d.s;
SELECT count(*) AS hash_join_rows FROM bs_stored a JOIN (SELECT dev, rollup(s) AS s FROM bs_daily GROUP BY dev) r ON a.s = r.s;
EXPLAIN (COSTS OFF)
SELECT count(*) FROM (SELECT dev, usage_agg(tokens, merged) AS u FROM bs_rows GROUP BY dev) a
                JOIN (SELECT dev, usage_agg(tokens, merged) AS u FROM bs_rows GROUP BY dev) b ON a.u = b.u;
SELECT count(*) AS summary_hash_join_rows
FROM (SELECT dev, usage_agg(tokens, merged) AS u FROM bs_rows GROUP BY dev) a
JOIN (SELECT dev, usage_agg(tokens, merged) AS u FROM bs_rows GROUP BY dev) b ON a.u = b.u;
RESET enable_mergejoin;
RESET enable_nestloop;
SELECT a.s = b.s AS same, a.s <> b.s AS differ FROM bs_stored a, bs_stored b WHERE a.dev = 1 AND b.dev IN (1, 2) ORDER BY b.dev;
SELECT '(version:1,rows:1,tokens:5,merged_changes:1)'::usage_summary = '(version:1,rows:1,tokens:5,merged_changes:1)'::usage_summary AS summary_eq,
       '(version:1,rows:1,tokens:5,merged_changes:1)'::usage_summary <> '(version:1,rows:1,tokens:6,merged_changes:1)'::usage_summary AS summary_ne;

-- OVER (): every row sees the whole partition's series.
SELECT DISTINCT dev, burst_series(at, tokens, merged) OVER (PARTITION BY dev) = s AS window_equal
FROM bs_rows JOIN bs_stored USING (dev) WHERE dev <= 2 ORDER BY dev;
SELECT DISTINCT rollup(s) OVER () = (SELECT rollup(s) FROM bs_daily WHERE dev = 3) AS rollup_window_equal FROM bs_daily WHERE dev = 3;

-- Forced parallel plans give the serial results.
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT dev, burst_series(at, tokens, merged) FROM bs_rows GROUP BY dev;
EXPLAIN (COSTS OFF) SELECT burst_series(at, tokens, merged, value, '1 hour') FROM bs_rows;
EXPLAIN (COSTS OFF) SELECT rollup(s) FROM bs_daily;
SELECT bool_and(p.s = bs_stored.s AND p.v = bs_stored.v AND p.d = bs_stored.s AND p.one_step = bs_stored.one_step) AS parallel_equal
FROM (SELECT dev, burst_series(at, tokens, merged) AS s, burst_series(at, tokens, merged, value, '1 hour') AS v,
             burst_series(at, tokens, merged, '1 hour') AS d, burst_inflation(at, tokens, merged, '1 hour') AS one_step
      FROM bs_rows GROUP BY dev) p JOIN bs_stored USING (dev);
SELECT burst_series(at, tokens, merged) = (SELECT burst_series(at, tokens, merged) FROM bs_rows WHERE dev = 4)
       AS parallel_single_group_equal FROM bs_rows WHERE dev = 4;
SELECT rollup(s) = (SELECT s FROM bs_stored WHERE dev = 5) AS parallel_rollup_equal FROM bs_daily WHERE dev = 5;
SET force_parallel_mode = on;
SELECT bool_and(r.v = bs_stored.v) AS debug_parallel_equal
FROM (SELECT dev, rollup(v) AS v FROM bs_daily GROUP BY dev) r JOIN bs_stored USING (dev);
RESET force_parallel_mode;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET parallel_leader_participation;

-- A hash aggregate over many developers under a small work_mem spills to disk (the states live
-- in the aggregate memory context, so work_mem sees them) and gives the same result.
CREATE TABLE bs_many AS
SELECT dev, '2026-01-05'::timestamptz + h * interval '1 hour' AS at, (dev * 31 + h * 7) % 500 AS tokens, (h % 29 = 0)::int::bigint AS merged
FROM generate_series(1, 3000) dev, generate_series(0, 47) h;
ANALYZE bs_many;
CREATE TABLE bs_many_expected AS SELECT dev, burst_series(at, tokens, merged) AS s FROM bs_many GROUP BY dev;
CREATE FUNCTION spilled(query text) RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE line text; batches int := 0; disk boolean := false;
BEGIN
    FOR line IN EXECUTE 'EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) ' || query LOOP
        IF line ~ 'Batches: \d+' THEN batches := greatest(batches, substring(line FROM 'Batches: (\d+)')::int); END IF;
        IF line ~ 'Disk Usage' THEN disk := true; END IF;
    END LOOP;
    RETURN batches > 1 AND disk;
END $$;
SET work_mem = '64kB';
SET enable_sort = off;
SET max_parallel_workers_per_gather = 0;
EXPLAIN (COSTS OFF) SELECT dev, burst_series(at, tokens, merged) FROM bs_many GROUP BY dev;
SELECT spilled('SELECT dev, burst_series(at, tokens, merged) FROM bs_many GROUP BY dev') AS series_spilled,
       spilled('SELECT dev, burst_inflation(at, tokens, merged, ''1 hour'') FROM bs_many GROUP BY dev') AS one_step_spilled;
SELECT count(*) AS spilled_mismatches, (SELECT count(*) FROM bs_many_expected) AS developers
FROM (SELECT dev, burst_series(at, tokens, merged) AS s FROM bs_many GROUP BY dev) x
FULL JOIN bs_many_expected e USING (dev) WHERE x.s IS DISTINCT FROM e.s;
RESET work_mem;
RESET enable_sort;
RESET max_parallel_workers_per_gather;

-- Errors name the argument. Rows:
SELECT burst_series(now(), -1, 0);
SELECT burst_series(now(), 1, -1);
SELECT burst_series(now(), 1, 1, 2e6, '1 hour');
SELECT burst_series(now(), 1, 1, 'NaN', '1 hour');
SELECT burst_series(b, t, 0) FROM (VALUES (now(), 9223372036854775807::bigint), (now() - interval '1 hour', 1)) x(b, t);
SELECT burst_series(now(), 1, 1, NULL::interval);
SELECT burst_series(now(), 1, 1, '1 month');
SELECT burst_series(now(), 1, 1, '0 seconds');
SELECT burst_series(now(), 1, 1, '1.5 seconds');
SELECT burst_series('infinity', 1, 1);
-- Widths that do not match the buckets: coarse (at the row), much finer (at the final function).
SELECT burst_series(at, tokens, merged, '2 hours') FROM bs_rows WHERE dev = 1;
SELECT burst_series(date_trunc('day', at), tokens, merged, '1 minute') FROM bs_rows WHERE dev = 1;
-- Rollup of different widths; accessor parameters.
SELECT rollup(s) FROM (VALUES ('(version:1,width:3600,buckets:[1:1:0])'::burst_series),
                              ('(version:1,width:86400,buckets:[1:1:0])')) x(s);
SELECT burst_inflation(s, 0) FROM bs_stored WHERE dev = 1;
SELECT burst_inflation(s, horizon => '-1 day') FROM bs_stored WHERE dev = 1;
SELECT burst_inflation(s, baseline => '1 month') FROM bs_stored WHERE dev = 1;
SELECT burst_episodes(s, 0.6) FROM bs_stored WHERE dev = 1;
-- A stored series that is much finer than its buckets (hourly width, buckets a week apart) is
-- refused by the accessors as by the aggregate (the step rule, from the stored indices).
SELECT burst_inflation(rollup(s)) FROM (SELECT ('(version:1,width:3600,buckets:[' || (g * 168) || ':5:0])')::burst_series
                                        FROM generate_series(1, 30) g) x(s);
-- Malformed text.
SELECT ''::burst_series;
SELECT '(version:2,width:3600,buckets:[1:1:1])'::burst_series;
SELECT '(version:1,width:0,buckets:[1:1:1])'::burst_series;
SELECT '(version:1,width:3600,buckets:[])'::burst_series;
SELECT '(version:1,width:3600,buckets:[2:1:1 1:1:1])'::burst_series;
SELECT '(version:1,width:3600,buckets:[1:1:1 1:1:1])'::burst_series;
SELECT '(version:1,width:3600,buckets:[1:-1:1])'::burst_series;
SELECT '(version:1,width:3600,buckets:[1:9223372036854775807:1 2:1:1])'::burst_series;
SELECT '(version:1,width:3600,buckets:[99999999999999:1:1])'::burst_series;
SELECT '(version:1,width:3600,buckets:[1:1:1:0.5:0.25])'::burst_series;
SELECT '(version:1,width:3600,valued:true,buckets:[1:1:1:0.5:0.5])'::burst_series;
SELECT '(version:1,width:3600,valued:true,buckets:[1:1:1:0.5:0])'::burst_series;
SELECT '(version:1,width:3600,valued:true,buckets:[1:1:1:0.1234567:0])'::burst_series;
SELECT '(version:1,width:3600,buckets:[1:1:1]) x'::burst_series;
