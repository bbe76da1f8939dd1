-- Excused periods and efficiency drift on a board (0.5.0, issue 14): an annotations table
-- (developer, during, kind) excuses an on-call week's burst, which is then shown with its
-- excused tokens and the kind that excuses it, and not charged in the board's inflated tokens;
-- the same data without it is charged; annotations edited, deleted or added (through the
-- identity map) re-analyse the developer at the next refresh, and the board then equals a full
-- rebuild; drift findings are rows of <name>_episodes; the annotations table is checked at create.
BEGIN;
SET LOCAL search_path = usage_value, public;
SELECT plan(31);

CREATE SCHEMA an;
CREATE TABLE an.usage (who text, at timestamptz, tokens bigint);
CREATE TABLE an.changes (author text, merged timestamptz);
CREATE TABLE an.notes (developer text, during tstzrange, kind text);
CREATE TABLE an.accounts (account text, person text);

-- 8 developers, daily use from Dec 1 to Mar 10, about a million tokens a day (deterministic noise,
-- +-35%) and 1-4 merges a day by developer. d01 is on call Jan 24 - Feb 6 and spends six times its
-- tokens Jan 26 - Feb 1, with no more merges. d02 doubles its tokens from Feb 2 on, with the same
-- merges (a step: drift).
INSERT INTO an.usage
SELECT 'd' || lpad(i::text, 2, '0'), d + interval '10 hours',
       round(1e6 * exp(0.3 * ((hashtext(i || ':' || extract(epoch FROM d)) & 65535) / 32768.0 - 1))
             * CASE WHEN i = 1 AND d >= '2026-01-26' AND d < '2026-02-02' THEN 6
                    WHEN i = 2 AND d >= '2026-02-02' THEN 2 ELSE 1 END)
FROM generate_series(1, 8) i, generate_series('2025-12-01'::timestamptz, '2026-03-10', '1 day') d;
INSERT INTO an.changes
SELECT 'd' || lpad(i::text, 2, '0'), d + interval '15 hours' + make_interval(mins => k)
FROM generate_series(1, 8) i, generate_series('2025-12-01'::timestamptz, '2026-03-10', '1 day') d, generate_series(1, 4) k
WHERE k <= 1 + i % 4;
INSERT INTO an.notes VALUES ('d01', '[2026-01-24, 2026-02-07)', 'on-call'),
                            ('d05', '[2026-03-02, 2026-03-04)', 'training'),   -- a quiet week: nothing to excuse
                            (NULL, '[2026-01-01, 2026-01-02)', 'on-call'),      -- no developer: left out
                            ('d03', 'empty', 'incident');                        -- empty: left out
INSERT INTO an.accounts VALUES ('pager-d01', 'd01');

-- make(board, notes): a board over an's tables, with the annotations table notes (or none).
CREATE FUNCTION pg_temp.make(board text, notes regclass) RETURNS void LANGUAGE sql AS $$
    SELECT drop_leaderboard(board, 'an') FROM leaderboards WHERE target_schema = 'an' AND name = board;
    SELECT count(*) FROM create_leaderboard(name => board, target_schema => 'an',
        usage_table => 'an.usage', developer_column => 'who', time_column => 'at', tokens_column => 'tokens',
        changes_table => 'an.changes', author_column => 'author', merged_at_column => 'merged',
        identity_table => 'an.accounts', identity_column => 'account', identity_person_column => 'person',
        period => 'month', bucket_width => '1 day', min_group_size => 2, annotations_table => notes);
$$;
-- differs(a, b): the relations of board a whose rows differ from board b's (EXCEPT both ways;
-- those both boards have).
CREATE FUNCTION pg_temp.differs(a text, b text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    rel text;
    n bigint;
    out text[] := '{}';
BEGIN
    FOREACH rel IN ARRAY ARRAY['_annotations', '_days', '_episodes', '_period_totals', '_periods', '_leaderboard'] LOOP
        CONTINUE WHEN to_regclass('an.' || a || rel) IS NULL OR to_regclass('an.' || b || rel) IS NULL;
        EXECUTE format('SELECT count(*) FROM ((SELECT * FROM an.%1$I EXCEPT ALL SELECT * FROM an.%2$I)
                                              UNION ALL (SELECT * FROM an.%2$I EXCEPT ALL SELECT * FROM an.%1$I)) x',
                       a || rel, b || rel) INTO n;
        IF n > 0 THEN
            out := out || format('%s (%s rows)', rel, n);
        END IF;
    END LOOP;
    RETURN coalesce(nullif(array_to_string(out, ', '), ''), 'same');
