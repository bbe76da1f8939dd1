// One developer's bucketed series as the former aggregate state (BurstAccumulator, with its
// serial form) and the bucket-alignment misuse check (BucketAlignment).
#include "burst_detail.hpp"

#include "math.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <string>

namespace uv::burst {

using namespace detail;

// Bytes of one serialised accumulator bucket: bucket, tokens, merged_changes, value, value_squares.
constexpr uint64_t kEntryBytes = 40;

// ---------------------------------------------------------------------------------------------
// BurstAccumulator

void check_row_value(double merged_value, double limit)
{
    if (merged_value >= 0 && merged_value <= limit)
        return;
    char got[32], most[32];  // formatted only on the error path
    std::snprintf(got, sizeof got, "%g", merged_value);
    std::snprintf(most, sizeof most, "%g", limit);
    if (std::isnan(merged_value) || std::isinf(merged_value))
        throw Error(ErrorKind::InvalidParameter, std::string("burst: merged_value must be a finite number, got ") + got);
    throw Error(ErrorKind::OutOfRange, std::string("burst: merged_value must be in [0, ") + most + "] per row, got " + got);
}

void BurstAccumulator::add(int64_t bucket, int64_t tokens, int64_t merged_changes)
{
    add_row(bucket, tokens, merged_changes, static_cast<double>(merged_changes), static_cast<double>(merged_changes), false);
}

void BurstAccumulator::add(int64_t bucket, int64_t tokens, int64_t merged_changes, double merged_value)
{
    check_row_value(merged_value, kMaxRowValue);
    // value^2 / max(changes, 1): the square of one change's value, the equal-split lower bound for
    // several, one unit for value with no counted change. value == changes (weights of 1) gives
    // exactly changes, as on the counted-only path; a positive value never squares to 0.
    double squares = merged_value;
    if (merged_value != static_cast<double>(merged_changes))
        squares = merged_value * merged_value / static_cast<double>(std::max<int64_t>(merged_changes, 1));
    if (merged_value > 0 && !(squares > 0))
        squares = std::numeric_limits<double>::denorm_min();
    add_row(bucket, tokens, merged_changes, merged_value, squares, true);
}

void BurstAccumulator::add_row(int64_t bucket, int64_t tokens, int64_t merged_changes, double value, double squares,
                               bool valued)
{
    if (tokens < 0)
        throw Error(ErrorKind::OutOfRange, "burst: tokens must be >= 0, got " + std::to_string(tokens));
    if (merged_changes < 0)
        throw Error(ErrorKind::OutOfRange,
                    "burst: merged_changes must be >= 0, got " + std::to_string(merged_changes));
    int64_t t, m;
    if (add_overflows(total_tokens_, tokens, &t))
        throw Error(ErrorKind::OutOfRange, "burst: the sum of tokens overflows bigint");
    if (add_overflows(total_merges_, merged_changes, &m))
        throw Error(ErrorKind::OutOfRange, "burst: the sum of merged_changes overflows bigint");
    // Valued before the row goes in: a compaction below must sum values, not recount them.
    if (valued)
        has_values_ = true;
    entries_.push_back({bucket, tokens, merged_changes, value, squares});
    // Totals bound every per-bucket sum, so combining duplicates later cannot overflow.
    total_tokens_ = t;
    total_merges_ = m;
    // Combine when the raw tail reaches the compacted size: memory stays O(distinct buckets),
    // the amortised cost O(log n) per row.
    if (entries_.size() >= std::max<size_t>(4096, 2 * compacted_))
        compact();
}

void BurstAccumulator::merge(const BurstAccumulator& other)
{
    const auto& o = other.buckets();
    int64_t t, m;
    if (add_overflows(total_tokens_, other.total_tokens_, &t))
        throw Error(ErrorKind::OutOfRange, "burst: the sum of tokens overflows bigint");
    if (add_overflows(total_merges_, other.total_merges_, &m))
        throw Error(ErrorKind::OutOfRange, "burst: the sum of merged_changes overflows bigint");
    entries_.insert(entries_.end(), o.begin(), o.end());
    total_tokens_ = t;
    total_merges_ = m;
    has_values_ = has_values_ || other.has_values_;
    compact();
}

void BurstAccumulator::compact() const
{
    if (compacted_ == entries_.size())
        return;
    // Work on a copy and swap, so an allocation failure leaves the state as it was.
    std::vector<BucketTotals> v(entries_);
    auto by_bucket = [](const BucketTotals& a, const BucketTotals& b) { return a.bucket < b.bucket; };
    std::sort(v.begin() + static_cast<std::ptrdiff_t>(compacted_), v.end(), by_bucket);
    std::inplace_merge(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(compacted_), v.end(), by_bucket);
    size_t out = 0;
    for (size_t i = 0; i < v.size(); ++i) {
        if (out > 0 && v[out - 1].bucket == v[i].bucket) {
            v[out - 1].tokens += v[i].tokens;  // bounded by the checked totals
            v[out - 1].merged_changes += v[i].merged_changes;
            // Counted-only buckets keep value = changes exactly (a double sum of counts near 2^63
            // would round); valued ones sum (each row's value is at most kMaxRowValue, so finite).
            if (!has_values_) {
                v[out - 1].value = static_cast<double>(v[out - 1].merged_changes);
                v[out - 1].value_squares = v[out - 1].value;
            } else {
                v[out - 1].value += v[i].value;
                v[out - 1].value_squares += v[i].value_squares;
            }
        } else {
            v[out++] = v[i];
        }
    }
    v.resize(out);
    if (out > kMaxBuckets)
        throw Error(ErrorKind::LimitExceeded,
                    "burst: more than " + std::to_string(kMaxBuckets) + " distinct buckets for one developer");
    v.shrink_to_fit();
    entries_.swap(v);
    compacted_ = entries_.size();
}

const std::vector<BucketTotals>& BurstAccumulator::buckets() const
{
    compact();
    return entries_;
}

std::vector<uint8_t> BurstAccumulator::serialize() const
{
    const auto& b = buckets();
    std::vector<uint8_t> out;
    out.reserve(3 + 8 + kEntryBytes * b.size() + 16);
    put_u8(out, kAccumulatorFormatVersion);
    put_u8(out, 'A');
    put_u8(out, has_values_ ? 1 : 0);
    put_u64(out, b.size());
    for (const auto& e : b) {
        put_i64(out, e.bucket);
        put_i64(out, e.tokens);
        put_i64(out, e.merged_changes);
        put_f64(out, e.value);
        put_f64(out, e.value_squares);
    }
    put_i64(out, total_tokens_);
    put_i64(out, total_merges_);
    return out;
}

BurstAccumulator BurstAccumulator::deserialize(const uint8_t* data, size_t size)
{
    Reader r(data, size, "burst accumulator");
    r.header('A', kAccumulatorFormatVersion);
    const uint8_t has_values = r.u8();
    if (has_values > 1)
        r.fail("bad has_values flag");
    uint64_t n = r.u64();
    if (n > kMaxBuckets)
        throw Error(ErrorKind::LimitExceeded, "burst accumulator: " + std::to_string(n) + " buckets, more than the limit of " +
                                                  std::to_string(kMaxBuckets));
    // n <= 1e7, so kEntryBytes * n + 16 cannot overflow; check the exact length before allocating.
    if (r.remaining() != kEntryBytes * n + 16)
        r.fail("length does not match the bucket count");
    BurstAccumulator acc;
    acc.entries_.reserve(static_cast<size_t>(n));
    int64_t tok = 0, mer = 0;
    InterruptTicker ticker;
    for (uint64_t i = 0; i < n; ++i) {
        BucketTotals e;
        e.bucket = r.i64();
        e.tokens = r.i64();
        e.merged_changes = r.i64();
        e.value = r.f64();
        e.value_squares = r.f64();
        if (i > 0 && e.bucket <= acc.entries_.back().bucket)
            r.fail("buckets are not strictly ascending");
        if (e.tokens < 0 || e.merged_changes < 0)
            r.fail("negative count");
        if (!(std::isfinite(e.value) && e.value >= 0 && std::isfinite(e.value_squares) && e.value_squares >= 0))
            r.fail("value or value_squares negative, NaN or infinite");
        if ((e.value == 0) != (e.value_squares == 0))
            r.fail("value and value_squares are not both zero or both positive");
        if (has_values == 0 ? !(e.value == static_cast<double>(e.merged_changes) && e.value_squares == e.value)
                            : !(e.value_squares <= std::max(e.value * e.value * (1 + 1e-6),
                                                            std::numeric_limits<double>::min())))
            r.fail("value_squares inconsistent with value");
        if (add_overflows(tok, e.tokens, &tok) || add_overflows(mer, e.merged_changes, &mer))
            r.fail("totals overflow");
        acc.entries_.push_back(e);
        ticker.tick();
    }
    int64_t total_t = r.i64(), total_m = r.i64();
    if (total_t != tok || total_m != mer)
        r.fail("totals do not match the buckets");
    acc.total_tokens_ = tok;
    acc.total_merges_ = mer;
    acc.has_values_ = has_values == 1;
    acc.compacted_ = acc.entries_.size();
    return acc;
}

// ---------------------------------------------------------------------------------------------
// BucketAlignment

int64_t BucketAlignment::gcd(int64_t a, int64_t b) noexcept
{
    // Operands are index differences, far from INT64_MIN, so the negation is safe.
    a = a < 0 ? -a : a;
    b = b < 0 ? -b : b;
    while (b != 0) {
        const int64_t r = a % b;
        a = b;
        b = r;
    }
    return a;
}

bool BucketAlignment::merge(const BucketAlignment& other, int64_t width) noexcept
{
    if (!other.seen_)
        return true;
    if (!seen_) {
        *this = other;
        return true;
    }
    // other's extremes relative to this reference: exact while the union stays within the
    // allowance (< width / 2); beyond it the arc is refused whatever the representative.
    const int64_t d = wrap(other.ref_offset_ - ref_offset_, width);
    if (d + other.low_ < low_) {
        low_ = d + other.low_;
        low_seconds_ = other.low_seconds_;
    }
    if (d + other.high_ > high_) {
        high_ = d + other.high_;
        high_seconds_ = other.high_seconds_;
    }
    step_ = gcd(gcd(step_, other.step_), other.ref_index_ - ref_index_);
    return high_ - low_ <= allowance(width);
}

void BucketAlignment::to_fields(int64_t out[kFields]) const noexcept
{
    out[0] = seen_ ? 1 : 0;
    out[1] = ref_seconds_;
    out[2] = low_;
    out[3] = high_;
    out[4] = low_seconds_;
    out[5] = high_seconds_;
    out[6] = step_;
}

BucketAlignment BucketAlignment::from_fields(const int64_t in[kFields], int64_t width)
{
    auto fail = [](const char* what) {
        throw Error(ErrorKind::InvalidBinary, std::string("invalid burst state: bucket alignment ") + what);
    };
    if (!(width >= 1 && width <= kMaxAbsSeconds))
        fail("has no valid width");
    BucketAlignment a;
    if (in[0] == 0) {
        for (size_t i = 1; i < kFields; ++i)
            if (in[i] != 0)
                fail("is empty but has values");
        return a;
    }
    if (in[0] != 1)
        fail("has a bad flag");
    for (int i : {1, 4, 5})
        if (in[i] < -kMaxAbsSeconds || in[i] > kMaxAbsSeconds)
            fail("names a bucket out of range");
    const int64_t low = in[2], high = in[3];
    if (!(low <= 0 && high >= 0 && high - low <= allowance(width)))
        fail("has an arc beyond the allowance");
    if (in[6] < 0 || in[6] > 2 * kMaxAbsSeconds)
        fail("has a bad step");
    auto floor_mod = [width](int64_t v) { return ((v % width) + width) % width; };
    // Each extreme sits at its offset from the reference (all bounded, so no overflow).
    if (floor_mod(in[4] - in[1] - low) != 0 || floor_mod(in[5] - in[1] - high) != 0)
        fail("extremes do not match their offsets");
    a.seen_ = true;
    a.ref_seconds_ = in[1];
    a.ref_offset_ = floor_mod(in[1]);
    a.ref_index_ = (in[1] - a.ref_offset_) / width;
    a.low_ = low;
    a.high_ = high;
    a.low_seconds_ = in[4];
    a.high_seconds_ = in[5];
    a.step_ = in[6];
    return a;
}

}  // namespace uv::burst
