// A usage summary: the tokens spent and the merged changes delivered by a group of rows, and the
// weighted value of those changes. It is the state and the result of usage_agg, so it is small,
// combinable and storable.
//
// Weights. Each merged change may carry a value (a float8 >= 0: reverts 0, bots 0, size-
// proportional up to a cap, ...). The summary keeps value = sum of the weights and
// value_squares = sum of the squared weights, which give Kish's effective count
// n_eff = value^2 / value_squares (see interval.hpp). A row is added with its merged changes m and
// their total value v; its contribution to value_squares is v^2 / max(m, 1): exact when the row
// holds one change, the equal-split lower bound when it holds several, and a row with value but no
// merged change (e.g. review credit) counts as one unit. The unweighted case (the 2-argument
// usage_agg) gives every merged change weight 1: value = value_squares = merged_changes.
//
// Cost. A row may carry what it cost (US dollars, the 4-argument usage_agg); the summary keeps
// the cost in integer micro-dollars (each row rounded to the micro-dollar once, so sums are exact
// under any rollup) and the tokens of the rows that carried one. Tokens without a cost are never
// counted as free: a summary whose tokens are not all costed has no cost (cost_usd() is NULL) and
// says how many tokens lack one.
#pragma once

#include "common.hpp"

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

namespace uv {

struct UsageSummary {
    int64_t rows = 0;  // rows with at least one non-NULL argument; 0 means "no data" (SQL NULL)
    int64_t tokens = 0;
    int64_t merged_changes = 0;
    double value = 0.0;          // sum of the weights of the merged changes (and of review credit)
    double value_squares = 0.0;  // sum of the squared weights (per row: v^2 / max(m, 1))
    int64_t cost_micro_usd = 0;  // cost of the rows that carried one, in micro-dollars
    int64_t costed_tokens = 0;   // tokens of those rows (<= tokens)

    UsageSummary() = default;
    // An unweighted summary: every merged change weighs 1.
    UsageSummary(int64_t rows_, int64_t tokens_, int64_t merged_changes_)
        : rows(rows_), tokens(tokens_), merged_changes(merged_changes_),
          value(static_cast<double>(merged_changes_)), value_squares(static_cast<double>(merged_changes_))
    {
    }
    UsageSummary(int64_t rows_, int64_t tokens_, int64_t merged_changes_, double value_, double value_squares_)
        : rows(rows_), tokens(tokens_), merged_changes(merged_changes_), value(value_), value_squares(value_squares_)
    {
    }

    // False when the weights are those of the unweighted case (value == value_squares ==
    // merged_changes, exactly): such a summary is encoded as version 1 in every form.
    bool weighted() const
    {
        const double merged = static_cast<double>(merged_changes);
        return !(value == merged && value_squares == merged);
    }

    // True when some row carried a cost: such a summary is encoded as version 3.
    bool costed() const { return cost_micro_usd != 0 || costed_tokens != 0; }
    // Tokens of rows without a cost: when not 0 the summary has no cost.
    int64_t uncosted_tokens() const { return tokens - costed_tokens; }

