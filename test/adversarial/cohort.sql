-- test/adversarial/cohort.sql: a deterministic simulated cohort for the adversarial suite, and the
-- honest and attacking twins of one median developer.
--
--   psql -d DB -f test/adversarial/cohort.sql      (needs nothing but plain PostgreSQL)
--
-- Drops and recreates schema `adv`. Every random draw is a pure function of (key, stream) through
-- adv.rnd, a counter-based generator on hashint8extended (as in demo/generate.sql), so the rows do
-- not depend on plan, parallelism or row order; the session TimeZone changes nothing (times are
-- built from a UTC instant with hour arithmetic only).
--
-- Base cohort: 150 developers over 12 weeks from Monday 2026-01-05 (one quarter), 8 teams, a level.
--   tokens   weekday working hours 09-17 UTC; a developer is absent on 8% of days; an hour is active
--            with a per-developer probability (0.45-0.9); an active hour's tokens are log-normal:
--            exp(mu + 0.35 day effect + 0.7 noise), mu ~ N(ln 200k, 0.6).
--   changes  per developer-day Poisson(day tokens x efficiency / 1.5M), efficiency ~ Gamma(4, 1/4)
--            (mean 1); each merged 0-2 weekdays after its tokens, at 10:00-17:59; size (additions +
--            deletions) log-normal, median 80 lines, sigma 1; 85% reviewed by a teammate (one,
--            sometimes two, chosen with a per-developer review propensity); ~1% reverted by their
--            author a day later; dependabot's version bumps (is_bot, no usage).
-- Twins: copies of one template, the base developer of the largest level nearest the median by
-- both tokens and (estimated) value per token, under new ids (adv.twins lists them, with their
-- template and change-id offset), then each attack applied to its copy only. A second split pair
-- copies a developer of median tokens and lower-quartile value per token.

\set ON_ERROR_STOP on
SET client_min_messages = warning;

DROP SCHEMA IF EXISTS adv CASCADE;
CREATE SCHEMA adv;

-- Uniform in [0, 1) from 53 hash bits of (key, stream) under a fixed seed.
CREATE FUNCTION adv.rnd(key bigint, stream int) RETURNS float8
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT ((hashint8extended(stream::bigint, hashint8extended(key, 20260105)) >> 11)
                  & 9007199254740991)::float8 / 9007199254740992.0 $$;
-- Standard normal (Box-Muller) from streams `stream` and `stream + 1`.
CREATE FUNCTION adv.gauss(key bigint, stream int) RETURNS float8
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT sqrt(-2.0 * ln(1.0 - adv.rnd(key, stream))) * cos(2.0 * pi() * adv.rnd(key, stream + 1)) $$;
-- Gamma(4, scale 1/4), mean 1, CV 0.5: the sum of four unit exponentials (streams stream..stream+3) / 4.
CREATE FUNCTION adv.gamma4(key bigint, stream int) RETURNS float8
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT -(ln(1.0 - adv.rnd(key, stream)) + ln(1.0 - adv.rnd(key, stream + 1))
                   + ln(1.0 - adv.rnd(key, stream + 2)) + ln(1.0 - adv.rnd(key, stream + 3))) / 4.0 $$;
-- Poisson(lambda) by inversion of the uniform u (lambda here is small: a few per day).
CREATE FUNCTION adv.poisson(lambda float8, u float8) RETURNS int
    LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
DECLARE k int := 0; p float8 := exp(-lambda); s float8 := exp(-lambda);
BEGIN
    WHILE u > s AND k < 99 LOOP
        k := k + 1; p := p * lambda / k; s := s + p;
    END LOOP;
    RETURN k;
