// What the burst glue files share: the aggregate state (a core BurstSeries whose buckets live in
// the aggregate's MemoryContext), bucket and width conversions, the misuse checks and the
// episodes array.
#pragma once

#include "core/burst_series.hpp"
#include "pg/glue.hpp"

extern "C" {
#include "datatype/timestamp.h"
}

#include <memory_resource>
#include <string>
#include <vector>

namespace uv::pg {

// A std::pmr resource over a MemoryContext: work_mem accounting sees the memory (a hash
// aggregate spills), and it is freed with the context. Allocation failure is std::bad_alloc
// (the guard reports "out of memory"), never a longjmp through C++ frames.
class ContextResource final : public std::pmr::memory_resource {
public:
    explicit ContextResource(MemoryContext context) noexcept : context_(context) {}

private:
    void* do_allocate(std::size_t bytes, std::size_t alignment) override;
    void do_deallocate(void* p, std::size_t, std::size_t) override { pfree(p); }
    bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override { return this == &other; }
    MemoryContext context_;
};

// The state of every burst aggregate (burst_series, rollup(burst_series), the one-step
// burst_inflation and burst_episodes). It lives in the aggregate context and is never destroyed:
// its memory goes with the context.
struct BurstState {
    ContextResource memory;
    uv::burst::BurstSeries series;
    uv::burst::BurstParams params;
    // Built from rows: the buckets' timestamps are checked against the width (BucketAlignment);
    // false for rollup, whose series arrive as bucket indices.
    bool from_rows;
    uv::burst::BucketAlignment alignment;
    // The parameter arguments of the row that set params, kept raw so that later rows are
    // checked with a byte comparison instead of being parsed again.
    int raw_count = 0;
    Interval raw_intervals[3] = {};
    double raw_significance = 0.0;

    BurstState(MemoryContext context, const uv::burst::BurstParams& p, bool rows)
        : memory(context), series(p.bucket_seconds, &memory), params(p), from_rows(rows)
    {
    }
};

static_assert(alignof(BurstState) <= MAXIMUM_ALIGNOF, "palloc'd memory must suit the state");
static_assert(alignof(uv::burst::SeriesBucket) <= MAXIMUM_ALIGNOF, "palloc'd memory must suit the buckets");

// A new state in `context` (placement in palloc'd memory; std::bad_alloc on failure).
BurstState* new_burst_state(MemoryContext context, const uv::burst::BurstParams& params, bool from_rows);

// The state for this row of a rows aggregate, its parameters read from argument `first` on
// (bucket_width [, significance, horizon, baseline]; bucket_width defaults to default_width
// seconds); every row of a group must give the same.
BurstState* transition_state(FunctionCallInfo fcinfo, int first, int64 default_width);
// Adds the row (state, bucket, tokens, merged_changes [, merged_value when valued]).
void add_row(FunctionCallInfo fcinfo, BurstState& state, bool valued);
// Misuse refused before a state's series is used (a width much finer than the buckets).
void check_state(const BurstState& state);

// The aggregate context, or Internal when called outside an aggregate.
MemoryContext aggregate_context(FunctionCallInfo fcinfo, const char* function, int* kind = nullptr);

// Whole seconds of a fixed-length interval (InvalidParameter naming `argument` otherwise).
int64 interval_seconds(const Interval* interval, const char* argument);
// A bucket's index for `width` (seconds since 1970 UTC, floored); InvalidParameter for
// infinite timestamps.
int64 bucket_seconds(TimestampTz bucket);
TimestampTz bucket_start(int64 index, int64 width);
// A width as interval text: '1 hour', '7 days', '90 minutes'.
std::string width_text(int64 seconds);

// Width much finer than the buckets (see BucketAlignment::refused_step): InvalidParameter.
void check_not_finer(int64 step, size_t distinct, int64 width);

// Excused periods, a tstzrange[] argument (burst_inflation, burst_episodes, efficiency_drift),
// read as plain data with PostgreSQL calls only (call it with no C++ object alive): a NULL array,
// NULL elements and empty ranges are skipped. Bounds are whole seconds since 1970 UTC, the lower
// rounded down and the upper up (inclusive or not: a single instant excuses nothing).
struct ExcusedRange {
    bool lower_unbounded, upper_unbounded;
    int64 lower_seconds, upper_seconds;
};
ExcusedRange* read_excused(FunctionCallInfo fcinfo, int argument, size_t* count);
// The spans for the core, each clamped to the series' span [span_start, span_end) (an unbounded
// side becomes the span's end); what lies outside the span is dropped.
std::vector<uv::burst::ExcusedSpan> excused_spans(const ExcusedRange* ranges, size_t count, int64 span_start,
                                                  int64 span_end);

// burst_episode[] of an analysis (built with PostgreSQL calls only: call it with no C++ object
// alive). The element type comes from the function's declared result.
struct EpisodeRow {
    int64 start_bucket, end_bucket, tokens, merged_changes;
    double baseline_tokens, expected_merged_changes, excess_tokens, inflated_tokens, p_value;
    double merged_value, expected_merged_value, excused_tokens;
};
// Copies the result's episodes into palloc'd rows (no PostgreSQL error possible: std::bad_alloc).
EpisodeRow* episode_rows(const uv::burst::BurstResult& result, size_t* count);
Datum episodes_array(FunctionCallInfo fcinfo, const EpisodeRow* rows, size_t count, int64 width);

}  // namespace uv::pg
