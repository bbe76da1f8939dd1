// BurstSeries: exact sums, compaction, and the stored / wire / text codecs (see the header).
#include "burst_series.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace uv::burst {

namespace {

constexpr u128 kSquareUnit = u128(kValueUnit) * u128(kValueUnit);  // pico-units per 1.0 of value^2
constexpr u128 kMaxU128 = ~u128(0);

std::string u128_text(u128 v)
{
    char buf[48];
    size_t n = 0;
    do {
        buf[n++] = static_cast<char>('0' + static_cast<int>(v % 10));
        v /= 10;
    } while (v != 0);
    std::string s(buf, n);
    std::reverse(s.begin(), s.end());
    return s;
}

// units / scale as an exact decimal: integer part, then the fraction without trailing zeros.
std::string decimal_text(u128 units, u128 scale, int digits)
{
    std::string s = u128_text(units / scale);
    u128 frac = units % scale;
    if (frac == 0)
        return s;
    std::string f = u128_text(frac);
    f.insert(0, static_cast<size_t>(digits) - f.size(), '0');
    while (f.back() == '0')
        f.pop_back();
    return s + "." + f;
}

void put_varint(std::vector<uint8_t>& out, u128 v)
{
    while (v >= 0x80) {
        out.push_back(static_cast<uint8_t>(v) | 0x80);
        v >>= 7;
    }
    out.push_back(static_cast<uint8_t>(v));
}

uint64_t zigzag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
int64_t unzigzag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

int64_t gcd64(int64_t a, int64_t b)
{
    while (b != 0) {
        const int64_t t = a % b;
        a = b;
        b = t;
    }
    return a;
}

}  // namespace

namespace {

// Writes one bucket in the stored encoding: position (zigzag absolute for the first bucket, delta
// to the previous otherwise), tokens, merged_changes, and when valued value and squares.
// `out` must have room for kMaxBucketBytes more bytes (callers reserve; nothing here throws).
constexpr size_t kMaxBucketBytes = 10 + 10 + 10 + 10 + 19;

inline uint8_t* write_varint(uint8_t* out, u128 v)
{
    while (v >= 0x80) {
        *out++ = static_cast<uint8_t>(v) | 0x80;
        v >>= 7;
    }
    *out++ = static_cast<uint8_t>(v);
    return out;
}

inline size_t varint_size(u128 v)
{
    size_t n = 1;
    while (v >= 0x80) {
        v >>= 7;
        ++n;
    }
    return n;
}

// Exactly what write_bucket writes.
inline size_t bucket_size(bool first, int64_t previous, const SeriesBucket& b, bool valued)
{
    size_t n = varint_size(first ? zigzag(b.bucket) : static_cast<uint64_t>(b.bucket) - static_cast<uint64_t>(previous)) +
               varint_size(static_cast<uint64_t>(b.tokens)) + varint_size(static_cast<uint64_t>(b.merged_changes));
    if (valued)
        n += varint_size(static_cast<uint64_t>(b.value)) + varint_size(b.squares());
    return n;
}

inline uint8_t* write_bucket(uint8_t* out, bool first, int64_t previous, const SeriesBucket& b, bool valued)
{
    out = write_varint(out, first ? zigzag(b.bucket) : static_cast<uint64_t>(b.bucket) - static_cast<uint64_t>(previous));
    out = write_varint(out, static_cast<uint64_t>(b.tokens));
    out = write_varint(out, static_cast<uint64_t>(b.merged_changes));
    if (valued) {
        out = write_varint(out, static_cast<uint64_t>(b.value));
        out = write_varint(out, b.squares());
    }
    return out;
}

// Reads buckets back from a body written by write_bucket (trusted: it was validated or written
// by us).
class BodyReader {
public:
    BodyReader(const uint8_t* data, size_t size, bool valued) : p_(data), end_(data + size), valued_(valued) {}
    bool next(SeriesBucket& b)
    {
        if (p_ >= end_)
            return false;
        const u128 pos = varint();
        bucket_ = first_ ? unzigzag(static_cast<uint64_t>(pos))
                         : static_cast<int64_t>(static_cast<uint64_t>(bucket_) + static_cast<uint64_t>(pos));
        first_ = false;
        b.bucket = bucket_;
        b.tokens = static_cast<int64_t>(varint());
        b.merged_changes = static_cast<int64_t>(varint());
        b.value = valued_ ? static_cast<int64_t>(varint()) : 0;
        b.set_squares(valued_ ? varint() : 0);
        return true;
    }
    // Where the next bucket starts (after the first: position-independent bytes).
    const uint8_t* position() const noexcept { return p_; }

private:
    u128 varint()
    {
        u128 v = 0;
        for (int shift = 0; p_ < end_; shift += 7) {
            const uint8_t byte = *p_++;
            v |= u128(byte & 0x7f) << shift;
            if (!(byte & 0x80))
                break;
        }
        return v;
    }
    const uint8_t* p_;
    const uint8_t* end_;
    bool valued_;
    bool first_ = true;
    int64_t bucket_ = 0;
};

// Rows folded into the encoded buckets at once when they arrive in bucket order.
constexpr size_t kTailRows = 256;

}  // namespace

