-- Least privilege (issue 12): what ordinary roles may use, the registry's row-level security
-- (owners, members of an owning role, readers), and pg_cron as an ordinary role. Run as the
-- superuser with SET ROLE; test/shell/privilege.t does the same as login roles, end to end.
BEGIN;
SET LOCAL search_path = usage_value, public;
SELECT plan(37);

CREATE ROLE uv_p_analyst;
CREATE ROLE uv_p_other;
CREATE ROLE uv_p_team NOLOGIN;                 -- a team role that owns shared boards
CREATE ROLE uv_p_member IN ROLE uv_p_team;     -- a member that inherits its privileges
CREATE ROLE uv_p_noinherit NOINHERIT IN ROLE uv_p_team;

-- The extension is usable by any role: schemas, functions, aggregates, procedures, types.
SELECT ok(has_schema_privilege('uv_p_analyst', 'usage_value', 'USAGE') AND has_schema_privilege('uv_p_analyst', 'usage_value_internal', 'USAGE'),
          'any role has USAGE on usage_value and usage_value_internal');
SELECT is((SELECT array_agg(p.oid::regprocedure::text ORDER BY 1) FROM pg_proc p
           WHERE p.pronamespace IN ('usage_value'::regnamespace, 'usage_value_internal'::regnamespace)
             AND NOT has_function_privilege('uv_p_analyst', p.oid, 'EXECUTE')),
          NULL::text[], 'any role may execute every function, aggregate and procedure of the extension');
SELECT is((SELECT array_agg(t.oid::regtype::text ORDER BY 1) FROM pg_type t
           WHERE t.typnamespace = 'usage_value'::regnamespace AND NOT has_type_privilege('uv_p_analyst', t.oid, 'USAGE')),
          NULL::text[], 'any role may use every type of the extension');
SELECT is((SELECT count(*) FROM pg_proc
           WHERE pronamespace IN ('usage_value'::regnamespace, 'usage_value_internal'::regnamespace) AND prosecdef),
          0::bigint, 'no function of either schema runs with its owner''s rights (none is security-definer)');
-- PL/pgSQL bodies resolve names at run time: each pins its search_path, but scheduled_refresh (a
-- procedure that commits cannot have a SET clause; it qualifies every name).
SELECT is((SELECT array_agg(p.pronamespace::regnamespace || '.' || p.proname ORDER BY 1) FROM pg_proc p JOIN pg_language l ON l.oid = p.prolang
           WHERE p.pronamespace IN ('usage_value'::regnamespace, 'usage_value_internal'::regnamespace) AND l.lanname = 'plpgsql'
             AND NOT coalesce('search_path=pg_catalog, pg_temp' = ANY (p.proconfig), false)),
          ARRAY['usage_value.scheduled_refresh'], 'every PL/pgSQL function pins search_path = pg_catalog, pg_temp');

-- The registry: an owner per row, row-level security (not forced: the table owner, the superuser
-- that created the extension, bypasses it anyway), the policies, and the grants they limit.
SELECT col_type_is('usage_value', 'leaderboards', 'owner', 'name', 'leaderboards.owner is a name');
SELECT col_not_null('usage_value', 'leaderboards', 'owner', '... NOT NULL');
SELECT col_default_is('usage_value', 'leaderboards', 'owner', 'CURRENT_USER', '... DEFAULT current_user');
SELECT is((SELECT (relrowsecurity, relforcerowsecurity)::text FROM pg_class WHERE oid = 'usage_value.leaderboards'::regclass),
          (true, false)::text, 'row-level security on usage_value.leaderboards (not forced)');
SELECT is((SELECT array_agg(polname::text || ':' || polcmd::text ORDER BY polname) FROM pg_policy WHERE polrelid = 'usage_value.leaderboards'::regclass),
          ARRAY['creators:a', 'owners_delete:d', 'owners_update:w', 'readers:r'], 'its policies: read, insert, update, delete');
SELECT ok(has_table_privilege('uv_p_analyst', 'usage_value.leaderboards', 'SELECT, INSERT, DELETE')
          AND has_table_privilege('uv_p_analyst', 'usage_value.leaderboard_freshness', 'SELECT'),
          'any role may SELECT, INSERT and DELETE registry rows (limited by the policies) and read leaderboard_freshness');
SELECT is((SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute
           WHERE attrelid = 'usage_value.leaderboards'::regclass AND attnum > 0 AND NOT attisdropped
             AND has_column_privilege('uv_p_analyst', attrelid, attnum, 'UPDATE')
             AND attname IN ('target_schema', 'name', 'owner', 'objects', 'cron_job_name', 'created_at', 'bucket_width', 'period', 'min_group_size')),
          NULL::text[], 'no role may UPDATE a row''s identity (schema, name, owner, objects, job, settings)');
