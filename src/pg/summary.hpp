// usage_summary as a PostgreSQL varlena: reading any stored or incoming value, and the
// in-memory layout that aggregates update in place.
#pragma once

#include "core/summary.hpp"
#include "pg/glue.hpp"

#include <cstddef>

namespace uv::pg {

// Matches the core's stored layout behind a 4-byte varlena header; fields are 8-byte aligned
// in memory we allocate, so transition functions update them in place. A version 1 value (the
// unweighted case) ends after merged_changes; value and value_squares exist in versions 2 and 3,
// the cost fields in version 3 only.
struct SummaryDatum {
    int32 vl_len_;
    uint8 version;
    uint8 reserved[3];
    int64 rows;
    int64 tokens;
    int64 merged_changes;
    float8 value;
    float8 value_squares;
    int64 cost_micro_usd;
    int64 costed_tokens;
};
static_assert(sizeof(SummaryDatum) == VARHDRSZ + uv::kStoredSummaryMaxSize, "layout must match the core");
static_assert(offsetof(SummaryDatum, value) == VARHDRSZ + uv::kStoredSummarySize, "layout must match the core");
static_assert(offsetof(SummaryDatum, cost_micro_usd) == VARHDRSZ + uv::kStoredWeightedSummarySize,
              "layout must match the core");

// Validated copy of a usage_summary argument of any provenance (packed, toasted, from disk).
UsageSummary read_summary(Datum datum);
// A new datum in the given context, in the canonical (smallest) layout.
SummaryDatum* make_summary(const UsageSummary& summary, MemoryContext context);

}  // namespace uv::pg
