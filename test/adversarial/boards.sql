-- test/adversarial/boards.sql: the boards under test, bound to the cohort of cohort.sql through
-- usage_value.create_leaderboard, and the helpers the assertions read them with.
--
--   adv          the board under test: every value column, reviews, cohorts by level, quarterly
--   adv_before   the same tables WITHOUT the value columns (every merged change counts 1, as in
--                0.2) and split identities only reported: the "before" figures
--   adv_report   adv with split_identities => 'report_only': what a split gains when only reported
--   adv_norev    adv without reviews_table: the reviewer's score without review value
--   adv_shuf     adv over the same rows stored in another physical order

\set ON_ERROR_STOP on
SET client_min_messages = warning;

CREATE FUNCTION adv.bind(board text, usage_table regclass, changes_table regclass, reviews_table regclass,
                         people_table regclass, split_identities text) RETURNS SETOF text
    LANGUAGE sql AS $$
    SELECT usage_value.create_leaderboard(
        name => board, target_schema => 'adv',
        usage_table => usage_table, developer_column => 'developer_id', time_column => 'event_time', tokens_column => 'tokens',
        changes_table => changes_table, author_column => 'author_id', merged_at_column => 'merged_date',
        change_id_column => 'id', additions_column => 'additions', deletions_column => 'deletions',
        reverts_column => 'reverts_id', bot_column => 'is_bot', reviewed_column => 'reviewed',
        reviews_table => reviews_table,
        reviewer_column => CASE WHEN reviews_table IS NOT NULL THEN 'reviewer_id' END,
        review_change_column => CASE WHEN reviews_table IS NOT NULL THEN 'change_id' END,
        team_table => people_table, team_member_column => 'developer_id', team_column => 'team', cohort_column => 'level',
        period => 'quarter', bucket_width => '1 hour', min_group_size => 5,
        split_identities => split_identities) $$;

-- The board under test, exactly as the suite's brief states it.
SELECT usage_value.create_leaderboard(name => 'adv', target_schema => 'adv',
    usage_table => 'adv.usage', developer_column => 'developer_id', time_column => 'event_time', tokens_column => 'tokens',
    changes_table => 'adv.changes', author_column => 'author_id', merged_at_column => 'merged_date',
    change_id_column => 'id', additions_column => 'additions', deletions_column => 'deletions',
    reverts_column => 'reverts_id', bot_column => 'is_bot', reviewed_column => 'reviewed',
    reviews_table => 'adv.reviews', reviewer_column => 'reviewer_id', review_change_column => 'change_id',
    team_table => 'adv.people', team_member_column => 'developer_id', team_column => 'team', cohort_column => 'level',
    period => 'quarter', bucket_width => '1 hour', min_group_size => 5) \g /dev/null

SELECT usage_value.create_leaderboard(name => 'adv_before', target_schema => 'adv',
    usage_table => 'adv.usage', developer_column => 'developer_id', time_column => 'event_time', tokens_column => 'tokens',
    changes_table => 'adv.changes', author_column => 'author_id', merged_at_column => 'merged_date',
    team_table => 'adv.people', team_member_column => 'developer_id', team_column => 'team', cohort_column => 'level',
    period => 'quarter', bucket_width => '1 hour', min_group_size => 5, split_identities => 'report_only') \g /dev/null

SELECT adv.bind('adv_report', 'adv.usage', 'adv.changes', 'adv.reviews', 'adv.people', 'report_only') \g /dev/null
SELECT adv.bind('adv_norev', 'adv.usage', 'adv.changes', NULL, 'adv.people', 'rank_jointly') \g /dev/null
SELECT adv.bind('adv_shuf', 'adv.usage_shuffled', 'adv.changes_shuffled', 'adv.reviews_shuffled', 'adv.people_shuffled', 'rank_jointly') \g /dev/null

------------------------------------------------------------------------------------------------
-- Helpers (board = the name given to create_leaderboard)
------------------------------------------------------------------------------------------------

-- One identity's row of a board's leaderboard (the cohort has one period: the quarter).
CREATE FUNCTION adv.entry(board text, dev text, OUT ranked_in text, OUT fair_rank bigint, OUT fair_score float8,
                          OUT tokens float8, OUT merged_changes float8, OUT value float8, OUT cohort text)
    LANGUAGE plpgsql STABLE AS $$