END $$;
-- Day index (0 = Monday 2026-01-05) of the n-th weekday after weekday `day` (n <= 4).
CREATE FUNCTION adv.add_weekdays(day int, n int) RETURNS int
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT day + n + CASE WHEN day % 7 + n >= 5 THEN 2 ELSE 0 END $$;
-- Day index of the w-th weekday (w = 0: Monday 2026-01-05).
CREATE FUNCTION adv.weekday(w int) RETURNS int
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT (w / 5) * 7 + w % 5 $$;
-- The instant `hours` after 2026-01-05 00:00 UTC.
CREATE FUNCTION adv.at(hours float8) RETURNS timestamptz
    LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS $$ SELECT '2026-01-05 00:00:00+00'::timestamptz + make_interval(secs => round(hours * 3600)) $$;

-- The sources, shaped like real ones.
CREATE TABLE adv.people (developer_id text PRIMARY KEY, team text NOT NULL, level text NOT NULL);
CREATE TABLE adv.usage (developer_id text NOT NULL, event_time timestamptz NOT NULL, tokens bigint NOT NULL);
CREATE TABLE adv.changes (id bigint PRIMARY KEY, author_id text NOT NULL, merged_date timestamptz NOT NULL,
                          additions int NOT NULL, deletions int NOT NULL, reverts_id bigint,
                          is_bot boolean NOT NULL DEFAULT false, reviewed boolean NOT NULL);
CREATE TABLE adv.reviews (reviewer_id text NOT NULL, change_id bigint NOT NULL, PRIMARY KEY (change_id, reviewer_id));

------------------------------------------------------------------------------------------------
-- Base cohort
------------------------------------------------------------------------------------------------
CREATE TABLE adv.dev AS
SELECT i::bigint AS dev_no,
       'dev' || lpad(i::text, 3, '0') AS developer_id,
       'team-' || (1 + floor(8 * adv.rnd(i, 1)))::int AS team,
       CASE WHEN adv.rnd(i, 2) < 0.02 THEN 'principal'     -- a level of a few people: ranked in 'all'
            WHEN adv.rnd(i, 2) < 0.15 THEN 'staff'
            WHEN adv.rnd(i, 2) < 0.40 THEN 'mid'
            ELSE 'senior' END AS level,
       ln(200000.0) + 0.6 * adv.gauss(i, 3) AS mu,
       0.45 + 0.45 * adv.rnd(i, 5) AS activity,
       adv.gamma4(i, 6) AS efficiency,
       0.3 + 1.7 * adv.rnd(i, 10) AS review_propensity
FROM generate_series(1, 150) i;

INSERT INTO adv.people SELECT developer_id, team, level FROM adv.dev ORDER BY dev_no;

-- Keys: developer-day = dev_no * 1000 + day; developer-hour = dev_no * 100000 + day * 24 + hour.
INSERT INTO adv.usage
SELECT d.developer_id,
       adv.at(day * 24 + hour + 0.9 * adv.rnd(d.dev_no * 100000 + day * 24 + hour, 21)),
       round(exp(d.mu + 0.35 * adv.gauss(d.dev_no * 1000 + day, 30)
                 + 0.7 * adv.gauss(d.dev_no * 100000 + day * 24 + hour, 22)))::bigint
FROM adv.dev d, generate_series(0, 83) day, generate_series(9, 17) hour
WHERE day % 7 < 5
  AND adv.rnd(d.dev_no * 1000 + day, 32) >= 0.08                       -- not absent that day
  AND adv.rnd(d.dev_no * 100000 + day * 24 + hour, 20) < d.activity    -- active that hour
ORDER BY 1, 2;

