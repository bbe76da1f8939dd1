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

-- How fresh each board is, and whether its last scheduled refresh failed. A refresh that succeeds
-- records when it started, how long it took, what it read and the span of data it holds, and
-- clears the failure; a failing one rolls back, so scheduled_refresh (a procedure) records the
-- failure, commits that record, and raises the error again.
ALTER TABLE @extschema@.leaderboards
    ADD COLUMN refreshed_at timestamptz,
    ADD COLUMN refresh_seconds float8,
    ADD COLUMN rows_read bigint,
    ADD COLUMN data_from timestamptz,
    ADD COLUMN data_through timestamptz,
    ADD COLUMN last_failed_at timestamptz,
    ADD COLUMN last_error text;
COMMENT ON COLUMN @extschema@.leaderboards.target_schema IS 'schema of the board''s objects';
COMMENT ON COLUMN @extschema@.leaderboards.name IS 'the board''s name: its objects are <name>_leaderboard, <name>_periods, ...';
COMMENT ON COLUMN @extschema@.leaderboards.bucket_width IS 'width of the buckets of <name>_buckets and of burst detection: 1 hour or 1 day';
COMMENT ON COLUMN @extschema@.leaderboards.period IS 'the leaderboard period: day, week, month or quarter';
COMMENT ON COLUMN @extschema@.leaderboards.min_group_size IS 'teams with fewer developers in a period are not shown; cohorts with fewer identities are ranked in the whole company';
COMMENT ON COLUMN @extschema@.leaderboards.cron_job_name IS 'the pg_cron job that refreshes the board; NULL: not scheduled with pg_cron';
COMMENT ON COLUMN @extschema@.leaderboards.created_at IS 'when create_leaderboard made the board';
COMMENT ON COLUMN @extschema@.leaderboards.refreshed_at IS 'when the last successful refresh (or the creation) started: everything committed to the source tables before then is in the board; NULL: not refreshed since the update to 0.4.0';
COMMENT ON COLUMN @extschema@.leaderboards.refresh_seconds IS 'how long that refresh took, in seconds';
COMMENT ON COLUMN @extschema@.leaderboards.rows_read IS 'source rows that refresh read: usage rows (the usage_rows of <name>_periods) plus merged changes (the rows of <name>_changes); NULL when the board does not record one of them (boards made before 0.4.0)';
COMMENT ON COLUMN @extschema@.leaderboards.data_from IS 'start of the first bucket with tokens in the board (UTC buckets); NULL: no usage yet';
COMMENT ON COLUMN @extschema@.leaderboards.data_through IS 'start of the last bucket with tokens: the board holds usage up to the end of that bucket; NULL: no usage yet';
COMMENT ON COLUMN @extschema@.leaderboards.last_failed_at IS 'when the last scheduled refresh (scheduled_refresh) failed; NULL: no failure since the last successful refresh, which clears it';
COMMENT ON COLUMN @extschema@.leaderboards.last_error IS 'the error of that failed refresh, "message (SQLSTATE xxxxx)"; the board still shows the data of refreshed_at; NULL: no failure since the last successful refresh';

-- What an analyst or a BI role may read about every board: no per-person data, so it is safe to
-- GRANT SELECT on it (it runs with its owner's rights; usage_value.leaderboards itself is not
-- readable by them).
CREATE VIEW @extschema@.leaderboard_freshness AS
SELECT target_schema::text AS schema, name, period,
       CASE extract(epoch FROM bucket_width) WHEN 3600 THEN '1 hour' WHEN 86400 THEN '1 day' ELSE bucket_width::text END AS bucket_width,
       refreshed_at, refresh_seconds, rows_read, data_from, data_through, last_failed_at, last_error,
       -- (refreshed_at is a clock time: a refresh in this very transaction started after now())
       greatest(extract(epoch FROM now() - refreshed_at) / 3600, 0)::float8 AS hours_since_refresh,
       cron_job_name
FROM @extschema@.leaderboards;
COMMENT ON VIEW @extschema@.leaderboard_freshness IS
    'how fresh every leaderboard is and whether its last scheduled refresh failed; no per-person data: GRANT SELECT ON usage_value.leaderboard_freshness (and USAGE ON SCHEMA usage_value) to BI roles';
