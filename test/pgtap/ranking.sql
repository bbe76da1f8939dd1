-- Fair leaderboard: posterior quantiles against independent references, the fitted prior against
-- an independent likelihood and a known answer, and the fairness properties.
BEGIN;
SET LOCAL search_path = usage_value, public;
SELECT plan(22);

-- 1. Posterior quantiles with a given prior: score = x / (beta + exposure) where P(alpha + value, x) = q.
--    x from mpmath at 60 digits (test/unit/ranking_test.cpp lists the script), not from Boost.
CREATE TEMP TABLE gamma_ref(alpha float8, value bigint, q float8, x float8);
INSERT INTO gamma_ref VALUES
    (0.5, 0, 0.1, 0.0078953870467156133153),
    (1.0, 2, 0.1, 1.1020653282493211016),
    (0.5, 2, 0.025, 0.41560580674333121933),
    (4.0, 5, 0.1, 5.4324680582544309248),
    (3.0, 7, 0.5, 9.6687146147141311518),
    (3.0, 7, 0.9, 14.205990292152817131),
    (1.5, 100, 0.1, 88.82173711161237658),
    (50.0, 0, 0.001, 30.958969603468311596);
SELECT is((SELECT count(*) FROM (
              SELECT x / (2.0 + 3.0) AS expected,
                     fair_score(value, 3.0, q, alpha, 2.0) OVER (PARTITION BY alpha, value, q) AS got
              FROM gamma_ref) r
           WHERE abs(got - expected) / expected > 1e-9), 0::bigint,
          'posterior lower quantiles match 8 mpmath references to 1e-9 relative');

-- 2. The fitted prior maximises the negative-binomial marginal likelihood, computed here
--    independently: log Gamma(a + v) - log Gamma(a) = sum_{k<v} log(a + k).
SELECT setseed(0.7);
CREATE TABLE cohort AS
SELECT i AS entity, (10 + (i * 37) % 90)::float8 AS exposure,
       ((i * 7919) % 13 + (i % 5) * 3)::bigint AS value
FROM generate_series(1, 300) i;
CREATE TABLE fitted AS
SELECT DISTINCT (fair_detail(value, exposure) OVER ()).prior_alpha AS a,
                (fair_detail(value, exposure) OVER ()).prior_beta AS b,
                (fair_detail(value, exposure) OVER ()).prior_method AS method
FROM cohort;
CREATE FUNCTION pg_temp.loglik(a float8, b float8) RETURNS float8 LANGUAGE sql AS $$
    SELECT sum(coalesce((SELECT sum(ln(a + k)) FROM generate_series(0, value - 1) k), 0)
               + a * ln(b / (b + exposure)) + value * ln(exposure / (b + exposure)))
    FROM cohort $$;
SELECT is((SELECT method FROM fitted), 'marginal_likelihood', 'a cohort with spread gets a marginal-likelihood prior');
SELECT is((SELECT count(*) FROM fitted, (VALUES (0.98, 1.0), (1.02, 1.0), (1.0, 0.98), (1.0, 1.02),
                                                (0.98, 0.98), (1.02, 1.02), (0.98, 1.02), (1.02, 0.98)) d(da, db)
           WHERE pg_temp.loglik(a * da, b * db) > pg_temp.loglik(a, b)), 0::bigint,
          'no neighbouring (alpha, beta) has a higher independently computed likelihood');

-- 3. A known answer: 3,000 entities with rates drawn from Gamma(2, 0.5) (sum of two exponentials
--    / 0.5) and Poisson counts (arrivals of a unit-rate process before rate x exposure).
CREATE TABLE simulated AS
WITH e AS (SELECT i, 4.0 + (i % 7) AS exposure,
                  (-ln(1 - random()) - ln(1 - random())) / 0.5 AS rate FROM generate_series(1, 3000) i),
     arrivals AS (SELECT i, sum(-ln(1 - random())) OVER (PARTITION BY i ORDER BY k) AS t
                  FROM e, generate_series(1, 250) k)
SELECT e.i, e.exposure, count(a.t) AS value
FROM e LEFT JOIN arrivals a ON a.i = e.i AND a.t < e.rate * e.exposure
GROUP BY e.i, e.exposure;
CREATE TABLE sim_fit AS
SELECT DISTINCT (fair_detail(value, exposure) OVER ()).prior_alpha AS a, (fair_detail(value, exposure) OVER ()).prior_beta AS b
FROM simulated;
-- Sampling error of alpha-hat at n = 3000 is about 0.1 (Fisher information); 0.45 is > 4 SE.
SELECT ok((SELECT abs(a - 2.0) < 0.45 FROM sim_fit), 'fitted alpha recovers the true shape 2 within 4 standard errors');
SELECT ok((SELECT abs(a / b - 4.0) / 4.0 < 0.05 FROM sim_fit), 'fitted prior mean recovers the true mean rate 4 within 5%');

