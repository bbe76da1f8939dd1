-- test/adversarial/attacks.sql: each attack of issue 10 measured against an honest twin on the
-- board bound by boards.sql (adv), with the thresholds of the issue asserted, and the same figure
-- on the board without value columns (adv_before) reported beside it. The honest cases that must
-- not suffer follow. Every description carries the measured figure; the last diagnostics are the
-- "attack: before -> after" table for the README.
BEGIN;
SET LOCAL search_path = adv, public;
SELECT plan(30);

-- Figures for the closing table: (order, what, before, after, threshold).
CREATE TEMP TABLE fig (ord int, what text, before text, after text, threshold text) ON COMMIT DROP;

-- 0. The ground the comparisons stand on -------------------------------------------------------
SELECT is((SELECT count(DISTINCT period_start) FROM adv.adv_leaderboard), 1::bigint, 'the board holds one period: the quarter');
SELECT ok((SELECT count(*) FROM adv.adv_leaderboard WHERE developer_id NOT IN (SELECT developer_id FROM adv.twins)) = 150,
          format('every base developer is on the board (%s of 150)',
                 (SELECT count(*) FROM adv.adv_leaderboard WHERE developer_id NOT IN (SELECT developer_id FROM adv.twins))));
-- (on adv_norev: on adv the template also earns review credit, which no twin does)
SELECT ok(h.fair_score = t.fair_score AND h.fair_rank = t.fair_rank AND h.ranked_in = t.ranked_in AND h.ranked_in = tp.level,
          format('the honest twin is scored and ranked exactly as its template %s without review credit (rank %s of %s in %s, score %s)',
                 tp.developer_id, h.fair_rank,
                 (SELECT count(*) FROM adv.adv_norev_leaderboard l WHERE l.ranked_in = h.ranked_in), h.ranked_in, h.fair_score))
FROM adv.template tp, adv.entry('adv_norev', 'twin:honest') h, adv.entry('adv_norev', tp.developer_id) t;
SELECT diag(format('on adv the honest twin ranks %s of %s in %s (score %s); its template %s',
                   h.fair_rank, (SELECT count(*) FROM adv.adv_leaderboard l WHERE l.ranked_in = h.ranked_in), h.ranked_in, h.fair_score, t.fair_rank))
FROM adv.template tp, adv.entry('adv', 'twin:honest') h, adv.entry('adv', tp.developer_id) t;

-- 1. Trivial zero-token merged changes ---------------------------------------------------------
SELECT ok(adv.places('adv', 'twin:honest', 'twin:trivial33') <= 10,
          format('33 trivial changes gain %s places (at most 10; %s before value; raw rank difference %s)',
                 adv.places('adv', 'twin:honest', 'twin:trivial33'), adv.places('adv_before', 'twin:honest', 'twin:trivial33'),
                 adv.raw_places('adv', 'twin:honest', 'twin:trivial33')));
SELECT ok(adv.places('adv', 'twin:honest', 'twin:trivial10') <= 3,
          format('10 trivial changes gain %s places (at most 3, 0.3 per change; %s before value; raw rank difference %s)',
                 adv.places('adv', 'twin:honest', 'twin:trivial10'), adv.places('adv_before', 'twin:honest', 'twin:trivial10'),
                 adv.raw_places('adv', 'twin:honest', 'twin:trivial10')));
INSERT INTO fig VALUES
    (1, '33 trivial zero-token changes (places gained)', adv.places('adv_before', 'twin:honest', 'twin:trivial33'),
        adv.places('adv', 'twin:honest', 'twin:trivial33'), '<= 10'),
    (2, '10 trivial zero-token changes (places gained)', adv.places('adv_before', 'twin:honest', 'twin:trivial10'),
        adv.places('adv', 'twin:honest', 'twin:trivial10'), '<= 3');

-- 2. Revert pairs and bot changes credited to the person --------------------------------------
SELECT ok(adv.places('adv', 'twin:honest', 'twin:revbot') <= 1,
          format('15 revert pairs + 10 dependency bumps gain %s places (at most 1; %s before value; fair_score %s%%)',
                 adv.places('adv', 'twin:honest', 'twin:revbot'), adv.places('adv_before', 'twin:honest', 'twin:revbot'),
                 round(100 * adv.score_gain('adv', 'twin:honest', 'twin:revbot')::numeric, 2)));
