// Unit tests of BurstSeries (issue 13): exact, order-free sums; equality with the accumulator's
// analysis on the count path; the stored and text codecs and their validation; the memory
// resource.
#include "burst_series.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory_resource>
#include <string>
#include <vector>

namespace {

using uv::Error;
using uv::ErrorKind;
using namespace uv::burst;

struct Rng {
    uint64_t s;
    uint64_t next()
    {
        uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        return z ^ (z >> 31);
    }
    double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
};

template <typename F>
ErrorKind kind_of(F f)
{
    try {
        f();
    } catch (const Error& e) {
        return e.kind();
    }
    ADD_FAILURE() << "no uv::Error thrown";
    return ErrorKind::Internal;
}

struct Row {
    int64_t bucket, tokens, changes;
    double value;
};

// Sixty days of hourly rows (several per busy hour), a burst without merges on days 40-41.
std::vector<Row> rows(uint64_t seed, bool fractional)
{
    Rng r{seed};
    std::vector<Row> out;
    const int64_t first = 490'000;
    for (int64_t h = 0; h < 60 * 24; ++h) {
        const int64_t hour = h % 24, day = h / 24;
        const bool work = hour >= 8 && hour <= 17 && (day % 7) < 5;
        int64_t tokens = work ? 1000 + static_cast<int64_t>(r.next() % 3000) : static_cast<int64_t>(r.next() % 3) * 10;
        if (day >= 40 && day <= 41)
            tokens = 40000 + static_cast<int64_t>(r.next() % 20000);  // every hour, far above usual
        const int parts = 1 + static_cast<int>(r.next() % 3);
        for (int k = 0; k < parts; ++k) {
            const int64_t changes = (day < 38 || day > 44) && r.next() % 37 == 0 ? 1 : 0;
            const double value = fractional ? changes * (0.01 + 1.3 * r.uniform()) : static_cast<double>(changes);
            out.push_back({first + h, k == 0 ? tokens : 0, changes, value});
        }
    }
    return out;
}

void expect_same_result(const BurstResult& a, const BurstResult& b)
{
    EXPECT_EQ(a.inflation_share, b.inflation_share);
    EXPECT_EQ(a.inflated_tokens, b.inflated_tokens);
    EXPECT_EQ(a.usual_merges_per_token, b.usual_merges_per_token);
    ASSERT_EQ(a.episodes.size(), b.episodes.size());
    for (size_t i = 0; i < a.episodes.size(); ++i) {
        EXPECT_EQ(a.episodes[i].start_bucket, b.episodes[i].start_bucket);
        EXPECT_EQ(a.episodes[i].end_bucket, b.episodes[i].end_bucket);
        EXPECT_EQ(a.episodes[i].inflated_tokens, b.episodes[i].inflated_tokens);
        EXPECT_EQ(a.episodes[i].p_value, b.episodes[i].p_value);
        EXPECT_EQ(a.episodes[i].merged_value, b.episodes[i].merged_value);
    }
}

}  // namespace

TEST(BurstSeries, CountPathEqualsTheAccumulatorBitForBit)
{
    const auto rs = rows(1, false);
    BurstAccumulator acc;
    BurstSeries series(3600);
    for (const auto& r : rs) {
        acc.add(r.bucket, r.tokens, r.changes);
        series.add(r.bucket, r.tokens, r.changes);
    }
    ASSERT_EQ(series.bucket_count(), acc.bucket_count());
    EXPECT_EQ(series.total_tokens(), acc.total_tokens());
    const BurstResult a = analyze(acc, default_params(3600));
    const BurstResult b = analyze(series, default_params(3600));
    EXPECT_GT(a.inflation_share, 0.0);
    expect_same_result(a, b);
}