-- 4. Properties.
CREATE TABLE board AS
SELECT * FROM (VALUES ('steady_a', 60::bigint, 60.0::float8), ('steady_b', 55, 58.0), ('steady_c', 40, 50.0),
                      ('heavy', 300, 310.0), ('burner', 30, 250.0), ('lucky_newcomer', 1, 0.4),
                      ('twin_1', 20, 25.0), ('twin_2', 20, 25.0), ('light', 3, 4.0), ('idle', 0, 10.0),
                      ('quiet', 12, 20.0), ('solid', 90, 95.0)) v(who, merged, mtokens);
CREATE TABLE scored AS
SELECT who, merged, mtokens, fair_score(merged, mtokens) OVER () AS score, fair_rank(merged, mtokens) OVER () AS r,
       fair_rank_lower(merged, mtokens) OVER () AS lo, fair_rank_upper(merged, mtokens) OVER () AS hi,
       rank() OVER (ORDER BY merged / mtokens DESC) AS naive
FROM board;
SELECT is((SELECT naive FROM scored WHERE who = 'lucky_newcomer'), 1::bigint, 'the lucky newcomer tops the naive ratio board');
SELECT cmp_ok((SELECT r FROM scored WHERE who = 'lucky_newcomer'), '>', 3::bigint, '... but not the fair board');
SELECT ok((SELECT lo <= r AND r <= hi AND hi - lo >= 5 FROM scored WHERE who = 'lucky_newcomer'),
          'the newcomer''s rank interval contains its rank and is wide');
SELECT is((SELECT count(DISTINCT (score, r)) FROM scored WHERE who LIKE 'twin%'), 1::bigint, 'equal data: equal scores, shared rank');
SELECT is((SELECT count(*) FROM scored s WHERE s.r <> 1 + (SELECT count(*) FROM scored t WHERE t.score > s.score)),
          0::bigint, 'ranks follow rank() semantics (ties share a rank)');
-- Burning: the burner multiplies its tokens, no merges; the prior is refitted every time.
SELECT ok((SELECT bool_and(s2 <= s1 AND r2 >= r1) FROM (
              SELECT max(s) FILTER (WHERE f = 1.0) AS s1, max(s) FILTER (WHERE f = f2) AS s2,
                     max(r) FILTER (WHERE f = 1.0) AS r1, max(r) FILTER (WHERE f = f2) AS r2
              FROM (SELECT who, f, fair_score(merged, mtokens * CASE WHEN who = 'burner' THEN f ELSE 1 END) OVER (PARTITION BY f) AS s,
                           fair_rank(merged, mtokens * CASE WHEN who = 'burner' THEN f ELSE 1 END) OVER (PARTITION BY f) AS r
                    FROM board, (VALUES (1.0), (1.2), (1.5), (2.0), (4.0), (10.0)) x(f)) b,
                   (VALUES (1.2), (1.5), (2.0), (4.0), (10.0)) y(f2)
              WHERE who = 'burner' GROUP BY f2) c),
          'burning more tokens with no merges never raises the burner''s score or rank (refitted prior)');
-- Order independence: the window's ORDER BY and the input order do not matter.
SELECT is((SELECT count(*) FROM scored s JOIN (
              SELECT who, fair_score(merged, mtokens) OVER (ORDER BY md5(who)) AS score2 FROM board) t USING (who)
           WHERE s.score <> t.score2), 0::bigint, 'scores do not depend on row order');
-- Exposure units do not change ranks.
SELECT is((SELECT count(*) FROM scored s JOIN (
              SELECT who, fair_rank(merged, mtokens * 1e6) OVER () AS r2 FROM board) t USING (who) WHERE s.r <> t.r2),
          0::bigint, 'tokens or millions of tokens: the same ranks');
-- Degenerate partitions.
SELECT results_eq($$SELECT fair_rank(v, e) OVER (), fair_score(v, e) OVER () IS NOT NULL FROM (VALUES (3::bigint, 10.0::float8)) x(v, e)$$,
                  $$VALUES (1::bigint, true)$$, 'a single row ranks 1 with a score');
SELECT results_eq($$SELECT r FROM (SELECT e, fair_rank(0, e) OVER () AS r FROM (VALUES (10.0::float8), (20.0), (30.0)) x(e)) y ORDER BY e$$,
                  $$SELECT * FROM (VALUES (1::bigint), (2::bigint), (3::bigint)) v ORDER BY 1$$,
                  'no merges anywhere: fewer tokens rank better');
