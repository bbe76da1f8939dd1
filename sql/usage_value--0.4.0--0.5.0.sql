-- usage_value 0.4.0 -> 0.5.0: burst as a storable series, and refreshes that cost what is new,
-- not the whole history (issue 13); excused periods and efficiency drift (issue 14).

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

-- Accessors: parameters belong here, named and defaulted. Not STRICT, for excused: a NULL series
-- gives NULL, a NULL significance, horizon or baseline is refused (22023), a NULL excused (or a
-- NULL or empty range in it) excuses nothing.
CREATE FUNCTION @extschema@.burst_inflation(series @extschema@.burst_series, significance float8 DEFAULT 0.01,
                                            horizon interval DEFAULT '3 days', baseline interval DEFAULT '56 days',
                                            excused tstzrange[] DEFAULT NULL)
    RETURNS float8
    AS 'MODULE_PATHNAME', 'burst_series_inflation' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.burst_inflation(@extschema@.burst_series, float8, interval, interval, tstzrange[]) IS
    'share of the series'' tokens in significant bursts that delivered no matching merged output, in [0, 1]; significance = developer-level false-alarm rate, horizon = how long after a burst merges still count, baseline = window of usual use, excused = periods the developer''s own record excuses (on-call, incident, training): inflated tokens inside them are not charged (an unbounded side reaches the end of the series; NULL ranges and empty ones are ignored). NULL series: NULL; NULL significance, horizon or baseline: error 22023';
CREATE FUNCTION @extschema@.burst_episodes(series @extschema@.burst_series, significance float8 DEFAULT 0.01,
                                           horizon interval DEFAULT '3 days', baseline interval DEFAULT '56 days',
                                           excused tstzrange[] DEFAULT NULL)
    RETURNS @extschema@.burst_episode[]
    AS 'MODULE_PATHNAME', 'burst_series_episodes' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.burst_episodes(@extschema@.burst_series, float8, interval, interval, tstzrange[]) IS
    'the significant excursions behind burst_inflation(series, ...), sprints included (inflated_tokens 0), ordered by start; with excused, the inflated tokens inside those periods are in excused_tokens, not inflated_tokens. NULL series: NULL; NULL significance, horizon or baseline: error 22023';
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

-- Excused periods (issue 14): burst_episode gains excused_tokens, the inflated tokens inside the
-- periods passed as excused; inflated_tokens is what is charged.
ALTER TYPE @extschema@.burst_episode ADD ATTRIBUTE excused_tokens float8;   -- inflated tokens inside excused periods (not charged)
COMMENT ON COLUMN @extschema@.burst_episode.inflated_tokens IS 'the part of the excess that the merged output does not explain, less excused_tokens: what is charged (0: a sprint that delivered, or excused)';
COMMENT ON COLUMN @extschema@.burst_episode.is_inflation IS 'inflated_tokens > 0 (false: a sprint that delivered, or excused)';
COMMENT ON COLUMN @extschema@.burst_episode.excused_tokens IS 'inflated tokens inside the periods passed as excused (on-call, incident, training): not charged, not in inflated_tokens; 0 when none';

------------------------------------------------------------------------------------------------
-- Efficiency drift: a developer's value per token against their own past (issue 14)
------------------------------------------------------------------------------------------------

-- What the hourly burst scan cannot see (slow burns, steps and ramps spread over usual hours):
-- periods of significantly more tokens than the developer's own earlier weeks predict AND
-- significantly less value per token than those weeks delivered (the past frozen at the period's
-- start); a newcomer without min_history of own past is judged against cohort_efficiency, the
-- value per token of established developers (src/core/burst_drift.hpp). Not STRICT: a NULL series
-- gives no rows, a NULL significance, reference, min_history or credit_window is refused (22023).
CREATE FUNCTION @extschema@.efficiency_drift(series @extschema@.burst_series, significance float8 DEFAULT 0.01,
                                             reference interval DEFAULT '56 days', min_history interval DEFAULT '28 days',
                                             credit_window interval DEFAULT '7 days',
                                             cohort_efficiency float8[] DEFAULT NULL, excused tstzrange[] DEFAULT NULL)
    RETURNS TABLE(start_at timestamptz, end_at timestamptz, tokens bigint, expected_tokens float8, merged_value float8,
                  expected_value float8, ratio float8, inflated_tokens float8, excused_tokens float8, p_value float8,
                  token_p_value float8, value_p_value float8, reference text)
    AS 'MODULE_PATHNAME', 'efficiency_drift' LANGUAGE C IMMUTABLE PARALLEL SAFE ROWS 4;
COMMENT ON FUNCTION @extschema@.efficiency_drift(@extschema@.burst_series, float8, interval, interval, interval, float8[], tstzrange[]) IS
    'periods (whole UTC days, ordered by start) in which the series used significantly more tokens than the developer''s own past predicts and delivered significantly less value per token than it: tokens and expected_tokens, merged_value (with the credit window after) and expected_value (at the reference efficiency), ratio (value per token over the reference''s, below 1), inflated_tokens (the tokens the value does not pay for, charged: less excused_tokens, those inside excused periods), the combined p_value (at most significance) and its token and value parts, and reference: ''own past'', or ''cohort'' for a developer with less than min_history of own past, judged against cohort_efficiency (value per token of established developers: (SELECT array_agg(usage_value.merged_value(s) / usage_value.tokens(s)) FROM ... WHERE usage_value.tokens(s) > 0); NULL elements skipped; NULL or fewer than 5 usable values: no cohort reference). reference, min_history and credit_window are whole days (22023 otherwise); excused as in burst_episodes. NULL series: no rows; NULL significance, reference, min_history or credit_window: error 22023';

------------------------------------------------------------------------------------------------
-- Bindings: per developer-day storage and incremental refresh
------------------------------------------------------------------------------------------------

-- What 0.5.0 changes in the binding (issue 13). A board made by create_leaderboard from 0.5.0 on
-- stores, in ordinary tables updated in place, per developer and UTC day a usage_summary and a
-- burst_series (<name>_days), per developer its burst episodes (<name>_episodes), and per
-- developer and period its totals (<name>_period_totals); no zero-filled rows. A refresh
-- recomputes only the days that new, late or deleted rows touch (refresh_days below says how),
-- re-analyses only the developers whose series changed and rebuilds only the periods whose days
-- changed; refresh_leaderboard(name, full => true) rebuilds everything. <name>_buckets is a view
-- over the stored series (non-empty buckets only) and <name>_periods a view over the totals that
-- adds teams and coverage when read. Boards made by 0.4.0 and before keep their layout and their
-- refresh (every materialized view, concurrently): re-create them to get the new one.

-- The registry: how a board reads its sources, and what its last refresh did.
ALTER TABLE @extschema@.leaderboards
    ADD COLUMN late_window interval,
    ADD COLUMN ingested_column text,
    ADD COLUMN watermark timestamptz,
    ADD COLUMN ingested_watermark timestamptz,
    ADD COLUMN read_from timestamptz,
    ADD COLUMN ingested_from timestamptz,
    ADD COLUMN refresh_kind text,
    ADD COLUMN days_recomputed bigint,
    ADD COLUMN days_changed bigint,
    ADD COLUMN developers_reanalysed bigint,
    ADD COLUMN periods_rebuilt bigint,
    ADD COLUMN annotations_table text,
    ADD COLUMN prices jsonb;
COMMENT ON COLUMN @extschema@.leaderboards.late_window IS 'how far before the watermark every refresh re-reads the usage source: late rows and deletions inside it are handled exactly; NULL: a board made before 0.5.0 (rebuilt whole at every refresh)';
COMMENT ON COLUMN @extschema@.leaderboards.ingested_column IS 'the usage column recording when a row arrived: a row ingested after the last refresh is picked up however old its time; NULL: none';
COMMENT ON COLUMN @extschema@.leaderboards.prices IS 'the usage_value.model_prices rows the last refresh priced with (a board with dollars; NULL: none): a price added, changed or removed since makes the next refresh re-read the usage from the price''s effective_from on';
COMMENT ON COLUMN @extschema@.leaderboards.watermark IS 'the newest usage time folded into the board: the next refresh re-reads from the UTC day of watermark - late_window on; NULL: nothing read yet (the next refresh is a full one)';
COMMENT ON COLUMN @extschema@.leaderboards.ingested_watermark IS 'the newest ingested_column value folded into the board; NULL: none yet';
COMMENT ON COLUMN @extschema@.leaderboards.read_from IS 'start of the usage the last refresh re-read (UTC midnight; -infinity for a full rebuild)';
COMMENT ON COLUMN @extschema@.leaderboards.ingested_from IS 'rows ingested after this were re-read with their whole days by the last refresh; NULL: no ingested_column, or a full rebuild';
COMMENT ON COLUMN @extschema@.leaderboards.refresh_kind IS 'what the last refresh (or the creation) did: full (every day recomputed) or incremental (the days new, late or deleted rows touch)';
COMMENT ON COLUMN @extschema@.leaderboards.days_recomputed IS 'developer-days the last refresh recomputed (re-read, or with changed credit); NULL: a board made before 0.5.0';
COMMENT ON COLUMN @extschema@.leaderboards.days_changed IS 'of them, developer-days whose stored contents changed (written, added or deleted)';
COMMENT ON COLUMN @extschema@.leaderboards.developers_reanalysed IS 'developers whose episodes (burst and drift) the last refresh recomputed (their series or annotations changed; all of them in a full rebuild)';
COMMENT ON COLUMN @extschema@.leaderboards.periods_rebuilt IS 'developer-periods the last refresh rebuilt (holding a changed day; all of them in a full rebuild)';
COMMENT ON COLUMN @extschema@.leaderboards.annotations_table IS 'the table of periods the developers'' own records excuse (developer, during, kind), read into <name>_annotations at every refresh; NULL: none';
-- What a refresh records (late_window and ingested_column are settings, fixed at creation).
GRANT UPDATE (watermark, ingested_watermark, read_from, ingested_from, refresh_kind, days_recomputed, days_changed,
              developers_reanalysed, periods_rebuilt, prices) ON @extschema@.leaderboards TO PUBLIC;

-- refresh_leaderboard gains full => true and returns the freshness row, which gains what the
-- last refresh did: the wrapper goes first (it returns the view's row type).
DROP FUNCTION @extschema@.refresh_leaderboard(text, name);
DROP FUNCTION usage_value_internal.refresh_leaderboard(name, text);

DROP VIEW @extschema@.leaderboard_freshness;
CREATE VIEW @extschema@.leaderboard_freshness AS
SELECT target_schema::text AS schema, name, period,
       CASE extract(epoch FROM bucket_width) WHEN 3600 THEN '1 hour' WHEN 86400 THEN '1 day' ELSE bucket_width::text END AS bucket_width,
       refreshed_at, refresh_seconds, rows_read, data_from, data_through, last_failed_at, last_error,
       -- (refreshed_at is a clock time: a refresh in this very transaction started after now())
       greatest(extract(epoch FROM now() - refreshed_at) / 3600, 0)::float8 AS hours_since_refresh,
       cron_job_name, rejected_rows, developer_coverage,
       refresh_kind, days_recomputed, days_changed, developers_reanalysed, periods_rebuilt, watermark,
       late_window::text AS late_window
FROM @extschema@.leaderboards;
-- As in 0.4.0: readable by every role, with the reader's rights (the registry's policies decide
-- which boards it shows).
DO $invoker$
BEGIN
    IF pg_catalog.current_setting('server_version_num')::int >= 150000 THEN
        ALTER VIEW @extschema@.leaderboard_freshness SET (security_invoker = true);
    END IF;
END
$invoker$;
GRANT SELECT ON @extschema@.leaderboard_freshness TO PUBLIC;
COMMENT ON VIEW @extschema@.leaderboard_freshness IS
    'how fresh each leaderboard is, what its last refresh did and whether its last scheduled refresh failed; no per-person columns. Shows the boards the reader owns or may read (SELECT on one of the board''s relations), every board to pg_monitor members and superusers: a BI role granted <name>_team_leaderboard sees that board''s row';
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
COMMENT ON COLUMN @extschema@.leaderboard_freshness.rejected_rows IS 'source rows the last refresh left out (they are listed, with the reason, in <name>_rejects); NULL: boards made before 0.4.0';
COMMENT ON COLUMN @extschema@.leaderboard_freshness.developer_coverage IS 'share (0-1) of the developers with tokens who have a merged change, at the last refresh: near 0 means usage and changes do not match (see <name>_coverage); NULL: boards made before 0.4.0';
COMMENT ON COLUMN @extschema@.leaderboard_freshness.refresh_kind IS 'what the last refresh (or the creation) did: full (everything recomputed) or incremental (only the days new, late or deleted rows touch); boards made before 0.5.0: full';
COMMENT ON COLUMN @extschema@.leaderboard_freshness.days_recomputed IS 'developer-days the last refresh recomputed; NULL: a board made before 0.5.0';
COMMENT ON COLUMN @extschema@.leaderboard_freshness.days_changed IS 'of them, developer-days whose contents changed; NULL: a board made before 0.5.0';
COMMENT ON COLUMN @extschema@.leaderboard_freshness.developers_reanalysed IS 'developers whose episodes (burst and drift) the last refresh recomputed (their series or annotations changed); NULL: a board made before 0.5.0';
COMMENT ON COLUMN @extschema@.leaderboard_freshness.periods_rebuilt IS 'developer-periods the last refresh rebuilt; NULL: a board made before 0.5.0';
COMMENT ON COLUMN @extschema@.leaderboard_freshness.watermark IS 'the newest usage time folded into the board; the next refresh re-reads from watermark - late_window (UTC day) on';
COMMENT ON COLUMN @extschema@.leaderboard_freshness.late_window IS 'an interval (as text): how far before the watermark a refresh re-reads: rows arriving late or deleted inside it are handled exactly, older ones need refresh_leaderboard(name, full => true) (or ingested_column); NULL: a board made before 0.5.0';

-- create_leaderboard gains late_window, ingested_column and annotations_table (at the end, with
-- defaults) and makes the new layout: the wrapper and its body are replaced.
DROP FUNCTION @extschema@.create_leaderboard(text, regclass, text, text, regclass, text, text, text, text, text, text, text, text, text, regclass, text, text, text, text, interval, integer, name, text, text, text, text, text, text, text, float8, float8, float8, regclass, text, text, float8, regclass, text, text, text, float8, text);
DROP FUNCTION usage_value_internal.create_leaderboard(text, regclass, text, text, regclass, text, text, text, text, text, text, text, text, text, regclass, text, text, text, text, interval, integer, name, text, text, text, text, text, text, text, float8, float8, float8, regclass, text, text, float8, regclass, text, text, text, float8, text);

CREATE FUNCTION usage_value_internal.create_leaderboard(
    name text,
    usage_table regclass,
    developer_column text,
    time_column text,
    changes_table regclass,
    author_column text,
    merged_at_column text,
    tokens_column text,
    input_tokens_column text,
    output_tokens_column text,
    cache_read_column text,
    cache_creation_column text,
    token_convention text,
    convention_column text,
    team_table regclass,
    team_member_column text,
    team_column text,
    cohort_column text,
    period text,
    bucket_width interval,
    min_group_size integer,
    target_schema name,
    refresh_schedule text,
    -- what a change is worth
    change_id_column text,
    additions_column text,
    deletions_column text,
    reverts_column text,
    bot_column text,
    reviewed_column text,
    change_size_unit float8,
    change_value_cap float8,
    unreviewed_weight float8,
    reviews_table regclass,
    reviewer_column text,
    review_change_column text,
    review_weight float8,
    -- whose tokens
    identity_table regclass,
    identity_column text,
    identity_person_column text,
    split_identities text,
    -- checks on the join (issue 12)
    min_coverage float8,
    multiple_teams text,
    -- incremental refresh (issue 13)
    late_window interval,
    ingested_column text,
    -- excused periods (issue 14)
    annotations_table regclass,
    -- transparency (issue 17)
    role_table regclass,
    role_column text,
    role_developer_column text,
    -- dollars (issue 16)
    model_column text,
    cost_column text,
    exposure text
) RETURNS SETOF text
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    started timestamptz := clock_timestamp();  -- what the board holds: everything committed before this
    ext name := '@extschema@';
    schema_name name := target_schema;  -- the wrapper passes the caller's current schema for NULL
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
    obj_credits text := name || '_credits';
    obj_credits_read text := name || '_credits_read';
    obj_read text := name || '_usage_read';
    obj_days text := name || '_days';
    obj_totals text := name || '_period_totals';
    ingested_expr text := 'NULL::timestamptz';
    bucket_expr text;
    obj_episodes text := name || '_episodes';
    obj_periods text := name || '_periods';
    obj_board text := name || '_leaderboard';
    obj_teams text := name || '_team_leaderboard';
    obj_suspects text := name || '_suspects';
    obj_rejects text := name || '_rejects';
    obj_coverage text := name || '_coverage';
    obj_unmatched text := name || '_unmatched';
    obj_annotations text := name || '_annotations';
    obj_changes_read text := name || '_changes_read';
    made_objects text[];   -- what the board makes, in refresh order
    -- Citus (issue 15): a board over usage distributed by developer keeps its per-developer data
    -- on the workers, colocated with the usage (the README, "Beyond one machine").
    usage_distribution text;       -- the usage table's distribution column; NULL: not Citus-distributed
    changes_distributed boolean;   -- is the changes table Citus-distributed?
    distributed boolean := false;  -- a distributed board
    kept_local text;               -- why a board over distributed usage stays on the coordinator
    changes_rows text;             -- the merged changes as _changes reads them (SQL)
    sql_text text;
    citus_ddl text;                -- citus.enable_ddl_propagation as it was
    -- Rows set aside: a developer with more than set_aside_share of their usage rows in a period
    -- set aside (<name>_rejects), and at least set_aside_min_rows of them, is not ranked in it
    -- (README, "Rows set aside"): the tokens of those rows count for nobody.
    set_aside_share constant float8 := 0.05;
    set_aside_min_rows constant integer := 3;
    withheld text;        -- is a row of _periods withheld from ranking? (SQL over rejected_rows, rejected_share)
    who_rejected text := 'r.developer_id';   -- the person a row r of <name>_rejects names
    map_rejected text := '';
    token_args text;      -- the arguments of billable_tokens for one usage row u
    usage_reject text;    -- why a usage row u is left out; NULL: it is counted
    identity_sql text;    -- the identity map, one person per identity
    members_sql text;     -- the team table's memberships, members mapped to persons
    teams_expr text := 'NULL::text[]';
    team_source text;     -- what the team board groups: one row per person and period, or per membership
    cov record;
    example_usage text;
    example_other text;
    multi record;
    period_length text;  -- one period as an interval ('3 months' for a quarter)
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
    transparency_objects text[];   -- <name>_adoption, and <name>_my_board, <name>_my_episodes with role_table (issue 17)
    dollars record;       -- what a usage row cost (usage_value_internal.cost_binding)
    rank_exposure text;   -- the exposure a row of the board is ranked on (SQL over entities)