COMMENT ON COLUMN @extschema@.leaderboard_freshness.schema IS 'schema of the board''s objects';
COMMENT ON COLUMN @extschema@.leaderboard_freshness.name IS 'the board''s name: its objects are <name>_leaderboard, <name>_team_leaderboard, ...';
COMMENT ON COLUMN @extschema@.leaderboard_freshness.period IS 'the leaderboard period: day, week, month or quarter';
COMMENT ON COLUMN @extschema@.leaderboard_freshness.bucket_width IS 'width of the buckets burst detection works on: 1 hour or 1 day';
COMMENT ON COLUMN @extschema@.leaderboard_freshness.refreshed_at IS 'when the last successful refresh (or the creation) started: everything committed to the source tables before then is in the board; NULL: not refreshed since the update to 0.4.0';
COMMENT ON COLUMN @extschema@.leaderboard_freshness.refresh_seconds IS 'how long that refresh took, in seconds';
COMMENT ON COLUMN @extschema@.leaderboard_freshness.rows_read IS 'source rows that refresh read: usage rows plus merged changes; NULL for boards made before 0.4.0, which do not record them';
COMMENT ON COLUMN @extschema@.leaderboard_freshness.data_from IS 'start of the first bucket with tokens in the board (UTC); NULL: no usage yet';
COMMENT ON COLUMN @extschema@.leaderboard_freshness.data_through IS 'start of the last bucket with tokens: the board holds usage up to the end of that bucket; NULL: no usage yet';
COMMENT ON COLUMN @extschema@.leaderboard_freshness.last_failed_at IS 'when the last scheduled refresh failed; NULL: no failure since the last successful refresh';
COMMENT ON COLUMN @extschema@.leaderboard_freshness.last_error IS 'the error of that failed refresh, "message (SQLSTATE xxxxx)"; the board still shows the data of refreshed_at; NULL: no failure since the last successful refresh';
COMMENT ON COLUMN @extschema@.leaderboard_freshness.hours_since_refresh IS 'hours from refreshed_at to now; how old is too old depends on the schedule: compare with it';
COMMENT ON COLUMN @extschema@.leaderboard_freshness.cron_job_name IS 'the pg_cron job that refreshes the board; NULL: not scheduled with pg_cron (it may be scheduled otherwise)';

-- Records a successful refresh (or creation): create_leaderboard and refresh_leaderboard call it
-- last, in their own transaction, so the figures describe exactly what was committed.
CREATE FUNCTION usage_value_internal.record_refresh(schema_name name, name text,
                                                    started timestamptz DEFAULT statement_timestamp())
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    entry record;
    buckets regclass;
    periods regclass;
    changes regclass;
    usage_rows bigint;
    change_rows bigint;
    first_bucket timestamptz;
    last_bucket timestamptz;
BEGIN
    SELECT * INTO entry FROM @extschema@.leaderboards l
    WHERE l.target_schema = schema_name AND l.name = record_refresh.name FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no leaderboard %.%', schema_name, name USING ERRCODE = '42704';
    END IF;
    buckets := usage_value_internal.board_relation(schema_name, name, entry.objects, '_buckets');
    periods := usage_value_internal.board_relation(schema_name, name, entry.objects, '_periods');
    changes := usage_value_internal.board_relation(schema_name, name, entry.objects, '_changes');
    -- Usage rows are counted by <name>_periods where it records them (boards made by 0.4.0 on);
    -- merged changes are the rows of <name>_changes (0.3.0 on). Otherwise unknown: NULL.
    IF periods IS NOT NULL AND EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = periods AND attname = 'usage_rows'
                                       AND attnum > 0 AND NOT attisdropped) THEN
        EXECUTE format('SELECT coalesce(sum(usage_rows), 0)::bigint FROM %s', periods) INTO usage_rows;
    END IF;
    IF changes IS NOT NULL THEN
        EXECUTE format('SELECT count(*) FROM %s', changes) INTO change_rows;
    END IF;
    IF buckets IS NOT NULL THEN
        EXECUTE format('SELECT min(bucket), max(bucket) FROM %s WHERE tokens > 0', buckets) INTO first_bucket, last_bucket;
    END IF;
    UPDATE @extschema@.leaderboards l
    SET refreshed_at = started, refresh_seconds = extract(epoch FROM clock_timestamp() - started)::float8,
        rows_read = usage_rows + change_rows, data_from = first_bucket, data_through = last_bucket,
        last_failed_at = NULL, last_error = NULL
    WHERE l.target_schema = schema_name AND l.name = record_refresh.name;
END
$function$;
COMMENT ON FUNCTION usage_value_internal.record_refresh(name, text, timestamptz) IS
    'records in usage_value.leaderboards that a board was refreshed (or created) successfully since started: time, duration, rows read, span of data; clears the last failure';

CREATE FUNCTION usage_value_internal.board_objects(name text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $function$
    SELECT ARRAY[name || '_buckets', name || '_episodes', name || '_periods', name || '_leaderboard', name || '_team_leaderboard']
$function$;
COMMENT ON FUNCTION usage_value_internal.board_objects(text) IS
    'the objects of a board made by 0.2.0 (which did not record them), in refresh order';

-- One of a board's relations, when the board has it (boards made by 0.2.0 list no objects: they
-- have _buckets, _episodes, _periods, _leaderboard and _team_leaderboard) and it still exists.
CREATE FUNCTION usage_value_internal.board_relation(schema_name name, name text, objects text[], suffix text)
RETURNS regclass
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $function$
    SELECT to_regclass(format('%I.%I', schema_name, name || suffix))
    WHERE name || suffix = ANY (coalesce(objects, usage_value_internal.board_objects(name)))