SELECT ok(rb.n - h.n = 40 AND rb.changes - h.changes = 40,
          format('the 15 revert pairs and the 10 bumps are worth 0: %s more changes worth 0 as reverted, revert or bot than the honest twin (40 expected)',
                 rb.n - h.n))
FROM (SELECT count(*) FILTER (WHERE (reverts_id IS NOT NULL OR is_reverted OR is_bot) AND value = 0) AS n, count(*) AS changes
      FROM adv.adv_changes WHERE developer_id = 'twin:revbot') rb,
     (SELECT count(*) FILTER (WHERE (reverts_id IS NOT NULL OR is_reverted OR is_bot) AND value = 0) AS n, count(*) AS changes
      FROM adv.adv_changes WHERE developer_id = 'twin:honest') h;
INSERT INTO fig VALUES (3, '15 revert pairs + 10 bot changes (places gained)', adv.places('adv_before', 'twin:honest', 'twin:revbot'),
                        adv.places('adv', 'twin:honest', 'twin:revbot'), '<= 1');

-- 3. Splitting every change into two halves of the same total size -----------------------------
SELECT ok(adv.score_gain('adv', 'twin:honest', 'twin:splitchg') <= 0.10,
          format('splitting every change in two raises fair_score by %s%% (at most 10%%; %s%% before value; %s places)',
                 round(100 * adv.score_gain('adv', 'twin:honest', 'twin:splitchg')::numeric, 1),
                 round(100 * adv.score_gain('adv_before', 'twin:honest', 'twin:splitchg')::numeric, 1),
                 adv.places('adv', 'twin:honest', 'twin:splitchg')));
INSERT INTO fig VALUES (4, 'every change split in two halves (fair_score gain)',
                        round(100 * adv.score_gain('adv_before', 'twin:honest', 'twin:splitchg')::numeric, 1) || '%',
                        round(100 * adv.score_gain('adv', 'twin:honest', 'twin:splitchg')::numeric, 1) || '%', '<= 10%');

-- 4. A token spike, with and without trivial changes merged in its credit window ----------------
SELECT ok(adv.inflated('adv', 'twin:spike:plain') > 0,
          format('an 8x two-day spike without extra merges is flagged: %s inflated tokens (spike added %s; %s before value)',
                 round(adv.inflated('adv', 'twin:spike:plain')), round((SELECT 14 * mean_weekday_tokens FROM adv.spike)),
                 round(adv.inflated('adv_before', 'twin:spike:plain'))));
SELECT ok(adv.inflated('adv', 'twin:spike:trivial') >= 0.8 * adv.inflated('adv', 'twin:spike:plain'),
          format('the same spike with 20 trivial changes in its window is charged %s%% of it (at least 80%%; %s%% before value)',
                 round((100 * adv.inflated('adv', 'twin:spike:trivial') / nullif(adv.inflated('adv', 'twin:spike:plain'), 0))::numeric, 1),
                 round((100 * adv.inflated('adv_before', 'twin:spike:trivial') / nullif(adv.inflated('adv_before', 'twin:spike:plain'), 0))::numeric, 1)));
SELECT diag(format('the trivial changes in the spike''s window buy the spiking twin %s places (%s before value)',
                   adv.places('adv', 'twin:spike:plain', 'twin:spike:trivial'), adv.places('adv_before', 'twin:spike:plain', 'twin:spike:trivial')));
INSERT INTO fig VALUES (5, 'spike + 20 trivial changes in its window (inflated tokens, % of the plain spike''s)',
                        coalesce(round((100 * adv.inflated('adv_before', 'twin:spike:trivial') / nullif(adv.inflated('adv_before', 'twin:spike:plain'), 0))::numeric, 1) || '%', 'plain spike not flagged'),
                        coalesce(round((100 * adv.inflated('adv', 'twin:spike:trivial') / nullif(adv.inflated('adv', 'twin:spike:plain'), 0))::numeric, 1) || '%', 'plain spike not flagged'),
                        '>= 80%');

