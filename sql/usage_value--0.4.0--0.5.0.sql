-- usage_value 0.4.0 -> 0.5.0: burst as a storable series, and refreshes that cost what is new,
-- not the whole history (issue 13).

\echo Use "ALTER EXTENSION usage_value UPDATE TO '0.5.0'" to load this file. \quit

------------------------------------------------------------------------------------------------
-- burst_series: a developer's bucketed series as a storable type, its aggregate, rollup and
-- accessors; equality and hashing for usage_summary and burst_series
------------------------------------------------------------------------------------------------

-- The series is sparse (only buckets that received rows), delta- and varint-encoded, versioned,
-- with one encoding per value: = compares bytes and the hash hashes them. merged_value is kept in
-- exact micro-units (at most 1e6 per row), so the same rows give the same bits in any order,
-- plan or rollup grouping.
CREATE TYPE @extschema@.burst_series;

CREATE FUNCTION @extschema@.burst_series_in(cstring) RETURNS @extschema@.burst_series
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.burst_series_out(@extschema@.burst_series) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.burst_series_recv(internal) RETURNS @extschema@.burst_series
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.burst_series_send(@extschema@.burst_series) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.burst_series_in(cstring) IS 'text input of burst_series (validated)';
COMMENT ON FUNCTION @extschema@.burst_series_out(@extschema@.burst_series) IS 'text output of burst_series';
COMMENT ON FUNCTION @extschema@.burst_series_recv(internal) IS 'binary input of burst_series (validated; COPY BINARY)';
COMMENT ON FUNCTION @extschema@.burst_series_send(@extschema@.burst_series) IS 'binary output of burst_series';

CREATE TYPE @extschema@.burst_series (
    INPUT = @extschema@.burst_series_in,
    OUTPUT = @extschema@.burst_series_out,
    RECEIVE = @extschema@.burst_series_recv,
    SEND = @extschema@.burst_series_send,
    INTERNALLENGTH = VARIABLE,
    STORAGE = extended
);
COMMENT ON TYPE @extschema@.burst_series IS
    'A developer''s bucketed tokens, merged changes and merged value, storable and combinable with rollup; result of the burst_series aggregate, read with burst_inflation(series, ...), burst_episodes(series, ...) and buckets(series). Text form: (version:1,width:SECONDS,buckets:[INDEX:TOKENS:MERGED_CHANGES ...]), with valued:true and :VALUE:SQUARES per bucket when merged value was given';

CREATE FUNCTION @extschema@.burst_series_eq(@extschema@.burst_series, @extschema@.burst_series) RETURNS boolean
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.burst_series_ne(@extschema@.burst_series, @extschema@.burst_series) RETURNS boolean
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.burst_series_hash(@extschema@.burst_series) RETURNS integer
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.burst_series_eq(@extschema@.burst_series, @extschema@.burst_series) IS
    'implements = for burst_series';
COMMENT ON FUNCTION @extschema@.burst_series_ne(@extschema@.burst_series, @extschema@.burst_series) IS
    'implements <> for burst_series';
COMMENT ON FUNCTION @extschema@.burst_series_hash(@extschema@.burst_series) IS
    'hash support for burst_series: GROUP BY, DISTINCT, UNION and hash joins on series';
CREATE OPERATOR @extschema@.= (
    LEFTARG = @extschema@.burst_series, RIGHTARG = @extschema@.burst_series,
    FUNCTION = @extschema@.burst_series_eq,
    COMMUTATOR = OPERATOR(@extschema@.=), NEGATOR = OPERATOR(@extschema@.<>),
    RESTRICT = eqsel, JOIN = eqjoinsel, HASHES
);
CREATE OPERATOR @extschema@.<> (
    LEFTARG = @extschema@.burst_series, RIGHTARG = @extschema@.burst_series,
    FUNCTION = @extschema@.burst_series_ne,
    COMMUTATOR = OPERATOR(@extschema@.<>), NEGATOR = OPERATOR(@extschema@.=),
    RESTRICT = neqsel, JOIN = neqjoinsel
);
CREATE OPERATOR CLASS @extschema@.burst_series_hash_ops
    DEFAULT FOR TYPE @extschema@.burst_series USING hash AS
    OPERATOR 1 @extschema@.= (@extschema@.burst_series, @extschema@.burst_series),
    FUNCTION 1 @extschema@.burst_series_hash(@extschema@.burst_series);
