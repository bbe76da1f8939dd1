-- Stored daily summaries rolled up per developer and per team. psql variable tab: the summary table.
SELECT 'developer' AS level, developer_id AS key, usage_value.rollup(summary)::text AS summary
FROM :"tab" GROUP BY developer_id
UNION ALL
SELECT 'team', team, usage_value.rollup(summary)::text
FROM :"tab" GROUP BY team
ORDER BY 1, 2;