// Validates decoded buckets one by one and builds the series (shared by the binary and text
// decoders, which only differ in how they read numbers and in the error kind).
class SeriesBuilder {
public:
    SeriesBuilder(int64_t width, bool valued, ErrorKind kind, std::pmr::memory_resource* memory)
        : series_(checked_width(width, kind), memory), kind_(kind)
    {
        series_.has_values_ = valued;
    }
    [[noreturn]] void fail(const std::string& why) const
    {
        throw Error(kind_, std::string("invalid burst_series ") + (kind_ == ErrorKind::InvalidText ? "text" : "binary") +
                               " value: " + why);
    }
    void reserve(uint64_t n, size_t bytes)
    {
        if (n > kMaxBuckets)
            throw Error(ErrorKind::LimitExceeded, "burst_series: " + std::to_string(n) + " buckets, more than the limit of " +
                                                      std::to_string(kMaxBuckets));
        series_.body_.reserve(bytes);
    }
    // Validates one bucket and, with `write`, appends its encoding (the binary decoder copies the
    // validated bytes at once instead: minimal varints make them the canonical encoding).
    void add(int64_t bucket, uint64_t tokens, uint64_t changes, uint64_t value, u128 squares, bool write = true)
    {
        BurstSeries& s = series_;
        if (s.count_ > 0 && bucket <= s.last_)
            fail("buckets are not strictly ascending");
        if (s.count_ >= kMaxBuckets)
            fail("more than " + std::to_string(kMaxBuckets) + " buckets");
        int64_t seconds;
        if (__builtin_mul_overflow(bucket, s.width_, &seconds) || seconds < kMinBucketSeconds || seconds > kMaxBucketSeconds)
            fail("bucket " + std::to_string(bucket) + " is outside the timestamp range");
        if (tokens > uint64_t(INT64_MAX) || changes > uint64_t(INT64_MAX) || value > uint64_t(INT64_MAX))
            fail("count out of range");
        if (!s.has_values_ && (value != 0 || squares != 0))
            fail("value in a counted-only series");
        if ((value == 0) != (squares == 0))
            fail("value and squares are not both zero or both positive");
        if (squares > u128(value) * u128(value))
            fail("squares exceed value squared");
        int64_t t, m, v;
        if (__builtin_add_overflow(s.total_tokens_, int64_t(tokens), &t) ||
            __builtin_add_overflow(s.total_merges_, int64_t(changes), &m) ||
            __builtin_add_overflow(s.total_value_, int64_t(value), &v) || squares > kMaxU128 - s.total_squares())
            fail("totals overflow");
        if (write) {
            SeriesBucket b{bucket, int64_t(tokens), int64_t(changes), int64_t(value), 0, 0};
            b.set_squares(squares);
            const size_t at = s.body_.size();
            s.body_.resize(at + kMaxBucketBytes);
            uint8_t* end = write_bucket(s.body_.data() + at, s.count_ == 0, s.last_, b, s.has_values_);
            s.body_.resize(static_cast<size_t>(end - s.body_.data()));
        }
        if (s.count_ == 0)
            s.first_ = bucket;
        s.last_ = bucket;
        ++s.count_;
        s.total_tokens_ = t;
        s.total_merges_ = m;
        s.total_value_ = v;
        s.set_total_squares(s.total_squares() + squares);
        ticker_.tick();
    }
    BurstSeries finish(const uint8_t* body = nullptr, size_t body_size = 0)
    {
        if (series_.count_ == 0)
            fail("no buckets");
        if (body != nullptr)
            series_.body_.assign(body, body + body_size);
        return std::move(series_);
    }

private:
    int64_t checked_width(int64_t width, ErrorKind kind) const
    {
        if (width < 1 || width > kMaxWidthSeconds)
            throw Error(kind, std::string("invalid burst_series ") + (kind == ErrorKind::InvalidText ? "text" : "binary") +
                                  " value: width " + std::to_string(width) + " is outside [1, " +
                                  std::to_string(kMaxWidthSeconds) + "] seconds");
        return width;
    }
    BurstSeries series_;
    ErrorKind kind_;
    InterruptTicker ticker_;
};

