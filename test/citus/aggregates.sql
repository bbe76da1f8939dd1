-- The coordinator, after setup.sql: one row per developer and UTC hour with usage or a merge, once
-- in a plain table on the coordinator (plain_hourly: the single-server reference) and once
-- distributed by developer (dist_hourly); the same for stored per developer-day summaries and
-- series (plain_days, dist_days). Built from plain.* so that both copies hold the same rows.
CREATE TABLE plain_hourly AS
WITH tok AS (
    SELECT developer_id, date_trunc('hour', event_time, 'UTC') AS bucket,
           sum(usage_value.billable_tokens(input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens, source))::bigint AS tokens
    FROM plain.usage_events GROUP BY 1, 2),
mrg AS (
    SELECT author_id AS developer_id, date_trunc('hour', merged_date, 'UTC') AS bucket, count(*)::bigint AS merged_changes,
           sum(least(10, (additions + deletions) / 100.0) * CASE WHEN reviewed THEN 1 ELSE 0.5 END)::float8 AS value
    FROM plain.pull_requests WHERE status = 'MERGED' AND merged_date IS NOT NULL AND NOT is_bot GROUP BY 1, 2)
SELECT developer_id, d.team, bucket, coalesce(t.tokens, 0)::bigint AS tokens,
       coalesce(m.merged_changes, 0)::bigint AS merged_changes, coalesce(m.value, 0)::float8 AS value
FROM tok t FULL JOIN mrg m USING (developer_id, bucket) JOIN plain.developers d USING (developer_id);
ALTER TABLE plain_hourly ADD PRIMARY KEY (developer_id, bucket);
CREATE TABLE dist_hourly (LIKE plain_hourly INCLUDING ALL);
SELECT create_distributed_table('dist_hourly', 'developer_id', colocate_with => 'demo.usage_events');
INSERT INTO dist_hourly SELECT * FROM plain_hourly;

CREATE TABLE plain_days AS
SELECT developer_id, team, (bucket AT TIME ZONE 'UTC')::date AS day,
       usage_value.usage_agg(tokens, merged_changes, value ORDER BY bucket) AS summary,
       usage_value.burst_series(bucket, tokens, merged_changes, value, '1 hour') AS series
FROM plain_hourly GROUP BY 1, 2, 3;
ALTER TABLE plain_days ADD PRIMARY KEY (developer_id, day);
CREATE TABLE dist_days (LIKE plain_days INCLUDING ALL);
SELECT create_distributed_table('dist_days', 'developer_id', colocate_with => 'demo.usage_events');
INSERT INTO dist_days SELECT * FROM plain_days;
ANALYZE plain_hourly, dist_hourly, plain_days, dist_days;
