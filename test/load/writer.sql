-- New telemetry arriving: one model call and one merged pull request for a random developer, in
-- the last week of the demo's span (so the boards' existing months change). Ids come from the
-- sequences scripts/load creates above the demo's largest ids.
\set d random(1, :ndev)
\set s random(3600, 604799)
\set tok random(1000, 200000)
BEGIN;
INSERT INTO demo.usage_events (event_id, event_time, developer_id, session_id, source, model, tool,
                               input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens, cost_usd)
VALUES (nextval('load_event_id'), timestamptz '2025-04-24 00:00:00+00' + make_interval(secs => :s),
        'dev' || lpad(:d::text, greatest(4, length(:ndev::text)), '0'), 'load-session', 'claude_code', 'load-model', 'load',
        :tok, :tok / 10, 0, 0, 0);
INSERT INTO demo.pull_requests (id, author_id, created_date, merged_date, status, additions, deletions,
                                is_draft, merge_commit_sha)
VALUES ('load-' || nextval('load_pr_id'), 'dev' || lpad(:d::text, greatest(4, length(:ndev::text)), '0'),
        timestamptz '2025-04-24 00:00:00+00' + make_interval(secs => :s - 3600),
        timestamptz '2025-04-24 00:00:00+00' + make_interval(secs => :s),
        'MERGED', 10, 2, false, NULL);
END;
