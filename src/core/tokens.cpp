#include "tokens.hpp"

#include <string>

namespace uv {

CacheConvention parse_cache_convention(std::string_view name)
{
    if (name == "cache_separate" || name == "anthropic" || name == "claude_code")
        return CacheConvention::Separate;
    if (name == "cache_included" || name == "openai" || name == "otel_genai" || name == "copilot")
        return CacheConvention::Included;
    throw Error(ErrorKind::InvalidParameter,
                "convention must be one of cache_separate (anthropic, claude_code) or cache_included "
                "(openai, otel_genai, copilot); got \"" + std::string(name) + "\"");
}

int64_t billable_tokens(int64_t input, int64_t output, int64_t cache_read, int64_t cache_creation,
                        CacheConvention convention)
{
    const struct {
        int64_t value;
        const char* name;
    } counts[] = {{input, "input_tokens"}, {output, "output_tokens"}, {cache_read, "cache_read_tokens"},
                  {cache_creation, "cache_creation_tokens"}};
    for (const auto& c : counts)
        if (c.value < 0)
            throw Error(ErrorKind::OutOfRange,
                        std::string(c.name) + " must not be negative (got " + std::to_string(c.value) + ")");

    int64_t total = 0;
    bool overflow = __builtin_add_overflow(input, output, &total);
    if (convention == CacheConvention::Separate) {
        overflow = overflow || __builtin_add_overflow(total, cache_read, &total) ||
                   __builtin_add_overflow(total, cache_creation, &total);
    } else {
        int64_t cached = 0;
        if (__builtin_add_overflow(cache_read, cache_creation, &cached) || cached > input)
            throw Error(ErrorKind::OutOfRange,
                        "cache_read_tokens + cache_creation_tokens exceed input_tokens, which under a "
                        "cache_included convention already contains them");
    }
    if (overflow)
        throw Error(ErrorKind::OutOfRange, "billable token total overflows bigint");
    return total;
}

}  // namespace uv
