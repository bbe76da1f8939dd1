// SQL face of burst inflation, one step: the burst_inflation and burst_episodes aggregates (thin
// wrappers: the state of the burst_series aggregate, analysed by the final function with the
// aggregate's parameters), the state's combine and serial functions shared by every burst
// aggregate, and the burst_score moving window aggregate (internal state holding a core
// WindowScore).
#include "pg/burst.hpp"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "datatype/timestamp.h"
#include "funcapi.h"
#include "nodes/execnodes.h"
#include "nodes/parsenodes.h"
#include "nodes/plannodes.h"
#include "utils/array.h"
#include "utils/datetime.h"
#include "utils/lsyscache.h"
#include "utils/rangetypes.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"
}

#include <cmath>
#include <string>

namespace {

using uv::Error;
using uv::ErrorKind;
using uv::burst::BucketAlignment;
using uv::burst::BurstParams;
using uv::burst::BurstSeries;
using uv::pg::BurstState;

constexpr int64 kSecondsPerDay = 86400;

// The state of burst_score: the frame, and whether the current row's tokens were NULL.
struct ScoreState {
    uv::burst::WindowScore frame;
    bool current_is_null = false;
};

}  // namespace

namespace uv::pg {

void* ContextResource::do_allocate(std::size_t bytes, std::size_t alignment)
{
    if (alignment > MAXIMUM_ALIGNOF || bytes > MaxAllocHugeSize)
        throw std::bad_alloc();
    void* p = MemoryContextAllocExtended(context_, bytes == 0 ? 1 : bytes, MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
    if (p == nullptr)
        throw std::bad_alloc();
    return p;
}

BurstState* new_burst_state(MemoryContext context, const BurstParams& params, bool from_rows)
{
    void* p = MemoryContextAllocExtended(context, sizeof(BurstState), MCXT_ALLOC_NO_OOM);
    if (p == nullptr)
        throw std::bad_alloc();
    return new (p) BurstState(context, params, from_rows);
}

MemoryContext aggregate_context(FunctionCallInfo fcinfo, const char* function, int* kind)
{
    MemoryContext context;
    const int found = AggCheckCallContext(fcinfo, &context);
    if (!found)
        throw Error(ErrorKind::Internal, std::string(function) + " called outside an aggregate");
    if (kind != nullptr)
        *kind = found;
    return context;
}

// Whole seconds of a fixed-length interval (months have no fixed length).
int64 interval_seconds(const Interval* interval, const char* argument)
{
    if (interval->month != 0)
        throw Error(ErrorKind::InvalidParameter,
                    std::string(argument) + " must be a fixed length in days, hours, minutes or seconds, not months");
    int64 microseconds;
    if (__builtin_mul_overflow(int64(interval->day), int64(USECS_PER_DAY), &microseconds) ||
        __builtin_add_overflow(microseconds, interval->time, &microseconds))
        throw Error(ErrorKind::InvalidParameter, std::string(argument) + " is out of range");
    if (microseconds % USECS_PER_SEC != 0)
        throw Error(ErrorKind::InvalidParameter, std::string(argument) + " must be a whole number of seconds");
    return microseconds / USECS_PER_SEC;
}

}  // namespace uv::pg

namespace {

using uv::pg::aggregate_context;
using uv::pg::bucket_seconds;
using uv::pg::interval_seconds;
using uv::pg::width_text;

int64 ceil_div(int64 a, int64 b) { return a / b + (a % b != 0 ? 1 : 0); }

// Parameters from the optional arguments after (bucket, tokens, merged_changes):
// bucket_width [, significance, horizon, baseline]. Each must be non-NULL.
BurstParams read_params(FunctionCallInfo fcinfo, int first, int64 default_width)
{
    const int given = PG_NARGS() - first;
    for (int i = first; i < PG_NARGS(); ++i)
        if (PG_ARGISNULL(i)) {
            static const char* names[] = {"bucket_width", "significance", "horizon", "baseline"};
            throw Error(ErrorKind::InvalidParameter, std::string(names[i - first]) + " must not be NULL");
        }
    int64 width = default_width;
    if (given >= 1) {
        width = interval_seconds(PG_GETARG_INTERVAL_P(first), "bucket_width");
        if (width <= 0)
            throw Error(ErrorKind::InvalidParameter, "bucket_width must be positive");
    }
    BurstParams params = uv::burst::default_params(width);
    if (given >= 4) {
        params.alpha = PG_GETARG_FLOAT8(first + 1);
        if (!(params.alpha > 0.0 && params.alpha <= 0.5)) {  // also rejects NaN
            char got[32];
            snprintf(got, sizeof got, "%g", params.alpha);
            throw Error(ErrorKind::InvalidParameter, std::string("significance must be in (0, 0.5] (got ") + got + ")");
        }
        const int64 horizon = interval_seconds(PG_GETARG_INTERVAL_P(first + 2), "horizon");
        const int64 baseline = interval_seconds(PG_GETARG_INTERVAL_P(first + 3), "baseline");
        if (horizon < 0)
            throw Error(ErrorKind::InvalidParameter, "horizon must not be negative");
        if (baseline <= 0)
            throw Error(ErrorKind::InvalidParameter, "baseline must be positive");
        params.horizon_buckets = ceil_div(horizon, width);
        params.baseline_buckets = ceil_div(baseline, width);
    }
    uv::burst::validate(params);
    return params;
}

bool same_params(const BurstParams& a, const BurstParams& b)
{
    return a.bucket_seconds == b.bucket_seconds && a.baseline_buckets == b.baseline_buckets &&
           a.alpha == b.alpha && a.horizon_buckets == b.horizon_buckets &&
           a.max_episode_buckets == b.max_episode_buckets && a.seasonal == b.seasonal;
}

void adopt_params(BurstState& state, const BurstParams& params)
{
    if (!same_params(state.params, params)) {
        throw Error(ErrorKind::InvalidParameter,
                    "bucket_width, significance, horizon and baseline must be the same for every row of a group");
    }
}

constexpr int64 kUnixEpochSeconds = (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * kSecondsPerDay;

}  // namespace

namespace uv::pg {

// Whole seconds since 1970-01-01 UTC, rounded down.
int64 bucket_seconds(TimestampTz bucket)
{
    if (TIMESTAMP_NOT_FINITE(bucket))
        throw Error(ErrorKind::InvalidParameter, "bucket must be a finite timestamp");
    return bucket / USECS_PER_SEC - (bucket % USECS_PER_SEC < 0 ? 1 : 0) + kUnixEpochSeconds;
}

TimestampTz bucket_start(int64 index, int64 width)
{
    return TimestampTz((index * width - kUnixEpochSeconds) * USECS_PER_SEC);
}

// A width as interval text: '1 hour', '7 days', '90 minutes'.
std::string width_text(int64 seconds)
{
    static const struct { int64 size; const char* unit; } units[] = {
        {kSecondsPerDay, "day"}, {3600, "hour"}, {60, "minute"}, {1, "second"}};
    for (const auto& u : units)
        if (seconds % u.size == 0) {
            const int64 n = seconds / u.size;
            return "'" + std::to_string(n) + " " + u.unit + (n == 1 ? "" : "s") + "'";
        }
    return "'" + std::to_string(seconds) + " seconds'";
}

void check_not_finer(int64 step, size_t distinct, int64 width)
{
    if (step < BucketAlignment::kFineStep || distinct < BucketAlignment::kFineMinBuckets)
        return;
    // step * width is a difference of two bucket times in seconds: no overflow.
    const std::string data = width_text(step * width);
    throw Error(ErrorKind::InvalidParameter,
                "bucket_width " + width_text(width) + " is finer than the buckets: all " + std::to_string(distinct) +
                    " buckets lie a whole number of " + data +
                    " apart, so the analysis would see mostly empty buckets; pass bucket_width " + data);
}

EpisodeRow* episode_rows(const uv::burst::BurstResult& result, size_t* count)
{
    *count = result.episodes.size();
    auto* rows = static_cast<EpisodeRow*>(palloc_or_throw(sizeof(EpisodeRow) * (*count + 1)));
    for (size_t i = 0; i < *count; ++i) {
        const uv::burst::Episode& e = result.episodes[i];
        rows[i] = {e.start_bucket,   e.end_bucket,    e.tokens,          e.merged_changes,
                   e.baseline_tokens, e.expected_merged_changes, e.excess_tokens, e.inflated_tokens,
                   e.p_value,        e.merged_value,  e.expected_merged_value, e.excused_tokens};
    }
    return rows;
}

ExcusedRange* read_excused(FunctionCallInfo fcinfo, int argument, size_t* count)
{
    *count = 0;
    if (PG_NARGS() <= argument || PG_ARGISNULL(argument))
        return nullptr;
    ArrayType* array = PG_GETARG_ARRAYTYPE_P(argument);
    const Oid element_type = ARR_ELEMTYPE(array);
    TypeCacheEntry* range_cache = lookup_type_cache(element_type, TYPECACHE_RANGE_INFO);
    if (range_cache->rngelemtype == nullptr || range_cache->rngelemtype->type_id != TIMESTAMPTZOID)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("excused must be a tstzrange[]")));
    int16 length;
    bool by_value;
    char align;
    get_typlenbyvalalign(element_type, &length, &by_value, &align);
    Datum* items;
    bool* nulls;
    int n;
    deconstruct_array(array, element_type, length, by_value, align, &items, &nulls, &n);
    auto* ranges = static_cast<ExcusedRange*>(palloc(sizeof(ExcusedRange) * (size_t(n) + 1)));
    for (int i = 0; i < n; ++i) {
        CHECK_FOR_INTERRUPTS();
        if (nulls[i])
            continue;
        RangeBound lower, upper;
        bool empty;
        range_deserialize(range_cache, DatumGetRangeTypeP(items[i]), &lower, &upper, &empty);
        if (empty)
            continue;
        ExcusedRange& r = ranges[(*count)++];
        const TimestampTz lo = lower.infinite ? DT_NOBEGIN : DatumGetTimestampTz(lower.val);
        const TimestampTz hi = upper.infinite ? DT_NOEND : DatumGetTimestampTz(upper.val);
        // '-infinity' and 'infinity' bounds are unbounded too; a lower bound at 'infinity' (or an
        // upper one at '-infinity') excuses nothing.
        r.lower_unbounded = TIMESTAMP_IS_NOBEGIN(lo);
        r.upper_unbounded = TIMESTAMP_IS_NOEND(hi);
        r.lower_seconds = TIMESTAMP_IS_NOEND(lo) ? PG_INT64_MAX
                          : r.lower_unbounded    ? 0
                                                 : lo / USECS_PER_SEC - (lo % USECS_PER_SEC < 0 ? 1 : 0) + kUnixEpochSeconds;
        r.upper_seconds = TIMESTAMP_IS_NOBEGIN(hi) ? PG_INT64_MIN
                          : r.upper_unbounded      ? 0
                                                   : hi / USECS_PER_SEC + (hi % USECS_PER_SEC > 0 ? 1 : 0) + kUnixEpochSeconds;
    }
    return ranges;
}

std::vector<uv::burst::ExcusedSpan> excused_spans(const ExcusedRange* ranges, size_t count, int64 span_start, int64 span_end)
{
    std::vector<uv::burst::ExcusedSpan> spans;
    for (size_t i = 0; i < count; ++i) {
        const ExcusedRange& r = ranges[i];
        const int64 start = r.lower_unbounded ? span_start : std::max(r.lower_seconds, span_start);
        const int64 end = r.upper_unbounded ? span_end : std::min(r.upper_seconds, span_end);
        if (start < end)
            spans.push_back({start, end});
    }
    return spans;
}

}  // namespace uv::pg