-- 5. A second identity carrying half the tokens ------------------------------------------------
SELECT ok(s.fair_score <= h.fair_score * 1.001,
          format('split identity: the source scores %s, the honest single identity %s (at most 0.1%% more)', s.fair_score, h.fair_score))
FROM adv.entry('adv', 'twin:split:source') s, adv.entry('adv', 'twin:honest') h;
SELECT ok(s.ranked_in = h.ranked_in AND s.fair_rank >= h.fair_rank,
          format('split identity: the source ranks %s in %s, no better than the honest single identity (%s in %s)',
                 s.fair_rank, s.ranked_in, h.fair_rank, h.ranked_in))
FROM adv.entry('adv', 'twin:split:source') s, adv.entry('adv', 'twin:honest') h;
SELECT ok(adv.suspect_tokens('adv', 'twin:split:sink', 'split_pair', 'twin:split:source') > 0,
          format('split identity: the second identity is on adv_suspects as a split_pair with its source (paired with: %s)',
                 coalesce((SELECT string_agg(other_developer_id, ', ') FROM adv.adv_suspects WHERE developer_id = 'twin:split:sink' AND kind = 'split_pair'), 'none')));
SELECT ok(adv.suspect_tokens('adv_report', 'twin:split:sink', 'split_pair', 'twin:split:source') > 0,
          format('split_identities => report_only: the pair is on the report (paired with: %s); there the split gains %s places and %s%% of score',
                 coalesce((SELECT string_agg(other_developer_id, ', ') FROM adv.adv_report_suspects WHERE developer_id = 'twin:split:sink' AND kind = 'split_pair'), 'none'),
                 adv.places('adv_report', 'twin:honest', 'twin:split:source'),
                 round(100 * adv.score_gain('adv_report', 'twin:honest', 'twin:split:source')::numeric, 1)));
-- The same split by a developer of lower-quartile value per token (whose source alone looks ordinary).
SELECT ok(s.fair_score <= h.fair_score * 1.001 AND s.ranked_in = h.ranked_in AND s.fair_rank >= h.fair_rank,
          format('split identity (lower-quartile developer): the source scores %s, rank %s; the honest single identity %s, rank %s (at most 0.1%% more, rank no better)',
                 s.fair_score, s.fair_rank, h.fair_score, h.fair_rank))
FROM adv.entry('adv', 'twin:low:split:source') s, adv.entry('adv', 'twin:low:honest') h;
SELECT ok(adv.suspect_tokens('adv', 'twin:low:split:sink', 'split_pair', 'twin:low:split:source') > 0,
          format('split identity (lower-quartile developer): the second identity is on adv_suspects as a split_pair with its source (paired with: %s)',
                 coalesce((SELECT string_agg(other_developer_id, ', ') FROM adv.adv_suspects WHERE developer_id = 'twin:low:split:sink' AND kind = 'split_pair'), 'none')));
-- Honest developers are never ranked jointly with someone else's second identity.
SELECT is((SELECT string_agg(developer_id || ' with ' || ranked_jointly_with, '; ' ORDER BY developer_id) FROM adv.adv_leaderboard
           WHERE ranked_jointly_with IS NOT NULL AND developer_id NOT IN (SELECT developer_id FROM adv.twins)), NULL,
          'no base developer (all single identities) is ranked jointly with another identity');
INSERT INTO fig VALUES (6, 'half the tokens on a second identity in the team (places gained by the pair''s source)',
                        adv.places('adv_before', 'twin:honest', 'twin:split:source'),
                        adv.places('adv', 'twin:honest', 'twin:split:source') || ' (ranked jointly); report_only: '
                        || adv.places('adv_report', 'twin:honest', 'twin:split:source'), '<= 0 (score <= 1.001x)'),
    (6, 'the same by a lower-quartile developer (places gained by the pair''s source)',
        adv.places('adv_before', 'twin:low:honest', 'twin:low:split:source'),
        adv.places('adv', 'twin:low:honest', 'twin:low:split:source') || ' (ranked jointly); report_only: '
        || adv.places('adv_report', 'twin:low:honest', 'twin:low:split:source'), '<= 0 (score <= 1.001x)');