BEGIN
    -- Validate the mapping before creating anything; every identifier is quoted with %I below.
    IF schema_name IS NULL THEN
        RAISE EXCEPTION 'target_schema is not given and there is no current schema (search_path names none that exists)'
            USING ERRCODE = '3F000';
    END IF;
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
    IF min_coverage IS NULL OR NOT (min_coverage BETWEEN 0 AND 1) THEN
        RAISE EXCEPTION 'min_coverage must be a share between 0 and 1 (got %)', min_coverage USING ERRCODE = '22023';
    END IF;
    IF multiple_teams IS NULL OR multiple_teams NOT IN ('first', 'every', 'refuse') THEN
        RAISE EXCEPTION 'multiple_teams must be first, every or refuse (got %)', multiple_teams USING ERRCODE = '22023';
    END IF;
    IF late_window IS NULL OR NOT (late_window >= interval '0' AND late_window <= interval '3660 days') THEN
        RAISE EXCEPTION 'late_window must be an interval from 0 to 3660 days: how far before the newest event a refresh re-reads the sources (got %)', late_window
            USING ERRCODE = '22023';
    END IF;
    IF refresh_schedule IS NOT NULL THEN
        PERFORM usage_value_internal.check_scheduling();   -- pg_cron there, and this role may schedule (privilege section)
    END IF;
    bucket_seconds := extract(epoch FROM bucket_width)::bigint;
    period_length := CASE period WHEN 'day' THEN '1 day' WHEN 'week' THEN '7 days' WHEN 'month' THEN '1 month' ELSE '3 months' END;
    IF EXISTS (SELECT 1 FROM @extschema@.leaderboards l WHERE l.target_schema = schema_name AND l.name = create_leaderboard.name) THEN
        -- RAISE expands only %: the quoted call is built with format().
        RAISE EXCEPTION USING ERRCODE = '42710',
            MESSAGE = format('leaderboard %s.%s already exists; drop_leaderboard(%L, %L) removes it', schema_name, name, name, schema_name);
    END IF;
    PERFORM @extschema@._check_column(usage_table, developer_column, 'developer_column');
    PERFORM usage_value_internal.check_column_kind(usage_table, time_column, 'time_column', 'time');
    PERFORM @extschema@._check_column(changes_table, author_column, 'author_column');
    PERFORM usage_value_internal.check_column_kind(changes_table, merged_at_column, 'merged_at_column', 'time');
    IF ingested_column IS NOT NULL THEN
        PERFORM usage_value_internal.check_column_kind(usage_table, ingested_column, 'ingested_column', 'time');
        ingested_expr := format('u.%I::timestamptz', ingested_column);
    END IF;
    -- Excused periods: a developer (an identity, mapped like the usage table's), a tstzrange and
    -- a kind (on-call, incident, training, ...).
    IF annotations_table IS NOT NULL THEN
        PERFORM @extschema@._check_column(annotations_table, 'developer', 'annotations_table');
        PERFORM @extschema@._check_column(annotations_table, 'during', 'annotations_table');
        PERFORM @extschema@._check_column(annotations_table, 'kind', 'annotations_table');
        IF NOT EXISTS (SELECT 1 FROM pg_attribute a
                       WHERE a.attrelid = annotations_table AND a.attname = 'during' AND a.attnum > 0 AND NOT a.attisdropped
                         AND a.atttypid IN (SELECT t.oid FROM pg_type t WHERE t.oid = 'tstzrange'::regtype OR
                                            (t.typtype = 'd' AND t.typbasetype = 'tstzrange'::regtype))) THEN
            RAISE EXCEPTION 'annotations_table: column %.during is %, not a tstzrange', annotations_table,
                (SELECT format_type(a.atttypid, NULL) FROM pg_attribute a
                 WHERE a.attrelid = annotations_table AND a.attname = 'during' AND a.attnum > 0 AND NOT a.attisdropped)
                USING ERRCODE = '42804', HINT = 'a view can make one: tstzrange(starts_at, ends_at) AS during';
        END IF;
    END IF;

    IF tokens_column IS NOT NULL THEN
        PERFORM usage_value_internal.check_column_kind(usage_table, tokens_column, 'tokens_column', 'count');
        tokens_expr := format('u.%I::bigint', tokens_column);
        usage_reject := format('CASE WHEN u.%1$I::bigint < 0 THEN %2$L || u.%1$I::bigint || %3$L END', tokens_column,
                               'tokens_column is negative (', ')');
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
        PERFORM usage_value_internal.check_column_kind(usage_table, input_tokens_column, 'input_tokens_column', 'count');
        PERFORM usage_value_internal.check_column_kind(usage_table, output_tokens_column, 'output_tokens_column', 'count');
        IF cache_read_column IS NOT NULL THEN
            PERFORM usage_value_internal.check_column_kind(usage_table, cache_read_column, 'cache_read_column', 'count');
        END IF;
        IF cache_creation_column IS NOT NULL THEN
            PERFORM usage_value_internal.check_column_kind(usage_table, cache_creation_column, 'cache_creation_column', 'count');
        END IF;
        token_args := format('u.%I::bigint, u.%I::bigint, %s, %s, %s', input_tokens_column, output_tokens_column,
                              CASE WHEN cache_read_column IS NULL THEN 'NULL' ELSE format('u.%I::bigint', cache_read_column) END,
                              CASE WHEN cache_creation_column IS NULL THEN 'NULL' ELSE format('u.%I::bigint', cache_creation_column) END,
                              CASE WHEN token_convention IS NULL THEN format('u.%I::text', convention_column) ELSE format('%L', token_convention) END);
        tokens_expr := format('%I.billable_tokens(%s)', ext, token_args);
        -- The same rules without raising (see billable_tokens_reject_reason): a row that breaks
        -- them is set aside in <name>_rejects, never fails the refresh.
        usage_reject := format('%I.billable_tokens_reject_reason(%s)', ext, token_args);
    END IF;
    -- Dollars (issue 16): what each usage row cost, checked and built by cost_binding.
    dollars := usage_value_internal.cost_binding(usage_table, time_column, model_column, cost_column, exposure,
                                                 CASE WHEN tokens_column IS NULL THEN token_args END, tokens_expr);
    IF dollars.reject_sql IS NOT NULL THEN
        usage_reject := format('coalesce(%s, %s)', usage_reject, dollars.reject_sql);
    END IF;
    -- A row without a developer or a (finite) time cannot be placed: set aside too (listed,
    -- counted). An infinite time would make a developer's span of buckets endless.
    usage_reject := format('CASE WHEN u.%1$I IS NULL THEN %3$L WHEN u.%2$I IS NULL THEN %4$L '
                           'WHEN NOT isfinite(u.%2$I::timestamptz) THEN %5$L ELSE %6$s END',
                           developer_column, time_column, 'no developer (developer_column is NULL)',
                           'no time (time_column is NULL)', 'time is not finite (time_column is infinity)', usage_reject);

    -- Identities: a second account, a bot's or a service's is a person's only through the map.
    who_usage := format('u.%I::text', developer_column);
    who_author := format('c.%I::text', author_column);
    who_reviewer := 'NULL::text';
    IF identity_table IS NOT NULL THEN
        PERFORM @extschema@._check_column(identity_table, identity_column, 'identity_column');
        PERFORM @extschema@._check_column(identity_table, identity_person_column, 'identity_person_column');
        -- DISTINCT ON: an identity mapped twice belongs to one person (the smallest), never to two.
        identity_sql := format('(SELECT DISTINCT ON (%1$I::text) %1$I::text AS identity, %2$I::text AS person FROM %3$s '
                               'WHERE %2$I IS NOT NULL ORDER BY %1$I::text, %2$I::text)',
                               identity_column, identity_person_column, identity_table);
        map_usage := format('LEFT JOIN %s im ON im.identity = %s', identity_sql, who_usage);
        map_author := replace(map_usage, who_usage, who_author);
        who_usage := format('coalesce(im.person, %s)', who_usage);
        who_author := format('coalesce(im.person, %s)', who_author);
        map_rejected := format('LEFT JOIN %s im ON im.identity = r.developer_id', identity_sql);
        who_rejected := 'coalesce(im.person, r.developer_id)';
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
        PERFORM usage_value_internal.check_column_kind(changes_table, additions_column, 'additions_column', 'count');
        PERFORM usage_value_internal.check_column_kind(changes_table, deletions_column, 'deletions_column', 'count');
        -- negative counts are data errors: treated as unknown size (a typical change), never as negative value
        size_expr := format('CASE WHEN c.%1$I::float8 >= 0 AND c.%2$I::float8 >= 0 THEN c.%1$I::float8 + c.%2$I::float8 END',
                            additions_column, deletions_column);
    END IF;
    IF reverts_column IS NOT NULL THEN
        PERFORM @extschema@._check_column(changes_table, reverts_column, 'reverts_column');
        reverts_expr := format('c.%I::text', reverts_column);
    END IF;
    IF bot_column IS NOT NULL THEN
        PERFORM usage_value_internal.check_column_kind(changes_table, bot_column, 'bot_column', 'flag');
        bot_expr := format('coalesce(c.%I::boolean, false)', bot_column);
    END IF;
    IF reviewed_column IS NOT NULL THEN
        PERFORM usage_value_internal.check_column_kind(changes_table, reviewed_column, 'reviewed_column', 'flag');
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
        IF cohort_column IS NOT NULL THEN
            PERFORM @extschema@._check_column(team_table, cohort_column, 'cohort_column');
            cohort_expr := 't.cohort';
        END IF;
        -- Members are identities like any other: the identity map applies to them too.
        members_sql := format('SELECT %1$s AS member, x.%2$I::text AS team, %3$s AS cohort FROM %4$s x %5$s WHERE x.%6$I IS NOT NULL',
                              CASE WHEN identity_table IS NULL THEN format('x.%I::text', team_member_column)
                                   ELSE format('coalesce(tm.person, x.%I::text)', team_member_column) END,
                              team_column,
                              CASE WHEN cohort_column IS NULL THEN 'NULL::text' ELSE format('x.%I::text', cohort_column) END,
                              team_table,
                              CASE WHEN identity_table IS NULL THEN ''
                                   ELSE format('LEFT JOIN %s tm ON tm.identity = x.%I::text', identity_sql, team_member_column) END,
                              team_member_column);
        -- A person in several teams (DevLake's team_users is many-to-many) has one row, with the
        -- first team by name (and its cohort), and all teams in teams; multiple_teams = 'every'
        -- counts the person in each of them on the team board. 'refuse' refuses it here only: a
        -- membership added later must not break the nightly refresh, which keeps the first team
        -- and reports the person (<name>_coverage, and a NOTICE).
        IF multiple_teams = 'refuse' THEN
            EXECUTE format('SELECT count(*) AS people, string_agg(format(%L, member, teams), %L ORDER BY n) FILTER (WHERE n <= 5) AS examples '
                           'FROM (SELECT member, string_agg(DISTINCT team, %L ORDER BY team) AS teams, row_number() OVER (ORDER BY member) AS n '
                           'FROM (%s) m GROUP BY member HAVING count(DISTINCT team) > 1) several',
                           '%s (%s)', '; ', ', ', members_sql) INTO multi;
            IF multi.people > 0 THEN
                RAISE EXCEPTION USING ERRCODE = '23505',
                    MESSAGE = format('people in several teams in %s (multiple_teams = refuse): %s%s', team_table,
                                     multi.examples, CASE WHEN multi.people > 5 THEN format('; and %s more', multi.people - 5) ELSE '' END),
                    HINT = 'give each person one team, or choose multiple_teams => ''first'' (the first team by name) or ''every'' (counted in each team on the team board)';
            END IF;
        END IF;
        team_join := format('LEFT JOIN (SELECT member, (array_agg(team ORDER BY team, cohort))[1] AS team, '
                            '(array_agg(cohort ORDER BY team, cohort))[1] AS cohort, '
                            'array_agg(DISTINCT team ORDER BY team) FILTER (WHERE team IS NOT NULL) AS teams '
                            'FROM (%s) m GROUP BY member) t ON t.member = p.developer_id', members_sql);
        team_expr := 't.team';
        teams_expr := 't.teams';
        person_expr := 't.member IS NOT NULL';
    ELSIF cohort_column IS NOT NULL THEN
        RAISE EXCEPTION 'cohort_column is a column of team_table; give team_table too' USING ERRCODE = '22023';
    END IF;

    -- Citus: detected at run time (no dependency on it). A board over usage hash-distributed by
    -- its developer column (text) stores its days, credits and episodes in distributed tables
    -- colocated with the usage, refreshed by statements the workers run whole; identities mapped
    -- to persons or annotations would join across shards, so such a board stays on the
    -- coordinator (the single-server layout, reading the distributed tables), said by a NOTICE.
    usage_distribution := usage_value_internal.citus_distribution(usage_table);
    changes_distributed := usage_value_internal.citus_distribution(changes_table) IS NOT NULL;
    IF usage_distribution IS NOT NULL THEN
        IF usage_distribution <> developer_column THEN
            kept_local := format('it is distributed by %I, not by developer_column %I', usage_distribution, developer_column);
        ELSIF (SELECT atttypid FROM pg_attribute WHERE attrelid = usage_table AND attname = developer_column) <> 'text'::regtype THEN
            kept_local := format('its developer column %I is %s, not text', developer_column,
                                 (SELECT format_type(atttypid, NULL) FROM pg_attribute WHERE attrelid = usage_table AND attname = developer_column));
        ELSIF identity_table IS NOT NULL THEN
            kept_local := 'identity_table maps identities to persons across shards';
        ELSIF annotations_table IS NOT NULL THEN
            kept_local := 'annotations_table is not supported on a distributed board';
        END IF;
        distributed := kept_local IS NULL;
        IF NOT distributed THEN
            RAISE NOTICE 'leaderboard %.% is kept on the coordinator: % is distributed with Citus, but %', schema_name, name, usage_table, kept_local
                USING HINT = 'a distributed board needs the usage table distributed by developer_column (text), without identity_table or annotations_table';
        END IF;
    END IF;

    -- 0. The source rows the board leaves out, and why: usage rows without a developer or a
    --    time, or whose token counts break their convention (the rules of billable_tokens, checked
    --    without raising); merged changes without an author. A change without a merge time is not
    --    merged, not rejected. Materialized with the board, so it lists exactly what the last
    --    refresh left out; a row is identified by its ctid where the source is a table (or by the
    --    change id), else by its developer and time.
    EXECUTE format($sql$
        CREATE MATERIALIZED VIEW %1$I.%2$I AS
        SELECT row_number() OVER (ORDER BY source, row_time, developer_id, row_id, reason) AS reject_id, r.*
        FROM (SELECT 'usage'::text AS source, u.uv_reason AS reason, u.%3$I::text AS developer_id,
                     u.%4$I::timestamptz AS row_time, u.uv_row_id AS row_id
              FROM (SELECT u.*, %5$s AS uv_reason, %6$s AS uv_row_id FROM %7$s u) u
              WHERE u.uv_reason IS NOT NULL
              UNION ALL
              SELECT 'changes', CASE WHEN NOT isfinite(c.%8$I::timestamptz) THEN 'merge time is not finite (merged_at_column is infinity)'
                                     ELSE 'no author (author_column is NULL) on a merged change' END,
                     c.%11$I::text, c.%8$I::timestamptz, %9$s
              FROM %10$s c WHERE c.%8$I IS NOT NULL AND (c.%11$I IS NULL OR NOT isfinite(c.%8$I::timestamptz))) r
        $sql$, schema_name, obj_rejects, developer_column, time_column, usage_reject,
        CASE (SELECT relkind FROM pg_class WHERE oid = usage_table)
             WHEN 'p' THEN 'u.tableoid::regclass::text || '' '' || u.ctid::text'
             WHEN 'r' THEN 'u.ctid::text' WHEN 'm' THEN 'u.ctid::text' ELSE 'NULL::text' END,
        usage_table, merged_at_column,
        CASE WHEN change_id_column IS NOT NULL THEN id_expr
             ELSE CASE (SELECT relkind FROM pg_class WHERE oid = changes_table)
                       WHEN 'p' THEN 'c.tableoid::regclass::text || '' '' || c.ctid::text'
                       WHEN 'r' THEN 'c.ctid::text' WHEN 'm' THEN 'c.ctid::text' ELSE 'NULL::text' END END,
        changes_table, author_column);
    EXECUTE format('CREATE UNIQUE INDEX ON %I.%I (reject_id)', schema_name, obj_rejects);

    -- 1. Every merged change and what it is worth, with the reason (the explanation a person
    --    needs). Reverted changes and reverts, bots: 0. Otherwise size / unit (the median
    --    human change, unless given), capped at change_value_cap typical changes; unknown size
    --    counts as one typical change; unreviewed changes are weighted by unreviewed_weight.
    --    The merged changes (NULL merge time: not merged) are read first; a Citus-distributed
    --    changes table through the staging view _changes_read (a recursive query over a
    --    distributed table is refused by Citus; the merged changes are few next to usage).
    changes_rows := format('SELECT %1$s AS developer_id, c.%2$I AS merged_at, %3$s AS change_id, %4$s AS reverts_id, '
                           '%5$s AS is_bot, %6$s AS reviewed, %7$s AS size FROM %8$s c %9$s '
                           'WHERE %1$s IS NOT NULL AND isfinite(c.%2$I::timestamptz)',
                           who_author, merged_at_column, id_expr, reverts_expr, bot_expr, reviewed_expr, size_expr,
                           changes_table, map_author);
    IF changes_distributed THEN
        EXECUTE format('CREATE MATERIALIZED VIEW %I.%I AS %s', schema_name, obj_changes_read, changes_rows);
        changes_rows := format('SELECT * FROM %I.%I', schema_name, obj_changes_read);
    END IF;
    EXECUTE format($sql$
        CREATE MATERIALIZED VIEW %1$I.%2$I AS
        WITH RECURSIVE c0 AS (   -- one row per change id (a change merged twice in the source counts once)
            SELECT DISTINCT ON (change_id) * FROM (
                SELECT developer_id, merged_at,
                       coalesce(change_id, 'row:' || row_number() OVER (ORDER BY developer_id, merged_at)) AS change_id,
                       reverts_id, is_bot, reviewed, size
                FROM (%3$s) c) all_changes
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
        $sql$, schema_name, obj_changes, changes_rows, NULL, NULL, NULL, NULL,
        NULL, NULL, NULL, NULL, coalesce(change_size_unit::text, 'NULL'),
        change_value_cap, unreviewed_weight, bucket_seconds);
    EXECUTE format('CREATE UNIQUE INDEX ON %I.%I (change_id)', schema_name, obj_changes);

    -- 2. The board's storage (issue 13): ordinary tables per developer and UTC day, updated in
    --    place by refresh_leaderboard, which recomputes only the days that new, late or deleted
    --    rows touch (usage_value_internal.refresh_days; the README, "Binding to your tables").
    --    What a change is worth depends on the median change and on revert chains, so
    --    _changes is re-read whole at every refresh (changes are few next to usage events) and
    --    compared with the last refresh's. _credits is what each developer earned in each
    --    bucket, merged changes and their value with review credit (value) and without
    --    (authored_value): a bucket's credit depends only on the changes of its period and their
    --    reviews (review credit is capped per period), so a refresh recomputes it for the periods
    --    from the late window's on and for those holding a change that changed, in the staging
    --    view _credits_read (the periods are the settings usage_value.credit_from, epoch
    --    seconds, and usage_value.credit_periods, a date[]; unset: empty), and writes what
    --    differs. Sums of fractional values are taken in numeric, exact, so that they do not
    --    depend on the order rows are read in.
    EXECUTE format($sql$
        CREATE MATERIALIZED VIEW %1$I.%2$I AS
        WITH changes AS (
            SELECT * FROM %1$I.%3$I c
            WHERE date_trunc(%5$L, c.bucket AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'
                      >= to_timestamp(nullif(current_setting('usage_value.credit_from', true), '')::float8)
               OR date_trunc(%5$L, c.bucket AT TIME ZONE 'UTC')::date
                      = ANY (nullif(current_setting('usage_value.credit_periods', true), '')::date[])),
        reviews AS (%4$s),
        -- Review credit is capped, per period, at the reviewer's own authored value: reviewing
        -- can at most double what a person delivered, so it pays for the tokens reviewing
        -- costs and cannot stand in for delivering.
        review_cap AS (
            SELECT r.developer_id, r.period_start, least(1.0, coalesce(a.authored, 0) / r.earned) AS factor
            FROM (SELECT developer_id, date_trunc(%5$L, bucket AT TIME ZONE 'UTC') AS period_start, sum(value::numeric) AS earned
                  FROM reviews GROUP BY 1, 2) r
            LEFT JOIN (SELECT developer_id, date_trunc(%5$L, bucket AT TIME ZONE 'UTC') AS period_start, sum(value::numeric) AS authored
                       FROM changes GROUP BY 1, 2) a USING (developer_id, period_start)
            WHERE r.earned > 0),
        credits AS (
            SELECT developer_id, bucket, 1::bigint AS merged_changes, value::numeric AS value, value::numeric AS authored_value FROM changes
            UNION ALL
            SELECT r.developer_id, r.bucket, 0, r.value::numeric * c.factor, 0
            FROM reviews r JOIN review_cap c ON c.developer_id = r.developer_id
                                            AND c.period_start = date_trunc(%5$L, r.bucket AT TIME ZONE 'UTC')
            WHERE c.factor > 0)
        SELECT developer_id, bucket, sum(merged_changes)::bigint AS merged_changes, sum(value)::float8 AS value,
               sum(authored_value)::float8 AS authored_value
        FROM credits GROUP BY 1, 2
        WITH NO DATA
        $sql$, schema_name, obj_credits_read, obj_changes, review_credit, period);
    EXECUTE format($sql$
        CREATE TABLE %1$I.%2$I (
            developer_id text NOT NULL,
            bucket timestamptz NOT NULL,
            merged_changes bigint NOT NULL,
            value float8 NOT NULL,
            authored_value float8 NOT NULL,
            PRIMARY KEY (developer_id, bucket))
        $sql$, schema_name, obj_credits);

    --    _usage_read: the usage a refresh reads, per developer and bucket: the rows from the
    --    day of read_from on (the watermark less late_window; everything for a full rebuild),
    --    and, with ingested_column, every day holding a row ingested after ingested_from (the
    --    ingestion watermark less late_window), however old. The bounds are the settings
    --    usage_value.read_from and usage_value.ingested_from (epoch seconds), which the refresh sets
    --    for its transaction just before it refreshes this view (unset: the view is empty, as after
    --    a pg_dump restore); a staging area that only refresh_days reads. Read from one day before read_from and filtered on the
    --    bucket's UTC day, so that a time column without time zone is placed like every bucket.
    --    On a distributed board _usage_read is a view, the same query: refresh_distributed reads
    --    it inside statements that the workers run whole.
    bucket_expr := format('to_timestamp(floor(extract(epoch FROM u.%1$I) / %2$s) * %2$s)', time_column, bucket_seconds);
    sql_text := format($sql$
        CREATE MATERIALIZED VIEW %1$I.%2$I AS
        WITH read AS (
            SELECT %3$s AS developer_id, %4$s AS bucket, %5$s AS tokens, u.%6$I::timestamptz AS at, %7$s AS ingested_at,
                   %15$s AS cost
            FROM %8$s u %9$s
            WHERE (%10$s) IS NULL
              AND u.%6$I >= to_timestamp(nullif(current_setting('usage_value.read_from', true), '')::float8) - interval '1 day'
              AND %4$s >= to_timestamp(nullif(current_setting('usage_value.read_from', true), '')::float8)
            %14$s)
        SELECT developer_id, bucket, (bucket AT TIME ZONE 'UTC')::date AS day, sum(tokens)::bigint AS tokens,
               count(*) AS usage_rows, max(at) AS newest, max(ingested_at) AS ingested,
               -- dollars (issue 16): each priced row rounded to the micro-dollar once; the tokens of unpriced rows
               sum(round(cost * 1000000)) FILTER (WHERE cost IS NOT NULL)::bigint AS cost_micro_usd,
               coalesce(sum(tokens) FILTER (WHERE cost IS NULL), 0)::bigint AS uncosted_tokens
        FROM read GROUP BY developer_id, bucket
        WITH NO DATA
        $sql$, schema_name, obj_read, who_usage, bucket_expr, tokens_expr, time_column, ingested_expr, usage_table,
        map_usage, usage_reject, ext, schema_name, name,
        CASE WHEN ingested_column IS NULL THEN '' ELSE format($late$
            UNION ALL   -- the days of rows ingested late, re-read whole
            SELECT %1$s, %2$s, %3$s, u.%4$I::timestamptz, %5$s, %13$s
            FROM (SELECT DISTINCT floor(extract(epoch FROM u.%4$I) / 86400)::bigint AS day_number
                  FROM %6$s u
                  WHERE u.%7$I > to_timestamp(nullif(current_setting('usage_value.ingested_from', true), '')::float8)
                    AND u.%4$I < to_timestamp(nullif(current_setting('usage_value.read_from', true), '')::float8)) late
            JOIN %6$s u ON u.%4$I >= to_timestamp(late.day_number * 86400) - interval '1 day'
                       AND u.%4$I < to_timestamp(late.day_number * 86400) + interval '2 days'
            %11$s
            WHERE (%12$s) IS NULL AND floor(extract(epoch FROM u.%4$I) / 86400)::bigint = late.day_number
              AND %2$s < to_timestamp(nullif(current_setting('usage_value.read_from', true), '')::float8)
            $late$, who_usage, bucket_expr, tokens_expr, time_column, ingested_expr, usage_table, ingested_column,
            ext, schema_name, name, map_usage, usage_reject, dollars.cost_sql) END,
        dollars.cost_sql);
    IF distributed THEN
        -- Every row, whatever the settings: they are the coordinator's, and the workers that run
        -- the view's query would not see them.
        sql_text := replace(replace(replace(replace(sql_text, 'CREATE MATERIALIZED VIEW', 'CREATE VIEW'), 'WITH NO DATA', ''),
                                    $s$to_timestamp(nullif(current_setting('usage_value.read_from', true), '')::float8)$s$,
                                    $s$'-infinity'::timestamptz$s$),
                            $s$to_timestamp(nullif(current_setting('usage_value.ingested_from', true), '')::float8)$s$,
                            'NULL::timestamptz');
    END IF;
    EXECUTE sql_text;

    --    _days: per developer and UTC day, the day's usage_summary (tokens, merged changes,
    --    value with review credit; its hours in time order) and burst_series (tokens, merged
    --    changes and authored value per bucket; NULL for a day with neither tokens nor merged
    --    changes), and the source usage rows. Only days with data, only developers with usage
    --    (as before: an author without tokens is not on the board).
    EXECUTE format($sql$
        CREATE TABLE %1$I.%2$I (
            developer_id text NOT NULL,
            day date NOT NULL,
            tokens bigint NOT NULL,
            merged_changes bigint NOT NULL,
            value float8 NOT NULL,
            usage_rows bigint NOT NULL,
            summary %3$I.usage_summary NOT NULL,
            series %3$I.burst_series,
            cost_micro_usd bigint,
            uncosted_tokens bigint NOT NULL DEFAULT 0,
            PRIMARY KEY (developer_id, day))
        $sql$, schema_name, obj_days, ext);
    EXECUTE format('CREATE INDEX ON %I.%I (day)', schema_name, obj_days);
    --    A distributed board: the per-developer data (credits, days, and below the episodes) in
    --    distributed tables colocated with the usage table, so that each developer's rows and
    --    analyses stay on the worker that holds the developer's usage. _period_totals stays on
    --    the coordinator: per developer and period, the small results the boards are served from.
    IF distributed THEN
        FOREACH sql_text IN ARRAY ARRAY[obj_credits, obj_days] LOOP
            EXECUTE format('SELECT create_distributed_table(%L, %L, colocate_with => %L)',
                           format('%I.%I', schema_name, sql_text), 'developer_id', usage_table::text);
        END LOOP;
    END IF;

    --    _buckets: the buckets of the stored series and those with review credit only,
    --    non-empty only (0.4.0 zero-filled each developer's span); value from _credits (each
    --    bucket has at most one row of each kind: the sums are exact). With Citus, the views
    --    over tables on the coordinator exist there only: DDL propagation is off while they are
    --    made (Citus would otherwise warn, for each, that it is not made on the workers). On a
    --    distributed board this one is made on the workers too (its tables are there).
    IF usage_distribution IS NOT NULL OR changes_distributed THEN
        citus_ddl := current_setting('citus.enable_ddl_propagation', true);
        PERFORM set_config('citus.enable_ddl_propagation', CASE WHEN distributed THEN citus_ddl ELSE 'off' END, true);
    END IF;
    EXECUTE format($sql$
        CREATE VIEW %1$I.%2$I AS
        SELECT developer_id, bucket, sum(tokens)::bigint AS tokens, sum(merged_changes)::bigint AS merged_changes,
               sum(value)::float8 AS value, sum(authored_value)::float8 AS authored_value, NULL::bigint AS usage_rows
        FROM (SELECT d.developer_id, b.bucket, b.tokens, b.merged_changes, 0::float8 AS value, b.merged_value AS authored_value
              FROM %1$I.%3$I d CROSS JOIN LATERAL %4$I.buckets(d.series) b
              UNION ALL
              SELECT k.developer_id, k.bucket, 0, 0, k.value, 0
              FROM %1$I.%5$I k
              WHERE EXISTS (SELECT 1 FROM %1$I.%3$I d WHERE d.developer_id = k.developer_id
                                                       AND d.day = (k.bucket AT TIME ZONE 'UTC')::date)) x
        GROUP BY developer_id, bucket
        $sql$, schema_name, obj_buckets, obj_days, ext, obj_credits);
    IF citus_ddl IS NOT NULL THEN
        PERFORM set_config('citus.enable_ddl_propagation', citus_ddl, true);
    END IF;

    --    _annotations (with annotations_table): the periods each developer's own record excuses,
    --    mapped to persons like the usage table's developers, one row per developer, range and
    --    kind (NULL developers, NULL or empty ranges left out; a NULL or empty kind is
    --    'unspecified'). Refreshed at every refresh and compared with the last refresh's: a
    --    developer whose annotations changed is re-analysed.
    IF annotations_table IS NOT NULL THEN
        EXECUTE format($sql$
            CREATE MATERIALIZED VIEW %1$I.%2$I AS
            SELECT DISTINCT %3$s AS developer_id, a.during::tstzrange AS during,
                   coalesce(nullif(a.kind::text, ''), 'unspecified') AS kind
            FROM %4$s a %5$s
            WHERE a.developer IS NOT NULL AND a.during IS NOT NULL AND NOT isempty(a.during::tstzrange)
            $sql$, schema_name, obj_annotations,
            CASE WHEN identity_table IS NULL THEN 'a.developer::text' ELSE 'coalesce(am.person, a.developer::text)' END,
            annotations_table,
            CASE WHEN identity_table IS NULL THEN ''
                 ELSE format('LEFT JOIN %s am ON am.identity = a.developer::text', identity_sql) END);
        EXECUTE format('CREATE UNIQUE INDEX ON %I.%I (developer_id, during, kind)', schema_name, obj_annotations);
    END IF;

    -- 3. Episodes per developer over the whole history (the baseline needs weeks of it), stored
    --    per developer: a refresh re-analyses only the developers whose series (or annotations)
    --    changed. kind 'burst': burst_episodes, the developer's annotations passed as excused;
    --    merged output is credited by its authored value, so trivial changes buy back almost
    --    nothing (review credit is not output of the episode's tokens). kind 'drift':
    --    efficiency_drift, against the developer's own past, or for a newcomer the value per
    --    token of the board's established developers (refresh_days says which); explanation only:
    --    the board's inflated tokens are the burst episodes'.
    EXECUTE format($sql$
        CREATE TABLE %1$I.%2$I (
            developer_id text NOT NULL,
            kind text NOT NULL CHECK (kind IN ('burst', 'drift')),
            start_at timestamptz NOT NULL,
            end_at timestamptz,
            tokens float8,
            baseline_tokens float8,
            merged_changes bigint,
            merged_value float8,
            expected_merged_value float8,
            expected_merged_changes float8,
            excess_tokens float8,
            inflated_tokens float8,
            excused_tokens float8,
            excused_by text,
            p_value float8,
            is_inflation boolean,
            verdict text,
            ratio float8,
            reference text,
            PRIMARY KEY (developer_id, kind, start_at))
        $sql$, schema_name, obj_episodes);
    IF distributed THEN
        EXECUTE format('SELECT create_distributed_table(%L, %L, colocate_with => %L)',
                       format('%I.%I', schema_name, obj_episodes), 'developer_id', usage_table::text);
    END IF;
    IF citus_ddl IS NOT NULL THEN   -- (the views below on the coordinator only, as _buckets)
        PERFORM set_config('citus.enable_ddl_propagation', 'off', true);
    END IF;

    -- 4. Per developer and period: the period's summary (the days' summaries rolled up in day
    --    order), usage rows, and the inflated tokens spent in it: each episode's inflated tokens
    --    spread over the buckets it covers in proportion to their tokens, so that an episode
    --    crossing a period boundary is charged to both. Stored in _period_totals, rebuilt for
    --    the periods whose days changed (and, for the re-analysed developers, their inflated
    --    tokens). _periods adds, when read, what is not the developer's data: team, cohort,
    --    whether the identity is a known person, how much of the period the board covers (the
    --    calendar days, UTC, between the first and the last day with tokens in the whole board).
    EXECUTE format($sql$
        CREATE TABLE %1$I.%2$I (
            developer_id text NOT NULL,
            period_start date NOT NULL,
            summary %3$I.usage_summary NOT NULL,
            usage_rows bigint NOT NULL,
            inflated_tokens float8 NOT NULL,
            PRIMARY KEY (developer_id, period_start))
        $sql$, schema_name, obj_totals, ext);

    EXECUTE format($sql$
        CREATE VIEW %1$I.%2$I AS
        SELECT p.developer_id, %7$s AS team, %8$s AS cohort, %10$s AS is_person, p.period_start, p.summary,
               %4$I.tokens(p.summary) AS tokens, %4$I.merged_changes(p.summary) AS merged_changes,
               %4$I.value(p.summary) AS value, %4$I.effective_changes(p.summary) AS effective_changes,
               CASE WHEN %4$I.tokens(p.summary) > 0
                    THEN least(1.0, p.inflated_tokens / %4$I.tokens(p.summary)) ELSE 0 END AS burst_inflation,
               p.inflated_tokens,
               ((p.period_start + %11$L::interval)::date - p.period_start)::integer AS period_days,
               CASE WHEN cv.first_day IS NULL THEN 0
                    ELSE greatest(0, least((p.period_start + %11$L::interval)::date - 1, cv.last_day)
                                     - greatest(p.period_start, cv.first_day) + 1) END::integer AS days_covered,
               p.usage_rows, %12$s AS teams,
               (coalesce(rt.n, 0) + coalesce(rn.n, 0))::bigint AS rejected_rows,
               coalesce((coalesce(rt.n, 0) + coalesce(rn.n, 0))::float8
                        / nullif(p.usage_rows + coalesce(rt.n, 0) + coalesce(rn.n, 0), 0), 0)::float8 AS rejected_share,
               -- dollars (issue 16): NULL when some tokens of the period have no price
               %4$I.cost_usd(p.summary) AS cost_usd, %4$I.uncosted_tokens(p.summary) AS uncosted_tokens,
               (p.inflated_tokens * %4$I.cost_usd(p.summary) / nullif(%4$I.tokens(p.summary), 0))::float8 AS inflated_usd
        FROM %1$I.%3$I p
        CROSS JOIN (SELECT min(day) AS first_day, max(day) AS last_day FROM %1$I.%5$I WHERE tokens > 0) cv
        %9$s
        -- Usage rows set aside (<name>_rejects) that name the developer: those with a time in the
        -- period, and those without a (finite) time, which could belong to any period and so
        -- count in each of the developer's periods.
        LEFT JOIN (SELECT %14$s AS developer_id, date_trunc(%15$L, r.row_time AT TIME ZONE 'UTC')::date AS period_start, count(*) AS n
                   FROM %1$I.%13$I r %16$s
                   WHERE r.source = 'usage' AND r.developer_id IS NOT NULL AND isfinite(r.row_time) GROUP BY 1, 2) rt
               ON rt.developer_id = p.developer_id AND rt.period_start = p.period_start
        LEFT JOIN (SELECT %14$s AS developer_id, count(*) AS n
                   FROM %1$I.%13$I r %16$s
                   WHERE r.source = 'usage' AND r.developer_id IS NOT NULL AND (r.row_time IS NULL OR NOT isfinite(r.row_time))
                   GROUP BY 1) rn
               ON rn.developer_id = p.developer_id
        $sql$, schema_name, obj_periods, obj_totals, ext, obj_days, NULL,
        team_expr, cohort_expr, team_join, person_expr, period_length, teams_expr,
        obj_rejects, who_rejected, period, map_rejected);
    withheld := format('(rejected_rows >= %s AND rejected_share > %s)', set_aside_min_rows, set_aside_share);

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
                   coalesce(sum(value ^ 2 / nullif(effective_changes, 0) ORDER BY developer_id) / nullif(sum(value ORDER BY developer_id), 0), 1) AS dispersion
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
                   corr(rs, rv ORDER BY bucket) AS hourly_correlation, count(*) AS shared_buckets
            FROM (SELECT c.period_start, c.sink, c.source, c.combined_ratio, bs.bucket,
                         ln(bs.tokens::float8) - avg(ln(bs.tokens::float8)) OVER w AS rs,
                         ln(bv.tokens::float8) - avg(ln(bv.tokens::float8)) OVER w AS rv
                  -- (the stored series of the pair's days in the period, not <name>_buckets: a
                  -- lookup by the day keys instead of unpacking every series)
                  FROM candidates c
                  %11$s
                  CROSS JOIN LATERAL %8$I.buckets(ds.series) bs
                  JOIN LATERAL %8$I.buckets(dv.series) bv ON bv.bucket = bs.bucket
                  WHERE bs.tokens > 0 AND bv.tokens > 0
                  WINDOW w AS (PARTITION BY c.period_start, c.sink, c.source, extract(hour FROM bs.bucket AT TIME ZONE 'UTC')
                               ORDER BY bs.bucket ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)) x
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
        UNION ALL
        -- Not ranked because too many of the identity's usage rows were set aside: reported, so
        -- that withholding one's rows is visible, not a quiet way off the board.
        SELECT r.period_start, 'rows_set_aside', r.developer_id, NULL, r.team, r.tokens, r.value, NULL, NULL, NULL, NULL,
               format('not ranked: %%s of %%s usage rows set aside as unusable; see %%s', r.rejected_rows,
                      r.usage_rows + r.rejected_rows, %9$L)
        FROM %1$I.%4$I r WHERE %10$s
        $sql$, schema_name, obj_suspects, invoker, obj_periods,
        CASE split_identities WHEN 'rank_jointly' THEN 'ranked jointly: the source is ranked on the pair''s tokens and value'
                              ELSE 'reported (split_identities = report_only)' END,
        obj_days, period_length, ext, obj_rejects, withheld,
        -- (on a distributed board the pair's days are looked up by pair_days: two developers'
        -- rows, on two shards, are not a join Citus runs on the workers)
        CASE WHEN distributed
             THEN format('CROSS JOIN LATERAL usage_value_internal.pair_days(%L::regclass, c.sink, c.source, c.period_start, '
                         '(c.period_start + %L::interval)::date) ds JOIN LATERAL (SELECT ds.source_series AS series) dv ON true',
                         format('%I.%I', schema_name, obj_days), period_length)
             ELSE format('JOIN %1$I.%2$I ds ON ds.developer_id = c.sink AND ds.day >= c.period_start '
                         'AND ds.day < (c.period_start + %3$L::interval)::date '
                         'JOIN %1$I.%2$I dv ON dv.developer_id = c.source AND dv.day = ds.day',
                         schema_name, obj_days, period_length) END);

    rank_exposure := CASE exposure WHEN 'cost' THEN 'CASE WHEN e.rank_cost > 0 THEN e.rank_cost::float8 END'
                                   ELSE 'e.rank_tokens / 1e6' END;

    -- 6. The fair leaderboard: plain column types for BI tools, ranked on value per million
    --    tokens with the value's effective count, within period and cohort. A cohort smaller than
    --    min_group_size (or an identity without one) is ranked in the whole company of the
    --    period; a period with fewer identities than that ranks nobody. A suspected split pair is
    --    ranked as one (split_identities = rank_jointly): the source on the pair's tokens and
    --    value, the sink not separately. An identity with too many usage rows set aside in the
    --    period (above set_aside_share) is left out of the ranking and of the prior fit, like a
    --    sink: its rate is untrusted, and kept in it would push the honest ranks after it down.
    --    No strict rank where the data cannot order the group. When the prior fit finds no spread
    --    between the group's rates beyond Poisson noise (prior_method no_spread: the likelihood
    --    keeps rising towards complete pooling, shape capped at 1e7), every posterior is the
    --    prior: scores differ by ~1e-7 and every rank interval spans the group, so a strict rank
    --    would be drawn by chance. fair_rank is then NULL with a note; the score, the rank
    --    interval and the prior stay visible. no_exposure (everyone ties at 1) likewise. The other
    --    fallbacks keep their ranks: small_partition fixes a weakly informative prior (shape 1),
    --    under which each row's own counts order it and the interval says how loosely; all_zero
    --    (no value anywhere) orders by tokens spent without value, which is evidence, and burning
    --    still lowers the rank there. An interior maximum-likelihood fit is kept even when its
    --    shape is large: the fit then says there is some spread, and the intervals show how much.
    --    Escaping to "not ranked" does not pay. no_spread is a verdict on the whole group, reached
    --    only when every rate, the escaper's included, is within chance of the pooled one.
    --    Burning lowers the burner's rate and so adds spread: a burner clearly below the group
    --    keeps the group ranked, at its bottom. The ways in are to deliver at the group's rate
    --    (no longer burning) or to bring the group's outliers to it (a leader who burns only
    --    loses their own rank); identities padded in at the mean rate need real value, and a
    --    second identity is reported and ranked jointly (split_identities). And what is given
    --    up is noise: in a no_spread group a rank says nothing the data supports, while the
    --    burner's fair_score and burst_inflation stay on the board.
    EXECUTE format($sql$
        CREATE VIEW %1$I.%2$I%3$s AS
        WITH p AS (SELECT * FROM %1$I.%4$I),
        joint AS (
            SELECT s.period_start, s.other_developer_id AS developer_id, sum(s.tokens) AS tokens, sum(s.value ORDER BY s.developer_id) AS value,
                   sum(%5$I.value(q.summary) ^ 2 / nullif(%5$I.effective_changes(q.summary), 0) ORDER BY s.developer_id) AS value_squares,
                   string_agg(s.developer_id, ', ' ORDER BY s.developer_id) AS sinks,
                   CASE WHEN count(*) = count(q.cost_usd) THEN sum(q.cost_usd) END AS cost_usd
            FROM %1$I.%6$I s JOIN p q ON q.developer_id = s.developer_id AND q.period_start = s.period_start
            WHERE s.kind = 'split_pair' AND %7$L = 'rank_jointly'
            GROUP BY 1, 2),
        sinks AS (
            SELECT period_start, developer_id, other_developer_id FROM %1$I.%6$I
            WHERE kind = 'split_pair' AND %7$L = 'rank_jointly'),
        entities AS (
            SELECT p.*, coalesce(j.sinks, sk.other_developer_id) AS ranked_jointly_with,
                   CASE WHEN sk.developer_id IS NULL AND p.tokens > 0 AND NOT %9$s THEN p.tokens + coalesce(j.tokens, 0) END AS rank_tokens,
                   CASE WHEN sk.developer_id IS NULL AND p.tokens > 0 AND NOT %9$s THEN p.value + coalesce(j.value, 0) END AS rank_value,
                   CASE WHEN sk.developer_id IS NULL AND p.tokens > 0 AND NOT %9$s THEN
                        CASE WHEN p.value + coalesce(j.value, 0) > 0
                             THEN (p.value + coalesce(j.value, 0)) ^ 2
                                  / (coalesce(p.value ^ 2 / nullif(p.effective_changes, 0), 0) + coalesce(j.value_squares, 0))
                             ELSE 0 END END AS rank_effective,
                   CASE WHEN sk.developer_id IS NULL AND p.tokens > 0 AND NOT %9$s THEN
                        CASE WHEN j.developer_id IS NULL THEN p.cost_usd ELSE p.cost_usd + j.cost_usd END END AS rank_cost
            FROM p LEFT JOIN joint j USING (period_start, developer_id)
            LEFT JOIN sinks sk USING (period_start, developer_id)),
        exposed AS (   -- what a row is ranked on (exposure): millions of tokens, or dollars (NULL: unpriced tokens)
            SELECT e.*, %11$s AS rank_exposure FROM entities e),
        sized AS (
            SELECT e.*, count(rank_exposure) OVER (PARTITION BY period_start, cohort) AS cohort_size,
                   count(rank_exposure) OVER (PARTITION BY period_start) AS company_size
            FROM exposed e),
        fitted AS (
            SELECT s.*,
                   CASE WHEN rank_exposure IS NULL OR company_size < %8$s THEN NULL
                        WHEN cohort IS NOT NULL AND cohort_size >= %8$s THEN cohort ELSE 'all' END AS ranked_in,
                   %5$I.fair_detail(CASE WHEN rank_exposure IS NOT NULL THEN rank_value END, rank_exposure, 0.1, 0.8, rank_effective) OVER c AS in_cohort,
                   %5$I.fair_detail(CASE WHEN rank_exposure IS NOT NULL THEN rank_value END, rank_exposure, 0.1, 0.8, rank_effective) OVER a AS in_company
            FROM sized s
            -- (in a fixed order: the fit sums floating-point numbers over the partition)
            WINDOW c AS (PARTITION BY period_start, cohort ORDER BY developer_id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING),
                   a AS (PARTITION BY period_start ORDER BY developer_id ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)),
        ranked AS (
            SELECT f.*, CASE WHEN ranked_in IS NULL THEN NULL WHEN ranked_in = 'all' THEN in_company ELSE in_cohort END AS d
            FROM fitted f)
        SELECT period_start, coalesce(cohort, 'all') AS cohort, ranked_in, developer_id, team, tokens, merged_changes, value,
               effective_changes,
               %5$I.tokens_per_merged_change(summary) AS tokens_per_merged_change,
               %5$I.tokens_per_merged_change_lower(summary) AS tokens_per_merged_change_lower,
               -- unbounded (no merged change, no value): NULL, never Infinity, which BI drivers cannot read
               nullif(%5$I.tokens_per_merged_change_upper(summary), 'Infinity') AS tokens_per_merged_change_upper,
               %5$I.tokens_per_value(summary) AS tokens_per_value,
               %5$I.tokens_per_value_lower(summary) AS tokens_per_value_lower,
               nullif(%5$I.tokens_per_value_upper(summary), 'Infinity') AS tokens_per_value_upper,
               burst_inflation,
               (d).score AS fair_score,
               CASE WHEN (d).prior_method NOT IN ('no_spread', 'no_exposure') THEN (d).rank END AS fair_rank,
               (d).rank_lower AS fair_rank_lower, (d).rank_upper AS fair_rank_upper,
               rank() OVER (PARTITION BY period_start, coalesce(ranked_in, cohort, 'all') ORDER BY tokens DESC) AS token_rank,
               ranked_jointly_with, is_person,
               nullif(concat_ws('; ',
                   CASE WHEN tokens = 0 THEN 'no tokens in the period'
                        WHEN %9$s THEN format('%%s of %%s usage rows set aside as unusable: not ranked; see %%s',
                                              rejected_rows, usage_rows + rejected_rows, %10$L)
                        WHEN rank_tokens IS NULL THEN 'ranked jointly with ' || ranked_jointly_with || ' (suspected split identity)'
                        WHEN rank_exposure IS NULL AND uncosted_tokens > 0
                             THEN format('no cost: %%s tokens without a price (see %%s): not ranked on dollars', uncosted_tokens, %12$L)
                        WHEN rank_exposure IS NULL THEN 'no dollars spent in the period: not ranked on dollars'
                        WHEN ranked_in IS NULL THEN format('fewer than %%s identities in the period', %8$s)
                        WHEN ranked_in = 'all' AND cohort IS NOT NULL THEN format('cohort %%s has fewer than %%s identities: ranked in the whole company', cohort, %8$s)
                        WHEN ranked_in = 'all' AND NOT is_person THEN 'not in the team table: ranked in the whole company'
                   END,
                   CASE WHEN (d).prior_method IN ('no_spread', 'no_exposure')
                        THEN 'not ranked: the data cannot tell these developers apart in this period' END,
                   CASE WHEN days_covered < period_days
                        THEN format('period incomplete: data covers %%s of %%s days', days_covered, period_days) END), '') AS rank_note,
               -- what is behind the score: the posterior, its interval, the shrinkage and the prior
               rank_tokens, rank_value, rank_effective,
               (d).posterior_mean AS posterior_mean, (d).rate_lower AS rate_lower, (d).rate_upper AS rate_upper,
               (d).shrinkage AS shrinkage, (d).prior_alpha AS prior_alpha, (d).prior_beta AS prior_beta,
               (d).prior_mean AS prior_mean, (d).prior_method AS prior_method,
               -- how much of the period the data covers, and the plain ratios
               period_days, days_covered, days_covered = period_days AS is_complete,
               merged_changes / nullif(tokens / 1e6, 0)::float8 AS merged_changes_per_million_tokens,
               value / nullif(tokens / 1e6, 0)::float8 AS value_per_million_tokens,
               -- usage rows set aside: above the threshold the row is not ranked (see rank_note)
               rejected_rows, rejected_share,
               -- dollars beside tokens (issue 16): NULL when some tokens have no price
               %13$L::text AS exposure, cost_usd, uncosted_tokens,
               %5$I.cost_per_merged_change(summary) AS cost_per_merged_change,
               %5$I.cost_per_merged_change_lower(summary) AS cost_per_merged_change_lower,
               nullif(%5$I.cost_per_merged_change_upper(summary), 'Infinity') AS cost_per_merged_change_upper,
               %5$I.cost_per_value(summary) AS cost_per_value,
               value / nullif(cost_usd, 0)::float8 AS value_per_dollar,
               inflated_usd, rank_cost
        FROM ranked
        $sql$, schema_name, obj_board, invoker, obj_periods, ext, obj_suspects, split_identities, min_group_size,
        withheld, obj_rejects, rank_exposure, name || '_unpriced', exposure);

    -- 7. Teams, with groups smaller than min_group_size suppressed (not shown, not ranked; each
    --    row counts the teams of its period suppressed). What the developer board has: the fair
    --    score, rank and 80% rank interval on value per million tokens, the prior's method with
    --    the same no_spread rule (above), the plain ratios, and how complete the period is. This
    --    view runs with its owner's rights (not security_invoker) on purpose: it is the one to
    --    GRANT to BI roles, who then see team aggregates without any right on per-person data.
    EXECUTE format($sql$
        CREATE VIEW %1$I.%2$I AS
        WITH all_teams AS (
            -- (sums of floating-point numbers in a fixed order, so that the same data gives the same bits)
            SELECT period_start, team, count(*) AS developers, %4$I.rollup(summary ORDER BY developer_id) AS summary,
                   sum(tokens * burst_inflation ORDER BY developer_id) / nullif(sum(tokens), 0) AS burst_inflation,
                   min(period_days) AS period_days, min(days_covered) AS days_covered
            FROM %7$s WHERE team IS NOT NULL GROUP BY period_start, team),
        counted AS (
            SELECT t.*, count(*) FILTER (WHERE developers < %6$s) OVER (PARTITION BY period_start) AS teams_suppressed
            FROM all_teams t),
        teams AS (
            SELECT c.*, %4$I.tokens(summary) AS tokens, %4$I.value(summary) AS value, %4$I.cost_usd(summary) AS cost_usd
            FROM counted c WHERE developers >= %6$s),
        ranked AS (
            SELECT t.*, %4$I.fair_detail(CASE WHEN %9$s > 0 THEN value END, %9$s, 0.1, 0.8,
                                         %4$I.effective_changes(summary))
                       OVER (PARTITION BY period_start ORDER BY team ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING) AS d
            FROM teams t)
        SELECT period_start, team, developers,
               tokens, %4$I.merged_changes(summary) AS merged_changes, value,
               %4$I.tokens_per_merged_change(summary) AS tokens_per_merged_change,
               %4$I.tokens_per_merged_change_lower(summary) AS tokens_per_merged_change_lower,
               nullif(%4$I.tokens_per_merged_change_upper(summary), 'Infinity') AS tokens_per_merged_change_upper,
               %4$I.tokens_per_value(summary) AS tokens_per_value,
               burst_inflation,
               (d).score AS fair_score,
               CASE WHEN (d).prior_method NOT IN ('no_spread', 'no_exposure') THEN (d).rank END AS fair_rank,
               (d).rank_lower AS fair_rank_lower, (d).rank_upper AS fair_rank_upper,
               %4$I.merged_changes(summary) / nullif(tokens / 1e6, 0)::float8 AS merged_changes_per_million_tokens,
               value / nullif(tokens / 1e6, 0)::float8 AS value_per_million_tokens,
               teams_suppressed, period_days, days_covered, days_covered = period_days AS is_complete,
               (d).prior_method AS prior_method,
               nullif(concat_ws('; ',
                   CASE WHEN tokens = 0 THEN 'no tokens in the period'
                        WHEN %8$L = 'cost' AND cost_usd IS NULL THEN 'no cost: some tokens have no price; not ranked on dollars' END,
                   CASE WHEN (d).prior_method IN ('no_spread', 'no_exposure')
                        THEN 'not ranked: the data cannot tell these teams apart in this period' END,
                   CASE WHEN days_covered < period_days
                        THEN format('period incomplete: data covers %%s of %%s days', days_covered, period_days) END), '') AS rank_note,
               -- dollars beside tokens (issue 16)
               %8$L::text AS exposure, cost_usd, %4$I.uncosted_tokens(summary) AS uncosted_tokens,
               %4$I.cost_per_merged_change(summary) AS cost_per_merged_change,
               %4$I.cost_per_merged_change_lower(summary) AS cost_per_merged_change_lower,
               nullif(%4$I.cost_per_merged_change_upper(summary), 'Infinity') AS cost_per_merged_change_upper,
               value / nullif(cost_usd, 0)::float8 AS value_per_dollar
        FROM ranked
        $sql$, schema_name, obj_teams, NULL, ext, obj_periods, min_group_size,
        CASE WHEN multiple_teams = 'every'
             THEN format('(SELECT x.team, p.developer_id, p.period_start, p.summary, p.tokens, p.burst_inflation, p.period_days, p.days_covered '
                         'FROM %I.%I p CROSS JOIN LATERAL unnest(p.teams) x(team)) p', schema_name, obj_periods)
             ELSE format('%I.%I', schema_name, obj_periods) END,
        exposure, CASE exposure WHEN 'cost' THEN 'cost_usd::float8' ELSE 'tokens / 1e6' END);

    -- 8. Coverage: does the join of usage and changes (and teams) match? Per period and over the
    --    whole span (period_start NULL): developers with tokens and how many of them have a merged
    --    change, merged changes and how many of them have an author with tokens, identities seen
    --    on one side only (listed in <name>_unmatched), the team mapping's coverage, the rows set
    --    aside. Counts only, no person: it runs with its owner's rights, like the team board.
    EXECUTE format($sql$
        CREATE VIEW %1$I.%2$I AS
        WITH u AS (SELECT developer_id, period_start, merged_changes, team, teams FROM %1$I.%3$I WHERE tokens > 0),
        c AS (SELECT developer_id, date_trunc(%6$L, bucket AT TIME ZONE 'UTC')::date AS period_start, count(*) AS changes
              FROM %1$I.%4$I GROUP BY 1, 2),
        users AS (SELECT DISTINCT developer_id FROM u),
        authors AS (SELECT DISTINCT developer_id FROM c),
        usage_side AS (
            SELECT period_start, count(*) AS developers, count(*) FILTER (WHERE merged_changes > 0) AS with_changes,
                   count(*) FILTER (WHERE developer_id NOT IN (SELECT developer_id FROM authors)) AS usage_only,
                   count(team) AS with_team, count(*) FILTER (WHERE cardinality(teams) > 1) AS several_teams
            FROM u GROUP BY period_start
            UNION ALL
            SELECT NULL, count(*), count(*) FILTER (WHERE developer_id IN (SELECT developer_id FROM authors)),
                   count(*) FILTER (WHERE developer_id NOT IN (SELECT developer_id FROM authors)),
                   count(team), count(*) FILTER (WHERE several)
            FROM (SELECT developer_id, max(team) AS team, bool_or(cardinality(teams) > 1) AS several FROM u GROUP BY 1) d),
        change_side AS (
            SELECT c.period_start, sum(c.changes) AS changes,
                   coalesce(sum(c.changes) FILTER (WHERE EXISTS (SELECT 1 FROM u WHERE u.developer_id = c.developer_id
                                                                              AND u.period_start = c.period_start)), 0) AS with_usage,
                   count(*) FILTER (WHERE c.developer_id NOT IN (SELECT developer_id FROM users)) AS changes_only
            FROM c GROUP BY c.period_start
            UNION ALL
            SELECT NULL, coalesce(sum(changes), 0), coalesce(sum(changes) FILTER (WHERE developer_id IN (SELECT developer_id FROM users)), 0),
                   count(DISTINCT developer_id) FILTER (WHERE developer_id NOT IN (SELECT developer_id FROM users))
            FROM c),
        rejected AS (
            SELECT date_trunc(%6$L, row_time AT TIME ZONE 'UTC')::date AS period_start,
                   count(*) FILTER (WHERE source = 'usage') AS usage_rows, count(*) FILTER (WHERE source = 'changes') AS change_rows
            FROM %1$I.%5$I WHERE isfinite(row_time) GROUP BY 1
            UNION ALL
            SELECT NULL, count(*) FILTER (WHERE source = 'usage'), count(*) FILTER (WHERE source = 'changes') FROM %1$I.%5$I),
        scopes AS (   -- 'infinity' stands for the whole span in the joins
            SELECT coalesce(period_start, 'infinity') AS k FROM usage_side UNION SELECT coalesce(period_start, 'infinity') FROM change_side
            UNION SELECT coalesce(period_start, 'infinity') FROM rejected)
        SELECT nullif(s.k, 'infinity') AS period_start,
               coalesce(us.developers, 0)::bigint AS developers_with_tokens,
               coalesce(us.with_changes, 0)::bigint AS developers_with_merged_changes,
               (us.with_changes::float8 / nullif(us.developers, 0))::float8 AS developer_coverage,
               coalesce(cs.changes, 0)::bigint AS merged_changes,
               coalesce(cs.with_usage, 0)::bigint AS merged_changes_with_usage,
               (cs.with_usage::float8 / nullif(cs.changes, 0))::float8 AS change_coverage,
               coalesce(us.usage_only, 0)::bigint AS usage_only_identities,
               coalesce(cs.changes_only, 0)::bigint AS changes_only_identities,
               CASE WHEN %7$L THEN coalesce(us.with_team, 0) END::bigint AS developers_with_team,
               CASE WHEN %7$L THEN (us.with_team::float8 / nullif(us.developers, 0)) END::float8 AS team_coverage,
               CASE WHEN %7$L THEN coalesce(us.several_teams, 0) END::bigint AS people_in_several_teams,
               coalesce(r.usage_rows, 0)::bigint AS rejected_usage_rows,
               coalesce(r.change_rows, 0)::bigint AS rejected_change_rows
        FROM scopes s
        LEFT JOIN usage_side us ON coalesce(us.period_start, 'infinity') = s.k
        LEFT JOIN change_side cs ON coalesce(cs.period_start, 'infinity') = s.k
        LEFT JOIN rejected r ON coalesce(r.period_start, 'infinity') = s.k
        $sql$, schema_name, obj_coverage, obj_periods, obj_changes, obj_rejects, period, team_table IS NOT NULL);

    -- The identities seen on one side only, over the whole span: with tokens but no merged change
    -- ever, or authors of merged changes without tokens. Per person: security_invoker.
    EXECUTE format($sql$
        CREATE VIEW %1$I.%2$I%3$s AS
        WITH u AS (SELECT developer_id, sum(tokens)::bigint AS tokens FROM %1$I.%4$I GROUP BY 1 HAVING sum(tokens) > 0),
        c AS (SELECT developer_id, count(*) AS merged_changes FROM %1$I.%5$I GROUP BY 1)
        SELECT u.developer_id AS identity, 'usage only'::text AS side, u.tokens, NULL::bigint AS merged_changes
        FROM u WHERE NOT EXISTS (SELECT 1 FROM c WHERE c.developer_id = u.developer_id)
        UNION ALL
        SELECT c.developer_id, 'changes only', NULL, c.merged_changes
        FROM c WHERE NOT EXISTS (SELECT 1 FROM u WHERE u.developer_id = c.developer_id)
        $sql$, schema_name, obj_unmatched, invoker, obj_periods, obj_changes);

    -- Registered now, so that the first refresh (a full one) fills the tables: the coverage
    -- checks below read what it made. A failure rolls all of it back.
    job := CASE WHEN refresh_schedule IS NOT NULL THEN format('usage_value:%s.%s', schema_name, name) END;
    made_objects := ARRAY[obj_rejects, obj_changes, obj_credits_read, obj_credits, obj_read, obj_days, obj_buckets, obj_episodes,
                          obj_totals, obj_periods, obj_suspects, obj_board, obj_teams, obj_coverage, obj_unmatched];
    IF annotations_table IS NOT NULL THEN
        made_objects := made_objects[1:5] || obj_annotations || made_objects[6:];
    END IF;
    -- Transparency (issue 17): <name>_adoption (per team and week, suppressed like the team board)
    -- and, with role_table, each person's own rows in <name>_my_board and <name>_my_episodes;
    -- validates the role mapping's arguments (usage_value_internal.create_transparency_views).
    transparency_objects := usage_value_internal.create_transparency_views(
        schema_name, name, obj_board, obj_episodes, obj_days, role_table, role_column, role_developer_column,
        identity_sql, members_sql, multiple_teams, min_group_size);
    made_objects := made_objects || transparency_objects;
    -- Dollars (issue 16): <name>_unpriced, <name>_burst_costs, <name>_cost_reconciliation. Over
    -- the usage, days and episodes: on a distributed board made on the workers too, as _buckets.
    IF citus_ddl IS NOT NULL THEN
        PERFORM set_config('citus.enable_ddl_propagation', CASE WHEN distributed THEN citus_ddl ELSE 'off' END, true);
    END IF;
    made_objects := made_objects || usage_value_internal.create_cost_views(
        schema_name, name, format('%s u %s', usage_table, map_usage), who_usage, time_column, tokens_expr, usage_reject,
        dollars.cost_sql, dollars.reported_sql, dollars.computed_sql, dollars.model_sql, invoker);
    IF changes_distributed THEN
        made_objects := made_objects[1:1] || obj_changes_read || made_objects[2:];
    END IF;
    IF citus_ddl IS NOT NULL THEN
        PERFORM set_config('citus.enable_ddl_propagation', citus_ddl, true);
    END IF;
    INSERT INTO @extschema@.leaderboards (target_schema, name, bucket_width, period, min_group_size, cron_job_name, objects,
                                          min_coverage, multiple_teams, late_window, ingested_column, annotations_table)
    VALUES (schema_name, name, bucket_width, period, min_group_size, job, made_objects,
            min_coverage, multiple_teams, late_window, ingested_column, annotations_table::text);
    PERFORM usage_value_internal.refresh_days(schema_name, name, true);

    -- A join that matches nothing (or less than min_coverage of the developers with tokens) is
    -- refused, saying which columns to map: a board of 0 merged changes would still hand out
    -- ranks. Nothing is left behind: the error rolls back everything made above.
    EXECUTE format('SELECT * FROM %I.%I WHERE period_start IS NULL', schema_name, obj_coverage) INTO cov;
    IF cov.developers_with_tokens > 0 AND cov.developers_with_merged_changes < min_coverage * cov.developers_with_tokens THEN
        EXECUTE format('SELECT (SELECT identity FROM %1$I.%2$I WHERE side = ''changes only'' ORDER BY merged_changes DESC, identity LIMIT 1), '
                       '(SELECT identity FROM %1$I.%2$I WHERE side = ''usage only'' ORDER BY tokens DESC, identity LIMIT 1)',
                       schema_name, obj_unmatched) INTO example_other, example_usage;
        IF cov.merged_changes = 0 THEN
            RAISE EXCEPTION USING ERRCODE = '23503',
                MESSAGE = format('%s has no merged change (%s is NULL in every row with an author): no developer in %s.%s can be ranked',
                                 changes_table, merged_at_column, usage_table, developer_column),
                HINT = 'bind the table of merged changes, or pass min_coverage => 0 to create the board anyway';
        ELSIF cov.developers_with_merged_changes = 0 THEN
            RAISE EXCEPTION USING ERRCODE = '23503',
                MESSAGE = format('no author in %s.%s matches a developer in %s.%s (examples: %L vs %L): map them with identity_table%s',
                                 changes_table, author_column, usage_table, developer_column, example_other, example_usage,
                                 CASE WHEN identity_table IS NOT NULL THEN format(' (%s maps none of them)', identity_table) ELSE '' END),
                HINT = 'identity_table lists each identity (e-mail, account id, login) with the person it belongs to; min_coverage => 0 creates the board anyway';
        ELSE
            EXECUTE format('SELECT string_agg(quote_literal(identity), '', '' ORDER BY tokens DESC, identity) '
                           'FROM (SELECT * FROM %I.%I WHERE side = ''usage only'' ORDER BY tokens DESC, identity LIMIT 3) x',
                           schema_name, obj_unmatched) INTO example_usage;
            RAISE EXCEPTION USING ERRCODE = '23503',
                MESSAGE = format('only %s of %s developers with tokens in %s.%s have a merged change in %s.%s (%s%%, min_coverage is %s%%): map the identities that differ with identity_table (with tokens, no merged change: %s%s)',
                                 cov.developers_with_merged_changes, cov.developers_with_tokens, usage_table, developer_column,
                                 changes_table, author_column, round((100 * cov.developer_coverage)::numeric, 1),
                                 round((100 * min_coverage)::numeric, 1), example_usage,
                                 CASE WHEN cov.usage_only_identities > 3 THEN ', ...' ELSE '' END
                                 || CASE WHEN example_other IS NOT NULL THEN format('; authors without tokens: %L', example_other) || CASE WHEN cov.changes_only_identities > 1 THEN ', ...' ELSE '' END ELSE '' END),
                HINT = 'a lower min_coverage (min_coverage => 0 to switch the check off) creates the board anyway';
        END IF;
    END IF;
    IF team_table IS NOT NULL AND cov.developers_with_tokens > 0 AND cov.developers_with_team = 0 THEN
        EXECUTE format('SELECT (SELECT member FROM (%s) m ORDER BY member LIMIT 1), (SELECT developer_id FROM %I.%I ORDER BY tokens DESC, developer_id LIMIT 1)',
                       members_sql, schema_name, obj_periods) INTO example_other, example_usage;
        RAISE EXCEPTION USING ERRCODE = '23503',
            MESSAGE = format('no member in %s.%s matches a developer in %s.%s (examples: %L vs %L): key team_table by the same identity, or map them with identity_table',
                             team_table, team_member_column, usage_table, developer_column, example_other, example_usage);
    END IF;

    -- 9. The refresh schedule (checked before anything was made). The job runs as this role and
    --    CALLs scheduled_refresh, so that a failed run leaves its trace in leaderboard_freshness.
    IF refresh_schedule IS NOT NULL THEN
        PERFORM usage_value_internal.schedule_refresh(job, refresh_schedule,
                                                      format('CALL %I.scheduled_refresh(%L, %L)', ext, name, schema_name));
    END IF;

    -- A comment on every object and column made, and the board's freshness (both defined in the
    -- freshness section below).
    PERFORM usage_value_internal.describe_leaderboard(schema_name, name);
    PERFORM usage_value_internal.record_refresh(schema_name, name, started);
    RETURN QUERY SELECT format('%I.%I', schema_name, o)
                 FROM unnest(ARRAY[obj_changes, obj_credits_read, obj_credits, obj_read, obj_days, obj_buckets, obj_episodes,
                                   obj_totals, obj_periods, obj_board, obj_teams, obj_suspects, obj_rejects, obj_coverage,
                                   obj_unmatched]
                             || CASE WHEN annotations_table IS NOT NULL THEN ARRAY[obj_annotations] ELSE '{}' END
                             || CASE WHEN changes_distributed THEN ARRAY[obj_changes_read] ELSE '{}' END
                             || made_objects[array_position(made_objects, obj_unmatched) + 1:]) o;
    IF job IS NOT NULL THEN
        RETURN NEXT format('pg_cron job %s (%s)', job, refresh_schedule);
    END IF;
