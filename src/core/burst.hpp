// Burst-inflation detection: which of a developer's tokens came in significant excursions above
// their own seasonal baseline that delivered no matching merged output.
//
// Method, for analysts (the two-sentence version):
//   Each bucket is compared with the developer's own usual use at that hour of the day on that
//   kind of day (weekday or weekend): how often they are active then, and how much they use when
//   active, estimated robustly from the surrounding eight weeks; runs of unusually high use from
//   one bucket up to two weeks are found with a multi-scale scan, allowing for busy and quiet
//   days. A run is reported when the two pieces of evidence that define inflation together -
//   tokens far above the baseline AND merged changes (in it plus a few days after) short of what
//   the developer's usual tokens-per-merge predicts - are significant, designed so that a
//   developer with no inflation is flagged with probability at most `alpha`; it counts as
//   inflation to the extent that the merges fall short.
//
// The assumptions, the estimators and the error control, with references, are in
// docs/burst-method.md; the derivations are next to the code: burst_baseline.cpp (the model of
// ordinary use), burst_scan.cpp (the scan), burst_decision.cpp (the decision, analyze()),
// burst_accumulator.cpp and burst_window.cpp; burst_detail.hpp holds what they share.

#pragma once

#include "common.hpp"
#include "order_stats.hpp"

#include <cstddef>
#include <cstdint>
#include <vector>

namespace uv::burst {

// Largest number of distinct buckets in an accumulator, and largest span (max - min + 1) that
// analyze() accepts; also the largest frame of a WindowScore. Beyond it: ErrorKind::LimitExceeded.
// (10 million buckets is 1,100 years of hourly data; the dense analysis needs ~60 bytes a bucket.)
constexpr uint64_t kMaxBuckets = 10'000'000;

// Version byte that starts the accumulator's byte form (2 since merged value was added; version 1
// states are refused, they only ever lived within one query). The SQL types use burst_series'
// encoding (burst_series.hpp); this form is kept for the unit tests' byte-exact comparisons.
constexpr uint8_t kAccumulatorFormatVersion = 2;

// Largest merged value of one row (a typical change is worth ~1): far beyond any honest sum,
// and it keeps every sum of values and of their squares finite.
constexpr double kMaxRowValue = 1e15;

// The one check of a row's merged value, for the accumulator and the series (which allows less:
// kMaxSeriesRowValue): InvalidParameter for NaN or infinity, OutOfRange outside [0, limit], both
// naming merged_value.
void check_row_value(double merged_value, double limit);

struct BucketTotals {
    int64_t bucket;          // bucket start / bucket width (the glue computes it from epoch seconds)
    int64_t tokens;          // >= 0
    int64_t merged_changes;  // >= 0
    double value;            // >= 0, finite: the merged changes' value (= merged_changes when counted only)
    double value_squares;    // sum over rows of value^2 / max(changes, 1); 0 iff value is 0
};

// One developer's bucketed series, order-independent. Rows for the same bucket are SUMMED
// (several usage rows may legitimately fall into one bucket). Memory is O(distinct buckets):
// rows are appended and periodically sorted and combined, so the raw buffer never exceeds about
// twice the number of distinct buckets (plus a constant).
class BurstAccumulator {
public:
    // Throws OutOfRange for negative tokens or merged_changes (naming the argument) or when a
    // total would overflow int64; LimitExceeded beyond kMaxBuckets distinct buckets.
    // Counted only: value = merged_changes, value_squares = merged_changes.
    void add(int64_t bucket, int64_t tokens, int64_t merged_changes);
    // With the changes' value: OutOfRange for a negative value or one above kMaxRowValue,
    // InvalidParameter for NaN or infinity (naming merged_value). Marks the series as valued.
    void add(int64_t bucket, int64_t tokens, int64_t merged_changes, double merged_value);
    // Parallel combine: the result is the same as adding other's rows here.
    void merge(const BurstAccumulator& other);

    // Sorted by bucket, one entry per distinct bucket.
    const std::vector<BucketTotals>& buckets() const;
    size_t bucket_count() const { return buckets().size(); }
    bool empty() const noexcept { return entries_.empty(); }
    int64_t total_tokens() const noexcept { return total_tokens_; }
    int64_t total_merged_changes() const noexcept { return total_merges_; }
    // Whether any row came with a value (the analysis then credits value, not counts).
    bool has_values() const noexcept { return has_values_; }