BEGIN
    EXECUTE format('SELECT ranked_in, fair_rank::bigint, fair_score::float8, tokens::float8, merged_changes::float8, value::float8, cohort
                    FROM adv.%I WHERE developer_id = $1', board || '_leaderboard')
        INTO ranked_in, fair_rank, fair_score, tokens, merged_changes, value, cohort USING dev;
END $$;

-- Places gained by `attack` over `honest`: honest.fair_rank - attack.fair_rank in the same
-- ranked_in partition (NULL when they are not ranked together), not counting the other twins
-- ranked between the two: those are artifacts of one board holding every twin, and would count an
-- attacker's near-tie with a third twin as a place.
CREATE FUNCTION adv.places(board text, honest text, attack text) RETURNS bigint
    LANGUAGE plpgsql STABLE AS $$
DECLARE h record; a record; others bigint;
BEGIN
    SELECT * INTO h FROM adv.entry(board, honest);
    SELECT * INTO a FROM adv.entry(board, attack);
    IF h.ranked_in IS DISTINCT FROM a.ranked_in OR h.fair_rank IS NULL OR a.fair_rank IS NULL THEN RETURN NULL; END IF;
    EXECUTE format('SELECT count(*) FROM adv.%I WHERE ranked_in = $1 AND developer_id IN (SELECT developer_id FROM adv.twins)
                    AND developer_id NOT IN ($2, $3) AND fair_rank >= least($4, $5) AND fair_rank < greatest($4, $5)',
                   board || '_leaderboard')
        INTO others USING h.ranked_in, honest, attack, a.fair_rank, h.fair_rank;
    RETURN (h.fair_rank - a.fair_rank) - sign(h.fair_rank - a.fair_rank)::bigint * others;
END $$;

-- The plain difference honest.fair_rank - attack.fair_rank (shown beside adv.places).
CREATE FUNCTION adv.raw_places(board text, honest text, attack text) RETURNS bigint
    LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN h.ranked_in = a.ranked_in THEN h.fair_rank - a.fair_rank END
    FROM adv.entry(board, honest) h, adv.entry(board, attack) a $$;

-- attack.fair_score / honest.fair_score - 1
CREATE FUNCTION adv.score_gain(board text, honest text, attack text) RETURNS float8
    LANGUAGE sql STABLE AS $$
    SELECT a.fair_score / nullif(h.fair_score, 0) - 1 FROM adv.entry(board, honest) h, adv.entry(board, attack) a $$;

-- Inflated tokens of an identity's burst episodes.
CREATE FUNCTION adv.inflated(board text, dev text) RETURNS float8
    LANGUAGE plpgsql STABLE AS $$
DECLARE x float8;
BEGIN
    EXECUTE format('SELECT coalesce(sum(inflated_tokens), 0)::float8 FROM adv.%I WHERE developer_id = $1 AND kind = ''burst''', board || '_episodes')
        INTO x USING dev;
    RETURN x;
END $$;

-- Whether an identity is on a board's suspects report with this kind (and this other identity,
-- when given), and the tokens it is reported with.
CREATE FUNCTION adv.suspect_tokens(board text, dev text, kind text, other text DEFAULT NULL) RETURNS float8
    LANGUAGE plpgsql STABLE AS $$
DECLARE x float8;
BEGIN
    EXECUTE format('SELECT max(tokens)::float8 FROM adv.%I WHERE developer_id = $1 AND kind = $2
                    AND ($3::text IS NULL OR other_developer_id = $3)', board || '_suspects')
        INTO x USING dev, kind, other;
    RETURN x;
END $$;

-- Groups (period, ranked_in) of ranked rows with fewer than min_group_size rows, as text.
CREATE FUNCTION adv.small_groups(board text, min_size int DEFAULT 5) RETURNS text
    LANGUAGE plpgsql STABLE AS $$
DECLARE x text;
BEGIN
    EXECUTE format('SELECT string_agg(format(''%%s %%s: %%s'', period_start, ranked_in, n), ''; '') FROM (
                        SELECT period_start, ranked_in, count(*) AS n FROM adv.%I WHERE ranked_in IS NOT NULL
                        GROUP BY 1, 2 HAVING count(*) < $1) g', board || '_leaderboard')
        INTO x USING min_size;
    RETURN x;
END $$;

-- Rows of one relation of board a that are not in board b's, and the other way round (as text:
-- float8 prints its shortest exact form, so equal text means equal bits).
CREATE FUNCTION adv.differing_rows(a text, b text, relation text) RETURNS bigint
    LANGUAGE plpgsql STABLE AS $$
DECLARE x bigint;
BEGIN
    EXECUTE format('SELECT count(*) FROM ((SELECT r::text FROM adv.%1$I r EXCEPT ALL SELECT s::text FROM adv.%2$I s)
                                          UNION ALL (SELECT s::text FROM adv.%2$I s EXCEPT ALL SELECT r::text FROM adv.%1$I r)) d',
                   a || '_' || relation, b || '_' || relation) INTO x;
    RETURN x;
END $$;

-- Largest relative difference of fair_score between two boards, identity by identity.
CREATE FUNCTION adv.max_score_difference(a text, b text) RETURNS float8
    LANGUAGE plpgsql STABLE AS $$
DECLARE x float8;
BEGIN
    EXECUTE format('SELECT max(abs(r.fair_score - s.fair_score) / greatest(abs(r.fair_score), 1e-300)) FROM adv.%I r
                    JOIN adv.%I s USING (developer_id, period_start)', a || '_leaderboard', b || '_leaderboard') INTO x;
    RETURN x;
END $$;

-- The reviewer of the suite: the base developer of the template's level who reviewed most changes.
CREATE VIEW adv.top_reviewer AS
SELECT r.reviewer_id AS developer_id, count(*) AS reviews
FROM adv.reviews r JOIN adv.people p ON p.developer_id = r.reviewer_id
WHERE p.level = (SELECT level FROM adv.template) AND r.reviewer_id NOT IN (SELECT developer_id FROM adv.twins)
GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 1;
