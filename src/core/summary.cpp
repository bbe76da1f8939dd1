#include "summary.hpp"

#include <cstring>
#include <limits>

namespace uv {

namespace {

void check_count(int64_t value, const char* argument)
{
    if (value < 0)
        throw Error(ErrorKind::OutOfRange,
                    std::string(argument) + " must not be negative (got " + std::to_string(value) + ")");
}

int64_t checked_sum(int64_t a, int64_t b, const char* argument)
{
    int64_t sum;
    if (__builtin_add_overflow(a, b, &sum))
        throw Error(ErrorKind::OutOfRange, "sum of " + std::string(argument) + " overflows bigint");
    return sum;
}

void check_summary(const UsageSummary& s, ErrorKind kind)
{
    if (s.rows < 0 || s.tokens < 0 || s.merged_changes < 0)
        throw Error(kind, "usage_summary counts must not be negative");
    if (s.rows == 0 && (s.tokens != 0 || s.merged_changes != 0))
        throw Error(kind, "usage_summary of zero rows must have zero tokens and merged changes");
}

void put_be64(uint8_t* out, int64_t value)
{
    uint64_t v = static_cast<uint64_t>(value);
    for (int i = 7; i >= 0; --i, v >>= 8)
        out[i] = static_cast<uint8_t>(v & 0xff);
}

int64_t get_be64(const uint8_t* in)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i)
        v = (v << 8) | in[i];
    return static_cast<int64_t>(v);
}

}  // namespace

void add_usage(UsageSummary& summary, int64_t tokens, int64_t merged_changes)
{
    check_count(tokens, "tokens");
    check_count(merged_changes, "merged_changes");
    const int64_t new_tokens = checked_sum(summary.tokens, tokens, "tokens");
    const int64_t new_merged = checked_sum(summary.merged_changes, merged_changes, "merged_changes");
    summary.rows = checked_sum(summary.rows, 1, "rows");
    summary.tokens = new_tokens;
    summary.merged_changes = new_merged;
}

void add_summary(UsageSummary& summary, const UsageSummary& other)
{
    const int64_t new_tokens = checked_sum(summary.tokens, other.tokens, "tokens");
    const int64_t new_merged = checked_sum(summary.merged_changes, other.merged_changes, "merged_changes");
    summary.rows = checked_sum(summary.rows, other.rows, "rows");
    summary.tokens = new_tokens;
    summary.merged_changes = new_merged;
}

void remove_usage(UsageSummary& summary, int64_t tokens, int64_t merged_changes)
{
    check_count(tokens, "tokens");
    check_count(merged_changes, "merged_changes");
    // Inside a window this cannot happen; called directly with arbitrary values it can.
    if (summary.rows < 1 || tokens > summary.tokens || merged_changes > summary.merged_changes)
        throw Error(ErrorKind::InvalidParameter,
                    "cannot remove a row of " + std::to_string(tokens) + " tokens and " + std::to_string(merged_changes) +
                        " merged changes from a summary of " + std::to_string(summary.rows) + " rows, " +
                        std::to_string(summary.tokens) + " tokens and " + std::to_string(summary.merged_changes) +
                        " merged changes");
    summary.rows -= 1;
    summary.tokens -= tokens;
    summary.merged_changes -= merged_changes;
}

void to_stored(const UsageSummary& summary, uint8_t out[kStoredSummarySize])
{
    std::memset(out, 0, kStoredSummarySize);
    out[0] = kSummaryVersion;
    std::memcpy(out + 4, &summary.rows, 8);
    std::memcpy(out + 12, &summary.tokens, 8);
    std::memcpy(out + 20, &summary.merged_changes, 8);
}

UsageSummary from_stored(const uint8_t* bytes, std::size_t size)
{
    if (size < 1)
        throw Error(ErrorKind::InvalidBinary, "usage_summary value is empty");
    if (bytes[0] != kSummaryVersion)
        throw Error(ErrorKind::InvalidBinary,
                    "usage_summary has unknown format version " + std::to_string(bytes[0]) +
                        " (this build reads version " + std::to_string(kSummaryVersion) + ")");
    if (size != kStoredSummarySize)
        throw Error(ErrorKind::InvalidBinary, "usage_summary value has " + std::to_string(size) +
                                                  " bytes, expected " + std::to_string(kStoredSummarySize));
    if (bytes[1] != 0 || bytes[2] != 0 || bytes[3] != 0)
        throw Error(ErrorKind::InvalidBinary, "usage_summary value has non-zero reserved bytes");
    UsageSummary s;
    std::memcpy(&s.rows, bytes + 4, 8);
    std::memcpy(&s.tokens, bytes + 12, 8);
    std::memcpy(&s.merged_changes, bytes + 20, 8);
    check_summary(s, ErrorKind::InvalidBinary);
    return s;
}

