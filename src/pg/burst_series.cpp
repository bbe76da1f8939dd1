// SQL face of burst_series: the type's I/O, equality and hash, the burst_series aggregate and
// rollup (sharing the state and combine/serial functions of src/pg/burst.cpp), and the accessors.
#include "pg/burst.hpp"

extern "C" {
#include "common/hashfn.h"
#include "funcapi.h"
#include "libpq/pqformat.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
}

#include <algorithm>

namespace {

using uv::Error;
using uv::ErrorKind;
using uv::burst::BurstParams;
using uv::burst::BurstSeries;
using uv::pg::BurstState;

constexpr int64 kHour = 3600;
constexpr int64 kDaySeconds = 86400;

// A stored series' bytes (detoasted; a PostgreSQL call: before any C++ object is alive).
struct Bytes {
    const uint8_t* data;
    size_t size;
};
Bytes series_bytes(FunctionCallInfo fcinfo, int argument)
{
    struct varlena* packed = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(argument));
    return {reinterpret_cast<const uint8_t*>(VARDATA_ANY(packed)), VARSIZE_ANY_EXHDR(packed)};
}

// A varlena holding `encoded` (palloc that reports failure as std::bad_alloc).
Datum series_datum(const std::vector<uint8_t>& encoded)
{
    auto* result = static_cast<struct varlena*>(uv::pg::palloc_or_throw(VARHDRSZ + encoded.size()));
    SET_VARSIZE(result, VARHDRSZ + encoded.size());
    memcpy(VARDATA(result), encoded.data(), encoded.size());
    return PointerGetDatum(result);
}

// A stored series is analysed with its own width; the step rule of BucketAlignment is re-checked
// from its indices (the timestamps themselves are not stored).
void check_stored(const BurstSeries& series)
{
    uv::pg::check_not_finer(series.index_step(), series.bucket_count(), series.width());
}