namespace {

using uv::pg::bucket_start;

// How to truncate a timestamp to `width`: date_trunc for the widths it has, date_bin otherwise.
std::string truncation_text(int64 width)
{
    static const struct { int64 size; const char* unit; } units[] = {
        {1, "second"}, {60, "minute"}, {3600, "hour"}, {kSecondsPerDay, "day"}, {7 * kSecondsPerDay, "week"}};
    for (const auto& u : units)
        if (width == u.size)
            return std::string("date_trunc('") + u.unit + "', ts)";
    return "date_bin(" + width_text(width) + ", ts, '2000-01-01')";
}

// A bucket in ISO form in the session time zone, as the user wrote it. timestamp2tm and
// EncodeDateTime only fill buffers (no ereport), so this is safe beside live C++ objects.
std::string bucket_text(int64 seconds)
{
    const TimestampTz t = TimestampTz((seconds - kUnixEpochSeconds) * USECS_PER_SEC);
    struct pg_tm tm;
    fsec_t fsec;
    int tz;
    const char* tzn;
    char buffer[MAXDATELEN + 1];
    if (timestamp2tm(t, &tz, &tm, &fsec, &tzn, nullptr) != 0)
        return "(a timestamp out of range)";
    EncodeDateTime(&tm, fsec, true, tz, tzn, USE_ISO_DATES, buffer);
    return buffer;
}

// Width coarser than the buckets: distinct buckets would be summed into one (BucketAlignment).
[[noreturn]] void refuse_coarse_width(const BucketAlignment& alignment, int64 width)
{
    const int64 a = alignment.low_seconds(), b = alignment.high_seconds();
    const int64 apart = a > b ? a - b : b - a;
    std::string message = "bucket_width " + width_text(width) + " does not match the buckets: " + bucket_text(std::min(a, b)) +
                          " and " + bucket_text(std::max(a, b)) + " are not a whole number of " + width_text(width) +
                          " apart, so different buckets would be summed into one; truncate bucket to bucket_width (" +
                          truncation_text(width) + " with " + width_text(width) + ")";
    // Buckets a whole number of hours apart were truncated to hours or days: name that width too.
    // Raw event times only want the truncation above.
    for (const int64 data : {kSecondsPerDay, int64(3600)})
        if (apart % data == 0) {
            message += " or pass the width the buckets have (" + width_text(data) + " with " + truncation_text(data) + ")";
            break;
        }
    throw Error(ErrorKind::InvalidParameter, message);
}

// Width much finer than the buckets: refused before the analysis (which would run over mostly
// empty buckets, and for '1 second' on hourly buckets take seconds to say 0).
void check_not_finer(const BurstState& state)
{
    const size_t distinct = state.series.bucket_count();
    uv::pg::check_not_finer(state.alignment.refused_step(distinct), distinct, state.params.bucket_seconds);
}

// Adds one row's bucket: alignment first, then the series.
int64 bucket_index(BurstState& state, TimestampTz bucket)
{
    const int64 width = state.params.bucket_seconds;
    const int64 seconds = bucket_seconds(bucket);
    const int64 index = seconds / width - (seconds % width < 0 ? 1 : 0);
    if (!state.alignment.add(seconds, index, width))
        refuse_coarse_width(state.alignment, width);
    return index;
}

// Raw parameter arguments (from argument `first` on) of this row: bucket_width, significance,
// horizon, baseline, as many as the overload has. NULLs are left to read_params.
bool same_raw_params(FunctionCallInfo fcinfo, int first, const BurstState& state)
{
    const int count = PG_NARGS() - first;
    if (count != state.raw_count)
        return false;
    for (int i = 0; i < count; ++i)
        if (PG_ARGISNULL(first + i))
            return false;
    if (count >= 1 && memcmp(PG_GETARG_INTERVAL_P(first), &state.raw_intervals[0], sizeof(Interval)) != 0)
        return false;
    if (count >= 4 &&
        (PG_GETARG_FLOAT8(first + 1) != state.raw_significance ||
         memcmp(PG_GETARG_INTERVAL_P(first + 2), &state.raw_intervals[1], sizeof(Interval)) != 0 ||
         memcmp(PG_GETARG_INTERVAL_P(first + 3), &state.raw_intervals[2], sizeof(Interval)) != 0))
        return false;
    return true;
}

void remember_raw_params(FunctionCallInfo fcinfo, int first, BurstState& state)
{
    state.raw_count = PG_NARGS() - first;
    if (state.raw_count >= 1)
        state.raw_intervals[0] = *PG_GETARG_INTERVAL_P(first);
    if (state.raw_count >= 4) {
        state.raw_significance = PG_GETARG_FLOAT8(first + 1);
        state.raw_intervals[1] = *PG_GETARG_INTERVAL_P(first + 2);
        state.raw_intervals[2] = *PG_GETARG_INTERVAL_P(first + 3);
    }
}

}  // namespace