COMMENT ON OPERATOR @extschema@.= (@extschema@.burst_series, @extschema@.burst_series) IS
    'true when both series have the same width, buckets, counts and values';
COMMENT ON OPERATOR @extschema@.<> (@extschema@.burst_series, @extschema@.burst_series) IS
    'true when the series differ in width, buckets, counts or values';

-- Aggregates. The state is the one of the one-step burst_inflation and burst_episodes (internal,
-- in the aggregate memory context, combine/serialize/deserialize shared); rows follow the same
-- rules: a NULL bucket skips the row, NULL counts contribute nothing.
CREATE FUNCTION @extschema@.burst_series_transfn(internal, timestamptz, bigint, bigint) RETURNS internal
    AS 'MODULE_PATHNAME', 'burst_series_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.burst_series_transfn(internal, timestamptz, bigint, bigint, interval) RETURNS internal
    AS 'MODULE_PATHNAME', 'burst_series_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.burst_series_transfn(internal, timestamptz, bigint, bigint, float8, interval)
    RETURNS internal
    AS 'MODULE_PATHNAME', 'burst_series_value_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.burst_series_rollup_transfn(internal, @extschema@.burst_series) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.burst_series_final(internal) RETURNS @extschema@.burst_series
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.burst_series_transfn(internal, timestamptz, bigint, bigint) IS
    'transition function of burst_series: adds one row to its bucket (width ''1 hour'')';
COMMENT ON FUNCTION @extschema@.burst_series_transfn(internal, timestamptz, bigint, bigint, interval) IS
    'transition function of burst_series: adds one row to its bucket';
COMMENT ON FUNCTION @extschema@.burst_series_transfn(internal, timestamptz, bigint, bigint, float8, interval) IS
    'transition function of the valued burst_series: adds one row with the value of its merged changes';
COMMENT ON FUNCTION @extschema@.burst_series_rollup_transfn(internal, @extschema@.burst_series) IS
    'transition function of rollup(burst_series): merges one stored series';
COMMENT ON FUNCTION @extschema@.burst_series_final(internal) IS
    'final function of burst_series and rollup(burst_series): the stored series (NULL without rows)';