-- 6. A second identity missing from the people table -------------------------------------------
SELECT ok(g.ranked_in = 'all' AND g.fair_rank IS NOT NULL,
          format('an identity not in the people table is on the board, ranked in %s (rank %s)', g.ranked_in, g.fair_rank))
FROM adv.entry('adv', 'twin:ghost:alias') g;
SELECT ok(adv.suspect_tokens('adv', 'twin:ghost:alias', 'no_person') = (SELECT sum(tokens) FROM adv.usage WHERE developer_id = 'twin:ghost:alias'),
          format('it is on adv_suspects as no_person with all its tokens (%s of %s)',
                 adv.suspect_tokens('adv', 'twin:ghost:alias', 'no_person'), (SELECT sum(tokens) FROM adv.usage WHERE developer_id = 'twin:ghost:alias')));
INSERT INTO fig VALUES (7, 'half the tokens on an identity missing from the people table (places gained by the source; reported, not ranked jointly)',
                        adv.places('adv_before', 'twin:honest', 'twin:ghost:source'), adv.places('adv', 'twin:honest', 'twin:ghost:source'),
                        'reported as no_person');
SELECT diag(format('the ghost pair''s source (its second identity unlisted) gains %s places and %s%% of score on adv (%s places before value)',
                   adv.places('adv', 'twin:honest', 'twin:ghost:source'),
                   round(100 * adv.score_gain('adv', 'twin:honest', 'twin:ghost:source')::numeric, 1),
                   adv.places('adv_before', 'twin:honest', 'twin:ghost:source')));

-- 7. No cohort below min_group_size -------------------------------------------------------------
SELECT ok(a.ranked_in = 'all' AND b.ranked_in = 'all' AND a.cohort = 'fellow',
          format('the two people of level fellow are ranked in %s and %s (not in a cohort of 2)', a.ranked_in, b.ranked_in))
FROM adv.entry('adv', 'twin:fellow:1') a, adv.entry('adv', 'twin:fellow:2') b;
SELECT ok(adv.small_groups('adv') IS NULL AND adv.small_groups('adv_before') IS NULL AND adv.small_groups('adv_report') IS NULL
          AND adv.small_groups('adv_norev') IS NULL AND adv.small_groups('adv_shuf') IS NULL,
          format('no (period, ranked_in) group of ranked rows smaller than 5 on any board (%s)',
                 coalesce(adv.small_groups('adv'), '') || coalesce(adv.small_groups('adv_before'), '') || coalesce(adv.small_groups('adv_report'), '')
                 || coalesce(adv.small_groups('adv_norev'), '') || coalesce(adv.small_groups('adv_shuf'), '')));
SELECT ok(u.ranked_in = 'all' AND u.fair_rank IS NOT NULL,
          format('a developer missing from the people table is on the board, ranked in %s (rank %s)', u.ranked_in, u.fair_rank))
FROM adv.entry('adv', 'twin:unlisted') u;
SELECT diag(format('levels: %s; ranked_in groups: %s',
                   (SELECT string_agg(level || ' ' || n, ', ' ORDER BY n DESC) FROM (SELECT level, count(*) n FROM adv.people GROUP BY 1) x),
                   (SELECT string_agg(coalesce(ranked_in, 'unranked') || ' ' || n, ', ' ORDER BY n DESC)
                    FROM (SELECT ranked_in, count(*) n FROM adv.adv_leaderboard GROUP BY 1) y)));

-- 8. Honest: fewer, larger changes -------------------------------------------------------------
SELECT ok(abs(adv.score_gain('adv', 'twin:honest', 'twin:fewer')) <= 0.10,
          format('fewer, larger changes (same total size) score %s%% against many smaller ones (within 10%%; %s%% before value)',
                 round(100 * adv.score_gain('adv', 'twin:honest', 'twin:fewer')::numeric, 1),
                 round(100 * adv.score_gain('adv_before', 'twin:honest', 'twin:fewer')::numeric, 1)));
INSERT INTO fig VALUES (8, 'honest: changes merged in pairs, same total size (fair_score difference)',
                        round(100 * adv.score_gain('adv_before', 'twin:honest', 'twin:fewer')::numeric, 1) || '%',
                        round(100 * adv.score_gain('adv', 'twin:honest', 'twin:fewer')::numeric, 1) || '%', 'within 10%');