$function$;
COMMENT ON FUNCTION usage_value_internal.board_relation(name, text, text[], text) IS
    'the relation <name><suffix> of a board, if the board made it and it exists; else NULL';


-- refresh_leaderboard returns the board's freshness row; the work moves to usage_value_internal.
DROP FUNCTION @extschema@.refresh_leaderboard(text, name);

CREATE FUNCTION usage_value_internal.refresh_leaderboard(schema_name name, name text) RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    started timestamptz := clock_timestamp();
    entry record;
    relation text;
BEGIN
    -- The row lock orders concurrent refreshes of one board (their REFRESHes would wait anyway).
    SELECT * INTO entry FROM @extschema@.leaderboards l
    WHERE l.target_schema = schema_name AND l.name = refresh_leaderboard.name FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no leaderboard %.%', schema_name, name USING ERRCODE = '42704';
    END IF;
    -- Dependency order; CONCURRENTLY so that readers are never blocked. One transaction: a
    -- refresh that fails leaves every view as it was.
    FOREACH relation IN ARRAY coalesce(entry.objects, usage_value_internal.board_objects(name)) LOOP
        IF EXISTS (SELECT 1 FROM pg_matviews WHERE schemaname = schema_name AND matviewname = relation) THEN
            EXECUTE format('REFRESH MATERIALIZED VIEW CONCURRENTLY %I.%I', schema_name, relation);
        END IF;
    END LOOP;
    PERFORM usage_value_internal.record_refresh(schema_name, name, started);
END
$function$;
COMMENT ON FUNCTION usage_value_internal.refresh_leaderboard(name, text) IS
    'refreshes a board''s materialized views concurrently, in dependency order, and records its freshness; call usage_value.refresh_leaderboard';

-- Thin wrappers with SQL-standard bodies: bound when created (no search_path at run time), and
-- current_schema() is the caller's (inside a function with SET search_path it is pg_catalog).
CREATE FUNCTION @extschema@.refresh_leaderboard(name text, target_schema name DEFAULT NULL)
RETURNS @extschema@.leaderboard_freshness
LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC
    SELECT usage_value_internal.refresh_leaderboard(coalesce(target_schema, current_schema()), name);
    SELECT f.* FROM @extschema@.leaderboard_freshness f
    WHERE f.schema = coalesce(target_schema, current_schema()) AND f.name = refresh_leaderboard.name;
END;
COMMENT ON FUNCTION @extschema@.refresh_leaderboard(text, name) IS
    'refreshes a leaderboard''s materialized views concurrently, in dependency order, in one transaction (a failure leaves the previous data), and returns its row of leaderboard_freshness; target_schema defaults to the current schema';

DROP FUNCTION @extschema@.drop_leaderboard(text, name);

CREATE FUNCTION usage_value_internal.drop_leaderboard(schema_name name, name text) RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
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
COMMENT ON FUNCTION usage_value_internal.drop_leaderboard(name, text) IS
    'drops everything create_leaderboard made for a board, and its pg_cron job; call usage_value.drop_leaderboard';

CREATE FUNCTION @extschema@.drop_leaderboard(name text, target_schema name DEFAULT NULL) RETURNS void
LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC
    SELECT usage_value_internal.drop_leaderboard(coalesce(target_schema, current_schema()), name);
END;
COMMENT ON FUNCTION @extschema@.drop_leaderboard(text, name) IS
    'drops everything create_leaderboard made for this name, and its pg_cron job; target_schema defaults to the current schema';

-- A failed scheduled refresh leaves a trace. The refresh runs in a subtransaction; on error its
-- work is rolled back, the failure is recorded, and the caller gets the error's fields.
CREATE FUNCTION usage_value_internal.try_refresh(schema_name name, name text) RETURNS text[]
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    state text;
    message text;
    detail text;
    hint text;
BEGIN
    BEGIN
        PERFORM usage_value_internal.refresh_leaderboard(schema_name, name);
        RETURN NULL;
    EXCEPTION WHEN OTHERS OR query_canceled THEN   -- a statement_timeout is a failure to record too
        GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT,
                                detail = PG_EXCEPTION_DETAIL, hint = PG_EXCEPTION_HINT;
    END;
    -- The message, not the DETAIL (which can quote source rows): the freshness view shows it.
    UPDATE @extschema@.leaderboards l SET last_failed_at = clock_timestamp(), last_error = format('%s (SQLSTATE %s)', message, state)
    WHERE l.target_schema = schema_name AND l.name = try_refresh.name;
    RETURN ARRAY[state, message, nullif(detail, ''),
                 coalesce(nullif(hint, ''), 'The failure is recorded in usage_value.leaderboard_freshness; the board keeps its previous data.')];
