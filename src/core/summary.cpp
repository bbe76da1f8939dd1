#include "summary.hpp"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <cstdlib>
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

std::string format_double(double value)
{
    char text[64];
    std::snprintf(text, sizeof text, "%.17g", value);
    return text;
}

// The weight of a row: finite (22023 otherwise, like other parameters) and not negative (22003,
// like the counts).
void check_value(double value)
{
    if (!std::isfinite(value))
        throw Error(ErrorKind::InvalidParameter, "value must be a finite number (got " + format_double(value) + ")");
    if (value < 0.0)
        throw Error(ErrorKind::OutOfRange, "value must not be negative (got " + format_double(value) + ")");
}

int64_t checked_sum(int64_t a, int64_t b, const char* argument)
{
    int64_t sum;
    if (__builtin_add_overflow(a, b, &sum))
        throw Error(ErrorKind::OutOfRange, "sum of " + std::string(argument) + " overflows bigint");
    return sum;
}

void check_weight_sums(double value, double value_squares)
{
    if (!std::isfinite(value) || !std::isfinite(value_squares))
        throw Error(ErrorKind::OutOfRange, "sum of value (or of its squares) overflows float8");
}

void check_summary(const UsageSummary& s, ErrorKind kind)
{
    if (s.rows < 0 || s.tokens < 0 || s.merged_changes < 0)
        throw Error(kind, "usage_summary counts must not be negative");
    if (!std::isfinite(s.value) || !std::isfinite(s.value_squares) || std::signbit(s.value) ||
        std::signbit(s.value_squares))
        throw Error(kind, "usage_summary value and value_squares must be finite and not negative");
    if (s.rows == 0 && (s.tokens != 0 || s.merged_changes != 0 || s.value != 0.0 || s.costed()))
        throw Error(kind, "usage_summary of zero rows must have zero tokens, merged changes, value and cost");
    if ((s.value == 0.0) != (s.value_squares == 0.0))
        throw Error(kind, "usage_summary value must be 0 exactly when value_squares is 0");
    if (s.cost_micro_usd < 0 || s.costed_tokens < 0 || s.costed_tokens > s.tokens)
        throw Error(kind, "usage_summary cost must not be negative and its costed tokens must be between 0 and tokens");
}

// Version 3 holds summaries with a cost only.
void check_costed(const UsageSummary& s, ErrorKind kind)
{
    if (!s.costed())
        throw Error(kind, "usage_summary version 3 holds summaries with a cost only; without one it is written as "
                          "version 1 or 2");
}

// Version 2 holds weighted summaries only, so that every value has one encoding.
void check_weighted(const UsageSummary& s, ErrorKind kind)
{
    if (!s.weighted())
        throw Error(kind, "usage_summary version 2 holds weighted summaries only; with value = value_squares = "
                          "merged_changes it is written as version 1");
}

void put_be64(uint8_t* out, uint64_t v)
{
    for (int i = 7; i >= 0; --i, v >>= 8)
        out[i] = static_cast<uint8_t>(v & 0xff);
}

uint64_t get_be64(const uint8_t* in)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; ++i)
        v = (v << 8) | in[i];
    return v;
}

uint64_t double_bits(double value)
{
    uint64_t bits;
    std::memcpy(&bits, &value, 8);
    return bits;
}

double bits_double(uint64_t bits)
{
    double value;
    std::memcpy(&value, &bits, 8);
    return value;
}

}  // namespace

void add_usage(UsageSummary& summary, int64_t tokens, int64_t merged_changes)
{
    check_count(tokens, "tokens");
    check_count(merged_changes, "merged_changes");
    const int64_t new_tokens = checked_sum(summary.tokens, tokens, "tokens");
    const int64_t new_merged = checked_sum(summary.merged_changes, merged_changes, "merged_changes");
    const int64_t new_rows = checked_sum(summary.rows, 1, "rows");
    UsageSummary result(new_rows, new_tokens, new_merged);  // unweighted stays exactly unweighted
    if (summary.weighted()) {
        result.value = summary.value + static_cast<double>(merged_changes);
        result.value_squares = summary.value_squares + static_cast<double>(merged_changes);
        check_weight_sums(result.value, result.value_squares);
    }
    // The row has no cost: its tokens stay uncosted.
    result.cost_micro_usd = summary.cost_micro_usd;
    result.costed_tokens = summary.costed_tokens;
    summary = result;
}

