// usage_summary: arithmetic, overflow, and every encoding against malformed input.
#include "summary.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

namespace {

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();

template <typename F>
uv::ErrorKind error_kind_of(F&& f)
{
    try {
        f();
    } catch (const uv::Error& e) {
        return e.kind();
    }
    ADD_FAILURE() << "no uv::Error thrown";
    return uv::ErrorKind::Internal;
}

}  // namespace

TEST(Summary, AddsRowsAndSummaries)
{
    uv::UsageSummary a;
    uv::add_usage(a, 100, 1);
    uv::add_usage(a, 250, 0);
    EXPECT_EQ(a, (uv::UsageSummary{2, 350, 1}));
    uv::UsageSummary b{4, 50, 2};
    uv::add_summary(a, b);
    EXPECT_EQ(a, (uv::UsageSummary{6, 400, 3}));
    uv::remove_usage(a, 250, 0);
    EXPECT_EQ(a, (uv::UsageSummary{5, 150, 3}));
}

TEST(Summary, RejectsNegativeCountsNamingTheArgument)
{
    uv::UsageSummary s{1, 10, 1};
    try {
        uv::add_usage(s, -1, 0);
        FAIL();
    } catch (const uv::Error& e) {
        EXPECT_EQ(e.kind(), uv::ErrorKind::OutOfRange);
        EXPECT_NE(std::string(e.what()).find("tokens"), std::string::npos);
    }
    try {
        uv::add_usage(s, 0, -3);
        FAIL();
    } catch (const uv::Error& e) {
        EXPECT_NE(std::string(e.what()).find("merged_changes"), std::string::npos);
    }
    EXPECT_EQ(s, (uv::UsageSummary{1, 10, 1})) << "a rejected row leaves the summary unchanged";
}

TEST(Summary, OverflowIsAnErrorAndLeavesTheSummaryUnchanged)
{
    uv::UsageSummary s{1, kMax - 5, 7};
    EXPECT_EQ(error_kind_of([&] { uv::add_usage(s, 6, 1); }), uv::ErrorKind::OutOfRange);
    EXPECT_EQ(s, (uv::UsageSummary{1, kMax - 5, 7}));
    uv::add_usage(s, 5, 0);
    EXPECT_EQ(s.tokens, kMax);
    EXPECT_EQ(s.rows, 2);
    uv::UsageSummary m{1, 0, kMax};
    EXPECT_EQ(error_kind_of([&] { uv::add_summary(m, uv::UsageSummary{1, 0, 1}); }), uv::ErrorKind::OutOfRange);
}

TEST(Summary, StoredWireAndTextFormsRoundTrip)
{
    std::mt19937_64 rng(7);
    std::uniform_int_distribution<int64_t> any(0, kMax);
    for (int i = 0; i < 1000; ++i) {
        const uv::UsageSummary s{i < 3 ? kMax - i : any(rng) | 1, i < 3 ? int64_t(i) : any(rng), i < 3 ? kMax - i : any(rng)};
        uint8_t stored[uv::kStoredSummaryMaxSize];
        ASSERT_EQ(uv::to_stored(s, stored), uv::kStoredSummarySize) << "an unweighted summary is stored as version 1";
        EXPECT_EQ(uv::from_stored(stored, uv::kStoredSummarySize), s);
        const auto wire = uv::to_wire(s);
        EXPECT_EQ(uv::from_wire(wire.data(), wire.size()), s);
        EXPECT_EQ(uv::from_text(uv::to_text(s).c_str()), s);
    }
}

TEST(Summary, TextFormIsStableAndTolerantOfBlanks)
{
    EXPECT_EQ(uv::to_text(uv::UsageSummary{1, 123, 4}), "(version:1,rows:1,tokens:123,merged_changes:4)");
    EXPECT_EQ(uv::from_text(" ( version : 1 , rows : 1 , tokens:9,\tmerged_changes : 0 ) "), (uv::UsageSummary{1, 9, 0}));
}

TEST(Summary, MalformedTextIsRejected)
{
    const char* bad[] = {
        "",
        "()",
        "(version:1,rows:1,tokens:1)",
        "(version:1,tokens:1,merged_changes:1)",
        "(version:1,rows:0,tokens:1,merged_changes:0)",
        "(version:1,rows:0,tokens:0,merged_changes:1)",
        "(version:2,tokens:1,merged_changes:1)",
        "(version:1,tokens:-1,merged_changes:1)",
        "(version:1,rows:1,tokens:1,merged_changes:1)x",
        "(version:1,merged_changes:1,tokens:1)",
        "(version:1,tokens:1.5,merged_changes:1)",
        "(version:1,rows:1,tokens:9223372036854775808,merged_changes:1)",
        "(version:1,rows:1,tokens:99999999999999999999999,merged_changes:1)",
        "(version:1,rows:1,tokens:,merged_changes:1)",
        "version:1,tokens:1,merged_changes:1",
        "(version:1,tokens:1,merged_changes:1",
    };
    for (const char* text : bad) {
        SCOPED_TRACE(text);
        const uv::ErrorKind kind = error_kind_of([&] { uv::from_text(text); });
        EXPECT_TRUE(kind == uv::ErrorKind::InvalidText || kind == uv::ErrorKind::OutOfRange);
    }
}