// ---------------------------------------------------------------------------------------------
// Building

BurstSeries::BurstSeries(int64_t width_seconds, std::pmr::memory_resource* memory)
    : width_(width_seconds), body_(memory), tail_(memory)
{
    if (width_seconds < 1 || width_seconds > kMaxWidthSeconds)
        throw Error(ErrorKind::InvalidParameter, "burst: bucket_width must be in [1, " + std::to_string(kMaxWidthSeconds) +
                                                     "] seconds, got " + std::to_string(width_seconds));
}

BurstSeries::BurstSeries(const BurstSeries& other, std::pmr::memory_resource* memory)
    : width_(other.width_), has_values_(other.has_values_), body_(other.body_, memory), count_(other.count_),
      first_(other.first_), last_(other.last_), tail_(other.tail_, memory), tail_sorted_(other.tail_sorted_),
      total_tokens_(other.total_tokens_), total_merges_(other.total_merges_), total_value_(other.total_value_),
      total_squares_lo_(other.total_squares_lo_), total_squares_hi_(other.total_squares_hi_)
{
}

template <typename F>
void BurstSeries::for_each_bucket(F f) const
{
    flush();
    BodyReader r(body_.data(), body_.size(), has_values_);
    SeriesBucket b;
    InterruptTicker ticker;
    while (r.next(b)) {
        f(b);
        ticker.tick();
    }
}

void BurstSeries::add(int64_t bucket, int64_t tokens, int64_t merged_changes)
{
    int64_t value = 0;
    if (has_values_ && merged_changes >= 0 && __builtin_mul_overflow(merged_changes, kValueUnit, &value))
        throw Error(ErrorKind::OutOfRange, "burst: merged_changes " + std::to_string(merged_changes) +
                                               " is too large to be counted as value (at most " +
                                               std::to_string(INT64_MAX / kValueUnit) + ")");
    add_row(bucket, tokens, merged_changes, value, has_values_ ? u128(value) * u128(kValueUnit) : 0);
}

void BurstSeries::add(int64_t bucket, int64_t tokens, int64_t merged_changes, double merged_value)
{
    check_row_value(merged_value, kMaxSeriesRowValue);
    if (tokens < 0 || merged_changes < 0) {
        add_row(bucket, tokens, merged_changes, 0, 0);  // throws, naming the argument
        return;
    }
    // Quantised once per row: at most 1e12 units, exact in a double and in int64.
    const int64_t units = std::llround(merged_value * static_cast<double>(kValueUnit));
    // value^2 / max(changes, 1) in pico-units: weights of one give exactly changes; a positive
    // value never squares to 0 (value 0 iff squares 0).
    u128 squares = u128(units) * u128(units) / u128(std::max<int64_t>(merged_changes, 1));
    if (units > 0 && squares == 0)
        squares = 1;
    if (!has_values_)
        make_valued();
    add_row(bucket, tokens, merged_changes, units, squares);
}

void BurstSeries::make_valued()
{
    int64_t total;
    if (__builtin_mul_overflow(total_merges_, kValueUnit, &total))
        throw Error(ErrorKind::OutOfRange, "burst: " + std::to_string(total_merges_) +
                                               " merged_changes are too many to be counted as value");
    // Every bucket's count is at most the total: no overflow below. The encoded buckets are
    // rewritten with value = count (copy first, so that a failed allocation changes nothing).
    std::vector<SeriesBucket> folded = buckets();
    for (auto& e : folded) {
        e.value = e.merged_changes * kValueUnit;
        e.set_squares(u128(e.value) * u128(kValueUnit));
    }
    std::pmr::vector<uint8_t> body(body_.get_allocator());
    body.resize(folded.size() * kMaxBucketBytes);
    uint8_t* out = body.data();
    for (size_t i = 0; i < folded.size(); ++i)
        out = write_bucket(out, i == 0, i > 0 ? folded[i - 1].bucket : 0, folded[i], true);
    body.resize(static_cast<size_t>(out - body.data()));
    body.shrink_to_fit();
    for (auto& e : tail_) {
        e.value = e.merged_changes * kValueUnit;
        e.set_squares(u128(e.value) * u128(kValueUnit));
    }
    body_.swap(body);
    total_value_ = total;
    set_total_squares(u128(total) * u128(kValueUnit));
    has_values_ = true;
}

