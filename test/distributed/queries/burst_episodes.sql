-- Per developer: the episodes behind the score, as text.
SELECT developer_id,
       usage_value.burst_episodes(bucket, tokens, merged_changes)::text AS episodes
FROM :"tab"
GROUP BY developer_id
ORDER BY developer_id;