namespace uv::pg {

// The state for this row, with its parameters read from argument `first` on (bucket_width
// defaults to `default_width` seconds).
BurstState* transition_state(FunctionCallInfo fcinfo, int first, int64 default_width)
{
    MemoryContext context = aggregate_context(fcinfo, "burst_transfn");
    BurstState* state = PG_ARGISNULL(0) ? nullptr : reinterpret_cast<BurstState*>(PG_GETARG_POINTER(0));
    if (state == nullptr)
        state = new_burst_state(context, read_params(fcinfo, first, default_width), true);
    else if (!same_raw_params(fcinfo, first, *state))
        adopt_params(*state, read_params(fcinfo, first, default_width));
    remember_raw_params(fcinfo, first, *state);
    return state;
}

// Adds one row to the series: (state, bucket, tokens, merged_changes[, merged_value]) with the
// value at argument 4 when `valued`. A NULL bucket skips the row; NULL tokens or merged_changes
// (or merged_value) contribute nothing, as in usage_agg; a row with all of them NULL is skipped.
void add_row(FunctionCallInfo fcinfo, BurstState& state, bool valued)
{
    if (PG_ARGISNULL(1) || (PG_ARGISNULL(2) && PG_ARGISNULL(3) && (!valued || PG_ARGISNULL(4))))
        return;
    const int64 index = bucket_index(state, PG_GETARG_TIMESTAMPTZ(1));
    const int64 tokens = PG_ARGISNULL(2) ? 0 : PG_GETARG_INT64(2);
    const int64 changes = PG_ARGISNULL(3) ? 0 : PG_GETARG_INT64(3);
    if (valued)
        state.series.add(index, tokens, changes, PG_ARGISNULL(4) ? 0.0 : PG_GETARG_FLOAT8(4));
    else
        state.series.add(index, tokens, changes);
}

BurstState* burst_state_arg(FunctionCallInfo fcinfo, int argument)
{
    return PG_ARGISNULL(argument) ? nullptr : reinterpret_cast<BurstState*>(PG_GETARG_POINTER(argument));
}

// Misuse refused before the series is used: a width much finer than the buckets.
void check_state(const BurstState& state)
{
    if (state.from_rows)
        ::check_not_finer(state);
}

}  // namespace uv::pg