void BurstSeries::add_row(int64_t bucket, int64_t tokens, int64_t merged_changes, int64_t value, u128 squares)
{
    if (tokens < 0)
        throw Error(ErrorKind::OutOfRange, "burst: tokens must be >= 0, got " + std::to_string(tokens));
    if (merged_changes < 0)
        throw Error(ErrorKind::OutOfRange, "burst: merged_changes must be >= 0, got " + std::to_string(merged_changes));
    int64_t t, m, v;
    if (__builtin_add_overflow(total_tokens_, tokens, &t))
        throw Error(ErrorKind::OutOfRange, "burst: the sum of tokens overflows bigint");
    if (__builtin_add_overflow(total_merges_, merged_changes, &m))
        throw Error(ErrorKind::OutOfRange, "burst: the sum of merged_changes overflows bigint");
    if (__builtin_add_overflow(total_value_, value, &v) || squares > kMaxU128 - total_squares())
        throw Error(ErrorKind::OutOfRange, "burst: the sum of merged_value is out of range");
    if (!tail_.empty() && tail_.back().bucket == bucket) {
        // Rows of one bucket in a row (the common case) are summed in place.
        SeriesBucket& e = tail_.back();
        e.tokens += tokens;  // bounded by the checked totals
        e.merged_changes += merged_changes;
        e.value += value;
        e.set_squares(e.squares() + squares);
    } else {
        // Fold pending rows first when the tail is full (before growing it).
        if (tail_.size() >= kTailRows) {
            if (tail_sorted_ && (count_ == 0 || tail_.front().bucket > last_)) {
                // In bucket order: append all but the last (more rows of it may follow).
                fold_sorted(tail_.data(), tail_.size() - 1, has_values_);
                tail_.front() = tail_.back();
                tail_.resize(1);
            } else if (tail_.size() >= std::max<uint64_t>(kTailRows, count_)) {
                flush();  // out of order: amortised O(log n) per row
            }
        }
        SeriesBucket e{bucket, tokens, merged_changes, value, 0, 0};
        e.set_squares(squares);
        if (!tail_.empty() && tail_.back().bucket > bucket)
            tail_sorted_ = false;
        tail_.push_back(e);
    }
    total_tokens_ = t;
    total_merges_ = m;
    total_value_ = v;
    set_total_squares(total_squares() + squares);
}

void BurstSeries::flush() const
{
    if (tail_.empty())
        return;
    if (!tail_sorted_) {
        // Sort and combine duplicates in a copy, so an allocation failure changes nothing.
        std::vector<SeriesBucket> sorted(tail_.begin(), tail_.end());
        std::sort(sorted.begin(), sorted.end(), [](const SeriesBucket& a, const SeriesBucket& b) { return a.bucket < b.bucket; });
        size_t out = 0;
        for (size_t i = 0; i < sorted.size(); ++i) {
            if (out > 0 && sorted[out - 1].bucket == sorted[i].bucket) {
                SeriesBucket& e = sorted[out - 1];  // sums bounded by the checked totals
                e.tokens += sorted[i].tokens;
                e.merged_changes += sorted[i].merged_changes;
                e.value += sorted[i].value;
                e.set_squares(e.squares() + sorted[i].squares());
            } else {
                sorted[out++] = sorted[i];
            }
        }
        fold_sorted(sorted.data(), out, has_values_);
    } else {
        fold_sorted(tail_.data(), tail_.size(), has_values_);
    }
    // Give the tail's memory back: a reader (final, serialize) or an out-of-order burst flushed.
    tail_.clear();
    tail_.shrink_to_fit();
    tail_sorted_ = true;
}