SELECT ok((SELECT bool_and(has_column_privilege('uv_p_analyst', 'usage_value.leaderboards', c, 'UPDATE'))
           FROM unnest(ARRAY['refreshed_at', 'refresh_seconds', 'rows_read', 'data_from', 'data_through', 'last_failed_at', 'last_error']) c),
          '... but any role may UPDATE what a refresh records (limited to its own rows by the policy)');

-- Shared boards: created as the team role, seen and refreshed by the members that inherit its
-- privileges, not by others. A small real board, so that its refresh is real.
CREATE SCHEMA uv_p_shared AUTHORIZATION uv_p_team;
CREATE SCHEMA uv_p_src;
CREATE TABLE uv_p_src.usage (dev text, at timestamptz, tokens bigint);
CREATE TABLE uv_p_src.prs (author text, merged_at timestamptz);
INSERT INTO uv_p_src.usage SELECT 'd' || i, '2026-01-05'::timestamptz + make_interval(days => d, hours => 10), 1000 * i
FROM generate_series(1, 4) i, generate_series(0, 20) d;
INSERT INTO uv_p_src.prs SELECT 'd' || i, '2026-01-06'::timestamptz + make_interval(days => 2 * d, hours => 15)
FROM generate_series(1, 4) i, generate_series(0, 9) d;
GRANT USAGE ON SCHEMA uv_p_src TO uv_p_team, uv_p_analyst, uv_p_other;
GRANT SELECT ON ALL TABLES IN SCHEMA uv_p_src TO uv_p_team, uv_p_analyst, uv_p_other;

SET LOCAL ROLE uv_p_member;
SET LOCAL ROLE uv_p_team;
SELECT lives_ok($$SELECT count(*) FROM create_leaderboard('shared', 'uv_p_src.usage', 'dev', 'at', 'uv_p_src.prs', 'author', 'merged_at',
                  tokens_column => 'tokens', target_schema => 'uv_p_shared', min_group_size => 1)$$,
                'a member that SET ROLE to its team role creates a board');
RESET ROLE;
SELECT is((SELECT owner FROM leaderboards WHERE name = 'shared'), 'uv_p_team'::name, '... owned by the team role');
SET LOCAL ROLE uv_p_member;
SELECT is((SELECT name FROM refresh_leaderboard('shared', 'uv_p_shared')), 'shared',
          'a member that inherits the team''s privileges sees and refreshes it');
SELECT is((SELECT count(*) FROM leaderboard_freshness WHERE name = 'shared'), 1::bigint, '... and sees its freshness');
RESET ROLE;
SET LOCAL ROLE uv_p_noinherit;
SELECT throws_ok($$SELECT refresh_leaderboard('shared', 'uv_p_shared')$$, '42704', 'no leaderboard uv_p_shared.shared',
                 'a member that does not inherit sees no row (it could not refresh the views either) ...');
SET LOCAL ROLE uv_p_team;
SELECT is((SELECT count(*) FROM leaderboards WHERE name = 'shared'), 1::bigint, '... until it SET ROLE to the team');
RESET ROLE;
SET LOCAL ROLE uv_p_analyst;
SELECT is((SELECT count(*) FROM leaderboards) + (SELECT count(*) FROM leaderboard_freshness), 0::bigint,
          'a role outside the team sees neither the registry row nor the freshness of the team''s board');
SELECT throws_ok($$SELECT drop_leaderboard('shared', 'uv_p_shared')$$, '42704', 'no leaderboard uv_p_shared.shared', '... nor drops it');
RESET ROLE;

-- A row whose owner no longer exists (an administrator dropped the role): nobody but superusers
-- and pg_monitor's members sees it, and reading the registry raises no error.
INSERT INTO leaderboards (target_schema, name, bucket_width, period, min_group_size, owner)
VALUES ('uv_p_shared', 'orphan', '1 day', 'week', 1, 'uv_p_no_such_role');
SET LOCAL ROLE uv_p_member;
SELECT is((SELECT array_agg(name ORDER BY name) FROM leaderboards), ARRAY['shared'],
          'a row owned by a role that does not exist is no one''s (and raises no error)');
RESET ROLE;
CREATE ROLE uv_p_monitor IN ROLE pg_monitor;
SET LOCAL ROLE uv_p_monitor;
SELECT is((SELECT count(*) FROM leaderboard_freshness WHERE schema = 'uv_p_shared'), 2::bigint,
          'pg_monitor''s members see every board''s freshness');
SELECT throws_ok($$SELECT refresh_leaderboard('shared', 'uv_p_shared')$$, '42704', 'no leaderboard uv_p_shared.shared',
                 '... but refresh none they do not own');
RESET ROLE;

