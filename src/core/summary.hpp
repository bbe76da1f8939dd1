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
#pragma once

#include "common.hpp"

#include <cstddef>
#include <cstdint>
#include <string>

namespace uv {

struct UsageSummary {
    int64_t rows = 0;  // rows with at least one non-NULL argument; 0 means "no data" (SQL NULL)
    int64_t tokens = 0;
    int64_t merged_changes = 0;
    double value = 0.0;          // sum of the weights of the merged changes (and of review credit)
    double value_squares = 0.0;  // sum of the squared weights (per row: v^2 / max(m, 1))

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

    bool operator==(const UsageSummary& other) const
    {
        return rows == other.rows && tokens == other.tokens && merged_changes == other.merged_changes &&
               value == other.value && value_squares == other.value_squares;
    }
};

// Adds one unweighted row (each merged change weighs 1). Both counts must be non-negative and
// the sums must fit in a bigint; on error the summary is left unchanged.
void add_usage(UsageSummary& summary, int64_t tokens, int64_t merged_changes);
// Adds one weighted row: merged_changes whose total value is `value` (finite, >= 0; NaN and
// infinity are InvalidParameter, negative OutOfRange, both naming `value`). Sums of value and
// value_squares must stay finite. On error the summary is left unchanged.
void add_usage(UsageSummary& summary, int64_t tokens, int64_t merged_changes, double value);
// Adds another summary (the combine step of partial aggregation and of rollup).
void add_summary(UsageSummary& summary, const UsageSummary& other);
// Removes one unweighted row previously added (the inverse transition of the 2-argument
// usage_agg in a moving window frame; exact, integers only). A weighted summary has no exact
// inverse in floating point, so the weighted aggregate has none and removing from a weighted
// summary is an InvalidParameter error.
void remove_usage(UsageSummary& summary, int64_t tokens, int64_t merged_changes);

// Stored layout (after PostgreSQL's 4-byte varlena header), native byte order, 8-byte aligned
// fields: version u8 | reserved u8[3] (zero) | rows i64 | tokens i64 | merged_changes i64, and
// for version 2 also | value f64 | value_squares f64.
// An unweighted summary is always written as version 1 (so values stored before weights existed,
// their hashes and their dumps are unchanged); version 2 holds weighted summaries only, so each
// value has exactly one encoding. Readers accept both; every decoder checks that counts are
// non-negative, that a summary of zero rows holds nothing, and that the weights are finite,
// >= 0 (no negative zero), with value == 0 exactly when value_squares == 0.
constexpr uint8_t kSummaryVersion = 1;          // unweighted
constexpr uint8_t kWeightedSummaryVersion = 2;  // weighted
constexpr std::size_t kStoredSummarySize = 28;
constexpr std::size_t kStoredWeightedSummarySize = 44;
// Writes the canonical stored form into out (room for kStoredWeightedSummarySize bytes) and
// returns its length.
std::size_t to_stored(const UsageSummary& summary, uint8_t out[kStoredWeightedSummarySize]);
UsageSummary from_stored(const uint8_t* bytes, std::size_t size);

// Binary wire form (send/recv, COPY BINARY), big-endian: version u8 | rows i64 | tokens i64 |
// merged_changes i64, and for version 2 also | value f64 | value_squares f64 (IEEE 754 bits).
// recv is reachable by any user, so from_wire validates it all.
constexpr std::size_t kWireSummarySize = 25;
constexpr std::size_t kWireWeightedSummarySize = 41;
struct WireSummary {
    uint8_t bytes[kWireWeightedSummarySize];
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
// with the shortest decimal form that reads back to the same double.
std::string to_text(const UsageSummary& summary);
UsageSummary from_text(const char* text);

}  // namespace uv