using uv::pg::burst_state_arg;

// burst_inflation / burst_episodes transition: (state, bucket, tokens, merged_changes
// [, bucket_width [, significance, horizon, baseline]]). A NULL bucket skips the row; NULL
// tokens or merged_changes contribute nothing, as in usage_agg.
UV_FUNCTION(burst_transfn)
{
    BurstState* state = uv::pg::transition_state(fcinfo, 4, kSecondsPerDay);
    uv::pg::add_row(fcinfo, *state, false);
    PG_RETURN_POINTER(state);
}

// The valued overloads: (state, bucket, tokens, merged_changes, merged_value [, bucket_width [,
// significance, horizon, baseline]]). Merged output is credited by merged_value; merged_changes
// stays the plain count (and spreads the value's squares, see docs/burst-method.md). NULLs contribute
// nothing (a row with all three NULL is skipped; a NULL value is 0).
UV_FUNCTION(burst_value_transfn)
{
    BurstState* state = uv::pg::transition_state(fcinfo, 5, kSecondsPerDay);
    uv::pg::add_row(fcinfo, *state, true);
    PG_RETURN_POINTER(state);
}

// Parallel combine of every burst aggregate: merges the second series into the first (a copy of
// the second, in the aggregate context, when the first is NULL).
UV_FUNCTION(burst_combine)
{
    MemoryContext context = aggregate_context(fcinfo, "burst_combine");
    BurstState* left = burst_state_arg(fcinfo, 0);
    const BurstState* right = burst_state_arg(fcinfo, 1);
    if (right == nullptr) {
        if (left == nullptr)
            PG_RETURN_NULL();
        PG_RETURN_POINTER(left);
    }
    if (left == nullptr)
        left = uv::pg::new_burst_state(context, right->params, right->from_rows);
    if (!left->from_rows && left->params.bucket_seconds != right->params.bucket_seconds)
        throw Error(ErrorKind::InvalidParameter, "rollup: burst_series of different bucket widths (" +
                                                     width_text(left->params.bucket_seconds) + " and " +
                                                     width_text(right->params.bucket_seconds) + ") cannot be merged");
    adopt_params(*left, right->params);
    if (left->from_rows && !left->alignment.merge(right->alignment, left->params.bucket_seconds))
        refuse_coarse_width(left->alignment, left->params.bucket_seconds);
    left->series.merge(right->series);
    PG_RETURN_POINTER(left);
}

