// Unit tests of the burst-inflation core: accumulator, analysis statistics on constructed and
// simulated series, the sliding-window score, and the binary formats.
#include "burst.hpp"
#include "math.hpp"

#include <gtest/gtest.h>

#include <limits>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <string>
#include <vector>

// Deterministic simulation of developers' hourly token series: hour-of-day activity rhythm (work,
// evening, night, local time zone), weekends, log-normal active hours with busy/quiet days,
// optional nightly automation, heavy users, merges Poisson in proportion to tokens. Own RNG and
// samplers, so the numbers are the same on every platform.
namespace sim {

inline uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

// Base of every simulation seed: 0 unless UV_BURST_TEST_SEED is set (to re-run the statistical
// tests on other simulated populations locally; the committed thresholds are for 0).
inline uint64_t seed_base()
{
    static const uint64_t base = [] {
        const char* v = std::getenv("UV_BURST_TEST_SEED");
        return v ? std::strtoull(v, nullptr, 10) : 0ULL;
    }();
    return base;
}

// SplitMix64. The seed is scrambled (not just scaled) into the state: with a linear seed-to-state
// map, consecutive seeds gave the same stream shifted by one draw, so "50 developers" were
// strongly correlated copies of each other.
struct Rng {
    uint64_t s;
    explicit Rng(uint64_t seed) : s(mix64(mix64(seed ^ 0x5DEECE66DULL) + seed_base() * 0x9E3779B97F4A7C15ULL)) {}
    uint64_t next() { return mix64(s += 0x9E3779B97F4A7C15ULL); }
    double uniform() { return (static_cast<double>(next() >> 11) + 0.5) * (1.0 / 9007199254740992.0); }
    double uniform(double a, double b) { return a + (b - a) * uniform(); }
    double normal()
    {
        double u1 = uniform(), u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    }
    bool bernoulli(double p) { return uniform() < p; }
    int64_t poisson(double mean)
    {
        if (mean <= 0) return 0;
        if (mean > 50) return std::max<int64_t>(0, std::llround(mean + std::sqrt(mean) * normal()));
        double l = std::exp(-mean), p = 1.0;
        int64_t k = 0;
        do { ++k; p *= uniform(); } while (p > l);
        return k - 1;
    }
};

struct Dev {
    double level = 8000;      // median tokens in an active hour
    double sigma = 1.0;       // log-scale dispersion of active hours
    double day_sd = 0.4;      // busy / quiet days
    double p_work = 0.7, p_evening = 0.1, p_night = 0.02, weekend = 0.15;
    int tz = 0;               // local hour = UTC hour + tz
    bool automation = false;
    double auto_level = 0;    // tokens of the nightly job
    double merges_per_token = 0;
};

// 2024-01-01 (a Monday) in days since 1970-01-01.
constexpr int64_t kMonday = 19723;

struct Series {
    int64_t first = 0;  // bucket index of element 0
    std::vector<int64_t> tokens, merges;
    double mean() const { double t = 0; for (auto x : tokens) t += x; return t / tokens.size(); }
    int64_t total() const { int64_t t = 0; for (auto x : tokens) t += x; return t; }
};

inline double expected_day_tokens(const Dev& d)
{
    double active = d.level * std::exp(0.5 * d.sigma * d.sigma + 0.5 * d.day_sd * d.day_sd);
    double wk = (9 * d.p_work + 5 * d.p_evening + 10 * d.p_night);
    return active * wk * (5.0 + 2.0 * d.weekend) / 7.0 + (d.automation ? d.auto_level : 0);
}

inline Dev random_dev(Rng& r)
{
    Dev d;
    d.level = std::exp(r.uniform(7.5, 10.5));
    d.sigma = r.uniform(0.6, 1.3);
    d.day_sd = r.uniform(0.2, 0.5);
    d.p_work = r.uniform(0.35, 0.9);
    d.p_evening = r.uniform(0.02, 0.25);
    d.p_night = r.uniform(0.0, 0.04);
    d.weekend = r.uniform(0.0, 0.4);
    d.tz = static_cast<int>(r.uniform(-8, 9));
    double kind = r.uniform();
    if (kind < 0.3) {  // nightly automation
        d.automation = true;
        d.auto_level = d.level * r.uniform(0.5, 5.0);
    } else if (kind < 0.5) {  // heavy steady user
        d.level *= 10;
        d.p_work = r.uniform(0.85, 0.98);
        d.p_evening = r.uniform(0.3, 0.6);
        d.p_night = r.uniform(0.02, 0.1);
        d.weekend = r.uniform(0.3, 0.8);
    }
    d.merges_per_token = r.uniform(0.5, 3.0) / expected_day_tokens(d);
    return d;
}

inline Series hourly(const Dev& d, Rng& r, int days, int64_t first_day = kMonday)
{
    Series s;
    s.first = first_day * 24;
    s.tokens.assign(static_cast<size_t>(days) * 24, 0);
    s.merges.assign(s.tokens.size(), 0);
    for (int day = 0; day < days; ++day) {
        int dow = static_cast<int>(((first_day + day) % 7 + 7 + 3) % 7);  // 0 = Monday
        bool weekend = dow >= 5;
        double day_eff = d.day_sd * r.normal();
        for (int h = 0; h < 24; ++h) {
            int lh = ((h + d.tz) % 24 + 24) % 24;
            double p = lh >= 9 && lh < 18 ? d.p_work : (lh >= 18 && lh < 23 ? d.p_evening : d.p_night);
            if (weekend) p *= d.weekend;
            size_t i = static_cast<size_t>(day) * 24 + h;
            double t = 0;
            if (r.bernoulli(p)) t += d.level * std::exp(day_eff + d.sigma * r.normal());
            if (d.automation && h == 2) t += d.auto_level * std::exp(0.2 * r.normal());
            s.tokens[i] = std::llround(t);
            s.merges[i] = r.poisson(t * d.merges_per_token);
        }
    }
    return s;
}

inline Series daily(const Series& h)
{
    Series s;
    s.first = h.first / 24;
    size_t days = h.tokens.size() / 24;
    s.tokens.assign(days, 0);
    s.merges.assign(days, 0);
    for (size_t i = 0; i < h.tokens.size(); ++i) {
        s.tokens[i / 24] += h.tokens[i];
        s.merges[i / 24] += h.merges[i];
    }
    return s;
}

// Adds `extra` tokens per bucket (with 30% log-normal noise) over [start, start + len), no merges.
// Returns the tokens added.
inline double inject(Series& s, Rng& r, size_t start, size_t len, double extra)
{
    double added = 0;
    for (size_t i = start; i < start + len && i < s.tokens.size(); ++i) {
        int64_t a = std::llround(extra * std::exp(0.3 * r.normal() - 0.045));
        s.tokens[i] += a;
        added += a;
    }
    return added;
}

}  // namespace sim

namespace {

using namespace uv::burst;
using uv::Error;
using uv::ErrorKind;

template <class F>
ErrorKind kind_of(F&& f)
{
    try {
        f();
    } catch (const Error& e) {
        return e.kind();
    }
    return static_cast<ErrorKind>(-1);
}

BurstAccumulator accumulate(const sim::Series& s)
{
    BurstAccumulator a;
    for (size_t i = 0; i < s.tokens.size(); ++i)
        a.add(s.first + static_cast<int64_t>(i), s.tokens[i], s.merges[i]);
    return a;
}

BurstResult run(const sim::Series& s, int64_t width) { return analyze(accumulate(s), default_params(width)); }

// A developer with moderate noise (sigma <= 1): used for true positives, where the injected
// pattern must be distinguishable from ordinary variation at all.
sim::Dev moderate_dev(sim::Rng& r)
{
    sim::Dev d = sim::random_dev(r);
    d.sigma = std::min(d.sigma, 1.0);
    d.merges_per_token = r.uniform(0.5, 3.0) / sim::expected_day_tokens(d);
    return d;
}

// ------------------------------------------------------------------------------------------
// Accumulator

TEST(BurstAccumulator, DuplicateBucketsAreSummed)
{
    BurstAccumulator a;
    a.add(10, 5, 1);
    a.add(12, 7, 0);
    a.add(10, 3, 2);
    ASSERT_EQ(a.bucket_count(), 2u);
    EXPECT_EQ(a.buckets()[0].bucket, 10);
    EXPECT_EQ(a.buckets()[0].tokens, 8);
    EXPECT_EQ(a.buckets()[0].merged_changes, 3);
    EXPECT_EQ(a.total_tokens(), 15);
    EXPECT_EQ(a.total_merged_changes(), 3);
}

// Found by fuzzing (test/fuzz/regressions/burst_fuzz/analyze_merges_near_int64_max): merge totals
// near 2^63 were summed as doubles and converted back to int64, which is undefined behaviour.
TEST(BurstAnalysis, MergeTotalsNearInt64MaxAreHandled)
{
    uv::burst::BurstAccumulator acc;
    acc.add(-206, std::numeric_limits<int64_t>::max() - 1, std::numeric_limits<int64_t>::max());
    acc.add(1024, 1, 0);
    const uv::burst::BurstResult r = uv::burst::analyze(acc, uv::burst::default_params(3600));
    EXPECT_GE(r.inflation_share, 0.0);
    EXPECT_LE(r.inflation_share, 1.0);
}

TEST(BurstAccumulator, MemoryIsDistinctBucketsNotRows)
{
    BurstAccumulator a;
    for (int i = 0; i < 1'000'000; ++i)
        a.add(i % 97, 1, 0);
    EXPECT_EQ(a.bucket_count(), 97u);
    EXPECT_EQ(a.total_tokens(), 1'000'000);
    EXPECT_LT(a.serialize().size(), 97u * 40 + 64);
}

TEST(BurstAccumulator, NegativeAndOverflowAreOutOfRange)
{
    BurstAccumulator a;
    EXPECT_EQ(kind_of([&] { a.add(1, -1, 0); }), ErrorKind::OutOfRange);
    EXPECT_EQ(kind_of([&] { a.add(1, 0, -1); }), ErrorKind::OutOfRange);
    a.add(1, INT64_MAX, 0);
    EXPECT_EQ(kind_of([&] { a.add(2, 1, 0); }), ErrorKind::OutOfRange);
    EXPECT_EQ(a.total_tokens(), INT64_MAX);  // the failed row changed nothing
    BurstAccumulator b;
    b.add(5, 1, INT64_MAX);
    BurstAccumulator c;
    c.add(6, 0, 1);
    EXPECT_EQ(kind_of([&] { b.merge(c); }), ErrorKind::OutOfRange);
    try {
        a.add(1, -5, 0);
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("tokens"), std::string::npos);
    }
}

