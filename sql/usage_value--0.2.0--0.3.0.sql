-- usage_value 0.2.0 -> 0.3.0: what a change is worth (weighted value), whose tokens (identities,
-- cohorts), and the adversarial guarantees of issue 10.

\echo Use "ALTER EXTENSION usage_value UPDATE TO '0.3.0'" to load this file. \quit

------------------------------------------------------------------------------------------------
-- usage_summary: the weighted value of merged changes beside their plain count
------------------------------------------------------------------------------------------------

-- (end of the usage_summary section)

------------------------------------------------------------------------------------------------
-- Fair leaderboards: fractional value with an effective count
------------------------------------------------------------------------------------------------

-- (end of the fair leaderboard section)

------------------------------------------------------------------------------------------------
-- Burst inflation: merged output credited by its value, not its count
------------------------------------------------------------------------------------------------

-- Each merged change carries a value (the binding's weight: reverts and bots 0, a one-line change
-- ~0.01 of a typical one). The valued overloads take it after the count; burst credit then reads
-- value where it read the count, so trivial changes merged in a spike's window do not buy it back.
-- No daily (bucket, tokens, merged_changes, merged_value) form: beside the existing
-- (bucket, tokens, merged_changes, bucket_width interval) it would make every call with an untyped
-- literal or NULL in fourth place ('1 hour', NULL) ambiguous. Pass '1 day' for daily buckets.
ALTER TYPE @extschema@.burst_episode ADD ATTRIBUTE merged_value float8;           -- value of those merges
ALTER TYPE @extschema@.burst_episode ADD ATTRIBUTE expected_merged_value float8;  -- value expected at the usual tokens per value
COMMENT ON TYPE @extschema@.burst_episode IS
    'one significant excursion of token use above the developer''s baseline, as returned by burst_episodes; merged_value and expected_merged_value are the value-weighted counterparts of merged_changes and expected_merged_changes (equal to them when no value is given)';

CREATE FUNCTION @extschema@.burst_value_transfn(internal, timestamptz, bigint, bigint, float8, interval)
    RETURNS internal AS 'MODULE_PATHNAME', 'burst_value_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.burst_value_transfn(internal, timestamptz, bigint, bigint, float8, interval, float8,
                                                interval, interval)
    RETURNS internal AS 'MODULE_PATHNAME', 'burst_value_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.burst_value_transfn(internal, timestamptz, bigint, bigint, float8, interval) IS
    'transition function of the valued burst_inflation and burst_episodes: adds one bucket with its merged value';
COMMENT ON FUNCTION @extschema@.burst_value_transfn(internal, timestamptz, bigint, bigint, float8, interval, float8, interval, interval) IS
    'transition function of the valued burst_inflation and burst_episodes: adds one bucket with its merged value';

CREATE AGGREGATE @extschema@.burst_inflation(bucket timestamptz, tokens bigint, merged_changes bigint,
                                             merged_value float8, bucket_width interval) (
    SFUNC = @extschema@.burst_value_transfn, STYPE = internal, FINALFUNC = @extschema@.burst_inflation_final,
    COMBINEFUNC = @extschema@.burst_combine, SERIALFUNC = @extschema@.burst_serialize,
    DESERIALFUNC = @extschema@.burst_deserialize, PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.burst_inflation(bucket timestamptz, tokens bigint, merged_changes bigint,
                                             merged_value float8, bucket_width interval, significance float8,
                                             horizon interval, baseline interval) (
    SFUNC = @extschema@.burst_value_transfn, STYPE = internal, FINALFUNC = @extschema@.burst_inflation_final,
    COMBINEFUNC = @extschema@.burst_combine, SERIALFUNC = @extschema@.burst_serialize,
    DESERIALFUNC = @extschema@.burst_deserialize, PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.burst_inflation(timestamptz, bigint, bigint, float8, interval) IS
    'burst_inflation crediting merged output by its value (merged_value >= 0, the sum of the changes'' weights), not its count, with the given bucket width (''1 day'' for daily)';
COMMENT ON AGGREGATE @extschema@.burst_inflation(timestamptz, bigint, bigint, float8, interval, float8, interval, interval) IS
    'burst_inflation crediting merged output by its value, with bucket width, significance, attribution horizon and baseline window';

CREATE AGGREGATE @extschema@.burst_episodes(bucket timestamptz, tokens bigint, merged_changes bigint,
                                            merged_value float8, bucket_width interval) (
    SFUNC = @extschema@.burst_value_transfn, STYPE = internal, FINALFUNC = @extschema@.burst_episodes_final,
    COMBINEFUNC = @extschema@.burst_combine, SERIALFUNC = @extschema@.burst_serialize,
    DESERIALFUNC = @extschema@.burst_deserialize, PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.burst_episodes(bucket timestamptz, tokens bigint, merged_changes bigint,
                                            merged_value float8, bucket_width interval, significance float8,
                                            horizon interval, baseline interval) (
    SFUNC = @extschema@.burst_value_transfn, STYPE = internal, FINALFUNC = @extschema@.burst_episodes_final,
    COMBINEFUNC = @extschema@.burst_combine, SERIALFUNC = @extschema@.burst_serialize,
    DESERIALFUNC = @extschema@.burst_deserialize, PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.burst_episodes(timestamptz, bigint, bigint, float8, interval) IS
    'burst_episodes crediting merged output by its value, not its count, with the given bucket width';
COMMENT ON AGGREGATE @extschema@.burst_episodes(timestamptz, bigint, bigint, float8, interval, float8, interval, interval) IS
    'burst_episodes crediting merged output by its value, with bucket width, significance, attribution horizon and baseline window';

-- (end of the burst section)

------------------------------------------------------------------------------------------------
-- Binding: what a change is worth, whose tokens, suspected split identities
------------------------------------------------------------------------------------------------

-- (end of the binding section)
