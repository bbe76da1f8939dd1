-- Efficiency drift and excused periods (issue 14): efficiency_drift(series, ...) finds a planted
-- step (twice the tokens, the same merges) and not its steady twin; a newcomer is judged against
-- cohort_efficiency; excused periods (tstzrange[]) on efficiency_drift, burst_inflation and
-- burst_episodes: NULL, NULL elements and empty ranges ignored, unbounded sides clamped to the
-- series' span; NULLs and every bad parameter with its SQLSTATE.
SET search_path = usage_value, public;
SET TimeZone = 'UTC';
SET extra_float_digits = 0;

-- err(query): the error a query raises, as 'SQLSTATE: message' ('no error' when it runs).
CREATE FUNCTION pg_temp.err(query text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE query;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- Four developers, hourly, Monday 2025-09-01 to Sunday 2026-01-18 (20 weeks), deterministic
-- noise from hashes: working hours on weekdays, about 20,000 tokens an hour (+-50% in log), about
-- two merged changes a weekday.
--   steady:  the same all along.
--   step:    from Monday 2025-12-22 (after 16 weeks) twice the tokens, the same merges.
--   oncall:  a week of six times the tokens with no merge, 2025-11-03 to 2025-11-07 (its on-call
--            week); otherwise steady.
--   newcomer: from 2025-12-29 only (3 weeks, no own past to speak of), three times the tokens
--            per merge of the others.
CREATE TABLE drift_rows AS
SELECT dev, h AS bucket,
       CASE WHEN extract(isodow FROM h) <= 5 AND extract(hour FROM h) BETWEEN 9 AND 17
            THEN round(20000 * exp(0.5 * ((hashtext(dev || ':' || extract(epoch FROM h)) & 65535) / 32768.0 - 1))
                       * CASE WHEN dev = 'step' AND h >= '2025-12-22' THEN 2
                              WHEN dev = 'oncall' AND h >= '2025-11-03' AND h < '2025-11-08' THEN 6
                              WHEN dev = 'newcomer' THEN 3
                              ELSE 1 END)
            ELSE 0 END::bigint AS tokens,
       CASE WHEN extract(isodow FROM h) <= 5 AND extract(hour FROM h) BETWEEN 10 AND 17
                 AND (hashtext('m' || dev || ':' || extract(epoch FROM h)) & 3) = 0
                 AND NOT (dev = 'oncall' AND h >= '2025-11-03' AND h < '2025-11-08')
            THEN 1 ELSE 0 END::bigint AS merged
FROM (VALUES ('steady'), ('step'), ('oncall'), ('newcomer')) d(dev),
     generate_series('2025-09-01'::timestamptz, '2026-01-18 23:00', '1 hour') h
WHERE dev <> 'newcomer' OR h >= '2025-12-29';
CREATE TABLE drift_series AS
SELECT dev, burst_series(bucket, tokens, merged) AS s FROM drift_rows WHERE tokens > 0 OR merged > 0 GROUP BY dev;
SELECT dev, tokens(s), merged_changes(s), first_bucket(s), last_bucket(s) FROM drift_series ORDER BY dev;

-- 1. The planted step is found, starting near the step (2025-12-22) and lasting into the last
--    week that can be judged (a period is judged once its 7-day credit window has passed: the
--    data end on 2026-01-18), with less value per token (about half) than the developer's own
--    past; its steady twin has no finding.
SELECT dev, count(f.start_at) AS findings FROM drift_series LEFT JOIN LATERAL efficiency_drift(s) f ON true
WHERE dev IN ('steady', 'step') GROUP BY dev ORDER BY dev;
SELECT f.start_at, f.end_at, f.start_at BETWEEN '2025-12-08' AND '2025-12-29' AS starts_near_step,
       f.end_at >= '2026-01-05' AS lasts_to_the_end,
       f.ratio < 1 AS less_value_per_token, round(f.ratio::numeric, 1) AS ratio, f.tokens > f.expected_tokens AS more_tokens,
       f.merged_value < f.expected_value AS less_value, f.inflated_tokens > 0 AS inflated, f.excused_tokens AS excused,
       f.p_value <= 0.01 AS significant, f.reference
FROM drift_series, efficiency_drift(s) f WHERE dev = 'step' ORDER BY f.inflated_tokens DESC LIMIT 1;
-- Defaults made explicit, positionally and by name, give the same rows.
SELECT (SELECT array_agg(f ORDER BY f.start_at) FROM efficiency_drift(s) f)
       IS NOT DISTINCT FROM (SELECT array_agg(f ORDER BY f.start_at) FROM efficiency_drift(s, 0.01, '56 days', '28 days', '7 days', NULL, NULL) f)
       AND (SELECT array_agg(f ORDER BY f.start_at) FROM efficiency_drift(s) f)
       IS NOT DISTINCT FROM (SELECT array_agg(f ORDER BY f.start_at)
                             FROM efficiency_drift(s, credit_window => '7 days', reference => '56 days', significance => 0.01) f)
       AS defaults_explicit
FROM drift_series WHERE dev = 'step';

-- 2. A newcomer is judged against the cohort: the value per token of established developers
--    (here the steady developer's, spread +-10%). NULL elements are skipped; without a cohort,
--    or with fewer than 5 usable values, there is no reference.
CREATE TABLE drift_cohort AS
SELECT ARRAY[e * 0.9, e * 0.95, e, e * 1.05, e * 1.1] AS values, ARRAY[e * 0.9, NULL, e * 0.95, e, NULL, e * 1.05, e * 1.1] AS with_nulls,
       ARRAY[e, e, e, e] AS too_few
FROM (SELECT merged_value(s) / tokens(s) AS e FROM drift_series WHERE dev = 'steady') x;
SELECT count(*) > 0 AS newcomer_found, bool_and(f.reference = 'cohort') AS against_cohort, bool_and(f.ratio < 1) AS less_value_per_token
FROM drift_series, drift_cohort, efficiency_drift(s, cohort_efficiency => values) f WHERE dev = 'newcomer';
SELECT (SELECT array_agg(f ORDER BY f.start_at) FROM efficiency_drift(s, cohort_efficiency => values) f)
       IS NOT DISTINCT FROM (SELECT array_agg(f ORDER BY f.start_at) FROM efficiency_drift(s, cohort_efficiency => with_nulls) f)
       AS null_elements_skipped,
       (SELECT count(*) FROM efficiency_drift(s) f) AS without_cohort,
       (SELECT count(*) FROM efficiency_drift(s, cohort_efficiency => too_few) f) AS with_four_values,
       (SELECT count(*) FROM efficiency_drift(s, cohort_efficiency => '{}') f) AS with_none
FROM drift_series, drift_cohort WHERE dev = 'newcomer';

-- 3. Excused periods. The on-call week is a burst episode charged with inflation; excused, its
--    inflated tokens move to excused_tokens and are not charged.
SELECT count(*) AS episodes, sum(e.inflated_tokens) > 0 AS charged, sum(e.excused_tokens) AS excused
FROM drift_series, unnest(burst_episodes(s)) e WHERE dev = 'oncall' AND e.start_at < '2025-11-08' AND e.end_at > '2025-11-03';
SELECT count(*) AS episodes, sum(e.inflated_tokens) AS charged, sum(e.excused_tokens) > 0 AS excused,
       bool_and(NOT e.is_inflation) AS not_inflation
FROM drift_series, unnest(burst_episodes(s, excused => ARRAY['[2025-11-03,2025-11-10)'::tstzrange])) e
WHERE dev = 'oncall' AND e.start_at < '2025-11-08' AND e.end_at > '2025-11-03';
-- Excusing moves tokens from inflated to excused, nothing else; burst_inflation charges only
-- the rest.
SELECT abs(w.inflated - (x.inflated + x.excused)) <= 1e-6 * w.inflated AS excused_plus_charged_is_inflated,
       burst_inflation(s, excused => ARRAY['[2025-11-03,2025-11-10)'::tstzrange]) < burst_inflation(s) AS share_lower
FROM drift_series,
     LATERAL (SELECT sum(inflated_tokens) AS inflated FROM unnest(burst_episodes(s))) w,
     LATERAL (SELECT sum(inflated_tokens) AS inflated, sum(excused_tokens) AS excused
              FROM unnest(burst_episodes(s, excused => ARRAY['[2025-11-03,2025-11-10)'::tstzrange]))) x
WHERE dev = 'oncall';
-- NULL, NULL elements, empty ranges and ranges outside the series excuse nothing; an old-style
-- call (four positional arguments) is the same as no excused.
SELECT burst_episodes(s, excused => NULL)::text = burst_episodes(s)::text AS null_excused,
       burst_episodes(s, excused => ARRAY[NULL, 'empty', '[2020-01-01,2020-02-01)', '[2027-01-01,)']::tstzrange[])::text
           = burst_episodes(s)::text AS ignored,
       burst_episodes(s, excused => ARRAY[NULL, 'empty', '[2025-11-03,2025-11-10)']::tstzrange[])::text
           = burst_episodes(s, excused => ARRAY['[2025-11-03,2025-11-10)'::tstzrange])::text AS null_elements_skipped,
       burst_inflation(s, 0.01, '3 days', '56 days') = burst_inflation(s) AS positional,
       burst_episodes(s, 0.01, '3 days', '56 days')::text = burst_episodes(s)::text AS positional_episodes
FROM drift_series WHERE dev = 'oncall';
-- An unbounded side reaches the series' end: '[2024-01-01,)' excuses everything after (here all
-- of it), as does '(,)'; the same as the series' span written out.
SELECT burst_inflation(s, excused => '{"[2024-01-01,)"}') AS everything_after_2024,
       burst_inflation(s, excused => '{"(,)"}') AS everything,
       burst_episodes(s, excused => '{"[2024-01-01,)"}')::text
           = burst_episodes(s, excused => ARRAY[tstzrange(first_bucket(s), last_bucket(s) + interval '1 hour')])::text AS clamped,
       burst_episodes(s, excused => '{"[2025-11-03,)"}')::text
           = burst_episodes(s, excused => ARRAY[tstzrange('2025-11-03', last_bucket(s) + interval '1 hour')])::text AS clamped_upper,
       burst_episodes(s, excused => '{"(,2025-11-10)"}')::text
           = burst_episodes(s, excused => ARRAY[tstzrange(first_bucket(s), '2025-11-10')])::text AS clamped_lower,
       burst_episodes(s, excused => '{"[-infinity,infinity]"}')::text = burst_episodes(s, excused => '{"(,)"}')::text AS infinite_bounds
FROM drift_series WHERE dev = 'oncall';
-- The same for efficiency_drift: excusing the step leaves nothing charged, and the unbounded
-- range is the one written out.
SELECT round(coalesce(sum(f.inflated_tokens), 0)::numeric, 3) AS charged, coalesce(sum(f.excused_tokens), 0) > 0 AS excused
FROM drift_series, efficiency_drift(s, excused => '{"[2025-12-22,)"}') f WHERE dev = 'step';
SELECT (SELECT array_agg(f ORDER BY f.start_at) FROM efficiency_drift(s, excused => '{"[2025-12-22,)"}') f)
       IS NOT DISTINCT FROM (SELECT array_agg(f ORDER BY f.start_at)
                             FROM efficiency_drift(s, excused => ARRAY[tstzrange('2025-12-22', last_bucket(s) + interval '1 hour')]) f)
       AS clamped,
       (SELECT coalesce(sum(f.inflated_tokens), 0) FROM efficiency_drift(s, excused => '{"[2024-01-01,)"}') f) AS everything_after_2024
FROM drift_series WHERE dev = 'step';

-- 4. NULLs and short series: a NULL series gives NULL (no rows), whatever the parameters; a
--    series too short to have a past gives no finding.
SELECT burst_inflation(NULL::burst_series) IS NULL AS inflation_null, burst_episodes(NULL::burst_series) IS NULL AS episodes_null,
       burst_inflation(NULL::burst_series, significance => NULL) IS NULL AS null_series_first,
       (SELECT count(*) FROM efficiency_drift(NULL)) AS drift_rows,
       (SELECT count(*) FROM efficiency_drift(NULL, significance => NULL)) AS drift_rows_null_parameter;
SELECT count(*) AS one_bucket FROM efficiency_drift('(version:1,width:3600,buckets:[490000:100:1])');
SELECT count(*) AS one_week
FROM efficiency_drift((SELECT burst_series(bucket, tokens, merged) FROM drift_rows WHERE dev = 'steady' AND bucket < '2025-09-08'));
-- A series without rows is NULL, as for the other accessors.
SELECT count(*) AS no_rows FROM efficiency_drift((SELECT burst_series(bucket, tokens, merged) FROM drift_rows WHERE false));

-- Parallel safe: rows read by parallel workers, and efficiency_drift run in the workers, give the
-- serial findings.
CREATE TABLE drift_serial AS
SELECT dev, f.* FROM drift_series, efficiency_drift(s) f;
SET max_parallel_workers_per_gather = 2;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET parallel_leader_participation = off;
EXPLAIN (COSTS OFF)
SELECT dev, (SELECT count(*) FROM efficiency_drift(burst_series(bucket, tokens, merged))) FROM drift_rows GROUP BY dev;
SELECT count(*) AS developers, bool_and(p.f IS NOT DISTINCT FROM s.f) AS parallel_equal, sum(cardinality(p.f)) AS findings
FROM (SELECT dev, (SELECT array_agg(f ORDER BY f.start_at) FROM efficiency_drift(burst_series(bucket, tokens, merged)) f) AS f
      FROM drift_rows WHERE tokens > 0 OR merged > 0 GROUP BY dev) p
JOIN (SELECT dev, (SELECT array_agg(f ORDER BY f.start_at) FROM efficiency_drift(s) f) AS f FROM drift_series) s USING (dev);
EXPLAIN (COSTS OFF) SELECT count(*), sum(f.inflated_tokens) FROM drift_series, efficiency_drift(s) f;
SELECT count(*) = (SELECT count(*) FROM drift_serial) AS same_count,
       sum(f.inflated_tokens) = (SELECT sum(inflated_tokens) FROM drift_serial) AS same_inflated
FROM drift_series, efficiency_drift(s) f;
RESET max_parallel_workers_per_gather;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET parallel_leader_participation;

-- 5. Errors: 22023 naming the parameter. NULL parameters, and intervals that are not whole days
--    (efficiency_drift) or not fixed lengths, are refused by the glue:
SELECT pg_temp.err($$SELECT * FROM efficiency_drift((SELECT s FROM drift_series WHERE dev = 'step'), significance => NULL)$$);
SELECT pg_temp.err($$SELECT * FROM efficiency_drift((SELECT s FROM drift_series WHERE dev = 'step'), reference => NULL)$$);
SELECT pg_temp.err($$SELECT * FROM efficiency_drift((SELECT s FROM drift_series WHERE dev = 'step'), min_history => NULL)$$);
SELECT pg_temp.err($$SELECT * FROM efficiency_drift((SELECT s FROM drift_series WHERE dev = 'step'), credit_window => NULL)$$);
SELECT pg_temp.err($$SELECT * FROM efficiency_drift((SELECT s FROM drift_series WHERE dev = 'step'), reference => '36 hours')$$);
SELECT pg_temp.err($$SELECT * FROM efficiency_drift((SELECT s FROM drift_series WHERE dev = 'step'), min_history => '1 month')$$);
SELECT pg_temp.err($$SELECT * FROM efficiency_drift((SELECT s FROM drift_series WHERE dev = 'step'), credit_window => '1 day 12 hours')$$);
SELECT pg_temp.err($$SELECT * FROM efficiency_drift((SELECT s FROM drift_series WHERE dev = 'step'), credit_window => '0.5 seconds')$$);
SELECT pg_temp.err($$SELECT burst_inflation((SELECT s FROM drift_series WHERE dev = 'step'), significance => NULL)$$);
SELECT pg_temp.err($$SELECT burst_inflation((SELECT s FROM drift_series WHERE dev = 'step'), horizon => NULL)$$);
SELECT pg_temp.err($$SELECT burst_episodes((SELECT s FROM drift_series WHERE dev = 'step'), baseline => NULL)$$);
SELECT pg_temp.err($$SELECT burst_episodes((SELECT s FROM drift_series WHERE dev = 'step'), excused => '{"[2025-11-03,2025-11-10)"}', significance => 0)$$);
--    Ranges (DriftParams, checked by the core's validate()): significance in (0, 0.5], reference
--    7 to 3660 days, min_history 7 days to reference, credit_window 0 to 60 days; and a bucket
--    width that neither divides a day nor is a whole number of days.
SELECT pg_temp.err($$SELECT * FROM efficiency_drift((SELECT s FROM drift_series WHERE dev = 'step'), significance => 0)$$);
SELECT pg_temp.err($$SELECT * FROM efficiency_drift((SELECT s FROM drift_series WHERE dev = 'step'), significance => 0.6)$$);
SELECT pg_temp.err($$SELECT * FROM efficiency_drift((SELECT s FROM drift_series WHERE dev = 'step'), significance => 'NaN')$$);
SELECT pg_temp.err($$SELECT * FROM efficiency_drift((SELECT s FROM drift_series WHERE dev = 'step'), reference => '6 days')$$);
SELECT pg_temp.err($$SELECT * FROM efficiency_drift((SELECT s FROM drift_series WHERE dev = 'step'), reference => '3661 days')$$);
SELECT pg_temp.err($$SELECT * FROM efficiency_drift((SELECT s FROM drift_series WHERE dev = 'step'), reference => '-7 days')$$);
SELECT pg_temp.err($$SELECT * FROM efficiency_drift((SELECT s FROM drift_series WHERE dev = 'step'), min_history => '6 days')$$);
SELECT pg_temp.err($$SELECT * FROM efficiency_drift((SELECT s FROM drift_series WHERE dev = 'step'), min_history => '57 days')$$);
SELECT pg_temp.err($$SELECT * FROM efficiency_drift((SELECT s FROM drift_series WHERE dev = 'step'), credit_window => '-1 day')$$);
SELECT pg_temp.err($$SELECT * FROM efficiency_drift((SELECT s FROM drift_series WHERE dev = 'step'), credit_window => '61 days')$$);
SELECT pg_temp.err($$SELECT * FROM efficiency_drift('(version:1,width:25200,buckets:[1:100:1 2:100:1])')$$);