TEST(BurstAccumulator, OrderAndSplitIndependence)
{
    sim::Rng r(77);
    sim::Dev d = sim::random_dev(r);
    sim::Series s = sim::hourly(d, r, 60);
    sim::inject(s, r, 700, 30, 10 * s.mean());
    struct Row {
        int64_t b, t, m;
    };
    std::vector<Row> rows;
    for (size_t i = 0; i < s.tokens.size(); ++i) {
        // Split each bucket into up to three rows, as raw usage events would be.
        int64_t t = s.tokens[i], m = s.merges[i];
        int64_t t1 = t / 3, m1 = m / 2;
        rows.push_back({s.first + static_cast<int64_t>(i), t1, m1});
        rows.push_back({s.first + static_cast<int64_t>(i), t - t1, m - m1});
        if (i % 5 == 0)
            rows.push_back({s.first + static_cast<int64_t>(i), 0, 0});
    }
    BurstAccumulator ref;
    for (const auto& x : rows)
        ref.add(x.b, x.t, x.m);
    const auto ref_bytes = ref.serialize();
    const BurstResult ref_res = analyze(ref, default_params(3600));
    for (int trial = 0; trial < 5; ++trial) {
        sim::Rng g(1000 + trial);
        for (size_t i = rows.size() - 1; i > 0; --i)
            std::swap(rows[i], rows[g.next() % (i + 1)]);
        const int parts = 1 + trial;
        std::vector<BurstAccumulator> acc(static_cast<size_t>(parts));
        for (const auto& x : rows)
            acc[g.next() % parts].add(x.b, x.t, x.m);
        // Combine in a random tree, round-tripping through bytes as a parallel plan would.
        while (acc.size() > 1) {
            size_t i = g.next() % acc.size();
            BurstAccumulator x = BurstAccumulator::deserialize(acc[i].serialize().data(), acc[i].serialize().size());
            acc.erase(acc.begin() + static_cast<std::ptrdiff_t>(i));
            acc[g.next() % acc.size()].merge(x);
        }
        EXPECT_EQ(acc[0].serialize(), ref_bytes);
        BurstResult res = analyze(acc[0], default_params(3600));
        EXPECT_EQ(res.inflation_share, ref_res.inflation_share);
        ASSERT_EQ(res.episodes.size(), ref_res.episodes.size());
        for (size_t k = 0; k < res.episodes.size(); ++k) {
            EXPECT_EQ(res.episodes[k].start_bucket, ref_res.episodes[k].start_bucket);
            EXPECT_EQ(res.episodes[k].end_bucket, ref_res.episodes[k].end_bucket);
            EXPECT_EQ(res.episodes[k].inflated_tokens, ref_res.episodes[k].inflated_tokens);
        }
    }
    EXPECT_GT(ref_res.inflation_share, 0.0);
}

TEST(BurstAccumulator, SerializationRoundTrip)
{
    BurstAccumulator a;
    a.add(-5, 3, 1);
    a.add(INT64_MAX, 4, 0);
    a.add(0, 0, 0);
    auto bytes = a.serialize();
    ASSERT_EQ(bytes[0], kAccumulatorFormatVersion);
    BurstAccumulator b = BurstAccumulator::deserialize(bytes.data(), bytes.size());
    EXPECT_EQ(b.serialize(), bytes);
    EXPECT_EQ(b.total_tokens(), 7);
    BurstAccumulator empty;
    auto eb = empty.serialize();
    EXPECT_TRUE(BurstAccumulator::deserialize(eb.data(), eb.size()).empty());
}

std::vector<uint8_t> le64(uint64_t v)
{
    std::vector<uint8_t> o;
    for (int i = 0; i < 8; ++i)
        o.push_back(static_cast<uint8_t>(v >> (8 * i)));
    return o;
}

TEST(BurstAccumulator, DeserializeRejectsMalformedBytes)
{
    BurstAccumulator a;
    a.add(1, 10, 1);
    a.add(2, 20, 0);
    const auto good = a.serialize();
    auto bad = [&](std::vector<uint8_t> v) {
        return kind_of([&] { BurstAccumulator::deserialize(v.data(), v.size()); });
    };
    EXPECT_EQ(kind_of([] { BurstAccumulator::deserialize(nullptr, 0); }), ErrorKind::InvalidBinary);
    EXPECT_EQ(kind_of([] { BurstAccumulator::deserialize(nullptr, 5); }), ErrorKind::InvalidBinary);
    auto v = good;
    v[0] = 1;
    EXPECT_EQ(bad(v), ErrorKind::InvalidBinary);  // version 1 (before merged value)
    v = good;
    v[1] = 'W';
    EXPECT_EQ(bad(v), ErrorKind::InvalidBinary);  // kind
    for (size_t cut = 0; cut < good.size(); ++cut)
        EXPECT_EQ(bad(std::vector<uint8_t>(good.begin(), good.begin() + static_cast<std::ptrdiff_t>(cut))),
                  ErrorKind::InvalidBinary);
    v = good;
    v.push_back(0);
    EXPECT_EQ(bad(v), ErrorKind::InvalidBinary);  // trailing byte
    // A forged count: refused before any allocation.
    std::vector<uint8_t> forged = {kAccumulatorFormatVersion, 'A', 0};
    auto n = le64(uint64_t{1} << 60);
    forged.insert(forged.end(), n.begin(), n.end());
    EXPECT_EQ(bad(forged), ErrorKind::LimitExceeded);
    forged.resize(3);
    n = le64(kMaxBuckets);
    forged.insert(forged.end(), n.begin(), n.end());
    EXPECT_EQ(bad(forged), ErrorKind::InvalidBinary);
    // Layout: 3 header bytes (version, kind, has_values), n (8), 40-byte buckets from offset 11
    // (bucket, tokens, merged_changes, value, value_squares). Unsorted buckets (swap bucket
    // fields), negative count, wrong totals.
    v = good;
    std::swap_ranges(v.begin() + 11, v.begin() + 19, v.begin() + 51);
    EXPECT_EQ(bad(v), ErrorKind::InvalidBinary);
    v = good;
    v[11 + 8 + 7] = 0x80;  // tokens of the first bucket negative
    EXPECT_EQ(bad(v), ErrorKind::InvalidBinary);
    v = good;
    v[v.size() - 16] ^= 1;  // total tokens
    EXPECT_EQ(bad(v), ErrorKind::InvalidBinary);
    // Duplicate bucket.
    v = good;
    std::copy(v.begin() + 11, v.begin() + 19, v.begin() + 51);
    EXPECT_EQ(bad(v), ErrorKind::InvalidBinary);
    // Values: a bad flag; a counted-only bucket whose value is not its count.
    v = good;
    v[2] = 2;
    EXPECT_EQ(bad(v), ErrorKind::InvalidBinary);
    auto put_f64 = [](std::vector<uint8_t>& w, size_t at, double x) {
        uint64_t bits;
        std::memcpy(&bits, &x, 8);
        auto b = le64(bits);
        std::copy(b.begin(), b.end(), w.begin() + static_cast<std::ptrdiff_t>(at));
    };
    v = good;
    put_f64(v, 11 + 24, 0.5);
    EXPECT_EQ(bad(v), ErrorKind::InvalidBinary);
    // Valued states: NaN, infinite, negative value; squares 0 with a value; squares above value^2.
    BurstAccumulator va;
    va.add(1, 10, 1, 0.5);
    va.add(2, 20, 0, 0.0);
    const auto vgood = va.serialize();
    ASSERT_EQ(vgood[2], 1);
    EXPECT_EQ(BurstAccumulator::deserialize(vgood.data(), vgood.size()).serialize(), vgood);
    for (double x : {std::nan(""), HUGE_VAL, -1.0}) {
        v = vgood;
        put_f64(v, 11 + 24, x);
        EXPECT_EQ(bad(v), ErrorKind::InvalidBinary) << x;
        v = vgood;
        put_f64(v, 11 + 32, x);
        EXPECT_EQ(bad(v), ErrorKind::InvalidBinary) << x;
    }
    v = vgood;
    put_f64(v, 11 + 32, 0.0);
    EXPECT_EQ(bad(v), ErrorKind::InvalidBinary);
    v = vgood;
    put_f64(v, 51 + 32, 1.0);  // the revert's bucket: value 0, squares 1
    EXPECT_EQ(bad(v), ErrorKind::InvalidBinary);
    v = vgood;
    put_f64(v, 11 + 32, 1.0);  // 1 > 0.5^2
    EXPECT_EQ(bad(v), ErrorKind::InvalidBinary);
}