-- Changes: id = dev_no * 100000 + day * 100 + j (j-th change of that day's tokens).
INSERT INTO adv.changes (id, author_id, merged_date, additions, deletions, reviewed)
WITH days AS (
    SELECT d.dev_no, d.developer_id, d.efficiency,
           floor(extract(epoch FROM u.event_time - '2026-01-05 00:00:00+00') / 86400)::int AS day,
           sum(u.tokens) AS tokens
    FROM adv.usage u JOIN adv.dev d USING (developer_id)
    GROUP BY 1, 2, 3, 4),
made AS (
    SELECT dy.*, j, dy.dev_no * 100000 + dy.day * 100 + j AS id
    FROM days dy
    CROSS JOIN LATERAL generate_series(1, adv.poisson(dy.tokens * dy.efficiency / 1.5e6, adv.rnd(dy.dev_no * 1000 + dy.day, 40))) j),
sized AS (
    SELECT m.*, adv.add_weekdays(m.day, floor(3 * adv.rnd(m.id, 41))::int) AS merge_day,
           greatest(1, round(exp(ln(80.0) + adv.gauss(m.id, 42))))::int AS size,
           0.4 + 0.5 * adv.rnd(m.id, 44) AS add_share
    FROM made m)
SELECT id, developer_id, adv.at(merge_day * 24 + 10 + 8 * adv.rnd(id, 45)),
       round(size * add_share)::int, size - round(size * add_share)::int,
       adv.rnd(id, 46) < 0.85
FROM sized WHERE merge_day <= 81          -- 81: the last Friday of the quarter's 12 weeks
ORDER BY id;

-- ~1% of changes reverted by their author a day later (id + 90: ids of a day stay below 100 changes).
INSERT INTO adv.changes (id, author_id, merged_date, additions, deletions, reverts_id, reviewed)
SELECT id + 90, author_id, merged_date + interval '20 hours', deletions, additions, id, true
FROM adv.changes WHERE adv.rnd(id, 47) < 0.01 AND merged_date < '2026-03-26' ORDER BY id;

-- Dependabot: version bumps twice a week, no usage of its own.
INSERT INTO adv.changes (id, author_id, merged_date, additions, deletions, is_bot, reviewed)
SELECT 900000000 + day, 'dependabot[bot]', adv.at(day * 24 + 7), 12, 12, true, true
FROM generate_series(0, 81) day WHERE day % 7 IN (1, 3);

-- Reviews: a teammate (never the author), chosen by an exponential race weighted by review
-- propensity; a second reviewer on a fifth of the reviewed changes.
INSERT INTO adv.reviews
SELECT reviewer_id, id FROM (
    SELECT c.id, r.developer_id AS reviewer_id,
           row_number() OVER (PARTITION BY c.id ORDER BY -ln(1.0 - adv.rnd(c.id * 1000 + r.dev_no, 50)) / r.review_propensity, r.dev_no) AS k,
           adv.rnd(c.id, 48) < 0.2 AS two
    FROM adv.changes c JOIN adv.dev a ON a.developer_id = c.author_id
    JOIN adv.dev r ON r.team = a.team AND r.dev_no <> a.dev_no
    WHERE c.reviewed AND NOT c.is_bot) x
WHERE k = 1 OR (k = 2 AND two)
ORDER BY id, reviewer_id;

------------------------------------------------------------------------------------------------
-- Templates. The board ranks value per token, so "median" is by tokens and by an estimate of
-- value per token (size over the median size, capped at 10, halved when unreviewed, 0 for reverts
-- and reverted changes: the board's default rule), within the largest level.
------------------------------------------------------------------------------------------------
CREATE TABLE adv.rates AS
WITH unit AS (SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY additions + deletions) AS lines
              FROM adv.changes WHERE NOT is_bot AND reverts_id IS NULL),
per AS (
    SELECT d.developer_id, d.team, d.level,
           (SELECT sum(tokens) FROM adv.usage u WHERE u.developer_id = d.developer_id) AS tokens,
           (SELECT count(*) FROM adv.changes c WHERE c.author_id = d.developer_id AND c.reverts_id IS NULL) AS changes,
           (SELECT coalesce(sum(least((c.additions + c.deletions) / unit.lines, 10) * CASE WHEN c.reviewed THEN 1 ELSE 0.5 END), 0)
            FROM adv.changes c, unit WHERE c.author_id = d.developer_id AND c.reverts_id IS NULL
              AND NOT EXISTS (SELECT 1 FROM adv.changes r WHERE r.reverts_id = c.id)) AS value
    FROM adv.dev d
    WHERE d.level = (SELECT level FROM adv.dev GROUP BY level ORDER BY count(*) DESC, level LIMIT 1))
SELECT per.*, percent_rank() OVER (ORDER BY tokens) AS pt, percent_rank() OVER (ORDER BY value / tokens) AS pv
FROM per;

-- The template of most twins: nearest the median by tokens and by value per token.
CREATE TABLE adv.template AS
SELECT developer_id, team, level, tokens, changes, value FROM adv.rates
ORDER BY abs(pt - 0.5) + abs(pv - 0.5), developer_id LIMIT 1;

-- A second team for the twins whose own pairing must not meet the split pair's (see adv.twins).
CREATE FUNCTION adv.other_team() RETURNS text LANGUAGE sql STABLE
    AS $$ SELECT min(team) FROM adv.people WHERE team <> (SELECT team FROM adv.template) $$;

-- A second template for a second split: median tokens, value per token at the lower quartile, in
-- a third team (so that no twin of another pair fits its second identity).
CREATE TABLE adv.template_low AS
SELECT developer_id, team, level, tokens, changes, value FROM adv.rates
WHERE team NOT IN ((SELECT team FROM adv.template), adv.other_team())
ORDER BY abs(pt - 0.5) + abs(pv - 0.25), developer_id LIMIT 1;

-- Teams of their own for each split pair: the twins are exact copies of a template, so any other
-- copy in the pair's team would move with the second identity hour by hour as its owner does (no
-- two real people share an hourly series; copies do). The k-th team that holds neither template
-- nor the other twins.
CREATE FUNCTION adv.split_team(k int) RETURNS text LANGUAGE sql STABLE AS $$
    SELECT team FROM (SELECT DISTINCT team FROM adv.people
                      WHERE team NOT IN ((SELECT team FROM adv.template), adv.other_team(), (SELECT team FROM adv.template_low))) t
    ORDER BY team OFFSET k - 1 LIMIT 1 $$;

