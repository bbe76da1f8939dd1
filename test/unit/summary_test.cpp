// usage_summary: arithmetic, overflow, and every encoding against malformed input.
#include "summary.hpp"

#include <gtest/gtest.h>

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
        uint8_t stored[uv::kStoredSummarySize];
        uv::to_stored(s, stored);
        EXPECT_EQ(uv::from_stored(stored, sizeof stored), s);
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
    uv::to_stored(uv::UsageSummary{1, 5, 1}, stored);
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
