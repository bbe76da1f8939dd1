-- fair_score, fair_rank, rank intervals, fair_detail: output, NULLs, partitions, errors.
SET search_path = usage_value, public;
SET extra_float_digits = 0;

CREATE TABLE board (cohort text, who text, merged bigint, mtokens float8);
INSERT INTO board VALUES
    ('a', 'steady', 60, 60), ('a', 'heavy', 300, 310), ('a', 'burner', 30, 250), ('a', 'newcomer', 1, 0.4),
    ('a', 'twin_1', 20, 25), ('a', 'twin_2', 20, 25), ('a', 'light', 3, 4), ('a', 'idle', 0, 10),
    ('a', 'quiet', 12, 20), ('a', 'solid', 90, 95), ('a', 'missing', NULL, 10), ('a', 'unmeasured', 4, NULL),
    ('b', 'solo', 7, 9),
    ('c', 'zero_1', 0, 5), ('c', 'zero_2', 0, 15);

SELECT cohort, who, merged, mtokens,
       round(fair_score(merged, mtokens) OVER w::numeric, 4) AS score,
       fair_rank(merged, mtokens) OVER w AS rank,
       fair_rank_lower(merged, mtokens) OVER w AS best, fair_rank_upper(merged, mtokens) OVER w AS worst,
       round((fair_detail(merged, mtokens) OVER w).shrinkage::numeric, 3) AS shrinkage,
       (fair_detail(merged, mtokens) OVER w).prior_method
FROM board WINDOW w AS (PARTITION BY cohort)
ORDER BY cohort, rank NULLS LAST, who;

-- The fitted prior, readable.
SELECT DISTINCT cohort, round((d).prior_alpha::numeric, 3) AS alpha, round((d).prior_beta::numeric, 3) AS beta,
       round((d).prior_mean::numeric, 4) AS mean, (d).prior_method
FROM (SELECT cohort, fair_detail(merged, mtokens) OVER (PARTITION BY cohort) AS d FROM board) x
WHERE d IS NOT NULL ORDER BY cohort;

-- A given prior instead of a fitted one; a higher quantile scores higher.
SELECT who, round(fair_score(merged, mtokens, 0.1, 2.0, 2.0) OVER ()::numeric, 4) AS given_prior,
       fair_rank(merged, mtokens, 0.1, 2.0, 2.0) OVER () AS rank,
       fair_score(merged, mtokens, 0.5) OVER () > fair_score(merged, mtokens) OVER () AS median_above_lower
FROM board WHERE cohort = 'a' AND merged IS NOT NULL AND mtokens IS NOT NULL ORDER BY rank, who;

-- Errors.
SELECT fair_score(-1, 1.0) OVER () FROM board LIMIT 1;
SELECT fair_score(1, -1.0) OVER () FROM board LIMIT 1;
SELECT fair_score(1, 'NaN') OVER () FROM board LIMIT 1;
SELECT fair_score(1, 0.0) OVER () FROM board LIMIT 1;
SELECT fair_score(merged, mtokens, 0) OVER () FROM board;
SELECT fair_score(merged, mtokens, 1) OVER () FROM board;
SELECT fair_score(merged, mtokens, NULL) OVER () FROM board;
SELECT fair_rank_lower(merged, mtokens, 0.1, 1.5) OVER () FROM board;
SELECT fair_score(merged, mtokens, 0.1, -2, 2) OVER () FROM board;
SELECT fair_rank(merged, mtokens, 0.1, 2, 'Infinity') OVER () FROM board;
SELECT fair_score(merged, mtokens, CASE WHEN who = 'solo' THEN 0.2 ELSE 0.1 END) OVER () FROM board;
SELECT 'still alive' AS status;
