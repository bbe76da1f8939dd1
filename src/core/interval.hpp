// Uncertainty of tokens per merged change, and of tokens per unit of value.
//
// Assumption: merged changes arrive as a Poisson process whose exposure is the tokens spent, so
// the merge count k over T tokens is Poisson(lambda * T). The exact (Garwood 1936) central
// interval for the Poisson mean is [chi2(a/2; 2k)/2, chi2(1-a/2; 2k+2)/2], i.e. gamma quantiles;
// dividing T by it inverts merges-per-token into tokens-per-merged-change. Over-dispersed output
// (merges that come in batches) makes the true interval wider than this one.
//
// Weighted value (quasi-Poisson scaling): with weights summing to V and their squares to Q, the
// dispersion is c = Q / V and V / c is treated as a Poisson count of n_eff = V^2 / Q (Kish's
// effective number of changes: the number of equally weighted changes that would carry the same
// information). The interval on V is c times the Garwood interval for the fractional count n_eff
// (the gamma quantiles accept fractional shapes). With every weight 1, V = Q = k, c = 1 and
// n_eff = k: exactly the interval above. Assumption: the weights are independent of the arrival
// process and not too skewed; a few changes with very large weights leave n_eff small and the
// interval correspondingly wide. With V = 0 there is no dispersion to measure: c is taken as 1
// (unit weights), which gives the unweighted interval for zero changes.
#pragma once

#include "summary.hpp"

#include <cstdint>
#include <optional>

namespace uv {

struct Interval {
    double lower;
    double upper;
};

// confidence must be finite and strictly between 0 and 1.
void check_confidence(double confidence);

// Exact two-sided interval for the mean of a Poisson count (Garwood). count must be >= 0;
// lower is 0 when count is 0.
Interval poisson_mean_interval(int64_t count, double confidence);
// The same for a fractional (effective) count >= 0, finite.
Interval garwood_interval(double count, double confidence);

// T / k; empty when there are no merged changes (the SQL layer returns NULL).
std::optional<double> tokens_per_merged_change(const UsageSummary& summary);

// [T / upper mean, T / lower mean]. With no merged changes the upper bound is +infinity; with no
// tokens and at least one merge both bounds are 0.
Interval tokens_per_merged_change_interval(const UsageSummary& summary, double confidence);

// Kish's effective count V^2 / Q; 0 when V is 0. Equals merged_changes when unweighted.
double effective_changes(const UsageSummary& summary);
// c * Garwood(n_eff), c = Q / V (1 when V is 0).
Interval value_interval(const UsageSummary& summary, double confidence);
// T / V; empty when the value is 0.
std::optional<double> tokens_per_value(const UsageSummary& summary);
// [T / upper value, T / lower value]; upper bound +infinity when the value is 0. Equals
// tokens_per_merged_change_interval for an unweighted summary.
Interval tokens_per_value_interval(const UsageSummary& summary, double confidence);

// The same in US dollars (the exposure is the cost, C = cost_micro_usd / 1e6): empty when some
// tokens have no cost (the SQL layer returns NULL, as it does with no merges or no value).
std::optional<double> cost_usd(const UsageSummary& summary);
std::optional<double> cost_per_merged_change(const UsageSummary& summary);
std::optional<Interval> cost_per_merged_change_interval(const UsageSummary& summary, double confidence);
std::optional<double> cost_per_value(const UsageSummary& summary);
std::optional<Interval> cost_per_value_interval(const UsageSummary& summary, double confidence);

}  // namespace uv
