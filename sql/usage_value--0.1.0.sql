-- usage_value 0.1.0: usage summaries, tokens per merged change, token accounting.
-- Frozen: released versions never change. The current definition of every object is in
-- sql/usage_value.sql, the install script of the current version (see Makefile).

\echo Use "CREATE EXTENSION usage_value" to load this file. \quit

------------------------------------------------------------------------------------------------
-- usage_summary: tokens spent and merged changes delivered by a group of rows
------------------------------------------------------------------------------------------------

CREATE TYPE @extschema@.usage_summary;

CREATE FUNCTION @extschema@.usage_summary_in(cstring) RETURNS @extschema@.usage_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.usage_summary_out(@extschema@.usage_summary) RETURNS cstring
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.usage_summary_recv(internal) RETURNS @extschema@.usage_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.usage_summary_send(@extschema@.usage_summary) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.usage_summary_in(cstring) IS 'text input of usage_summary (validated)';
COMMENT ON FUNCTION @extschema@.usage_summary_out(@extschema@.usage_summary) IS 'text output of usage_summary';
COMMENT ON FUNCTION @extschema@.usage_summary_recv(internal) IS 'binary input of usage_summary (validated; COPY BINARY)';
COMMENT ON FUNCTION @extschema@.usage_summary_send(@extschema@.usage_summary) IS 'binary output of usage_summary';

-- Storage plain: a 24-byte value gains nothing from compression, and unpacked values on disk
-- keep their 8-byte alignment.
CREATE TYPE @extschema@.usage_summary (
    INPUT = @extschema@.usage_summary_in,
    OUTPUT = @extschema@.usage_summary_out,
    RECEIVE = @extschema@.usage_summary_recv,
    SEND = @extschema@.usage_summary_send,
    INTERNALLENGTH = VARIABLE,
    ALIGNMENT = double,
    STORAGE = plain
);
COMMENT ON TYPE @extschema@.usage_summary IS
    'Tokens spent and merged changes delivered by a group of rows; result of usage_agg, combinable with rollup. Text form: (version:1,rows:N,tokens:N,merged_changes:N)';

CREATE FUNCTION @extschema@.usage_summary_eq(@extschema@.usage_summary, @extschema@.usage_summary) RETURNS boolean
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION @extschema@.usage_summary_ne(@extschema@.usage_summary, @extschema@.usage_summary) RETURNS boolean
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.usage_summary_eq(@extschema@.usage_summary, @extschema@.usage_summary) IS
    'implements = for usage_summary';
COMMENT ON FUNCTION @extschema@.usage_summary_ne(@extschema@.usage_summary, @extschema@.usage_summary) IS
    'implements <> for usage_summary';
CREATE FUNCTION @extschema@.usage_summary_hash(@extschema@.usage_summary) RETURNS integer
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.usage_summary_hash(@extschema@.usage_summary) IS
    'hash support for usage_summary: GROUP BY, DISTINCT and UNION on summaries';
CREATE OPERATOR @extschema@.= (
    LEFTARG = @extschema@.usage_summary, RIGHTARG = @extschema@.usage_summary,
    FUNCTION = @extschema@.usage_summary_eq,
    COMMUTATOR = OPERATOR(@extschema@.=), NEGATOR = OPERATOR(@extschema@.<>),
    RESTRICT = eqsel, JOIN = eqjoinsel, HASHES
);
CREATE OPERATOR @extschema@.<> (
    LEFTARG = @extschema@.usage_summary, RIGHTARG = @extschema@.usage_summary,
    FUNCTION = @extschema@.usage_summary_ne,
    COMMUTATOR = OPERATOR(@extschema@.<>), NEGATOR = OPERATOR(@extschema@.=),
    RESTRICT = neqsel, JOIN = neqjoinsel
);
CREATE OPERATOR CLASS @extschema@.usage_summary_hash_ops
    DEFAULT FOR TYPE @extschema@.usage_summary USING hash AS
    OPERATOR 1 @extschema@.= (@extschema@.usage_summary, @extschema@.usage_summary),
    FUNCTION 1 @extschema@.usage_summary_hash(@extschema@.usage_summary);
COMMENT ON OPERATOR @extschema@.= (@extschema@.usage_summary, @extschema@.usage_summary) IS
    'true when both summaries hold the same tokens and merged changes';
COMMENT ON OPERATOR @extschema@.<> (@extschema@.usage_summary, @extschema@.usage_summary) IS
    'true when the summaries differ in tokens or merged changes';

-- Transition, inverse, final and combine functions. Not STRICT: a NULL argument contributes
-- nothing, as in sum(); the state counts the rows it holds so that no row gives NULL.
CREATE FUNCTION @extschema@.usage_agg_transfn(@extschema@.usage_summary, bigint, bigint)
    RETURNS @extschema@.usage_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.usage_agg_transfn(@extschema@.usage_summary, bigint, bigint) IS
    'transition function of usage_agg: adds one row of tokens and merged changes';
CREATE FUNCTION @extschema@.usage_agg_inverse(@extschema@.usage_summary, bigint, bigint)
    RETURNS @extschema@.usage_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.usage_agg_inverse(@extschema@.usage_summary, bigint, bigint) IS
    'inverse transition of usage_agg for moving window frames: removes one row';