END
$function$;
COMMENT ON FUNCTION usage_value_internal.try_refresh(name, text) IS
    'refreshes a board; on error records last_failed_at and last_error and returns {sqlstate, message, detail, hint} (NULL on success); used by usage_value.scheduled_refresh';

-- A procedure, so that it can COMMIT the record of a failure before raising the error again (the
-- COMMIT is outside any exception block, as PL/pgSQL requires). No SET clause: a procedure with
-- one cannot commit; everything it names is schema-qualified.
CREATE PROCEDURE @extschema@.scheduled_refresh(name text, target_schema name DEFAULT NULL)
LANGUAGE plpgsql
AS $procedure$
DECLARE
    failure text[];   -- {sqlstate, message, detail, hint} of a failed refresh
BEGIN
    failure := usage_value_internal.try_refresh(coalesce(target_schema, pg_catalog.current_schema()), name);
    IF failure IS NULL THEN
        RETURN;
    END IF;
    COMMIT;
    IF failure[3] IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = failure[1], MESSAGE = failure[2], HINT = failure[4];
    END IF;
    RAISE EXCEPTION USING ERRCODE = failure[1], MESSAGE = failure[2], DETAIL = failure[3], HINT = failure[4];
END
$procedure$;
COMMENT ON PROCEDURE @extschema@.scheduled_refresh(text, name) IS
    'for schedulers (pg_cron, cron + psql): CALL it at top level, outside any transaction block. Runs refresh_leaderboard; if that fails, records last_failed_at and last_error in leaderboard_freshness, commits that record and raises the original error (same SQLSTATE) so the scheduler sees the failure; the board keeps its previous data';

-- Every relation a board makes, and every column in it, gets a comment: what it is, its unit,
-- which direction is better, what NULL means. One text per column name where the column means
-- the same everywhere ('*'), overridden per relation (by suffix) where it differs.
CREATE TABLE usage_value_internal.relation_comments (
    suffix text PRIMARY KEY,
    comment text NOT NULL CHECK (comment <> '')
);
COMMENT ON TABLE usage_value_internal.relation_comments IS 'what each relation a board makes holds, by suffix; describe_leaderboard puts it on the relation';
COMMENT ON COLUMN usage_value_internal.relation_comments.suffix IS 'the relation''s suffix after the board''s name, such as _leaderboard';
COMMENT ON COLUMN usage_value_internal.relation_comments.comment IS 'the comment text, completed with the board''s name, period and bucket width';