void BurstSeries::fold_sorted(const SeriesBucket* sorted, size_t n, bool other_valued) const
{
    if (n == 0)
        return;
    // Counted buckets entering a valued series count their changes as value.
    auto converted = [&](SeriesBucket b) {
        if (has_values_ && !other_valued) {
            b.value = b.merged_changes * kValueUnit;  // checked by the caller's totals
            b.set_squares(u128(b.value) * u128(kValueUnit));
        }
        return b;
    };
    if (count_ == 0 || sorted[0].bucket > last_) {
        // Appending: room first (may throw; nothing changed yet), then no-throw writes.
        uint64_t distinct = count_ + n;
        if (distinct > kMaxBuckets)
            throw Error(ErrorKind::LimitExceeded,
                        "burst: more than " + std::to_string(kMaxBuckets) + " distinct buckets for one developer");
        const size_t at = body_.size();
        size_t need = at;
        int64_t previous = last_;
        for (size_t i = 0; i < n; ++i) {
            need += bucket_size(count_ == 0 && i == 0, previous, converted(sorted[i]), has_values_);
            previous = sorted[i].bucket;
        }
        // Exact for a series folded once (small groups), doubling for long ones.
        if (body_.capacity() < need)
            body_.reserve(count_ == 0 ? need : std::max(need, 2 * body_.capacity()));
        body_.resize(need);
        uint8_t* out = body_.data() + at;
        previous = last_;
        for (size_t i = 0; i < n; ++i) {
            out = write_bucket(out, count_ == 0 && i == 0, previous, converted(sorted[i]), has_values_);
            previous = sorted[i].bucket;
        }
        body_.resize(static_cast<size_t>(out - body_.data()));
        if (count_ == 0)
            first_ = sorted[0].bucket;
        last_ = sorted[n - 1].bucket;
        count_ = distinct;
        return;
    }
    // Interleaved: merge the encoded buckets with the sorted ones into a new body.
    std::pmr::vector<uint8_t> body(body_.get_allocator());
    body.resize(body_.size() + n * kMaxBucketBytes);
    uint8_t* out = body.data();
    BodyReader r(body_.data(), body_.size(), has_values_);
    SeriesBucket mine;
    bool have = r.next(mine);
    size_t i = 0;
    uint64_t written = 0;
    int64_t previous = 0, first = 0;
    InterruptTicker ticker;
    while (have || i < n) {
        SeriesBucket b;
        if (have && (i == n || mine.bucket < sorted[i].bucket)) {
            b = mine;
            have = r.next(mine);
        } else if (have && mine.bucket == sorted[i].bucket) {
            b = mine;
            const SeriesBucket o = converted(sorted[i++]);
            b.tokens += o.tokens;  // sums bounded by the checked totals
            b.merged_changes += o.merged_changes;
            b.value += o.value;
            b.set_squares(b.squares() + o.squares());
            have = r.next(mine);
        } else {
            b = converted(sorted[i++]);
        }
        if (++written > kMaxBuckets)
            throw Error(ErrorKind::LimitExceeded,
                        "burst: more than " + std::to_string(kMaxBuckets) + " distinct buckets for one developer");
        out = write_bucket(out, written == 1, previous, b, has_values_);
        if (written == 1)
            first = b.bucket;
        previous = b.bucket;
        ticker.tick();
    }
    body.resize(static_cast<size_t>(out - body.data()));
    body.shrink_to_fit();  // sized for the worst case above
    body_.swap(body);
    count_ = written;
    first_ = first;
    last_ = previous;
}

void BurstSeries::merge(const BurstSeries& other)
{
    if (other.width_ != width_)
        throw Error(ErrorKind::InvalidParameter, "burst: series of different bucket widths (" + std::to_string(width_) +
                                                     " and " + std::to_string(other.width_) +
                                                     " seconds) cannot be merged");
    int64_t t, m;
    if (__builtin_add_overflow(total_tokens_, other.total_tokens_, &t))
        throw Error(ErrorKind::OutOfRange, "burst: the sum of tokens overflows bigint");
    if (__builtin_add_overflow(total_merges_, other.total_merges_, &m))
        throw Error(ErrorKind::OutOfRange, "burst: the sum of merged_changes overflows bigint");
    const bool valued = has_values_ || other.has_values_;
    int64_t ov = other.total_value_, v = 0;
    u128 osq = other.total_squares();
    if (valued) {
        if (!other.has_values_) {
            if (__builtin_mul_overflow(other.total_merges_, kValueUnit, &ov))
                throw Error(ErrorKind::OutOfRange, "burst: merged_changes are too many to be counted as value");
            osq = u128(ov) * u128(kValueUnit);
        }
        int64_t mine = total_value_;
        if (!has_values_ && __builtin_mul_overflow(total_merges_, kValueUnit, &mine))
            throw Error(ErrorKind::OutOfRange, "burst: merged_changes are too many to be counted as value");
        const u128 mine_sq = has_values_ ? total_squares() : u128(mine) * u128(kValueUnit);
        if (__builtin_add_overflow(mine, ov, &v) || osq > kMaxU128 - mine_sq)
            throw Error(ErrorKind::OutOfRange, "burst: the sum of merged_value is out of range");
    }
    flush();
    other.flush();
    if (valued && !has_values_)
        make_valued();
    if (other.count_ > 0 && has_values_ == other.has_values_ &&
        (count_ == 0 || other.first_ > last_ || other.last_ < first_)) {
        // Disjoint ranges (days rolled up, parallel workers' blocks): the encoded bytes are
        // spliced, re-encoding only the position of the later part's first bucket.
        if (count_ + other.count_ > kMaxBuckets)
            throw Error(ErrorKind::LimitExceeded,
                        "burst: more than " + std::to_string(kMaxBuckets) + " distinct buckets for one developer");
        if (count_ == 0) {
            body_.assign(other.body_.begin(), other.body_.end());
            first_ = other.first_;
            last_ = other.last_;
        } else {
            const bool after = other.first_ > last_;
            const BurstSeries& early = after ? *this : other;
            const BurstSeries& late = after ? other : *this;
            const size_t skip = varint_size(zigzag(late.first_));  // the late part's absolute position
            std::pmr::vector<uint8_t> body(body_.get_allocator());
            body.resize(early.body_.size() + 10 + late.body_.size() - skip);
            uint8_t* out = std::copy(early.body_.begin(), early.body_.end(), body.data());
            out = write_varint(out, static_cast<uint64_t>(late.first_) - static_cast<uint64_t>(early.last_));
            out = std::copy(late.body_.begin() + static_cast<std::ptrdiff_t>(skip), late.body_.end(), out);
            body.resize(static_cast<size_t>(out - body.data()));
            const int64_t first = early.first_, last = late.last_;
            body_.swap(body);
            first_ = first;
            last_ = last;
        }
        count_ += other.count_;
    } else {
        const std::vector<SeriesBucket> theirs = other.buckets();  // a copy: other may be *this
        fold_sorted(theirs.data(), theirs.size(), other.has_values_);
    }
    total_tokens_ = t;
    total_merges_ = m;
    if (valued) {
        total_value_ = v;
        set_total_squares(total_squares() + osq);
    }
}