TEST(BurstAccumulator, ValuesAndTheirSquares)
{
    BurstAccumulator a;
    a.add(1, 100, 1, 0.5);   // one change: its square
    a.add(1, 100, 2, 3.0);   // two: equal split, 9 / 2
    a.add(2, 100, 0, 0.25);  // value with no counted change: one unit
    a.add(3, 100, 4, 0.0);   // reverts
    a.add(4, 100, 3, 3.0);   // weights of one: squares = count, exactly
    ASSERT_TRUE(a.has_values());
    const auto& b = a.buckets();
    ASSERT_EQ(b.size(), 4u);
    EXPECT_EQ(b[0].merged_changes, 3);
    EXPECT_DOUBLE_EQ(b[0].value, 3.5);
    EXPECT_DOUBLE_EQ(b[0].value_squares, 0.25 + 4.5);
    EXPECT_DOUBLE_EQ(b[1].value_squares, 0.0625);
    EXPECT_EQ(b[2].value, 0.0);
    EXPECT_EQ(b[2].value_squares, 0.0);
    EXPECT_EQ(b[3].value_squares, 3.0);
    // Counted only: value = squares = count.
    BurstAccumulator c;
    c.add(1, 5, 7);
    EXPECT_FALSE(c.has_values());
    EXPECT_EQ(c.buckets()[0].value, 7.0);
    EXPECT_EQ(c.buckets()[0].value_squares, 7.0);
    // Bad values name merged_value: negative and too large OutOfRange (22003), NaN/inf
    // InvalidParameter (22023); the failed row changes nothing.
    for (double x : {-0.5, 2e15}) {
        try {
            a.add(9, 1, 1, x);
            ADD_FAILURE() << x;
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::OutOfRange);
            EXPECT_NE(std::string(e.what()).find("merged_value"), std::string::npos);
        }
    }
    for (double x : {std::nan(""), HUGE_VAL, -HUGE_VAL}) {
        try {
            a.add(9, 1, 1, x);
            ADD_FAILURE() << x;
        } catch (const Error& e) {
            EXPECT_EQ(e.kind(), ErrorKind::InvalidParameter);
            EXPECT_NE(std::string(e.what()).find("merged_value"), std::string::npos);
        }
    }
    EXPECT_EQ(a.bucket_count(), 4u);
    // A value so small that its square underflows keeps a positive square (value 0 iff squares 0).
    BurstAccumulator t;
    t.add(1, 1, 1, 1e-200);
    EXPECT_GT(t.buckets()[0].value_squares, 0.0);
    auto bytes = t.serialize();
    EXPECT_EQ(BurstAccumulator::deserialize(bytes.data(), bytes.size()).serialize(), bytes);
    // Merging a counted-only state into a valued one keeps the values; the result is valued.
    BurstAccumulator m = c;
    m.merge(a);
    EXPECT_TRUE(m.has_values());
    EXPECT_DOUBLE_EQ(m.buckets()[0].value, 10.5);
    // Counted rows, then valued ones, the first of which triggers a compaction (at 4096 rows): the
    // valued rows are summed as values, not recounted.
    BurstAccumulator mixed;
    for (int i = 0; i < 4095; ++i)
        mixed.add(i % 10, 1, 1);
    for (int i = 0; i < 200; ++i)
        mixed.add(i % 10, 1, 1, 0.25);
    double total = 0;
    for (const auto& e : mixed.buckets())
        total += e.value;
    EXPECT_EQ(total, 4145.0);
    EXPECT_EQ(mixed.total_merged_changes(), 4295);
}

TEST(BurstAccumulator, RandomCorruptionNeverCrashes)
{
    sim::Rng r(5);
    BurstAccumulator a, valued;
    for (int i = 0; i < 50; ++i) {
        const int64_t b = static_cast<int64_t>(r.next() % 1000), t = static_cast<int64_t>(r.next() % 100000),
                      m = static_cast<int64_t>(r.next() % 3);
        a.add(b, t, m);
        valued.add(b, t, m, 0.01 * static_cast<double>(r.next() % 200));
    }
    int accepted = 0;
    for (int trial = 0; trial < 20000; ++trial) {
        const auto good = trial % 2 ? valued.serialize() : a.serialize();
        auto v = good;
        int flips = 1 + static_cast<int>(r.next() % 4);
        for (int f = 0; f < flips; ++f)
            v[r.next() % v.size()] = static_cast<uint8_t>(r.next());
        if (r.next() % 4 == 0)
            v.resize(r.next() % (v.size() + 1));
        try {
            BurstAccumulator b = BurstAccumulator::deserialize(v.data(), v.size());
            ++accepted;
            // Whatever is accepted is a valid state: totals add up and it re-serialises identically.
            EXPECT_EQ(b.serialize(), v);
        } catch (const Error& e) {
            EXPECT_TRUE(e.kind() == ErrorKind::InvalidBinary || e.kind() == ErrorKind::LimitExceeded);
        }
    }
    EXPECT_LT(accepted, 20000);
}

// ------------------------------------------------------------------------------------------
// Bucket alignment (issue 11: widths that do not match the buckets)

namespace {

using uv::burst::BucketAlignment;

int64_t floor_index(int64_t seconds, int64_t width) { return seconds / width - (seconds % width < 0 ? 1 : 0); }

// Adds every bucket; false at the first refusal.
bool align_all(BucketAlignment& a, const std::vector<int64_t>& seconds, int64_t width)
{
    for (int64_t s : seconds)
        if (!a.add(s, floor_index(s, width), width))
            return false;
    return true;
}

constexpr int64_t kHour = 3600, kDay = 86400;
constexpr int64_t kMarch2025 = 1740787200;  // 2025-03-01 00:00 UTC

// Local midnights of Europe/Berlin around the 2025-03-30 DST change: 23:00 UTC before, 22:00 after.
std::vector<int64_t> berlin_midnights()
{
    std::vector<int64_t> v;
    for (int d = 0; d < 60; ++d)
        v.push_back(kMarch2025 + d * kDay - (d <= 29 ? kHour : 2 * kHour));
    return v;
}

}  // namespace

TEST(BucketAlignment, MatchingWidthsAreAccepted)
{
    std::vector<int64_t> hourly;
    for (int h = 0; h < 24 * 90; ++h)
        hourly.push_back(kMarch2025 + h * kHour);
    BucketAlignment a;
    EXPECT_TRUE(align_all(a, hourly, kHour));
    EXPECT_EQ(a.step(), 1);
    EXPECT_EQ(a.refused_step(hourly.size()), 0);
    // Local-time days across a DST change: one hour of drift is allowed.
    BucketAlignment berlin;
    EXPECT_TRUE(align_all(berlin, berlin_midnights(), kDay));
    // A fixed 30- or 45-minute offset (Asia/Kolkata, Asia/Kathmandu) is no drift at all.
    std::vector<int64_t> kolkata;
    for (int d = 0; d < 60; ++d)
        kolkata.push_back(kMarch2025 + d * kDay - 5 * kHour - 1800);
    BucketAlignment k;
    EXPECT_TRUE(align_all(k, kolkata, kDay));
    // A daily cron job at '1 hour': step 24, not refused.
    std::vector<int64_t> cron;
    for (int d = 0; d < 90; ++d)
        cron.push_back(kMarch2025 + d * kDay + 3 * kHour);
    BucketAlignment c;
    EXPECT_TRUE(align_all(c, cron, kHour));
    EXPECT_EQ(c.step(), 24);
    EXPECT_EQ(c.refused_step(cron.size()), 0);
    // Before 1970 too (negative seconds, floor division).
    BucketAlignment old;
    EXPECT_TRUE(align_all(old, {-kHour, -2 * kHour, 5 * kHour}, kHour));
    EXPECT_EQ(old.step(), 1);
}