TEST(Summary, MalformedBytesAreRejected)
{
    uint8_t stored[uv::kStoredSummarySize];
    {
        uint8_t buffer[uv::kStoredSummaryMaxSize];
        ASSERT_EQ(uv::to_stored(uv::UsageSummary{1, 5, 1}, buffer), sizeof stored);
        std::memcpy(stored, buffer, sizeof stored);
    }
    EXPECT_EQ(error_kind_of([&] { uv::from_stored(stored, 0); }), uv::ErrorKind::InvalidBinary);
    EXPECT_EQ(error_kind_of([&] { uv::from_stored(stored, sizeof stored - 1); }), uv::ErrorKind::InvalidBinary);
    uint8_t corrupt[uv::kStoredSummarySize];
    std::memcpy(corrupt, stored, sizeof stored);
    corrupt[0] = 9;  // unknown version
    EXPECT_EQ(error_kind_of([&] { uv::from_stored(corrupt, sizeof corrupt); }), uv::ErrorKind::InvalidBinary);
    std::memcpy(corrupt, stored, sizeof stored);
    corrupt[2] = 1;  // reserved byte
    EXPECT_EQ(error_kind_of([&] { uv::from_stored(corrupt, sizeof corrupt); }), uv::ErrorKind::InvalidBinary);
    std::memcpy(corrupt, stored, sizeof stored);
    corrupt[19] = 0x80;  // negative tokens (little-endian sign byte)
    EXPECT_EQ(error_kind_of([&] { uv::from_stored(corrupt, sizeof corrupt); }), uv::ErrorKind::InvalidBinary);
    std::memcpy(corrupt, stored, sizeof stored);
    corrupt[4] = 0;  // zero rows but non-zero counts
    EXPECT_EQ(error_kind_of([&] { uv::from_stored(corrupt, sizeof corrupt); }), uv::ErrorKind::InvalidBinary);

    auto wire = uv::to_wire(uv::UsageSummary{1, 5, 1});
    EXPECT_EQ(error_kind_of([&] { uv::from_wire(wire.data(), wire.size() - 1); }), uv::ErrorKind::InvalidBinary);
    std::vector<uint8_t> longer(wire.begin(), wire.end());
    longer.push_back(0);
    EXPECT_EQ(error_kind_of([&] { uv::from_wire(longer.data(), longer.size()); }), uv::ErrorKind::InvalidBinary);
    wire[17] = 0xff;  // negative merged_changes (big-endian sign byte)
    EXPECT_EQ(error_kind_of([&] { uv::from_wire(wire.data(), wire.size()); }), uv::ErrorKind::InvalidBinary);
}

TEST(Summary, RandomMutationsNeverCrashAndDecodeOnlyValidValues)
{
    // Flip, truncate and extend valid encodings; whatever decodes must be a valid summary.
    std::mt19937_64 rng(2026);
    const auto wire = uv::to_wire(uv::UsageSummary{1, 123456789, 42});
    const std::string text = uv::to_text(uv::UsageSummary{1, 123456789, 42});
    for (int i = 0; i < 20000; ++i) {
        std::vector<uint8_t> bytes(wire.begin(), wire.end());
        std::string t = text;
        for (int m = 0; m < 1 + int(rng() % 4); ++m) {
            switch (rng() % 3) {
                case 0: bytes[rng() % bytes.size()] ^= uint8_t(1u << (rng() % 8)); t[rng() % t.size()] = char(rng() % 128 + 1); break;
                case 1: bytes.resize(rng() % bytes.size() + 1); t.resize(rng() % t.size() + 1); break;
                default: bytes.push_back(uint8_t(rng())); t.push_back(char(rng() % 128 + 1)); break;
            }
        }
        try {
            const uv::UsageSummary s = uv::from_wire(bytes.data(), bytes.size());
            EXPECT_GE(s.tokens, 0);
            EXPECT_GE(s.merged_changes, 0);
        } catch (const uv::Error& e) {
            EXPECT_EQ(e.kind(), uv::ErrorKind::InvalidBinary);
        }
        try {
            const uv::UsageSummary s = uv::from_text(t.c_str());
            EXPECT_GE(s.tokens, 0);
            EXPECT_GE(s.merged_changes, 0);
        } catch (const uv::Error& e) {
            EXPECT_TRUE(e.kind() == uv::ErrorKind::InvalidText || e.kind() == uv::ErrorKind::OutOfRange);
        }
    }
}

// ---- Weighted value (version 2) -------------------------------------------------------------

