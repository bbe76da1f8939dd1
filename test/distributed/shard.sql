-- A shard: the extension (so that shipped aggregates run here) and the table that holds this
-- shard's developers. Same columns as the coordinator's per-developer-day series.
CREATE EXTENSION usage_value;
CREATE TABLE public.daily (
    developer_id   text        NOT NULL,
    team           text        NOT NULL,
    day            date        NOT NULL,
    bucket         timestamptz NOT NULL,
    tokens         bigint      NOT NULL,
    merged_changes bigint      NOT NULL,
    PRIMARY KEY (developer_id, day)
);

-- Stored summaries, sharded the same way: one usage_summary per developer and day.
CREATE TABLE public.daily_summary (
    developer_id text NOT NULL,
    team         text NOT NULL,
    day          date NOT NULL,
    summary      usage_value.usage_summary NOT NULL,
    PRIMARY KEY (developer_id, day)
);