// Serial form for parallel query: u8 flags (bit 0: built from rows, bit 1: non-empty), the
// parameters as int64/float8, the bucket alignment as int64, then the series' validated stored
// bytes when non-empty. It only lives within one query, but is validated as strictly as stored
// bytes.
UV_FUNCTION(burst_serialize)
{
    const BurstState* state = reinterpret_cast<const BurstState*>(PG_GETARG_POINTER(0));
    const BurstParams& p = state->params;
    const int64 fields[] = {p.bucket_seconds, p.baseline_buckets, p.horizon_buckets, p.max_episode_buckets,
                            int64(p.seasonal)};
    int64 alignment[BucketAlignment::kFields];
    state->alignment.to_fields(alignment);
    const size_t header = 1 + sizeof fields + sizeof p.alpha + sizeof alignment;
    bytea* result;
    {
        const std::vector<uint8_t> series = state->series.empty() ? std::vector<uint8_t>() : state->series.encode();
        result = static_cast<bytea*>(uv::pg::palloc_or_throw(VARHDRSZ + header + series.size()));
        SET_VARSIZE(result, VARHDRSZ + header + series.size());
        char* out = VARDATA(result);
        out[0] = char((state->from_rows ? 1 : 0) | (series.empty() ? 0 : 2));
        memcpy(out + 1, fields, sizeof fields);
        memcpy(out + 1 + sizeof fields, &p.alpha, sizeof p.alpha);
        memcpy(out + 1 + sizeof fields + sizeof p.alpha, alignment, sizeof alignment);
        if (!series.empty())
            memcpy(out + header, series.data(), series.size());
    }
    PG_RETURN_BYTEA_P(result);
}

