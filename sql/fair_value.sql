-- Fair leaderboards on fractional value with an effective count (0.3.0): overload resolution,
-- exact output, the count path reproduced bit for bit, NULL rows, every error with its SQLSTATE.
SET search_path = usage_value, public;
SET extra_float_digits = 0;

-- Runs a query and shows the SQLSTATE and message of the error it raises.
CREATE FUNCTION pg_temp.error_of(query text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
    EXECUTE query;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- Overload resolution: a bigint value keeps the bigint functions; integer and numeric literals
-- and float8 take the float8 ones (float8 is the preferred numeric type); named arguments work.
CREATE TABLE one_row (x int);
INSERT INTO one_row VALUES (1);
EXPLAIN (VERBOSE, COSTS OFF) SELECT fair_score(3, 1.5) OVER () FROM one_row;
EXPLAIN (VERBOSE, COSTS OFF) SELECT fair_score(3::bigint, 1.5) OVER () FROM one_row;
EXPLAIN (VERBOSE, COSTS OFF) SELECT fair_score(2.5::float8, 1.0::float8) OVER () FROM one_row;
EXPLAIN (VERBOSE, COSTS OFF) SELECT fair_score(2.5, 1.0, effective_count => 2) OVER () FROM one_row;
EXPLAIN (VERBOSE, COSTS OFF) SELECT fair_rank(3::bigint, 1.5, 0.1, 2, 2) OVER () FROM one_row;
EXPLAIN (VERBOSE, COSTS OFF) SELECT fair_rank(3, 1.5, 0.1, 2, 2, effective_count => 1.5) OVER () FROM one_row;
EXPLAIN (VERBOSE, COSTS OFF) SELECT fair_rank_lower(3::bigint, 1.5, 0.1, 0.9) OVER () FROM one_row;
EXPLAIN (VERBOSE, COSTS OFF) SELECT fair_detail(value => 3.5, exposure => 1.5, effective_count => 2) OVER () FROM one_row;
SELECT fair_score(3, 1.5) OVER () = fair_score(3::bigint, 1.5) OVER () AS literal_equals_bigint,
       fair_score(2.5::float8, 1.0::float8) OVER () > 0 AS float_works,
       fair_rank(2.5, 1.0, effective_count => 2) OVER () AS named,
       fair_rank_upper(2.5, 1.0, level => 0.5, effective_count => 2) OVER () AS named_level
FROM one_row;

-- A cohort of weighted rows: value = sum of weights, n = value^2 / sum(weight^2).
CREATE TABLE wboard (cohort text, who text, value float8, mtokens float8, n float8);
INSERT INTO wboard VALUES
    ('a', 'many_small', 66, 60, 66), ('a', 'few_large', 66, 60, 33), ('a', 'one_huge', 66, 60, 1),
    ('a', 'steady', 40.5, 45, 30.2), ('a', 'heavy', 210.25, 300, 150.5), ('a', 'burner', 20, 250, 15),
    ('a', 'newcomer', 1.5, 0.4, 1), ('a', 'idle', 0, 10, 0), ('a', 'quiet', 9.75, 20, 7.1),
    ('a', 'solid', 80, 95, 70), ('a', 'light', 2.25, 4, 2),
    ('a', 'missing', NULL, 10, 3), ('a', 'unmeasured', 4, NULL, 3), ('a', 'as_count', 12, 20, NULL),
    ('b', 'solo', 7.5, 9, 5),
    ('c', 'zero_1', 0, 5, 0), ('c', 'zero_2', 0, 15, 0);

SELECT cohort, who, value, mtokens, n,
       round(fair_score(value, mtokens, effective_count => n) OVER w::numeric, 4) AS score,
       fair_rank(value, mtokens, effective_count => n) OVER w AS rank,
       fair_rank_lower(value, mtokens, effective_count => n) OVER w AS best,
       fair_rank_upper(value, mtokens, effective_count => n) OVER w AS worst,
       round((fair_detail(value, mtokens, effective_count => n) OVER w).effective_count::numeric, 2) AS n_used,
       round((fair_detail(value, mtokens, effective_count => n) OVER w).dispersion::numeric, 4) AS dispersion,
       round((fair_detail(value, mtokens, effective_count => n) OVER w).shrinkage::numeric, 3) AS shrinkage,
       (fair_detail(value, mtokens, effective_count => n) OVER w).prior_method
FROM wboard WINDOW w AS (PARTITION BY cohort)
ORDER BY cohort, rank NULLS LAST, who;

-- The same total value in fewer, larger changes is less certain: same V and E, n = 66, 33, 1.
SELECT who, round(fair_score(value, mtokens, effective_count => n) OVER ()::numeric, 4) AS score,
       round((fair_detail(value, mtokens, effective_count => n) OVER ()).rate_lower::numeric, 4) AS rate_lower,
       round((fair_detail(value, mtokens, effective_count => n) OVER ()).rate_upper::numeric, 4) AS rate_upper
FROM wboard WHERE cohort = 'a' AND value IS NOT NULL AND mtokens IS NOT NULL
ORDER BY score DESC, who LIMIT 3;

-- A given prior, with effective counts.
SELECT who, round(fair_score(value, mtokens, 0.1, 2.0, 2.0, n) OVER ()::numeric, 4) AS given_prior,
       fair_rank(value, mtokens, 0.1, 2.0, 2.0, effective_count => n) OVER () AS rank
FROM wboard WHERE cohort = 'a' AND value IS NOT NULL AND mtokens IS NOT NULL ORDER BY rank, who;

-- Integer values and no effective count (or n = value) reproduce the bigint functions exactly.
CREATE TABLE iboard (cohort int, merged bigint, mtokens float8);
INSERT INTO iboard
SELECT i % 3, (i * 7919) % 23 * (i % 5), 1 + (i * 104729) % 97 / 3.0 FROM generate_series(1, 300) i;
INSERT INTO iboard VALUES (0, NULL, 5), (1, 4, NULL), (2, 0, 0);
SELECT count(*) AS rows,
       count(*) FILTER (WHERE s_int IS NOT DISTINCT FROM s_float AND s_int IS NOT DISTINCT FROM s_n) AS same_score,
       count(*) FILTER (WHERE r_int IS NOT DISTINCT FROM r_float) AS same_rank,
       count(*) FILTER (WHERE d_int::text IS NOT DISTINCT FROM d_float::text) AS same_detail
FROM (SELECT fair_score(merged, mtokens) OVER w AS s_int,
             fair_score(merged::float8, mtokens) OVER w AS s_float,
             fair_score(merged::float8, mtokens, effective_count => merged::float8) OVER w AS s_n,
             fair_rank(merged, mtokens) OVER w AS r_int, fair_rank(merged::float8, mtokens) OVER w AS r_float,
             fair_detail(merged, mtokens, 0.2, 0.9) OVER w AS d_int,
             fair_detail(merged::float8, mtokens, 0.2, 0.9) OVER w AS d_float
      FROM iboard WINDOW w AS (PARTITION BY cohort)) x;

-- The bigint fair_detail shows the new attributes too: n = value, dispersion 1.
SELECT (fair_detail(merged, mtokens) OVER ()).effective_count, (fair_detail(merged, mtokens) OVER ()).dispersion
FROM iboard WHERE cohort = 1 AND merged = 12 LIMIT 1;

-- Errors, with their SQLSTATE.
SELECT pg_temp.error_of(q) FROM (VALUES
    ('SELECT fair_score(-1.5, 1.0) OVER () FROM one_row'),
    ('SELECT fair_score(-1, 1.0) OVER () FROM one_row'),
    ('SELECT fair_score(''NaN''::float8, 1.0) OVER () FROM one_row'),
    ('SELECT fair_score(''Infinity''::float8, 1.0) OVER () FROM one_row'),
    ('SELECT fair_score(1.5, -1.0) OVER () FROM one_row'),
    ('SELECT fair_score(1.5, ''NaN'') OVER () FROM one_row'),
    ('SELECT fair_score(2.5, 0.0) OVER () FROM one_row'),
    ('SELECT fair_score(2.5, 1.0, effective_count => -1) OVER () FROM one_row'),
    ('SELECT fair_score(2.5, 1.0, effective_count => ''NaN'') OVER () FROM one_row'),
    ('SELECT fair_score(2.5, 1.0, effective_count => ''Infinity'') OVER () FROM one_row'),
    ('SELECT fair_score(2.5, 1.0, effective_count => 0) OVER () FROM one_row'),
    ('SELECT fair_score(0.0, 1.0, effective_count => 2) OVER () FROM one_row'),
    ('SELECT fair_rank(2.5, 1.0, effective_count => 1e-320) OVER () FROM one_row'),
    ('SELECT fair_score(value, mtokens, 0, effective_count => n) OVER () FROM wboard'),
    ('SELECT fair_score(value, mtokens, NULL, effective_count => n) OVER () FROM wboard'),
    ('SELECT fair_rank_lower(value, mtokens, 0.1, 1.5, n) OVER () FROM wboard'),
    ('SELECT fair_score(value, mtokens, 0.1, -2, 2, n) OVER () FROM wboard'),
    ('SELECT fair_rank(value, mtokens, 0.1, 2, ''Infinity'', n) OVER () FROM wboard'),
    ('SELECT fair_score(value, mtokens, CASE WHEN who = ''solo'' THEN 0.2 ELSE 0.1 END, effective_count => n) OVER () FROM wboard')
) v(q);
SELECT 'still alive' AS status;
