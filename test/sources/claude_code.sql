-- test/sources/claude_code.sql — Claude Code telemetry as an OpenTelemetry collector lands it in
-- PostgreSQL: the api_request events (logs signal) and the claude_code.token.usage metric.
--
-- What Claude Code emits (attribute keys and values):
--   Claude Code documentation, "Monitoring" (https://code.claude.com/docs/en/monitoring-usage,
--   formerly https://docs.anthropic.com/en/docs/claude-code/monitoring-usage), read through the
--   copies in cognesy/instructor-php docs-internal/claude-code/administration/monitoring.md and
--   Bardin08/cc-otel docs/metrics-reference.md:
--   * standard attributes on every event and metric point: session.id, organization.id,
--     user.account_uuid, terminal.type (app.version only with OTEL_METRICS_INCLUDE_VERSION); the
--     current page adds user.email ("when authenticated via OAuth"), and events carry
--     event.sequence and prompt.id;
--   * event claude_code.api_request (LogRecord body "claude_code.api_request"): event.name =
--     "api_request", event.timestamp (ISO 8601), model, cost_usd, duration_ms, input_tokens,
--     output_tokens, cache_read_tokens, cache_creation_tokens. Claude Code reports the Anthropic
--     API's usage object, in which input_tokens EXCLUDES cache reads and cache writes;
--   * metric claude_code.token.usage (counter, unit tokens), attributes type in (input, output,
--     cacheRead, cacheCreation) and model; Claude Code's default temporality is delta, cumulative
--     with OTEL_EXPORTER_OTLP_METRICS_TEMPORALITY_PREFERENCE=cumulative; export every 60 s
--     (OTEL_METRIC_EXPORT_INTERVAL);
--   * resource attributes service.name = claude-code, service.version, os.type, os.version,
--     host.arch; meter com.anthropic.claude_code.
--
-- How it lands (the concrete layout followed):
--   * logs: the PostgreSQL exporter for the OpenTelemetry collector (destrex271/postgresexporter,
--     exporter_logs.go, proposed upstream as opentelemetry-collector-contrib PR 36403), which ports
--     the contrib ClickHouse exporter's otel_logs table (exporter/clickhouseexporter/internal/
--     sqltemplates/logs_table.sql) with Map columns as JSONB. Chosen because it is the one
--     collector exporter that writes PostgreSQL and its columns are those every OTel-to-SQL sink
--     copies (ClickHouse, Grafana's tables). Its attributesToMap() stores every attribute value
--     with pcommon.Value.AsString(): numbers arrive as JSON strings ("1234", "0.0123") whatever
--     type the emitter gave them. "Timestamp" is a timestamp WITHOUT time zone holding UTC.
--   * metrics: the same exporter's metric tables (attribute1..attribute20 positional columns
--     resolved through an _attributes_mappings table) cannot hold a point's attributes under their
--     names, so the metric table takes the ClickHouse exporter's otel_metrics_sum columns
--     (metrics_sum_table.sql) ported the way the logs table is: Map -> JSONB, DateTime ->
--     timestamp without time zone (UTC), AggregationTemporality as OTLP's enum (1 = DELTA,
--     2 = CUMULATIVE).
--
-- Simplified: no primary key on the logs table (the exporter's ("ServiceName", "TimestampTime")
-- key rejects two records of one service in the same microsecond); timestamp(6) where the
-- exporter writes TIMESTAMP(9) (PostgreSQL caps the precision at 6 anyway); no Exemplars or
-- ScopeDroppedAttrCount columns; metric points are aligned to whole minutes, and a cumulative
-- series is exported only in the minutes it changed (an SDK re-exports unchanged points every
-- interval: they difference to zero).

DROP SCHEMA IF EXISTS src_claude_code CASCADE;
CREATE SCHEMA src_claude_code;
COMMENT ON SCHEMA src_claude_code IS
    'test fixture: Claude Code OpenTelemetry logs and metrics as a collector lands them (test/sources)';

-- One row per log record, every Claude Code event type (api_request, user_prompt, ...).
CREATE TABLE src_claude_code.otel_logs (
    "Timestamp" timestamp(6) NOT NULL,                                   -- UTC, no time zone
    "TimestampTime" timestamp GENERATED ALWAYS AS ("Timestamp") STORED,
    "TraceId" text,
    "SpanId" text,
    "TraceFlags" smallint,
    "SeverityText" text,
    "SeverityNumber" smallint,
    "ServiceName" text,
    "Body" text,                                                         -- 'claude_code.api_request', ...
    "ResourceSchemaUrl" text,
    "ResourceAttributes" jsonb,                                          -- service.name, os.type, ...
    "ScopeSchemaUrl" text,
    "ScopeName" text,
    "ScopeVersion" text,
    "ScopeAttributes" jsonb,
    "LogAttributes" jsonb                                                -- every value a JSON string
);

-- One row per data point of a monotonic sum (counter), as the ClickHouse exporter's
-- otel_metrics_sum; two tables so that each holds one temporality, as two collector pipelines
-- (or two exporter configurations) would write them.
CREATE TABLE src_claude_code.otel_metrics_sum (
    "ResourceAttributes" jsonb,
    "ResourceSchemaUrl" text,
    "ScopeName" text,
    "ScopeVersion" text,
    "ScopeAttributes" jsonb,
    "ScopeSchemaUrl" text,
    "ServiceName" text,
    "MetricName" text,                                                   -- 'claude_code.token.usage'
    "MetricDescription" text,
    "MetricUnit" text,
    "Attributes" jsonb,                                                  -- type, model, session.id, user.email, ...
    "StartTimeUnix" timestamp NOT NULL,                                  -- UTC; delta: interval start; cumulative: series start
    "TimeUnix" timestamp NOT NULL,                                       -- UTC; the point's time (interval end)
    "Value" float8 NOT NULL,
    "Flags" integer,
    "AggregationTemporality" integer NOT NULL,                           -- 1 DELTA, 2 CUMULATIVE
    "IsMonotonic" boolean NOT NULL
);
CREATE TABLE src_claude_code.otel_metrics_sum_cumulative (LIKE src_claude_code.otel_metrics_sum);
COMMENT ON TABLE src_claude_code.otel_metrics_sum IS 'claude_code.token.usage exported with delta temporality';
COMMENT ON TABLE src_claude_code.otel_metrics_sum_cumulative IS
    'claude_code.token.usage exported with cumulative temporality: a series restarts (new StartTimeUnix, value from 0) when its process restarts';
