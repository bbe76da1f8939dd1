-- Misuse refused (issue 11): a bucket_width that does not match the buckets, burst_score without
-- an order. Each refusal stands next to the correct use that must keep working.
SET search_path = usage_value, public;
SET TimeZone = 'UTC';
SET extra_float_digits = 0;
\set VERBOSITY default

-- Hourly buckets: weekday working hours, two merges a week, one 10x day with no merges.
CREATE TABLE hourly AS
SELECT h AS bucket,
       CASE WHEN extract(isodow FROM h) > 5 OR extract(hour FROM h) NOT BETWEEN 9 AND 17 THEN 0
            WHEN h::date = '2026-03-18' THEN 10 * 20000
            ELSE 20000 + (extract(epoch FROM h)::bigint / 3600 * 7919 % 5000) END::bigint AS tokens,
       CASE WHEN extract(hour FROM h) = 16 AND extract(isodow FROM h) IN (2, 4)
                 AND h::date NOT BETWEEN '2026-03-16' AND '2026-03-22' THEN 1 ELSE 0 END::bigint AS merged
FROM generate_series('2026-01-05'::timestamptz, '2026-04-26 23:00', '1 hour') h;

-- Right: '1 hour' on hourly buckets finds the 10x day.
SELECT round(burst_inflation(bucket, tokens, merged, '1 hour')::numeric, 3) AS share FROM hourly;
SELECT e.start_at, e.end_at, e.tokens, e.is_inflation
FROM (SELECT burst_episodes(bucket, tokens, merged, '1 hour') AS episodes FROM hourly) s, unnest(episodes) e;
-- The daily truncation of the same rows, at '1 day', finds it too.
SELECT e.start_at, e.end_at, e.tokens, e.is_inflation
FROM (SELECT burst_episodes(day, t, m, '1 day') AS episodes
      FROM (SELECT date_trunc('day', bucket) AS day, sum(tokens)::bigint AS t, sum(merged)::bigint AS m
            FROM hourly GROUP BY 1) d) s, unnest(episodes) e;

-- Wrong: a width coarser than the buckets would sum different hours into one bucket.
SELECT burst_inflation(bucket, tokens, merged, '7 days') FROM hourly;
SELECT burst_episodes(bucket, tokens, merged, '1 day') FROM hourly;
-- Raw event times instead of buckets.
SELECT burst_inflation(bucket + interval '17 minutes' * (tokens % 3), tokens, merged, '1 hour') FROM hourly;
-- Hourly buckets at '2 hours': one hour apart is half the width.
SELECT burst_inflation(bucket, tokens, merged, '2 hours') FROM hourly;
-- Wrong: a width much finer than the buckets (the analysis would see 59 empty minutes an hour).
SELECT burst_inflation(bucket, tokens, merged, '1 minute') FROM hourly;
SELECT burst_episodes(bucket, tokens, merged, '1 second') FROM hourly;
-- With few buckets, a fine width cannot be told from sparse use: accepted.
SELECT burst_inflation(bucket, tokens, merged, '1 minute') IS NOT NULL AS few_buckets_accepted
FROM hourly WHERE bucket < '2026-01-05 12:00';

-- Right: daily buckets truncated in a local time zone, across its DST change, at '1 day'
-- (local midnight moves by an hour against UTC; each day still has its own bucket).
SET TimeZone = 'Europe/Berlin';
CREATE TABLE local_days AS
SELECT date_trunc('day', t) AS bucket,
       CASE WHEN extract(isodow FROM t) > 5 THEN 0
            WHEN t::date = '2026-04-15' THEN 10 * 200000
            ELSE 200000 + (extract(day FROM t)::int * 7919 % 50000) END::bigint AS tokens,
       CASE WHEN extract(isodow FROM t) IN (2, 4) AND t::date NOT BETWEEN '2026-04-13' AND '2026-04-19' THEN 1 ELSE 0 END::bigint AS merged
FROM generate_series('2026-01-05 00:00'::timestamptz, '2026-05-24', '1 day') t;
SELECT count(DISTINCT bucket - date_trunc('day', bucket AT TIME ZONE 'UTC') AT TIME ZONE 'UTC') AS utc_offsets_seen,
       round(burst_inflation(bucket, tokens, merged, '1 day')::numeric, 3) AS share,
       cardinality(burst_episodes(bucket, tokens, merged, '1 day')) AS episodes
FROM local_days;
SET TimeZone = 'America/New_York';
SELECT round(burst_inflation(date_trunc('day', bucket), tokens, merged, '1 day')::numeric, 3) AS share
FROM local_days;
-- Local weeks too.
SELECT burst_inflation(date_trunc('week', bucket), tokens, merged, '7 days') IS NOT NULL AS local_weeks_accepted
FROM local_days;
-- But hourly buckets in a local zone at '1 day' are still refused.
SELECT burst_inflation(bucket, tokens, merged, '1 day') FROM hourly;
SET TimeZone = 'UTC';

