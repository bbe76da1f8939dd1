-- Incremental refresh of a board (0.5.0, issue 13): after new rows, late rows inside late_window,
-- late rows outside it found through ingested_column, deletions inside it and changes anywhere,
-- an incremental refresh leaves the board exactly (EXCEPT both ways, every column) as a full
-- rebuild over the same data; what it does not see without full => true; a failed refresh keeps
-- the previous data; what each refresh did is recorded.
BEGIN;
SET LOCAL search_path = usage_value, public;
SELECT plan(39);

CREATE SCHEMA inc;
CREATE TABLE inc.usage (dev text, at timestamptz, tokens bigint, ingested_at timestamptz);
CREATE TABLE inc.prs (id text, author text, merged_at timestamptz, additions int, deletions int);
CREATE TABLE inc.reviews (reviewer text, pr text);
CREATE TABLE inc.teams (dev text, team text);

-- 8 developers, 45 days (Jan 1 - Feb 14), a few hourly calls a day with deterministic noise; d1
-- bursts (8x) from Jan 20 to Jan 23; merges most days, reviewed by the next developer.
INSERT INTO inc.usage
SELECT 'd' || i, d + make_interval(hours => h, mins => (hashtext(i || ':' || d || ':' || h) & 31)),
       round(20000 * exp(0.5 * ((hashtext(i || '/' || d || '/' || h) & 65535) / 32768.0 - 1))
             * CASE WHEN i = 1 AND d BETWEEN '2026-01-20' AND '2026-01-23' THEN 8 ELSE 1 END)::bigint,
       d + make_interval(hours => h + 1)
FROM generate_series(1, 8) i, generate_series('2026-01-01'::timestamptz, '2026-02-14', '1 day') d, generate_series(9, 17, 2) h;
INSERT INTO inc.prs
SELECT 'pr-' || i || '-' || extract(doy FROM d), 'd' || i, d + interval '16 hours 30 minutes',
       10 + (hashtext('a' || i || d) & 127), hashtext('d' || i || d) & 31
FROM generate_series(1, 8) i, generate_series('2026-01-01'::timestamptz, '2026-02-14', '1 day') d
WHERE (hashtext('m' || i || d) & 3) <> 0;
INSERT INTO inc.reviews SELECT 'd' || (substr(author, 2)::int % 8 + 1), id FROM inc.prs;
INSERT INTO inc.teams SELECT 'd' || i, CASE WHEN i <= 4 THEN 'red' ELSE 'blue' END FROM generate_series(1, 8) i;

-- make(board, ingested): a board over inc's tables (a full rebuild when created).
CREATE FUNCTION pg_temp.make(board text, ingested text) RETURNS void LANGUAGE sql AS $$
    SELECT drop_leaderboard(board, 'inc') FROM leaderboards WHERE target_schema = 'inc' AND name = board;
    SELECT count(*) FROM create_leaderboard(name => board, target_schema => 'inc',
        usage_table => 'inc.usage', developer_column => 'dev', time_column => 'at', tokens_column => 'tokens',
        changes_table => 'inc.prs', author_column => 'author', merged_at_column => 'merged_at',
        change_id_column => 'id', additions_column => 'additions', deletions_column => 'deletions',
        reviews_table => 'inc.reviews', reviewer_column => 'reviewer', review_change_column => 'pr',
        team_table => 'inc.teams', team_member_column => 'dev', team_column => 'team',
        change_size_unit => 50, period => 'week', bucket_width => '1 hour', min_group_size => 2, late_window => '3 days',
        ingested_column => ingested);
$$;
-- differs(a, b): the relations of board a whose rows differ from board b's (EXCEPT both ways,
-- every column; the boards' views too), or NULL when they are the same.
CREATE FUNCTION pg_temp.differs(a text, b text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
    rel text;
    n bigint;
    out text[] := '{}';
BEGIN
    FOREACH rel IN ARRAY ARRAY['_days', '_credits', '_episodes', '_period_totals', '_periods', '_buckets', '_leaderboard',
                               '_team_leaderboard', '_suspects', '_coverage', '_unmatched', '_changes'] LOOP
        EXECUTE format('SELECT count(*) FROM ((SELECT * FROM inc.%1$I EXCEPT ALL SELECT * FROM inc.%2$I)
                                              UNION ALL (SELECT * FROM inc.%2$I EXCEPT ALL SELECT * FROM inc.%1$I)) x',
                       a || rel, b || rel) INTO n;
        IF n > 0 THEN
            out := out || format('%s (%s rows)', rel, n);
        END IF;
    END LOOP;
    RETURN nullif(array_to_string(out, ', '), '');
