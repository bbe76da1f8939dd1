-- usage_value 0.3.0 -> 0.4.0: boards an analyst can trust and read (issue 11): inflated tokens in
-- the periods they were spent in, how complete and how fresh each board is, no strict rank where
-- the data cannot order people, misuse refused, every column explained.

\echo Use "ALTER EXTENSION usage_value UPDATE TO '0.4.0'" to load this file. \quit

-- Long PL/pgSQL bodies live in this schema, out of what `\df+ usage_value.*` prints: the
-- functions analysts call in usage_value are thin SQL wrappers over them.
CREATE SCHEMA usage_value_internal;
GRANT USAGE ON SCHEMA usage_value_internal TO PUBLIC;
COMMENT ON SCHEMA usage_value_internal IS 'usage_value''s implementation functions; call the wrappers in usage_value instead';

------------------------------------------------------------------------------------------------
-- Burst: misuse refused (bucket widths that do not match the data, burst_score without order)
------------------------------------------------------------------------------------------------

-- The library refuses what cannot be right (src/pg/burst.cpp, BucketAlignment in
-- src/core/burst.hpp); what it cannot detect, pooling developers without GROUP BY, is said in
-- every comment an analyst reads with \da+ or \dd.
COMMENT ON AGGREGATE @extschema@.burst_inflation(timestamptz, bigint, bigint) IS
    'share of tokens (0..1) spent in significant bursts above the developer''s own baseline that delivered no matching merged changes; daily buckets (date_trunc(''day'', ts)); one row per developer and bucket, any order. GROUP BY developer: without it every developer is pooled into one series, which cannot be detected: its result means nothing. Bucket must be truncated to the bucket width (date_trunc(''hour'', ts) with ''1 hour''; local-time days across DST are fine); a width coarser or much finer than the buckets is refused (22023)';
COMMENT ON AGGREGATE @extschema@.burst_inflation(timestamptz, bigint, bigint, interval) IS
    'burst_inflation with the given bucket width (e.g. ''1 hour''). GROUP BY developer: without it every developer is pooled into one series, which cannot be detected: its result means nothing. Bucket must be truncated to the bucket width (date_trunc(''hour'', ts) with ''1 hour''; local-time days across DST are fine); a width coarser or much finer than the buckets is refused (22023)';
COMMENT ON AGGREGATE @extschema@.burst_inflation(timestamptz, bigint, bigint, interval, float8, interval, interval) IS
    'burst_inflation with bucket width, significance (default 0.01), attribution horizon (default 3 days) and baseline window (default 56 days). GROUP BY developer: without it every developer is pooled into one series, which cannot be detected: its result means nothing. Bucket must be truncated to the bucket width (date_trunc(''hour'', ts) with ''1 hour''; local-time days across DST are fine); a width coarser or much finer than the buckets is refused (22023)';
COMMENT ON AGGREGATE @extschema@.burst_inflation(timestamptz, bigint, bigint, float8, interval) IS
    'burst_inflation crediting merged output by its value (merged_value >= 0, the sum of the changes'' weights), not its count, with the given bucket width (''1 day'' for daily). GROUP BY developer: without it every developer is pooled into one series, which cannot be detected: its result means nothing. Bucket must be truncated to the bucket width (date_trunc(''hour'', ts) with ''1 hour''; local-time days across DST are fine); a width coarser or much finer than the buckets is refused (22023)';
COMMENT ON AGGREGATE @extschema@.burst_inflation(timestamptz, bigint, bigint, float8, interval, float8, interval, interval) IS
    'burst_inflation crediting merged output by its value, with bucket width, significance, attribution horizon and baseline window. GROUP BY developer: without it every developer is pooled into one series, which cannot be detected: its result means nothing. Bucket must be truncated to the bucket width (date_trunc(''hour'', ts) with ''1 hour''; local-time days across DST are fine); a width coarser or much finer than the buckets is refused (22023)';
COMMENT ON AGGREGATE @extschema@.burst_episodes(timestamptz, bigint, bigint) IS
    'the episodes behind burst_inflation, as an array of burst_episode (unnest it for rows); daily buckets (date_trunc(''day'', ts)). GROUP BY developer: without it every developer is pooled into one series, which cannot be detected: its result means nothing. Bucket must be truncated to the bucket width (date_trunc(''hour'', ts) with ''1 hour''; local-time days across DST are fine); a width coarser or much finer than the buckets is refused (22023)';
COMMENT ON AGGREGATE @extschema@.burst_episodes(timestamptz, bigint, bigint, interval) IS
    'burst_episodes with the given bucket width. GROUP BY developer: without it every developer is pooled into one series, which cannot be detected: its result means nothing. Bucket must be truncated to the bucket width (date_trunc(''hour'', ts) with ''1 hour''; local-time days across DST are fine); a width coarser or much finer than the buckets is refused (22023)';
COMMENT ON AGGREGATE @extschema@.burst_episodes(timestamptz, bigint, bigint, interval, float8, interval, interval) IS
    'burst_episodes with bucket width, significance, attribution horizon and baseline window. GROUP BY developer: without it every developer is pooled into one series, which cannot be detected: its result means nothing. Bucket must be truncated to the bucket width (date_trunc(''hour'', ts) with ''1 hour''; local-time days across DST are fine); a width coarser or much finer than the buckets is refused (22023)';
COMMENT ON AGGREGATE @extschema@.burst_episodes(timestamptz, bigint, bigint, float8, interval) IS
    'burst_episodes crediting merged output by its value, not its count, with the given bucket width. GROUP BY developer: without it every developer is pooled into one series, which cannot be detected: its result means nothing. Bucket must be truncated to the bucket width (date_trunc(''hour'', ts) with ''1 hour''; local-time days across DST are fine); a width coarser or much finer than the buckets is refused (22023)';
COMMENT ON AGGREGATE @extschema@.burst_episodes(timestamptz, bigint, bigint, float8, interval, float8, interval, interval) IS
    'burst_episodes crediting merged output by its value, with bucket width, significance, attribution horizon and baseline window. GROUP BY developer: without it every developer is pooled into one series, which cannot be detected: its result means nothing. Bucket must be truncated to the bucket width (date_trunc(''hour'', ts) with ''1 hour''; local-time days across DST are fine); a width coarser or much finer than the buckets is refused (22023)';
COMMENT ON AGGREGATE @extschema@.burst_score(bigint) IS
    'robust surprise of the current bucket''s tokens against the rest of the frame (median/MAD on a log scale, zeros modelled apart): 0 typical, +2 as rare as a 2-sigma high; use OVER (PARTITION BY developer ORDER BY bucket ROWS BETWEEN n PRECEDING AND CURRENT ROW), or burst_score(tokens ORDER BY bucket) for the last bucket; a window without ORDER BY, a frame not ending at CURRENT ROW and an aggregate without ORDER BY are refused (22023)';

-- (end of the burst section)

------------------------------------------------------------------------------------------------
-- Binding: periods, completeness, ranks only where the data can order, verdicts
------------------------------------------------------------------------------------------------

-- (end of the binding section)

------------------------------------------------------------------------------------------------
-- Binding: freshness, failed scheduled refreshes, and a comment on every column
------------------------------------------------------------------------------------------------

-- (end of the freshness section)
