// One normalisation of token counts across telemetry sources.
#include "tokens.hpp"

#include <gtest/gtest.h>

#include <limits>

TEST(BillableTokens, CacheSeparateAddsCacheToInput)
{
    // Claude Code api_request: input 1200, output 300, cache read 50000, cache write 2000.
    EXPECT_EQ(uv::billable_tokens(1200, 300, 50000, 2000, uv::CacheConvention::Separate), 53500);
}

TEST(BillableTokens, CacheIncludedDoesNotDoubleCount)
{
    // OpenAI-style: prompt_tokens 51200 of which cached 50000.
    EXPECT_EQ(uv::billable_tokens(51200, 300, 50000, 0, uv::CacheConvention::Included), 51500);
}

TEST(BillableTokens, SameRequestGivesSameTotalUnderBothConventions)
{
    const int64_t fresh = 700, cache_read = 9000, cache_write = 300, output = 250;
    EXPECT_EQ(uv::billable_tokens(fresh, output, cache_read, cache_write, uv::CacheConvention::Separate),
              uv::billable_tokens(fresh + cache_read + cache_write, output, cache_read, cache_write,
                                  uv::CacheConvention::Included));
}

TEST(BillableTokens, ConventionNamesAndAliases)
{
    for (const char* name : {"cache_separate", "anthropic", "claude_code"})
        EXPECT_EQ(uv::parse_cache_convention(name), uv::CacheConvention::Separate);
    for (const char* name : {"cache_included", "openai", "otel_genai", "copilot"})
        EXPECT_EQ(uv::parse_cache_convention(name), uv::CacheConvention::Included);
    EXPECT_THROW(uv::parse_cache_convention("Anthropic"), uv::Error);
    EXPECT_THROW(uv::parse_cache_convention(""), uv::Error);
}

TEST(BillableTokens, RejectsInconsistentNegativeAndOverflowingCounts)
{
    EXPECT_THROW(uv::billable_tokens(100, 0, 101, 0, uv::CacheConvention::Included), uv::Error);
    EXPECT_THROW(uv::billable_tokens(-1, 0, 0, 0, uv::CacheConvention::Separate), uv::Error);
    EXPECT_THROW(uv::billable_tokens(0, 0, 0, -1, uv::CacheConvention::Included), uv::Error);
    const int64_t max = std::numeric_limits<int64_t>::max();
    EXPECT_THROW(uv::billable_tokens(max, 1, 0, 0, uv::CacheConvention::Separate), uv::Error);
    EXPECT_THROW(uv::billable_tokens(max - 1, 0, 1, 1, uv::CacheConvention::Separate), uv::Error);
    EXPECT_THROW(uv::billable_tokens(max, 0, max, max, uv::CacheConvention::Included), uv::Error);
    EXPECT_EQ(uv::billable_tokens(max - 1, 1, 0, 0, uv::CacheConvention::Separate), max);
}