END
$function$;


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
    split_identities text DEFAULT 'rank_jointly',
    -- checks on the join (issue 12)
    min_coverage float8 DEFAULT 0.1,
    multiple_teams text DEFAULT 'first',
    -- incremental refresh (issue 13)
    late_window interval DEFAULT '7 days',
    ingested_column text DEFAULT NULL,
    -- excused periods (issue 14)
    annotations_table regclass DEFAULT NULL,
    -- transparency (issue 17)
    role_table regclass DEFAULT NULL,
    role_column text DEFAULT NULL,
    role_developer_column text DEFAULT NULL,
    -- dollars (issue 16)
    model_column text DEFAULT NULL,
    cost_column text DEFAULT NULL,
    exposure text DEFAULT 'tokens'
) RETURNS SETOF text
LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC
    SELECT * FROM usage_value_internal.create_leaderboard(
        name, usage_table, developer_column, time_column, changes_table, author_column,
        merged_at_column, tokens_column, input_tokens_column, output_tokens_column,
        cache_read_column, cache_creation_column, token_convention, convention_column, team_table,
        team_member_column, team_column, cohort_column, period, bucket_width, min_group_size,
        coalesce(target_schema, current_schema()),  -- the caller's schema (the body runs with its own search_path)
        refresh_schedule, change_id_column, additions_column, deletions_column,
        reverts_column, bot_column, reviewed_column, change_size_unit, change_value_cap,
        unreviewed_weight, reviews_table, reviewer_column, review_change_column, review_weight,
        identity_table, identity_column, identity_person_column, split_identities, min_coverage, multiple_teams,
        late_window, ingested_column, annotations_table, role_table, role_column, role_developer_column, model_column, cost_column, exposure);