int64_t micro_usd(double cost_usd)
{
    if (!std::isfinite(cost_usd))
        throw Error(ErrorKind::InvalidParameter, "cost_usd must be a finite number (got " + format_double(cost_usd) + ")");
    if (cost_usd < 0.0)
        throw Error(ErrorKind::OutOfRange, "cost_usd must not be negative (got " + format_double(cost_usd) + ")");
    const double micro = std::round(cost_usd * 1e6);
    if (!(micro < 9.2e18))
        throw Error(ErrorKind::OutOfRange, "cost_usd " + format_double(cost_usd) + " is out of range (at most about 9.2e12 dollars)");
    return static_cast<int64_t>(micro);
}

void add_usage(UsageSummary& summary, int64_t tokens, int64_t merged_changes, double value, std::optional<double> cost_usd)
{
    // Everything is checked before the summary changes.
    const int64_t micro = cost_usd ? micro_usd(*cost_usd) : 0;
    UsageSummary result = summary;
    add_usage(result, tokens, merged_changes, value);
    if (cost_usd) {
        result.cost_micro_usd = checked_sum(summary.cost_micro_usd, micro, "cost_usd (in micro-dollars)");
        result.costed_tokens = checked_sum(summary.costed_tokens, tokens, "tokens");
    }
    summary = result;
}

void add_usage(UsageSummary& summary, int64_t tokens, int64_t merged_changes, double value)
{
    check_count(tokens, "tokens");
    check_count(merged_changes, "merged_changes");
    check_value(value);
    value += 0.0;  // -0 becomes +0: one encoding per value
    const double merged = static_cast<double>(merged_changes);
    if (value == merged) {  // weight 1 per change: the unweighted row, exactly
        add_usage(summary, tokens, merged_changes);
        return;
    }
    // v^2 / max(m, 1), computed so that it overflows only when the result does.
    const double square = value * (value / std::max(merged, 1.0));
    if (value > 0.0 && !(square >= DBL_MIN))
        throw Error(ErrorKind::OutOfRange,
                    "value " + format_double(value) + " is too small: its square underflows float8");
    const int64_t new_tokens = checked_sum(summary.tokens, tokens, "tokens");
    const int64_t new_merged = checked_sum(summary.merged_changes, merged_changes, "merged_changes");
    const int64_t new_rows = checked_sum(summary.rows, 1, "rows");
    UsageSummary result(new_rows, new_tokens, new_merged, summary.value + value, summary.value_squares + square);
    check_weight_sums(result.value, result.value_squares);
    result.cost_micro_usd = summary.cost_micro_usd;
    result.costed_tokens = summary.costed_tokens;
    summary = result;
}

void add_summary(UsageSummary& summary, const UsageSummary& other)
{
    const int64_t new_tokens = checked_sum(summary.tokens, other.tokens, "tokens");
    const int64_t new_merged = checked_sum(summary.merged_changes, other.merged_changes, "merged_changes");
    const int64_t new_rows = checked_sum(summary.rows, other.rows, "rows");
    UsageSummary result(new_rows, new_tokens, new_merged);
    if (summary.weighted() || other.weighted()) {
        result.value = summary.value + other.value;
        result.value_squares = summary.value_squares + other.value_squares;
        check_weight_sums(result.value, result.value_squares);
    }
    result.cost_micro_usd = checked_sum(summary.cost_micro_usd, other.cost_micro_usd, "cost_usd (in micro-dollars)");
    result.costed_tokens = checked_sum(summary.costed_tokens, other.costed_tokens, "tokens");
    summary = result;
}

