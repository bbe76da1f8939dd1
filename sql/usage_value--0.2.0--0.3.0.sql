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

-- 0.3.0 adds, to the changes side, what a change is worth (sizes, reverts, bots, reviews), an
-- identity map, and the report of suspected split identities; the boards show merged_changes
-- and value, and rank on value with its effective count. Existing boards keep working: their
-- objects are plain views; drop_leaderboard also removes the objects 0.3.0 adds.
ALTER TABLE @extschema@.leaderboards ADD COLUMN objects text[];
COMMENT ON COLUMN @extschema@.leaderboards.objects IS 'the relations create_leaderboard made, in refresh order (NULL for boards made by 0.2.0)';

DROP FUNCTION @extschema@.create_leaderboard(text, regclass, text, text, regclass, text, text, text, text, text, text, text, text, text, regclass, text, text, text, text, interval, integer, name, text);

CREATE FUNCTION @extschema@.create_leaderboard(
    name text,
    usage_table regclass,
    developer_column text,
    time_column text,
    changes_table regclass,
    author_column text,
    merged_at_column text,
    tokens_column text DEFAULT NULL,
    input_tokens_column text DEFAULT NULL,
    output_tokens_column text DEFAULT NULL,
    cache_read_column text DEFAULT NULL,
    cache_creation_column text DEFAULT NULL,
    token_convention text DEFAULT NULL,
    convention_column text DEFAULT NULL,
    team_table regclass DEFAULT NULL,
    team_member_column text DEFAULT NULL,
    team_column text DEFAULT NULL,
    cohort_column text DEFAULT NULL,
    period text DEFAULT 'week',
    bucket_width interval DEFAULT '1 day',
    min_group_size integer DEFAULT 5,
    target_schema name DEFAULT NULL,
    refresh_schedule text DEFAULT NULL,
    -- what a change is worth
    change_id_column text DEFAULT NULL,
    additions_column text DEFAULT NULL,
    deletions_column text DEFAULT NULL,
    reverts_column text DEFAULT NULL,
    bot_column text DEFAULT NULL,
    reviewed_column text DEFAULT NULL,
    change_size_unit float8 DEFAULT NULL,
    change_value_cap float8 DEFAULT 10,
    unreviewed_weight float8 DEFAULT 0.5,
    reviews_table regclass DEFAULT NULL,
    reviewer_column text DEFAULT NULL,
    review_change_column text DEFAULT NULL,
    review_weight float8 DEFAULT 0.25,
    -- whose tokens
    identity_table regclass DEFAULT NULL,
    identity_column text DEFAULT NULL,
    identity_person_column text DEFAULT NULL,
    split_identities text DEFAULT 'rank_jointly'
) RETURNS SETOF text
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    ext name := '@extschema@';
    schema_name name := coalesce(target_schema, current_schema());
    tokens_expr text;
    bucket_seconds bigint;
    team_join text := '';
    team_expr text := 'NULL::text';
    cohort_expr text := 'NULL::text';
    person_expr text := 'true';
    invoker text := CASE WHEN current_setting('server_version_num')::int >= 150000
                         THEN ' WITH (security_invoker = true)' ELSE '' END;
    obj_changes text := name || '_changes';
    obj_buckets text := name || '_buckets';
    obj_episodes text := name || '_episodes';
    obj_periods text := name || '_periods';
    obj_board text := name || '_leaderboard';
    obj_teams text := name || '_team_leaderboard';
    obj_suspects text := name || '_suspects';
    who_usage text;     -- the person an identity belongs to, for each source
    who_author text;
    who_reviewer text;
    map_usage text := '';
    map_author text := '';
    map_reviewer text := '';
    size_expr text := 'NULL::float8';
    id_expr text;
    reverts_expr text := 'NULL::text';
    bot_expr text := 'false';
    reviewed_expr text := 'NULL::boolean';
    review_credit text := 'SELECT NULL::text AS developer_id, NULL::timestamptz AS bucket, NULL::float8 AS value WHERE false';
    job text;