END;
COMMENT ON FUNCTION @extschema@.create_leaderboard(text, regclass, text, text, regclass, text, text, text, text, text, text, text, text, text, regclass, text, text, text, text, interval, integer, name, text, text, text, text, text, text, text, float8, float8, float8, regclass, text, text, float8, regclass, text, text, text, float8, text, interval, text, regclass, regclass, text, text, text, text, text) IS
    'creates, over your own usage and changes tables, the tables <name>_days (per developer and UTC day a usage_summary and a burst_series), <name>_episodes (burst episodes with each one''s verdict, and efficiency drift findings) and <name>_period_totals, kept up to date in place by refresh_leaderboard (only the days that new rows, or rows late or deleted within late_window, touch; ingested_column: a column recording when a usage row arrived, so that rows arriving late by any amount are picked up), the materialized views <name>_changes (what each merged change is worth, and why), <name>_credits and <name>_usage_read (the refresh''s staging), and the views <name>_buckets (non-empty buckets of the stored series), <name>_periods (inflated tokens in the periods they were spent in), <name>_leaderboard, <name>_team_leaderboard (with how complete each period is; no strict rank where the data cannot order the group) and <name>_suspects (suspected split identities), <name>_rejects (source rows left out, and why: they never fail a refresh), <name>_coverage (how well usage, changes and teams match, per period) and <name>_unmatched (identities on one side only); refuses a join that matches less than min_coverage of the developers with tokens (23503, naming the columns to map) and, with multiple_teams = refuse, people in several teams; schedules a refresh with pg_cron (CALL scheduled_refresh, which records a failed run) when refresh_schedule is given; with annotations_table (columns developer, during tstzrange, kind), the materialized view <name>_annotations, whose periods excuse the burst tokens inside them (excused_tokens, excused_by in <name>_episodes, not charged); the view <name>_adoption (per team and week, the share of developers with AI use and the share whose AI use came with delivered value; teams below min_group_size suppressed); with role_table (role_column: a role name, role_developer_column: the developer it is), the security-barrier views <name>_my_board and <name>_my_episodes, each person''s own rows of the developer board and the episodes (for current_user; granted to nobody: GRANT SELECT to the developers'' role); with model_column (and the token class columns) or cost_column (what the source billed, which wins), the dollars beside the tokens: cost_usd, cost_per_merged_change with its interval, value_per_dollar and inflated_usd on the boards, <name>_unpriced (usage without a cost: never free, its developer-periods have no dollars), <name>_burst_costs and, with both, <name>_cost_reconciliation (reported against computed dollars per model and month); exposure => ''cost'' ranks on value per dollar instead of value per million tokens; records the board''s freshness and comments every column; returns the objects made';
COMMENT ON FUNCTION usage_value_internal.create_leaderboard(text, regclass, text, text, regclass, text, text, text, text, text, text, text, text, text, regclass, text, text, text, text, interval, integer, name, text, text, text, text, text, text, text, float8, float8, float8, regclass, text, text, float8, regclass, text, text, text, float8, text, interval, text, regclass, regclass, text, text, text, text, text) IS
    'the body of usage_value.create_leaderboard (call that instead)';

-- The re-analysed developers' rows of one kind in a board's episodes table become those of `fresh`
-- (a work table of refresh_days): only the rows that changed are deleted and inserted.
CREATE FUNCTION usage_value_internal.replace_episodes(schema_name name, episodes name, episode_kind text, fresh name)
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    EXECUTE format($sql$
        DELETE FROM %1$I.%2$I e USING (SELECT * FROM %1$I.%2$I WHERE kind = %3$L AND developer_id IN (SELECT developer_id FROM uv_re)
                                       EXCEPT SELECT * FROM pg_temp.%4$I) g
        WHERE e.developer_id = g.developer_id AND e.kind = g.kind AND e.start_at = g.start_at
        $sql$, schema_name, episodes, episode_kind, fresh);
    EXECUTE format($sql$
        INSERT INTO %1$I.%2$I
        SELECT * FROM pg_temp.%4$I
        EXCEPT SELECT * FROM %1$I.%2$I WHERE kind = %3$L AND developer_id IN (SELECT developer_id FROM uv_re)
        $sql$, schema_name, episodes, episode_kind, fresh);
END
$function$;
COMMENT ON FUNCTION usage_value_internal.replace_episodes(name, name, text, name) IS
    'refresh_days: the re-analysed developers'' episodes of one kind (burst or drift) become those of a work table, writing only the rows that changed';

-- The refresh of a board of this layout: one transaction (a failure leaves the previous data),
-- run with the registry row locked (concurrent refreshes of one board serialise), writing only
-- rows that differ (readers are never blocked: plain DML, and REFRESH ... CONCURRENTLY of the
-- matviews readers see). full (and the first refresh) re-reads everything; otherwise:
--   * usage: the days from the watermark (the newest event time already folded in) less
--     late_window on are re-read whole, so rows arriving late or deleted inside that window are
--     exact; with ingested_column, so is every day holding a row ingested after the ingestion
--     watermark less late_window, however old. Rows deleted before the window, or arriving late
--     before it without ingested_column, need refresh_leaderboard(name, full => true).
--   * changes and reviews: re-read whole (a change's value depends on the median change and on
--     revert chains), their credit diffed per developer and bucket against the last refresh's;
--     a day whose credit changed is recomputed, from its stored series for the tokens.
-- A day is rewritten when its summary, series or usage rows differ; developers whose series
-- changed are re-analysed; periods holding a changed day are rebuilt, and the re-analysed
-- developers' inflated tokens redistributed. A full rebuild runs the same steps over every day,
-- developer and period, so that both paths give the same bits.
CREATE FUNCTION usage_value_internal.refresh_days(schema_name name, name text, rebuild boolean) RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    ext name := '@extschema@';
    entry record;
    s name := schema_name;
    r_rejects text := name || '_rejects';
    r_changes text := name || '_changes';
    r_credits text := name || '_credits';
    r_credits_read text := name || '_credits_read';
    r_read text := name || '_usage_read';
    r_days text := name || '_days';
    r_episodes text := name || '_episodes';
    r_totals text := name || '_period_totals';
    r_periods text := name || '_periods';
    r_annotations text := name || '_annotations';
    annotated boolean;   -- does the board have <name>_annotations?
    excused_by text;     -- the kinds of the developer's annotations that overlap episode e (SQL)
    period_length text;
    from_ts timestamptz;
    reread text;   -- is day d (of uv_cand c) re-read from the source? (SQL)
    n_days bigint;
    n_changed bigint;
    n_devs bigint;
    n_periods bigint;
    newest timestamptz;
    ingested timestamptz;
    ingested_from timestamptz;
    credit_from timestamptz;
    in_scope text;   -- is a credit row (bucket) in the periods recomputed? (SQL)
    temp text;
    current_prices jsonb;   -- model_prices now, on a board with dollars
    prices_from timestamptz;