UV_FUNCTION(burst_deserialize)
{
    MemoryContext context = aggregate_context(fcinfo, "burst_deserialize");
    bytea* bytes = PG_GETARG_BYTEA_PP(0);
    const char* data = VARDATA_ANY(bytes);
    const size_t size = VARSIZE_ANY_EXHDR(bytes);
    int64 fields[5];
    double alpha;
    int64 alignment[BucketAlignment::kFields];
    const size_t header = 1 + sizeof fields + sizeof alpha + sizeof alignment;
    const uint8_t flags = size > 0 ? static_cast<uint8_t>(data[0]) : 0xff;
    if (size < header || flags > 3 || ((flags & 2) != 0) != (size > header))
        throw Error(ErrorKind::InvalidBinary, "invalid burst state: bad header");
    memcpy(fields, data + 1, sizeof fields);
    memcpy(&alpha, data + 1 + sizeof fields, sizeof alpha);
    memcpy(alignment, data + 1 + sizeof fields + sizeof alpha, sizeof alignment);
    BurstParams p;
    p.bucket_seconds = fields[0];
    p.baseline_buckets = fields[1];
    p.horizon_buckets = fields[2];
    p.max_episode_buckets = fields[3];
    p.seasonal = fields[4] != 0;
    p.alpha = alpha;
    uv::burst::validate(p);
    BurstState* state = uv::pg::new_burst_state(context, p, (flags & 1) != 0);
    if (flags & 2) {
        state->series = BurstSeries::decode(reinterpret_cast<const uint8_t*>(data) + header, size - header, &state->memory);
        if (state->series.width() != p.bucket_seconds)
            throw Error(ErrorKind::InvalidBinary, "invalid burst state: series width does not match the parameters");
    }
    if (state->from_rows) {
        state->alignment = BucketAlignment::from_fields(alignment, p.bucket_seconds);
        // Every bucket added went through both: the alignment is empty exactly when the series is.
        if (state->alignment.empty() != state->series.empty())
            throw Error(ErrorKind::InvalidBinary, "invalid burst state: bucket alignment does not match the series");
    } else if (alignment[0] != 0) {
        throw Error(ErrorKind::InvalidBinary, "invalid burst state: bucket alignment in a rollup");
    }
    PG_RETURN_POINTER(state);
}