TEST(BucketAlignment, CoarserWidthsAreRefusedWithTwoBuckets)
{
    // Hourly buckets at '7 days' and '1 day': refused at the second hour of the day beyond the first.
    for (int64_t width : {7 * kDay, kDay}) {
        BucketAlignment a;
        EXPECT_TRUE(a.add(kMarch2025 + kHour, floor_index(kMarch2025 + kHour, width), width));
        EXPECT_TRUE(a.add(kMarch2025 + 2 * kHour, floor_index(kMarch2025 + 2 * kHour, width), width));
        EXPECT_FALSE(a.add(kMarch2025 + 3 * kHour, floor_index(kMarch2025 + 3 * kHour, width), width));
        EXPECT_EQ(a.low_seconds(), kMarch2025 + kHour);
        EXPECT_EQ(a.high_seconds(), kMarch2025 + 3 * kHour);
    }
    // Hourly buckets at '2 hours': one hour apart is half the width, refused.
    BucketAlignment two;
    EXPECT_FALSE(align_all(two, {kMarch2025, kMarch2025 + kHour}, 2 * kHour));
    // Half-hour buckets at '1 hour', raw event times at '1 hour'.
    BucketAlignment half;
    EXPECT_FALSE(align_all(half, {kMarch2025, kMarch2025 + 1800}, kHour));
    BucketAlignment raw;
    EXPECT_FALSE(align_all(raw, {kMarch2025 + 17, kMarch2025 + 2200, kMarch2025 + kHour + 1100}, kHour));
    // Offsets on both sides of the reference, wrapping around the width: 23:30 and 00:45 are
    // 75 minutes apart across midnight, refused; 23:30 and 00:20 are 50 minutes apart, accepted.
    BucketAlignment wrap;
    EXPECT_FALSE(align_all(wrap, {kMarch2025 - 1800, kMarch2025 + 2700}, kDay));
    BucketAlignment near;
    EXPECT_TRUE(align_all(near, {kMarch2025 - 1800, kMarch2025 + kDay + 1200, kMarch2025 + 3 * kDay - 1800}, kDay));
}

TEST(BucketAlignment, FinerWidthsAreRefusedWithEnoughBuckets)
{
    std::vector<int64_t> hourly;
    for (int h = 0; h < 48; ++h)
        hourly.push_back(kMarch2025 + h * kHour);
    BucketAlignment minute, second;
    EXPECT_TRUE(align_all(minute, hourly, 60));
    EXPECT_TRUE(align_all(second, hourly, 1));
    EXPECT_EQ(minute.refused_step(hourly.size()), 60);
    EXPECT_EQ(second.refused_step(hourly.size()), 3600);
    // Too few distinct buckets to tell: accepted.
    EXPECT_EQ(minute.refused_step(BucketAlignment::kFineMinBuckets - 1), 0);
    // The honest case the threshold still refuses: a weekly job at '1 hour'.
    std::vector<int64_t> weekly;
    for (int w = 0; w < 30; ++w)
        weekly.push_back(kMarch2025 + w * 7 * kDay + 9 * kHour);
    BucketAlignment job;
    EXPECT_TRUE(align_all(job, weekly, kHour));
    EXPECT_EQ(job.refused_step(weekly.size()), 168);
}

TEST(BucketAlignment, MergeEqualsAddingInAnyOrderAndSplit)
{
    // Every split of a series over two workers decides as the serial state does, with the same step.
    const std::vector<int64_t> series[] = {berlin_midnights(),
                                           {kMarch2025 + kHour, kMarch2025 + 2 * kHour, kMarch2025 + 30 * kHour},
                                           {kMarch2025 - 1800, kMarch2025 + kDay + 1200, kMarch2025 + 5 * kDay - 2000}};
    for (const auto& v : series) {
        BucketAlignment serial;
        const bool accepted = align_all(serial, v, kDay);
        for (size_t cut = 0; cut <= v.size(); ++cut) {
            for (int reversed = 0; reversed < 2; ++reversed) {
                BucketAlignment left, right;
                std::vector<int64_t> a(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(cut)), b(v.begin() + static_cast<std::ptrdiff_t>(cut), v.end());
                if (reversed)
                    std::swap(a, b);
                const bool ok = align_all(left, a, kDay) && align_all(right, b, kDay) && left.merge(right, kDay);
                EXPECT_EQ(ok, accepted) << "cut " << cut;
                if (ok) {
                    EXPECT_EQ(left.step(), serial.step());
                }
            }
        }
    }
}

TEST(BucketAlignment, FieldsRoundTripAndAreValidated)
{
    BucketAlignment a;
    ASSERT_TRUE(align_all(a, berlin_midnights(), kDay));
    int64_t f[BucketAlignment::kFields];
    a.to_fields(f);
    BucketAlignment b = BucketAlignment::from_fields(f, kDay);
    int64_t g[BucketAlignment::kFields];
    b.to_fields(g);
    EXPECT_EQ(0, std::memcmp(f, g, sizeof f));
    EXPECT_EQ(b.step(), a.step());
    // The restored state goes on exactly as the original.
    EXPECT_FALSE(b.add(kMarch2025 + 12 * kHour, floor_index(kMarch2025 + 12 * kHour, kDay), kDay));
    int64_t empty[BucketAlignment::kFields] = {};
    EXPECT_TRUE(BucketAlignment::from_fields(empty, kDay).empty());
    auto bad = [&](int field, int64_t value, int64_t width = kDay) {
        int64_t h[BucketAlignment::kFields];
        std::memcpy(h, f, sizeof h);
        h[field] = value;
        return kind_of([&] { BucketAlignment::from_fields(h, width); });
    };
    EXPECT_EQ(bad(0, 2), ErrorKind::InvalidBinary);                      // flag
    EXPECT_EQ(bad(1, std::numeric_limits<int64_t>::min()), ErrorKind::InvalidBinary);  // out of range
    EXPECT_EQ(bad(2, 1), ErrorKind::InvalidBinary);                      // low above the reference
    EXPECT_EQ(bad(3, 2 * kHour), ErrorKind::InvalidBinary);              // arc beyond the allowance
    EXPECT_EQ(bad(4, f[4] + 1), ErrorKind::InvalidBinary);               // extreme off its offset
    EXPECT_EQ(bad(6, -1), ErrorKind::InvalidBinary);                     // step
    EXPECT_EQ(bad(0, 0), ErrorKind::InvalidBinary);                      // empty with values
    EXPECT_EQ(bad(0, 1, 0), ErrorKind::InvalidBinary);                   // no width
    EXPECT_EQ(bad(0, 1, 7200), ErrorKind::InvalidBinary);                // arc of an hour at '2 hours'
}

// ------------------------------------------------------------------------------------------
// Parameters and limits

TEST(BurstParams, DefaultsFollowTheBucketWidth)
{
    BurstParams h = default_params(3600);
    EXPECT_EQ(h.baseline_buckets, 56 * 24);
    EXPECT_EQ(h.horizon_buckets, 72);
    EXPECT_EQ(h.max_episode_buckets, 14 * 24);
    EXPECT_DOUBLE_EQ(h.alpha, 0.01);
    BurstParams d = default_params(86400);
    EXPECT_EQ(d.baseline_buckets, 56);
    EXPECT_EQ(d.horizon_buckets, 3);
    EXPECT_EQ(d.max_episode_buckets, 14);
    BurstParams w = default_params(7 * 86400);
    EXPECT_EQ(w.baseline_buckets, 8);
    EXPECT_EQ(w.max_episode_buckets, 2);
    EXPECT_EQ(kind_of([] { default_params(0); }), ErrorKind::InvalidParameter);
    EXPECT_EQ(kind_of([] { default_params(-3600); }), ErrorKind::InvalidParameter);
}

TEST(BurstParams, EveryParameterIsValidated)
{
    BurstAccumulator a;
    a.add(1, 5, 0);
    auto with = [&](auto change) {
        BurstParams p = default_params(86400);
        change(p);
        return kind_of([&] { analyze(a, p); });
    };
    EXPECT_EQ(with([](BurstParams& p) { p.bucket_seconds = 0; }), ErrorKind::InvalidParameter);
    EXPECT_EQ(with([](BurstParams& p) { p.baseline_buckets = 2; }), ErrorKind::InvalidParameter);
    EXPECT_EQ(with([](BurstParams& p) { p.baseline_buckets = 20'000'000; }), ErrorKind::InvalidParameter);
    EXPECT_EQ(with([](BurstParams& p) { p.alpha = 0; }), ErrorKind::InvalidParameter);
    EXPECT_EQ(with([](BurstParams& p) { p.alpha = 0.6; }), ErrorKind::InvalidParameter);
    EXPECT_EQ(with([](BurstParams& p) { p.alpha = std::nan(""); }), ErrorKind::InvalidParameter);
    EXPECT_EQ(with([](BurstParams& p) { p.merge_alpha = -1; }), ErrorKind::InvalidParameter);
    EXPECT_EQ(with([](BurstParams& p) { p.horizon_buckets = -1; }), ErrorKind::InvalidParameter);
    EXPECT_EQ(with([](BurstParams& p) { p.max_episode_buckets = 0; }), ErrorKind::InvalidParameter);
    try {
        BurstParams p = default_params(86400);
        p.alpha = 2;
        analyze(a, p);
    } catch (const Error& e) {
        EXPECT_NE(std::string(e.what()).find("alpha"), std::string::npos);
        EXPECT_NE(std::string(e.what()).find("(0, 0.5]"), std::string::npos);
    }
}

