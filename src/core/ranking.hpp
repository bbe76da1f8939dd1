// Fair leaderboards: Gamma–Poisson empirical Bayes scores, ranks and rank intervals.
//
// Assumptions, stated once for the analyst: each entity's value (merged changes) is a Poisson
// count whose mean is its own rate times its exposure (tokens), and the rates of the entities in
// one cohort are drawn from a common Gamma distribution that we estimate from the cohort itself.
// An entity is scored by a pessimistic (lower-quantile) estimate of its own rate, so little data
// pulls a score towards the cohort and towards caution, and more tokens without more value can
// only lower it.
//
// Fractional value (quasi-Poisson scaling inside the same model): an entity whose value V is a
// sum of change weights, with Kish effective count n = V^2 / sum w^2, has dispersion c = V / n,
// and n is treated as a Poisson count with mean rate * exposure / c. The assumption: changes of
// one entity are independent and their weights, not their number, carry the value, so one large
// change is as uncertain as one small one, scaled. The rate (value per unit exposure) and its
// prior keep one scale for everyone; the posterior is Gamma(alpha + n, beta + exposure / c).
// Rows with V = 0 take the partition's pooled dispersion. With n = V (no effective count given)
// c = 1 and this is exactly the count model, bit for bit.
//
// The SQL window functions fair_score / fair_rank call score_partition() once per partition and
// hand out the per-row results; nothing here is computed per row twice.
#pragma once

#include "common.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace uv::ranking {

// One row of a leaderboard partition: a count and the exposure it was produced with.
// value >= 0; exposure finite and >= 0, and > 0 whenever value > 0 (a count with no exposure has
// probability zero under the model). Exposure units are free: only ratios of exposures matter.
struct Entity {
    std::int64_t value = 0;
    double exposure = 0.0;
};

// One row with a fractional value: the sum of its changes' weights, and their Kish effective
// count n = value^2 / sum w^2 (has_effective_count false: not given, n = value). value finite
// >= 0; effective_count finite, > 0 when value > 0 and 0 when value is 0; exposure as in Entity.
struct WeightedEntity {
    double value = 0.0;
    double exposure = 0.0;
    double effective_count = 0.0;
    bool has_effective_count = false;
};

// How the prior was obtained. Everything except MarginalLikelihood is a documented fallback.
enum class PriorMethod {
    MarginalLikelihood,  // maximum negative-binomial marginal likelihood, interior optimum
    NoSpread,            // likelihood keeps rising with alpha (no between-entity variation beyond
                         // Poisson noise): alpha capped at kAlphaMax, i.e. near-complete pooling
    SmallPartition,      // fewer than kMinRows rows (or fewer than 2 with exposure > 0): alpha = 1,
                         // prior mean = pooled rate (sum value / sum exposure)
    AllZero,             // no value anywhere: alpha = 0.5, beta = total exposure (the Jeffreys
                         // posterior of a common rate after zero events), so scores are near 0
    NoExposure,          // every exposure is 0 (so every value is 0): nothing to learn; alpha 0.5,
                         // beta 0; scores and rate bounds NaN (NULL in SQL), everyone ties at 1
    Empty,               // no rows
    Given,               // supplied by the caller (score_with_prior)
};

const char* prior_method_name(PriorMethod method) noexcept;

// Gamma(alpha, beta) prior on the rate, shape alpha and rate beta, in the caller's exposure units
// (prior mean alpha / beta is value per unit exposure).
struct Prior {
    double alpha = 0.0;
    double beta = 0.0;
    PriorMethod method = PriorMethod::Empty;
    double mean = 0.0;            // alpha / beta
    double log_likelihood = 0.0;  // negative-binomial marginal log-likelihood at (alpha, beta)
    std::size_t n = 0;            // rows in the partition
    std::size_t n_informative = 0;  // rows with exposure > 0 (the only ones the fit can use)
    int evaluations = 0;          // profile-likelihood evaluations the optimiser used
};

// Fit limits, public so the SQL layer can document them.
inline constexpr double kAlphaMin = 1e-6;
inline constexpr double kAlphaMax = 1e7;
inline constexpr std::size_t kMinRows = 10;

// Per-entity result, in the caller's exposure units. All doubles are finite, except the rate
// statistics (NaN) and posterior_beta (0) in the NoExposure case.
struct EntityResult {
    double posterior_alpha = 0.0;   // alpha + effective count (the value, for counts)
    double posterior_beta = 0.0;    // beta + exposure / dispersion
    double posterior_mean = 0.0;    // (alpha + value) / (beta + exposure)
    double score = 0.0;             // posterior `quantile` of the rate: the fair score
    double shrinkage = 0.0;         // beta / (beta + exposure): weight on the prior mean
    double rate_lower = 0.0;        // central posterior interval of the rate at
    double rate_upper = 0.0;        //   rank_interval_level (e.g. 10% and 90% points)
    std::int64_t rank = 0;          // 1 + number of entities with a strictly higher score
    std::int64_t rank_lower = 0;    // best plausible rank (see score_partition)
    std::int64_t rank_upper = 0;    // worst plausible rank
    double effective_count = 0.0;   // n used (the value, for counts)
    double dispersion = 1.0;        // c = value / n used (pooled for a zero value; 1 for counts)
};