// burst_inflation: share of the developer's tokens in bursts that delivered no matching output.
UV_FUNCTION(burst_inflation_final)
{
    const BurstState* state = burst_state_arg(fcinfo, 0);
    if (state == nullptr || state->series.empty())
        PG_RETURN_NULL();
    uv::pg::check_state(*state);
    PG_RETURN_FLOAT8(uv::burst::analyze(state->series, state->params).inflation_share);
}

// burst_episodes: every significant excursion as a usage_value.burst_episode, sprints included
// (their inflated_tokens is 0), ordered by start.
UV_FUNCTION(burst_episodes_final)
{
    const BurstState* state = burst_state_arg(fcinfo, 0);
    if (state == nullptr || state->series.empty())
        PG_RETURN_NULL();
    uv::pg::check_state(*state);
    uv::pg::EpisodeRow* rows;
    size_t count;
    {
        const uv::burst::BurstResult result = uv::burst::analyze(state->series, state->params);
        rows = uv::pg::episode_rows(result, &count);
    }
    return uv::pg::episodes_array(fcinfo, rows, count, state->params.bucket_seconds);
}

Datum uv::pg::episodes_array(FunctionCallInfo fcinfo, const EpisodeRow* rows, size_t count, int64 width)
{
    // Only PostgreSQL calls: build an array of the composite type.
    Oid element_type = get_fn_expr_rettype(fcinfo->flinfo);
    element_type = get_element_type(element_type);
    TupleDesc descriptor = lookup_rowtype_tupdesc_copy(element_type, -1);
    descriptor = BlessTupleDesc(descriptor);
    // 13 columns since 0.5.0 (excused_tokens). A 0.3.0 or 0.4.0 type (12) is still filled, so that
    // boards of those versions refresh before ALTER EXTENSION UPDATE: nothing can be excused
    // through their SQL. A 0.2.0 type (10) is refused.
    const int columns = descriptor->natts;
    if (columns != 12 && columns != 13)
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("burst_episode has %d columns, expected 13", columns),
                        errhint("Run ALTER EXTENSION usage_value UPDATE.")));
    Datum* elements = static_cast<Datum*>(palloc(sizeof(Datum) * (count + 1)));
    for (size_t i = 0; i < count; ++i) {
        const EpisodeRow& r = rows[i];
        // Columns of 0.2.0, then merged_value and expected_merged_value (added by 0.3.0), then
        // excused_tokens (0.5.0).
        Datum values[13] = {
            TimestampTzGetDatum(bucket_start(r.start_bucket, width)),
            TimestampTzGetDatum(bucket_start(r.end_bucket + 1, width)),
            Int64GetDatum(r.tokens),
            Float8GetDatum(r.baseline_tokens),
            Int64GetDatum(r.merged_changes),
            Float8GetDatum(r.expected_merged_changes),
            Float8GetDatum(r.excess_tokens),
            Float8GetDatum(r.inflated_tokens),
            Float8GetDatum(r.p_value),
            BoolGetDatum(r.inflated_tokens > 0.0),
            Float8GetDatum(r.merged_value),
            Float8GetDatum(r.expected_merged_value),
            Float8GetDatum(r.excused_tokens),
        };
        bool nulls[13] = {false};
        elements[i] = HeapTupleGetDatum(heap_form_tuple(descriptor, values, nulls));
    }
    int16 length;
    bool by_value;
    char align;
    get_typlenbyvalalign(element_type, &length, &by_value, &align);
    PG_RETURN_ARRAYTYPE_P(construct_array(elements, int(count), element_type, length, by_value, align));
}

