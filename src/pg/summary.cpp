// SQL face of usage_summary: type I/O, equality, and the transition, inverse and combine
// functions behind usage_agg, rollup and the tokens_per_merged_change aggregate.
#include "pg/summary.hpp"

extern "C" {
#include "common/hashfn.h"
#include "libpq/pqformat.h"
}

namespace uv::pg {

UsageSummary read_summary(Datum datum)
{
    struct varlena* packed = PG_DETOAST_DATUM_PACKED(datum);
    return uv::from_stored(reinterpret_cast<const uint8_t*>(VARDATA_ANY(packed)), VARSIZE_ANY_EXHDR(packed));
}

SummaryDatum* make_summary(const UsageSummary& summary, MemoryContext context)
{
    auto* datum = static_cast<SummaryDatum*>(MemoryContextAllocZero(context, sizeof(SummaryDatum)));
    SET_VARSIZE(datum, sizeof(SummaryDatum));
    uv::to_stored(summary, reinterpret_cast<uint8_t*>(VARDATA(datum)));
    return datum;
}

namespace {

UsageSummary state_value(const SummaryDatum* state) { return {state->rows, state->tokens, state->merged_changes}; }

void store(SummaryDatum* state, const UsageSummary& value)
{
    state->rows = value.rows;
    state->tokens = value.tokens;
    state->merged_changes = value.merged_changes;
}

// The state argument to update. Inside an aggregate it is ours, allocated in the aggregate
// context, and updated in place (no copy per row); called directly as a function, the argument
// is the caller's and is copied first.
SummaryDatum* writable_state(FunctionCallInfo fcinfo)
{
    MemoryContext agg_context;
    if (AggCheckCallContext(fcinfo, &agg_context)) {
        if (PG_ARGISNULL(0))
            return make_summary(UsageSummary{}, agg_context);
        return reinterpret_cast<SummaryDatum*>(PG_GETARG_POINTER(0));
    }
    return make_summary(PG_ARGISNULL(0) ? UsageSummary{} : read_summary(PG_GETARG_DATUM(0)), CurrentMemoryContext);
}

}  // namespace

}  // namespace uv::pg

using uv::pg::SummaryDatum;

UV_FUNCTION(usage_summary_in)
{
    const uv::UsageSummary summary = uv::from_text(PG_GETARG_CSTRING(0));
    PG_RETURN_POINTER(uv::pg::make_summary(summary, CurrentMemoryContext));
}

UV_FUNCTION(usage_summary_out)
{
    const uv::UsageSummary summary = uv::pg::read_summary(PG_GETARG_DATUM(0));
    char buffer[128];
    {
        const std::string text = uv::to_text(summary);
        snprintf(buffer, sizeof buffer, "%s", text.c_str());
    }
    PG_RETURN_CSTRING(pstrdup(buffer));
}

UV_FUNCTION(usage_summary_recv)
{
    StringInfo message = reinterpret_cast<StringInfo>(PG_GETARG_POINTER(0));
    const int remaining = message->len - message->cursor;
    const char* bytes = pq_getmsgbytes(message, remaining);
    const uv::UsageSummary summary = uv::from_wire(reinterpret_cast<const uint8_t*>(bytes), remaining);
    PG_RETURN_POINTER(uv::pg::make_summary(summary, CurrentMemoryContext));
}

UV_FUNCTION(usage_summary_send)
{
    const auto wire = uv::to_wire(uv::pg::read_summary(PG_GETARG_DATUM(0)));
    bytea* result = static_cast<bytea*>(palloc(VARHDRSZ + wire.size()));
    SET_VARSIZE(result, VARHDRSZ + wire.size());
    memcpy(VARDATA(result), wire.data(), wire.size());
    PG_RETURN_BYTEA_P(result);
}

UV_FUNCTION(usage_summary_eq)
{
    PG_RETURN_BOOL(uv::pg::read_summary(PG_GETARG_DATUM(0)) == uv::pg::read_summary(PG_GETARG_DATUM(1)));
}

UV_FUNCTION(usage_summary_ne)
{
    PG_RETURN_BOOL(!(uv::pg::read_summary(PG_GETARG_DATUM(0)) == uv::pg::read_summary(PG_GETARG_DATUM(1))));
}

// Hash of the canonical stored form, so GROUP BY, DISTINCT and UNION work on summaries.
UV_FUNCTION(usage_summary_hash)
{
    uint8_t canonical[uv::kStoredSummarySize];
    uv::to_stored(uv::pg::read_summary(PG_GETARG_DATUM(0)), canonical);
    return hash_any(canonical, sizeof canonical);
}

// usage_agg(tokens, merged_changes): like sum(), a NULL argument contributes nothing and a row
// whose arguments are both NULL is not counted. The state always exists (a moving-aggregate
// transition may not return NULL); usage_agg_final turns a state of zero rows into NULL.
UV_FUNCTION(usage_agg_transfn)
{
    SummaryDatum* state = uv::pg::writable_state(fcinfo);
    if (PG_ARGISNULL(1) && PG_ARGISNULL(2))
        PG_RETURN_POINTER(state);
    uv::UsageSummary value = uv::pg::state_value(state);
    uv::add_usage(value, PG_ARGISNULL(1) ? 0 : PG_GETARG_INT64(1), PG_ARGISNULL(2) ? 0 : PG_GETARG_INT64(2));
    uv::pg::store(state, value);
    PG_RETURN_POINTER(state);
}

// Removes the row leaving a moving window frame: O(1) sliding sums.
UV_FUNCTION(usage_agg_inverse)
{
    SummaryDatum* state = uv::pg::writable_state(fcinfo);
    if (PG_ARGISNULL(1) && PG_ARGISNULL(2))
        PG_RETURN_POINTER(state);
    uv::UsageSummary value = uv::pg::state_value(state);
    uv::remove_usage(value, PG_ARGISNULL(1) ? 0 : PG_GETARG_INT64(1), PG_ARGISNULL(2) ? 0 : PG_GETARG_INT64(2));
    uv::pg::store(state, value);
    PG_RETURN_POINTER(state);
}

// Final step of usage_agg: no counted row gives NULL, as sum() does. Reads, never modifies.
UV_FUNCTION(usage_agg_final)
{
    if (PG_ARGISNULL(0) || uv::pg::read_summary(PG_GETARG_DATUM(0)).rows == 0)
        PG_RETURN_NULL();
    PG_RETURN_DATUM(PG_GETARG_DATUM(0));
}

// Combine step of partial aggregation, and the transition of rollup(usage_summary).
UV_FUNCTION(usage_summary_combine)
{
    if (PG_ARGISNULL(1)) {
        if (PG_ARGISNULL(0))
            PG_RETURN_NULL();
        PG_RETURN_DATUM(PG_GETARG_DATUM(0));
    }
    const uv::UsageSummary other = uv::pg::read_summary(PG_GETARG_DATUM(1));
    SummaryDatum* state = uv::pg::writable_state(fcinfo);
    uv::UsageSummary value = uv::pg::state_value(state);
    uv::add_summary(value, other);
    uv::pg::store(state, value);
    PG_RETURN_POINTER(state);
}

UV_FUNCTION(usage_summary_row_count) { PG_RETURN_INT64(uv::pg::read_summary(PG_GETARG_DATUM(0)).rows); }

UV_FUNCTION(usage_summary_tokens) { PG_RETURN_INT64(uv::pg::read_summary(PG_GETARG_DATUM(0)).tokens); }

UV_FUNCTION(usage_summary_merged_changes)
{
    PG_RETURN_INT64(uv::pg::read_summary(PG_GETARG_DATUM(0)).merged_changes);
}