CREATE TABLE usage_value_internal.column_comments (
    relation text NOT NULL,
    column_name text NOT NULL,
    comment text NOT NULL CHECK (comment <> ''),
    PRIMARY KEY (relation, column_name)
);
COMMENT ON TABLE usage_value_internal.column_comments IS 'what each column of a board''s relations means; describe_leaderboard puts it on the column and refuses a column without one';
COMMENT ON COLUMN usage_value_internal.column_comments.relation IS '''*'' for every relation of a board, or a relation''s suffix (such as _team_leaderboard) for a text that overrides it there';
COMMENT ON COLUMN usage_value_internal.column_comments.column_name IS 'the column''s name';
COMMENT ON COLUMN usage_value_internal.column_comments.comment IS 'the comment text';
GRANT SELECT ON usage_value_internal.relation_comments, usage_value_internal.column_comments TO PUBLIC;

INSERT INTO usage_value_internal.relation_comments VALUES
('_changes', 'every merged change and what it is worth, with the reason (materialized view: refresh_leaderboard refreshes it)'),
('_buckets', 'one row per developer and bucket: raw tokens, merged changes and their value, zero-filled across each developer''s span (materialized view)'),
('_episodes', 'burst episodes per developer over the whole history: significant excursions of token use above the developer''s own baseline, and how much of them the merged output explains (materialized view)'),
('_periods', 'one row per developer and period: a usage_summary, raw tokens, merged changes, value and burst inflation, with team and cohort (materialized view; per-person: grant it to no BI role)'),
('_suspects', 'suspected split identities (a token sink whose hours move with a teammate''s), identities with value but hardly any tokens, and identities that are no known person, per period (view, security_invoker)'),
('_leaderboard', 'the fair leaderboard: one row per developer and period, ranked within the cohort (or the whole company) on value per million tokens, cautiously (fair_score, the 10% posterior quantile); read the rank interval fair_rank_lower..fair_rank_upper before fair_rank: ranks whose intervals overlap are not told apart by the data (view, security_invoker: readers need SELECT on _periods too)'),
('_team_leaderboard', 'the fair leaderboard of teams: one row per team and period, teams with fewer than min_group_size developers not shown (view with its owner''s rights: the object to GRANT to BI roles, no per-person rows)');

INSERT INTO usage_value_internal.column_comments VALUES
-- who and when
('*', 'developer_id', 'the developer: the person an account belongs to (through identity_table), else the identity as in the usage and changes tables'),
('_changes', 'developer_id', 'the change''s author: the person (through identity_table), else the author as in the changes table'),
('_suspects', 'developer_id', 'the identity reported'),
('*', 'team', 'the developer''s team from team_table (the first by name when listed in several); NULL: not in the team table, or the board has no team_table'),
('_team_leaderboard', 'team', 'the team (teams with fewer than min_group_size developers in the period are not shown)'),
('*', 'cohort', 'the developer''s cohort (cohort_column of team_table), the group ranked together; NULL: no cohort (no cohort_column, or not in the team table)'),
('_leaderboard', 'cohort', 'the developer''s cohort (cohort_column of team_table); ''all'' means no cohort (no cohort_column, or not in the team table). Where the row was ranked is ranked_in'),
('*', 'ranked_in', 'the group the row is ranked in: its cohort, or ''all'' (everyone in the period) when the cohort has fewer than min_group_size ranked identities or the identity has no cohort; NULL: not ranked (see rank_note)'),
('*', 'is_person', 'true when the identity is a known person (in the team table, or the board has no team table); false: an account no person claims, ranked in the whole company'),
('*', 'period_start', 'first day of the period (UTC): the day, the Monday of the week, the first of the month or of the quarter'),
('*', 'bucket', 'start of the bucket (UTC, aligned to the board''s bucket width: 1 hour or 1 day)'),
-- tokens and output
('*', 'tokens', 'raw tokens: billable tokens, each counted once under the board''s token convention (billable_tokens), in the row''s bucket or period; a cost, not a measure of value: more is not better'),
('_episodes', 'tokens', 'raw tokens spent in the episode, from start_at to end_at'),
('_team_leaderboard', 'tokens', 'raw tokens of the team''s developers in the period (billable, each counted once); a cost, not value'),
('*', 'merged_changes', 'merged changes authored in the row''s bucket or period: a count, each change once, whatever it is worth (value weighs them)'),
('_episodes', 'merged_changes', 'merged changes in the episode and the attribution horizon after it (a count)'),
('*', 'value', 'value of the merged changes, in typical changes (a change of typical size is 1, reverts and bots 0, capped at change_value_cap), with review credit; higher is better; 0 with no merged change'),
('_changes', 'value', 'what this change is worth, in typical changes: size / unit_lines capped at change_value_cap, times unreviewed_weight when merged without review; 0 for reverts, reverted changes and bots'),
('_suspects', 'value', 'value the identity delivered in the period, in typical changes (with review credit)'),
('*', 'authored_value', 'value of the changes the developer authored in the bucket, in typical changes, without review credit (what burst detection credits)'),
('*', 'effective_changes', 'Kish effective number of changes, value^2 / sum of squared change values: how many equally weighted changes carry the same information (one large change is less certain than many small ones); 0 with no value'),
('*', 'summary', 'usage_summary of the developer''s period (tokens, merged changes, value): roll it up exactly across developers or periods with usage_value.rollup, read it with tokens(), value(), tokens_per_value_lower() ...'),
('*', 'usage_rows', 'source usage rows (events) of the developer in the period; their sum is the usage part of the board''s rows_read'),
('*', 'inflated_tokens', 'raw tokens of burst episodes that the merged output does not explain, attributed to the period''s buckets; burst_inflation = inflated_tokens / tokens'),
('_episodes', 'inflated_tokens', 'the part of excess_tokens that the merged output does not explain, in raw tokens; 0 for a sprint whose output kept pace'),
('*', 'burst_inflation', 'share of the tokens that were inflated, a fraction 0-1: tokens of burst episodes above the developer''s own baseline with no matching merged output; lower is better; 0 with no tokens'),
('_team_leaderboard', 'burst_inflation', 'share of the team''s tokens that were inflated, a fraction 0-1 (token-weighted over its developers); lower is better'),
-- changes
('*', 'change_id', 'the change''s id (change_id_column), or ''row:N'' when the board has no change id'),
('*', 'merged_at', 'when the change was merged (merged_at_column)'),
('*', 'size', 'lines changed, additions + deletions; NULL: size unknown (no size columns, or negative counts): worth one typical change'),
('*', 'unit_lines', 'lines of one typical change: change_size_unit, or the median merged human change'),
('*', 'reverts_id', 'id of the change this one reverts; NULL: not a revert'),
('*', 'is_reverted', 'true when a revert that is not itself reverted cancels this change: worth 0'),
('*', 'is_bot', 'true for a bot''s change (bot_column): worth 0'),
('*', 'reviewed', 'true when someone else approved the change; false: merged without review, weighted by unreviewed_weight; NULL: unknown (no reviewed_column)'),
('*', 'reason', 'why the change is worth its value: by size, capped, size unknown: one typical change, revert, reverted or bot; '', unreviewed'' when weighted down'),
-- burst episodes
('*', 'start_at', 'first bucket of the episode (UTC)'),
('*', 'end_at', 'end of the episode''s last bucket (exclusive, UTC)'),
('*', 'baseline_tokens', 'raw tokens the developer''s own baseline expects over the episode'),
('*', 'excess_tokens', 'raw tokens above the baseline: tokens - baseline_tokens'),
('*', 'merged_value', 'value of the episode''s merged changes, in typical changes (authored, without review credit)'),
('*', 'expected_merged_changes', 'merged changes expected from the episode''s tokens at the developer''s usual tokens per merged change'),
('*', 'expected_merged_value', 'value expected from the episode''s tokens at the developer''s usual tokens per value, in typical changes'),
('*', 'p_value', 'scan p-value of the excursion, adjusted for every window and scale tried (0-1): smaller is more surely a burst'),
('*', 'is_inflation', 'true when inflated_tokens > 0; false: a burst whose merged output kept pace (a sprint, not inflation)'),
('*', 'verdict', 'what the episode is charged: ''inflation'' (no matching output), ''partly paid'' (output explains part of the excess), ''not charged: output kept pace'' or ''not charged: output above baseline'''),
-- suspects
('*', 'kind', 'what is suspected: tokens_without_value (a token sink), value_without_tokens, split_pair (a sink whose hourly tokens move with a teammate''s) or no_person (an identity not in the team table)'),
('*', 'other_developer_id', 'for a split_pair: the teammate with value whose tokens move with this identity''s (the suspected owner); NULL otherwise'),
('*', 'expected_value', 'value the period''s median value per token predicts for these tokens, in typical changes'),
('*', 'value_ratio', 'value / expected_value: under 0.05 for a token sink; NULL when nothing is expected'),
('*', 'combined_ratio', 'for a split_pair: the pair''s joint value per token over the period''s median (near 1: together they look like one ordinary developer); NULL otherwise'),
('*', 'hourly_correlation', 'for a split_pair: correlation (-1 to 1) of the pair''s hourly log tokens less the pair''s hour-of-day means, over their shared active buckets (0.6 or more is reported); NULL otherwise'),
('*', 'action', 'what the board does about it: ranked jointly, reported, or ranked in the whole company'),
-- rates, intervals and ranks
('*', 'tokens_per_merged_change', 'raw tokens per merged change, tokens / merged_changes (a count, not weighed by value); lower is better; NULL with no merged change'),
('*', 'tokens_per_merged_change_lower', 'lower end of the 95% exact Poisson (Garwood) interval of tokens per merged change, in raw tokens'),
('*', 'tokens_per_merged_change_upper', 'upper end of the 95% exact Poisson (Garwood) interval of tokens per merged change, in raw tokens; Infinity with no merged change'),
('*', 'tokens_per_value', 'raw tokens per typical change of value, tokens / value; lower is better; NULL with no value'),
('*', 'tokens_per_value_lower', 'lower end of the 95% interval of tokens per value (Garwood on the effective number of changes), in raw tokens'),
('*', 'tokens_per_value_upper', 'upper end of the 95% interval of tokens per value, in raw tokens; Infinity with no value'),
('*', 'merged_changes_per_million_tokens', 'merged changes per million raw tokens (a count, not weighed, not shrunk); higher is better; NULL with no tokens'),
('*', 'value_per_million_tokens', 'value per million raw tokens, in typical changes per million tokens: the raw rate, before shrinkage (fair_score is its cautious version); higher is better; NULL with no tokens'),
('*', 'fair_score', 'what the row is ranked on: value per million tokens (typical changes per million tokens) shrunk towards the group''s typical rate (empirical Bayes) and read at its cautious 10% posterior quantile (rate_lower); higher is better; burning tokens never raises it; NULL: not ranked (see rank_note)'),
('_team_leaderboard', 'fair_score', 'what the team is ranked on: its value per million tokens (typical changes per million tokens) shrunk towards the period''s teams and read at the cautious 10% posterior quantile; higher is better; NULL with no tokens'),
('*', 'fair_rank', 'rank on fair_score within ranked_in, 1 = best, ties share a rank; read it with its interval fair_rank_lower..fair_rank_upper; NULL: not ranked (see rank_note)'),
('_team_leaderboard', 'fair_rank', 'rank on fair_score among the teams shown in the period, 1 = best, ties share a rank; read it with its interval fair_rank_lower..fair_rank_upper; NULL: not ranked'),
('*', 'fair_rank_lower', 'best plausible rank (80% rank interval fair_rank_lower..fair_rank_upper): 1 + the number of rows whose 80% posterior interval lies entirely above this one''s; two rows whose rank intervals overlap are not told apart by the data; NULL: not ranked'),
('*', 'fair_rank_upper', 'worst plausible rank (80% rank interval fair_rank_lower..fair_rank_upper): the group size less the number of rows whose 80% posterior interval lies entirely below this one''s; NULL: not ranked'),
('*', 'token_rank', 'the rank a raw-token board would give (most tokens = 1) in the same group, for comparison only: tokens are a cost, not value'),
('*', 'ranked_jointly_with', 'a suspected split identity ranked as one (split_identities = rank_jointly): for the sink its owner, for the owner its sinks; NULL otherwise'),
('*', 'rank_note', 'why the row is not ranked, or is ranked in the whole company instead of its cohort; NULL: ranked in its cohort as usual'),
('*', 'rank_tokens', 'raw tokens the rank is computed on: the row''s, plus those of split identities ranked jointly with it; NULL: not ranked'),
('*', 'rank_value', 'value the rank is computed on, in typical changes (with that of split identities ranked jointly); NULL: not ranked'),
('*', 'rank_effective', 'effective number of changes of rank_value (Kish); NULL: not ranked'),
('*', 'posterior_mean', 'posterior mean of value per million tokens after shrinkage, in typical changes per million tokens; higher is better; NULL: not ranked'),
('*', 'rate_lower', 'lower end of the central 80% posterior interval of value per million tokens (typical changes per million tokens); equals fair_score; NULL: not ranked'),
('*', 'rate_upper', 'upper end of the central 80% posterior interval of value per million tokens (typical changes per million tokens); NULL: not ranked'),
('*', 'shrinkage', 'weight of the group''s prior in the posterior mean, a fraction 0-1: near 1 little own data (pulled to the group''s typical rate), near 0 the row''s own rate; NULL: not ranked'),
('*', 'prior_alpha', 'shape of the group''s fitted Gamma prior on value per million tokens; NULL: not ranked'),
('*', 'prior_beta', 'rate of the group''s fitted Gamma prior, in millions of tokens; NULL: not ranked'),
('*', 'prior_mean', 'prior_alpha / prior_beta: the group''s typical value per million tokens (typical changes per million tokens); NULL: not ranked'),
('*', 'prior_method', 'how the group''s prior was fitted: marginal_likelihood, or the fallback used (small_partition, no_spread, all_zero, no_exposure; see the README); NULL: not ranked'),
-- periods and teams
('*', 'period_days', 'days in the period: 1, 7, 28-31 for a month, 90-92 for a quarter'),
('*', 'days_covered', 'days of the period that the board''s data covers (the data runs from leaderboard_freshness.data_from to data_through); fewer than period_days for a period the data covers in part'),
('*', 'is_complete', 'true when the data covers the whole period (days_covered = period_days); false, typically for the current period: compare it with whole periods with care'),
('*', 'developers', 'developers of the team with usage in the period (at least min_group_size: smaller teams are not shown)'),
('*', 'teams_suppressed', 'teams in the period with fewer than min_group_size developers: not shown and not ranked, to protect their members');