BEGIN
    SELECT * INTO entry FROM @extschema@.leaderboards l WHERE l.target_schema = schema_name AND l.name = refresh_days.name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no leaderboard %.%', schema_name, name USING ERRCODE = '42704';
    END IF;
    -- A distributed board (Citus) is refreshed on its workers.
    IF usage_value_internal.citus_distribution(to_regclass(format('%I.%I', schema_name, r_days))) IS NOT NULL THEN
        PERFORM usage_value_internal.refresh_distributed(schema_name, name);
        RETURN;
    END IF;
    rebuild := rebuild OR entry.watermark IS NULL;
    period_length := CASE entry.period WHEN 'day' THEN '1 day' WHEN 'week' THEN '7 days' WHEN 'month' THEN '1 month' ELSE '3 months' END;
    from_ts := CASE WHEN rebuild THEN '-infinity'::timestamptz
                    ELSE date_trunc('day', (entry.watermark - entry.late_window) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' END;
    -- Dollars: the days keep their cost, so a price added, changed or removed since the last
    -- refresh (a correction, a model priced late) re-reads the usage from its effective_from on:
    -- an event is priced only by rows that have begun by its time, so no earlier day can change.
    IF (name || '_unpriced') = ANY (entry.objects) THEN
        SELECT coalesce(jsonb_agg(p ORDER BY p.model, p.effective_from), '[]') INTO current_prices FROM @extschema@.model_prices p;
        IF current_prices IS DISTINCT FROM entry.prices THEN
            SELECT min(x.effective_from) INTO prices_from
            FROM ((SELECT * FROM jsonb_populate_recordset(NULL::@extschema@.model_prices, current_prices)
                   EXCEPT SELECT * FROM jsonb_populate_recordset(NULL::@extschema@.model_prices, coalesce(entry.prices, '[]')))
                  UNION ALL
                  (SELECT * FROM jsonb_populate_recordset(NULL::@extschema@.model_prices, coalesce(entry.prices, '[]'))
                   EXCEPT SELECT * FROM jsonb_populate_recordset(NULL::@extschema@.model_prices, current_prices))) x;
            from_ts := least(from_ts, date_trunc('day', prices_from AT TIME ZONE 'UTC') AT TIME ZONE 'UTC');
        END IF;
    END IF;
    UPDATE @extschema@.leaderboards l
    SET read_from = from_ts,
        ingested_from = CASE WHEN rebuild OR entry.ingested_column IS NULL THEN NULL
                             ELSE coalesce(entry.ingested_watermark - entry.late_window, '-infinity') END
    WHERE l.target_schema = schema_name AND l.name = refresh_days.name
    RETURNING l.ingested_from INTO ingested_from;
    -- What <name>_usage_read reads, for this transaction only.
    PERFORM set_config('usage_value.read_from', extract(epoch FROM from_ts)::text, true);
    PERFORM set_config('usage_value.ingested_from', coalesce(extract(epoch FROM ingested_from)::text, ''), true);

    -- Work tables, dropped at commit (and here, after an earlier refresh in this transaction).
    FOREACH temp IN ARRAY ARRAY['uv_old_changes', 'uv_credit_periods', 'uv_credit_days', 'uv_late', 'uv_cand', 'uv_devs', 'uv_new_days', 'uv_changed',
                                'uv_re', 'uv_new_episodes', 'uv_dirty', 'uv_new_totals', 'uv_inflated', 'uv_old_annotations',
                                'uv_annotated', 'uv_excused', 'uv_established', 'uv_cohorts', 'uv_new_drift', 'uv_re_series'] LOOP
        IF to_regclass('pg_temp.' || temp) IS NOT NULL THEN
            EXECUTE format('DROP TABLE pg_temp.%I', temp);
        END IF;
    END LOOP;

    -- 1. Read: the changes whole (the last refresh's kept aside to compare), the usage inside the
    --    window; the credit of the periods from the window's on and of those holding a change
    --    that changed, compared with the stored credit of those periods and written where it
    --    differs.
    EXECUTE format('CREATE TEMP TABLE uv_old_changes ON COMMIT DROP AS SELECT * FROM %I.%I WHERE NOT %L', s, r_changes, rebuild);
    IF name || '_changes_read' = ANY (coalesce(entry.objects, '{}')) THEN   -- changes distributed with Citus
        EXECUTE format('REFRESH MATERIALIZED VIEW %I.%I', s, name || '_changes_read');
    END IF;
    EXECUTE format('REFRESH MATERIALIZED VIEW CONCURRENTLY %I.%I', s, r_rejects);
    EXECUTE format('REFRESH MATERIALIZED VIEW CONCURRENTLY %I.%I', s, r_changes);
    EXECUTE format('REFRESH MATERIALIZED VIEW %I.%I', s, r_read);   -- a staging area nobody else reads
    EXECUTE format('ANALYZE %I.%I', s, r_read);
    PERFORM set_config('usage_value.read_from', '', true), set_config('usage_value.ingested_from', '', true);
    EXECUTE format('SELECT max(newest), max(ingested) FROM %I.%I', s, r_read) INTO newest, ingested;
    EXECUTE format($sql$
        CREATE TEMP TABLE uv_credit_periods ON COMMIT DROP AS
        SELECT DISTINCT date_trunc(%3$L, bucket AT TIME ZONE 'UTC')::date AS period_start
        FROM ((SELECT * FROM %1$I.%2$I WHERE NOT %4$L EXCEPT SELECT * FROM uv_old_changes)
              UNION ALL (SELECT * FROM uv_old_changes EXCEPT SELECT * FROM %1$I.%2$I)) x
        $sql$, s, r_changes, entry.period, rebuild);
    credit_from := CASE WHEN rebuild THEN '-infinity'::timestamptz
                        ELSE date_trunc(entry.period, from_ts AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' END;
    PERFORM set_config('usage_value.credit_from', extract(epoch FROM credit_from)::text, true),
            set_config('usage_value.credit_periods', coalesce((SELECT array_agg(period_start)::text FROM uv_credit_periods), ''), true);
    EXECUTE format('REFRESH MATERIALIZED VIEW %I.%I', s, r_credits_read);
    PERFORM set_config('usage_value.credit_from', '', true), set_config('usage_value.credit_periods', '', true);
    in_scope := format('(bucket >= %L::timestamptz OR date_trunc(%L, bucket AT TIME ZONE %L)::date IN (SELECT period_start FROM uv_credit_periods))',
                       credit_from, entry.period, 'UTC');
    EXECUTE format($sql$
        CREATE TEMP TABLE uv_credit_days ON COMMIT DROP AS
        SELECT developer_id, bucket, gone FROM (
            (SELECT developer_id, bucket, false AS gone FROM
                 (SELECT * FROM %1$I.%2$I EXCEPT SELECT * FROM %1$I.%3$I WHERE %4$s) n)
            UNION ALL
            (SELECT developer_id, bucket, true FROM
                 (SELECT * FROM %1$I.%3$I WHERE %4$s EXCEPT SELECT * FROM %1$I.%2$I) o)) x
        $sql$, s, r_credits_read, r_credits, in_scope);
    EXECUTE format('DELETE FROM %I.%I k USING uv_credit_days g WHERE g.gone AND k.developer_id = g.developer_id AND k.bucket = g.bucket',
                   s, r_credits);
    EXECUTE format($sql$
        INSERT INTO %1$I.%2$I SELECT r.* FROM %1$I.%3$I r
        JOIN uv_credit_days g ON NOT g.gone AND g.developer_id = r.developer_id AND g.bucket = r.bucket
        $sql$, s, r_credits, r_credits_read);
    EXECUTE format('REFRESH MATERIALIZED VIEW %I.%I WITH NO DATA', s, r_credits_read);   -- read: no need to keep it
    --    The annotations, re-read whole (they are few) and compared with the last refresh's: the
    --    developers whose excused periods changed (added, edited, deleted, or mapped to another
    --    person) are re-analysed below.
    annotated := r_annotations = ANY (coalesce(entry.objects, '{}'));
    CREATE TEMP TABLE uv_annotated (developer_id text) ON COMMIT DROP;
    IF annotated THEN
        EXECUTE format('CREATE TEMP TABLE uv_old_annotations ON COMMIT DROP AS SELECT * FROM %I.%I', s, r_annotations);
        EXECUTE format('REFRESH MATERIALIZED VIEW CONCURRENTLY %I.%I', s, r_annotations);
        EXECUTE format($sql$
            INSERT INTO uv_annotated
            SELECT developer_id FROM ((SELECT * FROM %1$I.%2$I EXCEPT SELECT * FROM uv_old_annotations)
                                      UNION (SELECT * FROM uv_old_annotations EXCEPT SELECT * FROM %1$I.%2$I)) x
            GROUP BY developer_id
            $sql$, s, r_annotations);
        DROP TABLE uv_old_annotations;
        excused_by := format('(SELECT string_agg(DISTINCT a.kind, '', '' ORDER BY a.kind) FROM %I.%I a '
                             'WHERE a.developer_id = x.developer_id AND a.during && tstzrange(e.start_at, e.end_at))', s, r_annotations);
    ELSE
        excused_by := 'NULL::text';
    END IF;
    -- Each re-analysed developer's excused periods (filled in step 5).
    CREATE TEMP TABLE uv_excused (developer_id text PRIMARY KEY, ranges tstzrange[]) ON COMMIT DROP;

    -- 2. The candidate days: every day re-read (stored or read), every day whose credit changed;
    --    then the developers on the board after this refresh (with a usage row, read or kept).
    EXECUTE format('CREATE TEMP TABLE uv_late ON COMMIT DROP AS SELECT DISTINCT day FROM %I.%I WHERE bucket < %L::timestamptz',
                   s, r_read, from_ts);
    reread := format('(%L OR d.day >= %L::date OR d.day IN (SELECT day FROM uv_late))', rebuild,
                     CASE WHEN rebuild THEN NULL ELSE (from_ts AT TIME ZONE 'UTC')::date END);
    EXECUTE format($sql$
        CREATE TEMP TABLE uv_cand ON COMMIT DROP AS
        SELECT developer_id, day FROM %1$I.%2$I d WHERE %3$s
        UNION SELECT developer_id, day FROM %1$I.%4$I
        UNION SELECT developer_id, (bucket AT TIME ZONE 'UTC')::date FROM uv_credit_days
        UNION SELECT developer_id, (bucket AT TIME ZONE 'UTC')::date FROM %1$I.%5$I WHERE %6$L   -- full: every credited day
        $sql$, s, r_days, reread, r_read, r_credits, rebuild);
    EXECUTE format($sql$
        CREATE TEMP TABLE uv_devs ON COMMIT DROP AS
        SELECT c.developer_id,
               r.developer_id IS NOT NULL
               OR EXISTS (SELECT 1 FROM %1$I.%2$I d WHERE d.developer_id = c.developer_id AND d.usage_rows > 0 AND NOT %4$s) AS on_board,
               EXISTS (SELECT 1 FROM %1$I.%2$I d WHERE d.developer_id = c.developer_id) AS was_on_board
        FROM (SELECT DISTINCT developer_id FROM uv_cand) c
        LEFT JOIN (SELECT DISTINCT developer_id FROM %1$I.%3$I) r ON r.developer_id = c.developer_id   -- (a join: the staging view has no index)
        $sql$, s, r_days, r_read, reread);
    -- Newcomers bring all their credited days; developers leaving take all their days.
    EXECUTE format($sql$
        INSERT INTO uv_cand
        SELECT k.developer_id, (k.bucket AT TIME ZONE 'UTC')::date FROM %1$I.%2$I k
        JOIN uv_devs v ON v.developer_id = k.developer_id AND v.on_board AND NOT v.was_on_board
        UNION
        SELECT d.developer_id, d.day FROM %1$I.%3$I d
        JOIN uv_devs v ON v.developer_id = d.developer_id AND v.was_on_board AND NOT v.on_board
        EXCEPT SELECT developer_id, day FROM uv_cand
        $sql$, s, r_credits, r_days);
    CREATE INDEX ON uv_cand (developer_id, day);
    ANALYZE uv_cand;

    -- 3. The candidate days' new contents: per bucket the usage read (or, for a day not re-read,
    --    the tokens of its stored series) and the credit; per day the summary of its buckets in
    --    time order and their series.
    EXECUTE format($sql$
        CREATE TEMP TABLE uv_new_days ON COMMIT DROP AS
        WITH c AS (
            SELECT c.developer_id, c.day, %6$s AS reread
            FROM uv_cand c JOIN uv_devs v ON v.developer_id = c.developer_id AND v.on_board
            CROSS JOIN LATERAL (SELECT c.day) d),
        hours AS (
            SELECT c.developer_id, c.day, r.bucket, r.tokens, 0::bigint AS merged_changes, NULL::float8 AS value,
                   NULL::float8 AS authored_value, r.usage_rows, r.cost_micro_usd, r.uncosted_tokens
            FROM c JOIN %1$I.%3$I r ON r.developer_id = c.developer_id AND r.day = c.day
            WHERE c.reread
            UNION ALL
            SELECT c.developer_id, c.day, b.bucket, b.tokens, 0, NULL, NULL, 0, NULL, 0
            FROM c JOIN %1$I.%2$I d ON d.developer_id = c.developer_id AND d.day = c.day
            CROSS JOIN LATERAL %5$I.buckets(d.series) b
            WHERE NOT c.reread AND b.tokens > 0
            UNION ALL   -- a day not re-read keeps its usage rows and its cost
            SELECT c.developer_id, c.day, NULL, 0, 0, NULL, NULL, d.usage_rows, d.cost_micro_usd, d.uncosted_tokens
            FROM c JOIN %1$I.%2$I d ON d.developer_id = c.developer_id AND d.day = c.day
            WHERE NOT c.reread
            UNION ALL
            SELECT c.developer_id, c.day, k.bucket, 0, k.merged_changes, k.value, k.authored_value, 0, NULL, 0
            FROM c JOIN %1$I.%4$I k ON k.developer_id = c.developer_id
                                   AND k.bucket >= c.day::timestamp AT TIME ZONE 'UTC'
                                   AND k.bucket < (c.day + 1)::timestamp AT TIME ZONE 'UTC'),
        days AS (%7$s)
        SELECT developer_id, day, %5$I.tokens(summary) AS tokens, %5$I.merged_changes(summary) AS merged_changes,
               %5$I.value(summary) AS value, usage_rows, summary, series, cost_micro_usd, uncosted_tokens
        FROM (SELECT developer_id, day, usage_rows,
                     coalesce(summary, (SELECT %5$I.usage_agg(0::bigint, 0::bigint, 0::float8))) AS summary, series,
                     cost_micro_usd, uncosted_tokens
              FROM days) x
        $sql$, s, r_days, r_read, r_credits, ext, reread,
        usage_value_internal.days_sql('hours', entry.bucket_width, (name || '_unpriced') = ANY (entry.objects)));

    -- 4. Write the days that differ.
    EXECUTE format($sql$
        CREATE TEMP TABLE uv_changed ON COMMIT DROP AS
        SELECT developer_id, day, n.developer_id IS NOT NULL AS present,
               coalesce(n.series OPERATOR(%3$I.<>) o.series, (n.series IS NULL) <> (o.series IS NULL))
               OR (n.developer_id IS NULL) <> (o.developer_id IS NULL) AS series_changed
        FROM uv_new_days n
        FULL JOIN (SELECT d.* FROM %1$I.%2$I d JOIN uv_cand c USING (developer_id, day)) o USING (developer_id, day)
        WHERE n.developer_id IS NULL OR o.developer_id IS NULL OR n.usage_rows <> o.usage_rows
           OR n.summary OPERATOR(%3$I.<>) o.summary
           OR n.cost_micro_usd IS DISTINCT FROM o.cost_micro_usd OR n.uncosted_tokens <> o.uncosted_tokens
           OR coalesce(n.series OPERATOR(%3$I.<>) o.series, (n.series IS NULL) <> (o.series IS NULL))
        $sql$, s, r_days, ext);
    EXECUTE format('DELETE FROM %I.%I d USING uv_changed c WHERE d.developer_id = c.developer_id AND d.day = c.day AND NOT c.present',
                   s, r_days);
    EXECUTE format($sql$
        INSERT INTO %1$I.%2$I AS d
        SELECT n.* FROM uv_new_days n JOIN uv_changed c USING (developer_id, day)
        ON CONFLICT (developer_id, day) DO UPDATE
        SET tokens = excluded.tokens, merged_changes = excluded.merged_changes, value = excluded.value,
            usage_rows = excluded.usage_rows, summary = excluded.summary, series = excluded.series,
            cost_micro_usd = excluded.cost_micro_usd, uncosted_tokens = excluded.uncosted_tokens
        $sql$, s, r_days);
    ANALYZE uv_changed;
    SELECT count(*) INTO n_days FROM uv_cand;
    SELECT count(*) INTO n_changed FROM uv_changed;

    -- 5. Re-analyse the developers whose series or annotations changed (full: every developer),
    --    writing the burst episodes that differ (the drift findings follow in step 7). An
    --    episode's inflated tokens inside the developer's annotated periods are excused: not
    --    charged (excused_tokens), with the kinds of the annotations it overlaps (excused_by).
    IF rebuild THEN
        EXECUTE format('CREATE TEMP TABLE uv_re ON COMMIT DROP AS SELECT developer_id FROM %1$I.%2$I UNION SELECT developer_id FROM %1$I.%3$I',
                       s, r_days, r_episodes);
    ELSE
        EXECUTE format($sql$
            CREATE TEMP TABLE uv_re ON COMMIT DROP AS
            SELECT developer_id FROM uv_changed WHERE series_changed
            UNION SELECT a.developer_id FROM uv_annotated a WHERE EXISTS (SELECT 1 FROM %1$I.%2$I d WHERE d.developer_id = a.developer_id)
            $sql$, s, r_days);
    END IF;
    ANALYZE uv_re;
    SELECT count(*) INTO n_devs FROM uv_re;
    IF annotated THEN
        EXECUTE format($sql$
            INSERT INTO uv_excused
            SELECT a.developer_id, array_agg(a.during ORDER BY a.during, a.kind) FROM %1$I.%2$I a JOIN uv_re USING (developer_id)
            GROUP BY a.developer_id
            $sql$, s, r_annotations);
    END IF;
    -- The re-analysed developers' whole series, rolled up once for both analyses.
    EXECUTE format($sql$
        CREATE TEMP TABLE uv_re_series ON COMMIT DROP AS
        SELECT d.developer_id, %3$I.rollup(d.series) AS series
        FROM %1$I.%2$I d JOIN uv_re USING (developer_id)
        GROUP BY d.developer_id
        $sql$, s, r_days, ext);
    EXECUTE format($sql$
        CREATE TEMP TABLE uv_new_episodes ON COMMIT DROP AS
        SELECT x.developer_id, 'burst'::text AS kind, e.start_at, e.end_at, e.tokens, e.baseline_tokens, e.merged_changes,
               e.merged_value, e.expected_merged_value, e.expected_merged_changes, e.excess_tokens,
               e.inflated_tokens, e.excused_tokens, %4$s AS excused_by, e.p_value, e.is_inflation,
               CASE WHEN e.excused_tokens > 0 AND e.inflated_tokens > 0 THEN 'partly excused'
                    WHEN e.excused_tokens > 0 THEN 'not charged: excused'
                    ELSE %3$I.episode_verdict(e) END AS verdict,
               NULL::float8 AS ratio, NULL::text AS reference
        FROM uv_re_series x
        LEFT JOIN uv_excused ex ON ex.developer_id = x.developer_id
        CROSS JOIN LATERAL unnest(%3$I.burst_episodes(x.series, excused => ex.ranges)) e
        $sql$, s, r_days, ext, excused_by);
    PERFORM usage_value_internal.replace_episodes(s, r_episodes, 'burst', 'uv_new_episodes');

    -- 6. Periods: those holding a changed day are rebuilt (full: all), and the inflated tokens of
    --    the re-analysed developers' burst episodes (what is charged) spread again over their
    --    periods.
    IF rebuild THEN
        EXECUTE format($sql$
            CREATE TEMP TABLE uv_dirty ON COMMIT DROP AS
            SELECT DISTINCT developer_id, date_trunc(%3$L, day)::date AS period_start FROM %1$I.%2$I
            UNION SELECT developer_id, period_start FROM %1$I.%4$I
            $sql$, s, r_days, entry.period, r_totals);
    ELSE
        CREATE TEMP TABLE uv_dirty ON COMMIT DROP AS
        SELECT DISTINCT developer_id, date_trunc(entry.period, day)::date AS period_start FROM uv_changed;
    END IF;
    ANALYZE uv_dirty;
    SELECT count(*) INTO n_periods FROM uv_dirty;
    EXECUTE format($sql$
        CREATE TEMP TABLE uv_new_totals ON COMMIT DROP AS
        SELECT p.developer_id, p.period_start, %3$I.rollup(d.summary ORDER BY d.day) AS summary, sum(d.usage_rows)::bigint AS usage_rows
        FROM uv_dirty p JOIN %1$I.%2$I d ON d.developer_id = p.developer_id AND d.day >= p.period_start
                                         AND d.day < (p.period_start + %4$L::interval)::date
        GROUP BY p.developer_id, p.period_start
        $sql$, s, r_days, ext, period_length);
    -- The re-analysed developers' inflated tokens per period (inflated_sql).
    EXECUTE 'CREATE TEMP TABLE uv_inflated ON COMMIT DROP AS '
            || usage_value_internal.inflated_sql(format('(SELECT e.* FROM %I.%I e JOIN uv_re USING (developer_id))', s, r_episodes),
                                                 format('%I.%I', s, r_days), entry.period);
    EXECUTE format($sql$
        DELETE FROM %1$I.%2$I t USING uv_dirty p
        WHERE t.developer_id = p.developer_id AND t.period_start = p.period_start
          AND NOT EXISTS (SELECT 1 FROM uv_new_totals n WHERE n.developer_id = p.developer_id AND n.period_start = p.period_start)
        $sql$, s, r_totals);
    EXECUTE format($sql$
        INSERT INTO %1$I.%2$I AS t
        SELECT n.developer_id, n.period_start, n.summary, n.usage_rows,
               CASE WHEN r.developer_id IS NOT NULL THEN coalesce(i.inflated_tokens, 0) ELSE coalesce(o.inflated_tokens, 0) END
        FROM uv_new_totals n
        LEFT JOIN %1$I.%2$I o ON o.developer_id = n.developer_id AND o.period_start = n.period_start
        LEFT JOIN uv_re r ON r.developer_id = n.developer_id
        LEFT JOIN uv_inflated i ON i.developer_id = n.developer_id AND i.period_start = n.period_start
        WHERE o.developer_id IS NULL OR o.summary OPERATOR(%3$I.<>) n.summary OR o.usage_rows <> n.usage_rows
           OR o.inflated_tokens IS DISTINCT FROM CASE WHEN r.developer_id IS NOT NULL THEN coalesce(i.inflated_tokens, 0) ELSE o.inflated_tokens END
        ON CONFLICT (developer_id, period_start) DO UPDATE
        SET summary = excluded.summary, usage_rows = excluded.usage_rows, inflated_tokens = excluded.inflated_tokens
        $sql$, s, r_totals, ext);
    EXECUTE format($sql$
        UPDATE %1$I.%2$I t SET inflated_tokens = x.inflated_tokens
        FROM (SELECT o.developer_id, o.period_start, coalesce(i.inflated_tokens, 0) AS inflated_tokens
              FROM %1$I.%2$I o JOIN uv_re r ON r.developer_id = o.developer_id
              LEFT JOIN uv_inflated i ON i.developer_id = o.developer_id AND i.period_start = o.period_start) x
        WHERE t.developer_id = x.developer_id AND t.period_start = x.period_start
          AND t.inflated_tokens IS DISTINCT FROM x.inflated_tokens
        $sql$, s, r_totals);

    -- 7. Efficiency drift of the re-analysed developers (explanation only: the periods' inflated
    --    tokens above are the burst episodes'), writing the findings that differ. A newcomer is
    --    judged against the value per token of the board's established developers (28 days or
    --    more with tokens, efficiency_drift's default min_history), those of the newcomer's cohort
    --    when it has at least min_group_size of them, else the whole board's; authored value (from
    --    <name>_credits, summed in bucket order: the series' value without decoding every day) per
    --    token over all their days. Read after step 6, so that <name>_periods knows every
    --    developer's cohort. The cohort is read for the developers re-analysed: those left alone
    --    keep the findings of their last analysis (full => true recomputes them all).
    EXECUTE format($sql$
        CREATE TEMP TABLE uv_established ON COMMIT DROP AS
        SELECT d.developer_id, coalesce(k.value, 0) / d.tokens::float8 AS efficiency
        FROM (SELECT developer_id, sum(tokens) AS tokens FROM %1$I.%2$I
              WHERE EXISTS (SELECT 1 FROM uv_re)
              GROUP BY developer_id HAVING count(*) FILTER (WHERE tokens > 0) >= 28) d
        LEFT JOIN (SELECT developer_id, sum(authored_value ORDER BY bucket) AS value FROM %1$I.%3$I
                   WHERE EXISTS (SELECT 1 FROM uv_re) GROUP BY developer_id) k USING (developer_id)
        $sql$, s, r_days, r_credits);
    EXECUTE format($sql$
        CREATE TEMP TABLE uv_cohorts ON COMMIT DROP AS
        WITH who AS (
            SELECT DISTINCT ON (p.developer_id) p.developer_id, p.cohort FROM %1$I.%2$I p
            WHERE EXISTS (SELECT 1 FROM uv_re) ORDER BY p.developer_id, p.period_start DESC),
        established AS (SELECT e.developer_id, e.efficiency, w.cohort FROM uv_established e LEFT JOIN who w USING (developer_id)),
        cohorts AS (
            SELECT cohort, count(*) AS developers, array_agg(efficiency ORDER BY developer_id) AS efficiency
            FROM established WHERE cohort IS NOT NULL GROUP BY cohort),
        everyone AS (SELECT array_agg(efficiency ORDER BY developer_id) AS efficiency FROM established)
        SELECT r.developer_id, CASE WHEN c.developers >= %3$s THEN c.efficiency ELSE a.efficiency END AS efficiency
        FROM uv_re r LEFT JOIN who w USING (developer_id) LEFT JOIN cohorts c ON c.cohort = w.cohort CROSS JOIN everyone a
        $sql$, s, r_periods, entry.min_group_size);
    EXECUTE format($sql$
        CREATE TEMP TABLE uv_new_drift ON COMMIT DROP AS
        SELECT x.developer_id, 'drift'::text AS kind, e.start_at, e.end_at, e.tokens, e.expected_tokens AS baseline_tokens,
               NULL::bigint AS merged_changes, e.merged_value, e.expected_value AS expected_merged_value,
               NULL::float8 AS expected_merged_changes, greatest(e.tokens - e.expected_tokens, 0) AS excess_tokens,
               e.inflated_tokens, e.excused_tokens, %4$s AS excused_by, e.p_value, e.inflated_tokens > 0 AS is_inflation,
               CASE WHEN e.excused_tokens > 0 AND e.inflated_tokens > 0 THEN 'partly excused'
                    WHEN e.excused_tokens > 0 THEN 'not charged: excused'
                    WHEN e.inflated_tokens > 0 AND e.reference = 'cohort' THEN 'drift: less value per token than the cohort'
                    WHEN e.inflated_tokens > 0 THEN 'drift: less value per token than own past'
                    ELSE 'not charged' END AS verdict,
               e.ratio, e.reference
        FROM uv_re_series x
        LEFT JOIN uv_excused ex ON ex.developer_id = x.developer_id
        LEFT JOIN uv_cohorts c ON c.developer_id = x.developer_id
        CROSS JOIN LATERAL %3$I.efficiency_drift(x.series, cohort_efficiency => c.efficiency, excused => ex.ranges) e
        $sql$, s, r_days, ext, excused_by);
    PERFORM usage_value_internal.replace_episodes(s, r_episodes, 'drift', 'uv_new_drift');

    -- The work tables go now: a later refresh in this transaction may run as another role.
    EXECUTE format('REFRESH MATERIALIZED VIEW %I.%I WITH NO DATA', s, r_read);   -- the staging area, emptied
    DROP TABLE uv_old_changes, uv_credit_periods, uv_credit_days, uv_late, uv_cand, uv_devs, uv_new_days, uv_changed, uv_re, uv_new_episodes,
               uv_dirty, uv_new_totals, uv_inflated, uv_annotated, uv_excused, uv_established, uv_cohorts, uv_new_drift, uv_re_series;
    UPDATE @extschema@.leaderboards l
    SET watermark = CASE WHEN rebuild THEN newest ELSE greatest(l.watermark, newest) END,
        ingested_watermark = CASE WHEN rebuild THEN ingested ELSE greatest(l.ingested_watermark, ingested) END,
        refresh_kind = CASE WHEN rebuild THEN 'full' ELSE 'incremental' END,
        days_recomputed = n_days, days_changed = n_changed, developers_reanalysed = n_devs, periods_rebuilt = n_periods,
        prices = current_prices
    WHERE l.target_schema = schema_name AND l.name = refresh_days.name;
END
$function$;
COMMENT ON FUNCTION usage_value_internal.refresh_days(name, text, boolean) IS
    'refreshes a board of the per developer-day layout (0.5.0): recomputes the days that new, late or deleted rows touch (everything when full), re-analyses (burst episodes and efficiency drift) the developers whose series or annotations changed, rebuilds the periods of the changed days; writes only what differs and records what it did; call usage_value.refresh_leaderboard';

-- One refresh, in one transaction: a board of this layout through refresh_days; a board made
-- before 0.5.0 (no <name>_days) as before, every materialized view concurrently in dependency
-- order (full changes nothing there: it is always a full rebuild).
CREATE FUNCTION usage_value_internal.refresh_leaderboard(schema_name name, name text, rebuild boolean DEFAULT false) RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    started timestamptz := clock_timestamp();
    entry record;
    relation text;
BEGIN
    -- The row lock orders concurrent refreshes of one board: the second waits for the first
    -- to commit, then reads what it wrote.
    SELECT * INTO entry FROM @extschema@.leaderboards l
    WHERE l.target_schema = schema_name AND l.name = refresh_leaderboard.name FOR NO KEY UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no leaderboard %.%', schema_name, name USING ERRCODE = '42704';
    END IF;
    IF rebuild IS NULL THEN
        RAISE EXCEPTION 'full must be true or false' USING ERRCODE = '22004';
    END IF;
    IF name || '_days' = ANY (coalesce(entry.objects, '{}')) THEN
        PERFORM usage_value_internal.refresh_days(schema_name, name, rebuild);
    ELSE
        FOREACH relation IN ARRAY coalesce(entry.objects, usage_value_internal.board_objects(name)) LOOP
            IF EXISTS (SELECT 1 FROM pg_matviews WHERE schemaname = schema_name AND matviewname = relation) THEN
                EXECUTE format('REFRESH MATERIALIZED VIEW CONCURRENTLY %I.%I', schema_name, relation);
            END IF;
        END LOOP;
        UPDATE @extschema@.leaderboards l SET refresh_kind = 'full'
        WHERE l.target_schema = schema_name AND l.name = refresh_leaderboard.name;
    END IF;
    PERFORM usage_value_internal.record_refresh(schema_name, name, started);
END
$function$;
COMMENT ON FUNCTION usage_value_internal.refresh_leaderboard(name, text, boolean) IS
    'refreshes a board in one transaction: incrementally (the days new, late or deleted rows touch) or, with full, everything; boards made before 0.5.0 refresh every materialized view concurrently; records its freshness; call usage_value.refresh_leaderboard';

CREATE FUNCTION @extschema@.refresh_leaderboard(name text, target_schema name DEFAULT NULL, full boolean DEFAULT false)
RETURNS @extschema@.leaderboard_freshness
LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC
    SELECT usage_value_internal.refresh_leaderboard(coalesce(target_schema, current_schema()), name, refresh_leaderboard.full);
    SELECT f.* FROM @extschema@.leaderboard_freshness f
    WHERE f.schema = coalesce(target_schema, current_schema()) AND f.name = refresh_leaderboard.name;
END;
COMMENT ON FUNCTION @extschema@.refresh_leaderboard(text, name, boolean) IS
    'refreshes a leaderboard in one transaction (a failure leaves the previous data; readers are never blocked) and returns its row of leaderboard_freshness: only the days that new rows, or rows late or deleted within late_window, touch; full => true rebuilds everything (after deleting or back-filling rows older than that). Boards made before 0.5.0 are always rebuilt whole. target_schema defaults to the current schema';

DROP FUNCTION usage_value_internal.record_refresh(name, text, timestamptz);
-- record_refresh reads the span of a board of this layout from <name>_days (its _buckets view
-- would unpack every series).
CREATE FUNCTION usage_value_internal.record_refresh(schema_name name, name text,
                                                    started timestamptz DEFAULT statement_timestamp())
RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    entry record;
    buckets regclass;
    days regclass;
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
    days := usage_value_internal.board_relation(schema_name, name, entry.objects, '_days');
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
    IF days IS NOT NULL THEN
        EXECUTE format('SELECT (SELECT min(b.bucket) FROM %1$s d CROSS JOIN LATERAL %2$I.buckets(d.series) b
                                WHERE d.day = (SELECT min(day) FROM %1$s WHERE tokens > 0) AND b.tokens > 0),
                               (SELECT max(b.bucket) FROM %1$s d CROSS JOIN LATERAL %2$I.buckets(d.series) b
                                WHERE d.day = (SELECT max(day) FROM %1$s WHERE tokens > 0) AND b.tokens > 0)',
                       days, '@extschema@') INTO first_bucket, last_bucket;
    ELSIF buckets IS NOT NULL THEN
        EXECUTE format('SELECT min(bucket), max(bucket) FROM %s WHERE tokens > 0', buckets) INTO first_bucket, last_bucket;
    END IF;
    UPDATE @extschema@.leaderboards l
    SET refreshed_at = started, refresh_seconds = extract(epoch FROM clock_timestamp() - started)::float8,
        rows_read = usage_rows + change_rows, data_from = first_bucket, data_through = last_bucket,
        last_failed_at = NULL, last_error = NULL
    WHERE l.target_schema = schema_name AND l.name = record_refresh.name;
    PERFORM usage_value_internal.record_coverage(schema_name, name);   -- rows left out, coverage (rejects section)
END
$function$;
COMMENT ON FUNCTION usage_value_internal.record_refresh(name, text, timestamptz) IS
    'records in usage_value.leaderboards that a board was refreshed (or created) successfully since started: time, duration, rows read, span of data, rows left out and coverage (record_coverage); clears the last failure';

-- drop_leaderboard drops the board's tables too (the wrapper depends on the body).
DROP FUNCTION @extschema@.drop_leaderboard(text, name);
DROP FUNCTION usage_value_internal.drop_leaderboard(name, text);
CREATE FUNCTION usage_value_internal.drop_leaderboard(schema_name name, name text) RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    entry record;
    relation text;
    kind "char";
BEGIN
    SELECT * INTO entry FROM @extschema@.leaderboards l WHERE l.target_schema = schema_name AND l.name = drop_leaderboard.name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no leaderboard %.%', schema_name, name USING ERRCODE = '42704';
    END IF;
    IF entry.cron_job_name IS NOT NULL THEN
        PERFORM usage_value_internal.unschedule_refresh(entry.cron_job_name);   -- privilege section
    END IF;
    FOR relation IN
        SELECT o FROM unnest(coalesce(entry.objects, usage_value_internal.board_objects(name))) WITH ORDINALITY x(o, i) ORDER BY i DESC
    LOOP
        SELECT c.relkind INTO kind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = schema_name AND c.relname = relation;
        CONTINUE WHEN kind IS NULL OR kind NOT IN ('v', 'm', 'r');   -- gone, or not the board's any more: left alone
        EXECUTE format('DROP %s %I.%I', CASE kind WHEN 'm' THEN 'MATERIALIZED VIEW' WHEN 'v' THEN 'VIEW' ELSE 'TABLE' END,
                       schema_name, relation);
    END LOOP;
    DELETE FROM @extschema@.leaderboards l WHERE l.target_schema = schema_name AND l.name = drop_leaderboard.name;
END
$function$;
COMMENT ON FUNCTION usage_value_internal.drop_leaderboard(name, text) IS
    'drops every relation create_leaderboard made for a board (newest first; tables too), and its pg_cron job; call usage_value.drop_leaderboard';

CREATE FUNCTION @extschema@.drop_leaderboard(name text, target_schema name DEFAULT NULL) RETURNS void
LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC
    SELECT usage_value_internal.drop_leaderboard(coalesce(target_schema, current_schema()), name);
END;
COMMENT ON FUNCTION @extschema@.drop_leaderboard(text, name) IS
    'drops everything create_leaderboard made for this name, and its pg_cron job; target_schema defaults to the current schema';


-- The comments of the new relations and columns; those that changed meaning for boards made
-- from 0.5.0 on say so for both layouts.
INSERT INTO usage_value_internal.relation_comments VALUES
('_credits', 'what each developer earned per bucket from merged changes: merged changes, their value with review credit (value) and without (authored_value); recomputed by refresh_leaderboard for the periods whose changes changed, and from the late window on (table; per-person)'),
('_credits_read', 'staging area of refresh_leaderboard: the credit of the periods it recomputes, compared with <name>_credits; empty between refreshes (materialized view, refreshed non-concurrently)'),
('_usage_read', 'staging area of refresh_leaderboard: the usage a refresh re-reads, per developer and bucket (the days from the watermark less late_window on, and the days of rows ingested late); empty between refreshes (materialized view, refreshed non-concurrently)'),
('_days', 'one row per developer and UTC day with data: the day''s usage_summary and burst_series, kept up to date in place by refresh_leaderboard, which recomputes only the days that new, late or deleted rows touch (table; per-person: grant it to no BI role)'),
('_period_totals', 'one row per developer and period: the period''s summary (its days rolled up), usage rows and inflated tokens, rebuilt by refresh_leaderboard for the periods whose days changed; <name>_periods adds teams and coverage (table; per-person)'),
('_annotations', 'the periods each developer''s own record excuses (annotations_table: on-call, incident, training, ...), mapped to persons like the usage table''s developers; the burst tokens inside them are not charged (excused_tokens in <name>_episodes). Re-read at every refresh, which re-analyses a developer whose annotations changed (materialized view; per-person)');
UPDATE usage_value_internal.relation_comments SET comment = 'one row per developer and bucket: raw tokens, merged changes and their value (materialized view, zero-filled across each developer''s span, for boards made before 0.5.0; from 0.5.0 on a view over the series stored in <name>_days: non-empty buckets only)'
WHERE suffix = '_buckets';
UPDATE usage_value_internal.relation_comments SET comment = 'burst episodes per developer over the whole history: significant excursions of token use above the developer''s own baseline, and how much of them the merged output explains (from 0.5.0 on a table: refresh_leaderboard re-analyses only the developers whose series or annotations changed; kind ''drift'' rows are efficiency drift findings, kind ''burst'' the episodes, excused_tokens the inflated tokens the developer''s annotations excuse)'
WHERE suffix = '_episodes';
UPDATE usage_value_internal.relation_comments SET comment = 'one row per developer and period: a usage_summary, raw tokens, merged changes, value and burst inflation, with team and cohort (per-person: grant it to no BI role; from 0.5.0 on a view over <name>_period_totals: a period in which a developer has no data has no row)'
WHERE suffix = '_periods';
INSERT INTO usage_value_internal.column_comments VALUES
('*', 'day', 'the UTC day'),
('*', 'series', 'burst_series of the developer''s day: tokens, merged changes and their authored value per bucket, non-empty buckets only (NULL: no tokens and no merged change that day); roll a developer''s days up with usage_value.rollup and read it with burst_inflation(), burst_episodes(), buckets()'),
('_days', 'usage_rows', 'source usage rows (events) of the developer that day'),
('_days', 'value', 'value of the day''s merged changes, in typical changes, with review credit (value(summary))'),
('_usage_read', 'usage_rows', 'source usage rows of the developer in the bucket, as re-read by the last refresh'),
('_usage_read', 'newest', 'the latest usage time in the bucket (the refresh''s watermark is the latest of them)'),
('_usage_read', 'ingested', 'the latest ingested_column value in the bucket; NULL: the board has no ingested_column'),
('*', 'rejected_rows', 'usage rows set aside (<name>_rejects) that name the developer (after identity_table): those with a time in the period, plus those without a (finite) time, which count in every period of the developer'),
('*', 'rejected_share', 'rejected_rows / (usage_rows + rejected_rows), 0 to 1; above 0.05 with at least 3 rows the developer is not ranked in the period (left out of the ranking and its prior fit: fair_score and fair_rank NULL, see rank_note) and is reported in <name>_suspects as rows_set_aside'),
-- excused periods and efficiency drift (issue 14)
('_episodes', 'kind', '''burst'': an excursion of token use above the developer''s own baseline (burst_episodes), or ''drift'': a period of less value per token than the developer''s own past or, for a newcomer, than the cohort (efficiency_drift; explanation only: the periods'' inflated tokens are the burst episodes'')'),
('*', 'excused_tokens', 'inflated tokens inside the periods the developer''s annotations excuse (<name>_annotations), in raw tokens: not charged, not in inflated_tokens; 0 when none'),
('*', 'excused_by', 'the kinds of the developer''s annotations that overlap the episode (on-call, incident, ...), comma-separated; NULL: none'),
('*', 'ratio', 'for a drift row: value per token in the period (with its credit window) over the reference''s, below 1 (0.5: half the value per token); NULL for a burst row'),
('*', 'reference', 'for a drift row: what the period is judged against, ''own past'' (the developer''s earlier weeks, frozen at its start) or ''cohort'' (a newcomer: the value per token of the board''s established developers); NULL for a burst row'),
('*', 'during', 'the excused period (UTC), as in annotations_table'),
('_annotations', 'kind', 'what excuses the period (annotations_table.kind: on-call, incident, training, ...); ''unspecified'' when NULL or empty');
UPDATE usage_value_internal.column_comments SET comment = 'source usage rows (events) of the developer in the bucket; NULL in boards made from 0.5.0 on, which count them per day (<name>_days.usage_rows)'
WHERE relation = '_buckets' AND column_name = 'usage_rows';
-- Rows set aside: a new kind of suspect and a new reason not to rank.
UPDATE usage_value_internal.column_comments SET comment = 'what is suspected: tokens_without_value (a token sink), value_without_tokens, split_pair (a sink whose hourly tokens move with a teammate''s), no_person (an identity not in the team table) or rows_set_aside (too many of the identity''s usage rows set aside in <name>_rejects: not ranked in the period)'
WHERE relation = '*' AND column_name = 'kind';
UPDATE usage_value_internal.column_comments SET comment = 'what the board does about it: ranked jointly, reported, ranked in the whole company, or not ranked (rows_set_aside)'
WHERE relation = '*' AND column_name = 'action';
UPDATE usage_value_internal.column_comments SET comment = 'why the row is not ranked (no tokens, ranked jointly with a suspected split identity, too few identities, too many usage rows set aside as unusable (N of M usage rows), all with fair_score and fair_rank NULL, or the data cannot tell the group apart: fair_rank NULL), or is ranked in the whole company instead of its cohort, and whether the period is incomplete (data covers N of M days), separated by ''; ''; NULL: ranked in its cohort as usual over a complete period'
WHERE relation = '*' AND column_name = 'rank_note';
UPDATE usage_value_internal.relation_comments SET comment = 'suspected split identities (a token sink whose hours move with a teammate''s), identities with value but hardly any tokens, identities that are no known person, and identities not ranked because too many of their usage rows were set aside (rows_set_aside), per period (view, security_invoker)'
WHERE suffix = '_suspects';

-- Excused periods and efficiency drift (issue 14): what the burst episodes' columns mean on drift rows.
UPDATE usage_value_internal.column_comments SET comment = 'merged changes in the episode and the attribution horizon after it (a count); NULL for a drift row'
WHERE relation = '_episodes' AND column_name = 'merged_changes';
UPDATE usage_value_internal.column_comments SET comment = 'the part of excess_tokens that the merged output does not explain, less excused_tokens, in raw tokens: what is charged (0 for a sprint whose output kept pace, or excused); for a drift row the tokens its value does not pay for at the reference''s value per token, less excused_tokens (explanation only: the periods'' inflated tokens are the burst episodes'')'
WHERE relation = '_episodes' AND column_name = 'inflated_tokens';
UPDATE usage_value_internal.column_comments SET comment = 'raw tokens the developer''s own baseline expects over the episode; for a drift row, the tokens its reference (reference) predicts'
WHERE relation = '*' AND column_name = 'baseline_tokens';
UPDATE usage_value_internal.column_comments SET comment = 'value of the episode''s merged changes, in typical changes (authored, without review credit); for a drift row, merged in the period and its credit window'
WHERE relation = '*' AND column_name = 'merged_value';
UPDATE usage_value_internal.column_comments SET comment = 'merged changes expected from the episode''s tokens at the developer''s usual tokens per merged change; NULL for a drift row'
WHERE relation = '*' AND column_name = 'expected_merged_changes';
UPDATE usage_value_internal.column_comments SET comment = 'value expected from the episode''s tokens at the developer''s usual tokens per value, in typical changes; for a drift row, at the reference''s value per token'
WHERE relation = '*' AND column_name = 'expected_merged_value';
UPDATE usage_value_internal.column_comments SET comment = 'scan p-value of the excursion, adjusted for every window and scale tried (0-1): smaller is more surely a burst; for a drift row, the combined p-value of its token excess and value shortfall'
WHERE relation = '*' AND column_name = 'p_value';
UPDATE usage_value_internal.column_comments SET comment = 'true when inflated_tokens > 0; false: a burst whose merged output kept pace (a sprint, not inflation), or whose inflated tokens were all excused'
WHERE relation = '*' AND column_name = 'is_inflation';
UPDATE usage_value_internal.column_comments SET comment = 'what the episode is charged: ''inflation'' (no matching output), ''partly paid'' (output explains part of the excess), ''not charged: output kept pace'', ''not charged: output above baseline'', ''partly excused'' or ''not charged: excused'' (inflated tokens inside the developer''s annotations, see excused_by); for a drift row ''drift: less value per token than own past'' (or ''than the cohort''), or the excused forms'
WHERE relation = '*' AND column_name = 'verdict';

-- (end of the incremental bindings section)

-- Issue 16: cost in usage_summary (format version 3), prices, and cost per event.
COMMENT ON TYPE @extschema@.usage_summary IS
    'Tokens spent, merged changes delivered, their weighted value and what the tokens cost, for a group of rows; result of usage_agg, combinable with rollup. Text form: (version:1,rows:N,tokens:N,merged_changes:N) when every change weighs 1, (version:2,rows:N,tokens:N,merged_changes:N,value:X,value_squares:X) when weighted, (version:3,...,value_squares:X,cost_micro_usd:N,costed_tokens:N) with a cost';

------------------------------------------------------------------------------------------------
-- Dollars: what the tokens cost, beside what they delivered
------------------------------------------------------------------------------------------------

-- Not STRICT, like the weighted form: a NULL cost leaves the row's tokens uncosted (the summary
-- then has no cost: tokens without a price are never counted as free).
CREATE FUNCTION @extschema@.usage_agg_transfn(@extschema@.usage_summary, bigint, bigint, float8, float8)
    RETURNS @extschema@.usage_summary
    AS 'MODULE_PATHNAME', 'usage_agg_costed_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.usage_agg_transfn(@extschema@.usage_summary, bigint, bigint, float8, float8) IS
    'transition function of usage_agg(tokens, merged_changes, value, cost_usd): adds one row with its value and its cost';

CREATE AGGREGATE @extschema@.usage_agg(tokens bigint, merged_changes bigint, value float8, cost_usd float8) (
    SFUNC = @extschema@.usage_agg_transfn,
    STYPE = @extschema@.usage_summary,
    FINALFUNC = @extschema@.usage_agg_final,
    COMBINEFUNC = @extschema@.usage_summary_combine,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE @extschema@.usage_agg(bigint, bigint, float8, float8) IS
    'summarises tokens, merged changes, their value and what the tokens cost (US dollars, float8 >= 0, each row rounded to the micro-dollar, so rollups are exact) into a usage_summary; pass merged_changes::float8 as the value for unweighted changes; a NULL cost leaves that row''s tokens uncosted and the summary without a cost; read it with cost_usd(), cost_per_merged_change()';

CREATE FUNCTION @extschema@.cost_micro_usd(summary @extschema@.usage_summary) RETURNS bigint
    AS 'MODULE_PATHNAME', 'usage_summary_cost_micro_usd' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cost_micro_usd(@extschema@.usage_summary) IS
    'what the summarised tokens cost, in whole micro-dollars (exact under rollup); NULL when some tokens have no cost (see uncosted_tokens)';

CREATE FUNCTION @extschema@.uncosted_tokens(summary @extschema@.usage_summary) RETURNS bigint
    AS 'MODULE_PATHNAME', 'usage_summary_uncosted_tokens' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.uncosted_tokens(@extschema@.usage_summary) IS
    'tokens of rows that carried no cost (all of them for a summary made without cost_usd); while it is not 0 the summary has no cost';

CREATE FUNCTION @extschema@.cost_usd(summary @extschema@.usage_summary) RETURNS numeric
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    RETURN (@extschema@.cost_micro_usd(summary)::numeric / 1000000)::numeric(20, 6);
COMMENT ON FUNCTION @extschema@.cost_usd(@extschema@.usage_summary) IS
    'what the summarised tokens cost, in US dollars to the micro-dollar; NULL when some tokens have no cost (never counted as free)';

CREATE FUNCTION @extschema@.cost_per_merged_change(summary @extschema@.usage_summary) RETURNS float8
    AS 'MODULE_PATHNAME', 'usage_summary_cost_per_merged_change' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cost_per_merged_change(@extschema@.usage_summary) IS
    'US dollars per merged change; NULL with no merged changes or when some tokens have no cost';

CREATE FUNCTION @extschema@.cost_per_merged_change_lower(summary @extschema@.usage_summary,
                                                        confidence float8 DEFAULT 0.95) RETURNS float8
    AS 'MODULE_PATHNAME', 'usage_summary_cost_per_merged_change_lower' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cost_per_merged_change_lower(@extschema@.usage_summary, float8) IS
    'lower bound of dollars per merged change: the cost over the exact (Garwood) Poisson upper bound on merges; NULL when some tokens have no cost; confidence in (0, 1)';

CREATE FUNCTION @extschema@.cost_per_merged_change_upper(summary @extschema@.usage_summary,
                                                        confidence float8 DEFAULT 0.95) RETURNS float8
    AS 'MODULE_PATHNAME', 'usage_summary_cost_per_merged_change_upper' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cost_per_merged_change_upper(@extschema@.usage_summary, float8) IS
    'upper bound of dollars per merged change: the cost over the exact (Garwood) Poisson lower bound on merges; Infinity with no merges; NULL when some tokens have no cost; confidence in (0, 1)';

CREATE FUNCTION @extschema@.cost_per_value(summary @extschema@.usage_summary) RETURNS float8
    AS 'MODULE_PATHNAME', 'usage_summary_cost_per_value' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cost_per_value(@extschema@.usage_summary) IS
    'US dollars per unit of value; NULL with no value or when some tokens have no cost';

CREATE FUNCTION @extschema@.cost_per_value_lower(summary @extschema@.usage_summary,
                                                confidence float8 DEFAULT 0.95) RETURNS float8
    AS 'MODULE_PATHNAME', 'usage_summary_cost_per_value_lower' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cost_per_value_lower(@extschema@.usage_summary, float8) IS
    'lower bound of dollars per unit of value (the interval of tokens_per_value_lower with the cost as exposure); NULL when some tokens have no cost; confidence in (0, 1)';

CREATE FUNCTION @extschema@.cost_per_value_upper(summary @extschema@.usage_summary,
                                                confidence float8 DEFAULT 0.95) RETURNS float8
    AS 'MODULE_PATHNAME', 'usage_summary_cost_per_value_upper' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION @extschema@.cost_per_value_upper(@extschema@.usage_summary, float8) IS
    'upper bound of dollars per unit of value; Infinity with no value; NULL when some tokens have no cost; confidence in (0, 1)';

-- Prices: the user's rows (the table ships empty; README.md, "Dollars", has a dated example set).
-- A row prices the events of a model (a name, or a LIKE pattern such as 'claude-sonnet-4-5%')
-- from effective_from on, until a later row for the same model takes over.
CREATE TABLE @extschema@.model_prices (
    model text NOT NULL,
    effective_from timestamptz NOT NULL,
    input_usd_per_mtok numeric NOT NULL CHECK (input_usd_per_mtok >= 0),
    output_usd_per_mtok numeric NOT NULL CHECK (output_usd_per_mtok >= 0),
    cache_read_usd_per_mtok numeric NOT NULL CHECK (cache_read_usd_per_mtok >= 0),
    cache_creation_usd_per_mtok numeric NOT NULL CHECK (cache_creation_usd_per_mtok >= 0),
    source text,
    PRIMARY KEY (model, effective_from)
);
SELECT pg_catalog.pg_extension_config_dump('@extschema@.model_prices', '');
COMMENT ON TABLE @extschema@.model_prices IS
    'list prices in US dollars per million tokens by model (a name or a LIKE pattern) and date from which they apply; kept by pg_dump; the rows are yours (README.md, "Dollars")';
COMMENT ON COLUMN @extschema@.model_prices.model IS 'model name as the telemetry spells it, or a LIKE pattern (''claude-sonnet-4-5%''); an exact name wins over a pattern, a longer pattern over a shorter';
COMMENT ON COLUMN @extschema@.model_prices.effective_from IS 'the price applies to events at or after this time, until the next row of the same model';
COMMENT ON COLUMN @extschema@.model_prices.input_usd_per_mtok IS 'US dollars per million input tokens (under cache_included: input less the cache)';
COMMENT ON COLUMN @extschema@.model_prices.output_usd_per_mtok IS 'US dollars per million output tokens';
COMMENT ON COLUMN @extschema@.model_prices.cache_read_usd_per_mtok IS 'price of a cache read token (OpenAI: cached input)';
COMMENT ON COLUMN @extschema@.model_prices.cache_creation_usd_per_mtok IS 'price of a cache write token (Anthropic: 5-minute cache write; 0 where writes are not billed apart)';
COMMENT ON COLUMN @extschema@.model_prices.source IS 'where the price came from (a URL and the date it was read)';
GRANT SELECT ON @extschema@.model_prices TO PUBLIC;

-- The price in force for a model at a time: the most specific matching row (an exact name, then
-- the longest pattern), and of its rows the latest that has begun.
CREATE FUNCTION @extschema@.model_price(model text, at timestamptz) RETURNS @extschema@.model_prices
    LANGUAGE sql STABLE PARALLEL SAFE
    BEGIN ATOMIC
        SELECT p.* FROM @extschema@.model_prices p
        WHERE (p.model = model_price.model OR model_price.model LIKE p.model) AND p.effective_from <= model_price.at
        ORDER BY p.model = model_price.model DESC, length(p.model) DESC, p.effective_from DESC
        LIMIT 1;
    END;
COMMENT ON FUNCTION @extschema@.model_price(text, timestamptz) IS
    'the model_prices row in force for a model at a time (an exact name before a pattern, a longer pattern before a shorter, then the latest row that has begun); NULL when the model has no price then';

-- What one usage record cost under its token convention (see billable_tokens): cache_separate
-- sources report input beside the cache, cache_included ones count the cache inside input, so
-- input less the cache is priced as input. NULL when the model has no price at that time.
CREATE FUNCTION @extschema@.event_cost_usd(model text, at timestamptz, input_tokens bigint, output_tokens bigint,
                                           cache_read_tokens bigint, cache_creation_tokens bigint,
                                           convention text) RETURNS numeric
    LANGUAGE sql STABLE PARALLEL SAFE
    BEGIN ATOMIC
        SELECT CASE WHEN @extschema@.billable_tokens(input_tokens, output_tokens, cache_read_tokens,
                                                     cache_creation_tokens, convention) IS NOT NULL
               THEN round(((CASE WHEN convention IN ('cache_included', 'openai', 'otel_genai', 'copilot')
                                 THEN coalesce(input_tokens, 0) - coalesce(cache_read_tokens, 0) - coalesce(cache_creation_tokens, 0)
                                 ELSE coalesce(input_tokens, 0) END) * p.input_usd_per_mtok
                           + coalesce(output_tokens, 0) * p.output_usd_per_mtok
                           + coalesce(cache_read_tokens, 0) * p.cache_read_usd_per_mtok
                           + coalesce(cache_creation_tokens, 0) * p.cache_creation_usd_per_mtok) / 1000000, 6) END
        FROM @extschema@.model_price(model, at) p
        WHERE p.model IS NOT NULL;
    END;
COMMENT ON FUNCTION @extschema@.event_cost_usd(text, timestamptz, bigint, bigint, bigint, bigint, text) IS
    'what one usage record cost in US dollars (to the micro-dollar) at the model_prices in force at its time, under its token convention (as billable_tokens: cache_included prices input less the cache as input); NULL when the model has no price then (never free); raises as billable_tokens for counts that break the convention';

------------------------------------------------------------------------------------------------
-- Transparency (issue 17): each person's own numbers, team adoption, audited per-person reads
------------------------------------------------------------------------------------------------

-- A view's query with every security_invoker view it reads replaced by that view's own query
-- (recursively), so that a view made of it reads everything with its owner's rights: a view
-- with the reader's rights checks its relations as the reader even when read through a view with
-- its owner's (PostgreSQL 15, CREATE VIEW). The deparser names a relation schema.name, followed by
-- its alias if it has one.
CREATE FUNCTION usage_value_internal.owner_rights_query(view regclass, depth integer DEFAULT 0) RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    body text := rtrim(pg_get_viewdef(view), E'; \n');
    inner_view record;
    name_re text;
    follows constant text := 'where|join|left|right|full|inner|cross|natural|on|using|group|order|having|window|union|intersect|except|limit|offset|fetch|for|tablesample';
BEGIN
    IF depth > 10 THEN
        RAISE EXCEPTION 'views nested too deeply under %', view USING ERRCODE = '54001';
    END IF;
    FOR inner_view IN
        SELECT DISTINCT c.oid::regclass AS rel, quote_ident(n.nspname) || '.' || quote_ident(c.relname) AS qualified
        FROM pg_rewrite r JOIN pg_depend d ON d.classid = 'pg_rewrite'::regclass AND d.objid = r.oid
        JOIN pg_class c ON c.oid = d.refobjid AND d.refclassid = 'pg_class'::regclass
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE r.ev_class = view AND c.oid <> view AND c.relkind = 'v' AND 'security_invoker=true' = ANY (coalesce(c.reloptions, '{}'))
    LOOP
        name_re := '(^|[^a-z0-9_."])' || regexp_replace(inner_view.qualified, '([.^$*+?()\[\]{}|\\"])', '\\\1', 'g');
        -- with an alias, then without one (the view's name becomes the alias); parentheses in a
        -- lookahead do not capture
        body := regexp_replace(body, name_re || '\s+(?!(' || follows || ')\M)([a-z_][a-z0-9_$]*)',
                                '\1(' || replace(usage_value_internal.owner_rights_query(inner_view.rel, depth + 1), '\', '\\') || ') \2', 'gi');
        body := regexp_replace(body, name_re || '($|[^a-z0-9_$])',
                                '\1(' || replace(usage_value_internal.owner_rights_query(inner_view.rel, depth + 1), '\', '\\') || ') '
                                || quote_ident((SELECT relname FROM pg_class WHERE oid = inner_view.rel)) || '\2', 'gi');
    END LOOP;
    RETURN body;
END
$function$;
COMMENT ON FUNCTION usage_value_internal.owner_rights_query(regclass, integer) IS
    'the query of a view with every security_invoker view it reads replaced by that view''s query (recursively): what a view with its owner''s rights over it must hold';

-- What create_leaderboard makes for transparency, after the board's other relations:
--   <name>_adoption: per team and ISO week (Monday, UTC), of the team's members, the share with AI
--     use (tokens > 0) and the share whose AI use came with delivered value (value > 0: weighted
--     merged changes, with review credit) that week. Counts only, teams below min_group_size
--     suppressed, with its owner's rights: like the team board, the view to grant to managers.
--   <name>_my_board, <name>_my_episodes (with role_table): every column of <name>_leaderboard and
--     of <name>_episodes, only for the developers role_table maps to current_user (the role in
--     effect: SET ROLE to a mapped role shows that role's rows, as every privilege does). Views
--     WITH (security_barrier) running with their owner's rights: the reader needs no right on
--     anything else, and a function in the reader's WHERE clause never sees another person's row.
--     <name>_my_board holds the developer board's query itself (owner_rights_query), not a
--     reference to it: <name>_leaderboard runs with the reader's rights, which a person granted
--     only their own view does not have. Granted to nobody, whatever the schema's default privileges.
-- Returns the relations made.
CREATE FUNCTION usage_value_internal.create_transparency_views(
    schema_name name, name text, board text, episodes text, days text,
    role_table regclass, role_column text, role_developer_column text,
    identity_sql text, members_sql text, multiple_teams text, min_group_size integer)
RETURNS text[]
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    obj_adoption text := name || '_adoption';
    obj_my_board text := name || '_my_board';
    obj_my_episodes text := name || '_my_episodes';
    mine text;         -- the developers mapped to current_user (SQL)
    board_sql text;
    made text[];
    rel text;
    grantee record;
BEGIN
    IF role_table IS NULL AND (role_column IS NOT NULL OR role_developer_column IS NOT NULL) THEN
        RAISE EXCEPTION 'role_column and role_developer_column are columns of role_table; give role_table too' USING ERRCODE = '22023';
    END IF;
    IF length(obj_my_episodes) > 63 THEN
        RAISE EXCEPTION 'name is too long: object names like % exceed 63 bytes', obj_my_episodes USING ERRCODE = '22023';
    END IF;
    IF role_table IS NOT NULL THEN
        PERFORM @extschema@._check_column(role_table, role_column, 'role_column');
        PERFORM @extschema@._check_column(role_table, role_developer_column, 'role_developer_column');
    END IF;

    -- Adoption. Members: the team table's (mapped to persons), one team each unless
    -- multiple_teams = 'every'; without a team table, everyone on the board, in one group (team NULL).
    EXECUTE format($sql$
        CREATE VIEW %1$I.%2$I AS
        WITH members AS (%3$s),
        teams AS (SELECT team, count(*) AS developers FROM members GROUP BY team),
        used AS (SELECT developer_id, date_trunc('week', day::timestamp)::date AS week_start,
                        sum(tokens) AS tokens, sum(value) AS value
                 FROM %1$I.%4$I GROUP BY 1, 2),
        weeks AS (SELECT DISTINCT week_start FROM used),
        counted AS (
            SELECT w.week_start, t.team, t.developers,
                   count(u.developer_id) FILTER (WHERE u.tokens > 0) AS ai_users,
                   count(u.developer_id) FILTER (WHERE u.tokens > 0 AND u.value > 0) AS ai_users_with_value
            FROM weeks w CROSS JOIN teams t
            JOIN members m ON m.team IS NOT DISTINCT FROM t.team
            LEFT JOIN used u ON u.developer_id = m.member AND u.week_start = w.week_start
            GROUP BY w.week_start, t.team, t.developers),
        suppressed AS (
            SELECT c.*, count(*) FILTER (WHERE developers < %5$s) OVER (PARTITION BY week_start) AS teams_suppressed
            FROM counted c)
        SELECT week_start, team, developers::bigint AS developers, ai_users::bigint AS ai_users,
               ai_users_with_value::bigint AS ai_users_with_value,
               (ai_users::float8 / developers)::float8 AS raw_adoption,
               (ai_users_with_value::float8 / developers)::float8 AS value_adoption,
               teams_suppressed::bigint AS teams_suppressed
        FROM suppressed WHERE developers >= %5$s
        $sql$, schema_name, obj_adoption,
        CASE WHEN members_sql IS NULL
             THEN format('SELECT DISTINCT developer_id AS member, NULL::text AS team FROM %I.%I', schema_name, days)
             WHEN multiple_teams = 'every'
             THEN format('SELECT DISTINCT member, team FROM (%s) m WHERE team IS NOT NULL', members_sql)
             ELSE format('SELECT DISTINCT ON (member) member, team FROM (%s) m WHERE team IS NOT NULL ORDER BY member, team', members_sql) END,
        days, min_group_size);
    made := ARRAY[obj_adoption];

    IF role_table IS NOT NULL THEN
        -- A role's developers: as role_table names them, mapped to persons like every identity.
        mine := format('SELECT %1$s FROM %2$s r %3$s WHERE r.%4$I::text = current_user AND r.%5$I IS NOT NULL',
                       CASE WHEN identity_sql IS NULL THEN format('r.%I::text', role_developer_column)
                            ELSE format('coalesce(rm.person, r.%I::text)', role_developer_column) END,
                       role_table,
                       CASE WHEN identity_sql IS NULL THEN ''
                            ELSE format('LEFT JOIN %s rm ON rm.identity = r.%I::text', identity_sql, role_developer_column) END,
                       role_column, role_developer_column);
        board_sql := usage_value_internal.owner_rights_query(format('%I.%I', schema_name, board)::regclass);
        EXECUTE format('CREATE VIEW %1$I.%2$I WITH (security_barrier = true) AS SELECT b.* FROM (%3$s) b WHERE b.developer_id IN (%4$s)',
                       schema_name, obj_my_board, board_sql, mine);
        EXECUTE format('CREATE VIEW %1$I.%2$I WITH (security_barrier = true) AS SELECT e.* FROM %1$I.%3$I e WHERE e.developer_id IN (%4$s)',
                       schema_name, obj_my_episodes, episodes, mine);
        made := made || obj_my_board || obj_my_episodes;
        -- Nobody reads them until granted: not PUBLIC, not a role the schema's default privileges name.
        FOREACH rel IN ARRAY ARRAY[obj_my_board, obj_my_episodes] LOOP
            FOR grantee IN
                SELECT DISTINCT a.grantee FROM pg_class c CROSS JOIN LATERAL aclexplode(c.relacl) a
                WHERE c.oid = format('%I.%I', schema_name, rel)::regclass AND a.grantee <> c.relowner
            LOOP
                EXECUTE format('REVOKE ALL ON %I.%I FROM %s', schema_name, rel,
                               CASE WHEN grantee.grantee = 0 THEN 'PUBLIC' ELSE grantee.grantee::regrole::text END);
            END LOOP;
        END LOOP;
    END IF;
    RETURN made;
END
$function$;
COMMENT ON FUNCTION usage_value_internal.create_transparency_views(name, text, text, text, text, regclass, text, text, text, text, text, integer) IS
    'create_leaderboard: makes <name>_adoption and, with role_table, the security-barrier views <name>_my_board and <name>_my_episodes (each person''s own rows, for current_user; granted to nobody); validates role_column and role_developer_column; returns the relations made';

-- The relations of a board that hold rows per person and are read only for per-person data, so
-- that the pgaudit role's SELECT on them logs every per-person read and no team-level one: the
-- team board, <name>_adoption and <name>_coverage read _periods, _days, _changes and _rejects,
-- which are therefore not in this list (grant those to no one but the board's owner).
CREATE FUNCTION usage_value_internal.person_relations(name text) RETURNS text[]
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $function$
    SELECT ARRAY[name || '_my_board', name || '_my_episodes', name || '_leaderboard', name || '_episodes',
                 name || '_suspects', name || '_unmatched']
$function$;
COMMENT ON FUNCTION usage_value_internal.person_relations(text) IS
    'the relations of a board whose reads audit_person_reads has pgaudit log: the per-person views and the episodes table (not those the team-level views read)';

-- pgaudit object audit logging: a statement is logged when it touches a relation on which the
-- role named by pgaudit.role (one per database; superuser-only setting) has the privilege used.
-- This grants that role SELECT on the board's per-person relations (person_relations) and, run by
-- a superuser in a database without a pgaudit.role, sets it for the database. The auditor role
-- must not log in nor have members: its grants only mark relations for auditing.
CREATE FUNCTION usage_value_internal.audit_person_reads(schema_name name, name text, auditor_role name)
RETURNS SETOF text
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    entry record;
    auditor pg_roles;
    current_auditor text;
    rel text;
BEGIN
    SELECT * INTO entry FROM @extschema@.leaderboards l WHERE l.target_schema = schema_name AND l.name = audit_person_reads.name;
    IF NOT FOUND OR NOT usage_value_internal.acts_as_owner(entry.owner) THEN
        RAISE EXCEPTION 'no leaderboard %.% owned by %', schema_name, name, current_user USING ERRCODE = '42704';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_settings WHERE pg_settings.name = 'pgaudit.role' AND context = 'superuser') THEN
        RAISE EXCEPTION 'pgaudit is not loaded: audited per-person reads need it' USING ERRCODE = '55000',
            HINT = 'install postgresql-15-pgaudit, add pgaudit to shared_preload_libraries and restart the server';
    END IF;
    SELECT * INTO auditor FROM pg_roles r WHERE r.rolname = auditor_role;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'auditor_role: role % does not exist', auditor_role USING ERRCODE = '42704',
            HINT = format('CREATE ROLE %I NOLOGIN', auditor_role);
    END IF;
    IF auditor.rolcanlogin OR auditor.rolsuper OR auditor.rolname = entry.owner
       OR EXISTS (SELECT 1 FROM pg_auth_members m WHERE m.roleid = auditor.oid) THEN
        RAISE EXCEPTION 'auditor_role: % must be a role that cannot log in, is no superuser, does not own the board and has no members (its SELECT only marks the relations pgaudit logs)', auditor_role
            USING ERRCODE = '22023';
    END IF;
    current_auditor := coalesce(current_setting('pgaudit.role', true), '');
    IF current_auditor NOT IN ('', auditor_role) THEN
        RAISE EXCEPTION 'pgaudit.role is % here: pgaudit audits through one role per database, pass that one', current_auditor
            USING ERRCODE = '55000';
    END IF;
    FOREACH rel IN ARRAY usage_value_internal.person_relations(name) LOOP
        CONTINUE WHEN NOT rel = ANY (coalesce(entry.objects, '{}'))
                   OR NOT EXISTS (SELECT 1 FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                                      WHERE n.nspname = schema_name AND c.relname = rel);
        EXECUTE format('GRANT SELECT ON %I.%I TO %I', schema_name, rel, auditor_role);
        RETURN NEXT format('GRANT SELECT ON %I.%I TO %I', schema_name, rel, auditor_role);
    END LOOP;
    IF current_auditor = '' THEN
        BEGIN
            EXECUTE format('ALTER DATABASE %I SET pgaudit.role = %L', current_database(), auditor_role);
            PERFORM set_config('pgaudit.role', auditor_role, false);
            RETURN NEXT format('ALTER DATABASE %I SET pgaudit.role = %L', current_database(), auditor_role);
        EXCEPTION WHEN insufficient_privilege THEN
            RAISE NOTICE 'pgaudit.role is not set: the grants mark the relations, but nothing is logged yet'
                USING HINT = format('a superuser runs: ALTER DATABASE %I SET pgaudit.role = %L', current_database(), auditor_role);
        END;
    END IF;
END
$function$;
COMMENT ON FUNCTION usage_value_internal.audit_person_reads(name, text, name) IS
    'the body of usage_value.audit_person_reads (call that instead)';

CREATE FUNCTION @extschema@.audit_person_reads(name text, auditor_role name, target_schema name DEFAULT NULL)
RETURNS SETOF text
LANGUAGE sql VOLATILE PARALLEL UNSAFE
BEGIN ATOMIC
    SELECT * FROM usage_value_internal.audit_person_reads(coalesce(target_schema, current_schema()), name, auditor_role);
END;
COMMENT ON FUNCTION @extschema@.audit_person_reads(text, name, name) IS
    'has pgaudit (loaded with shared_preload_libraries) log every read of the board''s per-person relations (<name>_my_board, <name>_my_episodes, <name>_leaderboard, <name>_episodes, <name>_suspects, <name>_unmatched) with who, when and the statement, and no team-level read: grants SELECT on them to auditor_role (NOLOGIN, no members) and, as a superuser where pgaudit.role is unset, sets it for the database; the board''s owner calls it; returns what it did';

INSERT INTO usage_value_internal.relation_comments VALUES
('_adoption', 'per team and ISO week (Monday, UTC): of the team''s members, the share with AI use that week (raw_adoption) and the share whose AI use came with delivered value that week (value_adoption); teams with fewer than min_group_size members not shown. Counts only, run with the owner''s rights: grant it to managers with the team board'),
('_my_board', 'each person''s own rows of <name>_leaderboard, every column with the explanation (prior, shrinkage, rank interval), for the developers role_table maps to current_user; security-barrier view with its owner''s rights, granted to nobody until GRANT SELECT to the developers'' role (per-person: audited with audit_person_reads)'),
('_my_episodes', 'each person''s own rows of <name>_episodes (each burst''s expected and delivered value, each drift finding), for the developers role_table maps to current_user; security-barrier view with its owner''s rights, granted to nobody until GRANT SELECT to the developers'' role (per-person: audited with audit_person_reads)');

-- The person's views have the columns of the board and the episodes: describe_leaderboard (made
-- again here) takes their texts from _leaderboard's and _episodes' rows.
DROP FUNCTION usage_value_internal.describe_leaderboard(name, text);
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
            SELECT a.attname, coalesce(o.comment, m.comment, s.comment) AS comment
            FROM pg_attribute a
            LEFT JOIN usage_value_internal.column_comments o ON o.relation = rel_suffix AND o.column_name = a.attname
            -- a person's own view has the columns, and the texts, of the relation it shows (issue 17)
            LEFT JOIN usage_value_internal.column_comments m
                   ON m.relation = CASE rel_suffix WHEN '_my_board' THEN '_leaderboard' WHEN '_my_episodes' THEN '_episodes' END
                  AND m.column_name = a.attname
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
    'puts a COMMENT on every relation a board made and on every column in it (unit, better direction, what NULL means) from relation_comments and column_comments (<name>_my_board and <name>_my_episodes get the texts of <name>_leaderboard and <name>_episodes); raises 42704 naming any column without a text';

INSERT INTO usage_value_internal.column_comments VALUES
('_adoption', 'week_start', 'the ISO week (its Monday, UTC days)'),
('_adoption', 'team', 'the team (team_table); NULL: a board without a team table, everyone in one group'),
('_adoption', 'developers', 'members of the team (team_table, mapped to persons), with or without AI use: the denominator of both shares'),
('_adoption', 'ai_users', 'members with tokens that week'),
('_adoption', 'ai_users_with_value', 'members with tokens and delivered value (value > 0: weighted merged changes, with review credit) that week'),
('_adoption', 'raw_adoption', 'ai_users / developers, 0-1: the raw "used AI this week" share, met by burning tokens too'),
('_adoption', 'value_adoption', 'ai_users_with_value / developers, 0-1: the share whose AI use came with delivered value that week; never above raw_adoption'),
('_adoption', 'teams_suppressed', 'teams with fewer than min_group_size members, not shown (that week)');

------------------------------------------------------------------------------------------------
-- Binding on Citus (issue 15): a board over usage distributed by developer
------------------------------------------------------------------------------------------------

-- The distribution column of a table hash-distributed by Citus; NULL when Citus is absent or the
-- table is not hash-distributed (a plain, reference or local table). Citus is looked up at run
-- time, so that the extension installs and works without it.
CREATE FUNCTION usage_value_internal.citus_distribution(tab regclass) RETURNS text
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    col text;
BEGIN
    IF tab IS NULL OR to_regclass('pg_catalog.pg_dist_partition') IS NULL
       OR to_regprocedure('pg_catalog.column_to_column_name(regclass, text)') IS NULL THEN
        RETURN NULL;
    END IF;
    EXECUTE 'SELECT pg_catalog.column_to_column_name(logicalrelid, partkey) FROM pg_catalog.pg_dist_partition '
            'WHERE logicalrelid = $1 AND partmethod = ''h'''
        INTO col USING tab;
    RETURN col;
END
$function$;
COMMENT ON FUNCTION usage_value_internal.citus_distribution(regclass) IS
    'the distribution column of a table hash-distributed by Citus (pg_dist_partition); NULL without Citus, or for a table that is not hash-distributed';

-- The refresh of a distributed board (create_leaderboard over usage distributed by developer):
-- one transaction, like refresh_days, and the same results bit for bit, but every step that
-- reads rows or series runs on the workers, each worker on the developers it holds:
--   1. the changes (few next to usage) are valued on the coordinator as on one server (the
--      median change and revert chains are company-wide) and their credit per developer and
--      bucket written to the distributed _credits;
--   2. the days: INSERT INTO _days SELECT ... FROM the usage and _credits GROUP BY developer,
--      which Citus runs on each shard whole (the usage rows never leave their worker);
--   3. the burst episodes: INSERT INTO _episodes SELECT ... burst_episodes(rollup(series)) GROUP
--      BY developer, on the workers;
--   4. the periods: the per developer-period rollups and inflated tokens, computed on the
--      workers, are what reaches the coordinator, into its _period_totals, which the boards read;
--   5. efficiency drift: the values per token of the established developers (one number each)
--      reach the coordinator, which hands each developer's reference group back inside the
--      statement; the analysis runs on the workers.
-- Every refresh recomputes everything, on the workers in parallel (the per-day incremental
-- refresh is the single-server layout's). A worker that fails fails the refresh, which rolls
-- back: the boards keep their previous data.
CREATE FUNCTION usage_value_internal.refresh_distributed(schema_name name, name text) RETURNS void
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    ext name := '@extschema@';
    entry record;
    s name := schema_name;
    r_rejects text := name || '_rejects';
    r_changes_read text := name || '_changes_read';
    r_changes text := name || '_changes';
    r_credits text := name || '_credits';
    r_credits_read text := name || '_credits_read';
    r_read text := name || '_usage_read';
    r_days text := name || '_days';
    r_episodes text := name || '_episodes';
    r_totals text := name || '_period_totals';
    r_periods text := name || '_periods';
    period_length text;
    newest timestamptz;
    ingested timestamptz;
    n_days bigint;
    n_devs bigint;
    n_periods bigint;
    empty_summary text;
    price_failures text;
BEGIN
    SELECT * INTO entry FROM @extschema@.leaderboards l WHERE l.target_schema = schema_name AND l.name = refresh_distributed.name;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'no leaderboard %.%', schema_name, name USING ERRCODE = '42704';
    END IF;
    period_length := CASE entry.period WHEN 'day' THEN '1 day' WHEN 'week' THEN '7 days' WHEN 'month' THEN '1 month' ELSE '3 months' END;
    UPDATE @extschema@.leaderboards l SET read_from = '-infinity', ingested_from = NULL
    WHERE l.target_schema = schema_name AND l.name = refresh_distributed.name;

    -- 0. The prices. event_cost_usd runs where the usage is, on the workers, and reads their own
    --    model_prices (a function cannot read a distributed or reference table from a shard: no
    --    nested distributed execution), so every worker's rows are made the coordinator's first,
    --    in one statement each. A worker that cannot be reached fails the refresh (08006).
    EXECUTE format($sql$
        SELECT string_agg(nodename || ':' || nodeport || ': ' || result, '; ') FILTER (WHERE NOT success)
        FROM run_command_on_workers(format(
            'WITH fresh AS (SELECT * FROM jsonb_populate_recordset(NULL::%1$I.model_prices, %%L)), '
            'gone AS (DELETE FROM %1$I.model_prices p WHERE (p.model, p.effective_from) NOT IN (SELECT model, effective_from FROM fresh)) '
            'INSERT INTO %1$I.model_prices SELECT * FROM fresh ON CONFLICT (model, effective_from) DO UPDATE SET '
            'input_usd_per_mtok = excluded.input_usd_per_mtok, output_usd_per_mtok = excluded.output_usd_per_mtok, '
            'cache_read_usd_per_mtok = excluded.cache_read_usd_per_mtok, '
            'cache_creation_usd_per_mtok = excluded.cache_creation_usd_per_mtok, source = excluded.source',
            (SELECT coalesce(jsonb_agg(p), '[]') FROM %1$I.model_prices p)))
        $sql$, ext) INTO price_failures;
    IF price_failures IS NOT NULL THEN
        RAISE EXCEPTION 'could not copy model_prices to the workers: %', price_failures USING ERRCODE = '08006';
    END IF;

    -- 1. The changes and their credit.
    IF r_changes_read = ANY (entry.objects) THEN
        EXECUTE format('REFRESH MATERIALIZED VIEW %I.%I', s, r_changes_read);
    END IF;
    EXECUTE format('REFRESH MATERIALIZED VIEW CONCURRENTLY %I.%I', s, r_rejects);
    EXECUTE format('REFRESH MATERIALIZED VIEW CONCURRENTLY %I.%I', s, r_changes);
    PERFORM set_config('usage_value.credit_from', extract(epoch FROM '-infinity'::timestamptz)::text, true),
            set_config('usage_value.credit_periods', '', true);
    EXECUTE format('REFRESH MATERIALIZED VIEW %I.%I', s, r_credits_read);
    PERFORM set_config('usage_value.credit_from', '', true);
    EXECUTE format('DELETE FROM %I.%I', s, r_credits);
    EXECUTE format('INSERT INTO %I.%I SELECT * FROM %I.%I', s, r_credits, s, r_credits_read);
    EXECUTE format('REFRESH MATERIALIZED VIEW %I.%I WITH NO DATA', s, r_credits_read);

    -- 2. The days, on the workers: per developer and bucket the usage read (the view _usage_read,
    --    everything) and the credit; per day the summary of its buckets in time order and their
    --    series. Only developers with usage are on the board. (The same sums as refresh_days.)
    PERFORM set_config('usage_value.read_from', extract(epoch FROM '-infinity'::timestamptz)::text, true),
            set_config('usage_value.ingested_from', '', true);
    EXECUTE format('SELECT max(newest), max(ingested) FROM %I.%I', s, r_read) INTO newest, ingested;
    SELECT @extschema@.usage_agg(0::bigint, 0::bigint, 0::float8)::text INTO empty_summary;
    EXECUTE format('DELETE FROM %I.%I', s, r_days);
    EXECUTE format($sql$
        INSERT INTO %1$I.%2$I (developer_id, day, tokens, merged_changes, value, usage_rows, summary, series,
                               cost_micro_usd, uncosted_tokens)
        SELECT developer_id, day, %5$I.tokens(summary), %5$I.merged_changes(summary), %5$I.value(summary), usage_rows, summary, series,
               cost_micro_usd, uncosted_tokens
        FROM (SELECT developer_id, day, usage_rows, coalesce(summary, %7$L::%5$I.usage_summary) AS summary, series,
                     cost_micro_usd, uncosted_tokens, bool_or(usage_rows > 0) OVER (PARTITION BY developer_id) AS on_board
              FROM (%8$s) days) x
        WHERE on_board
        $sql$, s, r_days, r_read, r_credits, ext, entry.bucket_width, empty_summary,
        usage_value_internal.days_sql(format(
            $hours$(SELECT r.developer_id, r.day, r.bucket, r.tokens, 0::bigint AS merged_changes, NULL::float8 AS value,
                           NULL::float8 AS authored_value, r.usage_rows, r.cost_micro_usd, r.uncosted_tokens
                    FROM %1$I.%2$I r
                    UNION ALL
                    SELECT k.developer_id, (k.bucket AT TIME ZONE 'UTC')::date, k.bucket, 0, k.merged_changes, k.value,
                           k.authored_value, 0, NULL, 0
                    FROM %1$I.%3$I k) hours$hours$, s, r_read, r_credits), entry.bucket_width,
            (name || '_unpriced') = ANY (entry.objects)));
    PERFORM set_config('usage_value.read_from', '', true);

    -- 3. The burst episodes, on the workers.
    EXECUTE format('DELETE FROM %I.%I', s, r_episodes);
    EXECUTE format($sql$
        INSERT INTO %1$I.%2$I
        SELECT developer_id, 'burst', (e).start_at, (e).end_at, (e).tokens, (e).baseline_tokens, (e).merged_changes,
               (e).merged_value, (e).expected_merged_value, (e).expected_merged_changes, (e).excess_tokens,
               (e).inflated_tokens, (e).excused_tokens, NULL::text, (e).p_value, (e).is_inflation,
               CASE WHEN (e).excused_tokens > 0 AND (e).inflated_tokens > 0 THEN 'partly excused'
                    WHEN (e).excused_tokens > 0 THEN 'not charged: excused'
                    ELSE %4$I.episode_verdict(e) END,
               NULL::float8, NULL::text
        FROM (SELECT developer_id, unnest(%4$I.burst_episodes(%4$I.rollup(series))) AS e FROM %1$I.%3$I GROUP BY developer_id) x
        $sql$, s, r_episodes, r_days, ext);

    -- 4. The periods: rolled up on the workers, with the inflated tokens of the episodes spread
    --    over the buckets they cover; the per developer-period rows go to the coordinator.
    EXECUTE format('DELETE FROM %I.%I', s, r_totals);
    EXECUTE format($sql$
        INSERT INTO %1$I.%2$I (developer_id, period_start, summary, usage_rows, inflated_tokens)
        SELECT t.developer_id, t.period_start, t.summary, t.usage_rows, coalesce(i.inflated_tokens, 0)
        FROM (SELECT developer_id, date_trunc(%5$L, day)::date AS period_start, %6$I.rollup(summary ORDER BY day) AS summary,
                     sum(usage_rows)::bigint AS usage_rows
              FROM %1$I.%3$I GROUP BY developer_id, date_trunc(%5$L, day)::date) t
        LEFT JOIN (%4$s) i
        ON i.developer_id = t.developer_id AND i.period_start = t.period_start
        $sql$, s, r_totals, r_days,
        usage_value_internal.inflated_sql(format('%I.%I', s, r_episodes), format('%I.%I', s, r_days), entry.period),
        entry.period, ext);

    -- 5. Efficiency drift: each established developer's value per token (28 days or more with
    --    tokens) reaches the coordinator, which groups them (the cohort with at least
    --    min_group_size of them, else the whole board; as refresh_days) and hands each
    --    developer's group to the workers inside the statement (arrays of the developers, of
    --    their group and of each group's values, in float8's exact text form; a table written
    --    in this transaction could not be read beside the shards modified above), where the
    --    analysis runs.
    IF to_regclass('pg_temp.uv_established') IS NOT NULL THEN DROP TABLE pg_temp.uv_established; END IF;
    IF to_regclass('pg_temp.uv_references') IS NOT NULL THEN DROP TABLE pg_temp.uv_references; END IF;
    EXECUTE format($sql$
        CREATE TEMP TABLE uv_established ON COMMIT DROP AS
        SELECT d.developer_id, coalesce(k.value, 0) / d.tokens::float8 AS efficiency
        FROM (SELECT developer_id, sum(tokens) AS tokens FROM %1$I.%2$I
              GROUP BY developer_id HAVING count(*) FILTER (WHERE tokens > 0) >= 28) d
        LEFT JOIN (SELECT developer_id, sum(authored_value ORDER BY bucket) AS value FROM %1$I.%3$I GROUP BY developer_id) k
        ON k.developer_id = d.developer_id
        $sql$, s, r_days, r_credits);
    EXECUTE format($sql$
        CREATE TEMP TABLE uv_references ON COMMIT DROP AS
        WITH who AS (
            SELECT DISTINCT ON (p.developer_id) p.developer_id, p.cohort FROM %1$I.%2$I p ORDER BY p.developer_id, p.period_start DESC),
        established AS (SELECT e.developer_id, e.efficiency, w.cohort FROM uv_established e LEFT JOIN who w USING (developer_id)),
        cohorts AS (
            SELECT cohort, count(*) AS developers, array_agg(efficiency ORDER BY developer_id) AS efficiency
            FROM established WHERE cohort IS NOT NULL GROUP BY cohort),
        everyone AS (SELECT array_agg(efficiency ORDER BY developer_id) AS efficiency FROM established),
        groups AS (
            SELECT 'board'::text AS reference, efficiency FROM everyone
            UNION ALL SELECT 'cohort ' || cohort, efficiency FROM cohorts WHERE developers >= %3$s),
        numbered AS (SELECT reference, efficiency, row_number() OVER (ORDER BY reference) AS k FROM groups)
        SELECT w.developer_id, n.k, n.efficiency::text AS efficiency
        FROM who w LEFT JOIN cohorts c ON c.cohort = w.cohort
        JOIN numbered n ON n.reference = CASE WHEN c.developers >= %3$s THEN 'cohort ' || c.cohort ELSE 'board' END
        $sql$, s, r_periods, entry.min_group_size);
    EXECUTE format($sql$
        INSERT INTO %1$I.%2$I
        SELECT developer_id, 'drift', (e).start_at, (e).end_at, (e).tokens, (e).expected_tokens,
               NULL::bigint, (e).merged_value, (e).expected_value, NULL::float8, greatest((e).tokens - (e).expected_tokens, 0),
               (e).inflated_tokens, (e).excused_tokens, NULL::text, (e).p_value, (e).inflated_tokens > 0,
               CASE WHEN (e).excused_tokens > 0 AND (e).inflated_tokens > 0 THEN 'partly excused'
                    WHEN (e).excused_tokens > 0 THEN 'not charged: excused'
                    WHEN (e).inflated_tokens > 0 AND (e).reference = 'cohort' THEN 'drift: less value per token than the cohort'
                    WHEN (e).inflated_tokens > 0 THEN 'drift: less value per token than own past'
                    ELSE 'not charged' END,
               (e).ratio, (e).reference
        FROM (SELECT d.developer_id,
                     %4$I.efficiency_drift(d.series, cohort_efficiency => (%7$L::text[])[i.k]::float8[]) AS e
              FROM (SELECT developer_id, %4$I.rollup(series) AS series FROM %1$I.%3$I GROUP BY developer_id) d
              JOIN unnest(%5$L::text[], %6$L::bigint[]) AS i(developer_id, k) ON i.developer_id = d.developer_id) x
        $sql$, s, r_episodes, r_days, ext,
        (SELECT coalesce(array_agg(developer_id ORDER BY developer_id), '{}') FROM uv_references),
        (SELECT coalesce(array_agg(k ORDER BY developer_id), '{}') FROM uv_references),
        (SELECT coalesce(array_agg(efficiency ORDER BY k), '{}')
         FROM (SELECT DISTINCT k, efficiency FROM uv_references) g));
    DROP TABLE uv_established, uv_references;

    EXECUTE format('SELECT count(*), count(DISTINCT developer_id) FROM %I.%I', s, r_days) INTO n_days, n_devs;
    EXECUTE format('SELECT count(*) FROM %I.%I', s, r_totals) INTO n_periods;
    UPDATE @extschema@.leaderboards l
    SET watermark = newest, ingested_watermark = ingested, refresh_kind = 'full',
        days_recomputed = n_days, days_changed = n_days, developers_reanalysed = n_devs, periods_rebuilt = n_periods
    WHERE l.target_schema = schema_name AND l.name = refresh_distributed.name;
END
$function$;
COMMENT ON FUNCTION usage_value_internal.refresh_distributed(name, text) IS
    'refreshes a distributed board (usage distributed by developer with Citus): the days, episodes and per-period rollups computed on the workers by statements grouped by developer, the period totals the boards read kept on the coordinator; everything recomputed, in one transaction; called by refresh_leaderboard';

-- A suspected split pair's days on a distributed board (<name>_suspects): the days of the
-- period on which both developers have a series; two lookups by developer, one shard each.
CREATE FUNCTION usage_value_internal.pair_days(days regclass, sink text, source text, from_day date, to_day date)
RETURNS TABLE (day date, series @extschema@.burst_series, source_series @extschema@.burst_series)
LANGUAGE plpgsql STABLE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $function$
BEGIN
    RETURN QUERY EXECUTE format(
        'SELECT s.day, s.series, o.series FROM (SELECT d.day, d.series FROM %1$s d WHERE d.developer_id = $1 AND d.day >= $3 AND d.day < $4) s '
        'JOIN (SELECT d.day, d.series FROM %1$s d WHERE d.developer_id = $2 AND d.day >= $3 AND d.day < $4) o ON o.day = s.day',
        days) USING sink, source, from_day, to_day;
END
$function$;
COMMENT ON FUNCTION usage_value_internal.pair_days(regclass, text, text, date, date) IS
    'the days of [from_day, to_day) on which both developers have a row in a board''s <name>_days, with both series: what <name>_suspects correlates on a distributed board';

-- The comment of the relation a board over a distributed changes table adds.
INSERT INTO usage_value_internal.relation_comments VALUES
('_changes_read', 'staging area of refresh_leaderboard when the changes table is distributed with Citus: the merged changes, read before they are valued in <name>_changes (materialized view, refreshed non-concurrently)');

-- scheduled_refresh ends a failed refresh's transaction before it records the failure (a
-- distributed board that lost a worker cannot commit it): dropped and made again.
DROP PROCEDURE @extschema@.scheduled_refresh(text, name);
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
    -- The failed refresh's transaction is ended whole and the failure recorded again in a new
    -- one: a distributed board's refresh (Citus) that lost a worker leaves its connection to that
    -- worker failed, and Citus refuses to commit the transaction even after the subtransaction
    -- rolled back ("failure on connection marked as essential").
    ROLLBACK;
    UPDATE @extschema@.leaderboards l
    SET last_failed_at = pg_catalog.clock_timestamp(), last_error = pg_catalog.format('%s (SQLSTATE %s)', failure[2], failure[1])
    WHERE l.target_schema = coalesce(scheduled_refresh.target_schema, pg_catalog.current_schema()) AND l.name = scheduled_refresh.name;
    COMMIT;
    IF failure[3] IS NULL THEN
        RAISE EXCEPTION USING ERRCODE = failure[1], MESSAGE = failure[2], HINT = failure[4];
    END IF;
    RAISE EXCEPTION USING ERRCODE = failure[1], MESSAGE = failure[2], DETAIL = failure[3], HINT = failure[4];
END
$procedure$;
COMMENT ON PROCEDURE @extschema@.scheduled_refresh(text, name) IS
    'for schedulers (pg_cron, cron + psql): CALL it at top level, outside any transaction block. Runs refresh_leaderboard; if that fails, records last_failed_at and last_error in leaderboard_freshness, commits that record and raises the original error (same SQLSTATE) so the scheduler sees the failure; the board keeps its previous data';

------------------------------------------------------------------------------------------------
-- Binding: dollars (issue 16)
------------------------------------------------------------------------------------------------

-- What one usage row u cost, as SQL for create_leaderboard: the source's cost_column when it is
-- not NULL (what was billed), else event_cost_usd at the row's time under its token convention
-- (model_column with the token classes), else NULL: unpriced, never free. Checks the arguments.
CREATE FUNCTION usage_value_internal.cost_binding(usage_table regclass, time_column text, model_column text, cost_column text,
                                                  exposure text, token_args text, tokens_expr text,
                                                  OUT cost_sql text, OUT reject_sql text, OUT reported_sql text,
                                                  OUT computed_sql text, OUT model_sql text)
LANGUAGE plpgsql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    base oid;
BEGIN
    IF exposure IS NULL OR exposure NOT IN ('tokens', 'cost') THEN
        RAISE EXCEPTION 'exposure must be tokens or cost (got %)', exposure USING ERRCODE = '22023';
    END IF;
    model_sql := 'NULL::text';
    IF cost_column IS NOT NULL THEN
        PERFORM @extschema@._check_column(usage_table, cost_column, 'cost_column');
        SELECT a.atttypid INTO base FROM pg_attribute a
        WHERE a.attrelid = usage_table AND a.attname = cost_column AND a.attnum > 0 AND NOT a.attisdropped;
        WHILE (SELECT typtype FROM pg_type WHERE oid = base) = 'd' LOOP
            base := (SELECT typbasetype FROM pg_type WHERE oid = base);
        END LOOP;
        IF base NOT IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype, 'numeric'::regtype, 'float4'::regtype, 'float8'::regtype) THEN
            RAISE EXCEPTION 'cost_column: column %.% is %, not an amount of US dollars', usage_table, quote_ident(cost_column),
                format_type(base, NULL)
                USING ERRCODE = '42804', HINT = 'map a numeric column (US dollars); a view can convert text';
        END IF;
        reported_sql := format('u.%I::numeric', cost_column);
        -- a cost that is negative or not a number cannot be summed: the row is set aside (<name>_rejects)
        reject_sql := format('CASE WHEN u.%1$I::float8 < 0 OR u.%1$I::float8 IN (%2$L, %3$L) THEN %4$L || u.%1$I::text || %5$L END',
                             cost_column, 'NaN', 'Infinity', 'cost_column is negative or not finite (', ')');
    END IF;
    IF model_column IS NOT NULL THEN
        PERFORM @extschema@._check_column(usage_table, model_column, 'model_column');
        IF token_args IS NULL THEN
            RAISE EXCEPTION 'model_column prices the token classes: give input_tokens_column and output_tokens_column (and the cache columns), not tokens_column'
                USING ERRCODE = '22023';
        END IF;
        model_sql := format('u.%I::text', model_column);
        computed_sql := format('%I.event_cost_usd(u.%I::text, u.%I::timestamptz, %s)', '@extschema@', model_column, time_column, token_args);
    END IF;
    IF exposure = 'cost' AND reported_sql IS NULL AND computed_sql IS NULL THEN
        RAISE EXCEPTION 'exposure => ''cost'' needs a cost: give cost_column, or model_column with the token class columns'
            USING ERRCODE = '22023';
    END IF;
    cost_sql := CASE WHEN reported_sql IS NOT NULL
                     THEN format('usage_value_internal.believed_cost(%s, %s, %s)', reported_sql, coalesce(computed_sql, 'NULL::numeric'), tokens_expr)
                     ELSE coalesce(computed_sql, 'NULL::numeric') END;
