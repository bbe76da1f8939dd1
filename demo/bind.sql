-- Binds the leaderboard objects to the demo's tables, as a company would to its own: the usage
-- events (three sources, convention per row in column "source"), DevLake-shaped pull requests
-- (sizes, reverts, bot changes, review flags) and review comments, a team table and which role is
-- which developer (each person's own rows in eng_my_board and eng_my_episodes). Hourly
-- buckets, monthly periods; dollars beside tokens (model and cost_usd columns). psql variables
-- (all optional):
--   schema            where the objects go (default demo)
--   min_group_size    teams below it are suppressed (default 5)
--   refresh_schedule  a pg_cron schedule (default '17 3 * * *'; empty: no schedule, no pg_cron needed)
\if :{?schema}
\else
\set schema demo
\endif
\if :{?min_group_size}
\else
\set min_group_size 5
\endif
\if :{?refresh_schedule}
\else
\set refresh_schedule '17 3 * * *'
\endif

SELECT usage_value.drop_leaderboard('eng', :'schema')
WHERE EXISTS (SELECT 1 FROM usage_value.leaderboards WHERE target_schema = :'schema' AND name = 'eng');

SELECT * FROM usage_value.create_leaderboard(
    name => 'eng', target_schema => :'schema',
    usage_table => 'demo.usage_events', developer_column => 'developer_id', time_column => 'event_time',
    input_tokens_column => 'input_tokens', output_tokens_column => 'output_tokens',
    cache_read_column => 'cache_read_tokens', cache_creation_column => 'cache_creation_tokens',
    convention_column => 'source',
    changes_table => 'demo.pull_requests', author_column => 'author_id', merged_at_column => 'merged_date',
    change_id_column => 'id', additions_column => 'additions', deletions_column => 'deletions',
    reverts_column => 'reverted_pr_id', bot_column => 'is_bot', reviewed_column => 'reviewed',
    reviews_table => 'demo.pull_request_comments', reviewer_column => 'account_id',
    review_change_column => 'pull_request_id',
    team_table => 'demo.developers', team_member_column => 'developer_id', team_column => 'team',
    role_table => 'demo.developer_roles', role_column => 'role_name', role_developer_column => 'developer_id',
    bucket_width => '1 hour', period => 'month', min_group_size => :min_group_size,
    refresh_schedule => nullif(:'refresh_schedule', ''),
    -- dollars: Claude Code reports what each call cost (it wins); the rest is priced from
    -- usage_value.model_prices (demo/generate.sql loads the README's example prices)
    model_column => 'model', cost_column => 'cost_usd');