CREATE FUNCTION usage_value_internal.describe_leaderboard(schema_name name, name text) RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    entry record;
    relation text;
    rel_suffix text;
    rel regclass;
    about text;
    col record;
    missing text[] := '{}';
BEGIN
    SELECT * INTO entry FROM @extschema@.leaderboards l WHERE l.target_schema = schema_name AND l.name = describe_leaderboard.name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no leaderboard %.%', schema_name, name USING ERRCODE = '42704';
    END IF;
    FOREACH relation IN ARRAY coalesce(entry.objects, usage_value_internal.board_objects(name)) LOOP
        rel_suffix := substr(relation, length(name) + 1);
        rel := usage_value_internal.board_relation(schema_name, name, entry.objects, rel_suffix);
        CONTINUE WHEN rel IS NULL;
        SELECT r.comment INTO about FROM usage_value_internal.relation_comments r WHERE r.suffix = rel_suffix;
        IF about IS NULL THEN
            missing := missing || relation;
        ELSE
            EXECUTE format('COMMENT ON %s %s IS %L',
                           CASE (SELECT relkind FROM pg_class WHERE oid = rel) WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'v' THEN 'VIEW' ELSE 'TABLE' END,
                           rel, format('%s. Board %I.%I of usage_value: %s periods, %s buckets, min_group_size %s.',
                                       about, schema_name, name, entry.period, entry.bucket_width, entry.min_group_size));
        END IF;
        FOR col IN
            SELECT a.attname, coalesce(o.comment, s.comment) AS comment
            FROM pg_attribute a
            LEFT JOIN usage_value_internal.column_comments o ON o.relation = rel_suffix AND o.column_name = a.attname
            LEFT JOIN usage_value_internal.column_comments s ON s.relation = '*' AND s.column_name = a.attname
            WHERE a.attrelid = rel AND a.attnum > 0 AND NOT a.attisdropped
            ORDER BY a.attnum
        LOOP
            IF coalesce(col.comment, '') = '' THEN
                missing := missing || format('%s.%s', relation, col.attname);
            ELSE
                EXECUTE format('COMMENT ON COLUMN %s.%I IS %L', rel, col.attname, col.comment);
            END IF;
        END LOOP;
    END LOOP;
    -- A column added to a board without a text here fails loudly (and fails the tests).
    IF missing <> '{}' THEN
        RAISE EXCEPTION 'no comment text for %', array_to_string(missing, ', ')
            USING ERRCODE = '42704', HINT = 'add one to usage_value_internal.column_comments (or relation_comments) in the upgrade script';
    END IF;
