-- usage_value 0.2.0 -> 0.3.0: what a change is worth (weighted value), whose tokens (identities,
-- cohorts), and the adversarial guarantees of issue 10.

\echo Use "ALTER EXTENSION usage_value UPDATE TO '0.3.0'" to load this file. \quit

------------------------------------------------------------------------------------------------
-- usage_summary: the weighted value of merged changes beside their plain count
------------------------------------------------------------------------------------------------

-- Each merged change may carry a value (a float8 >= 0). usage_summary keeps the sum of the values
-- and the sum of their squares beside the plain count; an unweighted summary (every change worth
-- 1) keeps its version 1 encoding in every form, so stored values and dumps do not change.
COMMENT ON TYPE @extschema@.usage_summary IS
    'Tokens spent, merged changes delivered and their weighted value, for a group of rows; result of usage_agg, combinable with rollup. Text form: (version:1,rows:N,tokens:N,merged_changes:N) when every change weighs 1, else (version:2,rows:N,tokens:N,merged_changes:N,value:X,value_squares:X)';
COMMENT ON OPERATOR @extschema@.= (@extschema@.usage_summary, @extschema@.usage_summary) IS
    'true when both summaries hold the same rows, tokens, merged changes, value and value_squares';
COMMENT ON OPERATOR @extschema@.<> (@extschema@.usage_summary, @extschema@.usage_summary) IS
    'true when the summaries differ in rows, tokens, merged changes, value or value_squares';

-- Not STRICT: a NULL argument contributes nothing, as in sum() (a NULL value adds no value while
-- the row's merged changes still count); a row of three NULLs is not counted.
CREATE FUNCTION @extschema@.usage_agg_transfn(@extschema@.usage_summary, bigint, bigint, float8)
    RETURNS @extschema@.usage_summary
    AS 'MODULE_PATHNAME', 'usage_agg_weighted_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.usage_agg_transfn(@extschema@.usage_summary, bigint, bigint, float8) IS
    'transition function of usage_agg(tokens, merged_changes, value): adds one row with the value of its merged changes';

-- No moving-aggregate inverse: sums of float8 weights cannot be undone exactly (PostgreSQL's own
-- float8 sum() has none either), so a sliding frame recomputes from its rows.
CREATE AGGREGATE @extschema@.usage_agg(tokens bigint, merged_changes bigint, value float8) (
    SFUNC = @extschema@.usage_agg_transfn,
    STYPE = @extschema@.usage_summary,
    FINALFUNC = @extschema@.usage_agg_final,
    COMBINEFUNC = @extschema@.usage_summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.usage_agg(bigint, bigint, float8) IS
    'summarises tokens spent, merged changes delivered and their value (float8 >= 0, e.g. 0 for reverts and bots) into a usage_summary; NULL arguments contribute nothing; read it with value(), effective_changes(), tokens_per_value()';

CREATE FUNCTION @extschema@.value(summary @extschema@.usage_summary) RETURNS float8
    AS 'MODULE_PATHNAME', 'usage_summary_value' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.value(@extschema@.usage_summary) IS
    'total value of the merged changes in the summary (their count when every change weighs 1)';

CREATE FUNCTION @extschema@.effective_changes(summary @extschema@.usage_summary) RETURNS float8
    AS 'MODULE_PATHNAME', 'usage_summary_effective_changes' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.effective_changes(@extschema@.usage_summary) IS
    'Kish effective number of changes, value^2 / value_squares: how many equally weighted changes carry the same information; 0 with no value';

CREATE FUNCTION @extschema@.tokens_per_value(summary @extschema@.usage_summary) RETURNS float8
    AS 'MODULE_PATHNAME', 'usage_summary_tokens_per_value' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.tokens_per_value(@extschema@.usage_summary) IS
    'tokens divided by value; NULL when the value is 0';

CREATE FUNCTION @extschema@.tokens_per_value_lower(summary @extschema@.usage_summary,
                                                  confidence float8 DEFAULT 0.95) RETURNS float8
    AS 'MODULE_PATHNAME', 'usage_summary_tokens_per_value_lower' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.tokens_per_value_lower(@extschema@.usage_summary, float8) IS
    'lower bound of tokens per value: tokens over the upper bound on value (Garwood interval for the effective count, scaled by value_squares / value); confidence in (0, 1)';

CREATE FUNCTION @extschema@.tokens_per_value_upper(summary @extschema@.usage_summary,
                                                  confidence float8 DEFAULT 0.95) RETURNS float8
    AS 'MODULE_PATHNAME', 'usage_summary_tokens_per_value_upper' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.tokens_per_value_upper(@extschema@.usage_summary, float8) IS
    'upper bound of tokens per value: tokens over the lower bound on value (Garwood interval for the effective count, scaled by value_squares / value); Infinity with no value; confidence in (0, 1)';

-- (end of the usage_summary section)

------------------------------------------------------------------------------------------------
-- Fair leaderboards: fractional value with an effective count
------------------------------------------------------------------------------------------------

-- (end of the fair leaderboard section)

------------------------------------------------------------------------------------------------
-- Burst inflation: merged output credited by its value, not its count
------------------------------------------------------------------------------------------------

-- (end of the burst section)

------------------------------------------------------------------------------------------------
-- Binding: what a change is worth, whose tokens, suspected split identities
------------------------------------------------------------------------------------------------

-- (end of the binding section)