BEGIN
    -- Validate the mapping before creating anything; every identifier is quoted with %I below.
    IF name IS NULL OR name = '' THEN
        RAISE EXCEPTION 'name must not be empty' USING ERRCODE = '22023';
    END IF;
    IF length(obj_teams) > 63 THEN
        RAISE EXCEPTION 'name is too long: object names like % exceed 63 bytes', obj_teams USING ERRCODE = '22023';
    END IF;
    IF period IS NULL OR period NOT IN ('day', 'week', 'month', 'quarter') THEN
        RAISE EXCEPTION 'period must be day, week, month or quarter (got %)', period USING ERRCODE = '22023';
    END IF;
    IF min_group_size IS NULL OR min_group_size < 1 THEN
        RAISE EXCEPTION 'min_group_size must be at least 1 (got %)', min_group_size USING ERRCODE = '22023';
    END IF;
    IF bucket_width IS NULL OR extract(epoch FROM bucket_width) NOT IN (3600, 86400)
       OR date_part('month', bucket_width) <> 0 THEN
        RAISE EXCEPTION 'bucket_width must be ''1 hour'' or ''1 day'' (got %)', bucket_width USING ERRCODE = '22023';
    END IF;
    IF change_size_unit IS NOT NULL AND NOT (change_size_unit > 0 AND change_size_unit < 'Infinity') THEN
        RAISE EXCEPTION 'change_size_unit must be a number of lines > 0, or NULL for the median merged change (got %)', change_size_unit
            USING ERRCODE = '22023';
    END IF;
    IF change_value_cap IS NULL OR NOT (change_value_cap >= 1 AND change_value_cap < 'Infinity') THEN
        RAISE EXCEPTION 'change_value_cap must be at least 1 typical change (got %)', change_value_cap USING ERRCODE = '22023';
    END IF;
    IF unreviewed_weight IS NULL OR NOT (unreviewed_weight BETWEEN 0 AND 1) THEN
        RAISE EXCEPTION 'unreviewed_weight must be between 0 and 1 (got %)', unreviewed_weight USING ERRCODE = '22023';
    END IF;
    IF review_weight IS NULL OR NOT (review_weight BETWEEN 0 AND 1) THEN
        RAISE EXCEPTION 'review_weight must be between 0 and 1 (got %)', review_weight USING ERRCODE = '22023';
    END IF;
    IF split_identities IS NULL OR split_identities NOT IN ('rank_jointly', 'report_only') THEN
        RAISE EXCEPTION 'split_identities must be rank_jointly or report_only (got %)', split_identities USING ERRCODE = '22023';
    END IF;
    bucket_seconds := extract(epoch FROM bucket_width)::bigint;
    IF EXISTS (SELECT 1 FROM @extschema@.leaderboards l WHERE l.target_schema = schema_name AND l.name = create_leaderboard.name) THEN
        RAISE EXCEPTION 'leaderboard %.% already exists; drop_leaderboard(%L, %L) removes it', schema_name, name, name, schema_name
            USING ERRCODE = '42710';
    END IF;
    PERFORM @extschema@._check_column(usage_table, developer_column, 'developer_column');
    PERFORM @extschema@._check_column(usage_table, time_column, 'time_column');
    PERFORM @extschema@._check_column(changes_table, author_column, 'author_column');
    PERFORM @extschema@._check_column(changes_table, merged_at_column, 'merged_at_column');

    IF tokens_column IS NOT NULL THEN
        PERFORM @extschema@._check_column(usage_table, tokens_column, 'tokens_column');
        tokens_expr := format('u.%I::bigint', tokens_column);
    ELSE
        IF input_tokens_column IS NULL OR output_tokens_column IS NULL THEN
            RAISE EXCEPTION 'give tokens_column, or input_tokens_column and output_tokens_column (with a token_convention or convention_column)'
                USING ERRCODE = '22023';
        END IF;
        IF (token_convention IS NULL) = (convention_column IS NULL) THEN
            RAISE EXCEPTION 'give exactly one of token_convention and convention_column' USING ERRCODE = '22023';
        END IF;
        IF token_convention IS NOT NULL THEN
            PERFORM @extschema@.billable_tokens(0, 0, 0, 0, token_convention);  -- validates the name
        ELSE
            PERFORM @extschema@._check_column(usage_table, convention_column, 'convention_column');
        END IF;
        PERFORM @extschema@._check_column(usage_table, input_tokens_column, 'input_tokens_column');
        PERFORM @extschema@._check_column(usage_table, output_tokens_column, 'output_tokens_column');
        IF cache_read_column IS NOT NULL THEN
            PERFORM @extschema@._check_column(usage_table, cache_read_column, 'cache_read_column');
        END IF;
        IF cache_creation_column IS NOT NULL THEN
            PERFORM @extschema@._check_column(usage_table, cache_creation_column, 'cache_creation_column');
        END IF;
        tokens_expr := format('%I.billable_tokens(u.%I::bigint, u.%I::bigint, %s, %s, %s)', ext,
                              input_tokens_column, output_tokens_column,
                              CASE WHEN cache_read_column IS NULL THEN 'NULL' ELSE format('u.%I::bigint', cache_read_column) END,
                              CASE WHEN cache_creation_column IS NULL THEN 'NULL' ELSE format('u.%I::bigint', cache_creation_column) END,
                              CASE WHEN token_convention IS NULL THEN format('u.%I::text', convention_column) ELSE format('%L', token_convention) END);
    END IF;

    -- Identities: a second account, a bot's or a service's is a person's only through the map.
    who_usage := format('u.%I::text', developer_column);
    who_author := format('c.%I::text', author_column);
    who_reviewer := 'NULL::text';
    IF identity_table IS NOT NULL THEN
        PERFORM @extschema@._check_column(identity_table, identity_column, 'identity_column');
        PERFORM @extschema@._check_column(identity_table, identity_person_column, 'identity_person_column');
        -- DISTINCT ON: an identity mapped twice belongs to one person (the smallest), never to two.
        map_usage := format('LEFT JOIN (SELECT DISTINCT ON (%1$I::text) %1$I::text AS identity, %2$I::text AS person FROM %3$s '
                            'WHERE %2$I IS NOT NULL ORDER BY %1$I::text, %2$I::text) im ON im.identity = %4$s',
                            identity_column, identity_person_column, identity_table, who_usage);
        map_author := replace(map_usage, who_usage, who_author);
        who_usage := format('coalesce(im.person, %s)', who_usage);
        who_author := format('coalesce(im.person, %s)', who_author);
    ELSIF identity_column IS NOT NULL OR identity_person_column IS NOT NULL THEN
        RAISE EXCEPTION 'identity_column and identity_person_column are columns of identity_table; give identity_table too' USING ERRCODE = '22023';
    END IF;

    -- What a change is worth (see the README, "What a change is worth").
    IF change_id_column IS NOT NULL THEN
        PERFORM @extschema@._check_column(changes_table, change_id_column, 'change_id_column');
        id_expr := format('c.%I::text', change_id_column);
    ELSE
        IF reverts_column IS NOT NULL OR reviews_table IS NOT NULL THEN
            RAISE EXCEPTION 'reverts_column and reviews_table refer to changes by id: give change_id_column too' USING ERRCODE = '22023';
        END IF;
        id_expr := 'NULL::text';
    END IF;
    IF (additions_column IS NULL) <> (deletions_column IS NULL) THEN
        RAISE EXCEPTION 'a change''s size is additions + deletions: give both additions_column and deletions_column' USING ERRCODE = '22023';
    END IF;
    IF additions_column IS NOT NULL THEN
        PERFORM @extschema@._check_column(changes_table, additions_column, 'additions_column');
        PERFORM @extschema@._check_column(changes_table, deletions_column, 'deletions_column');
        -- negative counts are data errors: treated as unknown size (a typical change), never as negative value
        size_expr := format('CASE WHEN c.%1$I::float8 >= 0 AND c.%2$I::float8 >= 0 THEN c.%1$I::float8 + c.%2$I::float8 END',
                            additions_column, deletions_column);
    END IF;
    IF reverts_column IS NOT NULL THEN
        PERFORM @extschema@._check_column(changes_table, reverts_column, 'reverts_column');
        reverts_expr := format('c.%I::text', reverts_column);
    END IF;
    IF bot_column IS NOT NULL THEN
        PERFORM @extschema@._check_column(changes_table, bot_column, 'bot_column');
        bot_expr := format('coalesce(c.%I::boolean, false)', bot_column);
    END IF;
    IF reviewed_column IS NOT NULL THEN
        PERFORM @extschema@._check_column(changes_table, reviewed_column, 'reviewed_column');
        reviewed_expr := format('c.%I::boolean', reviewed_column);
    END IF;
    IF reviews_table IS NOT NULL THEN
        PERFORM @extschema@._check_column(reviews_table, reviewer_column, 'reviewer_column');
        PERFORM @extschema@._check_column(reviews_table, review_change_column, 'review_change_column');
        who_reviewer := format('r.%I::text', reviewer_column);
        IF identity_table IS NOT NULL THEN
            map_reviewer := replace(replace(map_usage, format('u.%I::text', developer_column), who_reviewer), ' im ', ' rm ');
            map_reviewer := replace(map_reviewer, 'im.identity', 'rm.identity');
            who_reviewer := format('coalesce(rm.person, %s)', who_reviewer);
        END IF;
        -- A change shares review_weight of its value among its reviewers (not its author), so
        -- extra or colluding reviewers add no value beyond that share.
        review_credit := format($sql$
            SELECT rv.reviewer AS developer_id, rv.bucket,
                   %3$s * rv.value / count(*) OVER (PARTITION BY rv.change_id) AS value
            FROM (SELECT DISTINCT %1$s AS reviewer, ch.change_id, ch.bucket, ch.value
                  FROM %2$s r %4$s
                  JOIN changes ch ON ch.change_id = r.%5$I::text
                  WHERE %1$s IS NOT NULL AND %1$s <> ch.developer_id AND ch.value > 0) rv
            $sql$, who_reviewer, reviews_table, review_weight, map_reviewer, review_change_column);
    ELSIF reviewer_column IS NOT NULL OR review_change_column IS NOT NULL THEN
        RAISE EXCEPTION 'reviewer_column and review_change_column are columns of reviews_table; give reviews_table too' USING ERRCODE = '22023';
    END IF;

    IF team_table IS NOT NULL THEN
        IF team_member_column IS NULL OR team_column IS NULL THEN
            RAISE EXCEPTION 'team_table needs team_member_column and team_column' USING ERRCODE = '22023';
        END IF;
        PERFORM @extschema@._check_column(team_table, team_member_column, 'team_member_column');
        PERFORM @extschema@._check_column(team_table, team_column, 'team_column');
        -- One membership per person (the smallest team name) so that a many-to-many team table
        -- never duplicates a person's row.
        team_join := format('LEFT JOIN (SELECT DISTINCT ON (%1$I::text) %1$I::text AS member, %2$I::text AS team, %3$s AS cohort '
                            'FROM %4$s WHERE %1$I IS NOT NULL ORDER BY %1$I::text, %2$I::text) t ON t.member = p.developer_id',
                            team_member_column, team_column,
                            CASE WHEN cohort_column IS NULL THEN 'NULL::text' ELSE format('%I::text', cohort_column) END, team_table);
        team_expr := 't.team';
        person_expr := 't.member IS NOT NULL';
        IF cohort_column IS NOT NULL THEN
            PERFORM @extschema@._check_column(team_table, cohort_column, 'cohort_column');
            cohort_expr := 't.cohort';
        END IF;
    ELSIF cohort_column IS NOT NULL THEN
        RAISE EXCEPTION 'cohort_column is a column of team_table; give team_table too' USING ERRCODE = '22023';
    END IF;

    -- 1. Every merged change and what it is worth, with the reason (the explanation a person
    --    needs). Reverted changes and reverts, bots: 0. Otherwise size / unit (the median
    --    human change, unless given), capped at change_value_cap typical changes; unknown size
    --    counts as one typical change; unreviewed changes are weighted by unreviewed_weight.
    EXECUTE format($sql$
        CREATE MATERIALIZED VIEW %1$I.%2$I AS
        WITH RECURSIVE c0 AS (   -- one row per change id (a change merged twice in the source counts once)
            SELECT DISTINCT ON (change_id) * FROM (
                SELECT %3$s AS developer_id, c.%4$I AS merged_at,
                       coalesce(%5$s, 'row:' || row_number() OVER (ORDER BY %3$s, c.%4$I)) AS change_id,
                       %6$s AS reverts_id, %7$s AS is_bot, %8$s AS reviewed, %9$s AS size
                FROM %10$s c %11$s
                WHERE %3$s IS NOT NULL AND c.%4$I IS NOT NULL) all_changes
            ORDER BY change_id, merged_at, developer_id),
        -- A revert cancels its target unless it is cancelled itself: walk each revert chain down
        -- from its unreverted top (a revert of a revert restores the original).
        walk(change_id, reverts_id, cancelled, depth) AS (
            SELECT change_id, reverts_id, false, 0 FROM c0
            WHERE reverts_id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM c0 r WHERE r.reverts_id = c0.change_id)
            UNION ALL
            SELECT t.change_id, t.reverts_id, NOT w.cancelled, w.depth + 1
            FROM walk w JOIN c0 t ON t.change_id = w.reverts_id
            WHERE w.depth < 1000),
        cancelled AS (SELECT change_id, bool_or(cancelled) AS cancelled FROM walk GROUP BY change_id),
        unit AS (
            SELECT coalesce(%12$s::float8,
                            percentile_cont(0.5) WITHIN GROUP (ORDER BY size) FILTER (WHERE NOT is_bot AND reverts_id IS NULL AND size > 0),
                            1.0) AS lines
            FROM c0),
        valued AS (
            SELECT c0.*, coalesce(x.cancelled, false) AS is_reverted, unit.lines AS unit_lines,
                   CASE WHEN c0.reverts_id IS NOT NULL THEN 'revert'
                        WHEN coalesce(x.cancelled, false) THEN 'reverted'
                        WHEN c0.is_bot THEN 'bot'
                        WHEN c0.size IS NULL THEN 'size unknown: one typical change'
                        WHEN c0.size / unit.lines > %13$s THEN 'capped'
                        ELSE 'by size' END
                   || CASE WHEN c0.reviewed IS FALSE AND c0.reverts_id IS NULL AND NOT coalesce(x.cancelled, false) AND NOT c0.is_bot
                           THEN ', unreviewed' ELSE '' END AS reason,
                   CASE WHEN c0.reverts_id IS NOT NULL OR coalesce(x.cancelled, false) OR c0.is_bot THEN 0.0
                        ELSE least(coalesce(c0.size / unit.lines, 1.0), %13$s)
                             * CASE WHEN c0.reviewed IS FALSE THEN %14$s ELSE 1.0 END END AS value
            FROM c0 CROSS JOIN unit LEFT JOIN cancelled x USING (change_id))
        SELECT developer_id, change_id, merged_at,
               to_timestamp(floor(extract(epoch FROM merged_at) / %15$s) * %15$s) AS bucket,
               size, unit_lines, reverts_id, is_reverted, is_bot, reviewed, value::float8 AS value, reason
        FROM valued
        $sql$, schema_name, obj_changes, who_author, merged_at_column, id_expr, reverts_expr, bot_expr,
        reviewed_expr, size_expr, changes_table, map_author, coalesce(change_size_unit::text, 'NULL'),
        change_value_cap, unreviewed_weight, bucket_seconds);
    EXECUTE format('CREATE UNIQUE INDEX ON %I.%I (change_id)', schema_name, obj_changes);

    -- 2. One row per developer and bucket: tokens, merged changes, their value with review credit
    --    (value) and without (authored_value), zero-filled across each developer's span.
    EXECUTE format($sql$
        CREATE MATERIALIZED VIEW %1$I.%2$I AS
        WITH usage AS (
            SELECT %3$s AS developer_id,
                   to_timestamp(floor(extract(epoch FROM u.%4$I) / %5$s) * %5$s) AS bucket,
                   sum(%6$s)::bigint AS tokens
            FROM %7$s u %8$s WHERE %3$s IS NOT NULL AND u.%4$I IS NOT NULL
            GROUP BY 1, 2),
        changes AS (SELECT * FROM %1$I.%9$I),
        reviews AS (%10$s),
        -- Review credit is capped, per period, at the reviewer's own authored value: reviewing
        -- can at most double what a person delivered, so it pays for the tokens reviewing
        -- costs and cannot stand in for delivering.
        review_cap AS (
            SELECT r.developer_id, r.period_start, least(1.0, coalesce(a.authored, 0) / r.earned) AS factor
            FROM (SELECT developer_id, date_trunc(%12$L, bucket AT TIME ZONE 'UTC') AS period_start, sum(value) AS earned
                  FROM reviews GROUP BY 1, 2) r
            LEFT JOIN (SELECT developer_id, date_trunc(%12$L, bucket AT TIME ZONE 'UTC') AS period_start, sum(value) AS authored
                       FROM changes GROUP BY 1, 2) a USING (developer_id, period_start)
            WHERE r.earned > 0),
        credits AS (
            SELECT developer_id, bucket, 1::bigint AS merged_changes, value, value AS authored_value FROM changes
            UNION ALL
            SELECT r.developer_id, r.bucket, 0, r.value * c.factor, 0
            FROM reviews r JOIN review_cap c ON c.developer_id = r.developer_id
                                            AND c.period_start = date_trunc(%12$L, r.bucket AT TIME ZONE 'UTC')
            WHERE c.factor > 0),
        merges AS (
            SELECT developer_id, bucket, sum(merged_changes)::bigint AS merged_changes, sum(value)::float8 AS value,
                   sum(authored_value)::float8 AS authored_value
            FROM credits GROUP BY 1, 2),
        joined AS (
            SELECT developer_id, bucket, coalesce(u.tokens, 0) AS tokens, coalesce(m.merged_changes, 0) AS merged_changes,
                   coalesce(m.value, 0) AS value, coalesce(m.authored_value, 0) AS authored_value
            FROM usage u FULL JOIN merges m USING (developer_id, bucket)),
        -- A developer's span runs from their first to their last token or authored change (review
        -- credit outside it is not counted: it would stretch the baseline over weeks of no use).
        spans AS (
            SELECT developer_id, min(bucket) AS first_bucket, max(bucket) AS last_bucket
            FROM (SELECT developer_id, bucket FROM usage UNION ALL SELECT developer_id, bucket FROM changes) a
            WHERE developer_id IN (SELECT developer_id FROM usage) GROUP BY developer_id)
        SELECT s.developer_id, g.bucket, coalesce(j.tokens, 0)::bigint AS tokens,
               coalesce(j.merged_changes, 0)::bigint AS merged_changes, coalesce(j.value, 0)::float8 AS value,
               coalesce(j.authored_value, 0)::float8 AS authored_value
        FROM spans s
        CROSS JOIN LATERAL generate_series(s.first_bucket, s.last_bucket, %11$L::interval) g(bucket)
        LEFT JOIN joined j ON j.developer_id = s.developer_id AND j.bucket = g.bucket
        $sql$, schema_name, obj_buckets, who_usage, time_column, bucket_seconds, tokens_expr,
        usage_table, map_usage, obj_changes, review_credit,
        -- in seconds, not days: a '1 day' step would follow the session time zone's DST
        format('%s seconds', bucket_seconds), period);
    EXECUTE format('CREATE UNIQUE INDEX ON %I.%I (developer_id, bucket)', schema_name, obj_buckets);

    -- 3. Burst episodes per developer over the whole history (the baseline needs weeks of it);
    --    merged output is credited by its authored value, so trivial changes buy back almost
    --    nothing (review credit is not output of the episode's tokens, and would raise the
    --    output an episode is expected to deliver).
    EXECUTE format($sql$
        CREATE MATERIALIZED VIEW %1$I.%2$I AS
        SELECT developer_id, (e).start_at, (e).end_at, (e).tokens, (e).baseline_tokens, (e).merged_changes,
               (e).merged_value, (e).expected_merged_value,
               (e).expected_merged_changes, (e).excess_tokens, (e).inflated_tokens, (e).p_value, (e).is_inflation
        FROM (SELECT developer_id, unnest(%3$I.burst_episodes(bucket, tokens, merged_changes, authored_value, %4$L::interval)) AS e
              FROM %1$I.%5$I GROUP BY developer_id) x
        $sql$, schema_name, obj_episodes, ext, bucket_width, obj_buckets);
    EXECUTE format('CREATE UNIQUE INDEX ON %I.%I (developer_id, start_at)', schema_name, obj_episodes);

    -- 4. One row per developer and period: summary (with value), burst inflation (inflated tokens
    --    of the episodes starting in the period over the period's tokens), team, cohort, and
    --    whether the identity is a known person (in the team table, when there is one).
    EXECUTE format($sql$
        CREATE MATERIALIZED VIEW %1$I.%2$I AS
        WITH periods AS (
            SELECT developer_id, date_trunc(%3$L, bucket AT TIME ZONE 'UTC')::date AS period_start,
                   %4$I.usage_agg(tokens, merged_changes, value) AS summary
            FROM %1$I.%5$I b GROUP BY 1, 2),
        inflated AS (
            SELECT developer_id, date_trunc(%3$L, start_at AT TIME ZONE 'UTC')::date AS period_start,
                   sum(inflated_tokens) AS inflated_tokens
            FROM %1$I.%6$I GROUP BY 1, 2)
        SELECT p.developer_id, %7$s AS team, %8$s AS cohort, %10$s AS is_person, p.period_start, p.summary,
               %4$I.tokens(p.summary) AS tokens, %4$I.merged_changes(p.summary) AS merged_changes,
               %4$I.value(p.summary) AS value, %4$I.effective_changes(p.summary) AS effective_changes,
               CASE WHEN %4$I.tokens(p.summary) > 0
                    THEN least(1.0, coalesce(i.inflated_tokens, 0) / %4$I.tokens(p.summary)) ELSE 0 END AS burst_inflation
        FROM periods p LEFT JOIN inflated i USING (developer_id, period_start)
        %9$s
        $sql$, schema_name, obj_periods, period, ext, obj_buckets, obj_episodes,
        team_expr, cohort_expr, team_join, person_expr);
    EXECUTE format('CREATE UNIQUE INDEX ON %I.%I (developer_id, period_start)', schema_name, obj_periods);

    -- 5. Suspected split identities, per period (the thresholds are documented in the README).
    --    A token sink delivers under 5% of what the period's median value per token predicts, where
    --    that prediction is at least 5 typical changes (delivering nothing is then improbable,
    --    under 1%, for an ordinary developer), on at least a quarter of the median identity's
    --    tokens. A split pair is a sink and a teammate with value whose hourly token amounts move
    --    with the sink's (correlation of log tokens, less the pair's mean for the hour of the day,
    --    over their shared active buckets at least 0.6, on at least 50 of them: on the demo at
    --    scale 10, 2 of 13,298 teammate-months reach 0.6 on 50 or more, 34 of 4,182 on 20 to 49,
    --    where coinciding spike days dominate); each sink joins the teammate it moves with most. Identities with
    --    value on very few tokens, and identities that are no known person, are listed too.
    EXECUTE format($sql$
        CREATE VIEW %1$I.%2$I%3$s AS
        WITH p AS (SELECT * FROM %1$I.%4$I WHERE tokens > 0),
        med AS (
            SELECT period_start,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY value / tokens) FILTER (WHERE value > 0) AS rate,
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY tokens) AS tokens,
                   -- pooled dispersion (sum of squared change values / value): one typical change's worth
                   coalesce(sum(value ^ 2 / nullif(effective_changes, 0)) / nullif(sum(value), 0), 1) AS dispersion
            FROM p GROUP BY period_start),
        scored AS (
            SELECT p.*, m.rate AS median_rate, m.tokens AS median_tokens, m.rate * p.tokens AS expected_value,
                   p.value <= 0.05 * m.rate * p.tokens AND p.tokens >= 0.25 * m.tokens
                       AND m.rate * p.tokens >= 5 * m.dispersion AS is_sink
            FROM p JOIN med m USING (period_start) WHERE m.rate > 0),
        -- Candidate owners of a sink: the teammates with value. The evidence that two identities
        -- are one person is in their hours: tokens of the same work spread over two accounts rise
        -- and fall together hour by hour, while a colleague's amounts vary on their own.
        candidates AS (
            SELECT s.period_start, s.developer_id AS sink, v.developer_id AS source, s.median_rate,
                   (s.value + v.value) / (s.tokens + v.tokens) / s.median_rate AS combined_ratio
            FROM scored s JOIN scored v ON v.period_start = s.period_start AND v.team = s.team
                                       AND v.value > 0 AND v.developer_id <> s.developer_id
            WHERE s.is_sink AND s.is_person AND v.is_person),
        -- Log tokens less the pair's mean for that hour of the day over their shared buckets, so
        -- that rhythms everyone shares (working hours, a daily export landing at midnight) do not
        -- count as moving together.
        coactivity AS MATERIALIZED (
            SELECT period_start, sink, source, combined_ratio,
                   corr(rs, rv) AS hourly_correlation, count(*) AS shared_buckets
            FROM (SELECT c.period_start, c.sink, c.source, c.combined_ratio,
                         ln(bs.tokens::float8) - avg(ln(bs.tokens::float8)) OVER w AS rs,
                         ln(bv.tokens::float8) - avg(ln(bv.tokens::float8)) OVER w AS rv
                  FROM candidates c
                  JOIN %1$I.%6$I bs ON bs.developer_id = c.sink AND bs.tokens > 0
                                   AND bs.bucket >= c.period_start::timestamp AT TIME ZONE 'UTC'
                                   AND bs.bucket < (c.period_start + %7$L::interval)::timestamp AT TIME ZONE 'UTC'
                  JOIN %1$I.%6$I bv ON bv.developer_id = c.source AND bv.bucket = bs.bucket AND bv.tokens > 0
                  WINDOW w AS (PARTITION BY c.period_start, c.sink, c.source, extract(hour FROM bs.bucket AT TIME ZONE 'UTC'))) x
            GROUP BY 1, 2, 3, 4),
        pairs AS MATERIALIZED (
            SELECT DISTINCT ON (period_start, sink) period_start, sink, source, combined_ratio, hourly_correlation
            FROM coactivity
            WHERE shared_buckets >= 50 AND hourly_correlation >= 0.6
            ORDER BY period_start, sink, hourly_correlation DESC, source)
        SELECT s.period_start, kind, s.developer_id, other_developer_id, s.team, s.tokens, s.value,
               s.expected_value, s.value / nullif(s.expected_value, 0) AS value_ratio, combined_ratio, hourly_correlation,
               CASE kind WHEN 'split_pair' THEN %5$L WHEN 'no_person' THEN 'ranked in the whole company; map it to a person with identity_table' ELSE 'reported' END AS action
        FROM scored s
        CROSS JOIN LATERAL (
            SELECT 'tokens_without_value'::text AS kind, NULL::text AS other_developer_id, NULL::float8 AS combined_ratio,
                   NULL::float8 AS hourly_correlation WHERE s.is_sink
            UNION ALL SELECT 'value_without_tokens', NULL, NULL, NULL WHERE s.value > 0 AND s.value >= 3 * s.median_rate * s.tokens
            UNION ALL SELECT 'split_pair', pr.source, pr.combined_ratio, pr.hourly_correlation FROM pairs pr
                      WHERE pr.period_start = s.period_start AND pr.sink = s.developer_id
            UNION ALL SELECT 'no_person', NULL, NULL, NULL WHERE NOT s.is_person) k
        $sql$, schema_name, obj_suspects, invoker, obj_periods,
        CASE split_identities WHEN 'rank_jointly' THEN 'ranked jointly: the source is ranked on the pair''s tokens and value'
                              ELSE 'reported (split_identities = report_only)' END,
        obj_buckets, CASE period WHEN 'day' THEN '1 day' WHEN 'week' THEN '7 days' WHEN 'month' THEN '1 month' ELSE '3 months' END);

    -- 6. The fair leaderboard: plain column types for BI tools, ranked on value per million
    --    tokens with the value's effective count, within period and cohort. A cohort smaller than
    --    min_group_size (or an identity without one) is ranked in the whole company of the
    --    period; a period with fewer identities than that ranks nobody. A suspected split pair is
    --    ranked as one (split_identities = rank_jointly): the source on the pair's tokens and
    --    value, the sink not separately.
    EXECUTE format($sql$
        CREATE VIEW %1$I.%2$I%3$s AS
        WITH p AS (SELECT * FROM %1$I.%4$I),
        joint AS (
            SELECT s.period_start, s.other_developer_id AS developer_id, sum(s.tokens) AS tokens, sum(s.value) AS value,
                   sum(%5$I.value(q.summary) ^ 2 / nullif(%5$I.effective_changes(q.summary), 0)) AS value_squares,
                   string_agg(s.developer_id, ', ' ORDER BY s.developer_id) AS sinks
            FROM %1$I.%6$I s JOIN p q ON q.developer_id = s.developer_id AND q.period_start = s.period_start
            WHERE s.kind = 'split_pair' AND %7$L = 'rank_jointly'
            GROUP BY 1, 2),
        sinks AS (
            SELECT period_start, developer_id, other_developer_id FROM %1$I.%6$I
            WHERE kind = 'split_pair' AND %7$L = 'rank_jointly'),
        entities AS (
            SELECT p.*, coalesce(j.sinks, sk.other_developer_id) AS ranked_jointly_with,
                   CASE WHEN sk.developer_id IS NULL AND p.tokens > 0 THEN p.tokens + coalesce(j.tokens, 0) END AS rank_tokens,
                   CASE WHEN sk.developer_id IS NULL AND p.tokens > 0 THEN p.value + coalesce(j.value, 0) END AS rank_value,
                   CASE WHEN sk.developer_id IS NULL AND p.tokens > 0 THEN
                        CASE WHEN p.value + coalesce(j.value, 0) > 0
                             THEN (p.value + coalesce(j.value, 0)) ^ 2
                                  / (coalesce(p.value ^ 2 / nullif(p.effective_changes, 0), 0) + coalesce(j.value_squares, 0))
                             ELSE 0 END END AS rank_effective
            FROM p LEFT JOIN joint j USING (period_start, developer_id)
            LEFT JOIN sinks sk USING (period_start, developer_id)),
        sized AS (
            SELECT e.*, count(rank_tokens) OVER (PARTITION BY period_start, cohort) AS cohort_size,
                   count(rank_tokens) OVER (PARTITION BY period_start) AS company_size
            FROM entities e),
        fitted AS (
            SELECT s.*,
                   CASE WHEN rank_tokens IS NULL OR company_size < %8$s THEN NULL
                        WHEN cohort IS NOT NULL AND cohort_size >= %8$s THEN cohort ELSE 'all' END AS ranked_in,
                   %5$I.fair_detail(rank_value, rank_tokens / 1e6, 0.1, 0.8, rank_effective) OVER c AS in_cohort,
                   %5$I.fair_detail(rank_value, rank_tokens / 1e6, 0.1, 0.8, rank_effective) OVER a AS in_company
            FROM sized s
            WINDOW c AS (PARTITION BY period_start, cohort), a AS (PARTITION BY period_start)),
        ranked AS (
            SELECT f.*, CASE WHEN ranked_in IS NULL THEN NULL WHEN ranked_in = 'all' THEN in_company ELSE in_cohort END AS d
            FROM fitted f)
        SELECT period_start, coalesce(cohort, 'all') AS cohort, ranked_in, developer_id, team, tokens, merged_changes, value,
               effective_changes,
               %5$I.tokens_per_merged_change(summary) AS tokens_per_merged_change,
               %5$I.tokens_per_merged_change_lower(summary) AS tokens_per_merged_change_lower,
               %5$I.tokens_per_merged_change_upper(summary) AS tokens_per_merged_change_upper,
               %5$I.tokens_per_value(summary) AS tokens_per_value,
               %5$I.tokens_per_value_lower(summary) AS tokens_per_value_lower,
               %5$I.tokens_per_value_upper(summary) AS tokens_per_value_upper,
               burst_inflation,
               (d).score AS fair_score, (d).rank AS fair_rank, (d).rank_lower AS fair_rank_lower, (d).rank_upper AS fair_rank_upper,
               rank() OVER (PARTITION BY period_start, coalesce(ranked_in, cohort, 'all') ORDER BY tokens DESC) AS token_rank,
               ranked_jointly_with, is_person,
               CASE WHEN tokens = 0 THEN 'no tokens in the period'
                    WHEN rank_tokens IS NULL THEN 'ranked jointly with ' || ranked_jointly_with || ' (suspected split identity)'
                    WHEN ranked_in IS NULL THEN format('fewer than %%s identities in the period', %8$s)
                    WHEN ranked_in = 'all' AND cohort IS NOT NULL THEN format('cohort %%s has fewer than %%s identities: ranked in the whole company', cohort, %8$s)
                    WHEN ranked_in = 'all' AND NOT is_person THEN 'not in the team table: ranked in the whole company'
               END AS rank_note,
               -- what is behind the score: the posterior, its interval, the shrinkage and the prior
               rank_tokens, rank_value, rank_effective,
               (d).posterior_mean AS posterior_mean, (d).rate_lower AS rate_lower, (d).rate_upper AS rate_upper,
               (d).shrinkage AS shrinkage, (d).prior_alpha AS prior_alpha, (d).prior_beta AS prior_beta,
               (d).prior_mean AS prior_mean, (d).prior_method AS prior_method
        FROM ranked
        $sql$, schema_name, obj_board, invoker, obj_periods, ext, obj_suspects, split_identities, min_group_size);

    -- 7. Teams, with groups smaller than min_group_size suppressed (not shown, not ranked). This
    --    view runs with its owner's rights (not security_invoker) on purpose: it is the one to
    --    GRANT to BI roles, who then see team aggregates without any right on per-person data.
    EXECUTE format($sql$
        CREATE VIEW %1$I.%2$I AS
        WITH teams AS (
            SELECT period_start, team, count(*) AS developers, %4$I.rollup(summary) AS summary,
                   sum(tokens * burst_inflation) / nullif(sum(tokens), 0) AS burst_inflation
            FROM %1$I.%5$I WHERE team IS NOT NULL GROUP BY period_start, team
            HAVING count(*) >= %6$s)
        SELECT period_start, team, developers,
               %4$I.tokens(summary) AS tokens, %4$I.merged_changes(summary) AS merged_changes,
               %4$I.value(summary) AS value,
               %4$I.tokens_per_merged_change(summary) AS tokens_per_merged_change,
               %4$I.tokens_per_merged_change_lower(summary) AS tokens_per_merged_change_lower,
               %4$I.tokens_per_merged_change_upper(summary) AS tokens_per_merged_change_upper,
               %4$I.tokens_per_value(summary) AS tokens_per_value,
               burst_inflation,
               %4$I.fair_score(CASE WHEN %4$I.tokens(summary) > 0 THEN %4$I.value(summary) END, %4$I.tokens(summary) / 1e6,
                               0.1, %4$I.effective_changes(summary)) OVER w AS fair_score,
               %4$I.fair_rank(CASE WHEN %4$I.tokens(summary) > 0 THEN %4$I.value(summary) END, %4$I.tokens(summary) / 1e6,
                              0.1, %4$I.effective_changes(summary)) OVER w AS fair_rank
        FROM teams
        WINDOW w AS (PARTITION BY period_start)
        $sql$, schema_name, obj_teams, NULL, ext, obj_periods, min_group_size);

    -- 8. The refresh schedule, when pg_cron is installed.
    IF refresh_schedule IS NOT NULL THEN
        IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_cron') THEN
            RAISE EXCEPTION 'refresh_schedule needs the pg_cron extension (CREATE EXTENSION pg_cron)' USING ERRCODE = '55000';
        END IF;
        job := format('usage_value:%s.%s', schema_name, name);
        EXECUTE format('SELECT cron.schedule_in_database(%L, %L, %L, current_database())', job, refresh_schedule,
                       format('SELECT %I.refresh_leaderboard(%L, %L)', ext, name, schema_name));
    END IF;

    INSERT INTO @extschema@.leaderboards (target_schema, name, bucket_width, period, min_group_size, cron_job_name, objects)
    VALUES (schema_name, name, bucket_width, period, min_group_size, job,
            ARRAY[obj_changes, obj_buckets, obj_episodes, obj_periods, obj_suspects, obj_board, obj_teams]);
    RETURN QUERY SELECT format('%I.%I', schema_name, o)
                 FROM unnest(ARRAY[obj_changes, obj_buckets, obj_episodes, obj_periods, obj_board, obj_teams, obj_suspects]) o;
    IF job IS NOT NULL THEN
        RETURN NEXT format('pg_cron job %s (%s)', job, refresh_schedule);
    END IF;