TEST(BurstAnalyze, SpanLimitAndTrivialInputs)
{
    BurstAccumulator a;
    a.add(INT64_MIN, 1, 0);
    a.add(INT64_MAX, 1, 0);
    EXPECT_EQ(kind_of([&] { analyze(a, default_params(3600)); }), ErrorKind::LimitExceeded);
    BurstAccumulator empty;
    EXPECT_EQ(analyze(empty, default_params(3600)).inflation_share, 0.0);
    BurstAccumulator zeros;
    zeros.add(1, 0, 3);
    zeros.add(100, 0, 0);
    BurstResult z = analyze(zeros, default_params(3600));
    EXPECT_EQ(z.inflation_share, 0.0);  // no tokens: share defined as 0
    EXPECT_TRUE(z.episodes.empty());
    BurstAccumulator one;
    one.add(42, 1000, 0);
    EXPECT_EQ(analyze(one, default_params(86400)).inflation_share, 0.0);
}

TEST(BurstAnalyze, FiveYearsOfHourlyBuckets)
{
    sim::Rng r(9);
    sim::Dev d = sim::random_dev(r);
    sim::Series s = sim::hourly(d, r, 5 * 365);
    sim::inject(s, r, 24 * 1000, 240, 2.0 * s.mean());
    BurstResult res = run(s, 3600);
    EXPECT_GT(res.inflation_share, 0.0);
    EXPECT_LE(res.inflation_share, 1.0);
}

// ------------------------------------------------------------------------------------------
// Statistical properties on constructed and simulated series

// Property 4: on stationary heavy-tailed series with day/night and weekday/weekend rhythms,
// nightly automation and heavy users, the inflated share stays <= 1% for >= 95% of developers.
TEST(BurstStatistics, StationarySimulationFalsePositives)
{
    int over_hourly = 0, over_daily = 0, flagged_hourly = 0, flagged_daily = 0;
    for (int k = 0; k < 200; ++k) {
        sim::Rng r(static_cast<uint64_t>(k) + 1);
        sim::Dev d = sim::random_dev(r);
        sim::Series h = sim::hourly(d, r, 60);
        BurstResult rh = run(h, 3600), rd = run(sim::daily(h), 86400);
        over_hourly += rh.inflation_share > 0.01;
        over_daily += rd.inflation_share > 0.01;
        flagged_hourly += rh.inflation_share > 0;
        flagged_daily += rd.inflation_share > 0;
    }
    EXPECT_LE(over_hourly, 10);
    EXPECT_LE(over_daily, 10);
    std::printf("[stationary] share > 1%%: hourly %d/200, daily %d/200; any inflation: hourly %d, daily %d\n",
                over_hourly, over_daily, flagged_hourly, flagged_daily);
}

// Same, with merges rare enough that no false episode is excused by output: the scan alone.
TEST(BurstStatistics, StationarySimulationScanOnly)
{
    int over = 0;
    for (int k = 0; k < 200; ++k) {
        sim::Rng r(static_cast<uint64_t>(k) + 5000);
        sim::Dev d = sim::random_dev(r);
        d.merges_per_token = 0;
        sim::Series h = sim::hourly(d, r, 60);
        double excess = 0;
        for (const auto& e : run(h, 3600).episodes)
            excess += e.excess_tokens;
        over += excess > 0.01 * static_cast<double>(h.total());
    }
    std::printf("[scan only] excess > 1%%: %d/200\n", over);
    EXPECT_LE(over, 10);
}

// Runs `inject` on `devs` moderate-noise developers and returns how many had at least half of the
// injected tokens reported as inflated (and no more than the total plus 50%).
template <class Inject>
int detected(int devs, uint64_t seed, int64_t width, Inject inject)
{
    int ok = 0;
    for (int k = 0; k < devs; ++k) {
        sim::Rng r(seed + static_cast<uint64_t>(k));
        sim::Dev d = moderate_dev(r);
        sim::Series h = sim::hourly(d, r, 60);
        double added = inject(h, r);
        sim::Series s = width == 86400 ? sim::daily(h) : h;
        BurstResult res = run(s, width);
        double want = added / static_cast<double>(s.total());
        ok += res.inflation_share >= 0.5 * want && res.inflation_share <= 1.5 * want + 0.01;
    }
    return ok;
}

// Property 1: spikes (hours to two days, several times baseline) with no extra merges.
// Base seeds 0/1/2/3: 48h x5 hourly 46/47/47/49, 6h x20 hourly 47/42/41/44, 48h x10 daily
// 44/47/47/46 of 50 (daily was 38/35/33/34 with the scan alone; the merge shortfall now counts).
TEST(BurstStatistics, SpikesAreInflation)
{
    int two_days = detected(50, 100, 3600, [](sim::Series& s, sim::Rng& r) { return sim::inject(s, r, 24 * 30, 48, 4 * s.mean()); });
    int six_hours = detected(50, 200, 3600, [](sim::Series& s, sim::Rng& r) { return sim::inject(s, r, 24 * 30, 6, 19 * s.mean()); });
    int daily_spike = detected(50, 300, 86400, [](sim::Series& s, sim::Rng& r) { return sim::inject(s, r, 24 * 30, 48, 9 * s.mean()); });
    std::printf("[spikes] detected 48h x5 hourly %d/50, 6h x20 hourly %d/50, 48h x10 daily %d/50\n", two_days, six_hours, daily_spike);
    EXPECT_GE(two_days, 45);
    EXPECT_GE(six_hours, 40);
    EXPECT_GE(daily_spike, 40);
}

// Property 1: drips of one to two weeks at 1.5-3x, day and night, with no extra merged output.
// 200 developers a pattern (50 left a binomial sd of ~2.5 developers around the targets, so a
// property that held on three populations failed on the fourth); the targets are the same rates
// as before: 70% at 14d x1.5, 84% at 10d x2, 90% at 7d x3, 80% daily.
// Base seeds 0/1/2/3, this method: 14d x1.5 164/170/159/166 of 200, 10d x2 171/176/180/175,
// 7d x3 195/199/198/193, daily 14d x3 195/198/196/192, 9h blocks 161/165/178/163 (its target,
// 75%, is lower: tokens - baseline is the estimate there, with the variation described below).
// History, why 1.5x is hard: every drip is found (scan p 1e-40 to 1e-190); the accounting decides.
// (1) tokens - expected baseline over a fortnight carries the natural fortnight's variation
// (~20%) and the estimate's (~10-15%), so excess / injected had sd ~0.5 at 1.5x: ~16% of drips
// fell below half whatever else was done. A day-and-night drip never goes idle, so its excess is
// now the steady-rate estimate (steady_excess in burst.cpp), which does not carry that variation.
// (2) The old sprint rule excused an excursion whose merges merely reached the likelihood-ratio
// midpoint between "inflated" and "proportional"; with few merges that excused one 1.5-2x drip in
// four. Now the extra output must be significant; otherwise the merges buy back the ML fraction.
// Old figures (50 a pattern, seeds 0-3): 14d x1.5 38/39/29/28, 10d x2 37/44/43/46.
TEST(BurstStatistics, DripsAreInflation)
{
    auto steady = [](size_t days, double extra) {
        return [=](sim::Series& s, sim::Rng& r) { return sim::inject(s, r, 24 * 25, 24 * days, extra * s.mean()); };
    };
    int x15 = detected(200, 40000, 3600, steady(14, 0.5));
    int x2 = detected(200, 50000, 3600, steady(10, 1.0));
    int x3 = detected(200, 60000, 3600, steady(7, 2.0));
    int daily3 = detected(200, 70000, 86400, steady(14, 2.0));
    // Not day and night: the extra use of the 10d x2 drip packed into nine hours a day (08:00-17:00
    // UTC), so the episode has idle nights and the steady-rate estimate does not apply.
    int blocks = detected(200, 80000, 3600, [](sim::Series& s, sim::Rng& r) {
        double added = 0, extra = 24.0 / 9.0 * s.mean();
        for (size_t day = 25; day < 35; ++day)
            added += sim::inject(s, r, 24 * day + 8, 9, extra);
        return added;
    });
    std::printf("[drips] of 200: 14d x1.5 %d, 10d x2 %d, 7d x3 %d hourly; 14d x3 daily %d; 10d x2 in 9h blocks %d\n", x15,
                x2, x3, daily3, blocks);
    EXPECT_GE(x15, 140);
    EXPECT_GE(x2, 168);
    EXPECT_GE(x3, 180);
    EXPECT_GE(daily3, 160);
    EXPECT_GE(blocks, 150);
}