uint64_t BurstSeries::bucket_count() const
{
    flush();
    return count_;
}

int64_t BurstSeries::first_bucket() const
{
    flush();
    return first_;
}

int64_t BurstSeries::last_bucket() const
{
    flush();
    return last_;
}

std::vector<SeriesBucket> BurstSeries::buckets() const
{
    flush();
    std::vector<SeriesBucket> out;
    out.reserve(static_cast<size_t>(count_));
    for_each_bucket([&](const SeriesBucket& b) { out.push_back(b); });
    return out;
}

double BurstSeries::total_value() const noexcept
{
    return has_values_ ? static_cast<double>(total_value_) / static_cast<double>(kValueUnit)
                       : static_cast<double>(total_merges_);
}

int64_t BurstSeries::index_step() const
{
    int64_t step = 0, previous = 0;
    bool first = true;
    for_each_bucket([&](const SeriesBucket& b) {
        if (!first && step != 1)
            step = gcd64(b.bucket - previous, step);  // ascending, within the timestamp range
        first = false;
        previous = b.bucket;
    });
    return step;
}

std::vector<BucketTotals> BurstSeries::totals() const
{
    flush();
    std::vector<BucketTotals> out;
    out.reserve(static_cast<size_t>(count_));
    for_each_bucket([&](const SeriesBucket& e) {
        if (has_values_)
            out.push_back({e.bucket, e.tokens, e.merged_changes, static_cast<double>(e.value) / static_cast<double>(kValueUnit),
                           static_cast<double>(e.squares()) / static_cast<double>(kSquareUnit)});
        else
            out.push_back({e.bucket, e.tokens, e.merged_changes, static_cast<double>(e.merged_changes),
                           static_cast<double>(e.merged_changes)});
    });
    return out;
}

BurstResult analyze(const BurstSeries& series, const BurstParams& params)
{
    if (params.bucket_seconds != series.width())
        throw Error(ErrorKind::InvalidParameter, "burst: the parameters' bucket width (" +
                                                     std::to_string(params.bucket_seconds) +
                                                     " seconds) is not the series' (" + std::to_string(series.width()) + ")");
    const std::vector<BucketTotals> b = series.totals();
    return analyze(BucketsView{b.data(), b.size(), series.has_values(), series.total_tokens(), series.total_merged_changes()},
                   params);
}

// ---------------------------------------------------------------------------------------------
// Binary form

std::vector<uint8_t> BurstSeries::encode() const
{
    flush();
    std::vector<uint8_t> out;
    out.reserve(2 + 10 + 10 + body_.size());
    out.push_back(kSeriesFormatVersion);
    out.push_back(has_values_ ? 1 : 0);
    put_varint(out, static_cast<uint64_t>(width_));
    put_varint(out, count_);
    out.insert(out.end(), body_.begin(), body_.end());
    return out;
}