TEST(BurstSeries, ValuesOfSixDecimalsOneRowPerBucketEqualTheAccumulator)
{
    // One row per bucket, values with at most six decimals: every quantised value reads back as
    // the same double, so the analysis is the accumulator's.
    Rng r{7};
    BurstAccumulator acc;
    BurstSeries series(86400);
    for (int64_t d = 0; d < 120; ++d) {
        const int64_t tokens = (d % 7 < 5 ? 200000 : 0) + static_cast<int64_t>(r.next() % 50000) + (d == 70 ? 2000000 : 0);
        const int64_t changes = d % 7 == 1 || d % 7 == 3 ? 2 : 0;
        const double value = changes ? static_cast<double>(r.next() % 3000000) / 1e6 : 0.0;
        acc.add(20000 + d, tokens, changes, value);
        series.add(20000 + d, tokens, changes, value);
    }
    expect_same_result(analyze(acc, default_params(86400)), analyze(series, default_params(86400)));
    const auto t = series.totals();
    for (size_t i = 0; i < t.size(); ++i)
        EXPECT_EQ(t[i].value, acc.buckets()[i].value);
}

TEST(BurstSeries, SameBitsWhateverTheOrderSplitAndMergeTree)
{
    for (bool fractional : {false, true}) {
        auto rs = rows(3, fractional);
        BurstSeries ref(3600);
        for (const auto& r : rs)
            fractional ? ref.add(r.bucket, r.tokens, r.changes, r.value) : ref.add(r.bucket, r.tokens, r.changes);
        const auto ref_bytes = ref.encode();
        const BurstResult ref_result = analyze(ref, default_params(3600));
        for (int trial = 0; trial < 6; ++trial) {
            Rng g{100 + static_cast<uint64_t>(trial)};
            for (size_t i = rs.size() - 1; i > 0; --i)
                std::swap(rs[i], rs[g.next() % (i + 1)]);
            std::vector<BurstSeries> parts;
            for (int p = 0; p < 1 + trial; ++p)
                parts.emplace_back(3600);
            for (const auto& r : rs) {
                BurstSeries& s = parts[g.next() % parts.size()];
                fractional ? s.add(r.bucket, r.tokens, r.changes, r.value) : s.add(r.bucket, r.tokens, r.changes);
            }
            // A random merge tree through the stored bytes, as parallel workers and rollups do.
            while (parts.size() > 1) {
                const size_t i = g.next() % parts.size();
                BurstSeries moved = parts[i].empty() ? BurstSeries(3600)
                                                     : BurstSeries::decode(parts[i].encode().data(), parts[i].encode().size());
                parts.erase(parts.begin() + static_cast<std::ptrdiff_t>(i));
                parts[g.next() % parts.size()].merge(moved);
            }
            EXPECT_EQ(parts[0].encode(), ref_bytes) << "trial " << trial << " fractional " << fractional;
            expect_same_result(analyze(parts[0], default_params(3600)), ref_result);
        }
    }
}

