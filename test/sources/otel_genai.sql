-- test/sources/otel_genai.sql — OpenTelemetry GenAI client spans (an OpenAI-style agent or IDE
-- plug-in) as an OpenTelemetry collector lands them in PostgreSQL.
--
-- What the spans carry: OpenTelemetry semantic conventions, GenAI attribute registry
-- (open-telemetry/semantic-conventions docs/registry/attributes/gen-ai.md) and user/enduser
-- registries (docs/registry/attributes/user.md, enduser.md):
--   gen_ai.operation.name ('chat'), gen_ai.provider.name ('openai'; it replaced the deprecated
--   gen_ai.system, which older instrumentations still send), gen_ai.request.model,
--   gen_ai.response.model, gen_ai.conversation.id, gen_ai.usage.input_tokens,
--   gen_ai.usage.output_tokens, gen_ai.usage.cache_read.input_tokens and
--   gen_ai.usage.cache_creation.input_tokens (both "SHOULD be included in
--   gen_ai.usage.input_tokens", and input_tokens "SHOULD include all types of input tokens,
--   including cached tokens": cache INSIDE input, unlike Claude Code); span name
--   "{gen_ai.operation.name} {gen_ai.request.model}", kind CLIENT. The person: user.id (a
--   resource attribute here, set through OTEL_RESOURCE_ATTRIBUTES on the developer's machine) or
--   enduser.id (a span attribute, set by a server-side agent that knows its caller). An agent
--   framework also emits invoke_agent spans (docs/gen-ai/gen-ai-agent-spans.md), on which
--   gen_ai.usage.input_tokens / output_tokens are Recommended: the parent repeats its children's
--   usage, so only the chat spans may be summed.
--
-- How it lands: the traces table of the PostgreSQL exporter for the collector
-- (destrex271/postgresexporter, exporter_traces.go; a port of the contrib ClickHouse exporter's
-- otel_traces, exporter/clickhouseexporter/internal/sqltemplates/traces_table.sql, with Map
-- columns as JSONB). Same exporter as the Claude Code logs (test/sources/claude_code.sql), so one
-- collector writes both. Its attributesToMap() stores every attribute value as a string:
-- gen_ai.usage.input_tokens arrives as "1234". "Timestamp" (span start) is a timestamp WITHOUT
-- time zone holding UTC; "Duration" is in nanoseconds.
--
-- Simplified: no primary key (the exporter's ("ServiceName", "SpanName", "Timestamp") key rejects
-- two spans of one service and model starting in the same microsecond); timestamp(6) for
-- TIMESTAMP(9); no trace-id lookup table or materialized view; Events and Links empty.

DROP SCHEMA IF EXISTS src_otel CASCADE;
CREATE SCHEMA src_otel;
COMMENT ON SCHEMA src_otel IS
    'test fixture: OpenTelemetry GenAI spans as a collector lands them (test/sources)';

CREATE TABLE src_otel.otel_traces (
    "Timestamp" timestamp(6) NOT NULL,            -- span start, UTC, no time zone
    "TraceId" text,
    "SpanId" text,
    "ParentSpanId" text,
    "TraceState" text,
    "SpanName" text,                              -- 'chat gpt-4.1'
    "SpanKind" text,                              -- 'Client'
    "ServiceName" text,                           -- the tool: cursor, aider, continue, internal-agent
    "ResourceAttributes" jsonb,                   -- service.name, user.id, ...
    "ScopeName" text,
    "ScopeVersion" text,
    "SpanAttributes" jsonb,                       -- gen_ai.*, enduser.id; every value a JSON string
    "Duration" bigint,                            -- nanoseconds
    "StatusCode" text,
    "StatusMessage" text,
    "Events" jsonb,
    "Links" jsonb
);