// Property 2: a sprint with merges up in proportion is not inflation.
TEST(BurstStatistics, SprintWithProportionalMergesIsNotInflation)
{
    int clean = 0, detected_as_episode = 0;
    for (int k = 0; k < 50; ++k) {
        sim::Rng r(800 + static_cast<uint64_t>(k));
        sim::Dev d = moderate_dev(r);
        sim::Series h = sim::hourly(d, r, 60);
        // One week at 4x: extra tokens every working hour, merges drawn at the usual rate.
        for (size_t i = 24 * 28; i < 24 * 35; ++i) {
            int64_t extra = sim::inject(h, r, i, 1, 3 * h.mean());
            h.merges[i] += r.poisson(static_cast<double>(extra) * d.merges_per_token);
        }
        BurstResult res = run(h, 3600);
        clean += res.inflation_share <= 0.01;
        detected_as_episode += !res.episodes.empty();
    }
    std::printf("[sprint] share <= 1%%: %d/50 (seen as excursions: %d/50)\n", clean, detected_as_episode);
    EXPECT_GE(clean, 45);
    EXPECT_GE(detected_as_episode, 40);  // it is an excursion, just an explained one
}

// Property 3: a stable pattern is baseline. Nightly automation only, every night.
// No merges here, so an episode needs scan p <= k = 0.0025. Base seeds 0/1/2/3: 0/0/0/0 hourly and
// daily. Were 1/0/0/0 hourly, 0/1/0/0 daily: (seed 0, hourly) the day-effect correlation rho was
// fitted against unit-floored variances, so quiet night hours' slack hid it (rho = 0) and an
// ordinary busy working day scored p 4.7e-5 (true chance of such a day in 90: ~2%); (seed 1,
// daily) log(job + human use) is right-skewed and the symmetric log-normal tail was 7-15x too
// thin (scan p 2.2e-4, true chance of such a two-day run in 90 days: ~0.9%).
TEST(BurstStatistics, NightlyAutomationIsBaseline)
{
    int over_h = 0, over_d = 0;
    for (int k = 0; k < 20; ++k) {
        sim::Rng r(900 + static_cast<uint64_t>(k));
        sim::Dev d = sim::random_dev(r);
        d.automation = true;
        d.auto_level = d.level * 20;
        d.merges_per_token = 0;  // automation delivers no merges: nothing may excuse a false alarm
        sim::Series h = sim::hourly(d, r, 90);
        double sh = run(h, 3600).inflation_share, sd = run(sim::daily(h), 86400).inflation_share;
        over_h += sh > 0.01;
        over_d += sd > 0.01;
        EXPECT_LE(sh, 0.01) << "developer " << k << " hourly";
        EXPECT_LE(sd, 0.01) << "developer " << k << " daily";
    }
    std::printf("[nightly] share > 1%%: hourly %d/20, daily %d/20\n", over_h, over_d);
}

// Property 3 and 4: a heavy steady user; explicit day/night and weekday/weekend rhythm.
TEST(BurstStatistics, HeavyUsersAndRhythmsAreBaseline)
{
    int over = 0;
    for (int k = 0; k < 40; ++k) {
        sim::Rng r(1000 + static_cast<uint64_t>(k));
        sim::Dev d;
        d.level = 2e5;
        d.sigma = 0.9;
        d.p_work = k % 2 ? 0.98 : 0.6;
        d.p_evening = k % 2 ? 0.7 : 0.05;
        d.p_night = k % 2 ? 0.3 : 0.0;
        d.weekend = k % 2 ? 0.9 : 0.0;  // heavy every day, or a strict weekday rhythm
        d.merges_per_token = 0;
        sim::Series h = sim::hourly(d, r, 120);
        over += run(h, 3600).inflation_share > 0.01;
        over += run(sim::daily(h), 86400).inflation_share > 0.01;
    }
    std::printf("[heavy] share > 1%%: %d/80\n", over);
    EXPECT_LE(over, 3);
}

// Property 4b: a light user, a handful of merges in two months, then a 50x day with nothing merged.
// Hourly buckets: every one of 100 is flagged with at least 80% of the injected tokens. Daily
// buckets (the SQL default): base seeds 0/1/2/3 flag 81/81/84/76 of 100 (target 75%, below the lowest of the four; 17/18/18/16 of
// 20 before this test had 100 developers, 7/14/6/4 before the hurdle model). What the missed days
// look like: day 40 is a Saturday the developer is never active on; 50x the DAILY MEAN is only
// 14-35x the median active day, and a light user's active days (one to three active hours each)
// have a log-scale sd of ~1.1, so the day is 2.6-3.4 sd above their own active days, with an
// activity-rate estimate of ~0.04 for weekends (0 of 16, shrunk); after 60 days x 5 window lengths
// that is scan p ~0.1, and 5 merges in two months give a merge p of only 0.05-0.2. Neither piece
// of evidence is strong enough at significance 0.01; the hourly series, which sees nine active
// hours where the developer is never active, is.
TEST(BurstStatistics, LightUserFiftyTimesDayIsFlagged)
{
    int hit_h = 0, hit_d = 0;
    for (int k = 0; k < 100; ++k) {
        sim::Rng r(1100 + static_cast<uint64_t>(k));
        sim::Dev d;
        d.level = 3000;
        d.sigma = 0.8;
        d.p_work = 0.08;
        d.p_evening = 0.01;
        d.p_night = 0.0;
        d.weekend = 0.0;
        d.merges_per_token = 0;
        sim::Series h = sim::hourly(d, r, 60);
        // Five merges spread over the two months.
        for (int m = 0; m < 5; ++m)
            h.merges[static_cast<size_t>(24 * (3 + 11 * m) + 14)] += 1;
        double daily_mean = static_cast<double>(h.total()) / 60.0;
        // Day 40: fifty times the usual daily use, over the working hours, nothing merged.
        double added = 0;
        for (int hour = 9; hour < 18; ++hour)
            added += sim::inject(h, r, 24 * 40 + hour, 1, 50 * daily_mean / 9);
        for (int width : {3600, 86400}) {
            sim::Series s = width == 3600 ? h : sim::daily(h);
            BurstResult res = run(s, width);
            bool ok = res.inflation_share >= 0.8 * added / static_cast<double>(s.total()) && !res.episodes.empty() &&
                      res.episodes[0].merged_changes == 0;
            (width == 3600 ? hit_h : hit_d) += ok;
            if (width == 3600) {
                EXPECT_TRUE(ok) << "developer " << k << " hourly";
            }
        }
    }
    std::printf("[light user] 50x day flagged: hourly %d/100, daily %d/100\n", hit_h, hit_d);
    EXPECT_EQ(hit_h, 100);
    EXPECT_GE(hit_d, 75);
}

// A developer who never merges anything: the 50x day is inflation, not "usual efficiency".
TEST(BurstStatistics, NoMergesEverStillFlagsTheBurst)
{
    sim::Series s;
    s.first = sim::kMonday;
    s.tokens.assign(60, 0);
    s.merges.assign(60, 0);
    sim::Rng r(3);
    for (size_t i = 0; i < 60; ++i)
        if (i % 7 < 5)
            s.tokens[i] = std::llround(10000 * std::exp(0.5 * r.normal()));
    s.tokens[40] += 500000;
    BurstResult res = run(s, 86400);
    EXPECT_GT(res.inflation_share, 0.4);
    ASSERT_EQ(res.episodes.size(), 1u);
    EXPECT_EQ(res.episodes[0].start_bucket, sim::kMonday + 40);
    EXPECT_EQ(res.episodes[0].end_bucket, sim::kMonday + 40);
}

// Episodes explain the share: fields are consistent with the series.
TEST(BurstStatistics, EpisodesAreConsistent)
{
    sim::Rng r(4242);
    sim::Dev d = moderate_dev(r);
    sim::Series h = sim::hourly(d, r, 60);
    sim::inject(h, r, 24 * 20, 24, 6 * h.mean());
    sim::inject(h, r, 24 * 40, 240, 1.5 * h.mean());
    BurstResult res = run(h, 3600);
    ASSERT_GE(res.episodes.size(), 2u);
    double inflated = 0;
    int64_t prev_end = INT64_MIN;
    for (const auto& e : res.episodes) {
        EXPECT_LE(e.start_bucket, e.end_bucket);
        EXPECT_GT(e.start_bucket, prev_end);
        prev_end = e.end_bucket;
        int64_t tok = 0;
        for (int64_t b = e.start_bucket; b <= e.end_bucket; ++b)
            tok += h.tokens[static_cast<size_t>(b - h.first)];
        EXPECT_EQ(tok, e.tokens);
        EXPECT_GE(e.excess_tokens, 0);
        EXPECT_LE(e.inflated_tokens, e.excess_tokens);
        EXPECT_GE(e.inflated_tokens, 0);
        EXPECT_GE(e.p_value, 0);
        EXPECT_LE(e.p_value, 0.01);
        EXPECT_GE(e.merge_p_value, 0);
        EXPECT_LE(e.merge_p_value, 1);
        EXPECT_GE(e.expected_merged_changes, 0);
        EXPECT_NEAR(e.excess_tokens, std::max(0.0, static_cast<double>(e.tokens) - e.baseline_tokens), 1e-6 * static_cast<double>(e.tokens));
        inflated += e.inflated_tokens;
    }
    // Between the bounds, the merges buy back exactly what they pay for at the usual rate
    // (maximum-likelihood credit): inflated = (expected - merged) / rate, expected being the
    // usual rate times the tokens of the episode and its horizon. Checked for episodes that form
    // a group of their own (more than a horizon, 72 buckets, from the others).
    int checked = 0;
    for (size_t k = 0; k < res.episodes.size(); ++k) {
        const auto& e = res.episodes[k];
        bool alone = (k == 0 || res.episodes[k - 1].end_bucket + 72 < e.start_bucket) &&
                     (k + 1 == res.episodes.size() || e.end_bucket + 72 < res.episodes[k + 1].start_bucket);
        if (!alone || !(e.inflated_tokens > 0) || !(e.inflated_tokens < e.excess_tokens))
            continue;
        ++checked;
        double paid_for = (e.expected_merged_changes - static_cast<double>(e.merged_changes)) / res.usual_merges_per_token;
        EXPECT_NEAR(e.inflated_tokens, paid_for, 1e-6 * static_cast<double>(e.tokens));
    }
    EXPECT_GE(checked, 1);
    EXPECT_DOUBLE_EQ(res.inflated_tokens, inflated);
    EXPECT_DOUBLE_EQ(res.inflation_share, inflated / static_cast<double>(h.total()));
}