END
$function$;
COMMENT ON FUNCTION usage_value_internal.describe_leaderboard(name, text) IS
    'puts a COMMENT on every relation a board made and on every column in it (unit, better direction, what NULL means) from relation_comments and column_comments; raises 42704 naming any column without a text';

-- The fields of the extension's composite types.
COMMENT ON COLUMN @extschema@.burst_episode.start_at IS 'first bucket of the excursion';
COMMENT ON COLUMN @extschema@.burst_episode.end_at IS 'end of its last bucket (exclusive)';
COMMENT ON COLUMN @extschema@.burst_episode.tokens IS 'tokens spent in [start_at, end_at)';
COMMENT ON COLUMN @extschema@.burst_episode.baseline_tokens IS 'tokens the developer''s own baseline expects there';
COMMENT ON COLUMN @extschema@.burst_episode.merged_changes IS 'merged changes in the episode and the attribution horizon after it (a count)';
COMMENT ON COLUMN @extschema@.burst_episode.expected_merged_changes IS 'merged changes expected at the developer''s usual tokens per merged change';
COMMENT ON COLUMN @extschema@.burst_episode.excess_tokens IS 'tokens - baseline_tokens';
COMMENT ON COLUMN @extschema@.burst_episode.inflated_tokens IS 'the part of the excess that the merged output does not explain (0: a sprint that delivered)';
COMMENT ON COLUMN @extschema@.burst_episode.p_value IS 'scan p-value, adjusted for every window and scale tried; smaller is more surely a burst';
COMMENT ON COLUMN @extschema@.burst_episode.is_inflation IS 'inflated_tokens > 0 (false: a sprint that delivered)';
COMMENT ON COLUMN @extschema@.burst_episode.merged_value IS 'value of those merged changes (the sum of their weights; their count when no value is given)';
COMMENT ON COLUMN @extschema@.burst_episode.expected_merged_value IS 'value expected at the developer''s usual tokens per value';
COMMENT ON COLUMN @extschema@.fair_detail.score IS 'fair_score: the posterior quantile of value per unit exposure the row is ranked on; higher is better';
COMMENT ON COLUMN @extschema@.fair_detail.rank IS 'fair_rank: 1 = best, ties share a rank';
COMMENT ON COLUMN @extschema@.fair_detail.rank_lower IS 'fair_rank_lower: best plausible rank, 1 + the rows whose posterior interval lies entirely above';
COMMENT ON COLUMN @extschema@.fair_detail.rank_upper IS 'fair_rank_upper: worst plausible rank, the partition size less the rows whose posterior interval lies entirely below';
COMMENT ON COLUMN @extschema@.fair_detail.posterior_mean IS 'posterior mean of value per unit exposure, (alpha + value) / (beta + exposure)';
COMMENT ON COLUMN @extschema@.fair_detail.rate_lower IS 'lower end of the central posterior interval of value per unit exposure, at level';
COMMENT ON COLUMN @extschema@.fair_detail.rate_upper IS 'upper end of the central posterior interval of value per unit exposure, at level';
COMMENT ON COLUMN @extschema@.fair_detail.shrinkage IS 'weight on the prior mean, beta / (beta + exposure), a fraction 0-1';
COMMENT ON COLUMN @extschema@.fair_detail.prior_alpha IS 'the partition''s fitted Gamma prior: shape';
COMMENT ON COLUMN @extschema@.fair_detail.prior_beta IS 'the partition''s fitted Gamma prior: rate, in exposure units';
COMMENT ON COLUMN @extschema@.fair_detail.prior_mean IS 'alpha / beta: the partition''s typical value per unit exposure';
COMMENT ON COLUMN @extschema@.fair_detail.prior_method IS 'marginal_likelihood, or the fallback used: small_partition, no_spread, all_zero, no_exposure';
COMMENT ON COLUMN @extschema@.fair_detail.effective_count IS 'the effective number of changes used (the value itself for counts)';
COMMENT ON COLUMN @extschema@.fair_detail.dispersion IS 'value / effective_count: 1 for counts; the partition''s pooled dispersion for a zero value';

-- (end of the freshness section)