    bool operator==(const UsageSummary& other) const
    {
        return rows == other.rows && tokens == other.tokens && merged_changes == other.merged_changes &&
               value == other.value && value_squares == other.value_squares &&
               cost_micro_usd == other.cost_micro_usd && costed_tokens == other.costed_tokens;
    }
};

// Adds one unweighted row (each merged change weighs 1). Both counts must be non-negative and
// the sums must fit in a bigint; on error the summary is left unchanged.
void add_usage(UsageSummary& summary, int64_t tokens, int64_t merged_changes);
// Adds one weighted row: merged_changes whose total value is `value` (finite, >= 0; NaN and
// infinity are InvalidParameter, negative OutOfRange, both naming `value`). Sums of value and
// value_squares must stay finite. On error the summary is left unchanged.
void add_usage(UsageSummary& summary, int64_t tokens, int64_t merged_changes, double value);
// Adds one weighted row with its cost in US dollars (finite, >= 0, rounded to the micro-dollar;
// errors name `cost_usd`); no cost (nullopt) leaves the row's tokens uncosted. On error the
// summary is left unchanged.
void add_usage(UsageSummary& summary, int64_t tokens, int64_t merged_changes, double value,
               std::optional<double> cost_usd);
// A cost in US dollars as whole micro-dollars (round half away from zero), checked as above.
int64_t micro_usd(double cost_usd);
// Adds another summary (the combine step of partial aggregation and of rollup).
void add_summary(UsageSummary& summary, const UsageSummary& other);
// Removes one unweighted row previously added (the inverse transition of the 2-argument
// usage_agg in a moving window frame; exact, integers only). A weighted summary has no exact
// inverse in floating point, so the weighted aggregate has none and removing from a weighted
// summary (or from one with a cost) is an InvalidParameter error.
void remove_usage(UsageSummary& summary, int64_t tokens, int64_t merged_changes);

// Stored layout (after PostgreSQL's 4-byte varlena header), native byte order, 8-byte aligned
// fields: version u8 | reserved u8[3] (zero) | rows i64 | tokens i64 | merged_changes i64, for
// versions 2 and 3 also | value f64 | value_squares f64, for version 3 also | cost_micro_usd i64
// | costed_tokens i64.
// A summary without cost is written as version 1 when unweighted (so values stored before weights
// existed, their hashes and their dumps are unchanged) and as version 2 when weighted; version 3
// holds summaries with a cost (weighted or not) only, so each value has exactly one encoding.
// Readers accept all three; every decoder checks that counts are non-negative, that a summary of
// zero rows holds nothing, that the weights are finite, >= 0 (no negative zero), with value == 0
// exactly when value_squares == 0, and that costed tokens do not exceed tokens.
constexpr uint8_t kSummaryVersion = 1;          // unweighted
constexpr uint8_t kWeightedSummaryVersion = 2;  // weighted
constexpr uint8_t kCostedSummaryVersion = 3;    // with a cost
constexpr std::size_t kStoredSummarySize = 28;
constexpr std::size_t kStoredWeightedSummarySize = 44;
constexpr std::size_t kStoredCostedSummarySize = 60;
constexpr std::size_t kStoredSummaryMaxSize = kStoredCostedSummarySize;
// The canonical stored form's length and version.
std::size_t stored_size(const UsageSummary& summary);
uint8_t stored_version(const UsageSummary& summary);
// Writes the canonical stored form into out (room for kStoredSummaryMaxSize bytes) and returns
// its length.
std::size_t to_stored(const UsageSummary& summary, uint8_t out[kStoredSummaryMaxSize]);
UsageSummary from_stored(const uint8_t* bytes, std::size_t size);

// Binary wire form (send/recv, COPY BINARY), big-endian: version u8 | rows i64 | tokens i64 |
// merged_changes i64, for versions 2 and 3 also | value f64 | value_squares f64 (IEEE 754 bits),
// for version 3 also | cost_micro_usd i64 | costed_tokens i64. recv is reachable by any user, so
// from_wire validates it all.
constexpr std::size_t kWireSummarySize = 25;
constexpr std::size_t kWireWeightedSummarySize = 41;
constexpr std::size_t kWireCostedSummarySize = 57;
struct WireSummary {
    uint8_t bytes[kWireCostedSummarySize];
    std::size_t length;
    const uint8_t* data() const { return bytes; }
    std::size_t size() const { return length; }
    const uint8_t* begin() const { return bytes; }
    const uint8_t* end() const { return bytes + length; }
    uint8_t& operator[](std::size_t i) { return bytes[i]; }
};
WireSummary to_wire(const UsageSummary& summary);
UsageSummary from_wire(const uint8_t* bytes, std::size_t size);

// Text form, stable for pg_dump: (version:1,rows:3,tokens:123,merged_changes:4) when unweighted,
// (version:2,rows:3,tokens:123,merged_changes:4,value:3.5,value_squares:4.25) when weighted,
// (version:3,...,value_squares:4.25,cost_micro_usd:1500,costed_tokens:123) with a cost, with the
// shortest decimal form that reads back to the same double.
std::string to_text(const UsageSummary& summary);
UsageSummary from_text(const char* text);

}  // namespace uv
