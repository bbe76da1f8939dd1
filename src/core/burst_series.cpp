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

// Calls uv::check_interrupts() every 4096 calls; for loops whose length comes from input.
class Ticker {
public:
    void tick()
    {
        if ((++n_ & 4095u) == 0)
            check_interrupts();
    }

private:
    uint32_t n_ = 0;
};

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
    void reserve(uint64_t n)
    {
        if (n > kMaxBuckets)
            throw Error(ErrorKind::LimitExceeded, "burst_series: " + std::to_string(n) + " buckets, more than the limit of " +
                                                      std::to_string(kMaxBuckets));
        series_.entries_.reserve(static_cast<size_t>(n));
    }
    void add(int64_t bucket, uint64_t tokens, uint64_t changes, uint64_t value, u128 squares)
    {
        auto& e = series_.entries_;
        if (!e.empty() && bucket <= e.back().bucket)
            fail("buckets are not strictly ascending");
        if (e.size() >= kMaxBuckets)
            fail("more than " + std::to_string(kMaxBuckets) + " buckets");
        int64_t seconds;
        if (__builtin_mul_overflow(bucket, series_.width_, &seconds) || seconds < kMinBucketSeconds ||
            seconds > kMaxBucketSeconds)
            fail("bucket " + std::to_string(bucket) + " is outside the timestamp range");
        if (tokens > uint64_t(INT64_MAX) || changes > uint64_t(INT64_MAX) || value > uint64_t(INT64_MAX))
            fail("count out of range");
        if (!series_.has_values_ && (value != 0 || squares != 0))
            fail("value in a counted-only series");
        if ((value == 0) != (squares == 0))
            fail("value and squares are not both zero or both positive");
        if (squares > u128(value) * u128(value))
            fail("squares exceed value squared");
        int64_t t, m, v;
        if (__builtin_add_overflow(series_.total_tokens_, int64_t(tokens), &t) ||
            __builtin_add_overflow(series_.total_merges_, int64_t(changes), &m) ||
            __builtin_add_overflow(series_.total_value_, int64_t(value), &v) || squares > kMaxU128 - series_.total_squares())
            fail("totals overflow");
        SeriesBucket b{bucket, int64_t(tokens), int64_t(changes), int64_t(value), 0, 0};
        b.set_squares(squares);
        e.push_back(b);
        series_.total_tokens_ = t;
        series_.total_merges_ = m;
        series_.total_value_ = v;
        series_.set_total_squares(series_.total_squares() + squares);
        ticker_.tick();
    }
    BurstSeries finish()
    {
        if (series_.entries_.empty())
            fail("no buckets");
        series_.compacted_ = series_.entries_.size();
        return std::move(series_);
    }
    int64_t width() const noexcept { return series_.width_; }

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
    Ticker ticker_;
};

// ---------------------------------------------------------------------------------------------
// Building

BurstSeries::BurstSeries(int64_t width_seconds, std::pmr::memory_resource* memory) : width_(width_seconds), entries_(memory)
{
    if (width_seconds < 1 || width_seconds > kMaxWidthSeconds)
        throw Error(ErrorKind::InvalidParameter, "burst: bucket_width must be in [1, " + std::to_string(kMaxWidthSeconds) +
                                                     "] seconds, got " + std::to_string(width_seconds));
}

BurstSeries::BurstSeries(const BurstSeries& other, std::pmr::memory_resource* memory)
    : width_(other.width_), entries_(other.entries_, memory), compacted_(other.compacted_),
      total_tokens_(other.total_tokens_), total_merges_(other.total_merges_), total_value_(other.total_value_),
      total_squares_lo_(other.total_squares_lo_), total_squares_hi_(other.total_squares_hi_), has_values_(other.has_values_)
{
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
    if (!(merged_value >= 0 && merged_value <= kMaxSeriesRowValue)) {  // formatted only on the error path
        char got[32];
        std::snprintf(got, sizeof got, "%g", merged_value);
        if (std::isnan(merged_value) || std::isinf(merged_value))
            throw Error(ErrorKind::InvalidParameter, std::string("burst: merged_value must be a finite number, got ") + got);
        throw Error(ErrorKind::OutOfRange, std::string("burst: merged_value must be in [0, 1e+06] per row, got ") + got);
    }
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
    // Every bucket's count is at most the total: no overflow below.
    for (auto& e : entries_) {
        e.value = e.merged_changes * kValueUnit;
        e.set_squares(u128(e.value) * u128(kValueUnit));
    }
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
    const size_t n = entries_.size();
    if (compacted_ == n && n > 0 && entries_.back().bucket == bucket) {
        // Rows in bucket order (the common case) combine in place: no growth, no sort.
        SeriesBucket& e = entries_.back();
        e.tokens += tokens;  // bounded by the checked totals
        e.merged_changes += merged_changes;
        e.value += value;
        e.set_squares(e.squares() + squares);
    } else {
        if (compacted_ == n && n >= kMaxBuckets && entries_.back().bucket < bucket)
            throw Error(ErrorKind::LimitExceeded,
                        "burst: more than " + std::to_string(kMaxBuckets) + " distinct buckets for one developer");
        SeriesBucket e{bucket, tokens, merged_changes, value, 0, 0};
        e.set_squares(squares);
        entries_.push_back(e);
        if (compacted_ == n && (n == 0 || entries_[n - 1].bucket < bucket))
            compacted_ = n + 1;  // still sorted and distinct
    }
    total_tokens_ = t;
    total_merges_ = m;
    total_value_ = v;
    set_total_squares(total_squares() + squares);
    // Combine when the raw tail reaches the compacted size: memory stays O(distinct buckets),
    // the amortised cost O(log n) per row.
    if (entries_.size() - compacted_ >= std::max<size_t>(4096, compacted_))
        compact();
}