// Accessor parameters: significance, horizon, baseline (NULL is refused: the functions are not
// STRICT, for excused), and the excused periods read by read_excused, clamped to the series' span.
BurstParams accessor_params(FunctionCallInfo fcinfo, const BurstSeries& series, const uv::pg::ExcusedRange* excused,
                            size_t excused_count)
{
    static const char* names[] = {"significance", "horizon", "baseline"};
    for (int i = 1; i <= 3; ++i)
        if (PG_ARGISNULL(i))
            throw Error(ErrorKind::InvalidParameter, std::string(names[i - 1]) + " must not be NULL");
    const int64 width = series.width();
    BurstParams params = uv::burst::default_params(width);
    const double alpha = PG_GETARG_FLOAT8(1);
    if (!(alpha > 0.0 && alpha <= 0.5)) {  // also rejects NaN
        char got[32];
        snprintf(got, sizeof got, "%g", alpha);
        throw Error(ErrorKind::InvalidParameter, std::string("significance must be in (0, 0.5] (got ") + got + ")");
    }
    params.alpha = alpha;
    const int64 horizon = uv::pg::interval_seconds(PG_GETARG_INTERVAL_P(2), "horizon");
    const int64 baseline = uv::pg::interval_seconds(PG_GETARG_INTERVAL_P(3), "baseline");
    if (horizon < 0)
        throw Error(ErrorKind::InvalidParameter, "horizon must not be negative");
    if (baseline <= 0)
        throw Error(ErrorKind::InvalidParameter, "baseline must be positive");
    params.horizon_buckets = horizon / width + (horizon % width != 0 ? 1 : 0);
    // The default '56 days' keeps default_params' floor of 8 buckets (wide buckets), so that
    // burst_inflation(series) equals the one-step aggregate without parameters.
    if (baseline != 56 * kDaySeconds)
        params.baseline_buckets = baseline / width + (baseline % width != 0 ? 1 : 0);
    params.excused = uv::pg::excused_spans(excused, excused_count, series.first_bucket() * width,
                                           (series.last_bucket() + 1) * width);
    uv::burst::validate(params);
    return params;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Type I/O

UV_FUNCTION(burst_series_in)
{
    const char* text = PG_GETARG_CSTRING(0);
    std::vector<uint8_t> encoded;
    {
        const BurstSeries series = BurstSeries::from_text(text);
        encoded = series.encode();
    }
    return series_datum(encoded);
}

UV_FUNCTION(burst_series_out)
{
    const Bytes bytes = series_bytes(fcinfo, 0);
    char* result;
    {
        const std::string text = BurstSeries::decode(bytes.data, bytes.size).to_text();
        result = static_cast<char*>(uv::pg::palloc_or_throw(text.size() + 1));
        memcpy(result, text.c_str(), text.size() + 1);
    }
    PG_RETURN_CSTRING(result);
}

// recv validates the incoming bytes exactly as stored ones (any user reaches it with COPY BINARY).
UV_FUNCTION(burst_series_recv)
{
    StringInfo message = reinterpret_cast<StringInfo>(PG_GETARG_POINTER(0));
    const int remaining = message->len - message->cursor;
    const char* data = pq_getmsgbytes(message, remaining);
    std::vector<uint8_t> encoded;
    {
        const BurstSeries series = BurstSeries::decode(reinterpret_cast<const uint8_t*>(data), size_t(remaining));
        encoded = series.encode();
    }
    return series_datum(encoded);
}

// The wire form is the stored form (varints: no byte order).
UV_FUNCTION(burst_series_send)
{
    const Bytes bytes = series_bytes(fcinfo, 0);
    bytea* result = static_cast<bytea*>(palloc(VARHDRSZ + bytes.size));
    SET_VARSIZE(result, VARHDRSZ + bytes.size);
    memcpy(VARDATA(result), bytes.data, bytes.size);
    PG_RETURN_BYTEA_P(result);
}

// One encoding per logical value: equality compares bytes, hashing hashes them.
UV_FUNCTION(burst_series_eq)
{
    const Bytes a = series_bytes(fcinfo, 0), b = series_bytes(fcinfo, 1);
    PG_RETURN_BOOL(a.size == b.size && memcmp(a.data, b.data, a.size) == 0);
}

UV_FUNCTION(burst_series_ne)
{
    const Bytes a = series_bytes(fcinfo, 0), b = series_bytes(fcinfo, 1);
    PG_RETURN_BOOL(!(a.size == b.size && memcmp(a.data, b.data, a.size) == 0));
}

UV_FUNCTION(burst_series_hash)
{
    const Bytes a = series_bytes(fcinfo, 0);
    return hash_any(a.data, static_cast<int>(a.size));
}

// ---------------------------------------------------------------------------------------------
// Aggregates

// burst_series(bucket, tokens, merged_changes [, bucket_width]): bucket_width '1 hour' by default.
UV_FUNCTION(burst_series_transfn)
{
    BurstState* state = uv::pg::transition_state(fcinfo, 4, kHour);
    uv::pg::add_row(fcinfo, *state, false);
    PG_RETURN_POINTER(state);
}

// burst_series(bucket, tokens, merged_changes, merged_value, bucket_width).
UV_FUNCTION(burst_series_value_transfn)
{
    BurstState* state = uv::pg::transition_state(fcinfo, 5, kHour);
    uv::pg::add_row(fcinfo, *state, true);
    PG_RETURN_POINTER(state);
}

// rollup(burst_series): merges stored series (buckets summed); NULLs are skipped.
UV_FUNCTION(burst_series_rollup_transfn)
{
    MemoryContext context = uv::pg::aggregate_context(fcinfo, "burst_series_rollup_transfn");
    BurstState* state = PG_ARGISNULL(0) ? nullptr : reinterpret_cast<BurstState*>(PG_GETARG_POINTER(0));
    if (PG_ARGISNULL(1)) {
        if (state == nullptr)
            PG_RETURN_NULL();
        PG_RETURN_POINTER(state);
    }
    const Bytes bytes = series_bytes(fcinfo, 1);
    {
        BurstSeries incoming = BurstSeries::decode(bytes.data, bytes.size);
        if (state == nullptr)
            state = uv::pg::new_burst_state(context, uv::burst::default_params(incoming.width()), false);
        if (incoming.width() != state->series.width())
            throw Error(ErrorKind::InvalidParameter, "rollup: burst_series of different bucket widths (" +
                                                         uv::pg::width_text(state->series.width()) + " and " +
                                                         uv::pg::width_text(incoming.width()) + ") cannot be merged");
        state->series.merge(incoming);
    }
    PG_RETURN_POINTER(state);
}

// Final function of burst_series and rollup: the stored form; no row gives NULL. Reads the state,
// never modifies it (usable with OVER ()).
UV_FUNCTION(burst_series_final)
{
    const BurstState* state = PG_ARGISNULL(0) ? nullptr : reinterpret_cast<const BurstState*>(PG_GETARG_POINTER(0));
    if (state == nullptr || state->series.empty())
        PG_RETURN_NULL();
    uv::pg::check_state(*state);
    std::vector<uint8_t> encoded = state->series.encode();
    const Datum result = series_datum(encoded);
    return result;
}

// ---------------------------------------------------------------------------------------------
// Accessors

// burst_inflation(series, significance, horizon, baseline, excused): NULL series gives NULL.
UV_FUNCTION(burst_series_inflation)
{
    if (PG_ARGISNULL(0))
        PG_RETURN_NULL();
    const Bytes bytes = series_bytes(fcinfo, 0);
    size_t excused_count;
    const uv::pg::ExcusedRange* excused = uv::pg::read_excused(fcinfo, 4, &excused_count);
    double share;
    {
        const BurstSeries series = BurstSeries::decode(bytes.data, bytes.size);
        check_stored(series);
        share = uv::burst::analyze(series, accessor_params(fcinfo, series, excused, excused_count)).inflation_share;
    }
    PG_RETURN_FLOAT8(share);
}

UV_FUNCTION(burst_series_episodes)
{
    if (PG_ARGISNULL(0))
        PG_RETURN_NULL();
    const Bytes bytes = series_bytes(fcinfo, 0);
    size_t excused_count;
    const uv::pg::ExcusedRange* excused = uv::pg::read_excused(fcinfo, 4, &excused_count);
    uv::pg::EpisodeRow* rows;
    size_t count;
    int64 width;
    {
        const BurstSeries series = BurstSeries::decode(bytes.data, bytes.size);
        check_stored(series);
        width = series.width();
        const uv::burst::BurstResult result =
            uv::burst::analyze(series, accessor_params(fcinfo, series, excused, excused_count));
        rows = uv::pg::episode_rows(result, &count);
    }
    return uv::pg::episodes_array(fcinfo, rows, count, width);
}

namespace {

struct BucketRow {
    int64 bucket, tokens, merged_changes;
    double merged_value;
};

}  // namespace

// buckets(series): the stored buckets, ascending, as rows.
UV_FUNCTION(burst_series_buckets)
{
    const Bytes bytes = series_bytes(fcinfo, 0);
    BucketRow* rows;
    size_t count;
    int64 width;
    {
        const BurstSeries series = BurstSeries::decode(bytes.data, bytes.size);
        width = series.width();
        const std::vector<uv::burst::BucketTotals> totals = series.totals();
        count = totals.size();
        rows = static_cast<BucketRow*>(uv::pg::palloc_or_throw(sizeof(BucketRow) * (count + 1)));
        for (size_t i = 0; i < count; ++i)
            rows[i] = {totals[i].bucket, totals[i].tokens, totals[i].merged_changes, totals[i].value};
    }
    InitMaterializedSRF(fcinfo, 0);
    ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    for (size_t i = 0; i < count; ++i) {
        CHECK_FOR_INTERRUPTS();
        Datum values[4] = {TimestampTzGetDatum(uv::pg::bucket_start(rows[i].bucket, width)), Int64GetDatum(rows[i].tokens),
                           Int64GetDatum(rows[i].merged_changes), Float8GetDatum(rows[i].merged_value)};
        bool nulls[4] = {false, false, false, false};
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    }
    return (Datum)0;
}

namespace {

// Plain facts of a stored series, read in one decode.
struct Facts {
    int64 width, tokens, merged_changes, first, last, count;
    double merged_value;
};

Facts facts(FunctionCallInfo fcinfo)
{
    const Bytes bytes = series_bytes(fcinfo, 0);
    const BurstSeries series = BurstSeries::decode(bytes.data, bytes.size);
    return {series.width(),        series.total_tokens(),       series.total_merged_changes(), series.first_bucket(),
            series.last_bucket(),  int64(series.bucket_count()), series.total_value()};
}

}  // namespace

UV_FUNCTION(burst_series_bucket_width)
{
    const Facts f = facts(fcinfo);
    Interval* result = static_cast<Interval*>(palloc0(sizeof(Interval)));
    result->day = int32(f.width / kDaySeconds);
    result->time = (f.width % kDaySeconds) * USECS_PER_SEC;
    PG_RETURN_INTERVAL_P(result);
}

UV_FUNCTION(burst_series_tokens) { PG_RETURN_INT64(facts(fcinfo).tokens); }
UV_FUNCTION(burst_series_merged_changes) { PG_RETURN_INT64(facts(fcinfo).merged_changes); }
UV_FUNCTION(burst_series_merged_value) { PG_RETURN_FLOAT8(facts(fcinfo).merged_value); }
UV_FUNCTION(burst_series_bucket_count) { PG_RETURN_INT64(facts(fcinfo).count); }

UV_FUNCTION(burst_series_first_bucket)
{
    const Facts f = facts(fcinfo);
    PG_RETURN_TIMESTAMPTZ(uv::pg::bucket_start(f.first, f.width));
}

UV_FUNCTION(burst_series_last_bucket)
{
    const Facts f = facts(fcinfo);
    PG_RETURN_TIMESTAMPTZ(uv::pg::bucket_start(f.last, f.width));
}