-- 9. Honest: a reviewer's score does not drop when review value is supplied ------------------------
SELECT ok(w.fair_score >= n.fair_score,
          format('the top reviewer %s (%s reviews) scores %s with review value, %s without (rank %s, %s without)',
                 r.developer_id, r.reviews, w.fair_score, n.fair_score, w.fair_rank, n.fair_rank))
FROM adv.top_reviewer r, adv.entry('adv', r.developer_id) w, adv.entry('adv_norev', r.developer_id) n;
SELECT diag(format('reviewers (base developers with a review) whose score drops with review value: %s of %s',
                   count(*) FILTER (WHERE w.fair_score < n.fair_score), count(*)))
FROM (SELECT DISTINCT reviewer_id FROM adv.reviews) r, adv.entry('adv', r.reviewer_id) w, adv.entry('adv_norev', r.reviewer_id) n;
INSERT INTO fig SELECT 9, 'honest: the top reviewer''s fair_score, without -> with review value', n.fair_score::numeric(12, 4)::text,
                       w.fair_score::numeric(12, 4)::text, 'does not drop'
FROM adv.top_reviewer r, adv.entry('adv', r.developer_id) w, adv.entry('adv_norev', r.developer_id) n;

-- 10. Existing fairness ------------------------------------------------------------------------
SELECT ok(adv.score_gain('adv', 'twin:honest', 'twin:burn') < 0,
          format('50%% more tokens for the same changes lowers fair_score by %s%% (%s%% before value)',
                 round(-100 * adv.score_gain('adv', 'twin:honest', 'twin:burn')::numeric, 1),
                 round(-100 * adv.score_gain('adv_before', 'twin:honest', 'twin:burn')::numeric, 1)));
SELECT ok(b.ranked_in = h.ranked_in AND b.fair_rank >= h.fair_rank,
          format('... and ranks no better: %s against the honest twin''s %s', b.fair_rank, h.fair_rank))
FROM adv.entry('adv', 'twin:burn') b, adv.entry('adv', 'twin:honest') h;
INSERT INTO fig VALUES (10, 'burning 50% more tokens, same changes (places gained)', adv.places('adv_before', 'twin:honest', 'twin:burn'),
                        adv.places('adv', 'twin:honest', 'twin:burn'), '<= 0');
SELECT ok(a.fair_score = b.fair_score AND a.fair_rank = b.fair_rank AND a.ranked_in = b.ranked_in,
          format('equal data, equal scores: %s / %s, ranks %s / %s', a.fair_score, b.fair_score, a.fair_rank, b.fair_rank))
FROM adv.entry('adv', 'twin:equal:a') a, adv.entry('adv', 'twin:equal:b') b;
SELECT is(adv.differing_rows('adv', 'adv_shuf', 'leaderboard'), 0::bigint,
          format('order independence: the board over the same rows stored in another order is identical (%s rows; largest relative fair_score difference %s)',
                 (SELECT count(*) FROM adv.adv_leaderboard), adv.max_score_difference('adv', 'adv_shuf')));
SELECT is(adv.differing_rows('adv', 'adv_shuf', 'episodes') + adv.differing_rows('adv', 'adv_shuf', 'suspects'), 0::bigint,
          format('order independence: identical episodes (%s rows) and suspects (%s rows)',
                 (SELECT count(*) FROM adv.adv_episodes), (SELECT count(*) FROM adv.adv_suspects)));
SELECT is(adv.differing_rows('adv', 'adv_shuf', 'changes'), 0::bigint,
          format('order independence: identical change values (%s changes)', (SELECT count(*) FROM adv.adv_changes)));

-- The table for the README ---------------------------------------------------------------------
SELECT diag('attack or honest case | before (no value columns) | after (board adv) | threshold');
SELECT diag(format('%s | %s | %s | %s', what, coalesce(before, 'n/a'), coalesce(after, 'n/a'), threshold)) FROM fig ORDER BY ord;

SELECT * FROM finish();
ROLLBACK;
