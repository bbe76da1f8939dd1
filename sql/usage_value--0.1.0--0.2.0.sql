-- usage_value 0.1.0 -> 0.2.0: burst inflation, fair leaderboards, binding to the company's tables.

\echo Use "ALTER EXTENSION usage_value UPDATE TO '0.2.0'" to load this file. \quit
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

------------------------------------------------------------------------------------------------
-- Binding to the company's own tables: one call creates the leaderboard objects
------------------------------------------------------------------------------------------------

-- What create_leaderboard made, so that refresh_leaderboard and drop_leaderboard can find it.
-- An extension configuration table: pg_dump keeps its rows.
CREATE TABLE @extschema@.leaderboards (
    target_schema name NOT NULL,
    name text NOT NULL,
    bucket_width interval NOT NULL,
    period text NOT NULL,
    min_group_size integer NOT NULL,
    cron_job_name text,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (target_schema, name)
);
COMMENT ON TABLE @extschema@.leaderboards IS 'leaderboards created by create_leaderboard (managed by the extension)';
SELECT pg_catalog.pg_extension_config_dump('@extschema@.leaderboards', '');

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
    refresh_schedule text DEFAULT NULL
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
    cohort_expr text := '''all''::text';
    invoker text := CASE WHEN current_setting('server_version_num')::int >= 150000
                         THEN ' WITH (security_invoker = true)' ELSE '' END;
    obj_buckets text := name || '_buckets';
    obj_episodes text := name || '_episodes';
    obj_periods text := name || '_periods';
    obj_board text := name || '_leaderboard';
    obj_teams text := name || '_team_leaderboard';
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

    IF team_table IS NOT NULL THEN
        IF team_member_column IS NULL OR team_column IS NULL THEN
            RAISE EXCEPTION 'team_table needs team_member_column and team_column' USING ERRCODE = '22023';
        END IF;
        PERFORM @extschema@._check_column(team_table, team_member_column, 'team_member_column');
        PERFORM @extschema@._check_column(team_table, team_column, 'team_column');
        team_join := format('LEFT JOIN %s t ON t.%I::text = p.developer_id', team_table, team_member_column);
        team_expr := format('t.%I::text', team_column);
        IF cohort_column IS NOT NULL THEN
            PERFORM @extschema@._check_column(team_table, cohort_column, 'cohort_column');
            cohort_expr := format('coalesce(t.%I::text, ''unknown'')', cohort_column);
        END IF;
    ELSIF cohort_column IS NOT NULL THEN
        RAISE EXCEPTION 'cohort_column is a column of team_table; give team_table too' USING ERRCODE = '22023';
    END IF;

    -- 1. One row per developer and bucket: tokens and merged changes, zero-filled across each
    --    developer's span, as usage_summary too (so any grouping can be rolled up exactly).
    EXECUTE format($sql$
        CREATE MATERIALIZED VIEW %1$I.%2$I AS
        WITH usage AS (
            SELECT u.%3$I::text AS developer_id,
                   to_timestamp(floor(extract(epoch FROM u.%4$I) / %5$s) * %5$s) AS bucket,
                   sum(%6$s)::bigint AS tokens
            FROM %7$s u WHERE u.%3$I IS NOT NULL AND u.%4$I IS NOT NULL
            GROUP BY 1, 2),
        merges AS (
            SELECT c.%8$I::text AS developer_id,
                   to_timestamp(floor(extract(epoch FROM c.%9$I) / %5$s) * %5$s) AS bucket,
                   count(*)::bigint AS merged_changes
            FROM %10$s c WHERE c.%8$I IS NOT NULL AND c.%9$I IS NOT NULL
            GROUP BY 1, 2),
        joined AS (
            SELECT developer_id, bucket, coalesce(u.tokens, 0) AS tokens, coalesce(m.merged_changes, 0) AS merged_changes
            FROM usage u FULL JOIN merges m USING (developer_id, bucket)),
        spans AS (
            SELECT developer_id, min(bucket) AS first_bucket, max(bucket) AS last_bucket FROM joined
            WHERE developer_id IN (SELECT developer_id FROM usage) GROUP BY developer_id)
        SELECT s.developer_id, g.bucket, coalesce(j.tokens, 0)::bigint AS tokens,
               coalesce(j.merged_changes, 0)::bigint AS merged_changes
        FROM spans s
        CROSS JOIN LATERAL generate_series(s.first_bucket, s.last_bucket, %11$L::interval) g(bucket)
        LEFT JOIN joined j ON j.developer_id = s.developer_id AND j.bucket = g.bucket
        $sql$, schema_name, obj_buckets, developer_column, time_column, bucket_seconds, tokens_expr,
        usage_table, author_column, merged_at_column, changes_table,
        -- in seconds, not days: a '1 day' step would follow the session time zone's DST
        format('%s seconds', bucket_seconds));
    EXECUTE format('CREATE UNIQUE INDEX ON %I.%I (developer_id, bucket)', schema_name, obj_buckets);

    -- 2. Burst episodes per developer over the whole history (the baseline needs weeks of it).
    EXECUTE format($sql$
        CREATE MATERIALIZED VIEW %1$I.%2$I AS
        SELECT developer_id, (e).start_at, (e).end_at, (e).tokens, (e).baseline_tokens, (e).merged_changes,
               (e).expected_merged_changes, (e).excess_tokens, (e).inflated_tokens, (e).p_value, (e).is_inflation
        FROM (SELECT developer_id, unnest(%3$I.burst_episodes(bucket, tokens, merged_changes, %4$L::interval)) AS e
              FROM %1$I.%5$I GROUP BY developer_id) x
        $sql$, schema_name, obj_episodes, ext, bucket_width, obj_buckets);
    EXECUTE format('CREATE UNIQUE INDEX ON %I.%I (developer_id, start_at)', schema_name, obj_episodes);

    -- 3. One row per developer and period: summary, burst inflation (inflated tokens of the
    --    episodes starting in the period over the period's tokens), team and cohort.
    EXECUTE format($sql$
        CREATE MATERIALIZED VIEW %1$I.%2$I AS
        WITH periods AS (
            SELECT developer_id, date_trunc(%3$L, bucket AT TIME ZONE 'UTC')::date AS period_start,
                   %4$I.usage_agg(tokens, merged_changes) AS summary
            FROM %1$I.%5$I b GROUP BY 1, 2),
        inflated AS (
            SELECT developer_id, date_trunc(%3$L, start_at AT TIME ZONE 'UTC')::date AS period_start,
                   sum(inflated_tokens) AS inflated_tokens
            FROM %1$I.%6$I GROUP BY 1, 2)
        SELECT p.developer_id, %7$s AS team, %8$s AS cohort, p.period_start, p.summary,
               %4$I.tokens(p.summary) AS tokens, %4$I.merged_changes(p.summary) AS merged_changes,
               CASE WHEN %4$I.tokens(p.summary) > 0
                    THEN least(1.0, coalesce(i.inflated_tokens, 0) / %4$I.tokens(p.summary)) ELSE 0 END AS burst_inflation
        FROM periods p LEFT JOIN inflated i USING (developer_id, period_start)
        %9$s
        $sql$, schema_name, obj_periods, period, ext, obj_buckets, obj_episodes,
        team_expr, cohort_expr, team_join);
    EXECUTE format('CREATE UNIQUE INDEX ON %I.%I (developer_id, period_start)', schema_name, obj_periods);

    -- 4. The fair leaderboard: plain column types for BI tools, ranked within period and cohort.
    --    Exposure is millions of tokens; developers without tokens in a period are not ranked.
    EXECUTE format($sql$
        CREATE VIEW %1$I.%2$I%3$s AS
        SELECT period_start, cohort, developer_id, team, tokens, merged_changes,
               %4$I.tokens_per_merged_change(summary) AS tokens_per_merged_change,
               %4$I.tokens_per_merged_change_lower(summary) AS tokens_per_merged_change_lower,
               %4$I.tokens_per_merged_change_upper(summary) AS tokens_per_merged_change_upper,
               burst_inflation,
               %4$I.fair_score(CASE WHEN tokens > 0 THEN merged_changes END, tokens / 1e6) OVER w AS fair_score,
               %4$I.fair_rank(CASE WHEN tokens > 0 THEN merged_changes END, tokens / 1e6) OVER w AS fair_rank,
               %4$I.fair_rank_lower(CASE WHEN tokens > 0 THEN merged_changes END, tokens / 1e6) OVER w AS fair_rank_lower,
               %4$I.fair_rank_upper(CASE WHEN tokens > 0 THEN merged_changes END, tokens / 1e6) OVER w AS fair_rank_upper,
               rank() OVER (PARTITION BY period_start, cohort ORDER BY tokens DESC) AS token_rank
        FROM %1$I.%5$I
        WINDOW w AS (PARTITION BY period_start, cohort)
        $sql$, schema_name, obj_board, invoker, ext, obj_periods);

    -- 5. Teams, with groups smaller than min_group_size suppressed (not shown, not ranked). This
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
               %4$I.tokens_per_merged_change(summary) AS tokens_per_merged_change,
               %4$I.tokens_per_merged_change_lower(summary) AS tokens_per_merged_change_lower,
               %4$I.tokens_per_merged_change_upper(summary) AS tokens_per_merged_change_upper,
               burst_inflation,
               %4$I.fair_score(CASE WHEN %4$I.tokens(summary) > 0 THEN %4$I.merged_changes(summary) END, %4$I.tokens(summary) / 1e6) OVER w AS fair_score,
               %4$I.fair_rank(CASE WHEN %4$I.tokens(summary) > 0 THEN %4$I.merged_changes(summary) END, %4$I.tokens(summary) / 1e6) OVER w AS fair_rank
        FROM teams
        WINDOW w AS (PARTITION BY period_start)
        $sql$, schema_name, obj_teams, NULL, ext, obj_periods, min_group_size);

    -- 6. The refresh schedule, when pg_cron is installed.
    IF refresh_schedule IS NOT NULL THEN
        IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_cron') THEN
            RAISE EXCEPTION 'refresh_schedule needs the pg_cron extension (CREATE EXTENSION pg_cron)' USING ERRCODE = '55000';
        END IF;
        job := format('usage_value:%s.%s', schema_name, name);
        EXECUTE format('SELECT cron.schedule_in_database(%L, %L, %L, current_database())', job, refresh_schedule,
                       format('SELECT %I.refresh_leaderboard(%L, %L)', ext, name, schema_name));
    END IF;

    INSERT INTO @extschema@.leaderboards VALUES (schema_name, name, bucket_width, period, min_group_size, job);
    RETURN QUERY SELECT format('%I.%I', schema_name, o) FROM unnest(ARRAY[obj_buckets, obj_episodes, obj_periods, obj_board, obj_teams]) o;
    IF job IS NOT NULL THEN
        RETURN NEXT format('pg_cron job %s (%s)', job, refresh_schedule);
    END IF;
END
$function$;
COMMENT ON FUNCTION @extschema@.create_leaderboard(text, regclass, text, text, regclass, text, text, text, text, text, text, text, text, text, regclass, text, text, text, text, interval, integer, name, text) IS
    'creates, over your own usage and changes tables, the materialized views <name>_buckets, <name>_episodes, <name>_periods (with the unique indexes REFRESH ... CONCURRENTLY needs) and the views <name>_leaderboard and <name>_team_leaderboard; schedules refresh_leaderboard with pg_cron when refresh_schedule is given; returns the objects made';

CREATE FUNCTION @extschema@._check_column(tab regclass, col text, argument text) RETURNS void
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    IF col IS NULL THEN
        RAISE EXCEPTION '% must not be NULL', argument USING ERRCODE = '22023';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = tab AND attname = col AND attnum > 0 AND NOT attisdropped) THEN
        RAISE EXCEPTION '%: table % has no column %', argument, tab, quote_ident(col) USING ERRCODE = '42703';
    END IF;
END
$function$;
COMMENT ON FUNCTION @extschema@._check_column(regclass, text, text) IS
    'internal: checks that a mapped column exists, naming the argument that mapped it';

CREATE FUNCTION @extschema@.refresh_leaderboard(name text, target_schema name DEFAULT NULL) RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    schema_name name := coalesce(target_schema, current_schema());
    suffix text;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM @extschema@.leaderboards l WHERE l.target_schema = schema_name AND l.name = refresh_leaderboard.name) THEN
        RAISE EXCEPTION 'no leaderboard %.%', schema_name, name USING ERRCODE = '42704';
    END IF;
    -- Dependency order; CONCURRENTLY so that readers are never blocked. One transaction: a
    -- refresh that fails leaves every view as it was.
    FOREACH suffix IN ARRAY ARRAY['_buckets', '_episodes', '_periods'] LOOP
        EXECUTE format('REFRESH MATERIALIZED VIEW CONCURRENTLY %I.%I', schema_name, name || suffix);
    END LOOP;
END
$function$;
COMMENT ON FUNCTION @extschema@.refresh_leaderboard(text, name) IS
    'refreshes a leaderboard''s materialized views concurrently, in dependency order, in one transaction';

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
    EXECUTE format('DROP VIEW IF EXISTS %I.%I, %I.%I', schema_name, name || '_team_leaderboard', schema_name, name || '_leaderboard');
    EXECUTE format('DROP MATERIALIZED VIEW IF EXISTS %I.%I, %I.%I, %I.%I', schema_name, name || '_periods',
                   schema_name, name || '_episodes', schema_name, name || '_buckets');
    DELETE FROM @extschema@.leaderboards l WHERE l.target_schema = schema_name AND l.name = drop_leaderboard.name;
END
$function$;
COMMENT ON FUNCTION @extschema@.drop_leaderboard(text, name) IS
    'drops everything create_leaderboard made for this name, and its pg_cron job';
