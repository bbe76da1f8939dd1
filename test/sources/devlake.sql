-- test/sources/devlake.sql — Apache DevLake's domain layer (the tables its GitHub and GitLab
-- plugins fill and its team/user import writes), as DevLake creates them on PostgreSQL.
--
-- Schema: apache/incubator-devlake, backend/core/models/domainlayer/
--   code/pull_request.go            pull_requests
--   code/pull_request_comment.go    pull_request_comments (type NORMAL / DIFF / REVIEW)
--   crossdomain/account.go          accounts        (one row per account on one platform)
--   crossdomain/user.go             users           (the person; from the team/user CSV import)
--   crossdomain/user_account.go     user_accounts   (account_id -> user_id; account_id is the key)
--   crossdomain/team.go             teams
--   crossdomain/team_user.go        team_users      (team_id, user_id: many-to-many)
--   domainlayer.go, common/base.go  id varchar(255) "<Plugin>:<Entity>:<connection>:<pk>",
--                                   created_at, updated_at, _raw_data_params, _raw_data_table,
--                                   _raw_data_id, _raw_data_remark on every table
-- Column types are gorm's PostgreSQL mapping of those structs: untyped string -> text, int ->
-- bigint, bool -> boolean, time.Time -> timestamptz, explicit gorm "type:" tags as written.
--
-- What a binding meets here: pull_requests.author_id is an ACCOUNT id
-- ('github:GithubAccount:1:10001', 'gitlab:GitlabAccount:1:20003'), never the person; a person
-- reaches their accounts only through user_accounts -> users; accounts.email is often empty for
-- GitHub accounts (a private e-mail); a bot is just an account ('dependabot[bot]') that no
-- user_accounts row maps; status is 'MERGED' / 'CLOSED' / 'OPEN' (original_status keeps the
-- platform's word); a revert is visible only in its title and description (no column links
-- it); an approval is a pull_request_comments row of type 'REVIEW' whose account may be the
-- reviewer's account on another platform than the person's main one.
--
-- Simplified: gorm's secondary indexes are left out; _raw_data_id is bigint (gorm maps the Go
-- uint64); every table is created, none of DevLake's other domain tables (repos, commits, ...).

DROP SCHEMA IF EXISTS src_devlake CASCADE;
CREATE SCHEMA src_devlake;
COMMENT ON SCHEMA src_devlake IS 'test fixture: Apache DevLake domain layer tables (test/sources)';

CREATE TABLE src_devlake.pull_requests (
    id varchar(255) PRIMARY KEY,                 -- 'github:GithubPullRequest:1:1000123'
    created_at timestamptz,
    updated_at timestamptz,
    _raw_data_params varchar(255),
    _raw_data_table varchar(255),
    _raw_data_id bigint,
    _raw_data_remark text,
    base_repo_id text,
    head_repo_id text,
    status varchar(100),                         -- OPEN / CLOSED / MERGED
    original_status varchar(100),                -- the platform's own state
    title text,
    description text,
    url varchar(255),
    author_name varchar(100),
    author_id varchar(100),                      -- an account id, not a person
    merged_by_name varchar(100),
    merged_by_id varchar(100),
    parent_pr_id varchar(100),
    pull_request_key bigint,
    created_date timestamptz,
    merged_date timestamptz,
    closed_date timestamptz,
    type varchar(100),
    component text,
    merge_commit_sha varchar(40),
    head_ref varchar(255),
    base_ref varchar(255),
    base_commit_sha varchar(40),
    head_commit_sha varchar(40),
    additions bigint,
    deletions bigint,
    is_draft boolean
);

CREATE TABLE src_devlake.pull_request_comments (
    id varchar(255) PRIMARY KEY,
    created_at timestamptz,
    updated_at timestamptz,
    _raw_data_params varchar(255),
    _raw_data_table varchar(255),
    _raw_data_id bigint,
    _raw_data_remark text,
    pull_request_id text,
    body text,
    account_id varchar(255),                     -- an account id, not a person
    created_date timestamptz,
    commit_sha varchar(255),
    position bigint,
    type varchar(255),                           -- NORMAL / DIFF / REVIEW
    review_id varchar(255),
    status varchar(255)                          -- for reviews: APPROVED, ...
);

CREATE TABLE src_devlake.accounts (
    id varchar(255) PRIMARY KEY,                 -- 'github:GithubAccount:1:10001'
    created_at timestamptz,
    updated_at timestamptz,
    _raw_data_params varchar(255),
    _raw_data_table varchar(255),
    _raw_data_id bigint,
    _raw_data_remark text,
    email varchar(255),
    full_name varchar(255),
    user_name varchar(255),
    avatar_url varchar(255),
    organization varchar(255),
    created_date timestamptz,
    status bigint
);

CREATE TABLE src_devlake.users (
    id varchar(255) PRIMARY KEY,
    created_at timestamptz,
    updated_at timestamptz,
    _raw_data_params varchar(255),
    _raw_data_table varchar(255),
    _raw_data_id bigint,
    _raw_data_remark text,
    email varchar(255),
    name varchar(255)
);

CREATE TABLE src_devlake.user_accounts (
    user_id varchar(255),
    account_id varchar(255) PRIMARY KEY,
    created_at timestamptz,
    updated_at timestamptz,
    _raw_data_params varchar(255),
    _raw_data_table varchar(255),
    _raw_data_id bigint,
    _raw_data_remark text
);

CREATE TABLE src_devlake.teams (
    id varchar(255) PRIMARY KEY,
    created_at timestamptz,
    updated_at timestamptz,
    _raw_data_params varchar(255),
    _raw_data_table varchar(255),
    _raw_data_id bigint,
    _raw_data_remark text,
    name varchar(255),
    alias varchar(255),
    parent_id varchar(255),
    sorting_index bigint
);

CREATE TABLE src_devlake.team_users (
    team_id varchar(255),
    user_id varchar(255),
    created_at timestamptz,
    updated_at timestamptz,
    _raw_data_params varchar(255),
    _raw_data_table varchar(255),
    _raw_data_id bigint,
    _raw_data_remark text,
    PRIMARY KEY (team_id, user_id)
);