END
$function$;
COMMENT ON FUNCTION usage_value_internal.cost_binding(regclass, text, text, text, text, text, text) IS
    'create_leaderboard: checks exposure, model_column and cost_column (naming the argument: 22023, 42703, 42804) and returns the SQL of what one usage row u cost (the source''s cost_column when believable, see believed_cost, else event_cost_usd; NULL: unpriced), of why its cost cannot be used (a reject reason), of the reported and computed cost and of the model';

-- What a usage row cost as the boards count it: what the source reported (what it billed, with
-- discounts and models model_prices lacks), unless that is not believable: no more than 0 for
-- tokens, or below half what model_prices prices the row at (a misreport, a unit slip, or
-- telemetry rewritten to look cheap). Then the price is used, and without one the row is
-- unpriced (NULL), never free: reporting less than the prices lowers dollars by half at most.
CREATE FUNCTION usage_value_internal.believed_cost(reported numeric, computed numeric, tokens bigint) RETURNS numeric
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN CASE WHEN reported IS NOT NULL AND (reported > 0 OR coalesce(tokens, 0) = 0) AND (computed IS NULL OR reported * 2 >= computed)
            THEN reported ELSE computed END;
COMMENT ON FUNCTION usage_value_internal.believed_cost(numeric, numeric, bigint) IS
    'a usage row''s cost as the boards count it: the reported cost unless it is 0 or less for tokens or below half the computed one; then the computed cost (NULL: unpriced)';