------------------------------------------------------------------------------------------------
-- Twins. offset: added to the template's change ids (and revert targets) in the copy.
------------------------------------------------------------------------------------------------
CREATE TABLE adv.twins (developer_id text PRIMARY KEY, template text NOT NULL, id_offset bigint NOT NULL, copy_usage boolean NOT NULL,
                        copy_changes boolean NOT NULL, in_people boolean NOT NULL, team text, level text, purpose text NOT NULL);
INSERT INTO adv.twins
SELECT t.developer_id, tp.developer_id, (row_number() OVER (ORDER BY ord)) * 1000000000, copy_usage, copy_changes, in_people,
       CASE WHEN t.developer_id LIKE 'twin:split:%' THEN adv.split_team(1)
            WHEN t.developer_id LIKE 'twin:low:split:%' THEN adv.split_team(2)
            WHEN t.other_team THEN adv.other_team() ELSE tp.team END,
       coalesce(t.level, tp.level), purpose
FROM (VALUES
    (1,  'twin:honest',         true,  true,  true,  false, NULL,     'the honest twin: an exact copy of the template'),
    (2,  'twin:equal:a',        true,  true,  true,  false, NULL,     'equal data gives equal scores'),
    (3,  'twin:equal:b',        true,  true,  true,  false, NULL,     'equal data gives equal scores'),
    (4,  'twin:trivial33',      true,  true,  true,  false, NULL,     '+33 trivial zero-token merged changes'),
    (5,  'twin:trivial10',      true,  true,  true,  false, NULL,     '+10 trivial zero-token merged changes'),
    (6,  'twin:revbot',         true,  true,  true,  false, NULL,     '+15 revert pairs and 10 dependency bumps'),
    (7,  'twin:splitchg',       true,  true,  true,  false, NULL,     'every change split into two halves'),
    (8,  'twin:fewer',          true,  true,  true,  false, NULL,     'changes merged in pairs: fewer, larger (honest)'),
    (9,  'twin:spike:plain',    true,  true,  true,  false, NULL,     'an 8x two-day token spike'),
    (10, 'twin:spike:trivial',  true,  true,  true,  false, NULL,     'the same spike with 20 trivial changes in its credit window'),
    (11, 'twin:split:source',   true,  true,  true,  false, NULL,     'half the tokens, all the changes'),
    (12, 'twin:split:sink',     false, false, true,  false, NULL,     'the second identity: the other half of the tokens'),
    (13, 'twin:ghost:source',   true,  true,  true,  true,  NULL,     'half the tokens, all the changes (its second identity is unlisted)'),
    (14, 'twin:ghost:alias',    false, false, false, true,  NULL,     'a second identity not in the people table'),
    (15, 'twin:unlisted',       true,  true,  false, false, NULL,     'an exact copy missing from the people table'),
    (16, 'twin:fellow:1',       true,  true,  true,  false, 'fellow', 'one of two people of level fellow'),
    (17, 'twin:fellow:2',       true,  true,  true,  false, 'fellow', 'one of two people of level fellow'),
    (18, 'twin:burn',           true,  true,  true,  false, NULL,     '50% more tokens, the same changes'),
    (19, 'twin:low:honest',     true,  true,  true,  false, NULL,     'an exact copy of the lower-quartile template'),
    (20, 'twin:low:split:source', true, true, true,  false, NULL,     'lower quartile: half the tokens, all the changes'),
    (21, 'twin:low:split:sink', false, false, true,  false, NULL,     'lower quartile: the second identity, the other half of the tokens')
) t(ord, developer_id, copy_usage, copy_changes, in_people, other_team, level, purpose)
JOIN (SELECT *, 'median' AS which FROM adv.template UNION ALL SELECT *, 'low' FROM adv.template_low) tp
  ON tp.which = CASE WHEN t.developer_id LIKE 'twin:low:%' THEN 'low' ELSE 'median' END;

