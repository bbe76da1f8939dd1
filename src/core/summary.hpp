// A usage summary: the tokens spent and the merged changes delivered by a group of rows.
// It is the state and the result of usage_agg, so it is small, combinable and storable.
#pragma once

#include "common.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>

namespace uv {

struct UsageSummary {
    int64_t rows = 0;  // rows with at least one non-NULL count; 0 means "no data" (SQL NULL)
    int64_t tokens = 0;
    int64_t merged_changes = 0;

    bool operator==(const UsageSummary& other) const
    {
        return rows == other.rows && tokens == other.tokens && merged_changes == other.merged_changes;
    }
};

// Adds one row. Both counts must be non-negative and the sums must fit in a bigint; on error
// the summary is left unchanged.
void add_usage(UsageSummary& summary, int64_t tokens, int64_t merged_changes);
// Adds another summary (the combine step of partial aggregation and of rollup).
void add_summary(UsageSummary& summary, const UsageSummary& other);
// Removes one row previously added (the inverse transition of a moving window frame).
void remove_usage(UsageSummary& summary, int64_t tokens, int64_t merged_changes);

// Stored layout (after PostgreSQL's 4-byte varlena header), native byte order, 8-byte aligned
// fields: version u8 | reserved u8[3] (zero) | rows i64 | tokens i64 | merged_changes i64.
// A later version may append fields; a reader accepts every version it knows. Every decoder
// checks that counts are non-negative and that a summary of zero rows holds nothing.
constexpr uint8_t kSummaryVersion = 1;
constexpr std::size_t kStoredSummarySize = 28;
void to_stored(const UsageSummary& summary, uint8_t out[kStoredSummarySize]);
UsageSummary from_stored(const uint8_t* bytes, std::size_t size);

// Binary wire form (send/recv, COPY BINARY): version u8 | rows i64 | tokens i64 |
// merged_changes i64, big-endian. recv is reachable by any user, so from_wire validates it all.
constexpr std::size_t kWireSummarySize = 25;
std::array<uint8_t, kWireSummarySize> to_wire(const UsageSummary& summary);
UsageSummary from_wire(const uint8_t* bytes, std::size_t size);

// Text form, stable for pg_dump: (version:1,rows:3,tokens:123,merged_changes:4).
std::string to_text(const UsageSummary& summary);
UsageSummary from_text(const char* text);

}  // namespace uv