// Missing buckets inside the span are zero use: leaving out zero rows changes nothing.
TEST(BurstStatistics, GapsAreZeroUse)
{
    sim::Rng r(31);
    sim::Series h = sim::hourly(sim::random_dev(r), r, 60);
    sim::inject(h, r, 24 * 30, 12, 20 * h.mean());
    BurstAccumulator sparse;
    for (size_t i = 0; i < h.tokens.size(); ++i)
        if (h.tokens[i] != 0 || h.merges[i] != 0 || i == 0 || i + 1 == h.tokens.size())
            sparse.add(h.first + static_cast<int64_t>(i), h.tokens[i], h.merges[i]);
    BurstResult a = analyze(sparse, default_params(3600)), b = run(h, 3600);
    EXPECT_EQ(a.inflation_share, b.inflation_share);
    EXPECT_EQ(a.episodes.size(), b.episodes.size());
}

// ------------------------------------------------------------------------------------------
// Window score

// The documented formula, computed the slow way from a plain list (current = last element).
double brute_score(const std::vector<int64_t>& frame)
{
    if (frame.size() < 2)
        return 0.0;
    int64_t cur = frame.back();
    std::vector<double> act;
    size_t rest = frame.size() - 1;
    for (size_t i = 0; i + 1 < frame.size(); ++i)
        if (frame[i] > 0)
            act.push_back(std::log(static_cast<double>(frame[i])));
    double p = (static_cast<double>(act.size()) + 0.5) / (static_cast<double>(rest) + 1.0);
    if (cur == 0)
        return std::max(-8.0, uv::math::normal_quantile((1 - p) / 2));
    double lz = 0;
    if (!act.empty()) {
        std::sort(act.begin(), act.end());
        size_t m = act.size();
        double med = m % 2 ? act[m / 2] : 0.5 * (act[m / 2 - 1] + act[m / 2]);
        std::vector<double> dev;
        for (double x : act)
            dev.push_back(std::fabs(x - med));
        std::sort(dev.begin(), dev.end());
        double mad = m % 2 ? dev[m / 2] : 0.5 * (dev[m / 2 - 1] + dev[m / 2]);
        double s = 1.4826 * mad;
        double sigma = std::sqrt((m * s * s + 2.0) / (m + 2.0));
        lz = (std::log(static_cast<double>(cur)) - med) / sigma;
    }
    double upper = p * uv::math::normal_upper_tail(lz);
    if (!(upper > 1e-300))
        return 8.0;
    return std::min(8.0, std::max(-8.0, -uv::math::normal_quantile(upper)));
}

TEST(WindowScore, SlidingFrameMatchesBruteForce)
{
    sim::Rng r(12);
    for (size_t frame_len : {1u, 2u, 3u, 8u, 25u, 168u}) {
        WindowScore ws;
        std::deque<int64_t> frame;
        for (int i = 0; i < 1500; ++i) {
            int64_t v = 0;
            double u = r.uniform();
            if (u < 0.5)
                v = 0;
            else if (u < 0.6)
                v = 1000;  // ties
            else
                v = std::llround(std::exp(8 + 1.5 * r.normal()));
            if (frame.size() == frame_len) {
                ws.remove(frame.front());  // rows leave in arrival order
                frame.pop_front();
            }
            ws.add(v);
            frame.push_back(v);
            double expect = brute_score(std::vector<int64_t>(frame.begin(), frame.end()));
            ASSERT_NEAR(ws.score(), expect, 1e-9) << "frame " << frame_len << " step " << i;
            ASSERT_EQ(ws.size(), frame.size());
        }
    }
}

TEST(WindowScore, NotBlindNextToZeros)
{
    // Mostly zeros (nights, weekends) with ordinary activity: a typical active hour is
    // unremarkable-to-mild, a 50x hour is very surprising, a zero is unremarkable.
    sim::Rng r(2);
    WindowScore ws;
    for (int i = 0; i < 167; ++i)
        ws.add(i % 24 >= 9 && i % 24 < 17 ? std::llround(5000 * std::exp(0.7 * r.normal())) : 0);
    WindowScore typical = ws, huge = ws, zero = ws;
    typical.add(5000);
    huge.add(250000);
    zero.add(0);
    EXPECT_LT(std::fabs(zero.score()), 0.5);
    EXPECT_GT(typical.score(), 0.0);
    EXPECT_LT(typical.score(), 2.0);
    EXPECT_GT(huge.score(), 4.0);
    // All zeros before: any activity is surprising, and the score stays finite.
    WindowScore quiet;
    for (int i = 0; i < 100; ++i)
        quiet.add(0);
    quiet.add(7);
    EXPECT_GT(quiet.score(), 2.0);
    EXPECT_TRUE(std::isfinite(quiet.score()));
}

TEST(WindowScore, ZeroMadAndTinyFramesAreFinite)
{
    WindowScore empty;
    EXPECT_EQ(empty.score(), 0.0);
    WindowScore one;
    one.add(123);
    EXPECT_EQ(one.score(), 0.0);  // nothing to compare with
    WindowScore same;
    for (int i = 0; i < 50; ++i)
        same.add(1000);  // automation: identical values, MAD 0
    EXPECT_TRUE(std::isfinite(same.score()));
    EXPECT_LT(std::fabs(same.score()), 3.0);
    same.add(INT64_MAX);
    EXPECT_EQ(same.score(), 8.0);
    same.add(1);
    EXPECT_TRUE(std::isfinite(same.score()));
    EXPECT_LT(same.score(), 0.0);
    // The current row removed by the caller: no current value, score 0.
    WindowScore gone;
    gone.add(5);
    gone.add(9);
    gone.remove(9);
    EXPECT_EQ(gone.score(), 0.0);
}

TEST(WindowScore, BadInput)
{
    WindowScore ws;
    EXPECT_EQ(kind_of([&] { ws.add(-1); }), ErrorKind::OutOfRange);
    EXPECT_EQ(kind_of([&] { ws.remove(5); }), ErrorKind::Internal);
    EXPECT_EQ(kind_of([&] { ws.remove(0); }), ErrorKind::Internal);
    EXPECT_EQ(kind_of([&] { ws.remove(-3); }), ErrorKind::Internal);
    EXPECT_EQ(ws.size(), 0u);
}

}  // namespace

// ------------------------------------------------------------------------------------------
// Value, not count (issue 10): merged output is credited by its value.

namespace {

using namespace uv::burst;

// A daily series with every counted merge a change of value 1, plus extra rows (bucket offset,
// changes, value) for changes merged on top.
struct ExtraRow {
    size_t day;
    int64_t changes;
    double value;
};

BurstAccumulator accumulate_valued(const sim::Series& s, const std::vector<ExtraRow>& extra)
{
    BurstAccumulator a;
    for (size_t i = 0; i < s.tokens.size(); ++i)
        a.add(s.first + static_cast<int64_t>(i), s.tokens[i], s.merges[i], static_cast<double>(s.merges[i]));
    for (const auto& x : extra)
        a.add(s.first + static_cast<int64_t>(x.day), 0, x.changes, x.value);
    return a;
}

BurstAccumulator accumulate_counted(const sim::Series& s, const std::vector<ExtraRow>& extra)
{
    BurstAccumulator a = accumulate(s);
    for (const auto& x : extra)
        a.add(s.first + static_cast<int64_t>(x.day), 0, x.changes);
    return a;
}

// Twenty trivial changes (value 0.01-0.02) merged in the two spike days and the three-day horizon.
std::vector<ExtraRow> trivial_changes(sim::Rng& r, size_t spike_day)
{
    std::vector<ExtraRow> v;
    for (int j = 0; j < 20; ++j)
        v.push_back({spike_day + static_cast<size_t>(j % 5), 1, r.uniform(0.01, 0.02)});
    return v;
}

void expect_same_result(const BurstResult& a, const BurstResult& b)
{
    EXPECT_EQ(a.inflation_share, b.inflation_share);
    EXPECT_EQ(a.inflated_tokens, b.inflated_tokens);
    EXPECT_EQ(a.usual_merges_per_token, b.usual_merges_per_token);
    ASSERT_EQ(a.episodes.size(), b.episodes.size());
    for (size_t k = 0; k < a.episodes.size(); ++k) {
        const Episode &x = a.episodes[k], &y = b.episodes[k];
        EXPECT_EQ(x.start_bucket, y.start_bucket);
        EXPECT_EQ(x.end_bucket, y.end_bucket);
        EXPECT_EQ(x.merged_changes, y.merged_changes);
        EXPECT_EQ(x.merged_value, y.merged_value);
        EXPECT_EQ(x.expected_merged_changes, y.expected_merged_changes);
        EXPECT_EQ(x.expected_merged_value, y.expected_merged_value);
        EXPECT_EQ(x.inflated_tokens, y.inflated_tokens);
        EXPECT_EQ(x.p_value, y.p_value);
        EXPECT_EQ(x.merge_p_value, y.merge_p_value);
    }
}

}  // namespace

