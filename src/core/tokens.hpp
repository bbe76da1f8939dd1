// One normalisation of token counts across telemetry sources.
//
// Sources disagree on cache tokens. Anthropic's API and Claude Code report input_tokens WITHOUT
// cache reads and cache writes (they are reported beside it: "cache_separate"). OpenAI's API, the
// OpenTelemetry GenAI conventions (gen_ai.usage.input_tokens includes cached tokens) and Copilot
// exports count cached tokens INSIDE input ("cache_included"). Summing all four columns of a
// cache_included source double-counts its cache; billable_tokens counts every token once.
#pragma once

#include "common.hpp"

#include <cstdint>
#include <string_view>

namespace uv {

enum class CacheConvention { Separate, Included };

// Accepts the convention names and the source names that imply them (see README).
CacheConvention parse_cache_convention(std::string_view name);

// Tokens processed by one request, each counted once:
//   cache_separate: input + cache_read + cache_creation + output
//   cache_included: input + output (cache_read + cache_creation must not exceed input)
int64_t billable_tokens(int64_t input, int64_t output, int64_t cache_read, int64_t cache_creation,
                        CacheConvention convention);

}  // namespace uv
