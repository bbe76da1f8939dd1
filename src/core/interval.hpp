// Uncertainty of tokens per merged change.
//
// Assumption: merged changes arrive as a Poisson process whose exposure is the tokens spent, so
// the merge count k over T tokens is Poisson(lambda * T). The exact (Garwood 1936) central
// interval for the Poisson mean is [chi2(a/2; 2k)/2, chi2(1-a/2; 2k+2)/2], i.e. gamma quantiles;
// dividing T by it inverts merges-per-token into tokens-per-merged-change. Over-dispersed output
// (merges that come in batches) makes the true interval wider than this one.
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

// T / k; empty when there are no merged changes (the SQL layer returns NULL).
std::optional<double> tokens_per_merged_change(const UsageSummary& summary);

// [T / upper mean, T / lower mean]. With no merged changes the upper bound is +infinity; with no
// tokens and at least one merge both bounds are 0.
Interval tokens_per_merged_change_interval(const UsageSummary& summary, double confidence);

}  // namespace uv