-- pg_cron (1.4) as an ordinary role: cron.schedule needs USAGE on schema cron, which only an
-- administrator can grant; the job then runs as that role in this database.
SELECT is((SELECT extversion FROM pg_extension WHERE extname = 'pg_cron') >= '1.4', true, 'pg_cron 1.4 or later is installed here');
CREATE FUNCTION pg_temp.error_of(query text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE state text; message text; hint text;
BEGIN
    EXECUTE query;
    RETURN NULL;
EXCEPTION WHEN OTHERS THEN
    GET STACKED DIAGNOSTICS state = RETURNED_SQLSTATE, message = MESSAGE_TEXT, hint = PG_EXCEPTION_HINT;
    RETURN state || ': ' || message || ' HINT: ' || hint;
END
$$;
SET LOCAL ROLE uv_p_analyst;
SELECT is(pg_temp.error_of($$SELECT usage_value_internal.schedule_refresh('usage_value:x.y', '0 3 * * *', 'SELECT 1')$$),
          '42501: refresh_schedule: role uv_p_analyst may not schedule pg_cron jobs HINT: Ask an administrator for GRANT USAGE ON SCHEMA cron TO uv_p_analyst '
          '(pg_cron then runs the refresh as uv_p_analyst, which must be able to log in the way pg_cron connects), or leave out '
          'refresh_schedule and CALL usage_value.scheduled_refresh from another scheduler.',
          'without USAGE on schema cron, scheduling fails with 42501 and says what to ask an administrator for');
RESET ROLE;
GRANT USAGE ON SCHEMA cron TO uv_p_analyst, uv_p_other;
SET LOCAL ROLE uv_p_analyst;
SELECT ok(usage_value_internal.schedule_refresh('usage_value:x.y', '0 3 * * *', 'SELECT 1') > 0, 'with USAGE on schema cron the role schedules a job');
RESET ROLE;
SELECT is((SELECT username || ':' || database FROM cron.job WHERE jobname = 'usage_value:x.y'), 'uv_p_analyst:' || current_database(),
          '... which runs as that role, in this database');
SET LOCAL ROLE uv_p_other;
SELECT is(usage_value_internal.unschedule_refresh('usage_value:x.y'), 0, 'another role cannot unschedule it (it sees no such job)');
RESET ROLE;
SELECT is(usage_value_internal.unschedule_refresh('usage_value:x.y'), 1,
          'a superuser unschedules it (by id: cron.unschedule by name finds only the caller''s own jobs)');
SET LOCAL ROLE uv_p_analyst;
SELECT ok(usage_value_internal.schedule_refresh('usage_value:x.z', '0 3 * * *', 'SELECT 1') > 0, 'it schedules another');
SELECT is(usage_value_internal.unschedule_refresh('usage_value:x.z'), 1, 'the role unschedules its own job');

-- The binding with refresh_schedule, as an ordinary role (create_leaderboard's body schedules
-- through usage_value_internal.schedule_refresh).
RESET ROLE;
CREATE SCHEMA uv_p_analyst AUTHORIZATION uv_p_analyst;
CREATE SCHEMA uv_p_other AUTHORIZATION uv_p_other;
SET LOCAL ROLE uv_p_analyst;
SELECT lives_ok($$SELECT count(*) FROM create_leaderboard('cronned', 'uv_p_src.usage', 'dev', 'at', 'uv_p_src.prs', 'author', 'merged_at',
                  tokens_column => 'tokens', target_schema => 'uv_p_analyst', min_group_size => 1, refresh_schedule => '17 3 * * *')$$,
                'an analyst with USAGE on schema cron creates a scheduled board');
SELECT is((SELECT username FROM cron.job WHERE jobname = 'usage_value:uv_p_analyst.cronned'), 'uv_p_analyst'::text,
          '... whose job runs as the analyst');
SELECT lives_ok($$SELECT drop_leaderboard('cronned', 'uv_p_analyst')$$, '... and drops it, job included');
RESET ROLE;
SELECT is((SELECT count(*) FROM cron.job WHERE jobname LIKE 'usage_value:uv_p%') + (SELECT count(*) FROM leaderboards WHERE name = 'cronned'),
          0::bigint, 'no job and no board left');
REVOKE USAGE ON SCHEMA cron FROM uv_p_other;
SET LOCAL ROLE uv_p_other;
SELECT throws_ok($$SELECT count(*) FROM create_leaderboard('cronned', 'uv_p_src.usage', 'dev', 'at', 'uv_p_src.prs', 'author', 'merged_at',
                   tokens_column => 'tokens', target_schema => 'uv_p_other', min_group_size => 1, refresh_schedule => '17 3 * * *')$$,
                 '42501', 'refresh_schedule: role uv_p_other may not schedule pg_cron jobs',
                 'without USAGE on schema cron, create_leaderboard with refresh_schedule says what to ask for');
RESET ROLE;

SELECT * FROM finish();
ROLLBACK;