INSERT INTO adv.people SELECT developer_id, team, level FROM adv.twins WHERE in_people ORDER BY developer_id;
INSERT INTO adv.usage
SELECT t.developer_id, u.event_time, u.tokens
FROM adv.twins t, adv.usage u WHERE t.copy_usage AND u.developer_id = t.template
ORDER BY 1, 2;
INSERT INTO adv.changes
SELECT c.id + t.id_offset, t.developer_id, c.merged_date, c.additions, c.deletions, c.reverts_id + t.id_offset, c.is_bot, c.reviewed
FROM adv.twins t, adv.changes c WHERE t.copy_changes AND c.author_id = t.template
ORDER BY 1;
INSERT INTO adv.reviews
SELECT r.reviewer_id, r.change_id + t.id_offset
FROM adv.twins t, adv.reviews r JOIN adv.changes c ON c.id = r.change_id
WHERE t.copy_changes AND c.author_id = t.template
ORDER BY 2, 1;

-- Trivial zero-token changes (1-2 lines, reviewed: a colluding approver is assumed), spread
-- evenly over weekdays first_wd..last_wd (weekday numbers, 0 = 2026-01-05), at 10:00-17:59;
-- ids: the twin's offset + 500000000 + k.
CREATE PROCEDURE adv.add_trivial(who text, n int, first_wd int, last_wd int)
    LANGUAGE sql AS $$
    WITH base AS (SELECT id_offset + 500000000 AS id_base FROM adv.twins WHERE developer_id = who)
    INSERT INTO adv.changes (id, author_id, merged_date, additions, deletions, reviewed)
    SELECT id_base + k, who,
           adv.at(adv.weekday(first_wd + floor((last_wd - first_wd + 1) * (k - 0.5) / n)::int) * 24
                  + 10 + 7.9 * adv.rnd(id_base + k, 60)),
           1 + (adv.rnd(id_base + k, 61) < 0.5)::int, 0, true
    FROM base, generate_series(1, n) k
    ORDER BY k $$;