-- Right: a cron agent that runs once a day, at '1 hour' (every bucket 24 hours apart).
SELECT round(burst_inflation(d + interval '3 hours', 50000, 0, '1 hour')::numeric, 3) AS cron_share
FROM generate_series('2026-01-01'::timestamptz, '2026-04-30', '1 day') d;
-- The honest case still refused: a job that runs once a week, at '1 hour'.
SELECT burst_inflation(d + interval '3 hours', 50000, 0, '1 hour')
FROM generate_series('2026-01-01'::timestamptz, '2026-12-31', '7 days') d;

-- Pooling everyone without GROUP BY developer cannot be detected: the sum of the developers'
-- series is itself a valid series (documented in the aggregates' comments and the README).

-- burst_score. Right: an ordered window whose frame ends at the current row.
SELECT bucket::date AS day, tokens, round(burst_score(tokens) OVER (ORDER BY bucket ROWS BETWEEN 13 PRECEDING AND CURRENT ROW)::numeric, 2) AS score
FROM (SELECT bucket::date AS bucket, sum(tokens)::bigint AS tokens FROM hourly GROUP BY 1) d
ORDER BY bucket OFFSET 70 LIMIT 4;
-- Right: the ordered plain aggregate scores the last row in its order.
SELECT round(burst_score(tokens ORDER BY day)::numeric, 2) AS last_day_score
FROM (SELECT bucket::date AS day, sum(tokens)::bigint AS tokens FROM hourly GROUP BY 1) d
WHERE day BETWEEN '2026-03-04' AND '2026-03-18';
-- Wrong: no ORDER BY (every row gets the score of the partition's last row).
SELECT burst_score(tokens) OVER () FROM hourly;
SELECT burst_score(tokens) OVER (PARTITION BY extract(isodow FROM bucket)) FROM hourly;
-- Wrong: a frame that looks ahead, or ends before the current row, or leaves it out.
SELECT burst_score(tokens) OVER (ORDER BY bucket ROWS BETWEEN 3 PRECEDING AND 1 FOLLOWING) FROM hourly;
SELECT burst_score(tokens) OVER (ORDER BY bucket ROWS BETWEEN 3 PRECEDING AND UNBOUNDED FOLLOWING) FROM hourly;
SELECT burst_score(tokens) OVER (ORDER BY bucket ROWS BETWEEN 3 PRECEDING AND 1 PRECEDING) FROM hourly;
SELECT burst_score(tokens) OVER (ORDER BY bucket ROWS BETWEEN 3 PRECEDING AND CURRENT ROW EXCLUDE CURRENT ROW) FROM hourly;
-- Wrong: a plain aggregate without an order (its last row is arbitrary).
SELECT burst_score(tokens) FROM hourly;

-- Under a forced parallel plan (states serialised and combined), a misaligned width is still
-- refused and a matching one gives the serial answer.
CREATE TABLE parallel_hours AS
SELECT dev, h AS bucket, (dev * 1000 + extract(epoch FROM h)::bigint / 3600 * 7919 % 5000)::bigint AS tokens,
       (extract(hour FROM h) = 16)::int::bigint AS merged
FROM generate_series(1, 8) dev, generate_series('2026-01-05'::timestamptz, '2026-03-01 23:00', '1 hour') h;
ANALYZE parallel_hours;
CREATE TABLE parallel_serial AS
SELECT dev, burst_inflation(bucket, tokens, merged, '1 hour') AS share FROM parallel_hours GROUP BY dev;
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF) SELECT dev, burst_inflation(bucket, tokens, merged, '7 days') FROM parallel_hours GROUP BY dev;
SELECT count(*) AS mismatches FROM (
    SELECT dev, burst_inflation(bucket, tokens, merged, '1 hour') AS share FROM parallel_hours GROUP BY dev
) p JOIN parallel_serial s USING (dev) WHERE p.share IS DISTINCT FROM s.share;
-- Which two buckets a worker names depends on how the rows were split: the code only.
\set VERBOSITY sqlstate
SELECT dev, burst_inflation(bucket, tokens, merged, '7 days') FROM parallel_hours GROUP BY dev;
SELECT dev, burst_inflation(bucket, tokens, merged, '1 day') FROM parallel_hours GROUP BY dev;
\set VERBOSITY terse
SELECT dev, burst_inflation(bucket, tokens, merged, '1 minute') FROM parallel_hours GROUP BY dev;
RESET parallel_leader_participation;
RESET min_parallel_table_scan_size;
RESET parallel_tuple_cost;
RESET parallel_setup_cost;
RESET max_parallel_workers_per_gather;
\set VERBOSITY default
SELECT 'still alive' AS status;