END
$function$;
COMMENT ON FUNCTION @extschema@.create_leaderboard(text, regclass, text, text, regclass, text, text, text, text, text, text, text, text, text, regclass, text, text, text, text, interval, integer, name, text, text, text, text, text, text, text, float8, float8, float8, regclass, text, text, float8, regclass, text, text, text) IS
    'creates, over your own usage and changes tables, the materialized views <name>_changes (what each merged change is worth, and why), <name>_buckets, <name>_episodes, <name>_periods (with the unique indexes REFRESH ... CONCURRENTLY needs) and the views <name>_leaderboard, <name>_team_leaderboard and <name>_suspects (suspected split identities); schedules refresh_leaderboard with pg_cron when refresh_schedule is given; returns the objects made';

-- refresh and drop know the objects of 0.3.0 boards (and keep working for 0.2.0 ones).
DROP FUNCTION @extschema@.refresh_leaderboard(text, name);
CREATE FUNCTION @extschema@.refresh_leaderboard(name text, target_schema name DEFAULT NULL) RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    schema_name name := coalesce(target_schema, current_schema());
    entry record;
    relation text;
BEGIN
    SELECT * INTO entry FROM @extschema@.leaderboards l WHERE l.target_schema = schema_name AND l.name = refresh_leaderboard.name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no leaderboard %.%', schema_name, name USING ERRCODE = '42704';
    END IF;
    -- Dependency order; CONCURRENTLY so that readers are never blocked. One transaction: a
    -- refresh that fails leaves every view as it was.
    FOREACH relation IN ARRAY coalesce(entry.objects, ARRAY[name || '_buckets', name || '_episodes', name || '_periods']) LOOP
        IF EXISTS (SELECT 1 FROM pg_matviews WHERE schemaname = schema_name AND matviewname = relation) THEN
            EXECUTE format('REFRESH MATERIALIZED VIEW CONCURRENTLY %I.%I', schema_name, relation);
        END IF;
    END LOOP;