namespace {

template <typename F>
std::string error_message_of(F&& f)
{
    try {
        f();
    } catch (const uv::Error& e) {
        return e.what();
    }
    ADD_FAILURE() << "no uv::Error thrown";
    return "";
}

std::vector<uint8_t> stored_bytes(const uv::UsageSummary& s)
{
    uint8_t out[uv::kStoredSummaryMaxSize];
    const std::size_t n = uv::to_stored(s, out);
    return std::vector<uint8_t>(out, out + n);
}

void put_le(std::vector<uint8_t>& out, uint64_t v)
{
    for (int i = 0; i < 8; ++i, v >>= 8)
        out.push_back(uint8_t(v & 0xff));
}

void put_be(std::vector<uint8_t>& out, uint64_t v)
{
    for (int i = 7; i >= 0; --i)
        out.push_back(uint8_t(v >> (8 * i)));
}

uint64_t bits(double d)
{
    uint64_t b;
    std::memcpy(&b, &d, 8);
    return b;
}

}  // namespace

TEST(WeightedSummary, EachRowAddsItsValueAndTheSquareRule)
{
    uv::UsageSummary s;
    uv::add_usage(s, 100, 1, 0.5);   // one change: exact square 0.25
    uv::add_usage(s, 200, 4, 2.0);   // four changes: equal-split lower bound 2^2 / 4 = 1
    uv::add_usage(s, 50, 0, 0.75);   // review credit, no merge: one unit, 0.5625
    uv::add_usage(s, 10, 2, 0.0);    // two bot changes worth nothing
    EXPECT_EQ(s, (uv::UsageSummary{4, 360, 7, 3.25, 1.8125}));
    EXPECT_TRUE(s.weighted());
    // The unweighted row on a weighted summary adds one per change to both sums.
    uv::add_usage(s, 1, 3);
    EXPECT_EQ(s, (uv::UsageSummary{5, 361, 10, 6.25, 4.8125}));
}

TEST(WeightedSummary, UnitWeightsKeepTheSummaryUnweightedExactly)
{
    uv::UsageSummary a, b;
    const int64_t big = (int64_t(1) << 60) + 1;  // beyond double precision: still exactly unweighted
    uv::add_usage(a, 5, big);
    uv::add_usage(b, 5, big, static_cast<double>(big));
    uv::add_usage(a, 7, 3);
    uv::add_usage(b, 7, 3, 3.0);
    EXPECT_EQ(a, b);
    EXPECT_FALSE(b.weighted());
    EXPECT_EQ(stored_bytes(a), stored_bytes(b));
    EXPECT_EQ(stored_bytes(a).size(), uv::kStoredSummarySize);
    uv::UsageSummary c{1, 2, 3};
    uv::add_summary(c, uv::UsageSummary{2, 3, big});
    EXPECT_FALSE(c.weighted());
}

TEST(WeightedSummary, BadValuesAreRejectedNamingValueAndLeaveTheSummaryUnchanged)
{
    uv::UsageSummary s{1, 10, 1, 0.5, 0.25};
    const uv::UsageSummary before = s;
    for (double bad : {std::nan(""), std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity()}) {
        EXPECT_EQ(error_kind_of([&] { uv::add_usage(s, 1, 1, bad); }), uv::ErrorKind::InvalidParameter);
        EXPECT_NE(error_message_of([&] { uv::add_usage(s, 1, 1, bad); }).find("value"), std::string::npos);
    }
    EXPECT_EQ(error_kind_of([&] { uv::add_usage(s, 1, 1, -0.5); }), uv::ErrorKind::OutOfRange);
    EXPECT_NE(error_message_of([&] { uv::add_usage(s, 1, 1, -0.5); }).find("value must not be negative"), std::string::npos);
    EXPECT_EQ(error_kind_of([&] { uv::add_usage(s, -1, 1, 0.5); }), uv::ErrorKind::OutOfRange);
    EXPECT_EQ(error_kind_of([&] { uv::add_usage(s, 1, 1, 1e-200); }), uv::ErrorKind::OutOfRange) << "square underflows";
    EXPECT_EQ(error_kind_of([&] { uv::add_usage(s, 1, 1, 1e200); }), uv::ErrorKind::OutOfRange) << "square overflows";
    uv::UsageSummary full{1, 1, 1, 1.7e308, 1.0};
    EXPECT_EQ(error_kind_of([&] { uv::add_usage(full, 1, 0, 1e308); }), uv::ErrorKind::OutOfRange);
    EXPECT_EQ(error_kind_of([&] { uv::add_summary(full, full); }), uv::ErrorKind::OutOfRange);
    EXPECT_EQ(s, before);
    // Negative zero is zero, stored as +0.
    uv::add_usage(s, 0, 0, -0.0);
    EXPECT_FALSE(std::signbit(s.value));
    EXPECT_EQ(s, (uv::UsageSummary{2, 10, 1, 0.5, 0.25}));
}