struct Leaderboard {
    Prior prior;
    std::vector<EntityResult> results;  // results[i] belongs to entities[i]
};

// Throws Error(OutOfRange) naming `value` for a negative value, Error(InvalidParameter) naming
// `exposure` for a negative, NaN or infinite exposure or a positive value with zero exposure.
void validate_entity(const Entity& entity);
// The same for a weighted row; also Error(OutOfRange) naming `value` for a negative value,
// Error(InvalidParameter) naming `value` for NaN or infinity and naming `effective_count` when it
// is NaN, infinite, negative, 0 with a positive value, or positive with a zero value.
void validate_entity(const WeightedEntity& entity);

// Empirical-Bayes prior for one partition (validates every entity first).
Prior fit_prior(const std::vector<Entity>& entities);
Prior fit_prior_weighted(const std::vector<WeightedEntity>& entities);

// Negative-binomial marginal log-likelihood sum_i log P(value_i | alpha, beta, exposure_i),
// the objective fit_prior maximises; exposed for explanation and tests. Entities are validated.
double marginal_log_likelihood(const std::vector<Entity>& entities, double alpha, double beta);
// For weighted rows, the same function of the counts n_i and exposures e_i / c_i (a
// quasi-likelihood: lgamma replaces the factorials for fractional n).
double marginal_log_likelihood_weighted(const std::vector<WeightedEntity>& entities, double alpha, double beta);

// Fits the prior and scores every entity.
//   score_i   = Gamma(alpha + value_i, beta + exposure_i) quantile at `quantile` (default 0.1);
//   rank_i    = 1 + #{j : score_j > score_i}, so ties share a rank as in SQL rank();
//   rank interval: with [lo_i, hi_i] the central posterior interval of rate_i at
//   rank_interval_level (widened to contain score_i if quantile lies outside it),
//   rank_lower_i = 1 + #{j : lo_j > hi_i}   (entities clearly better even if i is at its best),
//   rank_upper_i = n - #{j : hi_j < lo_i}   (all but the entities clearly worse).
// quantile and rank_interval_level must lie in (0, 1), else Error(InvalidParameter) naming them.
// Deterministic and independent of the order of `entities`; O(n log n).
//
// Burning exposure: for a fixed prior, adding exposure to a row without adding value lowers its
// score, rate bounds and rank bounds and never improves its rank (the posterior quantile falls as
// beta + e grows; the others do not move). The SmallPartition and AllZero priors keep this when
// refitted (proof: with alpha fixed and beta = alpha * sum e / sum v, the score ratio of the row
// to any other never rises). A refitted maximum-likelihood prior moves every score a little,
// which can lift the row's own score together with the whole board (20 of 4000 random burns in
// ranking_test.cpp) and, rarely, its rank: when a heavy user halves its own rate in a cohort
// that looked homogeneous, the refitted prior widens and lightly observed rows fall past it
// (1 of 4000). To make both properties exact, freeze the prior: fit it once (e.g. on a previous
// period) and score with score_with_prior.
//
// with_rank_intervals = false computes scores and ranks only (what fair_score and fair_rank
// return): rate_lower, rate_upper, rank_lower and rank_upper are then left 0.
Leaderboard score_partition(const std::vector<Entity>& entities, double quantile = 0.1,
                            double rank_interval_level = 0.8, bool with_rank_intervals = true);
// Weighted rows: value_i, exposure_i above read n_i, exposure_i / c_i. Burning and order
// independence hold as above (a row's dispersion does not depend on its exposure).
Leaderboard score_partition_weighted(const std::vector<WeightedEntity>& entities, double quantile = 0.1,
                                     double rank_interval_level = 0.8, bool with_rank_intervals = true);

// Scores and ranks with a given Gamma(alpha, beta) prior (beta in the caller's exposure units)
// instead of a fitted one; prior.method is Given. alpha and beta must be finite and > 0.
Leaderboard score_with_prior(const std::vector<Entity>& entities, double alpha, double beta,
                             double quantile = 0.1, double rank_interval_level = 0.8,
                             bool with_rank_intervals = true);
Leaderboard score_with_prior_weighted(const std::vector<WeightedEntity>& entities, double alpha, double beta,
                                      double quantile = 0.1, double rank_interval_level = 0.8,
                                      bool with_rank_intervals = true);

}  // namespace uv::ranking
