-- test/sources/copilot.sql — the GitHub Copilot usage metrics per-user-day report, landed in
-- PostgreSQL one row per record.
--
-- Schema: GitHub Docs, "Data available in Copilot usage metrics"
-- (https://docs.github.com/en/copilot/reference/copilot-usage-metrics/copilot-usage-metrics) and
-- "Example schema for Copilot usage metrics" (.../copilot-usage-metrics/example-schema), read in
-- github/docs content/copilot/reference/copilot-usage-metrics/{copilot-usage-metrics,example-schema}.md.
-- The user-level report (NDJSON, one record per user and day, from the usage metrics REST API's
-- download links) has top-level fields day ("2025-10-01", a JSON string), enterprise_id (a
-- string), user_id (a number), user_login, user_initiated_interaction_count,
-- code_generation_activity_count, code_acceptance_activity_count, loc_suggested_to_add_sum,
-- loc_suggested_to_delete_sum, loc_added_sum, loc_deleted_sum, used_agent, used_chat, used_cli,
-- and nested breakdowns totals_by_ide, totals_by_feature, totals_by_language_feature,
-- totals_by_language_model, totals_by_model_feature and totals_by_cli.
--
-- Tokens: the report has NO token counts for IDE use (code completion, chat, agent mode). The only
-- token fields are totals_by_cli.token_usage.prompt_tokens_sum, .output_tokens_sum and
-- .avg_tokens_per_request (= (output + prompt) / totals_by_cli.request_count), for Copilot CLI use,
-- and totals_by_cli is omitted on days without CLI use. (Newer versions of the example add
-- ai_credits_used and totals_by_copilot_app.token_usage with the same three fields; not modelled.)
-- Whether prompt_tokens_sum includes cached prompt tokens is not documented; the demo's
-- convention for Copilot is cache_included with no cache columns.
--
-- Landing: top-level scalars as columns under their JSON names (day kept as text, as jq/COPY or a
-- JSON-to-table loader leaves a JSON string), nested objects and arrays as jsonb with JSON numbers
-- as numbers. One row per (day, user_id): a loader that re-downloads the rolling 28-day report
-- every day must upsert, or every day appears up to 28 times.
--
-- Simplified: organization_id (API only, organization-scoped reports), etl_id, day_partition and
-- entity_id_partition (present in the example, not in the field reference) and
-- used_copilot_code_review_active/_passive are left out.

DROP SCHEMA IF EXISTS src_copilot CASCADE;
CREATE SCHEMA src_copilot;
COMMENT ON SCHEMA src_copilot IS
    'test fixture: GitHub Copilot usage metrics per-user-day report (test/sources)';

CREATE TABLE src_copilot.user_day_usage (
    day text NOT NULL,                                  -- 'YYYY-MM-DD'
    enterprise_id text NOT NULL,
    user_id bigint NOT NULL,                            -- GitHub user id
    user_login text NOT NULL,                           -- GitHub login
    user_initiated_interaction_count integer NOT NULL,
    code_generation_activity_count integer NOT NULL,
    code_acceptance_activity_count integer NOT NULL,
    loc_suggested_to_add_sum integer NOT NULL,
    loc_suggested_to_delete_sum integer NOT NULL,
    loc_added_sum integer NOT NULL,
    loc_deleted_sum integer NOT NULL,
    used_agent boolean NOT NULL,
    used_chat boolean NOT NULL,
    used_cli boolean NOT NULL,
    totals_by_ide jsonb NOT NULL,                       -- [{ide, ..., counts}]
    totals_by_feature jsonb NOT NULL,                   -- [{feature, counts}]
    totals_by_language_feature jsonb NOT NULL,
    totals_by_language_model jsonb NOT NULL,
    totals_by_model_feature jsonb NOT NULL,
    totals_by_cli jsonb,                                -- NULL without CLI use that day; token_usage inside
    PRIMARY KEY (day, user_id)
);