TEST(WeightedSummary, NoExactInverseForWeightedSummaries)
{
    uv::UsageSummary s;
    uv::add_usage(s, 10, 1, 0.5);
    EXPECT_EQ(error_kind_of([&] { uv::remove_usage(s, 10, 1); }), uv::ErrorKind::InvalidParameter);
    uv::UsageSummary u;
    uv::add_usage(u, 10, 2, 2.0);
    uv::add_usage(u, 5, 1, 1.0);
    uv::remove_usage(u, 10, 2);
    EXPECT_EQ(u, (uv::UsageSummary{1, 5, 1}));
}

TEST(WeightedSummary, UnweightedEncodesAsVersionOneByteForByte)
{
    // Written out by hand, independent of the encoder: what 0.2.0 stored and sent.
    const uv::UsageSummary s{3, 123, 4};
    std::vector<uint8_t> stored = {1, 0, 0, 0};
    put_le(stored, 3);
    put_le(stored, 123);
    put_le(stored, 4);
    EXPECT_EQ(stored_bytes(s), stored);
    std::vector<uint8_t> wire = {1};
    put_be(wire, 3);
    put_be(wire, 123);
    put_be(wire, 4);
    const auto w = uv::to_wire(s);
    EXPECT_EQ(std::vector<uint8_t>(w.begin(), w.end()), wire);
    EXPECT_EQ(uv::to_text(s), "(version:1,rows:3,tokens:123,merged_changes:4)");
}

TEST(WeightedSummary, WeightedEncodesAsVersionTwo)
{
    const uv::UsageSummary s{3, 123, 4, 3.5, 4.25};
    std::vector<uint8_t> stored = {2, 0, 0, 0};
    put_le(stored, 3);
    put_le(stored, 123);
    put_le(stored, 4);
    put_le(stored, bits(3.5));
    put_le(stored, bits(4.25));
    EXPECT_EQ(stored_bytes(s), stored);
    EXPECT_EQ(uv::from_stored(stored.data(), stored.size()), s);
    std::vector<uint8_t> wire = {2};
    put_be(wire, 3);
    put_be(wire, 123);
    put_be(wire, 4);
    put_be(wire, bits(3.5));
    put_be(wire, bits(4.25));
    const auto w = uv::to_wire(s);
    EXPECT_EQ(std::vector<uint8_t>(w.begin(), w.end()), wire);
    EXPECT_EQ(uv::from_wire(wire.data(), wire.size()), s);
    EXPECT_EQ(uv::to_text(s), "(version:2,rows:3,tokens:123,merged_changes:4,value:3.5,value_squares:4.25)");
    EXPECT_EQ(uv::to_text(uv::UsageSummary{1, 1, 1, 0.1, 0.01}),
              "(version:2,rows:1,tokens:1,merged_changes:1,value:0.1,value_squares:0.01)");
    EXPECT_EQ(uv::from_text(" ( version : 2 , rows:3,tokens:123,merged_changes:4, value : 35e-1 ,value_squares:4.250 ) "), s);
}

TEST(WeightedSummary, VersionTwoRoundTripsExactly)
{
    std::mt19937_64 rng(11);
    std::uniform_int_distribution<int64_t> any(0, kMax);
    std::uniform_real_distribution<double> unit(0.0, 1.0);
    for (int i = 0; i < 2000; ++i) {
        // Weights spanning many magnitudes, including subnormal-free tiny and huge ones.
        const double value = std::ldexp(unit(rng) + 1e-3, int(rng() % 400) - 200);
        const double squares = std::ldexp(unit(rng) + 1e-3, int(rng() % 400) - 200);
        const uv::UsageSummary s{any(rng) | 1, any(rng), any(rng), i % 10 == 0 ? 0.0 : value, i % 10 == 0 ? 0.0 : squares};
        if (!s.weighted())
            continue;
        const auto st = stored_bytes(s);
        EXPECT_EQ(st.size(), uv::kStoredWeightedSummarySize);
        EXPECT_EQ(uv::from_stored(st.data(), st.size()), s);
        const auto wire = uv::to_wire(s);
        EXPECT_EQ(wire.size(), uv::kWireWeightedSummarySize);
        EXPECT_EQ(uv::from_wire(wire.data(), wire.size()), s);
        const std::string text = uv::to_text(s);
        EXPECT_EQ(uv::from_text(text.c_str()), s) << text;
    }
}