void remove_usage(UsageSummary& summary, int64_t tokens, int64_t merged_changes)
{
    check_count(tokens, "tokens");
    check_count(merged_changes, "merged_changes");
    if (summary.weighted())
        throw Error(ErrorKind::InvalidParameter,
                    "cannot remove an unweighted row from a weighted summary (floating-point sums have no "
                    "exact inverse)");
    if (summary.costed())
        throw Error(ErrorKind::InvalidParameter, "cannot remove a row without a cost from a summary with a cost");
    // Inside a window this cannot happen; called directly with arbitrary values it can.
    if (summary.rows < 1 || tokens > summary.tokens || merged_changes > summary.merged_changes)
        throw Error(ErrorKind::InvalidParameter,
                    "cannot remove a row of " + std::to_string(tokens) + " tokens and " + std::to_string(merged_changes) +
                        " merged changes from a summary of " + std::to_string(summary.rows) + " rows, " +
                        std::to_string(summary.tokens) + " tokens and " + std::to_string(summary.merged_changes) +
                        " merged changes");
    summary = UsageSummary(summary.rows - 1, summary.tokens - tokens, summary.merged_changes - merged_changes);
}

uint8_t stored_version(const UsageSummary& summary)
{
    return summary.costed() ? kCostedSummaryVersion : summary.weighted() ? kWeightedSummaryVersion : kSummaryVersion;
}

std::size_t stored_size(const UsageSummary& summary)
{
    switch (stored_version(summary)) {
    case kCostedSummaryVersion:
        return kStoredCostedSummarySize;
    case kWeightedSummaryVersion:
        return kStoredWeightedSummarySize;
    default:
        return kStoredSummarySize;
    }
}

std::size_t to_stored(const UsageSummary& summary, uint8_t out[kStoredSummaryMaxSize])
{
    const uint8_t version = stored_version(summary);
    const std::size_t size = stored_size(summary);
    std::memset(out, 0, size);
    out[0] = version;
    std::memcpy(out + 4, &summary.rows, 8);
    std::memcpy(out + 12, &summary.tokens, 8);
    std::memcpy(out + 20, &summary.merged_changes, 8);
    if (version >= kWeightedSummaryVersion) {
        std::memcpy(out + 28, &summary.value, 8);
        std::memcpy(out + 36, &summary.value_squares, 8);
    }
    if (version == kCostedSummaryVersion) {
        std::memcpy(out + 44, &summary.cost_micro_usd, 8);
        std::memcpy(out + 52, &summary.costed_tokens, 8);
    }
    return size;
}

namespace {

// The checks every decoder applies once the fields are read.
void check_decoded(const UsageSummary& s, uint8_t version, ErrorKind kind)
{
    check_summary(s, kind);
    if (version == kWeightedSummaryVersion)
        check_weighted(s, kind);
    if (version == kCostedSummaryVersion)
        check_costed(s, kind);
}

bool known_version(int64_t version)
{
    return version == kSummaryVersion || version == kWeightedSummaryVersion || version == kCostedSummaryVersion;
}

}  // namespace

