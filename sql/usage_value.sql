-- usage_value: value per AI token, natively in PostgreSQL.
-- The install script of the current version is generated from this file (see Makefile).

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

------------------------------------------------------------------------------------------------
-- Burst inflation: token spikes above a developer's own baseline that delivered no output
------------------------------------------------------------------------------------------------

CREATE TYPE @extschema@.burst_episode AS (
    start_at timestamptz,              -- first bucket of the excursion
    end_at timestamptz,                -- end of its last bucket (exclusive)
    tokens bigint,                     -- tokens spent in [start_at, end_at)
    baseline_tokens float8,            -- tokens the developer's own baseline expects there
    merged_changes bigint,             -- merges in the episode and the attribution horizon after it
    expected_merged_changes float8,    -- merges expected at the developer's usual tokens per merge
    excess_tokens float8,              -- tokens - baseline_tokens
    inflated_tokens float8,            -- the part of the excess that the merges do not explain
    p_value float8,                    -- scan p-value, adjusted for every window and scale tried
    is_inflation boolean               -- inflated_tokens > 0 (false: a sprint that delivered)
);
COMMENT ON TYPE @extschema@.burst_episode IS
    'one significant excursion of token use above the developer''s baseline, as returned by burst_episodes';

CREATE FUNCTION @extschema@.burst_transfn(internal, timestamptz, bigint, bigint) RETURNS internal
    AS 'MODULE_PATHNAME', 'burst_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.burst_transfn(internal, timestamptz, bigint, bigint, interval) RETURNS internal
    AS 'MODULE_PATHNAME', 'burst_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION @extschema@.burst_transfn(internal, timestamptz, bigint, bigint, interval, float8, interval, interval)
    RETURNS internal
    AS 'MODULE_PATHNAME', 'burst_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.burst_transfn(internal, timestamptz, bigint, bigint) IS
    'transition function of burst_inflation and burst_episodes: adds one bucket';
COMMENT ON FUNCTION @extschema@.burst_transfn(internal, timestamptz, bigint, bigint, interval) IS
    'transition function of burst_inflation and burst_episodes: adds one bucket';
COMMENT ON FUNCTION @extschema@.burst_transfn(internal, timestamptz, bigint, bigint, interval, float8, interval, interval) IS
    'transition function of burst_inflation and burst_episodes: adds one bucket';
CREATE FUNCTION @extschema@.burst_combine(internal, internal) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.burst_combine(internal, internal) IS
    'combine function of burst_inflation and burst_episodes (parallel query)';
CREATE FUNCTION @extschema@.burst_serialize(internal) RETURNS bytea
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.burst_serialize(internal) IS
    'serialises a burst state for parallel query';
CREATE FUNCTION @extschema@.burst_deserialize(bytea, internal) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.burst_deserialize(bytea, internal) IS
    'deserialises (and validates) a burst state for parallel query';
CREATE FUNCTION @extschema@.burst_inflation_final(internal) RETURNS float8
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.burst_inflation_final(internal) IS
    'final function of burst_inflation: the inflated share of tokens';
CREATE FUNCTION @extschema@.burst_episodes_final(internal) RETURNS @extschema@.burst_episode[]
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.burst_episodes_final(internal) IS
    'final function of burst_episodes: the episodes behind the score';