TEST(WeightedSummary, MalformedVersionTwoIsRejected)
{
    const uv::UsageSummary good{3, 123, 4, 3.5, 4.25};
    const auto stored = stored_bytes(good);
    const auto wire_array = uv::to_wire(good);
    const std::vector<uint8_t> wire(wire_array.begin(), wire_array.end());
    struct Case {
        const char* what;
        double value;
        double squares;
        int64_t rows;
        int64_t merged;
    };
    const double inf = std::numeric_limits<double>::infinity();
    const Case cases[] = {
        {"NaN value", std::nan(""), 1.0, 1, 1},
        {"infinite value_squares", 1.0, inf, 1, 1},
        {"negative value", -1.0, 1.0, 1, 1},
        {"negative zero", -0.0, 0.0, 1, 2},
        {"value 0 but squares not", 0.0, 1.0, 1, 2},
        {"squares 0 but value not", 2.0, 0.0, 1, 1},
        {"zero rows holding value", 1.0, 0.5, 0, 0},
        {"unweighted in version 2", 4.0, 4.0, 1, 4},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.what);
        std::vector<uint8_t> st = {2, 0, 0, 0};
        put_le(st, uint64_t(c.rows));
        put_le(st, 7);
        put_le(st, uint64_t(c.merged));
        put_le(st, bits(c.value));
        put_le(st, bits(c.squares));
        EXPECT_EQ(error_kind_of([&] { uv::from_stored(st.data(), st.size()); }), uv::ErrorKind::InvalidBinary);
        std::vector<uint8_t> w = {2};
        put_be(w, uint64_t(c.rows));
        put_be(w, 7);
        put_be(w, uint64_t(c.merged));
        put_be(w, bits(c.value));
        put_be(w, bits(c.squares));
        EXPECT_EQ(error_kind_of([&] { uv::from_wire(w.data(), w.size()); }), uv::ErrorKind::InvalidBinary);
    }
    // Lengths of the other version, truncation, extension, reserved bytes.
    EXPECT_EQ(error_kind_of([&] { uv::from_stored(stored.data(), uv::kStoredSummarySize); }), uv::ErrorKind::InvalidBinary);
    EXPECT_EQ(error_kind_of([&] { uv::from_wire(wire.data(), uv::kWireSummarySize); }), uv::ErrorKind::InvalidBinary);
    std::vector<uint8_t> longer = stored;
    longer.push_back(0);
    EXPECT_EQ(error_kind_of([&] { uv::from_stored(longer.data(), longer.size()); }), uv::ErrorKind::InvalidBinary);
    longer = wire;
    longer.push_back(0);
    EXPECT_EQ(error_kind_of([&] { uv::from_wire(longer.data(), longer.size()); }), uv::ErrorKind::InvalidBinary);
    std::vector<uint8_t> reserved = stored;
    reserved[3] = 1;
    EXPECT_EQ(error_kind_of([&] { uv::from_stored(reserved.data(), reserved.size()); }), uv::ErrorKind::InvalidBinary);
    // A version 1 value padded to version 2's length is not version 2.
    auto v1 = stored_bytes(uv::UsageSummary{3, 123, 4});
    v1.resize(uv::kStoredWeightedSummarySize, 0);
    EXPECT_EQ(error_kind_of([&] { uv::from_stored(v1.data(), v1.size()); }), uv::ErrorKind::InvalidBinary);

    const char* bad_text[] = {
        "(version:2,rows:3,tokens:123,merged_changes:4)",
        "(version:2,rows:3,tokens:123,merged_changes:4,value:3.5)",
        "(version:2,rows:3,tokens:123,merged_changes:4,value_squares:4.25,value:3.5)",
        "(version:1,rows:3,tokens:123,merged_changes:4,value:3.5,value_squares:4.25)",
        "(version:2,rows:3,tokens:123,merged_changes:4,value:-3.5,value_squares:4.25)",
        "(version:2,rows:3,tokens:123,merged_changes:4,value:nan,value_squares:4.25)",
        "(version:2,rows:3,tokens:123,merged_changes:4,value:inf,value_squares:4.25)",
        "(version:2,rows:3,tokens:123,merged_changes:4,value:1e999,value_squares:4.25)",
        "(version:2,rows:3,tokens:123,merged_changes:4,value:,value_squares:4.25)",
        "(version:2,rows:3,tokens:123,merged_changes:4,value:3.,value_squares:4.25)",
        "(version:2,rows:3,tokens:123,merged_changes:4,value:.5,value_squares:4.25)",
        "(version:2,rows:3,tokens:123,merged_changes:4,value:3e,value_squares:4.25)",
        "(version:2,rows:3,tokens:123,merged_changes:4,value:0x1p3,value_squares:4.25)",
        "(version:2,rows:3,tokens:123,merged_changes:4,value:3.5,value_squares:4.25)x",
        "(version:2,rows:3,tokens:123,merged_changes:4,value:3.5,value_squares:4.25,x:1)",
        "(version:2,rows:3,tokens:123,merged_changes:4,value:0,value_squares:4.25)",
        "(version:2,rows:0,tokens:0,merged_changes:0,value:1,value_squares:1)",
        "(version:2,rows:3,tokens:123,merged_changes:4,value:4,value_squares:4)",
        "(version:3,rows:3,tokens:123,merged_changes:4,value:3.5,value_squares:4.25)",
    };
    for (const char* text : bad_text) {
        SCOPED_TRACE(text);
        const uv::ErrorKind kind = error_kind_of([&] { uv::from_text(text); });
        EXPECT_TRUE(kind == uv::ErrorKind::InvalidText || kind == uv::ErrorKind::OutOfRange);
    }
}