    // Format v2, little-endian:
    //   u8 version = 2, u8 kind = 'A', u8 has_values (0/1), u64 n,
    //   n x (i64 bucket, i64 tokens, i64 merged_changes, f64 value, f64 value_squares)
    //   strictly ascending by bucket, i64 total_tokens, i64 total_merged_changes.
    // The bytes depend only on the logical content (row order and merge order do not show) when
    // values are sums of integers or of one row per bucket; fractional values summed within a
    // bucket in another order may differ in the last bit.
    std::vector<uint8_t> serialize() const;
    // Validates everything before trusting it: version and kind, n <= kMaxBuckets (LimitExceeded)
    // and the exact length before allocating, strictly ascending buckets, non-negative counts,
    // totals that add up without overflow, values finite and >= 0, value 0 iff value_squares 0,
    // value_squares <= value^2, and without has_values value = value_squares = merged_changes.
    // Anything else is ErrorKind::InvalidBinary.
    static BurstAccumulator deserialize(const uint8_t* data, size_t size);

    // Sorts and combines duplicates now. Logically const: called lazily by the accessors.
    void compact() const;

private:
    void add_row(int64_t bucket, int64_t tokens, int64_t merged_changes, double value, double squares, bool valued);

    mutable std::vector<BucketTotals> entries_;
    mutable size_t compacted_ = 0;  // entries_[0, compacted_) is sorted with distinct buckets
    int64_t total_tokens_ = 0;
    int64_t total_merges_ = 0;
    bool has_values_ = false;
};

// Whether a series' bucket timestamps match its bucket width (issue 11): two misuses that would
// otherwise give a quiet, wrong number.
// * A width coarser than the buckets (hourly buckets with '7 days', raw event times): distinct
//   buckets would be summed into one. The offsets (seconds mod width) must all lie within an arc
//   of allowance(width) = min(1 hour, (width - 1) / 2) seconds, circularly. A fixed offset is a
//   time zone's truncation (date_trunc('day') in Asia/Kolkata sits at 18:30 UTC); one hour admits
//   local-time buckets across DST changes (Berlin's midnight is 23:00 or 22:00 UTC; 30- and
//   45-minute zones have fixed offsets too); staying below half the width refuses hourly buckets
//   at '2 hours' (offsets 0 and 1 hour). Where a local midnight straddles UTC midnight (London,
//   Lisbon) the DST days share or skip a bucket index, as before: accepted. So are hourly buckets
//   that all fall within one hour of the day at '1 day' (indistinguishable from local time).
// * A width much finer than the buckets (hourly buckets with '1 minute'): every bucket index lies
//   a multiple of step() apart (the gcd of index differences) and the analysis would see mostly
//   empty buckets. refused_step() refuses step >= kFineStep with >= kFineMinBuckets distinct
//   buckets: a daily cron job at '1 hour' (step 24) passes; the honest case still refused is a
//   job that runs exactly every 60 buckets or less often (a weekly job at '1 hour'), which wants
//   a coarser width anyway.
// State is O(1): the first bucket as reference, the least and greatest offset relative to it
// taken circularly in [-width/2, width/2], and the step. Since the allowance is below width/2,
// the decision is exact, independent of row order and of how parallel workers split the rows.
class BucketAlignment {
public:
    static constexpr int64_t kArcSeconds = 3600;
    static constexpr int64_t kFineStep = 60;
    static constexpr size_t kFineMinBuckets = 24;
    // Bucket seconds are bounded (PostgreSQL timestamps end in 294276 AD), so no sum overflows.
    static constexpr int64_t kMaxAbsSeconds = 10'000'000'000'000;
    static constexpr size_t kFields = 7;

    static int64_t allowance(int64_t width) noexcept { return (width - 1) / 2 < kArcSeconds ? (width - 1) / 2 : kArcSeconds; }

    // Records a bucket `seconds` since 1970-01-01 UTC (|seconds| <= kMaxAbsSeconds) whose index is
    // floor(seconds / width). False when the buckets are no longer within the allowed arc:
    // low_seconds() and high_seconds() then name two that are not a whole number of widths apart.
    bool add(int64_t seconds, int64_t index, int64_t width) noexcept
    {
        const int64_t offset = seconds - index * width;
        if (!seen_) {
            seen_ = true;
            ref_seconds_ = low_seconds_ = high_seconds_ = seconds;
            ref_offset_ = offset;
            ref_index_ = index;
            return true;
        }
        const int64_t d = wrap(offset - ref_offset_, width);
        if (d < low_) {
            low_ = d;
            low_seconds_ = seconds;
        } else if (d > high_) {
            high_ = d;
            high_seconds_ = seconds;
        }
        const int64_t apart = index - ref_index_;
        if (step_ != 1 && apart != 0 && (step_ == 0 || apart % step_ != 0))
            step_ = gcd(step_, apart);
        return high_ - low_ <= allowance(width);
    }
    // Parallel combine: the same as adding other's buckets here.
    bool merge(const BucketAlignment& other, int64_t width) noexcept;

