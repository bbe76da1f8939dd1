-- demo/generate.sql — deterministic demo telemetry for usage_value.
--
--   psql -v seed=42 -v developers=40 -v days=60 -v scale=1 -f demo/generate.sql
--
-- Every variable is optional (defaults shown; also -v start=2025-03-03: the first day of the data,
-- a Monday, UTC; days >= 21). `scale` multiplies the developers (scale=50: ~2,000 developers, ~2M usage
-- rows). The script drops and recreates schema `demo` in the current database; it never touches
-- the extension's schema but needs the extension (for usage_value.billable_tokens in the views).
--
-- Determinism: all randomness comes from a counter-based PRNG, demo.rnd(seed, key, stream), built
-- on hashint8extended (the portable hash that hash partitioning relies on). Each value is a pure
-- function of (seed, developer, hour/day, stream), so the rows do not depend on plan, parallelism
-- or row order; ids are numbered in a total order. Same seed -> identical rows. Times are built
-- from a UTC midnight with hour arithmetic only (never '1 day', which follows the session's DST),
-- so the session TimeZone does not change a row either; days in the views are UTC days.
--
-- Shape of the sources (mirrors DESIGN.md):
--   demo.usage_events  one row per model call, source
--     'claude_code'  Claude Code api_request: input_tokens EXCLUDES cache; cache_read and
--                    cache_creation are beside it (convention cache_separate); cost_usd filled.
--     'otel_genai'   OpenTelemetry GenAI spans (an OpenAI-style agent/IDE): input_tokens INCLUDES
--                    the cache reads, cache_creation is 0 (convention cache_included).
--     'copilot'      Copilot usage export: ONE row per user-day at 00:00 UTC with prompt/output
--                    token sums in input/output, cache columns NULL, cost NULL (seat-priced).
--     Developers mix sources: a per-developer share of calls goes to claude_code vs otel_genai,
--     and ~60% also have a Copilot seat.
--   demo.pull_requests shaped like DevLake's pull_requests; author_id = developer_id; with
--                      reverts, bot changes and review flags (see below), and
--   demo.pull_request_comments shaped like DevLake's: the REVIEW approvals.
--   Token rhythm: per (developer, hour) an activity probability with a working-day profile
--   (09-18 UTC high, evenings low, nights ~2%, weekends ~12% of weekdays); an active hour's
--   billable tokens are log-normal (sigma 0.9) around the developer's level; most hours are empty.
--   Merges: binomial (~Poisson) per developer-day with a weekday rate = expected baseline daily
--   tokens / the developer's tokens-per-merge (log-normal, median 1.5M); weekends 8% of that.
--   ~15% of PRs are never merged (CLOSED; OPEN when created in the last 10 days).
--
-- Personas (per 40 developers: 14 / 4 / 4 / 3 / 4 / 3 / 4 / 4, spread over 8 teams;
-- "E_day" = the developer's expected weekday baseline tokens):
--   steady              normal use, merges in proportion. No episode.
--   heavy_productive    token level 3-5x, merge rate 3-5x (same efficiency). No episode; a
--                       detector must treat them as baseline and the fair board must not punish them.
--   spiky_burner        normal baseline + 2-3 spikes of 1-2 weekdays each, adding (m-1) x E_day per
--                       day with m in [5, 20], spread over 08:00-23:59; NO extra merges.
--                       Episodes: kind 'spike', is_inflation = true.
--   drip_burner         normal baseline + one drip of 7-14 consecutive days adding (m-1) x E_day per
--                       day with m in [1.5, 3], spread evenly over all 24 hours (day AND night,
--                       weekends too); NO extra merges. Episode: kind 'drip', is_inflation = true.
--   sprinter            normal baseline + one sprint of the 5 weekdays of one week adding (m-1) x
--                       E_day per weekday (08:00-20:59), m in [3, 5], WITH (m-1) x the merge rate in
--                       extra merges on those days. Episode: kind 'sprint', is_inflation = false.
--   nightly_automation  normal day use + a batch job every night 02:00-02:59 UTC, every day of the
--                       span including weekends, of 0.6-1.2 x E_day (+-15%), source claude_code,
--                       tool 'nightly-batch'. Merges follow day use only. Episode: kind
--                       'nightly_automation' covering the whole span, is_inflation = false (a stable
--                       pattern is baseline, not a burst).
--   newcomer            joined 8-14 days before the end; uses tools only from joining; exactly 2
--                       merged PRs (2 and 5 days after joining). No episode.
--   light_user          0.15x level and 0.3x activity; merge rate giving ~4 merges in two months.
--                       The first light_user of every 40 developers has one weekday at 50x E_day
--                       (09:00-20:59) and no merges from that day through 4 days after.
--                       Episode: kind 'light_spike', is_inflation = true.
-- Episodes start no earlier than day 14 (so a baseline exists) and end >= 3 days before the end.
-- demo.injected_episodes holds the ground truth: developer, kind, [started_at, ended_at),
-- multiplier m, is_inflation, and injected_tokens (the billable tokens of the injected calls).

\set ON_ERROR_STOP on
\set QUIET on
\if :{?seed}
\else
\set seed 42
\endif
\if :{?developers}
\else
\set developers 40
\endif
\if :{?days}
\else
\set days 60
\endif
\if :{?scale}
\else
\set scale 1
\endif
\if :{?start}
\else
\set start 2025-03-03
\endif

SET client_min_messages = warning;
SET max_parallel_workers_per_gather = 0;   -- not needed for determinism, keeps runs comparable
SET jit = off;

SELECT (:developers)::int * (:scale)::int AS ndev,
       (:days)::int AS ndays,
       -- midnight UTC, whatever the session's TimeZone
       quote_literal((:'start')::date::text || ' 00:00:00+00') AS start_lit,
       length(((:developers)::int * (:scale)::int)::text) AS id_width
\gset
SELECT :ndev < 1 OR :ndays < 21 OR extract(isodow FROM (:'start')::date) <> 1 AS bad_args \gset
\if :bad_args
\echo 'demo/generate.sql: need developers * scale >= 1, days >= 21 and start on a Monday'
\quit
\endif

BEGIN;
DROP SCHEMA IF EXISTS demo CASCADE;
CREATE SCHEMA demo;
COMMENT ON SCHEMA demo IS 'usage_value demo telemetry (generated by demo/generate.sql; safe to drop)';

-- Counter-based PRNG: uniform in [0, 1) from 53 hash bits. Inlined by the planner.
CREATE FUNCTION demo.rnd(seed bigint, key bigint, stream int) RETURNS float8
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT ((hashint8extended(stream::bigint, hashint8extended(key, seed)) >> 11)
                  & 9007199254740991)::float8 / 9007199254740992.0 $$;
-- Standard normal (Box-Muller) from two streams.
CREATE FUNCTION demo.gauss(seed bigint, key bigint, stream int) RETURNS float8
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT sqrt(-2.0 * ln(1.0 - demo.rnd(seed, key, stream)))
                 * cos(2.0 * pi() * demo.rnd(seed, key, stream + 1)) $$;

------------------------------------------------------------------------------------------------
-- Developers and their hidden parameters
------------------------------------------------------------------------------------------------
CREATE TEMP TABLE dp ON COMMIT DROP AS
WITH base AS (
    SELECT i::bigint AS idx,       -- bigint: keys like idx * 10^7 + hour must not overflow
           (i - 1) % 40 + 1 AS slot,
           (ARRAY['steady','heavy_productive','spiky_burner','drip_burner','sprinter','nightly_automation','newcomer','light_user',
                  'steady','steady','heavy_productive','spiky_burner','sprinter','light_user','newcomer','steady',
                  'drip_burner','steady','nightly_automation','steady','heavy_productive','spiky_burner','sprinter','steady',
                  'light_user','steady','newcomer','steady','drip_burner','steady','heavy_productive','spiky_burner',
                  'sprinter','nightly_automation','steady','light_user','newcomer','steady','steady','steady'])[(i - 1) % 40 + 1] AS persona,
           (ARRAY['platform','payments','mobile','search','data','infra','growth','identity'])[(i - 1) % 8 + 1] AS team
    FROM generate_series(1, :ndev) AS i
), p AS (
    SELECT b.*,
           'dev' || lpad(b.idx::text, greatest(4, :id_width), '0') AS developer_id,
           -- token level: multiplier of the 120k-token median of an active hour
           CASE b.persona
               WHEN 'heavy_productive' THEN 3.0 + 2.0 * demo.rnd(:seed, b.idx, 11)
               WHEN 'light_user' THEN 0.15
               ELSE 1.0 END * exp(0.3 * demo.gauss(:seed, b.idx, 12)) AS level,
           CASE b.persona WHEN 'light_user' THEN 0.3 ELSE 0.75 + 0.45 * demo.rnd(:seed, b.idx, 14) END AS act,
           (ARRAY[1.0, 1.0, 0.8, 0.5, 0.2, 0.0])[1 + floor(6 * demo.rnd(:seed, b.idx, 15))::int] AS w_cc,
           (ARRAY['cursor','aider','continue','internal-agent'])[1 + floor(4 * demo.rnd(:seed, b.idx, 16))::int] AS otel_tool,
           demo.rnd(:seed, b.idx, 17) < 0.6 AS has_copilot,
           (ARRAY['copilot-vscode','copilot-jetbrains'])[1 + floor(2 * demo.rnd(:seed, b.idx, 18))::int] AS copilot_tool,
           1.5e6 * exp(0.35 * demo.gauss(:seed, b.idx, 19)) AS tokens_per_merge,
           CASE WHEN b.persona = 'newcomer'
                THEN (:ndays - 14 + floor(7 * demo.rnd(:seed, b.idx, 21)))::int * 24 + 9 ELSE 0 END AS first_hour,
           floor(30 + 900 * demo.rnd(:seed, b.idx, 22)) AS tenure_days
    FROM base b
), prof AS (   -- weekday activity profile by hour of day (UTC)
    SELECT hod, (ARRAY[0.02,0.02,0.02,0.02,0.02,0.02,0.02,0.10,0.35,0.70,0.70,0.70,
                       0.40,0.70,0.70,0.70,0.70,0.70,0.35,0.15,0.15,0.15,0.06,0.06])[hod + 1] AS p
    FROM generate_series(0, 23) AS hod
)
SELECT p.*,
       120000.0 * p.level AS m_hour,
       -- expected weekday baseline tokens: sum of P(active) x mean log-normal hour
       120000.0 * p.level * exp(0.9 * 0.9 / 2) *
           (SELECT sum(least(0.95, prof.p * p.act)) FROM prof) AS e_day
FROM p;

-- merge rate per weekday at the developer's efficiency; light users ~4 merges in 60 days
ALTER TABLE dp ADD COLUMN rate float8;
UPDATE dp SET rate = CASE persona WHEN 'light_user' THEN 4.0 / (:ndays * 5 / 7.0) * exp(0.2 * demo.gauss(:seed, idx, 23))
                                  WHEN 'newcomer' THEN 0
                                  ELSE e_day / tokens_per_merge END;

CREATE TABLE demo.developers (
    developer_id text PRIMARY KEY,
    display_name text NOT NULL,
    team text NOT NULL,
    persona text NOT NULL,
    joined_at timestamptz NOT NULL
);
INSERT INTO demo.developers
SELECT developer_id,
       (ARRAY['Ada','Ben','Chen','Dana','Emeka','Fatima','Gus','Hana','Ivan','Jonas','Kemi','Lena',
              'Marco','Nadia','Omar','Priya','Quinn','Rosa','Sven','Tara','Uma','Victor','Wen','Yusuf'])[(idx - 1) % 24 + 1]
       || ' ' ||
       (ARRAY['Abe','Bauer','Costa','Diallo','Evans','Fischer','Garcia','Horvat','Ito','Jensen','Kowalski','Lopez',
              'Meyer','Nakamura','Okafor','Petrov','Quist','Rossi','Silva','Tanaka','Urbina','Varga','Weber','Zhou'])[((idx - 1) / 24 + (idx - 1) * 7) % 24 + 1],
       team, persona,
       CASE WHEN persona = 'newcomer'
            THEN :start_lit::timestamptz + make_interval(hours => first_hour) - interval '1 hour'
            ELSE :start_lit::timestamptz - make_interval(hours => tenure_days::int * 24) END
FROM dp ORDER BY idx;

------------------------------------------------------------------------------------------------
-- Injected episodes (ground truth). Day indices are 0-based from :start; hours are hour-of-day.
------------------------------------------------------------------------------------------------
CREATE TEMP TABLE eps ON COMMIT DROP AS
WITH rng AS (SELECT least(14, :ndays / 4) AS lo, :ndays - 4 AS hi),
spikes AS (
    SELECT d.idx, k, n,
           5.0 + 15.0 * demo.rnd(:seed, d.idx * 16 + k, 31) AS mult,
           1 + floor(2 * demo.rnd(:seed, d.idx * 16 + k, 32))::int AS len,
           (r.lo + floor((r.hi - r.lo - 1) * (k - 1 + 0.7 * demo.rnd(:seed, d.idx * 16 + k, 33)) / n))::int AS d0
    FROM dp d CROSS JOIN rng r
    CROSS JOIN LATERAL (SELECT 2 + (demo.rnd(:seed, d.idx, 30) < 0.5)::int AS n) nn
    CROSS JOIN LATERAL generate_series(1, nn.n) AS k
    WHERE d.persona = 'spiky_burner'
)
SELECT idx, 'spike'::text AS kind, wd AS d0, least(wd + len - 1, :ndays - 1) AS d1, 8 AS h0, 23 AS h1,
       mult, (mult - 1) * e_day / 16 AS per_hour, true AS is_inflation, 0.0::float8 AS extra_rate,
       false AS weekdays_only
-- wd: the start moved back off the weekend (day 0 is a Monday)
FROM (SELECT s.*, dp.e_day, s.d0 - greatest(0, s.d0 % 7 - 4) AS wd FROM spikes s JOIN dp USING (idx)) s
UNION ALL
SELECT d.idx, 'drip', x.d0, least(x.d0 + x.len - 1, :ndays - 4), 0, 23, x.mult, (x.mult - 1) * d.e_day / 24, true, 0.0, false
FROM dp d CROSS JOIN rng r
CROSS JOIN LATERAL (SELECT 1.5 + 1.5 * demo.rnd(:seed, d.idx, 41) AS mult,
                           7 + floor(8 * demo.rnd(:seed, d.idx, 42))::int AS len,
                           (r.lo + floor(greatest(0, r.hi - r.lo - 14) * demo.rnd(:seed, d.idx, 43)))::int AS d0) x
WHERE d.persona = 'drip_burner'
UNION ALL
SELECT d.idx, 'sprint', x.d0, x.d0 + 4, 8, 20, x.mult, (x.mult - 1) * d.e_day / 13, false, (x.mult - 1) * d.rate, true
FROM dp d CROSS JOIN rng r
CROSS JOIN LATERAL (SELECT 3.0 + 2.0 * demo.rnd(:seed, d.idx, 51) AS mult,
                           -- a Monday m with lo <= m and m + 4 <= hi
                           (7 * ceil(r.lo / 7.0) + 7 * floor(demo.rnd(:seed, d.idx, 52)
                                * (floor((r.hi - 4 - 7 * ceil(r.lo / 7.0)) / 7) + 1)))::int AS d0) x
WHERE d.persona = 'sprinter' AND x.d0 + 4 <= :ndays - 1
UNION ALL
SELECT d.idx, 'nightly_automation', 0, :ndays - 1, 2, 2, x.mult, x.mult * d.e_day, false, 0.0, false
FROM dp d CROSS JOIN LATERAL (SELECT 0.6 + 0.6 * demo.rnd(:seed, d.idx, 61) AS mult) x
WHERE d.persona = 'nightly_automation'
UNION ALL
SELECT d.idx, 'light_spike', x.wd, x.wd, 9, 20, 50.0, 49.0 * d.e_day / 12, true, 0.0, false
FROM dp d CROSS JOIN rng r
CROSS JOIN LATERAL (SELECT (r.lo + floor((r.hi - r.lo - 5) * demo.rnd(:seed, d.idx, 71)))::int AS d0) y
CROSS JOIN LATERAL (SELECT y.d0 - greatest(0, y.d0 % 7 - 4) AS wd) x
WHERE d.persona = 'light_user' AND d.slot = 8;

-- Episode hours: one row per (developer, hour index) with the injected tokens of that hour.
CREATE TEMP TABLE eph ON COMMIT DROP AS
SELECT e.idx, dd * 24 + hh AS h, max(e.kind) AS kind,
       sum(e.per_hour * CASE WHEN e.kind = 'nightly_automation' THEN 0.85 + 0.3 * demo.rnd(:seed, e.idx * 10000000 + dd * 24 + hh, 81)
                         ELSE 0.6 + 0.8 * demo.rnd(:seed, e.idx * 10000000 + dd * 24 + hh, 81) END) AS extra
FROM eps e
CROSS JOIN LATERAL generate_series(e.d0, e.d1) AS dd
CROSS JOIN LATERAL generate_series(e.h0, e.h1) AS hh
JOIN dp d ON d.idx = e.idx
WHERE dd * 24 + hh >= d.first_hour AND (NOT e.weekdays_only OR dd % 7 < 5)
GROUP BY 1, 2;

------------------------------------------------------------------------------------------------
-- Hours: baseline activity + injected tokens
------------------------------------------------------------------------------------------------
CREATE TEMP TABLE hrs ON COMMIT DROP AS
SELECT s.* FROM (
    SELECT d.idx, g.h, g.h / 24 AS day, g.h % 24 AS hod,
           CASE WHEN demo.rnd(:seed, d.idx * 10000000 + g.h, 1)
                     < least(0.95, (ARRAY[0.02,0.02,0.02,0.02,0.02,0.02,0.02,0.10,0.35,0.70,0.70,0.70,
                                         0.40,0.70,0.70,0.70,0.70,0.70,0.35,0.15,0.15,0.15,0.06,0.06])[g.h % 24 + 1]
                                   * CASE WHEN (g.h / 24) % 7 >= 5 THEN 0.12 ELSE 1.0 END * d.act)
                THEN greatest(1, round(d.m_hour * exp(0.9 * demo.gauss(:seed, d.idx * 10000000 + g.h, 2))))
                ELSE 0 END::bigint AS base_tokens,
           coalesce(round(x.extra), 0)::bigint AS extra_tokens,
           x.kind
    FROM dp d
    CROSS JOIN LATERAL generate_series(d.first_hour, :ndays * 24 - 1) AS g(h)
    LEFT JOIN eph x ON x.idx = d.idx AND x.h = g.h
) s
WHERE s.base_tokens > 0 OR s.extra_tokens > 0;

------------------------------------------------------------------------------------------------
-- Usage events
------------------------------------------------------------------------------------------------
CREATE TABLE demo.usage_events (
    event_id bigint PRIMARY KEY,
    event_time timestamptz NOT NULL,
    developer_id text NOT NULL REFERENCES demo.developers,
    session_id text NOT NULL,
    source text NOT NULL CHECK (source IN ('claude_code', 'otel_genai', 'copilot')),
    model text NOT NULL,
    tool text NOT NULL,
    input_tokens bigint NOT NULL,
    output_tokens bigint NOT NULL,
    cache_read_tokens bigint,
    cache_creation_tokens bigint,
    cost_usd numeric(12, 6)
);

CREATE TEMP TABLE ev ON COMMIT DROP AS
WITH calls AS (
    -- baseline calls: 1-6 per active hour; injected: 1-4 per hour, 8-17 for the nightly batch
    SELECT hr.idx, hr.h, 0 AS part, k, n, hr.base_tokens AS part_tokens, NULL::text AS kind
    FROM hrs hr
    CROSS JOIN LATERAL (SELECT 1 + floor(6 * demo.rnd(:seed, hr.idx * 10000000 + hr.h, 4))::int AS n) nn
    CROSS JOIN LATERAL generate_series(1, nn.n) AS k
    WHERE hr.base_tokens > 0
    UNION ALL
    SELECT hr.idx, hr.h, 1, k, n, hr.extra_tokens, hr.kind
    FROM hrs hr
    CROSS JOIN LATERAL (SELECT CASE WHEN hr.kind = 'nightly_automation'
                                    THEN 8 + floor(10 * demo.rnd(:seed, hr.idx * 10000000 + hr.h, 5))::int
                                    ELSE 1 + floor(4 * demo.rnd(:seed, hr.idx * 10000000 + hr.h, 5))::int END AS n) nn
    CROSS JOIN LATERAL generate_series(1, nn.n) AS k
    WHERE hr.extra_tokens > 0
), c AS (
    SELECT c.*, d.developer_id, d.w_cc, d.otel_tool,
           (c.idx * 10000000 + c.h) * 64 + c.part * 32 + c.k AS ckey
    FROM calls c JOIN dp d USING (idx)
), t AS (
    SELECT c.*,
           greatest(1, round(c.part_tokens / c.n::float8 * (0.4 + 1.2 * demo.rnd(:seed, c.ckey, 101))))::bigint AS billable,
           CASE WHEN c.kind = 'nightly_automation' OR demo.rnd(:seed, c.ckey, 102) < c.w_cc
                THEN 'claude_code' ELSE 'otel_genai' END AS source,
           demo.rnd(:seed, c.ckey, 103) AS u_model,
           demo.rnd(:seed, c.idx, 161) AS model_pref,
           demo.rnd(:seed, c.ckey, 104) AS u1,
           demo.rnd(:seed, c.ckey, 105) AS u2,
           demo.rnd(:seed, c.ckey, 106) AS u3,
           CASE WHEN c.kind = 'nightly_automation'
                THEN floor(50 * 60 * demo.rnd(:seed, c.ckey, 107))
                ELSE floor(3600 * demo.rnd(:seed, c.ckey, 107)) END AS second_in_hour
    FROM c
), parts AS (
    SELECT t.*,
           -- each developer leans to a model tier (issue 16: the dollars per token differ by developer):
           -- a quarter mostly to the cheap models, a fifth mostly to the expensive ones, the rest mixed
           CASE WHEN t.source = 'claude_code' THEN
                    CASE WHEN t.model_pref < 0.25 THEN
                             CASE WHEN t.u_model < 0.60 THEN 'claude-haiku-4-5' WHEN t.u_model < 0.97 THEN 'claude-sonnet-4-5' ELSE 'claude-opus-4-1' END
                         WHEN t.model_pref >= 0.80 THEN
                             CASE WHEN t.u_model < 0.55 THEN 'claude-opus-4-1' WHEN t.u_model < 0.95 THEN 'claude-sonnet-4-5' ELSE 'claude-haiku-4-5' END
                         ELSE CASE WHEN t.u_model < 0.70 THEN 'claude-sonnet-4-5' WHEN t.u_model < 0.85 THEN 'claude-haiku-4-5'
                                   ELSE 'claude-opus-4-1' END END
                ELSE CASE WHEN t.model_pref < 0.25 THEN
                              CASE WHEN t.u_model < 0.60 THEN 'o4-mini' WHEN t.u_model < 0.85 THEN 'gpt-5' ELSE 'gpt-4.1' END
                          WHEN t.model_pref >= 0.80 THEN
                              CASE WHEN t.u_model < 0.70 THEN 'gpt-4.1' WHEN t.u_model < 0.90 THEN 'gpt-5' ELSE 'o4-mini' END
                          ELSE CASE WHEN t.u_model < 0.5 THEN 'gpt-4.1' WHEN t.u_model < 0.8 THEN 'gpt-5' ELSE 'o4-mini' END END END AS model,
           -- claude_code: output 2-6%, cache writes 3-10%, uncached input 0.2-1%, the rest cache reads
           -- otel_genai:  output 3-10%, input = the rest, of which 0-70% were cache reads
           CASE WHEN t.source = 'claude_code' THEN round(t.billable * (0.02 + 0.04 * t.u1))
                ELSE round(t.billable * (0.03 + 0.07 * t.u1)) END::bigint AS output_tokens
    FROM t
), toks AS (
    SELECT p.*,
           CASE WHEN p.source = 'claude_code' THEN round(p.billable * (0.03 + 0.07 * p.u2))::bigint ELSE 0 END AS cache_creation_tokens,
           CASE WHEN p.source = 'claude_code' THEN greatest(1, round(p.billable * (0.002 + 0.008 * p.u3)))::bigint
                ELSE p.billable - p.output_tokens END AS input_raw
    FROM parts p
)
SELECT developer_id, idx, h, part, k,
       :start_lit::timestamptz + make_interval(hours => h, secs => second_in_hour) AS event_time,
       CASE WHEN kind = 'nightly_automation' THEN 'nightly-' || developer_id || '-' || (h / 24)
            ELSE md5(:seed || '/' || developer_id || '/' || (h / 24) || '/' || ((h % 24 + idx % 3) / 4) || '/' || source)::uuid::text
       END AS session_id,
       source, model,
       CASE WHEN kind = 'nightly_automation' THEN 'nightly-batch'
            WHEN source = 'claude_code' THEN 'claude-code' ELSE otel_tool END AS tool,
       input_raw AS input_tokens,
       output_tokens,
       CASE WHEN source = 'claude_code' THEN greatest(0, billable - output_tokens - cache_creation_tokens - input_raw)
            ELSE round(input_raw * 0.7 * u2)::bigint END AS cache_read_tokens,
       cache_creation_tokens,
       kind
FROM toks;

-- Copilot export: one row per user-day on days with baseline activity.
INSERT INTO ev (developer_id, idx, h, part, k, event_time, session_id, source, model, tool,
                input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens, kind)
SELECT d.developer_id, d.idx, a.day * 24, 2, 0,
       :start_lit::timestamptz + make_interval(hours => a.day * 24),
       'copilot-' || d.developer_id || '-' || a.day,
       'copilot', 'copilot-mixed', d.copilot_tool,
       x.prompt, round(x.prompt * (0.08 + 0.07 * demo.rnd(:seed, d.idx * 100000 + a.day, 202)))::bigint,
       NULL, NULL, NULL
FROM (SELECT idx, day, count(*) AS active_hours FROM hrs WHERE base_tokens > 0 GROUP BY idx, day) a
JOIN dp d USING (idx)
CROSS JOIN LATERAL (SELECT round(a.active_hours * 9000 * sqrt(d.level)
                                 * exp(0.3 * demo.gauss(:seed, d.idx * 100000 + a.day, 200)))::bigint AS prompt) x
WHERE d.has_copilot;

INSERT INTO demo.usage_events
SELECT row_number() OVER (ORDER BY event_time, developer_id, part, k, h),
       event_time, developer_id, session_id, source, model, tool,
       input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens,
       -- list prices in USD per million tokens (input, output, cache read, cache write)
       CASE model
           WHEN 'claude-sonnet-4-5' THEN (3.00 * input_tokens + 15.0 * output_tokens + 0.30 * cache_read_tokens + 3.75 * cache_creation_tokens) / 1e6
           WHEN 'claude-haiku-4-5' THEN (1.00 * input_tokens + 5.00 * output_tokens + 0.10 * cache_read_tokens + 1.25 * cache_creation_tokens) / 1e6
           WHEN 'claude-opus-4-1' THEN (15.0 * input_tokens + 75.0 * output_tokens + 1.50 * cache_read_tokens + 18.75 * cache_creation_tokens) / 1e6
           WHEN 'gpt-4.1' THEN (2.00 * (input_tokens - cache_read_tokens) + 8.00 * output_tokens + 0.50 * cache_read_tokens) / 1e6
           WHEN 'gpt-5' THEN (1.25 * (input_tokens - cache_read_tokens) + 10.0 * output_tokens + 0.125 * cache_read_tokens) / 1e6
           WHEN 'o4-mini' THEN (1.10 * (input_tokens - cache_read_tokens) + 4.40 * output_tokens + 0.275 * cache_read_tokens) / 1e6
       END::numeric(12, 6)
FROM ev;
CREATE INDEX ON demo.usage_events (developer_id, event_time);

------------------------------------------------------------------------------------------------
-- Pull requests (DevLake shape)
------------------------------------------------------------------------------------------------
CREATE TABLE demo.pull_requests (
    id text PRIMARY KEY,
    author_id text NOT NULL REFERENCES demo.developers (developer_id),
    created_date timestamptz NOT NULL,
    merged_date timestamptz,
    status text NOT NULL CHECK (status IN ('MERGED', 'CLOSED', 'OPEN')),
    additions int NOT NULL,
    deletions int NOT NULL,
    is_draft boolean NOT NULL,
    merge_commit_sha text
);

CREATE TEMP TABLE prs ON COMMIT DROP AS
WITH sprint_days AS (   -- extra merge rate on the weekdays of a sprint
    SELECT e.idx, g.day, sum(e.extra_rate) AS extra_rate
    FROM eps e CROSS JOIN LATERAL generate_series(e.d0, e.d1) AS g(day)
    WHERE e.kind = 'sprint' AND g.day % 7 < 5
    GROUP BY 1, 2
), no_merge_days AS (   -- the light user with a 50x day merges nothing from that day through 4 days after
    SELECT DISTINCT e.idx, g.day
    FROM eps e CROSS JOIN LATERAL generate_series(e.d0, e.d0 + 4) AS g(day)
    WHERE e.kind = 'light_spike'
), dd AS (
    SELECT d.idx, d.developer_id, d.persona, d.slot, g.day,
           d.rate * CASE WHEN g.day % 7 >= 5 THEN 0.08 ELSE 1.0 END + coalesce(sd.extra_rate, 0) AS lam,
           0.15 * d.rate * CASE WHEN g.day % 7 >= 5 THEN 0.08 ELSE 1.0 END AS lam_unmerged
    FROM dp d
    CROSS JOIN LATERAL generate_series(d.first_hour / 24, :ndays - 1) AS g(day)
    LEFT JOIN sprint_days sd ON sd.idx = d.idx AND sd.day = g.day
    LEFT JOIN no_merge_days nm ON nm.idx = d.idx AND nm.day = g.day
    WHERE d.persona <> 'newcomer' AND nm.idx IS NULL
), slots AS (   -- binomial(n, lam/n) ~ Poisson(lam)
    SELECT dd.*, m.merged, k, n
    FROM dd
    CROSS JOIN LATERAL (VALUES (true, dd.lam), (false, dd.lam_unmerged)) AS m(merged, l)
    CROSS JOIN LATERAL (SELECT greatest(2, ceil(3 * m.l))::int AS n) nn
    CROSS JOIN LATERAL generate_series(1, nn.n) AS k
    WHERE demo.rnd(:seed, (dd.idx * 100000 + dd.day) * 128 + m.merged::int * 64 + k, 301) < m.l / nn.n
)
SELECT idx, developer_id, day, merged, k, (idx * 100000 + day) * 128 + merged::int * 64 + k AS pkey FROM slots
UNION ALL   -- newcomers: exactly two merged PRs, 2 and 5 days after joining
SELECT d.idx, d.developer_id, d.first_hour / 24 + off, true, off, (d.idx * 100000 + d.first_hour / 24 + off) * 128 + 64 + off
FROM dp d CROSS JOIN (VALUES (2), (5)) AS o(off)
WHERE d.persona = 'newcomer' AND d.first_hour / 24 + off <= :ndays - 1
UNION ALL   -- and one open draft
SELECT d.idx, d.developer_id, :ndays - 1, false, 99, (d.idx * 100000 + :ndays - 1) * 128 + 99
FROM dp d WHERE d.persona = 'newcomer';

CREATE TEMP TABLE pr2 ON COMMIT DROP AS
SELECT p.*, dev.joined_at,
       -- merged during working hours; opened a log-normal lead time earlier (median 20 h)
       :start_lit::timestamptz + make_interval(hours => p.day * 24, secs => (9 + 9 * demo.rnd(:seed, p.pkey, 311)) * 3600) AS t_event,
       least(interval '336 hours', interval '1 hour' * exp(ln(20) + 1.0 * demo.gauss(:seed, p.pkey, 312))) AS lead,
       CASE WHEN p.merged THEN 'MERGED'
            WHEN p.day >= :ndays - 10 AND demo.rnd(:seed, p.pkey, 314) < 0.75 THEN 'OPEN'
            ELSE 'CLOSED' END AS status,
       1 + round(exp(ln(60) + 1.2 * demo.gauss(:seed, p.pkey, 315)))::int AS additions,
       demo.rnd(:seed, p.pkey, 317) AS u_del,
       demo.rnd(:seed, p.pkey, 318) AS u_draft
FROM prs p JOIN demo.developers dev ON dev.developer_id = p.developer_id;

INSERT INTO demo.pull_requests
SELECT 'github:GithubPullRequest:1:' || (1000000 + row_number() OVER (ORDER BY created_date, pkey)),
       developer_id, created_date, merged_date, status, additions, deletions, is_draft, merge_commit_sha
FROM (
    SELECT pkey, developer_id,
           CASE WHEN status = 'MERGED' THEN greatest(t_event - lead, joined_at + interval '30 minutes')
                ELSE t_event END AS created_date,
           CASE WHEN status = 'MERGED' THEN t_event END AS merged_date,
           status, additions,
           round(additions * (0.1 + 0.7 * u_del))::int AS deletions,
           CASE status WHEN 'OPEN' THEN u_draft < 0.4 WHEN 'CLOSED' THEN u_draft < 0.1 ELSE false END AS is_draft,
           CASE WHEN status = 'MERGED'
                THEN md5('sha/' || :seed || '/' || pkey) || left(md5('sha2/' || :seed || '/' || pkey), 8) END AS merge_commit_sha
    FROM pr2
) x;
CREATE INDEX ON demo.pull_requests (author_id, merged_date);

------------------------------------------------------------------------------------------------
-- What the changes are worth: reverts, bot changes and reviews (DevLake-shaped). New rows draw
-- on streams of their own, so every row above is as it was.
--   reverted_pr_id  the PR this one reverts: about 3% of merged PRs are reverted by their author
--                   1-3 days later (same size, additions and deletions swapped); a tenth of those
--                   reverts are reverted in turn the next day (the change re-lands).
--   is_bot          a dependency bump opened by an automation account under the developer's
--                   name: the nightly_automation developers merge one every Monday and Thursday
--                   (lock-file churn, 40-2,000 lines).
--   reviewed        an APPROVED review by a teammate exists (demo.pull_request_comments); about
--                   85% of merged human PRs; the rest were self-merged. Reviewers are teammates who
--                   had joined, drawn in proportion to how many changes they merge themselves.
------------------------------------------------------------------------------------------------
ALTER TABLE demo.pull_requests ADD COLUMN reverted_pr_id text REFERENCES demo.pull_requests (id),
                               ADD COLUMN is_bot boolean NOT NULL DEFAULT false,
                               ADD COLUMN reviewed boolean NOT NULL DEFAULT false;

CREATE TEMP TABLE pr_num ON COMMIT DROP AS
SELECT id, substring(id FROM '[0-9]+$')::bigint AS n, author_id, merged_date, additions, deletions
FROM demo.pull_requests WHERE status = 'MERGED';

CREATE TEMP TABLE reverts ON COMMIT DROP AS
SELECT 'github:GithubPullRequest:1:' || (10000000 + n) AS id, p.id AS target, p.author_id,
       p.merged_date + make_interval(hours => 24 + floor(48 * demo.rnd(:seed, p.n, 402))::int) AS merged_date,
       p.deletions AS additions, p.additions AS deletions, p.n
FROM pr_num p
WHERE demo.rnd(:seed, p.n, 401) < 0.03
  AND p.merged_date + interval '72 hours' < :start_lit::timestamptz + make_interval(hours => :ndays * 24);
INSERT INTO demo.pull_requests (id, author_id, created_date, merged_date, status, additions, deletions, is_draft,
                                merge_commit_sha, reverted_pr_id)
SELECT id, author_id, merged_date - interval '30 minutes', merged_date, 'MERGED', additions, deletions, false,
       md5('revert/' || :seed || '/' || n) || left(md5('revert2/' || :seed || '/' || n), 8), target
FROM reverts
UNION ALL   -- re-lands: the revert reverted the next day
SELECT 'github:GithubPullRequest:1:' || (20000000 + n), author_id, merged_date + interval '23 hours 30 minutes',
       merged_date + interval '24 hours', 'MERGED', deletions, additions, false,
       md5('reland/' || :seed || '/' || n) || left(md5('reland2/' || :seed || '/' || n), 8), id
FROM reverts WHERE demo.rnd(:seed, n, 403) < 0.1
ORDER BY 1;

INSERT INTO demo.pull_requests (id, author_id, created_date, merged_date, status, additions, deletions, is_draft,
                                merge_commit_sha, is_bot)
SELECT 'github:GithubPullRequest:1:' || (30000000 + d.idx * 1000 + g.day), d.developer_id,
       t - interval '2 hours', t, 'MERGED', a, (a * 0.9)::int, false,
       md5('bump/' || :seed || '/' || d.idx || '/' || g.day), true
FROM dp d
CROSS JOIN LATERAL generate_series(d.first_hour / 24, :ndays - 1) g(day)
CROSS JOIN LATERAL (SELECT :start_lit::timestamptz + make_interval(hours => g.day * 24 + 6) AS t,
                           (20 + 1000 * demo.rnd(:seed, d.idx * 1000 + g.day, 404))::int AS a) x
WHERE d.persona = 'nightly_automation' AND g.day % 7 IN (0, 3);

-- Reviews, as DevLake's pull_request_comments of type REVIEW: a teammate approves most merged
-- human PRs an hour or more before the merge.
CREATE TABLE demo.pull_request_comments (
    id text PRIMARY KEY,
    pull_request_id text NOT NULL REFERENCES demo.pull_requests (id),
    account_id text NOT NULL REFERENCES demo.developers (developer_id),
    created_date timestamptz NOT NULL,
    type text NOT NULL,
    status text NOT NULL
);
WITH members AS (   -- who reviews: teammates in proportion to how much they merge themselves
    SELECT d.developer_id, d.team, d.joined_at, row_number() OVER (PARTITION BY d.team ORDER BY d.developer_id) AS pos,
           (SELECT count(*) FROM demo.pull_requests p WHERE p.author_id = d.developer_id AND p.status = 'MERGED' AND NOT p.is_bot) AS merged
    FROM demo.developers d
), candidates AS (
    SELECT p.id, p.author_id, p.merged_date, substring(p.id FROM '[0-9]+$')::bigint AS n, m.team
    FROM demo.pull_requests p JOIN members m ON m.developer_id = p.author_id
    WHERE p.status = 'MERGED' AND NOT p.is_bot
)
INSERT INTO demo.pull_request_comments
SELECT 'github:GithubPrComment:1:' || c.n, c.id, r.developer_id,
       c.merged_date - make_interval(mins => 60 + floor(600 * demo.rnd(:seed, c.n, 406))::int), 'REVIEW', 'APPROVED'
FROM candidates c
CROSS JOIN LATERAL (   -- a weighted draw (exponential race) among teammates who had joined by then
    SELECT m.developer_id FROM members m
    WHERE m.team = c.team AND m.developer_id <> c.author_id AND m.merged > 0
      AND m.joined_at < c.merged_date - interval '12 hours'
    ORDER BY -ln(demo.rnd(:seed, c.n * 64 + m.pos, 407)) / m.merged, m.developer_id
    LIMIT 1) r
WHERE demo.rnd(:seed, c.n, 405) < 0.85
ORDER BY 1;
UPDATE demo.pull_requests p SET reviewed = true
WHERE EXISTS (SELECT 1 FROM demo.pull_request_comments r
              WHERE r.pull_request_id = p.id AND r.status = 'APPROVED' AND r.account_id <> p.author_id);
CREATE INDEX ON demo.pull_request_comments (pull_request_id);

------------------------------------------------------------------------------------------------
-- Ground truth of the injected episodes
------------------------------------------------------------------------------------------------
CREATE TABLE demo.injected_episodes (
    developer_id text NOT NULL REFERENCES demo.developers,
    kind text NOT NULL CHECK (kind IN ('spike', 'drip', 'sprint', 'nightly_automation', 'light_spike')),
    started_at timestamptz NOT NULL,
    ended_at timestamptz NOT NULL,          -- exclusive
    multiplier float8 NOT NULL,             -- of the developer's expected weekday baseline (E_day)
    is_inflation boolean NOT NULL,          -- true: tokens with no matching merged output
    injected_tokens bigint NOT NULL,        -- billable tokens of the injected calls
    PRIMARY KEY (developer_id, kind, started_at)
);
WITH inj AS (   -- injected billable tokens per developer-hour
    SELECT idx, h, sum(usage_value.billable_tokens(input_tokens, output_tokens, cache_read_tokens,
                                                   cache_creation_tokens, source)) AS tokens
    FROM ev WHERE part = 1
    GROUP BY idx, h
)
INSERT INTO demo.injected_episodes
SELECT d.developer_id, e.kind,
       :start_lit::timestamptz + make_interval(hours => greatest(e.d0 * 24 + e.h0, d.first_hour)),
       :start_lit::timestamptz + make_interval(hours => e.d1 * 24 + e.h1 + 1),
       round(e.mult::numeric, 3)::float8, e.is_inflation,
       coalesce(sum(i.tokens), 0)
FROM eps e
JOIN dp d USING (idx)
LEFT JOIN inj i ON i.idx = e.idx AND i.h BETWEEN e.d0 * 24 + e.h0 AND e.d1 * 24 + e.h1
                                 AND i.h % 24 BETWEEN e.h0 AND e.h1
GROUP BY d.developer_id, e.kind, e.d0, e.d1, e.h0, e.h1, d.first_hour, e.mult, e.is_inflation
ORDER BY 1, 3;

------------------------------------------------------------------------------------------------
-- Convenience views
------------------------------------------------------------------------------------------------
-- Billable tokens per developer-hour (only hours with usage). The source names are the
-- documented convention aliases of usage_value.billable_tokens: claude_code = cache_separate,
-- otel_genai and copilot = cache_included. Copilot's per-day rows fall in the 00:00 UTC bucket.
CREATE VIEW demo.usage_hourly AS
SELECT developer_id,
       date_trunc('hour', event_time, 'UTC') AS bucket,
       sum(usage_value.billable_tokens(input_tokens, output_tokens, cache_read_tokens,
                                       cache_creation_tokens, source))::bigint AS tokens
FROM demo.usage_events
GROUP BY 1, 2;
COMMENT ON VIEW demo.usage_hourly IS 'billable tokens per developer and UTC hour (hours with usage only)';

-- Which database role is which developer (issue 17): each developer logs in as a role named like
-- their id. create_leaderboard's role_table: <name>_my_board shows each their own rows.
CREATE TABLE demo.developer_roles (
    role_name name PRIMARY KEY,
    developer_id text NOT NULL REFERENCES demo.developers
);
INSERT INTO demo.developer_roles SELECT developer_id::name, developer_id FROM demo.developers;

-- One row per developer and UTC day over the developer's span (first to last day with usage or
-- a merge), zero-filled; merged PRs count on their merged_date day.
CREATE VIEW demo.usage_daily AS
WITH tok AS (
    SELECT developer_id, (event_time AT TIME ZONE 'UTC')::date AS day,
           sum(usage_value.billable_tokens(input_tokens, output_tokens, cache_read_tokens,
                                           cache_creation_tokens, source))::bigint AS tokens
    FROM demo.usage_events
    GROUP BY 1, 2
), mrg AS (
    SELECT author_id AS developer_id, (merged_date AT TIME ZONE 'UTC')::date AS day, count(*)::bigint AS merged_changes
    FROM demo.pull_requests
    WHERE status = 'MERGED' AND merged_date IS NOT NULL
    GROUP BY 1, 2
), span AS (
    SELECT developer_id, min(day) AS first_day, max(day) AS last_day
    FROM (SELECT developer_id, day FROM tok UNION ALL SELECT developer_id, day FROM mrg) a
    GROUP BY 1
)
SELECT s.developer_id, d.team, g.day::date AS day,
       coalesce(t.tokens, 0)::bigint AS tokens,
       coalesce(m.merged_changes, 0)::bigint AS merged_changes
FROM span s
JOIN demo.developers d USING (developer_id)
CROSS JOIN LATERAL generate_series(s.first_day::timestamp, s.last_day::timestamp, interval '1 day') AS g(day)
LEFT JOIN tok t ON t.developer_id = s.developer_id AND t.day = g.day::date
LEFT JOIN mrg m ON m.developer_id = s.developer_id AND m.day = g.day::date;
COMMENT ON VIEW demo.usage_daily IS 'billable tokens and merged PRs per developer and UTC day, zero-filled over each developer''s span';

------------------------------------------------------------------------------------------------
-- Prices: THE EXAMPLE SET of the README ("Dollars"): public list prices as read on 2026-11-01,
-- an example only (check them before use). The Copilot export (model 'copilot-mixed') is priced
-- per seat, not per token: it has no price here, so its tokens are reported as unpriced
-- (demo.eng_unpriced) and its developers have no dollars, never cheap ones.
------------------------------------------------------------------------------------------------
INSERT INTO usage_value.model_prices (model, effective_from, input_usd_per_mtok, output_usd_per_mtok,
                                      cache_read_usd_per_mtok, cache_creation_usd_per_mtok, source)
VALUES ('claude-opus-4-1',   '2025-08-05', 15.00, 75.00, 1.50,  18.75, 'EXAMPLE (README, Dollars): anthropic.com/pricing, read 2026-11-01; check before use'),
       ('claude-sonnet-4-5', '2025-09-29',  3.00, 15.00, 0.30,   3.75, 'EXAMPLE (README, Dollars): anthropic.com/pricing, read 2026-11-01; check before use'),
       ('claude-haiku-4-5',  '2025-10-15',  1.00,  5.00, 0.10,   1.25, 'EXAMPLE (README, Dollars): anthropic.com/pricing, read 2026-11-01; check before use'),
       ('gpt-4.1',           '2025-04-14',  2.00,  8.00, 0.50,   0,    'EXAMPLE (README, Dollars): openai.com/api/pricing, read 2026-11-01; check before use'),
       ('gpt-5',             '2025-08-07',  1.25, 10.00, 0.125,  0,    'EXAMPLE (README, Dollars): openai.com/api/pricing, read 2026-11-01; check before use'),
       ('o4-mini',           '2025-04-16',  1.10,  4.40, 0.275,  0,    'EXAMPLE (README, Dollars): openai.com/api/pricing, read 2026-11-01; check before use')
ON CONFLICT (model, effective_from) DO NOTHING;

COMMIT;

ANALYZE demo.developers, demo.usage_events, demo.pull_requests, demo.pull_request_comments, demo.injected_episodes;

\echo demo data generated:
SELECT (SELECT count(*) FROM demo.developers) AS developers,
       (SELECT count(*) FROM demo.usage_events) AS usage_events,
       (SELECT count(*) FROM demo.pull_requests) AS pull_requests,
       (SELECT count(*) FROM demo.pull_requests WHERE status = 'MERGED') AS merged,
       (SELECT count(*) FROM demo.injected_episodes) AS injected_episodes;
