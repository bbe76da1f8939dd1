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

-- float8 overloads of the fair window functions: value is the sum of the weights of merged
-- changes, effective_count (per row) their Kish effective number value^2 / sum(weight^2); NULL
-- treats value as a count. Same C entry points: they dispatch on the value argument's type.
-- Overload resolution: a bigint value keeps the bigint functions (an exact match); numeric and
-- float8 values, and integer literals (float8 is the preferred numeric type), take these, which
-- give bit-identical results on integer values without an effective count.

CREATE FUNCTION @extschema@.fair_score(value float8, exposure float8, quantile float8 DEFAULT 0.1,
                                       effective_count float8 DEFAULT NULL)
    RETURNS float8 AS 'MODULE_PATHNAME', 'fair_score' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.fair_score(float8, float8, float8, float8) IS
    'fair score of a row with fractional value (sum of change weights) and effective_count (value^2 / sum of squared weights; NULL: value is a count): the posterior lower quantile of value per unit exposure, with one large change less certain than many small ones; use OVER (PARTITION BY cohort)';

CREATE FUNCTION @extschema@.fair_score(value float8, exposure float8, quantile float8,
                                       prior_alpha float8, prior_beta float8,
                                       effective_count float8 DEFAULT NULL)
    RETURNS float8 AS 'MODULE_PATHNAME', 'fair_score' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.fair_score(float8, float8, float8, float8, float8, float8) IS
    'fair score of a row with fractional value and effective_count against a given Gamma(prior_alpha, prior_beta) prior on value per unit exposure';

CREATE FUNCTION @extschema@.fair_rank(value float8, exposure float8, quantile float8 DEFAULT 0.1,
                                      effective_count float8 DEFAULT NULL)
    RETURNS bigint AS 'MODULE_PATHNAME', 'fair_rank' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.fair_rank(float8, float8, float8, float8) IS
    'rank by fair_score (fractional value, effective_count) within the window partition, 1 = best; ties share a rank as in rank()';

CREATE FUNCTION @extschema@.fair_rank(value float8, exposure float8, quantile float8,
                                      prior_alpha float8, prior_beta float8,
                                      effective_count float8 DEFAULT NULL)
    RETURNS bigint AS 'MODULE_PATHNAME', 'fair_rank' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.fair_rank(float8, float8, float8, float8, float8, float8) IS
    'rank by fair_score (fractional value, effective_count) against a given Gamma(prior_alpha, prior_beta) prior';

CREATE FUNCTION @extschema@.fair_rank_lower(value float8, exposure float8, quantile float8 DEFAULT 0.1,
                                            level float8 DEFAULT 0.8, effective_count float8 DEFAULT NULL)
    RETURNS bigint AS 'MODULE_PATHNAME', 'fair_rank_lower' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.fair_rank_lower(float8, float8, float8, float8, float8) IS
    'best plausible rank (fractional value, effective_count): 1 + the number of rows whose central posterior interval (at level) lies entirely above this row''s';

CREATE FUNCTION @extschema@.fair_rank_upper(value float8, exposure float8, quantile float8 DEFAULT 0.1,
                                            level float8 DEFAULT 0.8, effective_count float8 DEFAULT NULL)
    RETURNS bigint AS 'MODULE_PATHNAME', 'fair_rank_upper' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.fair_rank_upper(float8, float8, float8, float8, float8) IS
    'worst plausible rank (fractional value, effective_count): the partition size minus the number of rows whose central posterior interval lies entirely below this row''s';

-- What the model used for the row, appended so the old attributes keep their places: the
-- effective count n (the value, for counts) and the dispersion value / n (1 for counts; the
-- partition's pooled dispersion for a zero value).
ALTER TYPE @extschema@.fair_detail ADD ATTRIBUTE effective_count float8;
ALTER TYPE @extschema@.fair_detail ADD ATTRIBUTE dispersion float8;

CREATE FUNCTION @extschema@.fair_detail(value float8, exposure float8, quantile float8 DEFAULT 0.1,
                                        level float8 DEFAULT 0.8, effective_count float8 DEFAULT NULL)
    RETURNS @extschema@.fair_detail AS 'MODULE_PATHNAME', 'fair_detail' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.fair_detail(float8, float8, float8, float8, float8) IS
    'explains a fair_score of a row with fractional value and effective_count: score, rank and rank interval, posterior, shrinkage, the partition''s fitted prior, the effective count and dispersion used; (fair_detail(...) OVER w).* expands it';

-- (end of the fair leaderboard section)

------------------------------------------------------------------------------------------------
-- Burst inflation: merged output credited by its value, not its count
------------------------------------------------------------------------------------------------

-- (end of the burst section)

------------------------------------------------------------------------------------------------
-- Binding: what a change is worth, whose tokens, suspected split identities
------------------------------------------------------------------------------------------------

-- (end of the binding section)
