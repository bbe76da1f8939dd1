-- The coordinator, after CREATE EXTENSION usage_value and demo/generate.sql.
-- psql variables: sock (the socket directory of the shards), port1, port2 (their ports).

-- The per-developer-day series, once locally (the single-server reference) ...
CREATE TABLE local_daily AS
SELECT developer_id, team, day,
       (day::timestamp AT TIME ZONE 'UTC') AS bucket,
       tokens, merged_changes
FROM demo.usage_daily;
ALTER TABLE local_daily ADD PRIMARY KEY (developer_id, day);

-- ... and once sharded by developer over two servers, as postgres_fdw foreign partitions.
-- extensions 'usage_value' lets postgres_fdw ship the extension's functions, aggregates and types.
CREATE EXTENSION postgres_fdw;
CREATE SERVER shard1 FOREIGN DATA WRAPPER postgres_fdw
    OPTIONS (host :'sock', port :'port1', dbname 'uv', extensions 'usage_value', fetch_size '10000');
CREATE SERVER shard2 FOREIGN DATA WRAPPER postgres_fdw
    OPTIONS (host :'sock', port :'port2', dbname 'uv', extensions 'usage_value', fetch_size '10000');
CREATE USER MAPPING FOR postgres SERVER shard1 OPTIONS (user 'postgres');
CREATE USER MAPPING FOR postgres SERVER shard2 OPTIONS (user 'postgres');

CREATE TABLE sharded_daily (
    developer_id   text        NOT NULL,
    team           text        NOT NULL,
    day            date        NOT NULL,
    bucket         timestamptz NOT NULL,
    tokens         bigint      NOT NULL,
    merged_changes bigint      NOT NULL
) PARTITION BY HASH (developer_id);
CREATE FOREIGN TABLE sharded_daily_1 PARTITION OF sharded_daily
    FOR VALUES WITH (MODULUS 2, REMAINDER 0) SERVER shard1 OPTIONS (schema_name 'public', table_name 'daily');
CREATE FOREIGN TABLE sharded_daily_2 PARTITION OF sharded_daily
    FOR VALUES WITH (MODULUS 2, REMAINDER 1) SERVER shard2 OPTIONS (schema_name 'public', table_name 'daily');

-- Tuple routing: each row goes to the shard its developer hashes to.
INSERT INTO sharded_daily SELECT developer_id, team, day, bucket, tokens, merged_changes FROM local_daily;

-- Stored summaries per developer and day (the materialized-view pattern), local and sharded:
-- the usage_summary values travel to the shards in their text form.
CREATE TABLE local_summary AS
SELECT developer_id, team, day, usage_value.usage_agg(tokens, merged_changes) AS summary
FROM local_daily GROUP BY developer_id, team, day;
CREATE TABLE sharded_summary (
    developer_id text NOT NULL,
    team         text NOT NULL,
    day          date NOT NULL,
    summary      usage_value.usage_summary NOT NULL
) PARTITION BY HASH (developer_id);
CREATE FOREIGN TABLE sharded_summary_1 PARTITION OF sharded_summary
    FOR VALUES WITH (MODULUS 2, REMAINDER 0) SERVER shard1 OPTIONS (schema_name 'public', table_name 'daily_summary');
CREATE FOREIGN TABLE sharded_summary_2 PARTITION OF sharded_summary
    FOR VALUES WITH (MODULUS 2, REMAINDER 1) SERVER shard2 OPTIONS (schema_name 'public', table_name 'daily_summary');
INSERT INTO sharded_summary SELECT developer_id, team, day, summary FROM local_summary;

ANALYZE local_daily;
ANALYZE local_summary;
ANALYZE sharded_daily;
ANALYZE sharded_daily_1;
ANALYZE sharded_daily_2;
ANALYZE sharded_summary;
ANALYZE sharded_summary_1;
ANALYZE sharded_summary_2;

-- Every later session of this database plans partitionwise.
ALTER DATABASE uv SET enable_partitionwise_aggregate = on;
ALTER DATABASE uv SET enable_partitionwise_join = on;