END
$$;
-- same_as_full(board): the board against a full rebuild over the same data (a new board).
CREATE FUNCTION pg_temp.same_as_full(board text, ingested text) RETURNS text LANGUAGE sql AS $$
    SELECT pg_temp.make('ref', ingested);
    SELECT coalesce(pg_temp.differs(board, 'ref'), 'same');
$$;
CREATE FUNCTION pg_temp.did(board text) RETURNS text LANGUAGE sql AS $$
    SELECT concat_ws(' ', refresh_kind, days_changed, developers_reanalysed, periods_rebuilt)
    FROM leaderboard_freshness WHERE schema = 'inc' AND name = board;
$$;

SELECT lives_ok($$SELECT pg_temp.make('a', 'ingested_at')$$, 'a board with ingested_column');
SELECT lives_ok($$SELECT pg_temp.make('n', NULL)$$, 'a board without');
SELECT is((SELECT array_agg(relkind::text || ':' || relname ORDER BY relname) FROM pg_class
           WHERE relnamespace = 'inc'::regnamespace AND relname LIKE 'a\_%' AND relkind IN ('r', 'v', 'm')),
          ARRAY['v:a_adoption', 'v:a_buckets', 'm:a_changes', 'v:a_coverage', 'r:a_credits', 'm:a_credits_read', 'r:a_days', 'r:a_episodes', 'v:a_leaderboard',
                'r:a_period_totals', 'v:a_periods', 'm:a_rejects', 'v:a_suspects', 'v:a_team_leaderboard', 'v:a_unmatched',
                'm:a_usage_read'],
          'the board stores days, episodes and period totals in tables; buckets and periods are views');
SELECT is(pg_temp.did('a'), 'full 360 8 56', 'creation is a full rebuild: every developer-day, developer and period');
SELECT ok((SELECT count(*) FROM inc.a_episodes WHERE developer_id = 'd1' AND inflated_tokens > 0) > 0,
          'the burst of d1 is an episode charged with inflation');
SELECT is((SELECT count(*) FROM inc.a_days), (SELECT count(DISTINCT (dev, (at AT TIME ZONE 'UTC')::date)) FROM inc.usage),
          'one row per developer and day with data: no zero-filled rows');
SELECT is((SELECT sum(tokens) FROM inc.a_buckets), (SELECT sum(tokens) FROM inc.usage)::numeric,
          '_buckets (a view over the stored series) holds every token');
SELECT is((SELECT count(*) FROM inc.a_buckets WHERE tokens = 0 AND merged_changes = 0 AND value = 0), 0::bigint,
          '... and no empty bucket (review credit alone makes a bucket)');

-- Nothing new: nothing written.
SELECT is((SELECT concat_ws(' ', refresh_kind, days_changed, developers_reanalysed, periods_rebuilt)
           FROM refresh_leaderboard('a', 'inc')), 'incremental 0 0 0', 'a refresh without new rows changes nothing');
SELECT ok((SELECT days_recomputed FROM leaderboard_freshness WHERE schema = 'inc' AND name = 'a') BETWEEN 8 * 4 AND 8 * 5,
          '... after re-reading the last days: watermark less late_window (3 days), from its UTC day on');

-- 1. A new day: usage of two developers, and a merged change.
INSERT INTO inc.usage VALUES ('d2', '2026-02-15 10:00Z', 50000, '2026-02-15 11:00Z'), ('d3', '2026-02-15 11:30Z', 60000, '2026-02-15 12:00Z');
INSERT INTO inc.prs VALUES ('pr-new', 'd2', '2026-02-15 16:00Z', 40, 2);
SELECT is((SELECT concat_ws(' ', refresh_kind, days_changed, developers_reanalysed) FROM refresh_leaderboard('a', 'inc')),
          'incremental 2 2', 'a new day: two developer-days written, two developers re-analysed');