CREATE FUNCTION @extschema@.usage_agg_final(@extschema@.usage_summary)
    RETURNS @extschema@.usage_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.usage_agg_final(@extschema@.usage_summary) IS
    'final function of usage_agg: a summary of zero rows becomes NULL, as sum() of no rows is NULL';
CREATE FUNCTION @extschema@.usage_summary_combine(@extschema@.usage_summary, @extschema@.usage_summary)
    RETURNS @extschema@.usage_summary
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.usage_summary_combine(@extschema@.usage_summary, @extschema@.usage_summary) IS
    'adds two usage summaries: combine step of parallel aggregation and transition of rollup';

CREATE AGGREGATE @extschema@.usage_agg(tokens bigint, merged_changes bigint) (
    SFUNC = @extschema@.usage_agg_transfn,
    STYPE = @extschema@.usage_summary,
    FINALFUNC = @extschema@.usage_agg_final,
    COMBINEFUNC = @extschema@.usage_summary_combine,
    MSFUNC = @extschema@.usage_agg_transfn,
    MINVFUNC = @extschema@.usage_agg_inverse,
    MSTYPE = @extschema@.usage_summary,
    MFINALFUNC = @extschema@.usage_agg_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.usage_agg(bigint, bigint) IS
    'summarises tokens spent and merged changes delivered into a usage_summary; NULL arguments contribute nothing; read it with tokens(), merged_changes(), tokens_per_merged_change()';

CREATE AGGREGATE @extschema@.rollup(@extschema@.usage_summary) (
    SFUNC = @extschema@.usage_summary_combine,
    STYPE = @extschema@.usage_summary,
    COMBINEFUNC = @extschema@.usage_summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.rollup(@extschema@.usage_summary) IS
    'combines stored usage summaries (e.g. daily into monthly); equal to usage_agg over the underlying rows';

------------------------------------------------------------------------------------------------
-- Accessors
------------------------------------------------------------------------------------------------

CREATE FUNCTION @extschema@.row_count(summary @extschema@.usage_summary) RETURNS bigint
    AS 'MODULE_PATHNAME', 'usage_summary_row_count' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.row_count(@extschema@.usage_summary) IS
    'number of rows summarised (rows whose tokens and merged changes were not both NULL)';

CREATE FUNCTION @extschema@.tokens(summary @extschema@.usage_summary) RETURNS bigint
    AS 'MODULE_PATHNAME', 'usage_summary_tokens' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.tokens(@extschema@.usage_summary) IS
    'total tokens in the summary';

CREATE FUNCTION @extschema@.merged_changes(summary @extschema@.usage_summary) RETURNS bigint
    AS 'MODULE_PATHNAME', 'usage_summary_merged_changes' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.merged_changes(@extschema@.usage_summary) IS
    'total merged changes in the summary';

CREATE FUNCTION @extschema@.tokens_per_merged_change(summary @extschema@.usage_summary) RETURNS float8
    AS 'MODULE_PATHNAME', 'usage_summary_tokens_per_merged_change' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.tokens_per_merged_change(@extschema@.usage_summary) IS
    'tokens divided by merged changes; NULL when there are no merged changes';

CREATE FUNCTION @extschema@.tokens_per_merged_change_lower(summary @extschema@.usage_summary,
                                                          confidence float8 DEFAULT 0.95) RETURNS float8
    AS 'MODULE_PATHNAME', 'usage_summary_tokens_per_merged_change_lower' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.tokens_per_merged_change_lower(@extschema@.usage_summary, float8) IS
    'lower bound of tokens per merged change: tokens over the exact (Garwood) Poisson upper bound on merges; confidence in (0, 1)';

CREATE FUNCTION @extschema@.tokens_per_merged_change_upper(summary @extschema@.usage_summary,
                                                          confidence float8 DEFAULT 0.95) RETURNS float8
    AS 'MODULE_PATHNAME', 'usage_summary_tokens_per_merged_change_upper' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.tokens_per_merged_change_upper(@extschema@.usage_summary, float8) IS
    'upper bound of tokens per merged change: tokens over the exact (Garwood) Poisson lower bound on merges; Infinity with no merges; confidence in (0, 1)';

CREATE AGGREGATE @extschema@.tokens_per_merged_change(tokens bigint, merged_changes bigint) (
    SFUNC = @extschema@.usage_agg_transfn,
    STYPE = @extschema@.usage_summary,
    FINALFUNC = @extschema@.tokens_per_merged_change,
    COMBINEFUNC = @extschema@.usage_summary_combine,
    MSFUNC = @extschema@.usage_agg_transfn,
    MINVFUNC = @extschema@.usage_agg_inverse,
    MSTYPE = @extschema@.usage_summary,
    MFINALFUNC = @extschema@.tokens_per_merged_change,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.tokens_per_merged_change(bigint, bigint) IS
    'sum(tokens) / sum(merged_changes) in one pass; NULL when no changes were merged';

------------------------------------------------------------------------------------------------
-- Token accounting across telemetry sources
------------------------------------------------------------------------------------------------

CREATE FUNCTION @extschema@.billable_tokens(input_tokens bigint, output_tokens bigint,
                                           cache_read_tokens bigint, cache_creation_tokens bigint,
                                           convention text) RETURNS bigint
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.billable_tokens(bigint, bigint, bigint, bigint, text) IS
    'tokens of one usage record counted once: convention cache_separate (anthropic, claude_code) adds cache reads and writes to input; cache_included (openai, otel_genai, copilot) already has them inside input. NULL counts are 0';