END
$function$;
COMMENT ON FUNCTION @extschema@.refresh_leaderboard(text, name) IS
    'refreshes a leaderboard''s materialized views concurrently, in dependency order, in one transaction';

DROP FUNCTION @extschema@.drop_leaderboard(text, name);
CREATE FUNCTION @extschema@.drop_leaderboard(name text, target_schema name DEFAULT NULL) RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    schema_name name := coalesce(target_schema, current_schema());
    entry record;
BEGIN
    SELECT * INTO entry FROM @extschema@.leaderboards l WHERE l.target_schema = schema_name AND l.name = drop_leaderboard.name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no leaderboard %.%', schema_name, name USING ERRCODE = '42704';
    END IF;
    IF entry.cron_job_name IS NOT NULL AND EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_cron') THEN
        EXECUTE format('SELECT cron.unschedule(%L)', entry.cron_job_name);
    END IF;
    EXECUTE format('DROP VIEW IF EXISTS %I.%I, %I.%I, %I.%I', schema_name, name || '_team_leaderboard',
                   schema_name, name || '_leaderboard', schema_name, name || '_suspects');
    EXECUTE format('DROP MATERIALIZED VIEW IF EXISTS %I.%I, %I.%I, %I.%I, %I.%I', schema_name, name || '_periods',
                   schema_name, name || '_episodes', schema_name, name || '_buckets', schema_name, name || '_changes');
    DELETE FROM @extschema@.leaderboards l WHERE l.target_schema = schema_name AND l.name = drop_leaderboard.name;
END
$function$;
COMMENT ON FUNCTION @extschema@.drop_leaderboard(text, name) IS
    'drops everything create_leaderboard made for this name, and its pg_cron job';

-- (end of the binding section)