// (a) The attack of issue 10: an 8x two-day spike (daily buckets, the SQL default), once with
// nothing merged on top and once with 20 trivial changes (0.01-0.02 each) merged in the episode
// and its three-day credit window. Counted, the 20 changes buy the spike back; valued, they add
// 0.2-0.4 units of credit. Measured over 50 developers (base seed 0): see the printed line and
// NOTES-burst.md.
TEST(BurstValue, TrivialChangesDoNotBuyBackASpike)
{
    double without_total = 0, with_total = 0, counted_total = 0;
    int flagged_without = 0, flagged_with = 0, flagged_counted = 0, below = 0, devs = 0;
    for (int k = 0; k < 50; ++k) {
        sim::Rng r(7000 + static_cast<uint64_t>(k));
        sim::Dev d = moderate_dev(r);
        sim::Series h = sim::hourly(d, r, 60);
        const double added = sim::inject(h, r, 24 * 30, 48, 7 * h.mean());
        const sim::Series s = sim::daily(h);
        const auto trivial = trivial_changes(r, 30);
        const BurstParams p = default_params(86400);
        const double without = analyze(accumulate_valued(s, {}), p).inflated_tokens;
        const double with = analyze(accumulate_valued(s, trivial), p).inflated_tokens;
        const double counted = analyze(accumulate_counted(s, trivial), p).inflated_tokens;
        without_total += without;
        with_total += with;
        counted_total += counted;
        flagged_without += without >= 0.5 * added;
        flagged_with += with >= 0.5 * added;
        flagged_counted += counted >= 0.5 * added;
        ++devs;
        if (with < 0.8 * without) {
            ++below;
            ADD_FAILURE() << "developer " << k << ": charged " << with << " with trivial changes, " << without << " without";
        }
    }
    std::printf("[value attack] 8x two-day spike, daily: flagged (>= half the injected tokens) %d/%d without merges, "
                "%d/%d with 20 trivial changes valued, %d/%d counted; inflated tokens with / without: valued %.3f, "
                "counted %.3f\n",
                flagged_without, devs, flagged_with, devs, flagged_counted, devs, with_total / without_total,
                counted_total / without_total);
    EXPECT_EQ(below, 0);
    EXPECT_GE(with_total, 0.8 * without_total);
}

// (b) An honest sprint: the same spike with changes of typical value (1 each) in proportion to
// the extra tokens, and with 20 real changes: credited as by the count path (bit for bit, weights
// of 1), so sprints are excused or bought back as before.
TEST(BurstValue, RealChangesStillPayForASprint)
{
    int excused = 0, devs = 0;
    double real20_share = 0, trivial20_share = 0;
    for (int k = 0; k < 50; ++k) {
        sim::Rng r(7100 + static_cast<uint64_t>(k));
        sim::Dev d = moderate_dev(r);
        sim::Series h = sim::hourly(d, r, 60);
        const double added = sim::inject(h, r, 24 * 30, 48, 7 * h.mean());
        sim::Series s = sim::daily(h);
        const BurstParams p = default_params(86400);
        // Proportional: Poisson(extra tokens x usual merges per token), spread over the two days.
        sim::Series sprint = s;
        sprint.merges[30] += r.poisson(0.5 * added * d.merges_per_token);
        sprint.merges[31] += r.poisson(0.5 * added * d.merges_per_token);
        const BurstResult valued = analyze(accumulate_valued(sprint, {}), p);
        expect_same_result(valued, analyze(accumulate(sprint), p));
        excused += valued.inflated_tokens <= 0.1 * added;
        ++devs;
        // Twenty real changes vs twenty trivial ones in the same window.
        std::vector<ExtraRow> real;
        for (int j = 0; j < 20; ++j)
            real.push_back({30 + static_cast<size_t>(j % 5), 1, 1.0});
        const BurstResult with_real = analyze(accumulate_valued(s, real), p);
        expect_same_result(with_real, analyze(accumulate_counted(s, real), p));
        real20_share += with_real.inflated_tokens / added;
        trivial20_share += analyze(accumulate_valued(s, trivial_changes(r, 30)), p).inflated_tokens / added;
    }
    std::printf("[value sprint] proportional sprint charged <= 10%% of its extra tokens: %d/%d; mean charged share "
                "of the injected tokens with 20 real changes %.3f, with 20 trivial ones %.3f\n",
                excused, devs, real20_share / devs, trivial20_share / devs);
    EXPECT_GE(excused, 40);
    EXPECT_LT(real20_share, trivial20_share);
}

// (c) The counted path is unchanged: weights of 1 through the valued path give bit-identical
// results, on hourly and daily series with drips, spikes and sprints.
TEST(BurstValue, WeightsOfOneEqualTheCountPath)
{
    for (int k = 0; k < 12; ++k) {
        sim::Rng r(7200 + static_cast<uint64_t>(k));
        sim::Dev d = moderate_dev(r);
        sim::Series h = sim::hourly(d, r, 60);
        sim::inject(h, r, 24 * 20, 24 * (k % 3 + 1), (2 + k) * h.mean());
        if (k % 4 == 0)
            for (size_t i = 24 * 20; i < 24 * 22; ++i)
                h.merges[i] += r.poisson(3 * h.tokens[i] * d.merges_per_token);
        for (int width : {3600, 86400}) {
            const sim::Series s = width == 3600 ? h : sim::daily(h);
            const BurstParams p = default_params(width);
            expect_same_result(analyze(accumulate_valued(s, {}), p), analyze(accumulate(s), p));
        }
    }
}

// (d) Few heavy changes vs many light ones of the same total value: an honest sprint (4x for three
// days, output in proportion) where each day's changes are merged as one change carrying the
// day's value. Value, rate, expected value and the ML credit are the same; only the dispersion c
// (and so the effective counts) differs: the sprint test (merges significantly above what the
// baseline tokens deliver) is less certain with heavy changes, so fewer sprints are excused
// outright, and those not excused are charged only what their value does not buy back. Observed
// over 60 developers (base seed 0): see the printed line and NOTES-burst.md.
TEST(BurstValue, HeavyChangesAreLessCertainThanLightOnes)
{
    int excused_light = 0, excused_heavy = 0, reported_light = 0, reported_heavy = 0;
    double charged_light = 0, charged_heavy = 0;
    for (int k = 0; k < 60; ++k) {
        sim::Rng r(7300 + static_cast<uint64_t>(k));
        sim::Dev d = moderate_dev(r);
        d.merges_per_token *= 3;  // a productive developer: a few changes a day
        sim::Series h = sim::hourly(d, r, 60);
        const double added = sim::inject(h, r, 24 * 30, 72, 3 * h.mean());
        for (size_t i = 24 * 30; i < 24 * 33; ++i)
            h.merges[i] = r.poisson(static_cast<double>(h.tokens[i]) * d.merges_per_token);
        const sim::Series s = sim::daily(h);
        BurstAccumulator light, heavy;
        for (size_t i = 0; i < s.tokens.size(); ++i) {
            const int64_t b = s.first + static_cast<int64_t>(i);
            const double v = static_cast<double>(s.merges[i]);
            light.add(b, s.tokens[i], s.merges[i], v);
            heavy.add(b, s.tokens[i], s.merges[i] > 0 ? 1 : 0, v);
        }
        const BurstParams p = default_params(86400);
        const BurstResult rl = analyze(light, p), rh = analyze(heavy, p);
        auto excused = [](const BurstResult& x) {
            for (const auto& e : x.episodes)
                if (e.excess_tokens > 0 && e.inflated_tokens == 0)
                    return true;
            return false;
        };
        excused_light += excused(rl);
        excused_heavy += excused(rh);
        reported_light += !rl.episodes.empty();
        reported_heavy += !rh.episodes.empty();
        charged_light += rl.inflated_tokens / added;
        charged_heavy += rh.inflated_tokens / added;
    }
    std::printf("[value heavy] honest 4x three-day sprint, 60 developers: reported light %d, heavy %d; excused as a "
                "sprint light %d, heavy %d; mean charged share of the extra tokens light %.3f, heavy %.3f\n",
                reported_light, reported_heavy, excused_light, excused_heavy, charged_light / 60, charged_heavy / 60);
    EXPECT_LT(excused_heavy, excused_light);
}
