// SQL face of burst inflation: the burst_inflation and burst_episodes aggregates (internal state
// holding a core BurstAccumulator, serialisable for parallel query) and the burst_score moving
// window aggregate (internal state holding a core WindowScore).
#include "core/burst.hpp"
#include "pg/glue.hpp"

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
#include "utils/timestamp.h"
#include "utils/typcache.h"
}

#include <cmath>
#include <string>

namespace {

using uv::Error;
using uv::ErrorKind;
using uv::burst::BucketAlignment;
using uv::burst::BurstAccumulator;
using uv::burst::BurstParams;

constexpr int64 kSecondsPerDay = 86400;

// One developer's series and the parameters it is analysed with, fixed by the first row.
struct BurstState {
    BurstAccumulator series;
    BurstParams params;
    // Whether the buckets match params.bucket_width (misuse refused, see BucketAlignment).
    BucketAlignment alignment;
    bool has_params = false;
    // The parameter arguments of the row that set params, kept raw so that later rows are
    // checked with a byte comparison instead of being parsed again.
    int raw_count = 0;
    Interval raw_intervals[3] = {};
    double raw_significance = 0.0;
};

// The state of burst_score: the frame, and whether the current row's tokens were NULL.
struct ScoreState {
    uv::burst::WindowScore frame;
    bool current_is_null = false;
};

MemoryContext aggregate_context(FunctionCallInfo fcinfo, const char* function, int* kind = nullptr)
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

int64 ceil_div(int64 a, int64 b) { return a / b + (a % b != 0 ? 1 : 0); }

// Parameters from the optional arguments after (bucket, tokens, merged_changes):
// bucket_width [, significance, horizon, baseline]. Each must be non-NULL.
BurstParams read_params(FunctionCallInfo fcinfo, int first)
{
    const int given = PG_NARGS() - first;
    for (int i = first; i < PG_NARGS(); ++i)
        if (PG_ARGISNULL(i)) {
            static const char* names[] = {"bucket_width", "significance", "horizon", "baseline"};
            throw Error(ErrorKind::InvalidParameter, std::string(names[i - first]) + " must not be NULL");
        }
    int64 width = kSecondsPerDay;
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
    if (!state.has_params) {
        state.params = params;
        state.has_params = true;
    } else if (!same_params(state.params, params)) {
        throw Error(ErrorKind::InvalidParameter,
                    "bucket_width, significance, horizon and baseline must be the same for every row of a group");
    }
}

constexpr int64 kUnixEpochSeconds = (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * kSecondsPerDay;

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
    const int64 width = state.params.bucket_seconds;
    const size_t distinct = state.series.bucket_count();
    const int64 step = state.alignment.refused_step(distinct);
    if (step == 0)
        return;
    // step * width is a difference of two bucket times in seconds: no overflow.
    const std::string data = width_text(step * width);
    throw Error(ErrorKind::InvalidParameter,
                "bucket_width " + width_text(width) + " is finer than the buckets: all " + std::to_string(distinct) +
                    " buckets lie a whole number of " + data +
                    " apart, so the analysis would see mostly empty buckets; pass bucket_width " + data);
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

// The state for this row, with its parameters read from argument `first` on.
BurstState* transition_state(FunctionCallInfo fcinfo, int first)
{
    MemoryContext context = aggregate_context(fcinfo, "burst_transfn");
    BurstState* state = PG_ARGISNULL(0) ? nullptr : reinterpret_cast<BurstState*>(PG_GETARG_POINTER(0));
    if (state == nullptr)
        state = uv::pg::make_context_owned<BurstState>(context);
    if (!state->has_params || !same_raw_params(fcinfo, first, *state))
        adopt_params(*state, read_params(fcinfo, first));
    remember_raw_params(fcinfo, first, *state);
    return state;
}

BurstState* burst_state_arg(FunctionCallInfo fcinfo, int argument)
{
    return PG_ARGISNULL(argument) ? nullptr : reinterpret_cast<BurstState*>(PG_GETARG_POINTER(argument));
}

}  // namespace

// burst_inflation / burst_episodes transition: (state, bucket, tokens, merged_changes
// [, bucket_width [, significance, horizon, baseline]]). A NULL bucket skips the row; NULL
// tokens or merged_changes contribute nothing, as in usage_agg.
UV_FUNCTION(burst_transfn)
{
    BurstState* state = transition_state(fcinfo, 4);
    if (PG_ARGISNULL(1) || (PG_ARGISNULL(2) && PG_ARGISNULL(3)))
        PG_RETURN_POINTER(state);
    state->series.add(bucket_index(*state, PG_GETARG_TIMESTAMPTZ(1)),
                      PG_ARGISNULL(2) ? 0 : PG_GETARG_INT64(2), PG_ARGISNULL(3) ? 0 : PG_GETARG_INT64(3));
    PG_RETURN_POINTER(state);
}

// The valued overloads: (state, bucket, tokens, merged_changes, merged_value [, bucket_width [,
// significance, horizon, baseline]]). Merged output is credited by merged_value; merged_changes
// stays the plain count (and spreads the value's squares, see burst.hpp). NULLs contribute
// nothing (a row with all three NULL is skipped; a NULL value is 0).
UV_FUNCTION(burst_value_transfn)
{
    BurstState* state = transition_state(fcinfo, 5);
    if (PG_ARGISNULL(1) || (PG_ARGISNULL(2) && PG_ARGISNULL(3) && PG_ARGISNULL(4)))
        PG_RETURN_POINTER(state);
    state->series.add(bucket_index(*state, PG_GETARG_TIMESTAMPTZ(1)),
                      PG_ARGISNULL(2) ? 0 : PG_GETARG_INT64(2), PG_ARGISNULL(3) ? 0 : PG_GETARG_INT64(3),
                      PG_ARGISNULL(4) ? 0.0 : PG_GETARG_FLOAT8(4));
    PG_RETURN_POINTER(state);
}

// Parallel combine: merges the second series into the first (a fresh one when the first is NULL).
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
        left = uv::pg::make_context_owned<BurstState>(context);
    if (right->has_params)
        adopt_params(*left, right->params);
    if (!left->alignment.merge(right->alignment, left->params.bucket_seconds))
        refuse_coarse_width(left->alignment, left->params.bucket_seconds);
    left->series.merge(right->series);
    PG_RETURN_POINTER(left);
}

