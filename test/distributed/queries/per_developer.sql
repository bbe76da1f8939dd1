-- Per developer: the summary (text), tokens per merged change (accessor and aggregate) and the
-- Garwood bounds at 95% and 80%. psql variable tab: the table to read.
SELECT developer_id,
       s::text AS summary,
       usage_value.tokens(s), usage_value.merged_changes(s), usage_value.row_count(s),
       usage_value.tokens_per_merged_change(s) AS tpm,
       tpm_agg,
       usage_value.tokens_per_merged_change_lower(s) AS lower95,
       usage_value.tokens_per_merged_change_upper(s) AS upper95,
       usage_value.tokens_per_merged_change_lower(s, 0.8) AS lower80,
       usage_value.tokens_per_merged_change_upper(s, 0.8) AS upper80
FROM (SELECT developer_id,
             usage_value.usage_agg(tokens, merged_changes) AS s,
             usage_value.tokens_per_merged_change(tokens, merged_changes) AS tpm_agg
      FROM :"tab" GROUP BY developer_id) d
ORDER BY developer_id;
