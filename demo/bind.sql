-- Binds the leaderboard objects to the demo's tables, as a company would to its own: the usage
-- events (three sources, convention per row in column "source"), DevLake-shaped pull requests,
-- and a team table. Hourly buckets, monthly periods, teams of at least 5, nightly refresh.
SELECT usage_value.drop_leaderboard('eng', 'demo')
WHERE EXISTS (SELECT 1 FROM usage_value.leaderboards WHERE target_schema = 'demo' AND name = 'eng');

SELECT * FROM usage_value.create_leaderboard(
    name => 'eng', target_schema => 'demo',
    usage_table => 'demo.usage_events', developer_column => 'developer_id', time_column => 'event_time',
    input_tokens_column => 'input_tokens', output_tokens_column => 'output_tokens',
    cache_read_column => 'cache_read_tokens', cache_creation_column => 'cache_creation_tokens',
    convention_column => 'source',
    changes_table => 'demo.pull_requests', author_column => 'author_id', merged_at_column => 'merged_date',
    team_table => 'demo.developers', team_member_column => 'developer_id', team_column => 'team',
    bucket_width => '1 hour', period => 'month', min_group_size => 5,
    refresh_schedule => '17 3 * * *');