UsageSummary from_stored(const uint8_t* bytes, std::size_t size)
{
    if (size < 1)
        throw Error(ErrorKind::InvalidBinary, "usage_summary value is empty");
    const uint8_t version = bytes[0];
    if (!known_version(version))
        throw Error(ErrorKind::InvalidBinary,
                    "usage_summary has unknown format version " + std::to_string(version) +
                        " (this build reads versions 1 to 3)");
    const std::size_t expected = version == kSummaryVersion           ? kStoredSummarySize
                                 : version == kWeightedSummaryVersion ? kStoredWeightedSummarySize
                                                                      : kStoredCostedSummarySize;
    if (size != expected)
        throw Error(ErrorKind::InvalidBinary, "usage_summary value of version " + std::to_string(version) + " has " +
                                                  std::to_string(size) + " bytes, expected " + std::to_string(expected));
    if (bytes[1] != 0 || bytes[2] != 0 || bytes[3] != 0)
        throw Error(ErrorKind::InvalidBinary, "usage_summary value has non-zero reserved bytes");
    int64_t rows, tokens, merged;
    std::memcpy(&rows, bytes + 4, 8);
    std::memcpy(&tokens, bytes + 12, 8);
    std::memcpy(&merged, bytes + 20, 8);
    UsageSummary s(rows, tokens, merged);
    if (version >= kWeightedSummaryVersion) {
        std::memcpy(&s.value, bytes + 28, 8);
        std::memcpy(&s.value_squares, bytes + 36, 8);
    }
    if (version == kCostedSummaryVersion) {
        std::memcpy(&s.cost_micro_usd, bytes + 44, 8);
        std::memcpy(&s.costed_tokens, bytes + 52, 8);
    }
    check_decoded(s, version, ErrorKind::InvalidBinary);
    return s;
}

WireSummary to_wire(const UsageSummary& summary)
{
    WireSummary out{};
    const uint8_t version = stored_version(summary);
    out.length = version == kCostedSummaryVersion   ? kWireCostedSummarySize
                 : version == kWeightedSummaryVersion ? kWireWeightedSummarySize
                                                      : kWireSummarySize;
    out.bytes[0] = version;
    put_be64(out.bytes + 1, static_cast<uint64_t>(summary.rows));
    put_be64(out.bytes + 9, static_cast<uint64_t>(summary.tokens));
    put_be64(out.bytes + 17, static_cast<uint64_t>(summary.merged_changes));
    if (version >= kWeightedSummaryVersion) {
        put_be64(out.bytes + 25, double_bits(summary.value));
        put_be64(out.bytes + 33, double_bits(summary.value_squares));
    }
    if (version == kCostedSummaryVersion) {
        put_be64(out.bytes + 41, static_cast<uint64_t>(summary.cost_micro_usd));
        put_be64(out.bytes + 49, static_cast<uint64_t>(summary.costed_tokens));
    }
    return out;
}

UsageSummary from_wire(const uint8_t* bytes, std::size_t size)
{
    if (size < 1)
        throw Error(ErrorKind::InvalidBinary, "binary usage_summary is empty");
    const uint8_t version = bytes[0];
    if (!known_version(version))
        throw Error(ErrorKind::InvalidBinary, "binary usage_summary has unknown format version " + std::to_string(version));
    const std::size_t expected = version == kSummaryVersion           ? kWireSummarySize
                                 : version == kWeightedSummaryVersion ? kWireWeightedSummarySize
                                                                      : kWireCostedSummarySize;
    if (size != expected)
        throw Error(ErrorKind::InvalidBinary, "binary usage_summary of version " + std::to_string(version) + " has " +
                                                  std::to_string(size) + " bytes, expected " + std::to_string(expected));
    UsageSummary s(static_cast<int64_t>(get_be64(bytes + 1)), static_cast<int64_t>(get_be64(bytes + 9)),
                   static_cast<int64_t>(get_be64(bytes + 17)));
    if (version >= kWeightedSummaryVersion) {
        s.value = bits_double(get_be64(bytes + 25));
        s.value_squares = bits_double(get_be64(bytes + 33));
    }
    if (version == kCostedSummaryVersion) {
        s.cost_micro_usd = static_cast<int64_t>(get_be64(bytes + 41));
        s.costed_tokens = static_cast<int64_t>(get_be64(bytes + 49));
    }
    check_decoded(s, version, ErrorKind::InvalidBinary);
    return s;
}

namespace {

// The shortest of %.15g, %.16g, %.17g that reads back to the same double (17 digits always do).
std::string round_trip_text(double value)
{
    char text[64];
    for (int precision = 15; precision < 17; ++precision) {
        std::snprintf(text, sizeof text, "%.*g", precision, value);
        if (std::strtod(text, nullptr) == value)
            return text;
    }
    std::snprintf(text, sizeof text, "%.17g", value);
    return text;
}

}  // namespace