TEST(BurstSeries, EncodingIsCompactAndRoundTrips)
{
    BurstSeries s(3600);
    s.add(490'000, 1200, 1);
    s.add(490'001, 80, 0);
    s.add(490'005, 0, 0);
    const auto bytes = s.encode();
    // header (2) + width (2) + n (1) + first bucket (3) + three buckets of 1-3 bytes each
    EXPECT_LE(bytes.size(), 20u);
    EXPECT_EQ(bytes[0], kSeriesFormatVersion);
    const BurstSeries back = BurstSeries::decode(bytes.data(), bytes.size());
    EXPECT_EQ(back.encode(), bytes);
    EXPECT_EQ(back.to_text(), "(version:1,width:3600,buckets:[490000:1200:1 490001:80:0 490005:0:0])");
    EXPECT_EQ(BurstSeries::from_text(back.to_text().c_str()).encode(), bytes);
    // Negative indices (before 1970) and a valued series.
    BurstSeries v(86400);
    v.add(-3, 5, 1, 0.123456);
    v.add(7, 9, 3, 3.0);
    EXPECT_EQ(v.to_text(), "(version:1,width:86400,valued:true,buckets:[-3:5:1:0.123456:0.015241383936 7:9:3:3:3])");
    const auto vb = v.encode();
    EXPECT_EQ(BurstSeries::decode(vb.data(), vb.size()).encode(), vb);
    EXPECT_EQ(BurstSeries::from_text(v.to_text().c_str()).encode(), vb);
    EXPECT_DOUBLE_EQ(v.total_value(), 3.123456);
    EXPECT_EQ(v.index_step(), 10);
}

TEST(BurstSeries, ExactFixedPointSums)
{
    // 0.1 + 0.2 in float8 is 0.30000000000000004; in micro-units it is 0.3, in any order.
    BurstSeries a(3600), b(3600);
    a.add(1, 1, 1, 0.1);
    a.add(1, 1, 1, 0.2);
    b.add(1, 1, 1, 0.2);
    b.add(1, 1, 1, 0.1);
    EXPECT_EQ(a.encode(), b.encode());
    EXPECT_EQ(a.totals()[0].value, 0.3);
    // Weights of one: squares = count exactly; a value with no counted change counts one unit.
    BurstSeries c(3600);
    c.add(1, 1, 3, 3.0);
    c.add(2, 1, 0, 0.25);
    EXPECT_EQ(c.totals()[0].value_squares, 3.0);
    EXPECT_EQ(c.totals()[1].value_squares, 0.0625);
    // Counted rows into a valued series, and a counted series merged into a valued one.
    BurstSeries m(3600);
    m.add(1, 1, 2);
    m.add(1, 1, 1, 0.5);
    m.add(2, 1, 4);
    EXPECT_TRUE(m.has_values());
    EXPECT_EQ(m.totals()[0].value, 2.5);
    EXPECT_EQ(m.totals()[1].value, 4.0);
    BurstSeries counted(3600);
    counted.add(3, 1, 5);
    m.merge(counted);
    EXPECT_EQ(m.totals()[2].value, 5.0);
    EXPECT_EQ(m.total_value(), 11.5);
    // A positive value never squares to 0.
    BurstSeries tiny(3600);
    tiny.add(1, 1, 1000, 0.001);
    EXPECT_GT(tiny.totals()[0].value_squares, 0.0);
}

TEST(BurstSeries, ErrorsNameTheArgumentAndChangeNothing)
{
    BurstSeries s(3600);
    s.add(1, 10, 1);
    const auto before = s.encode();
    auto message = [](auto f) {
        try {
            f();
        } catch (const Error& e) {
            return std::string(e.what());
        }
        return std::string();
    };
    EXPECT_EQ(kind_of([&] { s.add(2, -1, 0); }), ErrorKind::OutOfRange);
    EXPECT_NE(message([&] { s.add(2, -1, 0); }).find("tokens"), std::string::npos);
    EXPECT_EQ(kind_of([&] { s.add(2, 1, -1); }), ErrorKind::OutOfRange);
    EXPECT_NE(message([&] { s.add(2, 1, -1); }).find("merged_changes"), std::string::npos);
    for (double x : {-0.5, 1e6 + 1, 1e300}) {
        EXPECT_EQ(kind_of([&] { s.add(2, 1, 1, x); }), ErrorKind::OutOfRange);
        EXPECT_NE(message([&] { s.add(2, 1, 1, x); }).find("merged_value"), std::string::npos);
    }
    for (double x : {std::nan(""), HUGE_VAL, -HUGE_VAL})
        EXPECT_EQ(kind_of([&] { s.add(2, 1, 1, x); }), ErrorKind::InvalidParameter);
    EXPECT_EQ(kind_of([&] { s.add(2, INT64_MAX, 0); }), ErrorKind::OutOfRange);
    EXPECT_EQ(s.encode(), before);
    EXPECT_FALSE(s.has_values());  // the failed valued rows did not make it valued
    BurstSeries day(86400);
    EXPECT_EQ(kind_of([&] { s.merge(day); }), ErrorKind::InvalidParameter);
    EXPECT_EQ(kind_of([&] { analyze(s, default_params(86400)); }), ErrorKind::InvalidParameter);
    EXPECT_EQ(kind_of([] { BurstSeries bad(0); }), ErrorKind::InvalidParameter);
    // The largest row value is accepted; many of them keep exact sums.
    BurstSeries big(3600);
    for (int i = 0; i < 1000; ++i)
        big.add(i, 1, 1, 1e6);
    EXPECT_EQ(big.total_value(), 1e9);
}

namespace {

std::vector<uint8_t> varint(unsigned __int128 v)
{
    std::vector<uint8_t> out;
    while (v >= 0x80) {
        out.push_back(static_cast<uint8_t>(v) | 0x80);
        v >>= 7;
    }
    out.push_back(static_cast<uint8_t>(v));
    return out;
}

std::vector<uint8_t> cat(std::initializer_list<std::vector<uint8_t>> parts)
{
    std::vector<uint8_t> out;
    for (const auto& p : parts)
        out.insert(out.end(), p.begin(), p.end());
    return out;
}

ErrorKind decode_kind(const std::vector<uint8_t>& v)
{
    return kind_of([&] { BurstSeries::decode(v.data(), v.size()); });
}

}  // namespace

TEST(BurstSeries, DecodeRejectsMalformedBytes)
{
    BurstSeries s(3600);
    s.add(10, 5, 1, 0.5);
    s.add(12, 0, 0, 0.0);
    const auto good = s.encode();
    for (size_t cut = 0; cut < good.size(); ++cut)
        EXPECT_EQ(decode_kind(std::vector<uint8_t>(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(cut))),
                  ErrorKind::InvalidBinary)
            << cut;
    auto v = good;
    v.push_back(0);
    EXPECT_EQ(decode_kind(v), ErrorKind::InvalidBinary);  // trailing byte
    EXPECT_EQ(kind_of([] { BurstSeries::decode(nullptr, 3); }), ErrorKind::InvalidBinary);
    const std::vector<uint8_t> v1 = {1}, counted = {0}, valued = {1};
    const auto w = varint(3600);
    // version, flags, width
    EXPECT_EQ(decode_kind(cat({{2, 0}, w, varint(1), varint(20), varint(1), varint(0)})), ErrorKind::InvalidBinary);
    EXPECT_EQ(decode_kind(cat({{1, 2}, w, varint(1), varint(20), varint(1), varint(0)})), ErrorKind::InvalidBinary);
    EXPECT_EQ(decode_kind(cat({{1, 0}, varint(0), varint(1), varint(20), varint(1), varint(0)})), ErrorKind::InvalidBinary);
    EXPECT_EQ(decode_kind(cat({{1, 0}, varint(366 * 86400 + 1), varint(1), varint(20), varint(1), varint(0)})),
              ErrorKind::InvalidBinary);
    // The well-formed one, then a zero count, a zero delta, a padded varint, a forged count.
    EXPECT_NO_THROW(BurstSeries::decode(cat({{1, 0}, w, varint(1), varint(20), varint(1), varint(0)}).data(), 8));
    EXPECT_EQ(decode_kind(cat({{1, 0}, w, varint(0)})), ErrorKind::InvalidBinary);
    EXPECT_EQ(decode_kind(cat({{1, 0}, w, varint(2), varint(20), varint(1), varint(0), varint(0), varint(1), varint(0)})),
              ErrorKind::InvalidBinary);
    EXPECT_EQ(decode_kind(cat({{1, 0}, w, varint(1), varint(20), {0x81, 0x00}, varint(0)})), ErrorKind::InvalidBinary);
    EXPECT_EQ(decode_kind(cat({{1, 0}, w, varint(uint64_t{1} << 60)})), ErrorKind::LimitExceeded);
    EXPECT_EQ(decode_kind(cat({{1, 0}, w, varint(kMaxBuckets), varint(20), varint(1), varint(0)})), ErrorKind::InvalidBinary);
    // A varint wider than 64 bits; a bucket outside the timestamp range; totals overflowing.
    EXPECT_EQ(decode_kind(cat({{1, 0}, w, varint(1), varint(20), varint((unsigned __int128)1 << 64), varint(0)})),
              ErrorKind::InvalidBinary);
    EXPECT_EQ(decode_kind(cat({{1, 0}, w, varint(1), varint(uint64_t{1} << 40), varint(1), varint(0)})),
              ErrorKind::InvalidBinary);
    EXPECT_EQ(decode_kind(cat({{1, 0}, w, varint(2), varint(20), varint(INT64_MAX), varint(0), varint(1), varint(1),
                               varint(0)})),
              ErrorKind::InvalidBinary);
    // Values: in a counted series; squares without value; squares above value^2.
    EXPECT_EQ(decode_kind(cat({{1, 1}, w, varint(1), varint(20), varint(1), varint(1), varint(0), varint(1)})),
              ErrorKind::InvalidBinary);
    EXPECT_EQ(decode_kind(cat({{1, 1}, w, varint(1), varint(20), varint(1), varint(1), varint(10), varint(101)})),
              ErrorKind::InvalidBinary);
    EXPECT_NO_THROW(BurstSeries::decode(cat({{1, 1}, w, varint(1), varint(20), varint(1), varint(1), varint(10), varint(100)}).data(),
                                        10));
    (void)v1;
    (void)counted;
    (void)valued;
}

TEST(BurstSeries, TextRejectsMalformedInput)
{
    for (const char* bad : {"", "()", "(version:1,width:3600,buckets:[])", "(version:1,width:3600,buckets:[1:1])",
                            "(version:1,width:3600,buckets:[1:1:1]) trailing", "(version:1,width:-5,buckets:[1:1:1])",
                            "(version:1,width:3600,buckets:[1:1:1:0.5:0.25])",
                            "(version:1,width:3600,valued:true,buckets:[1:1:1:0.5])",
                            "(version:1,width:3600,valued:true,buckets:[1:1:1:0.5:0.26])",
                            "(version:1,width:3600,valued:true,buckets:[1:1:1:0.0000001:0])",
                            "(version:1,width:3600,buckets:[1:99999999999999999999:1])",
                            "(version:1,width:3600,buckets:[2:1:1 2:1:1])"})
        EXPECT_EQ(kind_of([&] { BurstSeries::from_text(bad); }), ErrorKind::InvalidText) << bad;
    EXPECT_EQ(kind_of([] { BurstSeries::from_text(nullptr); }), ErrorKind::InvalidText);
}

TEST(BurstSeries, RandomCorruptionNeverCrashes)
{
    Rng r{11};
    BurstSeries a(3600), valued(3600);
    for (int i = 0; i < 60; ++i) {
        const int64_t b = static_cast<int64_t>(r.next() % 2000), t = static_cast<int64_t>(r.next() % 100000),
                      m = static_cast<int64_t>(r.next() % 3);
        a.add(b, t, m);
        valued.add(b, t, m, 0.01 * static_cast<double>(r.next() % 300));
    }
    int accepted = 0;
    for (int trial = 0; trial < 20000; ++trial) {
        auto v = trial % 2 ? valued.encode() : a.encode();
        const int flips = 1 + static_cast<int>(r.next() % 4);
        for (int f = 0; f < flips; ++f)
            v[r.next() % v.size()] = static_cast<uint8_t>(r.next());
        if (r.next() % 4 == 0)
            v.resize(r.next() % (v.size() + 1));
        try {
            const BurstSeries s = BurstSeries::decode(v.data(), v.size());
            ++accepted;
            EXPECT_EQ(s.encode(), v);  // canonical: what is accepted re-encodes to the same bytes
            EXPECT_EQ(BurstSeries::from_text(s.to_text().c_str()).encode(), v);
        } catch (const Error& e) {
            EXPECT_TRUE(e.kind() == ErrorKind::InvalidBinary || e.kind() == ErrorKind::LimitExceeded);
        }
    }
    EXPECT_LT(accepted, 20000);
}

namespace {

// Counts what goes through it, like the glue's resource over a MemoryContext.
class CountingResource : public std::pmr::memory_resource {
public:
    size_t live = 0, allocations = 0;

private:
    void* do_allocate(size_t bytes, size_t alignment) override
    {
        live += bytes;
        ++allocations;
        return std::pmr::new_delete_resource()->allocate(bytes, alignment);
    }
    void do_deallocate(void* p, size_t bytes, size_t alignment) override
    {
        live -= bytes;
        std::pmr::new_delete_resource()->deallocate(p, bytes, alignment);
    }
    bool do_is_equal(const std::pmr::memory_resource& o) const noexcept override { return this == &o; }
};

}  // namespace

TEST(BurstSeries, StorageComesFromTheGivenResource)
{
    CountingResource memory;
    {
        BurstSeries s(3600, &memory);
        for (int i = 0; i < 100000; ++i)
            s.add(i % 5000, 1, 0);  // unsorted rows: compactions allocate too
        EXPECT_GT(memory.allocations, 0u);
        // Unsorted rows wait in a tail of at most max(256, buckets) rows; folded buckets take
        // their encoded size (here 3 bytes each), and a reader's flush releases the tail.
        EXPECT_LE(memory.live, 3 * 5000 * sizeof(SeriesBucket));
        EXPECT_EQ(s.bucket_count(), 5000u);
        EXPECT_LT(memory.live, 4 * 5000 * 3);  // once folded
        const auto bytes = s.encode();
        BurstSeries t = BurstSeries::decode(bytes.data(), bytes.size(), &memory);
        BurstSeries u(t, &memory);
        u.merge(s);
        EXPECT_EQ(u.total_tokens(), 200000);
    }
    // Rows in bucket order: memory is the encoded size plus a bounded tail.
    {
        BurstSeries s(3600, &memory);
        for (int i = 0; i < 100000; ++i)
            s.add(500000 + i, 1000 + i % 7, i % 11 == 0);
        EXPECT_LT(memory.live, 2 * 100000 * 5 + 256 * sizeof(SeriesBucket));
    }
    EXPECT_EQ(memory.live, 0u);
}

TEST(BurstSeries, DisjointRangesAreSplicedToTheSameBytes)
{
    // Days rolled up in any order (later, earlier, into an empty series) give the bytes of one
    // series over all rows; so do valued days, and a counted day merged into valued ones.
    for (bool fractional : {false, true}) {
        const auto rs = rows(5, fractional);
        BurstSeries whole(3600);
        std::vector<BurstSeries> days;
        for (const auto& r : rs) {
            const size_t day = static_cast<size_t>((r.bucket - 490'000) / 24);
            while (days.size() <= day)
                days.emplace_back(3600);
            if (fractional) {
                whole.add(r.bucket, r.tokens, r.changes, r.value);
                days[day].add(r.bucket, r.tokens, r.changes, r.value);
            } else {
                whole.add(r.bucket, r.tokens, r.changes);
                days[day].add(r.bucket, r.tokens, r.changes);
            }
        }
        const auto expected = whole.encode();
        for (int order = 0; order < 3; ++order) {
            BurstSeries rolled(3600);
            Rng g{static_cast<uint64_t>(order)};
            std::vector<size_t> idx(days.size());
            for (size_t i = 0; i < idx.size(); ++i)
                idx[i] = order == 1 ? idx.size() - 1 - i : i;
            if (order == 2)
                for (size_t i = idx.size() - 1; i > 0; --i)
                    std::swap(idx[i], idx[g.next() % (i + 1)]);
            for (size_t i : idx) {
                const auto bytes = days[i].encode();
                rolled.merge(BurstSeries::decode(bytes.data(), bytes.size()));
            }
            EXPECT_EQ(rolled.encode(), expected) << "order " << order << " fractional " << fractional;
        }
    }
    BurstSeries valued(3600), counted(3600), expected(3600);
    valued.add(10, 5, 1, 0.5);
    counted.add(20, 7, 2);
    expected.add(10, 5, 1, 0.5);
    expected.add(20, 7, 2, 2.0);
    valued.merge(counted);
    EXPECT_EQ(valued.encode(), expected.encode());
    counted.merge(valued);  // counted (20) then valued (10, 20): interleaved, valued result
    EXPECT_TRUE(counted.has_values());
    EXPECT_EQ(counted.to_text(), "(version:1,width:3600,valued:true,buckets:[10:5:1:0.5:0.25 20:14:4:4:4])");
}