namespace {

constexpr const char* kScoreUse =
    "OVER (PARTITION BY developer ORDER BY bucket ROWS BETWEEN 13 PRECEDING AND CURRENT ROW)";

// burst_score scores the row added last against the others, so it needs an order in which the
// row added last is the current one. Refused: a window without ORDER BY (every row would get the
// score of the partition's last row), a frame that does not end at the current row (FOLLOWING
// looks ahead; a frame ending at n PRECEDING scores an earlier row) or excludes it, and a plain
// aggregate without ORDER BY (the last row is arbitrary). Checked once per state (a partition, a
// group): the plan node and its frame options do not change within a query. The fields read
// exist unchanged in PostgreSQL 13 to 17.
void check_score_order(FunctionCallInfo fcinfo, int kind)
{
    if (kind == AGG_CONTEXT_WINDOW) {
        const WindowAggState* window = reinterpret_cast<const WindowAggState*>(fcinfo->context);
        const WindowAgg* plan = reinterpret_cast<const WindowAgg*>(window->ss.ps.plan);
        if (plan->ordNumCols == 0)
            throw Error(ErrorKind::InvalidParameter,
                        std::string("burst_score needs an ordered window: ") + kScoreUse);
        const int options = window->frameOptions;
        if (!(options & FRAMEOPTION_END_CURRENT_ROW))
            throw Error(ErrorKind::InvalidParameter,
                        std::string("burst_score needs a frame that ends at CURRENT ROW (it scores the frame's last row): ") +
                            kScoreUse);
        if (options & (FRAMEOPTION_EXCLUDE_CURRENT_ROW | FRAMEOPTION_EXCLUDE_GROUP))
            throw Error(ErrorKind::InvalidParameter,
                        std::string("burst_score needs the current row in its frame (no EXCLUDE CURRENT ROW or "
                                    "GROUP): ") +
                            kScoreUse);
    } else if (kind == AGG_CONTEXT_AGGREGATE) {
        const Aggref* aggref = AggGetAggref(fcinfo);
        if (aggref != nullptr && aggref->aggorder == NIL)
            throw Error(ErrorKind::InvalidParameter,
                        std::string("burst_score needs an order: burst_score(tokens ORDER BY bucket) as an aggregate, "
                                    "or as a window function ") +
                            kScoreUse);
    }
}

}  // namespace

// burst_score(tokens) OVER (... ROWS BETWEEN n PRECEDING AND CURRENT ROW): the frame in a
// core WindowScore; the current row is the one added last.
UV_FUNCTION(burst_score_add)
{
    int kind;
    MemoryContext context = aggregate_context(fcinfo, "burst_score_add", &kind);
    ScoreState* state = PG_ARGISNULL(0) ? nullptr : reinterpret_cast<ScoreState*>(PG_GETARG_POINTER(0));
    if (state == nullptr) {
        check_score_order(fcinfo, kind);
        state = uv::pg::make_context_owned<ScoreState>(context);
    }
    state->current_is_null = PG_ARGISNULL(1);
    if (!state->current_is_null)
        state->frame.add(PG_GETARG_INT64(1));
    PG_RETURN_POINTER(state);
}

UV_FUNCTION(burst_score_remove)
{
    ScoreState* state = reinterpret_cast<ScoreState*>(PG_GETARG_POINTER(0));
    if (!PG_ARGISNULL(1))
        state->frame.remove(PG_GETARG_INT64(1));
    PG_RETURN_POINTER(state);
}

UV_FUNCTION(burst_score_final)
{
    const ScoreState* state = PG_ARGISNULL(0) ? nullptr : reinterpret_cast<const ScoreState*>(PG_GETARG_POINTER(0));
    if (state == nullptr || state->current_is_null)
        PG_RETURN_NULL();
    PG_RETURN_FLOAT8(state->frame.score());
}