std::string to_text(const UsageSummary& summary)
{
    const uint8_t version = stored_version(summary);
    std::string text = "(version:" + std::to_string(version) + ",rows:" + std::to_string(summary.rows) +
                       ",tokens:" + std::to_string(summary.tokens) +
                       ",merged_changes:" + std::to_string(summary.merged_changes);
    if (version >= kWeightedSummaryVersion)
        text += ",value:" + round_trip_text(summary.value) + ",value_squares:" + round_trip_text(summary.value_squares);
    if (version == kCostedSummaryVersion)
        text += ",cost_micro_usd:" + std::to_string(summary.cost_micro_usd) +
                ",costed_tokens:" + std::to_string(summary.costed_tokens);
    return text + ")";
}

namespace {

// A strict recursive-descent reader for the text form: fixed keys in a fixed order, optional
// blanks between tokens, decimal non-negative integers that fit in a bigint, non-negative
// decimal floats (digits, optional fraction and exponent; no sign, inf or nan), nothing after ')'.
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
        if (!digit(*p_))
            fail(std::string("expected a non-negative integer for \"") + key + "\"");
        int64_t value = 0;
        while (digit(*p_)) {
            if (__builtin_mul_overflow(value, 10, &value) || __builtin_add_overflow(value, *p_ - '0', &value))
                throw Error(ErrorKind::OutOfRange,
                            std::string("value of \"") + key + "\" is out of range for bigint in usage_summary");
            ++p_;
        }
        return value;
    }

    double real(const char* key)
    {
        skip_blanks();
        const char* start = p_;
        const std::string what = std::string("expected a non-negative decimal number for \"") + key + "\"";
        if (!digit(*p_))
            fail(what);
        while (digit(*p_))
            ++p_;
        if (*p_ == '.') {
            ++p_;
            if (!digit(*p_))
                fail(what);
            while (digit(*p_))
                ++p_;
        }
        if (*p_ == 'e' || *p_ == 'E') {
            ++p_;
            if (*p_ == '+' || *p_ == '-')
                ++p_;
            if (!digit(*p_))
                fail(what);
            while (digit(*p_))
                ++p_;
        }
        const std::string span(start, p_);
        const double value = std::strtod(span.c_str(), nullptr);  // LC_NUMERIC is "C" in a backend
        if (!std::isfinite(value))
            throw Error(ErrorKind::OutOfRange,
                        std::string("value of \"") + key + "\" is out of range for float8 in usage_summary");
        return value;
    }

    void expect_end()
    {
        skip_blanks();
        if (*p_ != '\0')
            fail("unexpected characters after ')'");
    }

private:
    static bool digit(char c) { return c >= '0' && c <= '9'; }

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
    if (!known_version(version))
        throw Error(ErrorKind::InvalidText,
                    "usage_summary text has unknown format version " + std::to_string(version));
    in.expect(',');
    in.expect_key("rows");
    const int64_t rows = in.number("rows");
    in.expect(',');
    in.expect_key("tokens");
    const int64_t tokens = in.number("tokens");
    in.expect(',');
    in.expect_key("merged_changes");
    UsageSummary s(rows, tokens, in.number("merged_changes"));
    if (version >= kWeightedSummaryVersion) {
        in.expect(',');
        in.expect_key("value");
        s.value = in.real("value");
        in.expect(',');
        in.expect_key("value_squares");
        s.value_squares = in.real("value_squares");
    }
    if (version == kCostedSummaryVersion) {
        in.expect(',');
        in.expect_key("cost_micro_usd");
        s.cost_micro_usd = in.number("cost_micro_usd");
        in.expect(',');
        in.expect_key("costed_tokens");
        s.costed_tokens = in.number("costed_tokens");
    }
    in.expect(')');
    in.expect_end();
    check_decoded(s, static_cast<uint8_t>(version), ErrorKind::InvalidText);
    return s;
}

}  // namespace uv