-- refresh_days and refresh_distributed: per developer and period, the inflated tokens of the burst
-- episodes in `episodes` (over the board's `days`): each episode's inflated tokens spread over the
-- buckets it covers ([start_at, end_at)) in proportion to their tokens, a period's shares summed in
-- episode order (the same bits on one server and on Citus).
CREATE FUNCTION usage_value_internal.inflated_sql(episodes text, days text, period text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN format($sql$
    SELECT developer_id, period_start, sum(share ORDER BY start_at) AS inflated_tokens
    FROM (SELECT developer_id, period_start, start_at,
                 inflated_tokens * tokens / nullif(sum(tokens) OVER (PARTITION BY developer_id, start_at), 0) AS share
          FROM (SELECT e.developer_id, e.start_at, e.inflated_tokens,
                       date_trunc(%3$L, b.bucket AT TIME ZONE 'UTC')::date AS period_start, sum(b.tokens)::float8 AS tokens
                FROM %1$s e
                JOIN %2$s d ON d.developer_id = e.developer_id AND d.day >= (e.start_at AT TIME ZONE 'UTC')::date
                           AND d.day <= ((e.end_at - interval '1 microsecond') AT TIME ZONE 'UTC')::date
                CROSS JOIN LATERAL %4$I.buckets(d.series) b
                WHERE e.kind = 'burst' AND e.inflated_tokens > 0 AND b.bucket >= e.start_at AND b.bucket < e.end_at
                GROUP BY 1, 2, 3, 4) spent) shares
    GROUP BY developer_id, period_start
    $sql$, episodes, days, period, '@extschema@');
COMMENT ON FUNCTION usage_value_internal.inflated_sql(text, text, text) IS
    'refresh_days and refresh_distributed: the SQL of the inflated tokens per developer and period of a board''s burst episodes, spread over the buckets they cover in proportion to their tokens';

-- refresh_days and refresh_distributed (one definition, so that a distributed board's days equal
-- a single server's): per developer and UTC day, from `hours` (a relation with developer_id, day,
-- bucket, tokens, merged_changes, value, authored_value, usage_rows, cost_micro_usd and
-- uncosted_tokens; bucket NULL for a kept day's usage rows and cost), the day's usage_summary of
-- its buckets in time order, its burst_series, usage rows and cost. Each bucket has at most one
-- usage row and one credit row, so the per-bucket sums are exact. Dollars (issue 16), on a board
-- that binds them (`costed`; without, no bucket has a cost and the windows are not paid for): the
-- day's cost is kept per day (<name>_days), so that a day not re-read keeps it; in the summary it
-- is spread over the buckets in proportion to their tokens, in whole micro-dollars (floor of the
-- cost times the tokens through this bucket over the day's, less the same through the bucket
-- before) that sum exactly to the day's: a day re-read or kept gets the same summary, an
-- incremental refresh equals a full rebuild. A day with a usage row without a cost has none in
-- its summary.
CREATE FUNCTION usage_value_internal.days_sql(hours text, bucket_width interval, costed boolean) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
RETURN format($sql$
    SELECT developer_id, day, sum(usage_rows)::bigint AS usage_rows,
           -- the buckets with something in them: what a day not re-read still has
           %2$I.usage_agg(tokens, merged_changes, value, cost_usd ORDER BY bucket)
               FILTER (WHERE bucket IS NOT NULL AND (tokens > 0 OR merged_changes > 0 OR value > 0)) AS summary,
           %2$I.burst_series(bucket, tokens, merged_changes, authored_value, %3$L::interval)
               FILTER (WHERE bucket IS NOT NULL AND (tokens > 0 OR merged_changes > 0)) AS series,
           sum(cost_micro_usd)::bigint AS cost_micro_usd, coalesce(sum(uncosted_tokens), 0)::bigint AS uncosted_tokens
    FROM (%1$s) buckets
    GROUP BY developer_id, day
    HAVING count(bucket) > 0 OR sum(usage_rows) > 0
    $sql$,
    format(CASE WHEN costed THEN $costed$
        SELECT b.*,
               CASE WHEN b.bucket IS NOT NULL AND b.day_uncosted_tokens = 0 AND b.day_cost_micro_usd IS NOT NULL AND b.day_tokens > 0
                    THEN ((floor(b.day_cost_micro_usd::numeric * b.tokens_through / b.day_tokens)
                           - floor(b.day_cost_micro_usd::numeric * (b.tokens_through - b.tokens) / b.day_tokens)) / 1000000)::float8
               END AS cost_usd
        FROM (SELECT b.*, sum(b.cost_micro_usd) OVER w AS day_cost_micro_usd,
                     coalesce(sum(b.uncosted_tokens) OVER w, 0) AS day_uncosted_tokens,
                     coalesce(sum(b.tokens) FILTER (WHERE b.bucket IS NOT NULL) OVER w, 0) AS day_tokens,
                     sum(b.tokens) FILTER (WHERE b.bucket IS NOT NULL) OVER (w ORDER BY b.bucket ROWS UNBOUNDED PRECEDING) AS tokens_through
              FROM (%1$s) b
              WINDOW w AS (PARTITION BY b.developer_id, b.day)) b$costed$
        ELSE 'SELECT b.*, NULL::float8 AS cost_usd FROM (%1$s) b' END,
        format($buckets$
            SELECT developer_id, day, bucket, sum(tokens)::bigint AS tokens, sum(merged_changes)::bigint AS merged_changes,
                   coalesce(sum(value), 0)::float8 AS value, coalesce(sum(authored_value), 0)::float8 AS authored_value,
                   sum(usage_rows)::bigint AS usage_rows, sum(cost_micro_usd)::bigint AS cost_micro_usd,
                   sum(uncosted_tokens)::bigint AS uncosted_tokens
            FROM %s GROUP BY developer_id, day, bucket$buckets$, hours)),
    '@extschema@', bucket_width);
COMMENT ON FUNCTION usage_value_internal.days_sql(text, interval, boolean) IS
    'refresh_days and refresh_distributed: the SQL of the per developer and day summaries, series, usage rows and cost made from a relation of hours (on a board with dollars, costed, the day''s cost spread over its buckets in whole micro-dollars that sum to it)';

-- The views a board with dollars makes: <name>_unpriced (usage rows without a cost, by model and
-- developer), <name>_burst_costs (the burst episodes'' inflated dollars), and, with both a
-- reported and a computed cost, <name>_cost_reconciliation. Returns the names made.
CREATE FUNCTION usage_value_internal.create_cost_views(schema_name name, name text, source text, who_usage text,
                                                       time_column text, tokens_expr text, usage_reject text,
                                                       cost_sql text, reported_sql text, computed_sql text,
                                                       model_sql text, invoker text) RETURNS text[]
LANGUAGE plpgsql VOLATILE PARALLEL UNSAFE
SET search_path = pg_catalog, pg_temp
AS $function$
DECLARE
    made text[] := '{}';
BEGIN
    IF reported_sql IS NULL AND computed_sql IS NULL THEN
        RETURN made;   -- no dollars bound: nothing to report
    END IF;
    -- Unpriced usage: no reported cost and no price in force. Its tokens count as tokens; its
    -- developer-periods have no cost (NULL, not ranked on dollars), never a cheap one.
    EXECUTE format($sql$
        CREATE VIEW %1$I.%2$I%3$s AS
        SELECT model, developer_id, count(*) AS events, sum(tokens)::bigint AS tokens, min(at) AS first_at, max(at) AS last_at
        FROM (SELECT %4$s AS model, %5$s AS developer_id, %6$s AS tokens, u.%7$I::timestamptz AS at, %8$s AS cost
              FROM %9$s WHERE (%10$s) IS NULL) x
        WHERE cost IS NULL
        GROUP BY model, developer_id
        $sql$, schema_name, name || '_unpriced', invoker, model_sql, who_usage, tokens_expr, time_column, cost_sql, source,
        usage_reject);
    made := made || (name || '_unpriced');
    -- Each burst episode's inflated tokens at the developer's dollars per token over the
    -- episode's days (NULL when some of those tokens have no price).
    EXECUTE format($sql$
        CREATE VIEW %1$I.%2$I%3$s AS
        SELECT e.developer_id, e.start_at, e.end_at, e.tokens, e.inflated_tokens, e.verdict,
               (c.cost_usd * 1e6 / nullif(c.tokens, 0))::float8 AS usd_per_million_tokens,
               (e.inflated_tokens * c.cost_usd / nullif(c.tokens, 0))::float8 AS inflated_usd
        FROM %1$I.%4$I e
        CROSS JOIN LATERAL (
            SELECT sum(d.tokens) AS tokens,
                   CASE WHEN sum(d.uncosted_tokens) = 0 THEN coalesce(sum(d.cost_micro_usd), 0) / 1e6 END AS cost_usd
            FROM %1$I.%5$I d
            WHERE d.developer_id = e.developer_id AND d.day >= (e.start_at AT TIME ZONE 'UTC')::date
              AND d.day <= ((e.end_at - interval '1 microsecond') AT TIME ZONE 'UTC')::date) c
        WHERE e.kind = 'burst'
        $sql$, schema_name, name || '_burst_costs', invoker, name || '_episodes', name || '_days');
    made := made || (name || '_burst_costs');
    -- What the source reported beside what the price table computes, per model and UTC month:
    -- a wrong (or missing) price shows as a difference.
    IF reported_sql IS NOT NULL AND computed_sql IS NOT NULL THEN
        EXECUTE format($sql$
            CREATE VIEW %1$I.%2$I AS
            SELECT model, month, count(*) AS events, sum(reported) AS reported_usd,
                   count(computed) AS priced_events, sum(computed) AS computed_usd,
                   sum(reported - computed) AS difference_usd,
                   (sum(reported - computed) / nullif(sum(reported) FILTER (WHERE computed IS NOT NULL), 0))::float8 AS difference_share,
                   count(*) FILTER (WHERE cost IS DISTINCT FROM reported) AS disbelieved_events
            FROM (SELECT %3$s AS model, date_trunc('month', u.%4$I::timestamptz AT TIME ZONE 'UTC')::date AS month,
                         %5$s AS reported, %6$s AS computed, %9$s AS cost
                  FROM %7$s WHERE (%8$s) IS NULL AND %5$s IS NOT NULL) x
            GROUP BY model, month
            $sql$, schema_name, name || '_cost_reconciliation', model_sql, time_column, reported_sql, computed_sql, source,
            usage_reject, cost_sql);
        made := made || (name || '_cost_reconciliation');
    END IF;
    RETURN made;
END
$function$;
COMMENT ON FUNCTION usage_value_internal.create_cost_views(name, text, text, text, text, text, text, text, text, text, text, text) IS
    'create_leaderboard: makes a board''s views of dollars, <name>_unpriced, <name>_burst_costs and (with a reported and a computed cost) <name>_cost_reconciliation; returns their names';

INSERT INTO usage_value_internal.relation_comments VALUES
('_unpriced', 'usage rows with no cost (the source reports none, or none believable, and model_prices has no price for the model at their time), by model and developer: their tokens count as tokens, their developer-periods have no cost (NULL dollars, not ranked on dollars), never a cheap one (view, security_invoker; per-person)'),
('_burst_costs', 'the burst episodes with their inflated dollars: inflated tokens at the developer''s dollars per token over the episode''s days (view, security_invoker; per-person)'),
('_cost_reconciliation', 'per model and UTC month, the cost the source reported beside the cost model_prices computes for the same rows, so that a wrong or missing price shows (view; no person)');
INSERT INTO usage_value_internal.column_comments VALUES
('_unpriced', 'model', 'the model as the source names it (NULL: no model column, or no model in the row)'),
('_unpriced', 'developer_id', 'the developer (identity mapped to its person)'),
('_unpriced', 'events', 'usage rows without a cost'),
('_unpriced', 'tokens', 'raw tokens of those rows: counted as tokens on the board, not as dollars'),
('_unpriced', 'first_at', 'time of the first such row'),
('_unpriced', 'last_at', 'time of the last such row'),
('_burst_costs', 'usd_per_million_tokens', 'the developer''s dollars per million tokens over the days the episode covers; NULL when some of those tokens have no price'),
('_burst_costs', 'inflated_usd', 'inflated_tokens times the developer''s dollars per token over the episode''s days: the dollars the merged output does not explain; NULL when some of those tokens have no price'),
('_burst_costs', 'verdict', 'the episode''s verdict, as in <name>_episodes'),
('_cost_reconciliation', 'model', 'the model as the source names it'),
('_cost_reconciliation', 'month', 'the UTC month of the rows'),
('_cost_reconciliation', 'events', 'usage rows with a reported cost'),
('_cost_reconciliation', 'reported_usd', 'US dollars the source reported for them (what was billed)'),
('_cost_reconciliation', 'priced_events', 'of those, rows that model_prices prices (the rest: no price in force)'),
('_cost_reconciliation', 'computed_usd', 'US dollars event_cost_usd computes for the priced rows'),
('_cost_reconciliation', 'difference_usd', 'reported less computed, over the priced rows: near 0 when the price table is right'),
('_cost_reconciliation', 'difference_share', 'difference_usd over the reported dollars of the priced rows (0.1: the source billed 10% more than the prices say)'),
('_cost_reconciliation', 'disbelieved_events', 'rows whose reported cost the boards do not use (0 or less for tokens, or below half the computed cost): counted at the computed cost, or unpriced without a price'),
('_days', 'cost_micro_usd', 'the day''s priced usage in integer micro-dollars (reported cost, else computed from model_prices); NULL: no priced row'),
('_days', 'uncosted_tokens', 'raw tokens of the day''s usage rows without a cost (all of them when the board binds no dollars)'),
('_usage_read', 'cost_micro_usd', 'the bucket''s priced usage in integer micro-dollars; NULL: no priced row'),
('_usage_read', 'uncosted_tokens', 'raw tokens of the bucket''s usage rows without a cost'),
('*', 'cost_usd', 'US dollars spent (reported cost, else computed from model_prices); NULL when some tokens have no price (see <name>_unpriced) or the board binds no dollars'),
('*', 'uncosted_tokens', 'raw tokens without a cost (no reported cost, no price in force): when not 0, cost_usd is NULL'),
('*', 'inflated_usd', 'inflated tokens at the dollars per token of the period: the dollars the merged output does not explain; NULL without a cost'),
('*', 'exposure', 'what the board ranks on: tokens (value per million tokens) or cost (value per dollar)'),
('*', 'cost_per_merged_change', 'US dollars per merged change (lower is better); NULL without a cost'),
('*', 'cost_per_merged_change_lower', 'lower end of the 95% interval of dollars per merged change (Garwood, exact); NULL without a cost'),
('*', 'cost_per_merged_change_upper', 'upper end of that interval; NULL when unbounded (no merged change) or without a cost'),
('*', 'cost_per_value', 'US dollars per unit of value (typical change); NULL without a cost'),
('*', 'value_per_dollar', 'value (typical changes) per US dollar (higher is better); NULL without a cost'),
('*', 'rank_cost', 'the dollars the row is ranked on under exposure cost (with a split identity''s, ranked jointly); NULL: not ranked');
