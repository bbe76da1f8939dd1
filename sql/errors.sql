-- Every bad input gets a clear error with a real SQLSTATE, never XX000 and never a crash.
SET search_path = usage_value, public;
\set VERBOSITY sqlstate
\set ON_ERROR_STOP 0

-- Negative counts, named.
\set VERBOSITY default
SELECT usage_agg(t, m) FROM (VALUES (10::bigint, 1::bigint), (-5, 0)) v(t, m);
SELECT usage_agg(t, m) FROM (VALUES (10::bigint, -1::bigint)) v(t, m);
SELECT tokens_per_merged_change(t, m) FROM (VALUES (-10::bigint, 1::bigint)) v(t, m);
-- Sums that would overflow bigint.
SELECT usage_agg(t, m) FROM (VALUES (9223372036854775807::bigint, 0::bigint), (1, 0)) v(t, m);
SELECT usage_agg(t, m) FROM (VALUES (0::bigint, 9223372036854775807::bigint), (0, 1)) v(t, m);
SELECT rollup(s) FROM (VALUES ('(version:1,rows:1,tokens:9223372036854775807,merged_changes:0)'::usage_summary),
                              ('(version:1,rows:1,tokens:1,merged_changes:0)')) v(s);
-- Confidence outside (0, 1).
SELECT tokens_per_merged_change_lower('(version:1,rows:1,tokens:5,merged_changes:1)', 0);
SELECT tokens_per_merged_change_upper('(version:1,rows:1,tokens:5,merged_changes:1)', 1);
SELECT tokens_per_merged_change_upper('(version:1,rows:1,tokens:5,merged_changes:1)', 'NaN');
SELECT tokens_per_merged_change_lower('(version:1,rows:1,tokens:5,merged_changes:1)', -0.5);
-- NULL confidence gives NULL (the accessors are STRICT).
SELECT tokens_per_merged_change_lower('(version:1,rows:1,tokens:5,merged_changes:1)', NULL) IS NULL AS null_confidence;
-- Malformed text input.
SELECT ''::usage_summary;
SELECT '(version:1,tokens:5)'::usage_summary;
SELECT '(version:7,tokens:5,merged_changes:1)'::usage_summary;
SELECT '(version:1,tokens:-5,merged_changes:1)'::usage_summary;
SELECT '(version:1,rows:1,tokens:99999999999999999999,merged_changes:1)'::usage_summary;
SELECT '(version:1,rows:1,tokens:5,merged_changes:1);DROP TABLE x'::usage_summary;
-- The inverse transition called directly with a row the summary does not hold (found by sqlsmith).
SELECT usage_agg_inverse(NULL, 1, 1);
SELECT usage_agg_inverse(usage_agg_transfn(NULL, 10, 1), 20, 0);
SELECT usage_agg_inverse(usage_agg_transfn(NULL, 10, 1), 10, 5);
SELECT usage_agg_inverse(usage_agg_transfn(NULL, 10, 1), 10, 1) AS removes_what_it_holds;
-- Token accounting.
SELECT billable_tokens(100, 10, 200, 0, 'openai');
SELECT billable_tokens(100, 10, 0, 0, 'tokens_as_I_like_them');
SELECT billable_tokens(100, 10, 0, 0, NULL);
SELECT billable_tokens(-1, 10, 0, 0, 'anthropic');
SELECT billable_tokens(9223372036854775807, 10, 0, 0, 'anthropic');
-- The same errors carry these SQLSTATEs.
\set VERBOSITY sqlstate
SELECT usage_agg(t, m) FROM (VALUES (-5::bigint, 0::bigint)) v(t, m);
SELECT usage_agg(t, m) FROM (VALUES (9223372036854775807::bigint, 0::bigint), (1, 0)) v(t, m);
SELECT tokens_per_merged_change_lower('(version:1,rows:1,tokens:5,merged_changes:1)', 2);
SELECT 'garbage'::usage_summary;
SELECT billable_tokens(1, 1, 1, 1, 'nope');
SELECT usage_agg_inverse(NULL, 1, 1);
\set VERBOSITY default
-- The backend survived all of it.
SELECT 'still alive' AS status;