std::array<uint8_t, kWireSummarySize> to_wire(const UsageSummary& summary)
{
    std::array<uint8_t, kWireSummarySize> out{};
    out[0] = kSummaryVersion;
    put_be64(out.data() + 1, summary.rows);
    put_be64(out.data() + 9, summary.tokens);
    put_be64(out.data() + 17, summary.merged_changes);
    return out;
}

UsageSummary from_wire(const uint8_t* bytes, std::size_t size)
{
    if (size < 1)
        throw Error(ErrorKind::InvalidBinary, "binary usage_summary is empty");
    if (bytes[0] != kSummaryVersion)
        throw Error(ErrorKind::InvalidBinary,
                    "binary usage_summary has unknown format version " + std::to_string(bytes[0]));
    if (size != kWireSummarySize)
        throw Error(ErrorKind::InvalidBinary, "binary usage_summary has " + std::to_string(size) +
                                                  " bytes, expected " + std::to_string(kWireSummarySize));
    UsageSummary s;
    s.rows = get_be64(bytes + 1);
    s.tokens = get_be64(bytes + 9);
    s.merged_changes = get_be64(bytes + 17);
    check_summary(s, ErrorKind::InvalidBinary);
    return s;
}

std::string to_text(const UsageSummary& summary)
{
    return "(version:" + std::to_string(kSummaryVersion) + ",rows:" + std::to_string(summary.rows) +
           ",tokens:" + std::to_string(summary.tokens) +
           ",merged_changes:" + std::to_string(summary.merged_changes) + ")";
}

namespace {

// A strict recursive-descent reader for the text form: fixed keys in a fixed order, optional
// blanks between tokens, decimal non-negative integers that fit in a bigint, nothing after ')'.
class TextReader {
public:
    explicit TextReader(const char* text) : text_(text), p_(text) {}

    void expect(char c)
    {
        skip_blanks();
        if (*p_ != c)
            fail(std::string("expected '") + c + "'");
        ++p_;
    }

    void expect_key(const char* key)
    {
        skip_blanks();
        const std::size_t n = std::strlen(key);
        if (std::strncmp(p_, key, n) != 0)
            fail(std::string("expected key \"") + key + "\"");
        p_ += n;
        expect(':');
    }

    int64_t number(const char* key)
    {
        skip_blanks();
        if (*p_ < '0' || *p_ > '9')
            fail(std::string("expected a non-negative integer for \"") + key + "\"");
        int64_t value = 0;
        while (*p_ >= '0' && *p_ <= '9') {
            if (__builtin_mul_overflow(value, 10, &value) || __builtin_add_overflow(value, *p_ - '0', &value))
                throw Error(ErrorKind::OutOfRange,
                            std::string("value of \"") + key + "\" is out of range for bigint in usage_summary");
            ++p_;
        }
        return value;
    }

    void expect_end()
    {
        skip_blanks();
        if (*p_ != '\0')
            fail("unexpected characters after ')'");
    }

private:
    void skip_blanks()
    {
        while (*p_ == ' ' || *p_ == '\t' || *p_ == '\n' || *p_ == '\r')
            ++p_;
    }

    [[noreturn]] void fail(const std::string& what) const
    {
        throw Error(ErrorKind::InvalidText, "invalid input syntax for type usage_summary: " + what +
                                                " at character " + std::to_string(p_ - text_ + 1));
    }

    const char* text_;
    const char* p_;
};

}  // namespace

UsageSummary from_text(const char* text)
{
    TextReader in(text);
    in.expect('(');
    in.expect_key("version");
    const int64_t version = in.number("version");
    if (version != kSummaryVersion)
        throw Error(ErrorKind::InvalidText,
                    "usage_summary text has unknown format version " + std::to_string(version));
    UsageSummary s;
    in.expect(',');
    in.expect_key("rows");
    s.rows = in.number("rows");
    in.expect(',');
    in.expect_key("tokens");
    s.tokens = in.number("tokens");
    in.expect(',');
    in.expect_key("merged_changes");
    s.merged_changes = in.number("merged_changes");
    in.expect(')');
    in.expect_end();
    check_summary(s, ErrorKind::InvalidText);
    return s;
}

}  // namespace uv