SELECT is(pg_temp.same_as_full('a', 'ingested_at'), 'same', '... and the board equals a full rebuild, every relation and column');

-- 2. Late rows inside the window (2 days before the watermark), and a new developer.
INSERT INTO inc.usage VALUES ('d4', '2026-02-13 03:00Z', 900000, '2026-02-15 13:00Z'), ('d9', '2026-02-14 12:00Z', 1000, '2026-02-15 13:00Z');
SELECT lives_ok($$SELECT refresh_leaderboard('a', 'inc')$$, 'late rows inside late_window');
SELECT is(pg_temp.did('a'), 'incremental 2 2 2', '... two days changed (a new developer''s among them)');
SELECT is(pg_temp.same_as_full('a', 'ingested_at'), 'same', '... equal to a full rebuild');

-- 3. Deletions inside the window: a row, and all of a developer's usage (d9 leaves the board).
DELETE FROM inc.usage WHERE (dev = 'd5' AND at >= '2026-02-14' AND at < '2026-02-14 12:00') OR dev = 'd9';
SELECT lives_ok($$SELECT refresh_leaderboard('a', 'inc')$$, 'deletions inside late_window');
SELECT is((SELECT count(*) FROM inc.a_periods WHERE developer_id = 'd9'), 0::bigint, '... a developer without usage leaves the board');
SELECT is(pg_temp.same_as_full('a', 'ingested_at'), 'same', '... equal to a full rebuild');

-- 4. Rows arriving weeks late: found through ingested_column; without it, only by full => true.
INSERT INTO inc.usage VALUES ('d6', '2026-01-05 09:00Z', 400000, '2026-02-16 08:00Z'), ('d7', '2026-01-21 10:00Z', 300000, '2026-02-16 08:00Z');
SELECT is((SELECT days_changed FROM refresh_leaderboard('a', 'inc')), 2::bigint, 'rows ingested late, weeks before the window: their days are re-read');
SELECT is(pg_temp.same_as_full('a', 'ingested_at'), 'same', '... and the board equals a full rebuild');
SELECT lives_ok($$SELECT refresh_leaderboard('n', 'inc')$$, 'the board without ingested_column refreshes too');
SELECT matches(pg_temp.differs('n', 'a'), '^_days \(4 rows\), ',
               '... but does not see rows that old (documented: late_window, or ingested_column)');
SELECT is((SELECT concat_ws(' ', refresh_kind, days_changed) FROM refresh_leaderboard('n', 'inc', full => true)), 'full 2',
          'refresh_leaderboard(full => true) rebuilds: it finds them');
SELECT is(pg_temp.differs('n', 'a'), NULL, '... and then the two boards are equal');

-- 5. Changes at any age: a change deleted and one added a month back, reviews changed.
DELETE FROM inc.prs WHERE id = 'pr-2-10';
INSERT INTO inc.prs VALUES ('pr-old', 'd8', '2026-01-12 14:00Z', 5, 1);
INSERT INTO inc.reviews VALUES ('d1', 'pr-old');
SELECT lives_ok($$SELECT refresh_leaderboard('a', 'inc')$$, 'changes and reviews changed a month back');
SELECT is((SELECT days_changed FROM leaderboard_freshness WHERE schema = 'inc' AND name = 'a'), 4::bigint,
          '... only the 4 days whose credit changed are rewritten: the authors'' and the reviewers'' (a fixed change_size_unit: no other change is revalued)');
SELECT is(pg_temp.same_as_full('a', 'ingested_at'), 'same', '... equal to a full rebuild');

-- 6. A full rebuild of an up-to-date board writes nothing.
SELECT is((SELECT concat_ws(' ', refresh_kind, days_changed) FROM refresh_leaderboard('a', 'inc', full => true)), 'full 0',
          'full => true after incremental refreshes: nothing to write');