CALL adv.add_trivial('twin:trivial33', 33, 0, 59);
CALL adv.add_trivial('twin:trivial10', 10, 0, 59);

-- Revert pairs: 15 changes of 20-40 lines, each reverted (reverts_id set) 2 hours later; and 10
-- dependency bumps (is_bot) credited to the person. All reviewed, no tokens.
INSERT INTO adv.changes (id, author_id, merged_date, additions, deletions, reverts_id, is_bot, reviewed)
SELECT t.id_offset + 500000000 + 2 * k + r, t.developer_id,
       adv.at(adv.weekday(4 * k) * 24 + 11 + 2 * r),
       CASE r WHEN 0 THEN 20 + k ELSE 0 END, CASE r WHEN 0 THEN 0 ELSE 20 + k END,
       CASE r WHEN 1 THEN t.id_offset + 500000000 + 2 * k END, false, true
FROM adv.twins t, generate_series(1, 15) k, generate_series(0, 1) r
WHERE t.developer_id = 'twin:revbot'
UNION ALL
SELECT t.id_offset + 600000000 + k, t.developer_id, adv.at((7 * k + 2) * 24 + 8), 3, 3, NULL, true, true
FROM adv.twins t, generate_series(1, 10) k
WHERE t.developer_id = 'twin:revbot'
ORDER BY 1;

-- Splitting: every change of the copy becomes two halves of the same total size, one minute apart.
CREATE TEMP TABLE halves AS
SELECT c.*, h FROM adv.changes c, generate_series(0, 1) h WHERE c.author_id = 'twin:splitchg';
DELETE FROM adv.reviews WHERE change_id IN (SELECT id FROM adv.changes WHERE author_id = 'twin:splitchg');
DELETE FROM adv.changes WHERE author_id = 'twin:splitchg';
INSERT INTO adv.changes
SELECT 2 * id + h - (SELECT id_offset FROM adv.twins WHERE developer_id = 'twin:splitchg'),  -- offset*2 -> offset*1 + 2 id
       author_id, merged_date + make_interval(mins => h),
       CASE h WHEN 0 THEN additions / 2 ELSE additions - additions / 2 END,
       CASE h WHEN 0 THEN deletions / 2 ELSE deletions - deletions / 2 END,
       CASE WHEN reverts_id IS NOT NULL THEN 2 * reverts_id + h - (SELECT id_offset FROM adv.twins WHERE developer_id = 'twin:splitchg') END,
       is_bot, reviewed
FROM halves ORDER BY 1;
INSERT INTO adv.reviews
SELECT r.reviewer_id, 2 * (r.change_id + t.id_offset) + h - t.id_offset
FROM adv.reviews r JOIN adv.changes c ON c.id = r.change_id AND c.author_id = (SELECT developer_id FROM adv.template),
     adv.twins t, generate_series(0, 1) h
WHERE t.developer_id = 'twin:splitchg' ORDER BY 2, 1;
DROP TABLE halves;

-- Fewer, larger: the copy's unreverted changes merged in consecutive pairs (by merge time) into one
-- change of the summed size at the later merge time; reviewed if both were; reviewers united.
CREATE TEMP TABLE pairs AS
SELECT id, (row_number() OVER (ORDER BY merged_date, id) - 1) / 2 AS pair
FROM adv.changes c
WHERE author_id = 'twin:fewer' AND reverts_id IS NULL
  AND NOT EXISTS (SELECT 1 FROM adv.changes r WHERE r.reverts_id = c.id);
CREATE TEMP TABLE merged AS
SELECT pair, max(p.id) AS id, max(merged_date) AS merged_date, sum(additions)::int AS additions,
       sum(deletions)::int AS deletions, bool_and(reviewed) AS reviewed