void BurstSeries::merge(const BurstSeries& other)
{
    if (other.width_ != width_)
        throw Error(ErrorKind::InvalidParameter, "burst: series of different bucket widths (" + std::to_string(width_) +
                                                     " and " + std::to_string(other.width_) +
                                                     " seconds) cannot be merged");
    const auto& o = other.buckets();
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
        if (!has_values_)
            make_valued();  // cannot throw now: checked above
    }
    const size_t before = entries_.size();
    entries_.insert(entries_.end(), o.begin(), o.end());
    if (valued && !other.has_values_)
        for (size_t i = before; i < entries_.size(); ++i) {
            entries_[i].value = entries_[i].merged_changes * kValueUnit;
            entries_[i].set_squares(u128(entries_[i].value) * u128(kValueUnit));
        }
    total_tokens_ = t;
    total_merges_ = m;
    if (valued) {
        total_value_ = v;
        set_total_squares(total_squares() + osq);
    }
    compact();
}

void BurstSeries::compact() const
{
    if (compacted_ == entries_.size())
        return;
    // Work on a copy and swap, so an allocation failure leaves the state as it was.
    std::pmr::vector<SeriesBucket> v(entries_, entries_.get_allocator());
    auto by_bucket = [](const SeriesBucket& a, const SeriesBucket& b) { return a.bucket < b.bucket; };
    std::sort(v.begin() + static_cast<std::ptrdiff_t>(compacted_), v.end(), by_bucket);
    std::inplace_merge(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(compacted_), v.end(), by_bucket);
    size_t out = 0;
    for (size_t i = 0; i < v.size(); ++i) {
        if (out > 0 && v[out - 1].bucket == v[i].bucket) {
            SeriesBucket& e = v[out - 1];  // sums bounded by the checked totals
            e.tokens += v[i].tokens;
            e.merged_changes += v[i].merged_changes;
            e.value += v[i].value;
            e.set_squares(e.squares() + v[i].squares());
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

const std::pmr::vector<SeriesBucket>& BurstSeries::buckets() const
{
    compact();
    return entries_;
}

double BurstSeries::total_value() const noexcept
{
    return has_values_ ? static_cast<double>(total_value_) / static_cast<double>(kValueUnit)
                       : static_cast<double>(total_merges_);
}

int64_t BurstSeries::index_step() const
{
    const auto& b = buckets();
    int64_t step = 0;
    for (size_t i = 1; i < b.size() && step != 1; ++i)
        step = gcd64(b[i].bucket - b[i - 1].bucket, step);  // ascending, within the timestamp range
    return step;
}

std::vector<BucketTotals> BurstSeries::totals() const
{
    const auto& b = buckets();
    std::vector<BucketTotals> out;
    out.reserve(b.size());
    for (const auto& e : b) {
        if (has_values_)
            out.push_back({e.bucket, e.tokens, e.merged_changes, static_cast<double>(e.value) / static_cast<double>(kValueUnit),
                           static_cast<double>(e.squares()) / static_cast<double>(kSquareUnit)});
        else
            out.push_back({e.bucket, e.tokens, e.merged_changes, static_cast<double>(e.merged_changes),
                           static_cast<double>(e.merged_changes)});
    }
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
    const auto& b = buckets();
    std::vector<uint8_t> out;
    out.reserve(16 + b.size() * (has_values_ ? 12 : 6));
    out.push_back(kSeriesFormatVersion);
    out.push_back(has_values_ ? 1 : 0);
    put_varint(out, static_cast<uint64_t>(width_));
    put_varint(out, b.size());
    for (size_t i = 0; i < b.size(); ++i) {
        const SeriesBucket& e = b[i];
        if (i == 0)
            put_varint(out, zigzag(e.bucket));
        else
            put_varint(out, static_cast<uint64_t>(e.bucket) - static_cast<uint64_t>(b[i - 1].bucket));
        put_varint(out, static_cast<uint64_t>(e.tokens));
        put_varint(out, static_cast<uint64_t>(e.merged_changes));
        if (has_values_) {
            put_varint(out, static_cast<uint64_t>(e.value));
            put_varint(out, e.squares());
        }
    }
    return out;
}

namespace {

class VarintReader {
public:
    VarintReader(const uint8_t* data, size_t size) : data_(data), size_(size) {}
    size_t remaining() const noexcept { return size_ - pos_; }
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
        builder.reserve(static_cast<uint64_t>(n));  // LimitExceeded
    // Each bucket takes at least 3 bytes (5 when valued): refuse a forged count before allocating.
    if (n * u128(flags == 1 ? 5 : 3) > u128(r.remaining()))
        fail("length does not match the bucket count");
    builder.reserve(static_cast<uint64_t>(n));
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
                    squares);
    }
    if (r.remaining() != 0)
        fail("trailing bytes");
    return builder.finish();
}

// ---------------------------------------------------------------------------------------------
// Text form

std::string BurstSeries::to_text() const
{
    const auto& b = buckets();
    std::string s = "(version:" + std::to_string(kSeriesFormatVersion) + ",width:" + std::to_string(width_) +
                    (has_values_ ? ",valued:true" : "") + ",buckets:[";
    for (size_t i = 0; i < b.size(); ++i) {
        const SeriesBucket& e = b[i];
        if (i > 0)
            s += ' ';
        s += std::to_string(e.bucket) + ':' + std::to_string(e.tokens) + ':' + std::to_string(e.merged_changes);
        if (has_values_)
            s += ':' + decimal_text(u128(e.value), u128(kValueUnit), 6) + ':' + decimal_text(e.squares(), kSquareUnit, 12);
    }
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