-- A review added to a change merged before the window's period: credit is recomputed per period,
-- for the window's and those whose changes changed, so only full => true sees it (documented).
INSERT INTO inc.reviews SELECT 'd5', min(id) FROM inc.prs WHERE author = 'd3' AND merged_at < '2026-01-20';
SELECT is((SELECT days_changed FROM refresh_leaderboard('a', 'inc')), 0::bigint,
          'a review added to a change merged weeks before the window is not seen by an incremental refresh');
SELECT ok((SELECT days_changed FROM refresh_leaderboard('a', 'inc', full => true)) > 0, '... full => true folds it in');

-- 7. A failed refresh leaves the previous data: an hour whose tokens overflow bigint (each row
--    is valid, so it fails the refresh instead of being set aside).
CREATE TEMP TABLE before AS SELECT * FROM inc.a_days;
CREATE TEMP TABLE before_board AS SELECT * FROM inc.a_leaderboard;
CREATE TEMP TABLE before_registry AS SELECT watermark, refreshed_at, refresh_kind, days_changed FROM leaderboards WHERE target_schema = 'inc' AND name = 'a';
INSERT INTO inc.usage VALUES ('d1', '2026-02-15 20:00Z', 5000000000000000000, NULL), ('d1', '2026-02-15 20:30Z', 5000000000000000000, NULL),
                             ('d2', '2026-02-16 09:00Z', 1000, NULL);
SELECT throws_ok($$SELECT refresh_leaderboard('a', 'inc')$$, '22003', NULL, 'a refresh over an hour of more than a bigint of tokens fails');
SELECT is((SELECT count(*) FROM ((TABLE before EXCEPT TABLE inc.a_days) UNION ALL (TABLE inc.a_days EXCEPT TABLE before)) x)
          + (SELECT count(*) FROM ((TABLE before_board EXCEPT TABLE inc.a_leaderboard) UNION ALL (TABLE inc.a_leaderboard EXCEPT TABLE before_board)) x),
          0::bigint, '... and leaves the days and the board as they were');
SELECT is((SELECT (watermark, refreshed_at, refresh_kind, days_changed)::text FROM leaderboards WHERE target_schema = 'inc' AND name = 'a'),
          (SELECT (watermark, refreshed_at, refresh_kind, days_changed)::text FROM before_registry), '... and its registry row');
DELETE FROM inc.usage WHERE tokens = 5000000000000000000;
SELECT is((SELECT concat_ws(' ', refresh_kind, days_changed) FROM refresh_leaderboard('a', 'inc')), 'incremental 1',
          'with the rows deleted the next refresh succeeds, and folds in the new row');
SELECT is(pg_temp.same_as_full('a', 'ingested_at'), 'same', '... equal to a full rebuild');

-- 8. The record: what the last refresh did, in leaderboard_freshness.
SELECT is((SELECT (refresh_kind, days_recomputed > 0, days_changed, developers_reanalysed, periods_rebuilt, watermark, late_window)::text
           FROM leaderboard_freshness WHERE schema = 'inc' AND name = 'a'),
          ('incremental', true, 1, 1, 1, '2026-02-16 09:00Z'::timestamptz, '3 days'::interval)::text,
          'leaderboard_freshness shows what the last refresh did and the watermark');
SELECT throws_ok($$SELECT refresh_leaderboard('a', 'inc', NULL)$$, '22004', 'full must be true or false', 'full => NULL is refused');
SELECT throws_ok($$SELECT count(*) FROM create_leaderboard(name => 'bad', target_schema => 'inc',
                       usage_table => 'inc.usage', developer_column => 'dev', time_column => 'at', tokens_column => 'tokens',
                       changes_table => 'inc.prs', author_column => 'author', merged_at_column => 'merged_at', late_window => '-1 day')$$,
                 '22023', NULL, 'a negative late_window is refused');
SELECT throws_ok($$SELECT count(*) FROM create_leaderboard(name => 'bad', target_schema => 'inc',
                       usage_table => 'inc.usage', developer_column => 'dev', time_column => 'at', tokens_column => 'tokens',
                       changes_table => 'inc.prs', author_column => 'author', merged_at_column => 'merged_at', ingested_column => 'tokens')$$,
                 '42804', NULL, 'an ingested_column that is no time is refused');

SELECT * FROM finish();
ROLLBACK;