TEST(WeightedSummary, EqualityAndCanonicalBytesFollowTheLogicalValue)
{
    // The same value reached by different paths has the same canonical bytes (what the hash
    // function hashes), whichever version it was read from.
    uv::UsageSummary a, b;
    uv::add_usage(a, 1, 1, 0.5);
    uv::add_usage(a, 2, 1);
    uv::add_usage(b, 2, 1);
    uv::add_usage(b, 1, 1, 0.5);
    EXPECT_EQ(a, b);
    EXPECT_EQ(stored_bytes(a), stored_bytes(b));
    const uv::UsageSummary from_text = uv::from_text(uv::to_text(a).c_str());
    const auto w = uv::to_wire(a);
    EXPECT_EQ(stored_bytes(from_text), stored_bytes(uv::from_wire(w.data(), w.size())));
    EXPECT_FALSE(a == (uv::UsageSummary{2, 3, 2, 1.5, 1.5}));
    EXPECT_FALSE(a == (uv::UsageSummary{2, 3, 2}));
    // Weights that happen to sum to the unweighted figures are that unweighted value.
    uv::UsageSummary c;
    uv::add_usage(c, 1, 0, 1.0);  // review credit of 1
    uv::add_usage(c, 1, 1, 0.0);  // a change worth nothing
    EXPECT_EQ(c, (uv::UsageSummary{2, 2, 1}));
    EXPECT_EQ(stored_bytes(c).size(), uv::kStoredSummarySize);
}

