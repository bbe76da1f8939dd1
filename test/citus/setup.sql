-- The coordinator, after CREATE EXTENSION usage_value and demo/generate.sql (schema demo).
-- Two copies of the same demo rows:
--   plain.*  ordinary tables on the coordinator: the single-server reference, never distributed;
--   demo.*   the demo's own tables, distributed by developer as a company would on Citus: the
--            usage events and the pull requests hash-distributed by developer (colocated), the
--            developers (the team table) a reference table (a copy on every node), the review
--            comments and the role mapping (issue 17) reference tables too.
-- Citus needs every unique key of a distributed table to hold its distribution column, and no
-- foreign key from a reference table to a distributed one: the demo's keys on ids go first.

CREATE SCHEMA plain;
CREATE TABLE plain.developers AS SELECT * FROM demo.developers;
CREATE TABLE plain.usage_events AS SELECT * FROM demo.usage_events;
CREATE TABLE plain.pull_requests AS SELECT * FROM demo.pull_requests;
CREATE TABLE plain.pull_request_comments AS SELECT * FROM demo.pull_request_comments;
CREATE TABLE plain.developer_roles AS SELECT * FROM demo.developer_roles;
ALTER TABLE plain.developers ADD PRIMARY KEY (developer_id);
CREATE INDEX ON plain.usage_events (developer_id, event_time);
CREATE INDEX ON plain.pull_requests (author_id, merged_date);

ALTER TABLE demo.pull_request_comments DROP CONSTRAINT pull_request_comments_pull_request_id_fkey;
ALTER TABLE demo.pull_requests DROP CONSTRAINT pull_requests_reverted_pr_id_fkey;
ALTER TABLE demo.pull_requests DROP CONSTRAINT pull_requests_pkey;
ALTER TABLE demo.usage_events DROP CONSTRAINT usage_events_pkey;
ALTER TABLE demo.developer_roles DROP CONSTRAINT developer_roles_developer_id_fkey;
SELECT create_reference_table('demo.developers');
SELECT create_distributed_table('demo.usage_events', 'developer_id');
SELECT create_distributed_table('demo.pull_requests', 'author_id', colocate_with => 'demo.usage_events');
SELECT create_reference_table('demo.pull_request_comments');
SELECT create_reference_table('demo.developer_roles');
ANALYZE;
