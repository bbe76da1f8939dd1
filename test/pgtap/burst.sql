-- burst_inflation / burst_episodes / burst_score behaviour: parallel equals serial, order and
-- partitioning do not matter, window use, SQLSTATEs.
BEGIN;
SET LOCAL search_path = usage_value, public;
SET LOCAL TimeZone = 'UTC';
SELECT plan(13);

-- 120 developers x 90 days of hourly-ish daily series with a weekly rhythm and random bursts.
CREATE TABLE tap_series AS
SELECT 'dev' || dev AS developer, day::timestamptz AS bucket,
       (CASE WHEN extract(isodow FROM day) > 5 THEN 0.1 ELSE 1 END
        * exp(0.5 * sin(dev * 17 + extract(doy FROM day) * 3.1))
        * CASE WHEN (dev * 31 + extract(doy FROM day)::int) % 97 = 0 THEN 12 ELSE 1 END
        * 100000 * (1 + dev % 5))::bigint AS tokens,
       ((dev * 7 + extract(doy FROM day)::int) % 4 = 0 AND extract(isodow FROM day) <= 5)::int::bigint AS merged
FROM generate_series(1, 120) dev, generate_series('2026-01-05'::date, '2026-04-04'::date, '1 day') day;
ANALYZE tap_series;

CREATE TABLE tap_burst_serial AS
SELECT developer, burst_inflation(bucket, tokens, merged) AS share,
       burst_episodes(bucket, tokens, merged)::text AS episodes
FROM tap_series GROUP BY developer;

SELECT cmp_ok((SELECT count(*) FROM tap_burst_serial WHERE share > 0), '>', 0::bigint,
              'the injected 12x days are found for some developers');
SELECT is((SELECT count(*) FROM tap_burst_serial WHERE share < 0 OR share > 1), 0::bigint, 'every share lies in [0, 1]');

-- Forced parallel plan: Partial Aggregate, results identical to serial.
\ir include/force_parallel.sql
SELECT matches(pg_temp.plan_of('SELECT developer, burst_inflation(bucket, tokens, merged) FROM tap_series GROUP BY developer'),
               'Partial (Hash|Group)?Aggregate', 'burst_inflation runs as a Partial Aggregate');
SELECT matches(pg_temp.plan_of('SELECT burst_episodes(bucket, tokens, merged) FROM tap_series'),
               'Partial Aggregate', 'burst_episodes runs as a Partial Aggregate');
-- One developer's rows split across workers: the whole-table aggregate over a single developer.
SELECT is((SELECT burst_inflation(bucket, tokens, merged) FROM tap_series WHERE developer = 'dev7'),
          (SELECT share FROM tap_burst_serial WHERE developer = 'dev7'),
          'a developer''s series split across parallel workers gives the serial share');
SELECT is((SELECT count(*) FROM (SELECT developer, burst_inflation(bucket, tokens, merged) AS share,
                                        burst_episodes(bucket, tokens, merged)::text AS episodes
                                 FROM tap_series GROUP BY developer) p
           JOIN tap_burst_serial s USING (developer)
           WHERE p.share = s.share AND p.episodes IS NOT DISTINCT FROM s.episodes),
          120::bigint, 'parallel burst_inflation and burst_episodes equal the serial results for all 120 developers');
SELECT matches(pg_temp.plan_of('SELECT burst_score(tokens) OVER (PARTITION BY developer ORDER BY bucket ROWS 6 PRECEDING) FROM tap_series'),
               'Gather', 'burst_score runs above a parallel scan');
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET parallel_leader_participation;

-- Row order and duplicate rows.
SELECT is((SELECT count(*) FROM (SELECT developer, burst_inflation(bucket, tokens, merged ORDER BY md5(bucket::text || developer)) AS share
                                 FROM tap_series GROUP BY developer) r JOIN tap_burst_serial s USING (developer)
           WHERE r.share = s.share), 120::bigint, 'shuffled input gives identical shares');

-- Window use.
SELECT is((SELECT burst_inflation(bucket, tokens, merged) OVER () FROM tap_series WHERE developer = 'dev3' LIMIT 1),
          (SELECT share FROM tap_burst_serial WHERE developer = 'dev3'), 'burst_inflation OVER () equals the aggregate');
SELECT is((SELECT count(*) FROM (SELECT burst_score(tokens) OVER (PARTITION BY developer ORDER BY bucket
                                                                  ROWS BETWEEN 27 PRECEDING AND CURRENT ROW) AS s
                                 FROM tap_series) x WHERE s IS NULL OR s <> s OR s < -8 OR s > 8),
          0::bigint, 'burst_score over a 28-day frame is always finite and within [-8, 8]');

-- Years of hourly buckets for one developer: memory O(buckets), a few seconds at most.
SELECT cmp_ok((SELECT burst_inflation(h, (extract(hour FROM h)::int % 9 * 1000)::bigint, (extract(doy FROM h)::int % 3 = 0
                                        AND extract(hour FROM h) = 12)::int::bigint, '1 hour')
               FROM generate_series('2023-01-01'::timestamptz, '2025-12-31', '1 hour') h), '<=', 1::float8,
              'three years of hourly buckets (26,000 rows) analyse');

-- SQLSTATEs.
SELECT throws_ok($$SELECT burst_inflation(bucket, -1, 0) FROM tap_series$$, '22003', NULL, 'negative tokens: 22003');
SELECT throws_ok($$SELECT burst_inflation(bucket, tokens, merged, '1 month') FROM tap_series$$, '22023', NULL,
                 'a month-long bucket: 22023');

SELECT * FROM finish();
ROLLBACK;