namespace {

class VarintReader {
public:
    VarintReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
    size_t remaining() const noexcept { return size_ - pos_; }
    const uint8_t* here() const noexcept { return data_ + pos_; }
    bool u8(uint8_t& v)
    {
        if (pos_ >= size_)
            return false;
        v = data_[pos_++];
        return true;
    }
    // A minimal LEB128 of at most `bits` bits; false when truncated, padded or too wide.
    bool varint(u128& v, int bits, const char*& why)
    {
        v = 0;
        for (int shift = 0;; shift += 7) {
            if (pos_ >= size_) {
                why = "truncated";
                return false;
            }
            const uint8_t byte = data_[pos_++];
            const u128 chunk = byte & 0x7f;
            if (shift >= bits || (shift > 0 && (chunk >> (bits - shift)) != 0 && bits - shift < 7)) {
                why = "varint out of range";
                return false;
            }
            v |= chunk << shift;
            if (!(byte & 0x80)) {
                if (byte == 0 && shift > 0) {
                    why = "varint not minimal";
                    return false;
                }
                return true;
            }
        }
    }

private:
    const uint8_t* data_;
    size_t size_;
    size_t pos_ = 0;
};

}  // namespace

BurstSeries BurstSeries::decode(const uint8_t* data, size_t size, std::pmr::memory_resource* memory)
{
    auto fail = [](const std::string& why) -> void {
        throw Error(ErrorKind::InvalidBinary, "invalid burst_series binary value: " + why);
    };
    if (data == nullptr && size != 0)
        fail("null buffer");
    VarintReader r(data, size);
    uint8_t version = 0, flags = 0;
    if (!r.u8(version) || !r.u8(flags))
        fail("truncated");
    if (version != kSeriesFormatVersion)
        fail("unsupported version " + std::to_string(version) + " (expected " + std::to_string(kSeriesFormatVersion) + ")");
    if (flags > 1)
        fail("bad flags " + std::to_string(flags));
    const char* why = nullptr;
    u128 width = 0, n = 0;
    if (!r.varint(width, 64, why) || !r.varint(n, 64, why))
        fail(why);
    if (width > u128(kMaxWidthSeconds))
        fail("width " + u128_text(width) + " is outside [1, " + std::to_string(kMaxWidthSeconds) + "] seconds");
    SeriesBuilder builder(static_cast<int64_t>(width), flags == 1, ErrorKind::InvalidBinary, memory);
    if (n > u128(kMaxBuckets))
        builder.reserve(static_cast<uint64_t>(n), 0);  // LimitExceeded
    // Each bucket takes at least 3 bytes (5 when valued): refuse a forged count before allocating.
    if (n * u128(flags == 1 ? 5 : 3) > u128(r.remaining()))
        fail("length does not match the bucket count");
    builder.reserve(static_cast<uint64_t>(n), r.remaining());
    const uint8_t* const body = r.here();
    const size_t body_size = r.remaining();
    int64_t bucket = 0;
    for (u128 i = 0; i < n; ++i) {
        u128 pos = 0, tokens = 0, changes = 0, value = 0, squares = 0;
        if (!r.varint(pos, 64, why))
            fail(why);
        if (i == 0) {
            bucket = unzigzag(static_cast<uint64_t>(pos));
        } else {
            if (pos == 0 || pos > u128(INT64_MAX) || __builtin_add_overflow(bucket, int64_t(pos), &bucket))
                fail("bad bucket delta");
        }
        if (!r.varint(tokens, 64, why) || !r.varint(changes, 64, why))
            fail(why);
        if (flags == 1 && (!r.varint(value, 64, why) || !r.varint(squares, 128, why)))
            fail(why);
        builder.add(bucket, static_cast<uint64_t>(tokens), static_cast<uint64_t>(changes), static_cast<uint64_t>(value),
                    squares, false);
    }
    if (r.remaining() != 0)
        fail("trailing bytes");
    return builder.finish(body, body_size);
}

// ---------------------------------------------------------------------------------------------
// Text form

std::string BurstSeries::to_text() const
{
    std::string s = "(version:" + std::to_string(kSeriesFormatVersion) + ",width:" + std::to_string(width_) +
                    (has_values_ ? ",valued:true" : "") + ",buckets:[";
    bool first = true;
    for_each_bucket([&](const SeriesBucket& e) {
        if (!first)
            s += ' ';
        first = false;
        s += std::to_string(e.bucket) + ':' + std::to_string(e.tokens) + ':' + std::to_string(e.merged_changes);
        if (has_values_)
            s += ':' + decimal_text(u128(e.value), u128(kValueUnit), 6) + ':' + decimal_text(e.squares(), kSquareUnit, 12);
    });
    return s + "])";
}