END
$$;
-- oncall(board): d01's burst episode in its on-call week.
CREATE FUNCTION pg_temp.oncall(board text) RETURNS TABLE(inflated_tokens float8, excused_tokens float8, excused_by text, verdict text)
LANGUAGE plpgsql AS $$
BEGIN
    RETURN QUERY EXECUTE format('SELECT inflated_tokens, excused_tokens, excused_by, verdict FROM an.%I
                                 WHERE developer_id = ''d01'' AND kind = ''burst'' AND start_at < ''2026-02-02'' AND end_at > ''2026-01-26''',
                                board || '_episodes');
END
$$;

SELECT lives_ok($$SELECT pg_temp.make('an', 'an.notes')$$, 'a board with an annotations table');
SELECT lives_ok($$SELECT pg_temp.make('plain', NULL)$$, '... and the same board without one');
SELECT is((SELECT annotations_table FROM leaderboards WHERE target_schema = 'an' AND name = 'an'), 'an.notes',
          'the registry records the annotations table');
SELECT ok((SELECT 'an_annotations' = ANY (objects) FROM leaderboards WHERE target_schema = 'an' AND name = 'an')
          AND (SELECT relkind FROM pg_class WHERE oid = 'an.an_annotations'::regclass) = 'm'
          AND to_regclass('an.plain_annotations') IS NULL,
          '... and the board lists its materialized view <name>_annotations (a board without annotations has none)');
SELECT is((SELECT array_agg(developer_id || ' ' || kind ORDER BY developer_id) FROM an.an_annotations),
          ARRAY['d01 on-call', 'd05 training'], '<name>_annotations: rows without a developer, and empty ranges, are left out');

-- 1. Without annotations, the on-call week is charged.
SELECT ok((SELECT count(*) = 1 AND bool_and(inflated_tokens > 0 AND excused_tokens = 0 AND excused_by IS NULL) FROM pg_temp.oncall('plain')),
          'without annotations, d01''s on-call week is a burst episode charged with inflation');
-- 2. With them it is excused: shown, with what excuses it, and not charged.
SELECT is((SELECT excused_by FROM pg_temp.oncall('an')), 'on-call', 'with them, the episode says what excuses it (excused_by)');
SELECT ok((SELECT excused_tokens > 0 FROM pg_temp.oncall('an')), '... its inflated tokens are excused (excused_tokens)');
SELECT ok((SELECT abs(a.inflated_tokens + a.excused_tokens - p.inflated_tokens) <= 1e-6 * p.inflated_tokens
           FROM pg_temp.oncall('an') a, pg_temp.oncall('plain') p),
          '... excused plus charged is what the board without annotations charges');
SELECT is((SELECT verdict FROM pg_temp.oncall('an')), 'not charged: excused', '... and its verdict says so');
SELECT ok((SELECT sum(inflated_tokens) FROM an.an_periods WHERE developer_id = 'd01')
          < (SELECT sum(inflated_tokens) FROM an.plain_periods WHERE developer_id = 'd01'),
          'the board''s inflated tokens for d01 do not count the excused week');
SELECT ok((SELECT abs((SELECT sum(inflated_tokens) FROM an.an_periods) - sum(inflated_tokens)) <= 1e-6 * greatest(sum(inflated_tokens), 1)
           FROM an.an_episodes WHERE kind = 'burst'),
          '... the periods'' inflated tokens are the burst episodes'' charged tokens (excused and drift rows not counted)');
SELECT is((SELECT count(*) FROM an.an_episodes WHERE kind = 'burst' AND excused_tokens > 0 AND developer_id <> 'd01'), 0::bigint,
          'nothing else is excused (d05''s training days hold no burst)');
SELECT is((SELECT count(*) FROM ((SELECT * FROM an.an_periods WHERE developer_id <> 'd01' EXCEPT SELECT * FROM an.plain_periods)
                                  UNION ALL (SELECT * FROM an.plain_periods WHERE developer_id <> 'd01' EXCEPT SELECT * FROM an.an_periods)) x),
          0::bigint, '... and the other developers'' periods are those of the board without annotations');

-- 3. Annotations edited, deleted, added: the developer is re-analysed at the next refresh.
SELECT is((SELECT developers_reanalysed FROM refresh_leaderboard('an', 'an')), 0::bigint, 'a refresh with nothing new re-analyses nobody');
UPDATE an.notes SET kind = 'incident' WHERE developer = 'd01';
SELECT is((SELECT concat_ws(' ', refresh_kind, days_changed, developers_reanalysed) FROM refresh_leaderboard('an', 'an')),
          'incremental 0 1', 'an annotation edited: no day changed, its developer re-analysed');
SELECT is((SELECT excused_by FROM pg_temp.oncall('an')), 'incident', '... and the episode shows the new kind');
DELETE FROM an.notes WHERE developer = 'd01';
SELECT is((SELECT developers_reanalysed FROM refresh_leaderboard('an', 'an')), 1::bigint, 'the annotation deleted: d01 re-analysed');
SELECT ok((SELECT inflated_tokens > 0 AND excused_tokens = 0 AND excused_by IS NULL FROM pg_temp.oncall('an')),
          '... and its on-call week is charged again');
SELECT is(pg_temp.differs('an', 'plain'), 'same', '... exactly as on the board without annotations');
-- Added under a second account of d01: the identity map applies to annotations too.
INSERT INTO an.notes VALUES ('pager-d01', '[2026-01-24, 2026-02-07)', 'on-call');
SELECT is((SELECT developers_reanalysed FROM refresh_leaderboard('an', 'an')), 1::bigint, 'an annotation added under d01''s second account: d01 re-analysed');
SELECT is((SELECT excused_by FROM pg_temp.oncall('an')), 'on-call', '... the account is mapped to d01, whose week is excused again');
SELECT lives_ok($$SELECT pg_temp.make('ref', 'an.notes')$$, 'a board made now over the same data (a full rebuild)');
SELECT is(pg_temp.differs('an', 'ref'), 'same', '... equals the board refreshed incrementally, every relation and column');

-- 4. Drift findings are rows of <name>_episodes: d02's step (twice the tokens, the same merges).
SELECT ok((SELECT count(*) > 0 FROM an.an_episodes WHERE kind = 'drift' AND developer_id = 'd02'
           AND start_at < '2026-02-09' AND end_at > '2026-02-16' AND ratio < 1 AND reference = 'own past' AND inflated_tokens > 0),
          'd02''s step is a drift finding in <name>_episodes: over the step, less value per token than its own past');
SELECT is((SELECT count(*) FROM an.an_episodes WHERE kind = 'drift' AND (ratio IS NULL OR reference IS NULL OR merged_changes IS NOT NULL))
          + (SELECT count(*) FROM an.an_episodes WHERE kind = 'burst' AND (ratio IS NOT NULL OR reference IS NOT NULL)),
          0::bigint, 'drift rows have a ratio and a reference and no merge count; burst rows neither');
SELECT ok((SELECT abs((SELECT sum(inflated_tokens) FROM an.an_periods WHERE developer_id = 'd02') - coalesce(sum(inflated_tokens), 0)) <= 1
           FROM an.an_episodes WHERE kind = 'burst' AND developer_id = 'd02'),
          'd02''s periods count only its burst episodes'' inflated tokens (drift is explanation)');

-- 5. The annotations table is checked at create.
CREATE TABLE an.no_kind (developer text, during tstzrange);
CREATE TABLE an.ts_range (developer text, during tsrange, kind text);
SELECT throws_ok($$SELECT pg_temp.make('bad', 'an.no_kind')$$, '42703', 'annotations_table: table an.no_kind has no column kind',
                 'an annotations table without kind is refused, naming the column');
SELECT throws_ok($$SELECT pg_temp.make('bad', 'an.ts_range')$$, '42804', 'annotations_table: column an.ts_range.during is tsrange, not a tstzrange',
                 '... and one whose during is no tstzrange');
SELECT lives_ok($$SELECT drop_leaderboard('an', 'an')$$, 'drop_leaderboard');
SELECT is(to_regclass('an.an_annotations'), NULL, '... drops <name>_annotations too');

SELECT * FROM finish();
ROLLBACK;