TEST(WeightedSummary, RandomMutationsOfVersionTwoNeverDecodeInvalidValues)
{
    std::mt19937_64 rng(909);
    const uv::UsageSummary good{5, 123456789, 42, 17.25, 9.0625};
    const auto wire = uv::to_wire(good);
    const auto stored = stored_bytes(good);
    const std::string text = uv::to_text(good);
    auto check = [](const uv::UsageSummary& s) {
        EXPECT_GE(s.merged_changes, 0);
        EXPECT_TRUE(std::isfinite(s.value) && s.value >= 0 && !std::signbit(s.value));
        EXPECT_TRUE(std::isfinite(s.value_squares) && s.value_squares >= 0);
        EXPECT_EQ(s.value == 0, s.value_squares == 0);
    };
    for (int i = 0; i < 20000; ++i) {
        std::vector<uint8_t> w(wire.begin(), wire.end());
        std::vector<uint8_t> st = stored;
        std::string t = text;
        for (int m = 0; m < 1 + int(rng() % 4); ++m) {
            switch (rng() % 3) {
                case 0:
                    w[rng() % w.size()] ^= uint8_t(1u << (rng() % 8));
                    st[rng() % st.size()] ^= uint8_t(1u << (rng() % 8));
                    t[rng() % t.size()] = char(rng() % 128 + 1);
                    break;
                case 1: w.resize(rng() % w.size() + 1); st.resize(rng() % st.size() + 1); t.resize(rng() % t.size() + 1); break;
                default: w.push_back(uint8_t(rng())); st.push_back(uint8_t(rng())); t.push_back(char(rng() % 128 + 1)); break;
            }
        }
        try {
            check(uv::from_wire(w.data(), w.size()));
        } catch (const uv::Error& e) {
            EXPECT_EQ(e.kind(), uv::ErrorKind::InvalidBinary);
        }
        try {
            check(uv::from_stored(st.data(), st.size()));
        } catch (const uv::Error& e) {
            EXPECT_EQ(e.kind(), uv::ErrorKind::InvalidBinary);
        }
        try {
            check(uv::from_text(t.c_str()));
        } catch (const uv::Error& e) {
            EXPECT_TRUE(e.kind() == uv::ErrorKind::InvalidText || e.kind() == uv::ErrorKind::OutOfRange);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Cost (version 3): each row's dollars rounded to the micro-dollar once, so sums are exact
// integers under any grouping, and tokens without a cost are never free.

TEST(CostedSummary, RowsAddTheirMicroDollarsAndCostedTokens)
{
    uv::UsageSummary s;
    uv::add_usage(s, 1000, 1, 1.0, 0.0123456);   // 12345.6 micro-dollars -> 12346
    uv::add_usage(s, 500, 0, 0.0, 0.0000004);    // 0.4 -> 0
    uv::add_usage(s, 2000, 2, 2.0, 1.5);
    EXPECT_EQ(s.rows, 3);
    EXPECT_EQ(s.tokens, 3500);
    EXPECT_EQ(s.cost_micro_usd, 12346 + 0 + 1500000);
    EXPECT_EQ(s.costed_tokens, 3500);
    EXPECT_EQ(s.uncosted_tokens(), 0);
    EXPECT_FALSE(s.weighted());  // value equals merged changes: unit weights
    EXPECT_TRUE(s.costed());
    // A row without a cost leaves its tokens uncosted; so does the 2-argument form.
    uv::add_usage(s, 700, 1, 1.0, std::nullopt);
    uv::add_usage(s, 300, 0);
    EXPECT_EQ(s.uncosted_tokens(), 1000);
    EXPECT_EQ(s.cost_micro_usd, 1512346);
}

TEST(CostedSummary, MicroDollarsRoundHalfAwayFromZero)
{
    EXPECT_EQ(uv::micro_usd(0.0), 0);
    EXPECT_EQ(uv::micro_usd(0.0000005), 1);
    EXPECT_EQ(uv::micro_usd(0.0000015), 2);
    EXPECT_EQ(uv::micro_usd(3.0), 3000000);
    EXPECT_EQ(uv::micro_usd(9.0e12), int64_t{9000000000000000000});
}

TEST(CostedSummary, BadCostsAreRejectedNamingCostAndLeaveTheSummaryUnchanged)
{
    uv::UsageSummary s;
    uv::add_usage(s, 10, 1, 1.0, 0.5);
    const uv::UsageSummary before = s;
    for (double bad : {std::nan(""), std::numeric_limits<double>::infinity(), -0.01, 1.0e13}) {
        try {
            uv::add_usage(s, 10, 1, 1.0, bad);
            ADD_FAILURE() << "accepted cost " << bad;
        } catch (const uv::Error& e) {
            EXPECT_NE(std::string(e.what()).find("cost_usd"), std::string::npos) << e.what();
            EXPECT_EQ(e.kind(), std::isfinite(bad) ? uv::ErrorKind::OutOfRange : uv::ErrorKind::InvalidParameter);
        }
        EXPECT_EQ(s, before);
    }
    // The sum of micro-dollars overflowing is an error too, and changes nothing.
    uv::UsageSummary big;
    uv::add_usage(big, 1, 0, 0.0, 9.0e12);
    const uv::UsageSummary big_before = big;
    EXPECT_EQ(error_kind_of([&] { uv::add_usage(big, 1, 0, 0.0, 9.0e12); }), uv::ErrorKind::OutOfRange);
    EXPECT_EQ(big, big_before);
    // No exact inverse for a row without cost from a summary with one.
    EXPECT_EQ(error_kind_of([&] { uv::remove_usage(s, 10, 1); }), uv::ErrorKind::InvalidParameter);
}

TEST(CostedSummary, RollupOfAnySplitEqualsOneAggregateToTheMicroDollar)
{
    std::mt19937_64 rng(2026);
    std::uniform_real_distribution<double> dollars(0.0, 3.0);
    for (int trial = 0; trial < 50; ++trial) {
        struct Row {
            int64_t tokens, merged;
            double value, cost;
        };
        std::vector<Row> rows(200 + rng() % 200);
        for (auto& r : rows)
            r = {static_cast<int64_t>(rng() % 100000), static_cast<int64_t>(rng() % 3), static_cast<double>(rng() % 5) * 0.25,
                 dollars(rng)};
        uv::UsageSummary whole;
        int64_t expected_micro = 0;
        for (const auto& r : rows) {
            uv::add_usage(whole, r.tokens, r.merged, r.value, r.cost);
            expected_micro += std::llround(r.cost * 1e6);  // the independent sum
        }
        EXPECT_EQ(whole.cost_micro_usd, expected_micro);
        // Days of random length, rolled up in a random order.
        std::vector<uv::UsageSummary> days;
        for (size_t i = 0; i < rows.size();) {
            uv::UsageSummary day;
            for (size_t n = 1 + rng() % 20; n > 0 && i < rows.size(); --n, ++i)
                uv::add_usage(day, rows[i].tokens, rows[i].merged, rows[i].value, rows[i].cost);
            days.push_back(day);
        }
        std::shuffle(days.begin(), days.end(), rng);
        uv::UsageSummary rolled;
        for (const auto& d : days)
            uv::add_summary(rolled, d);
        EXPECT_EQ(rolled.cost_micro_usd, whole.cost_micro_usd);
        EXPECT_EQ(rolled.costed_tokens, whole.costed_tokens);
        EXPECT_EQ(rolled.tokens, whole.tokens);
    }
}

TEST(CostedSummary, EncodesAsVersionThreeAndRoundTrips)
{
    uv::UsageSummary s{3, 123, 4};  // unit weights, with a cost
    s.cost_micro_usd = 1500;
    s.costed_tokens = 100;
    std::vector<uint8_t> stored = {3, 0, 0, 0};
    put_le(stored, 3);
    put_le(stored, 123);
    put_le(stored, 4);
    put_le(stored, bits(4.0));
    put_le(stored, bits(4.0));
    put_le(stored, 1500);
    put_le(stored, 100);
    EXPECT_EQ(stored_bytes(s), stored);
    EXPECT_EQ(uv::from_stored(stored.data(), stored.size()), s);
    std::vector<uint8_t> wire = {3};
    put_be(wire, 3);
    put_be(wire, 123);
    put_be(wire, 4);
    put_be(wire, bits(4.0));
    put_be(wire, bits(4.0));
    put_be(wire, 1500);
    put_be(wire, 100);
    const auto w = uv::to_wire(s);
    EXPECT_EQ(std::vector<uint8_t>(w.begin(), w.end()), wire);
    EXPECT_EQ(uv::from_wire(wire.data(), wire.size()), s);
    EXPECT_EQ(uv::to_text(s), "(version:3,rows:3,tokens:123,merged_changes:4,value:4,value_squares:4,cost_micro_usd:1500,costed_tokens:100)");
    EXPECT_EQ(uv::from_text(uv::to_text(s).c_str()), s);
    // Without a cost the encodings are those of versions 1 and 2, byte for byte.
    EXPECT_EQ(stored_bytes(uv::UsageSummary{3, 123, 4}).size(), uv::kStoredSummarySize);
    EXPECT_EQ(stored_bytes(uv::UsageSummary{3, 123, 4, 3.5, 4.25}).size(), uv::kStoredWeightedSummarySize);
    std::mt19937_64 rng(33);
    for (int i = 0; i < 2000; ++i) {
        uv::UsageSummary r{1 + static_cast<int64_t>(rng() % 1000), static_cast<int64_t>(rng() % kMax),
                           static_cast<int64_t>(rng() % 1000)};
        if (i % 2)
            r.value = r.value_squares = 0.5 + static_cast<double>(rng() % 1000);
        r.costed_tokens = r.tokens == 0 ? 0 : static_cast<int64_t>(rng() % static_cast<uint64_t>(r.tokens));
        r.cost_micro_usd = 1 + static_cast<int64_t>(rng() % kMax);
        const auto st = stored_bytes(r);
        EXPECT_EQ(st.size(), uv::kStoredCostedSummarySize);
        EXPECT_EQ(uv::from_stored(st.data(), st.size()), r);
        const auto wr = uv::to_wire(r);
        EXPECT_EQ(wr.size(), uv::kWireCostedSummarySize);
        EXPECT_EQ(uv::from_wire(wr.data(), wr.size()), r);
        EXPECT_EQ(uv::from_text(uv::to_text(r).c_str()), r);
    }
}

TEST(CostedSummary, MalformedVersionThreeIsRejected)
{
    auto text_kind = [](const char* t) { return error_kind_of([&] { uv::from_text(t); }); };
    // Costed tokens above tokens; no cost at all in version 3; a missing field.
    EXPECT_EQ(text_kind("(version:3,rows:1,tokens:10,merged_changes:0,value:0,value_squares:0,cost_micro_usd:5,costed_tokens:11)"),
              uv::ErrorKind::InvalidText);
    EXPECT_EQ(text_kind("(version:3,rows:1,tokens:10,merged_changes:0,value:0,value_squares:0,cost_micro_usd:0,costed_tokens:0)"),
              uv::ErrorKind::InvalidText);
    EXPECT_EQ(text_kind("(version:3,rows:1,tokens:10,merged_changes:0,value:0,value_squares:0,cost_micro_usd:5)"),
              uv::ErrorKind::InvalidText);
    EXPECT_EQ(text_kind("(version:3,rows:0,tokens:0,merged_changes:0,value:0,value_squares:0,cost_micro_usd:5,costed_tokens:0)"),
              uv::ErrorKind::InvalidText);
    EXPECT_EQ(text_kind("(version:4,rows:1,tokens:10,merged_changes:0)"), uv::ErrorKind::InvalidText);
    // Binary: a negative cost, costed tokens above tokens, a wrong length.
    uv::UsageSummary s{1, 10, 0};
    s.cost_micro_usd = 5;
    s.costed_tokens = 10;
    auto st = stored_bytes(s);
    std::vector<uint8_t> negative = st;
    const int64_t minus = -5;
    std::memcpy(negative.data() + 44, &minus, 8);
    EXPECT_EQ(error_kind_of([&] { uv::from_stored(negative.data(), negative.size()); }), uv::ErrorKind::InvalidBinary);
    std::vector<uint8_t> above = st;
    const int64_t eleven = 11;
    std::memcpy(above.data() + 52, &eleven, 8);
    EXPECT_EQ(error_kind_of([&] { uv::from_stored(above.data(), above.size()); }), uv::ErrorKind::InvalidBinary);
    EXPECT_EQ(error_kind_of([&] { uv::from_stored(st.data(), st.size() - 8); }), uv::ErrorKind::InvalidBinary);
    auto wire = uv::to_wire(s);
    std::vector<uint8_t> w(wire.begin(), wire.end());
    w[41] = 0x80;  // cost's sign bit
    EXPECT_EQ(error_kind_of([&] { uv::from_wire(w.data(), w.size()); }), uv::ErrorKind::InvalidBinary);
}