CREATE AGGREGATE @extschema@.burst_series(bucket timestamptz, tokens bigint, merged_changes bigint) (
    SFUNC = @extschema@.burst_series_transfn, STYPE = internal, FINALFUNC = @extschema@.burst_series_final,
    COMBINEFUNC = @extschema@.burst_combine, SERIALFUNC = @extschema@.burst_serialize,
    DESERIALFUNC = @extschema@.burst_deserialize, PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.burst_series(bucket timestamptz, tokens bigint, merged_changes bigint,
                                          bucket_width interval) (
    SFUNC = @extschema@.burst_series_transfn, STYPE = internal, FINALFUNC = @extschema@.burst_series_final,
    COMBINEFUNC = @extschema@.burst_combine, SERIALFUNC = @extschema@.burst_serialize,
    DESERIALFUNC = @extschema@.burst_deserialize, PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.burst_series(bucket timestamptz, tokens bigint, merged_changes bigint,
                                          merged_value float8, bucket_width interval) (
    SFUNC = @extschema@.burst_series_transfn, STYPE = internal, FINALFUNC = @extschema@.burst_series_final,
    COMBINEFUNC = @extschema@.burst_combine, SERIALFUNC = @extschema@.burst_serialize,
    DESERIALFUNC = @extschema@.burst_deserialize, PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.burst_series(timestamptz, bigint, bigint) IS
    'a developer''s hourly series of tokens and merged changes (one row per event or bucket, any order), storable; analyse it with burst_inflation(series, ...)';
COMMENT ON AGGREGATE @extschema@.burst_series(timestamptz, bigint, bigint, interval) IS
    'a developer''s series of tokens and merged changes with the given bucket width (buckets truncated to it), storable; analyse it with burst_inflation(series, ...)';
COMMENT ON AGGREGATE @extschema@.burst_series(timestamptz, bigint, bigint, float8, interval) IS
    'a developer''s series crediting merged output by its value (merged_value in [0, 1e6] per row, kept to 6 decimals), with the given bucket width';

CREATE AGGREGATE @extschema@.rollup(@extschema@.burst_series) (
    SFUNC = @extschema@.burst_series_rollup_transfn, STYPE = internal, FINALFUNC = @extschema@.burst_series_final,
    COMBINEFUNC = @extschema@.burst_combine, SERIALFUNC = @extschema@.burst_serialize,
    DESERIALFUNC = @extschema@.burst_deserialize, PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rollup(@extschema@.burst_series) IS
    'merges stored series of one developer (adjacent or overlapping ranges: buckets summed); equal, bit for bit, to burst_series over the underlying rows; series of different widths are refused';

-- Accessors: parameters belong here, named and defaulted.
CREATE FUNCTION @extschema@.burst_inflation(series @extschema@.burst_series, significance float8 DEFAULT 0.01,
                                            horizon interval DEFAULT '3 days', baseline interval DEFAULT '56 days')
    RETURNS float8
    AS 'MODULE_PATHNAME', 'burst_series_inflation' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.burst_inflation(@extschema@.burst_series, float8, interval, interval) IS
    'share of the series'' tokens in significant bursts that delivered no matching merged output, in [0, 1]; significance = developer-level false-alarm rate, horizon = how long after a burst merges still count, baseline = window of usual use';
CREATE FUNCTION @extschema@.burst_episodes(series @extschema@.burst_series, significance float8 DEFAULT 0.01,
                                           horizon interval DEFAULT '3 days', baseline interval DEFAULT '56 days')
    RETURNS @extschema@.burst_episode[]
    AS 'MODULE_PATHNAME', 'burst_series_episodes' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.burst_episodes(@extschema@.burst_series, float8, interval, interval) IS
    'the significant excursions behind burst_inflation(series, ...), sprints included (inflated_tokens 0), ordered by start';
CREATE FUNCTION @extschema@.buckets(series @extschema@.burst_series)
    RETURNS TABLE(bucket timestamptz, tokens bigint, merged_changes bigint, merged_value float8)
    AS 'MODULE_PATHNAME', 'burst_series_buckets' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 100;
COMMENT ON FUNCTION @extschema@.buckets(@extschema@.burst_series) IS
    'the buckets of a series that received rows, ascending: start, tokens, merged changes and merged value (= merged changes when no value was given)';
CREATE FUNCTION @extschema@.bucket_width(@extschema@.burst_series) RETURNS interval
    AS 'MODULE_PATHNAME', 'burst_series_bucket_width' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bucket_width(@extschema@.burst_series) IS 'the bucket width of a series';
CREATE FUNCTION @extschema@.tokens(@extschema@.burst_series) RETURNS bigint
    AS 'MODULE_PATHNAME', 'burst_series_tokens' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.tokens(@extschema@.burst_series) IS 'total tokens of a series';
CREATE FUNCTION @extschema@.merged_changes(@extschema@.burst_series) RETURNS bigint
    AS 'MODULE_PATHNAME', 'burst_series_merged_changes' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.merged_changes(@extschema@.burst_series) IS 'total merged changes of a series';
CREATE FUNCTION @extschema@.merged_value(@extschema@.burst_series) RETURNS float8
    AS 'MODULE_PATHNAME', 'burst_series_merged_value' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.merged_value(@extschema@.burst_series) IS
    'total merged value of a series (its merged changes when no value was given), exact to 6 decimals';
CREATE FUNCTION @extschema@.first_bucket(@extschema@.burst_series) RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'burst_series_first_bucket' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.first_bucket(@extschema@.burst_series) IS 'start of the first bucket of a series';
CREATE FUNCTION @extschema@.last_bucket(@extschema@.burst_series) RETURNS timestamptz
    AS 'MODULE_PATHNAME', 'burst_series_last_bucket' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.last_bucket(@extschema@.burst_series) IS 'start of the last bucket of a series';
CREATE FUNCTION @extschema@.bucket_count(@extschema@.burst_series) RETURNS bigint
    AS 'MODULE_PATHNAME', 'burst_series_bucket_count' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.bucket_count(@extschema@.burst_series) IS 'number of stored (non-empty) buckets of a series';

-- The one-step burst_inflation and burst_episodes aggregates now share burst_series' state:
-- same transition, final = analysis with the aggregate's parameters (results unchanged; merged
-- value is kept to 6 decimals, at most 1e6 per row).

------------------------------------------------------------------------------------------------
-- Bindings: per developer-day storage and incremental refresh
------------------------------------------------------------------------------------------------
