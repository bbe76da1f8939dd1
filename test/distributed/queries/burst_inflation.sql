-- Per developer: the burst-inflation score (daily buckets; default parameters, and significance 0.05
-- with a 2-day horizon and 28-day baseline).
SELECT developer_id,
       usage_value.burst_inflation(bucket, tokens, merged_changes) AS inflation,
       usage_value.burst_inflation(bucket, tokens, merged_changes, '1 day', 0.05, '2 days', '28 days') AS inflation_loose
FROM :"tab"
GROUP BY developer_id
ORDER BY developer_id;