namespace {

class TextReader {
public:
    explicit TextReader(const char* text) : p_(text) {}
    [[noreturn]] void fail(const std::string& why) const
    {
        throw Error(ErrorKind::InvalidText, "invalid burst_series text value: " + why);
    }
    void skip_space()
    {
        while (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')
            ++p_;
    }
    bool peek(char c)
    {
        skip_space();
        return *p_ == c;
    }
    void expect(const char* literal)
    {
        skip_space();
        const size_t n = std::strlen(literal);
        if (std::strncmp(p_, literal, n) != 0)
            fail(std::string("expected \"") + literal + "\"");
        p_ += n;
    }
    // An optionally signed decimal integer within int64.
    int64_t integer()
    {
        skip_space();
        const bool negative = *p_ == '-';
        if (negative)
            ++p_;
        u128 v = 0;
        const u128 limit = negative ? u128(INT64_MAX) + 1 : u128(INT64_MAX);
        if (!(*p_ >= '0' && *p_ <= '9'))
            fail("expected a number");
        while (*p_ >= '0' && *p_ <= '9') {
            v = v * 10 + u128(*p_++ - '0');
            if (v > limit)
                fail("number out of range");
        }
        return negative ? static_cast<int64_t>(-static_cast<__int128>(v)) : static_cast<int64_t>(v);
    }
    // A non-negative decimal with at most `digits` fraction digits, as an exact count of
    // 10^-digits units, at most `limit`.
    u128 decimal(int digits, u128 limit)
    {
        skip_space();
        if (!(*p_ >= '0' && *p_ <= '9'))
            fail("expected a non-negative decimal");
        u128 v = 0;
        while (*p_ >= '0' && *p_ <= '9') {
            if (v > limit / 10)
                fail("decimal out of range");
            v = v * 10 + u128(*p_++ - '0');
        }
        int used = 0;
        if (*p_ == '.') {
            ++p_;
            if (!(*p_ >= '0' && *p_ <= '9'))
                fail("expected digits after the decimal point");
            while (*p_ >= '0' && *p_ <= '9') {
                if (++used > digits)
                    fail("more than " + std::to_string(digits) + " fraction digits");
                if (v > limit / 10)
                    fail("decimal out of range");
                v = v * 10 + u128(*p_++ - '0');
            }
        }
        for (; used < digits; ++used) {
            if (v > limit / 10)
                fail("decimal out of range");
            v *= 10;
        }
        if (v > limit)
            fail("decimal out of range");
        return v;
    }
    bool at_end()
    {
        skip_space();
        return *p_ == '\0';
    }

private:
    const char* p_;
};

}  // namespace

BurstSeries BurstSeries::from_text(const char* text, std::pmr::memory_resource* memory)
{
    if (text == nullptr)
        throw Error(ErrorKind::InvalidText, "invalid burst_series text value: null");
    TextReader r(text);
    r.expect("(");
    r.expect("version");
    r.expect(":");
    const int64_t version = r.integer();
    if (version != kSeriesFormatVersion)
        r.fail("unsupported version " + std::to_string(version) + " (expected " + std::to_string(kSeriesFormatVersion) + ")");
    r.expect(",");
    r.expect("width");
    r.expect(":");
    const int64_t width = r.integer();
    r.expect(",");
    bool valued = false;
    if (r.peek('v')) {
        r.expect("valued");
        r.expect(":");
        r.expect("true");
        valued = true;
        r.expect(",");
    }
    r.expect("buckets");
    r.expect(":");
    r.expect("[");
    SeriesBuilder builder(width, valued, ErrorKind::InvalidText, memory);
    bool first = true;
    while (!r.peek(']')) {
        if (!first && r.peek(','))
            r.expect(",");  // a comma between buckets is accepted too
        first = false;
        const int64_t bucket = r.integer();
        r.expect(":");
        const int64_t tokens = r.integer();
        r.expect(":");
        const int64_t changes = r.integer();
        if (tokens < 0 || changes < 0)
            r.fail("negative count");
        u128 value = 0, squares = 0;
        if (valued) {
            r.expect(":");
            value = r.decimal(6, u128(INT64_MAX));
            r.expect(":");
            squares = r.decimal(12, kMaxU128);
        }
        builder.add(bucket, uint64_t(tokens), uint64_t(changes), uint64_t(value), squares);
    }
    r.expect("]");
    r.expect(")");
    if (!r.at_end())
        r.fail("trailing characters");
    return builder.finish();
}

}  // namespace uv::burst