// Serial form for parallel query: u8 has_params, then the parameters as int64/float8, the bucket
// alignment as int64, then the core's validated accumulator bytes. It only lives within one
// query (no version byte), but is validated as strictly as stored bytes.
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
        const std::vector<uint8_t> series = state->series.serialize();
        result = static_cast<bytea*>(uv::pg::palloc_or_throw(VARHDRSZ + header + series.size()));
        SET_VARSIZE(result, VARHDRSZ + header + series.size());
        char* out = VARDATA(result);
        out[0] = state->has_params ? 1 : 0;
        memcpy(out + 1, fields, sizeof fields);
        memcpy(out + 1 + sizeof fields, &p.alpha, sizeof p.alpha);
        memcpy(out + 1 + sizeof fields + sizeof p.alpha, alignment, sizeof alignment);
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
    if (size < header || static_cast<uint8_t>(data[0]) > 1)
        throw Error(ErrorKind::InvalidBinary, "invalid burst state: bad header");
    memcpy(fields, data + 1, sizeof fields);
    memcpy(&alpha, data + 1 + sizeof fields, sizeof alpha);
    memcpy(alignment, data + 1 + sizeof fields + sizeof alpha, sizeof alignment);
    BurstState* state = uv::pg::make_context_owned<BurstState>(context);
    state->series = BurstAccumulator::deserialize(reinterpret_cast<const uint8_t*>(data) + header, size - header);
    if (data[0] == 1) {
        BurstParams p;
        p.bucket_seconds = fields[0];
        p.baseline_buckets = fields[1];
        p.horizon_buckets = fields[2];
        p.max_episode_buckets = fields[3];
        p.seasonal = fields[4] != 0;
        p.alpha = alpha;
        uv::burst::validate(p);
        state->params = p;
        state->has_params = true;
        state->alignment = BucketAlignment::from_fields(alignment, p.bucket_seconds);
    } else if (alignment[0] != 0) {
        throw Error(ErrorKind::InvalidBinary, "invalid burst state: bucket alignment without parameters");
    }
    // Every bucket added went through both: the alignment is empty exactly when the series is.
    if (state->alignment.empty() != state->series.empty())
        throw Error(ErrorKind::InvalidBinary, "invalid burst state: bucket alignment does not match the series");
    PG_RETURN_POINTER(state);
}

// burst_inflation: share of the developer's tokens in bursts that delivered no matching output.
UV_FUNCTION(burst_inflation_final)
{
    const BurstState* state = burst_state_arg(fcinfo, 0);
    if (state == nullptr || state->series.empty())
        PG_RETURN_NULL();
    check_not_finer(*state);
    PG_RETURN_FLOAT8(uv::burst::analyze(state->series, state->params).inflation_share);
}

namespace {

// An episode as plain data, copied out of the core result before any PostgreSQL call.
struct EpisodeRow {
    int64 start_bucket, end_bucket, tokens, merged_changes;
    double baseline_tokens, expected_merged_changes, excess_tokens, inflated_tokens, p_value;
    double merged_value, expected_merged_value;
};

}  // namespace

// burst_episodes: every significant excursion as a usage_value.burst_episode, sprints included
// (their inflated_tokens is 0), ordered by start.
UV_FUNCTION(burst_episodes_final)
{
    const BurstState* state = burst_state_arg(fcinfo, 0);
    if (state == nullptr || state->series.empty())
        PG_RETURN_NULL();
    check_not_finer(*state);
    const int64 width = state->params.bucket_seconds;
    EpisodeRow* rows;
    size_t count;
    {
        const uv::burst::BurstResult result = uv::burst::analyze(state->series, state->params);
        count = result.episodes.size();
        rows = static_cast<EpisodeRow*>(uv::pg::palloc_or_throw(sizeof(EpisodeRow) * (count + 1)));
        for (size_t i = 0; i < count; ++i) {
            const uv::burst::Episode& e = result.episodes[i];
            rows[i] = {e.start_bucket,  e.end_bucket,     e.tokens,          e.merged_changes,
                       e.baseline_tokens, e.expected_merged_changes, e.excess_tokens, e.inflated_tokens,
                       e.p_value,       e.merged_value,   e.expected_merged_value};
        }
    }
    // From here on only PostgreSQL calls: build an array of the composite type.
    Oid element_type = get_fn_expr_rettype(fcinfo->flinfo);
    element_type = get_element_type(element_type);
    TupleDesc descriptor = lookup_rowtype_tupdesc_copy(element_type, -1);
    descriptor = BlessTupleDesc(descriptor);
    if (descriptor->natts != 12)  // the 0.2.0 type with the 0.3.0 library: not updated yet
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("burst_episode has %d columns, expected 12", descriptor->natts),
                        errhint("Run ALTER EXTENSION usage_value UPDATE.")));
    Datum* elements = static_cast<Datum*>(palloc(sizeof(Datum) * (count + 1)));
    for (size_t i = 0; i < count; ++i) {
        const EpisodeRow& r = rows[i];
        // Columns of 0.2.0, then merged_value and expected_merged_value (added by 0.3.0).
        Datum values[12] = {
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
        };
        bool nulls[12] = {false};
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