    bool empty() const noexcept { return !seen_; }
    int64_t low_seconds() const noexcept { return low_seconds_; }
    int64_t high_seconds() const noexcept { return high_seconds_; }
    // Every bucket index lies a multiple of step() from every other (0 with one distinct index).
    int64_t step() const noexcept { return step_; }
    // The step when the width is refused as finer than the buckets (see above), else 0.
    int64_t refused_step(size_t distinct_buckets) const noexcept
    {
        return step_ >= kFineStep && distinct_buckets >= kFineMinBuckets ? step_ : 0;
    }

    // Serial form as kFields int64: seen, reference seconds, low, high, low seconds, high seconds,
    // step. from_fields validates all of it for `width` (InvalidBinary): flags, bounds, an arc
    // within the allowance, extremes that sit at their offsets.
    void to_fields(int64_t out[kFields]) const noexcept;
    static BucketAlignment from_fields(const int64_t in[kFields], int64_t width);

private:
    // d in (-width, width) to the representative in [-width/2, width/2].
    static int64_t wrap(int64_t d, int64_t width) noexcept
    {
        if (d > width / 2)
            return d - width;
        if (d < -(width / 2))
            return d + width;
        return d;
    }
    static int64_t gcd(int64_t a, int64_t b) noexcept;

    bool seen_ = false;
    int64_t ref_seconds_ = 0, ref_offset_ = 0, ref_index_ = 0;
    int64_t low_ = 0, high_ = 0;  // offsets relative to the reference's
    int64_t low_seconds_ = 0, high_seconds_ = 0;
    int64_t step_ = 0;
};

// A period the developer's own record excuses (on-call, incident, training): [start, end) in
// seconds since 1970-01-01 UTC.
struct ExcusedSpan {
    int64_t start_seconds;
    int64_t end_seconds;
};

// Analysis parameters. Get them from default_params(bucket_seconds), then override.
struct BurstParams {
    // Width of a bucket in seconds; the bucket index times this is seconds since
    // 1970-01-01 00:00 UTC, which gives the hour of week. Range [1, 31,622,400] (366 days).
    int64_t bucket_seconds = 86400;
    // Length of the centred window the baseline is estimated from, in buckets.
    // Default: 56 days of buckets (at least 8). Range [3, kMaxBuckets].
    int64_t baseline_buckets = 56;
    // Developer-level false-alarm rate: the probability that a developer with no excursion
    // (stationary use) has any episode reported, controlled by the combined token-and-output
    // decision above (the SQL `significance`). Default 0.01. Range (0, 0.5].
    double alpha = 0.01;
    // Level of the Poisson test of merged output against usual efficiency. Default 0.05.
    // Range (0, 0.5]. Smaller excuses more sprints. It also places the corner of the combined
    // decision (tau = alpha / (merge_alpha (1 + ln(1 / merge_alpha)))).
    double merge_alpha = 0.05;
    // Buckets after an episode whose merged changes still count for it (output lands after the
    // tokens were spent). Default: 3 days of buckets, rounded up. Range [0, kMaxBuckets].
    int64_t horizon_buckets = 3;
    // Longest window the scan looks for, in buckets; longer excursions show up as several
    // adjacent windows that are joined. Default: 14 days of buckets (at least 1). Range
    // [1, kMaxBuckets].
    int64_t max_episode_buckets = 14;
    // Hour-of-day x {weekday, weekend} (or day-type for daily buckets) baseline, used when the
    // bucket width divides one day.
    // Otherwise, or when false, one level for all buckets.
    bool seasonal = true;
    // Periods the developer's own record excuses (on-call, incident, training), as
    // [start, end) seconds since 1970-01-01 UTC: an episode's inflated tokens inside them are
    // reported as excused_tokens and not charged. Any order; overlaps allowed.
    std::vector<ExcusedSpan> excused;
};

// Defaults for a bucket width; throws InvalidParameter for a width outside its range.
BurstParams default_params(int64_t bucket_seconds);
// Throws InvalidParameter naming the first parameter outside its valid range.
void validate(const BurstParams& params);

struct Episode {
    int64_t start_bucket;            // first bucket index of the excursion
    int64_t end_bucket;              // last bucket index, inclusive
    int64_t tokens;                  // tokens in [start, end]
    double baseline_tokens;          // ordinary use's tokens in [start, end]: its expectation, or
                                     // tokens - steady excess (see Excess in docs/burst-method.md)
    int64_t merged_changes;          // merges in [start, end + horizon] (horizon cut at the next episode)
    double expected_merged_changes;  // usual merges per token * tokens over the same range
    double merged_value;             // value of those merges (= merged_changes when counted only)
    double expected_merged_value;    // usual value per token * tokens over the same range
    double excess_tokens;            // max(0, tokens - baseline_tokens)
    double inflated_tokens;          // the part of excess_tokens that merges do not explain,
                                     // less excused_tokens
    double excused_tokens;           // inflated tokens inside excused periods (BurstParams::excused)
    // Combined p-value of excess AND shortfall: k (1 + ln(tau / k)) at k = scan_p_value *
    // merge_p_value (truncated product, see docs/burst-method.md); episodes are reported iff it is <= alpha.
    double p_value;
    // P(value <= observed) under usual efficiency (in effective units, see Value in docs/burst-method.md) (conditional binomial test given the merges
    // outside all episodes); for episodes within one horizon of each other, of their group
    // (merged_changes and expected_merged_changes stay per episode).
    double merge_p_value;
    // Scan p-value of the excess tokens, adjusted for all windows and scales (<= tau); for a
    // group, the group's smallest is what the decision used.
    double scan_p_value;
};

struct BurstResult {
    // Inflated tokens / total tokens, in [0, 1]; 0 when total tokens is 0.
    double inflation_share = 0.0;
    int64_t total_tokens = 0;
    double inflated_tokens = 0.0;
    // Merged value per token outside all reported episode windows (the developer's usual
    // efficiency; merges per token when counted only).
    double usual_merges_per_token = 0.0;
    // Every reported excursion (combined decision above), explained ones (sprints) included with
    // inflated_tokens = 0.
    std::vector<Episode> episodes;
};

// Missing buckets inside [min bucket, max bucket] count as zero use. Throws InvalidParameter
// for bad parameters and LimitExceeded when the span exceeds kMaxBuckets.
// Cost O(n log n) in the span n for the default parameters.
BurstResult analyze(const BurstAccumulator& acc, const BurstParams& params);

// What analyze() reads: distinct buckets, strictly ascending, and their totals (a
// BurstAccumulator's, or a BurstSeries' converted from its exact fixed-point sums).
struct BucketsView {
    const BucketTotals* data = nullptr;
    size_t size = 0;
    bool has_values = false;
    int64_t total_tokens = 0;
    int64_t total_merged_changes = 0;
};
BurstResult analyze(const BucketsView& buckets, const BurstParams& params);

// Sliding-window robust surprise for burst_score(tokens) OVER (ROWS BETWEEN n PRECEDING AND
// CURRENT ROW). The current row is the value most recently add()ed; the frame is every value
// added and not yet removed. score() compares the current value with the rest of the frame
// under the same hurdle model as analyze(): activity rate p = (active + 0.5) / (rest + 1); for an
// active current value, z = (ln tokens - median) / scale, with median and 1.4826 * MAD of ln
// tokens over the active rest, the scale shrunk towards 1 by 2 pseudo-observations (so it is
// never 0). It returns the normal score of the mid-distribution value,
//   zero current:   Phi^-1((1 - p) / 2)           (about 0 among zeros, negative among actives)
//   active current: Phi^-1((1 - p) + p * Phi(z))  (large when rarely active or far above level)
// clamped to [-8, 8]: 0 is typical, +2 is as rare as a 2-sigma high. It returns exactly 0 when
// there is no current value or no other value in the frame. Never NaN or infinite.
// add/remove are O(log n); score is O(log^2 n); memory O(distinct values in the frame).
class WindowScore {
public:
    // OutOfRange for negative tokens; LimitExceeded beyond kMaxBuckets values in the frame.
    void add(int64_t tokens);
    // Inverse transition. Throws Internal when the value is not in the frame (a caller bug).
    void remove(int64_t tokens);
    double score() const;
    uint64_t size() const noexcept { return zeros_ + active_.size(); }

private:
    OrderStatMultiset active_;  // positive token values in the frame
    uint64_t zeros_ = 0;        // zero-token values in the frame
    bool has_current_ = false;
    int64_t current_ = 0;
};

}  // namespace uv::burst