CREATE AGGREGATE @extschema@.burst_inflation(bucket timestamptz, tokens bigint, merged_changes bigint) (
    SFUNC = @extschema@.burst_transfn, STYPE = internal, FINALFUNC = @extschema@.burst_inflation_final,
    COMBINEFUNC = @extschema@.burst_combine, SERIALFUNC = @extschema@.burst_serialize,
    DESERIALFUNC = @extschema@.burst_deserialize, PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.burst_inflation(bucket timestamptz, tokens bigint, merged_changes bigint,
                                             bucket_width interval) (
    SFUNC = @extschema@.burst_transfn, STYPE = internal, FINALFUNC = @extschema@.burst_inflation_final,
    COMBINEFUNC = @extschema@.burst_combine, SERIALFUNC = @extschema@.burst_serialize,
    DESERIALFUNC = @extschema@.burst_deserialize, PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.burst_inflation(bucket timestamptz, tokens bigint, merged_changes bigint,
                                             bucket_width interval, significance float8,
                                             horizon interval, baseline interval) (
    SFUNC = @extschema@.burst_transfn, STYPE = internal, FINALFUNC = @extschema@.burst_inflation_final,
    COMBINEFUNC = @extschema@.burst_combine, SERIALFUNC = @extschema@.burst_serialize,
    DESERIALFUNC = @extschema@.burst_deserialize, PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.burst_inflation(timestamptz, bigint, bigint) IS
    'share of tokens (0..1) spent in significant bursts above the developer''s own baseline that delivered no matching merged changes; daily buckets; one row per developer and bucket, any order';
COMMENT ON AGGREGATE @extschema@.burst_inflation(timestamptz, bigint, bigint, interval) IS
    'burst_inflation with the given bucket width (e.g. ''1 hour'')';
COMMENT ON AGGREGATE @extschema@.burst_inflation(timestamptz, bigint, bigint, interval, float8, interval, interval) IS
    'burst_inflation with bucket width, significance (default 0.01), attribution horizon (default 3 days) and baseline window (default 56 days)';

CREATE AGGREGATE @extschema@.burst_episodes(bucket timestamptz, tokens bigint, merged_changes bigint) (
    SFUNC = @extschema@.burst_transfn, STYPE = internal, FINALFUNC = @extschema@.burst_episodes_final,
    COMBINEFUNC = @extschema@.burst_combine, SERIALFUNC = @extschema@.burst_serialize,
    DESERIALFUNC = @extschema@.burst_deserialize, PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.burst_episodes(bucket timestamptz, tokens bigint, merged_changes bigint,
                                            bucket_width interval) (
    SFUNC = @extschema@.burst_transfn, STYPE = internal, FINALFUNC = @extschema@.burst_episodes_final,
    COMBINEFUNC = @extschema@.burst_combine, SERIALFUNC = @extschema@.burst_serialize,
    DESERIALFUNC = @extschema@.burst_deserialize, PARALLEL = SAFE
);
CREATE AGGREGATE @extschema@.burst_episodes(bucket timestamptz, tokens bigint, merged_changes bigint,
                                            bucket_width interval, significance float8,
                                            horizon interval, baseline interval) (
    SFUNC = @extschema@.burst_transfn, STYPE = internal, FINALFUNC = @extschema@.burst_episodes_final,
    COMBINEFUNC = @extschema@.burst_combine, SERIALFUNC = @extschema@.burst_serialize,
    DESERIALFUNC = @extschema@.burst_deserialize, PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.burst_episodes(timestamptz, bigint, bigint) IS
    'the episodes behind burst_inflation, as an array of burst_episode (unnest it for rows); daily buckets';
COMMENT ON AGGREGATE @extschema@.burst_episodes(timestamptz, bigint, bigint, interval) IS
    'burst_episodes with the given bucket width';
COMMENT ON AGGREGATE @extschema@.burst_episodes(timestamptz, bigint, bigint, interval, float8, interval, interval) IS
    'burst_episodes with bucket width, significance, attribution horizon and baseline window';

CREATE FUNCTION @extschema@.burst_score_add(internal, bigint) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.burst_score_add(internal, bigint) IS
    'transition function of burst_score: adds the current row to the frame';
CREATE FUNCTION @extschema@.burst_score_remove(internal, bigint) RETURNS internal
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.burst_score_remove(internal, bigint) IS
    'inverse transition of burst_score: removes the row leaving the frame';
CREATE FUNCTION @extschema@.burst_score_final(internal) RETURNS float8
    AS 'MODULE_PATHNAME' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.burst_score_final(internal) IS
    'final function of burst_score: surprise of the current row against the rest of the frame';
-- No combine function: the score is defined against the current row of an ordered frame, which
-- partial aggregation does not have. The aggregate is still PARALLEL SAFE (it runs above a
-- parallel scan).
CREATE AGGREGATE @extschema@.burst_score(tokens bigint) (
    SFUNC = @extschema@.burst_score_add, STYPE = internal, FINALFUNC = @extschema@.burst_score_final,
    MSFUNC = @extschema@.burst_score_add, MINVFUNC = @extschema@.burst_score_remove,
    MSTYPE = internal, MFINALFUNC = @extschema@.burst_score_final,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.burst_score(bigint) IS
    'robust surprise of the current bucket''s tokens against the rest of the frame (median/MAD on a log scale, zeros modelled apart): 0 typical, +2 as rare as a 2-sigma high; use OVER (PARTITION BY developer ORDER BY bucket ROWS BETWEEN n PRECEDING AND CURRENT ROW)';

------------------------------------------------------------------------------------------------
-- Fair leaderboards: value per token with empirical-Bayes shrinkage, ranked on a lower bound
------------------------------------------------------------------------------------------------

CREATE FUNCTION @extschema@.fair_score(value bigint, exposure float8, quantile float8 DEFAULT 0.1)
    RETURNS float8 AS 'MODULE_PATHNAME' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.fair_score(bigint, float8, float8) IS
    'fair score of a row in its window partition: the posterior lower quantile (default 10%) of value per unit exposure under a Gamma-Poisson prior fitted to the partition by marginal likelihood; use OVER (PARTITION BY cohort)';

CREATE FUNCTION @extschema@.fair_score(value bigint, exposure float8, quantile float8,
                                       prior_alpha float8, prior_beta float8)
    RETURNS float8 AS 'MODULE_PATHNAME', 'fair_score' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.fair_score(bigint, float8, float8, float8, float8) IS
    'fair score against a given Gamma(prior_alpha, prior_beta) prior (e.g. one fitted on a previous period) instead of one fitted to the partition';

CREATE FUNCTION @extschema@.fair_rank(value bigint, exposure float8, quantile float8 DEFAULT 0.1)
    RETURNS bigint AS 'MODULE_PATHNAME' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.fair_rank(bigint, float8, float8) IS
    'rank by fair_score within the window partition, 1 = best; ties share a rank as in rank()';

CREATE FUNCTION @extschema@.fair_rank(value bigint, exposure float8, quantile float8,
                                      prior_alpha float8, prior_beta float8)
    RETURNS bigint AS 'MODULE_PATHNAME', 'fair_rank' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.fair_rank(bigint, float8, float8, float8, float8) IS
    'rank by fair_score against a given Gamma(prior_alpha, prior_beta) prior';

CREATE FUNCTION @extschema@.fair_rank_lower(value bigint, exposure float8, quantile float8 DEFAULT 0.1,
                                            level float8 DEFAULT 0.8)
    RETURNS bigint AS 'MODULE_PATHNAME' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.fair_rank_lower(bigint, float8, float8, float8) IS
    'best plausible rank: 1 + the number of rows whose central posterior interval (at level) lies entirely above this row''s';

CREATE FUNCTION @extschema@.fair_rank_upper(value bigint, exposure float8, quantile float8 DEFAULT 0.1,
                                            level float8 DEFAULT 0.8)
    RETURNS bigint AS 'MODULE_PATHNAME' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.fair_rank_upper(bigint, float8, float8, float8) IS
    'worst plausible rank: the partition size minus the number of rows whose central posterior interval lies entirely below this row''s';

CREATE TYPE @extschema@.fair_detail AS (
    score float8,             -- fair_score
    rank bigint,              -- fair_rank
    rank_lower bigint,        -- fair_rank_lower
    rank_upper bigint,        -- fair_rank_upper
    posterior_mean float8,    -- (alpha + value) / (beta + exposure)
    rate_lower float8,        -- central posterior interval of value per unit exposure, at level
    rate_upper float8,
    shrinkage float8,         -- weight on the prior mean: beta / (beta + exposure)
    prior_alpha float8,       -- the partition's fitted Gamma prior: shape
    prior_beta float8,        --   and rate (in exposure units)
    prior_mean float8,        -- alpha / beta: the cohort's typical value per unit exposure
    prior_method text         -- marginal_likelihood, or the fallback used (see README)
);
COMMENT ON TYPE @extschema@.fair_detail IS 'everything behind a fair_score, as returned by fair_detail';

CREATE FUNCTION @extschema@.fair_detail(value bigint, exposure float8, quantile float8 DEFAULT 0.1,
                                        level float8 DEFAULT 0.8)
    RETURNS @extschema@.fair_detail AS 'MODULE_PATHNAME' LANGUAGE C WINDOW IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.fair_detail(bigint, float8, float8, float8) IS
    'explains a fair_score: score, rank and rank interval, posterior, shrinkage and the partition''s fitted prior; (fair_detail(...) OVER w).* expands it';
