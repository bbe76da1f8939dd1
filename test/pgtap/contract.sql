-- The SQL contract of DESIGN.md and the script hygiene of STYLE.md: names, signatures,
-- volatility, strictness, parallel safety, comments, no SECURITY DEFINER.
BEGIN;
SET LOCAL search_path = usage_value, public;
SELECT plan(50);

SELECT has_type('usage_value', 'usage_summary', 'type usage_summary exists');
SELECT has_function('usage_value', 'usage_agg', ARRAY['bigint', 'bigint']);
SELECT has_function('usage_value', 'rollup', ARRAY['usage_summary']);
SELECT has_function('usage_value', 'tokens_per_merged_change', ARRAY['bigint', 'bigint']);
SELECT has_function('usage_value', 'tokens_per_merged_change', ARRAY['usage_summary']);
SELECT has_function('usage_value', 'tokens_per_merged_change_lower', ARRAY['usage_summary', 'double precision']);
SELECT has_function('usage_value', 'tokens_per_merged_change_upper', ARRAY['usage_summary', 'double precision']);
SELECT has_function('usage_value', 'usage_agg', ARRAY['bigint', 'bigint', 'double precision']);
SELECT has_function('usage_value', 'value', ARRAY['usage_summary']);
SELECT has_function('usage_value', 'effective_changes', ARRAY['usage_summary']);
SELECT has_function('usage_value', 'tokens_per_value', ARRAY['usage_summary']);
SELECT has_function('usage_value', 'tokens_per_value_lower', ARRAY['usage_summary', 'double precision']);
SELECT has_function('usage_value', 'tokens_per_value_upper', ARRAY['usage_summary', 'double precision']);
SELECT has_function('usage_value', 'billable_tokens', ARRAY['bigint', 'bigint', 'bigint', 'bigint', 'text']);
SELECT has_function('usage_value', 'burst_inflation', ARRAY['timestamp with time zone', 'bigint', 'bigint', 'interval']);
SELECT has_function('usage_value', 'burst_episodes', ARRAY['timestamp with time zone', 'bigint', 'bigint', 'interval']);
SELECT has_function('usage_value', 'burst_inflation', ARRAY['timestamp with time zone', 'bigint', 'bigint', 'double precision', 'interval']);
SELECT has_function('usage_value', 'burst_episodes', ARRAY['timestamp with time zone', 'bigint', 'bigint', 'double precision', 'interval', 'double precision', 'interval', 'interval']);
SELECT has_function('usage_value', 'burst_score', ARRAY['bigint']);
SELECT has_function('usage_value', 'fair_score', ARRAY['bigint', 'double precision', 'double precision']);
SELECT has_function('usage_value', 'fair_rank', ARRAY['bigint', 'double precision', 'double precision']);
SELECT has_function('usage_value', 'fair_score', ARRAY['double precision', 'double precision', 'double precision', 'double precision']);
SELECT has_function('usage_value', 'fair_score', ARRAY['double precision', 'double precision', 'double precision', 'double precision', 'double precision', 'double precision']);
SELECT has_function('usage_value', 'fair_rank', ARRAY['double precision', 'double precision', 'double precision', 'double precision']);
SELECT has_function('usage_value', 'fair_rank', ARRAY['double precision', 'double precision', 'double precision', 'double precision', 'double precision', 'double precision']);
SELECT has_function('usage_value', 'fair_rank_lower', ARRAY['double precision', 'double precision', 'double precision', 'double precision', 'double precision']);
SELECT has_function('usage_value', 'fair_rank_upper', ARRAY['double precision', 'double precision', 'double precision', 'double precision', 'double precision']);
SELECT has_function('usage_value', 'fair_detail', ARRAY['double precision', 'double precision', 'double precision', 'double precision', 'double precision']);
SELECT is((SELECT array_agg(attname::text ORDER BY attnum) FROM pg_attribute
           WHERE attrelid = (SELECT typrelid FROM pg_type WHERE oid = 'usage_value.fair_detail'::regtype) AND attnum > 0),
          ARRAY['score', 'rank', 'rank_lower', 'rank_upper', 'posterior_mean', 'rate_lower', 'rate_upper', 'shrinkage',
                'prior_alpha', 'prior_beta', 'prior_mean', 'prior_method', 'effective_count', 'dispersion'],
          'fair_detail keeps its 0.2.0 attributes in place and appends effective_count, dispersion');
SELECT is((SELECT count(*) FROM pg_proc WHERE pronamespace = 'usage_value'::regnamespace
           AND proname IN ('fair_score', 'fair_rank', 'fair_rank_lower', 'fair_rank_upper', 'fair_detail') AND prokind <> 'w'),
          0::bigint, 'the fair_* functions are window functions');
SELECT function_returns('usage_value', 'usage_agg', ARRAY['bigint', 'bigint'], 'usage_summary');
SELECT function_returns('usage_value', 'tokens_per_merged_change', ARRAY['bigint', 'bigint'], 'double precision');
SELECT is_aggregate('usage_value', 'usage_agg', ARRAY['bigint', 'bigint']);
SELECT is_aggregate('usage_value', 'usage_agg', ARRAY['bigint', 'bigint', 'double precision']);
SELECT function_returns('usage_value', 'usage_agg', ARRAY['bigint', 'bigint', 'double precision'], 'usage_summary');
SELECT is_aggregate('usage_value', 'usage_agg', ARRAY['bigint', 'bigint', 'double precision', 'double precision']);
SELECT function_returns('usage_value', 'usage_agg', ARRAY['bigint', 'bigint', 'double precision', 'double precision'], 'usage_summary');
SELECT is_aggregate('usage_value', 'rollup', ARRAY['usage_summary']);

