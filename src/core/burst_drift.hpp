// Efficiency drift (issue 14): a developer's tokens per unit of merged value against their own
// earlier weeks, the finding that slow burns, steps and ramps spread evenly over usual hours leave
// behind (the hourly burst scan only sees use appear where it is usually absent).
//
// Method, for analysts: every day's total is compared with the developer's own past only - the
// weeks before a suspected period, frozen at its start, so a burn that lasts cannot become its own
// baseline. A period is reported when it used significantly more tokens than that past predicts
// (over all its days, or over its days of one weekday) AND delivered significantly less value per
// token than that past (a rate-ratio test), designed so that a developer whose use and efficiency
// do not change is flagged with probability at most `alpha` (and one whose value kept pace with
// more tokens at most `merge_alpha`). Its inflated
// tokens are the part of its excess its value does not pay for at the past efficiency.
// A developer with less than `min_history_days` of their own past is judged against the cohort's
// distribution of efficiency instead (when one is given). The method, its assumptions and error
// control are in docs/drift-method.md.
#pragma once

#include "burst.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace uv::burst {

struct DriftParams {
    // Developer-level false-alarm rate (the SQL `significance`). Range (0, 0.5].
    double alpha = 0.01;
    // Level of the value test; also the corner of the combined decision, as in BurstParams.
    // Range (0, 0.5].
    double merge_alpha = 0.05;
    // Length of the past-only reference, in days. Range [7, 3660].
    int64_t reference_days = 56;
    // Own history needed before the developer is judged against their own past; before it, the
    // cohort's efficiency (when given) is the reference. Range [7, reference_days].
    int64_t min_history_days = 28;
    // Least credit window in days: value merged up to this long after a period still counts for
    // it, extended to the developer's measured lag from tokens to merged value when that is
    // longer. Range [0, 60].
    int64_t credit_days = 7;
    // Longest period tested, in days (periods from a week up to it in steps of sqrt(2), every
    // start day). Range [1, 3660].
    int64_t max_period_days = 112;
};

// Throws InvalidParameter naming the first parameter outside its range.
void validate(const DriftParams& params);

// The cohort's distribution of efficiency (value per token) across established developers:
// log-normal, fitted robustly (median and MAD of the logs) by cohort_efficiency().
struct CohortEfficiency {
    double log_median = 0.0;
    double log_sd = 0.0;
    size_t developers = 0;  // 0: no cohort reference
};
// From each established developer's value per token (non-positive, NaN and infinite entries are
// skipped). Fewer than 5 usable entries give developers = 0 (no reference).
CohortEfficiency cohort_efficiency(const std::vector<double>& value_per_token);

struct DriftFinding {
    int64_t start_seconds;       // first day of the period (UTC midnight)
    int64_t end_seconds;         // end of the period (exclusive)
    int64_t tokens;              // tokens in the period
    double expected_tokens;      // what the reference predicts for the period's days
    double merged_value;         // value merged in the period and its credit window
    double expected_value;       // reference efficiency * tokens over the same range
    double ratio;                // (value / tokens) / reference (value / tokens), <= 1 when reported
    double inflated_tokens;      // charged: tokens of the excess the value does not pay for at the
                                 // reference efficiency, less excused_tokens
    double excused_tokens;       // the part of that waste on excused days (ExcusedSpan): not charged
    double p_value;              // combined token-excess AND value-shortfall p-value, <= alpha
    double token_p_value;        // token-excess p-value, adjusted over the periods tried
    double value_p_value;        // value-shortfall p-value (rate-ratio test)
    bool cohort_reference;       // judged against the cohort (a newcomer), not their own past
};

struct DriftResult {
    std::vector<DriftFinding> findings;  // disjoint, by start
    int64_t total_tokens = 0;
    double inflated_tokens = 0.0;        // charged: the findings' inflated_tokens summed
    int64_t credit_seconds = 0;          // the credit window used (after the measured lag)
};

// Any bucket width; buckets are summed into UTC days (or kept as they are when a day or wider).
// Throws InvalidParameter for bad parameters, LimitExceeded beyond kMaxBuckets days.
// Cost O(buckets + days * (reference_days / 7 + periods tried)); memory O(days).
DriftResult analyze_drift(const BucketsView& buckets, int64_t bucket_seconds, const DriftParams& params,
                          const CohortEfficiency& cohort, const std::vector<ExcusedSpan>& excused);

}  // namespace uv::burst
