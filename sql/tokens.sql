-- billable_tokens: one normalisation of token counts across telemetry sources.
SET search_path = usage_value, public;

-- The same request reported by a cache_separate source (Claude Code) and a cache_included
-- source (OpenAI / OTel GenAI) counts the same.
SELECT billable_tokens(1200, 300, 50000, 2000, 'claude_code') AS claude_code,
       billable_tokens(53200, 300, 50000, 2000, 'otel_genai') AS otel_genai,
       billable_tokens(1200, 300, 50000, 2000, 'cache_separate') AS separate,
       billable_tokens(53200, 300, 50000, 2000, 'cache_included') AS included;
-- Copilot exports have no cache columns: NULL counts are zero.
SELECT billable_tokens(4000, 900, NULL, NULL, 'copilot') AS copilot;
SELECT billable_tokens(NULL, NULL, NULL, NULL, 'copilot') IS NULL AS all_null;
-- Summed naively, a cache_included source double-counts its cache.
SELECT sum(i + o + cr + cw) AS naive, sum(billable_tokens(i, o, cr, cw, 'openai')) AS normalised
FROM (VALUES (51200::bigint, 300::bigint, 50000::bigint, 0::bigint), (1000, 200, 0, 0)) v(i, o, cr, cw);
