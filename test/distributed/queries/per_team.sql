-- Per team: rollup over per-developer summaries (two-step), and usage_agg grouped by team directly
-- (team is not the partition key: partial aggregation per partition, finalised on the coordinator).
SELECT r.team, r.developers, r.summary, d.summary AS direct,
       usage_value.tokens_per_merged_change(r.s) AS tpm,
       usage_value.tokens_per_merged_change_lower(r.s) AS lower95,
       usage_value.tokens_per_merged_change_upper(r.s) AS upper95
FROM (SELECT team, count(*) AS developers, usage_value.rollup(s) AS s, usage_value.rollup(s)::text AS summary
      FROM (SELECT developer_id, team, usage_value.usage_agg(tokens, merged_changes) AS s
            FROM :"tab" GROUP BY developer_id, team) per_dev
      GROUP BY team) r
JOIN (SELECT team, usage_value.usage_agg(tokens, merged_changes)::text AS summary
      FROM :"tab" GROUP BY team) d USING (team)
ORDER BY r.team;