SELECT throws_ok($$SELECT fair_score(-1, 1.0) OVER () FROM (VALUES (1)) v$$, '22003', NULL, 'negative value: 22003');

-- 5. Fractional value with an effective count (float8 overloads).
--    On integer data without an effective count (or with n = value) they are the bigint path.
SELECT is((SELECT count(*) FROM (
              SELECT fair_score(value, exposure) OVER () AS a, fair_score(value::float8, exposure) OVER () AS b,
                     fair_score(value::float8, exposure, effective_count => value::float8) OVER () AS c,
                     fair_rank_lower(value, exposure) OVER () AS lo1, fair_rank_lower(value::float8, exposure) OVER () AS lo2,
                     fair_rank_upper(value, exposure) OVER () AS hi1, fair_rank_upper(value::float8, exposure) OVER () AS hi2,
                     fair_detail(value, exposure) OVER () AS d1, fair_detail(value::float8, exposure) OVER () AS d2
              FROM cohort) x
           WHERE a <> b OR a <> c OR lo1 <> lo2 OR hi1 <> hi2 OR d1::text <> d2::text), 0::bigint,
          'float8 overloads on integer data equal the bigint ones exactly (score, rank bounds, detail)');
SELECT is((SELECT count(*) FROM (
              SELECT fair_score(merged, mtokens, 0.1, 2.0, 2.0) OVER () AS a,
                     fair_score(merged::float8, mtokens, 0.1, 2.0, 2.0) OVER () AS b,
                     fair_rank(merged, mtokens, 0.3, 2.0, 2.0) OVER () AS r1,
                     fair_rank(merged::float8, mtokens, 0.3, 2.0, 2.0, merged::float8) OVER () AS r2
              FROM board) x WHERE a <> b OR r1 <> r2), 0::bigint,
          '... also against a given prior');
-- Weighted rows: 1 to 12 changes with weights 0.5 to 3; value and Kish effective count in SQL.
CREATE TABLE weighted AS
SELECT c.entity, c.exposure, sum(w) AS value, coalesce(sum(w) ^ 2 / sum(w * w), 0) AS n
FROM cohort c LEFT JOIN LATERAL (
    SELECT 0.5 + 2.5 * ((c.entity * 31 + k * 17) % 11) / 10.0 AS w
    FROM generate_series(1, (c.value % 12)::int) k) ch ON true
GROUP BY c.entity, c.exposure;
UPDATE weighted SET value = 0 WHERE value IS NULL;
CREATE TABLE wscored AS
SELECT entity, value, exposure, n, fair_detail(value, exposure, effective_count => n) OVER () AS d FROM weighted;
-- The posterior is Gamma(alpha + n, beta + exposure * n / value) (pooled dispersion for value 0).
SELECT is((SELECT count(*) FROM wscored, (SELECT sum(value) / sum(n) AS pooled FROM weighted WHERE value > 0) p
           WHERE abs((d).posterior_mean / (((d).prior_alpha + n)
                     / ((d).prior_beta + exposure / CASE WHEN value > 0 THEN value / n ELSE p.pooled END)) - 1) > 1e-12
              OR abs((d).dispersion - CASE WHEN value > 0 THEN value / n ELSE p.pooled END) > 1e-12 * (d).dispersion),
          0::bigint, 'weighted posterior mean and dispersion match the model computed in SQL');
SELECT is((SELECT count(*) FROM wscored w JOIN (
              SELECT entity, fair_detail(value, exposure, effective_count => n) OVER (ORDER BY md5(entity::text)) AS d2
              FROM weighted) t USING (entity) WHERE (w.d)::text <> (t.d2)::text),
          0::bigint, 'weighted results do not depend on row order');
-- One change of weight 10 scores below ten changes of weight 1 with the same value and tokens.
SELECT ok((SELECT max(s) FILTER (WHERE who = 'one') < max(s) FILTER (WHERE who = 'ten')
           FROM (SELECT who, fair_score(value, exposure, effective_count => n) OVER () AS s
                 FROM (SELECT 'c' || entity, value, exposure, n FROM weighted
                       UNION ALL VALUES ('ten', 10.0::float8, 2.0::float8, 10.0::float8), ('one', 10.0, 2.0, 1.0)) x(who, value, exposure, n)) y),
          'one change of weight 10 is less certain than ten of weight 1');
SELECT throws_ok($$SELECT fair_score(2.5, 1.0, effective_count => 0) OVER () FROM (VALUES (1)) v$$, '22023', NULL,
                 'a positive value with effective_count 0: 22023');

SELECT * FROM finish();
ROLLBACK;