FROM pairs p JOIN adv.changes c USING (id) GROUP BY pair;
CREATE TEMP TABLE merged_reviews AS
SELECT DISTINCT r.reviewer_id, m.id AS change_id
FROM pairs p JOIN merged m USING (pair) JOIN adv.reviews r ON r.change_id = p.id;
DELETE FROM adv.reviews WHERE change_id IN (SELECT id FROM pairs);
DELETE FROM adv.changes WHERE id IN (SELECT id FROM pairs);
INSERT INTO adv.changes (id, author_id, merged_date, additions, deletions, reviewed)
SELECT id, 'twin:fewer', merged_date, additions, deletions, reviewed FROM merged ORDER BY id;
INSERT INTO adv.reviews SELECT reviewer_id, change_id FROM merged_reviews ORDER BY 2, 1;
DROP TABLE pairs, merged, merged_reviews;

-- The spike: on Tuesday and Wednesday of week 9 (days 57, 58), 7 x the template's mean tokens per
-- weekday added each day over 09:00-17:59 (so ~8x a usual day), no extra merges; the second twin
-- also merges 20 trivial changes in the 3 days from the spike's start (its credit window).
CREATE TABLE adv.spike AS
SELECT 57 AS first_day, 58 AS last_day,
       (SELECT sum(tokens) FROM adv.usage WHERE developer_id = (SELECT developer_id FROM adv.template)) / 60.0 AS mean_weekday_tokens;
INSERT INTO adv.usage
SELECT t.developer_id, adv.at(day * 24 + hour + 0.5), round(7 * s.mean_weekday_tokens / 9)::bigint
FROM adv.twins t, adv.spike s, generate_series(s.first_day, s.last_day) day, generate_series(9, 17) hour
WHERE t.developer_id IN ('twin:spike:plain', 'twin:spike:trivial')
ORDER BY 1, 2;
CALL adv.add_trivial('twin:spike:trivial', 20, 41, 43);

-- Split identities: the source keeps its changes and half of each usage row's tokens; the second
-- identity (same team, in the people table) carries the other half, with no changes. The ghost
-- pair is the same in another team, its second identity missing from the people table.
INSERT INTO adv.usage
SELECT CASE t.developer_id WHEN 'twin:split:source' THEN 'twin:split:sink' WHEN 'twin:low:split:source' THEN 'twin:low:split:sink'
                           ELSE 'twin:ghost:alias' END,
       u.event_time, u.tokens - u.tokens / 2
FROM adv.usage u JOIN adv.twins t USING (developer_id)
WHERE t.developer_id IN ('twin:split:source', 'twin:ghost:source', 'twin:low:split:source')
ORDER BY 1, 2;
UPDATE adv.usage SET tokens = tokens / 2 WHERE developer_id IN ('twin:split:source', 'twin:ghost:source', 'twin:low:split:source');

-- Burning: 50% more tokens in every usage row, the same changes.
UPDATE adv.usage SET tokens = round(tokens * 1.5)::bigint WHERE developer_id = 'twin:burn';

-- Order independence: the same rows in another physical order (by a hash of each row).
CREATE TABLE adv.usage_shuffled AS
SELECT * FROM adv.usage ORDER BY hashtext(developer_id || event_time::text || tokens::text), developer_id, event_time;
CREATE TABLE adv.changes_shuffled AS SELECT * FROM adv.changes ORDER BY hashint8(id), id;
CREATE TABLE adv.reviews_shuffled AS SELECT * FROM adv.reviews ORDER BY hashint8(change_id + 7), reviewer_id DESC;
CREATE TABLE adv.people_shuffled AS SELECT * FROM adv.people ORDER BY hashtext(developer_id), developer_id;

ANALYZE adv.usage, adv.changes, adv.reviews, adv.people;