-- The state of usage_agg is usage_summary itself (not internal), with a combine function; only
-- the unweighted form has a moving-window inverse (float8 weights have no exact one, and the
-- costed form is weighted too).
SELECT results_eq(
    $$SELECT a.aggtranstype::regtype::text, a.aggcombinefn <> 0, a.aggminvtransfn <> 0
      FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid JOIN pg_namespace n ON n.oid = p.pronamespace
      WHERE n.nspname = 'usage_value' AND p.proname = 'usage_agg' ORDER BY p.pronargs$$,
    $$VALUES ('usage_summary'::text, true, true), ('usage_summary'::text, true, false), ('usage_summary'::text, true, false)$$,
    'the three usage_agg forms keep usage_summary as their state and have a combine function; the weighted and costed ones no inverse');
-- burst_score alone has no combine function: its score is defined against the current row of an
-- ordered window frame, which a partial aggregate does not have.
SELECT is((SELECT array_agg(p.proname::text ORDER BY p.proname) FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
           WHERE p.pronamespace = 'usage_value'::regnamespace AND a.aggcombinefn = 0),
          ARRAY['burst_score'], 'every aggregate but the window-only burst_score has a combine function');
SELECT is((SELECT count(*) FROM pg_aggregate a JOIN pg_proc p ON p.oid = a.aggfnoid
           WHERE p.pronamespace = 'usage_value'::regnamespace AND p.proparallel <> 's'),
          0::bigint, 'every aggregate is PARALLEL SAFE');
-- Volatility and parallel safety as intended: the computations are IMMUTABLE and PARALLEL SAFE;
-- the binding functions and the source presets create or refresh objects (VOLATILE, PARALLEL UNSAFE), as does the
-- procedure scheduled_refresh (procedures are never parallel safe); _check_column reads the
-- catalog, model_price and event_cost_usd read model_prices (STABLE).
SELECT is((SELECT array_agg(proname::text ORDER BY proname) FROM pg_proc
           WHERE pronamespace = 'usage_value'::regnamespace AND proparallel <> 's'),
          ARRAY['audit_person_reads', 'create_combined_usage_view', 'create_leaderboard', 'create_source_view', 'drop_leaderboard', 'refresh_leaderboard', 'scheduled_refresh'],
          'every function is PARALLEL SAFE except the seven that create, refresh, drop or grant on objects');
SELECT is((SELECT array_agg(proname::text || ':' || provolatile::text ORDER BY proname) FROM pg_proc
           WHERE pronamespace = 'usage_value'::regnamespace AND provolatile <> 'i' AND prokind <> 'a'),
          ARRAY['_check_column:s', 'audit_person_reads:v', 'create_combined_usage_view:v', 'create_leaderboard:v', 'create_source_view:v', 'drop_leaderboard:v',
                'event_cost_usd:s', 'model_price:s', 'refresh_leaderboard:v', 'scheduled_refresh:v'],
          'every computation is IMMUTABLE; catalog and price readers STABLE; object makers VOLATILE');
SELECT is((SELECT count(*) FROM pg_proc WHERE pronamespace = 'usage_value'::regnamespace AND prosecdef),
          0::bigint, 'no SECURITY DEFINER function');
SELECT is((SELECT array_agg(proname ORDER BY proname) FROM pg_proc
           WHERE pronamespace = 'usage_value'::regnamespace AND obj_description(oid, 'pg_proc') IS NULL),
          NULL::name[], 'every function and aggregate has a COMMENT');
SELECT isnt(obj_description('usage_value.usage_summary'::regtype, 'pg_type'), NULL, 'usage_summary has a COMMENT');
-- Functions returning internal must take internal (else any user could call them).
SELECT is((SELECT count(*) FROM pg_proc WHERE pronamespace = 'usage_value'::regnamespace
           AND prorettype = 'internal'::regtype AND NOT 'internal'::regtype = ANY (proargtypes)),
          0::bigint, 'no function returns internal without an internal argument');
-- Script hygiene (CVE-2022-2625): the installed scripts create nothing "OR REPLACE" or
-- "IF NOT EXISTS" (which could adopt an attacker's object) and nothing SECURITY DEFINER. (A
-- plpgsql "IF NOT EXISTS (SELECT ...)" condition is not a CREATE and is allowed.)
SELECT is((SELECT array_agg(f ORDER BY f) FROM (
              SELECT f FROM pg_ls_dir((SELECT setting FROM pg_config WHERE name = 'SHAREDIR') || '/extension') f
              WHERE f LIKE 'usage\_value--%.sql'
                AND pg_read_file((SELECT setting FROM pg_config WHERE name = 'SHAREDIR') || '/extension/' || f)
                    ~* '(create\s+or\s+replace|(table|index|schema|function|type|view|sequence|extension)\s+if\s+not\s+exists|security\s+definer)') x),
          NULL::text[], 'no installed script uses OR REPLACE, IF NOT EXISTS or SECURITY DEFINER');
SELECT cmp_ok((SELECT count(*) FROM pg_ls_dir((SELECT setting FROM pg_config WHERE name = 'SHAREDIR') || '/extension') f
               WHERE f LIKE 'usage\_value--%.sql'), '>=', 3::bigint, 'the scripts checked include every version and upgrade');
SELECT is((SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'usage_value'),
          'usage_value', 'the extension lives in schema usage_value');

SELECT * FROM finish();
ROLLBACK;
