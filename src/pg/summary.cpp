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
    uint8_t stored[uv::kStoredSummaryMaxSize];
    const std::size_t size = uv::to_stored(summary, stored);
    auto* datum = static_cast<SummaryDatum*>(MemoryContextAllocZero(context, VARHDRSZ + size));
    SET_VARSIZE(datum, VARHDRSZ + size);
    memcpy(VARDATA(datum), stored, size);
    return datum;
}

namespace {

// The summary in the state argument. Inside an aggregate the state is ours and canonical (it was
// written by update_state), so its fields are read directly; called directly as a function, the
// argument is validated like any input.
UsageSummary state_value(FunctionCallInfo fcinfo)
{
    if (PG_ARGISNULL(0))
        return UsageSummary{};
    if (!AggCheckCallContext(fcinfo, nullptr))
        return read_summary(PG_GETARG_DATUM(0));
    const auto* state = reinterpret_cast<const SummaryDatum*>(PG_GETARG_POINTER(0));
    if (state->version == uv::kSummaryVersion)
        return {state->rows, state->tokens, state->merged_changes};
    UsageSummary value{state->rows, state->tokens, state->merged_changes, state->value, state->value_squares};
    if (state->version == uv::kCostedSummaryVersion) {
        value.cost_micro_usd = state->cost_micro_usd;
        value.costed_tokens = state->costed_tokens;
    }
    return value;
}

// The new state holding value. Inside an aggregate the state is updated in place (no copy per
// row) whenever its current layout has room for value's canonical form (which may be smaller: a
// version 2 state whose weights become those of the unweighted case shrinks to version 1). A
// state that outgrows its layout (it becomes weighted, or gets a cost) grows once: the new datum
// is allocated in the per-call context and the executor copies it into the aggregate context and
// frees the old one (its contract for a transition function that returns a new pointer). Called
// directly as a function, the argument is the caller's and is never modified.
Datum update_state(FunctionCallInfo fcinfo, const UsageSummary& value)
{
    if (!PG_ARGISNULL(0) && AggCheckCallContext(fcinfo, nullptr)) {
        auto* state = reinterpret_cast<SummaryDatum*>(PG_GETARG_POINTER(0));
        if (VARHDRSZ + uv::stored_size(value) <= VARSIZE(state)) {
            uint8_t stored[uv::kStoredSummaryMaxSize];
            const std::size_t size = uv::to_stored(value, stored);
            memcpy(VARDATA(state), stored, size);
            SET_VARSIZE(state, VARHDRSZ + size);
            return PointerGetDatum(state);
        }
    }
    return PointerGetDatum(make_summary(value, CurrentMemoryContext));
}

}  // namespace

}  // namespace uv::pg

UV_FUNCTION(usage_summary_in)
{
    const uv::UsageSummary summary = uv::from_text(PG_GETARG_CSTRING(0));
    PG_RETURN_POINTER(uv::pg::make_summary(summary, CurrentMemoryContext));
}

UV_FUNCTION(usage_summary_out)
{
    const uv::UsageSummary summary = uv::pg::read_summary(PG_GETARG_DATUM(0));
    char buffer[320];  // the longest version 3 text is under 230 characters
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
    const uv::WireSummary wire = uv::to_wire(uv::pg::read_summary(PG_GETARG_DATUM(0)));
    bytea* result = static_cast<bytea*>(palloc(VARHDRSZ + wire.size()));
    SET_VARSIZE(result, VARHDRSZ + wire.size());
    memcpy(VARDATA(result), wire.data(), wire.size());
    PG_RETURN_BYTEA_P(result);
}

// Equality of the logical value: counts and weights.
UV_FUNCTION(usage_summary_eq)
{
    PG_RETURN_BOOL(uv::pg::read_summary(PG_GETARG_DATUM(0)) == uv::pg::read_summary(PG_GETARG_DATUM(1)));
}

UV_FUNCTION(usage_summary_ne)
{
    PG_RETURN_BOOL(!(uv::pg::read_summary(PG_GETARG_DATUM(0)) == uv::pg::read_summary(PG_GETARG_DATUM(1))));
}

// Hash of the canonical stored form (one encoding per value, and the same 28 bytes as before
// weights existed for an unweighted summary), so GROUP BY, DISTINCT and UNION work on summaries.
UV_FUNCTION(usage_summary_hash)
{
    uint8_t canonical[uv::kStoredSummaryMaxSize];
    const std::size_t size = uv::to_stored(uv::pg::read_summary(PG_GETARG_DATUM(0)), canonical);
    return hash_any(canonical, static_cast<int>(size));
}

// usage_agg(tokens, merged_changes): like sum(), a NULL argument contributes nothing and a row
// whose arguments are both NULL is not counted. The state always exists (a moving-aggregate
// transition may not return NULL); usage_agg_final turns a state of zero rows into NULL.
UV_FUNCTION(usage_agg_transfn)
{
    uv::UsageSummary value = uv::pg::state_value(fcinfo);
    if (!(PG_ARGISNULL(1) && PG_ARGISNULL(2)))
        uv::add_usage(value, PG_ARGISNULL(1) ? 0 : PG_GETARG_INT64(1), PG_ARGISNULL(2) ? 0 : PG_GETARG_INT64(2));
    return uv::pg::update_state(fcinfo, value);
}

// usage_agg(tokens, merged_changes, value): the weighted form. A NULL argument contributes
// nothing (a NULL value adds no value, as sum() skips it, while the row's merged changes still
// count); a row whose three arguments are NULL is not counted.
UV_FUNCTION(usage_agg_weighted_transfn)
{
    uv::UsageSummary value = uv::pg::state_value(fcinfo);
    if (!(PG_ARGISNULL(1) && PG_ARGISNULL(2) && PG_ARGISNULL(3)))
        uv::add_usage(value, PG_ARGISNULL(1) ? 0 : PG_GETARG_INT64(1), PG_ARGISNULL(2) ? 0 : PG_GETARG_INT64(2),
                      PG_ARGISNULL(3) ? 0.0 : PG_GETARG_FLOAT8(3));
    return uv::pg::update_state(fcinfo, value);
}

// usage_agg(tokens, merged_changes, value, cost_usd): the weighted form with each row's cost in
// US dollars, kept in micro-dollars. A NULL cost leaves the row's tokens uncosted (the summary
// then has no cost: never counted as free); the other arguments as in the weighted form.
UV_FUNCTION(usage_agg_costed_transfn)
{
    uv::UsageSummary value = uv::pg::state_value(fcinfo);
    if (!(PG_ARGISNULL(1) && PG_ARGISNULL(2) && PG_ARGISNULL(3) && PG_ARGISNULL(4)))
        uv::add_usage(value, PG_ARGISNULL(1) ? 0 : PG_GETARG_INT64(1), PG_ARGISNULL(2) ? 0 : PG_GETARG_INT64(2),
                      PG_ARGISNULL(3) ? 0.0 : PG_GETARG_FLOAT8(3),
                      PG_ARGISNULL(4) ? std::nullopt : std::optional<double>(PG_GETARG_FLOAT8(4)));
    return uv::pg::update_state(fcinfo, value);
}

// Removes the row leaving a moving window frame: O(1) sliding sums (2-argument usage_agg only;
// integer sums have an exact inverse, floating-point weights do not).
UV_FUNCTION(usage_agg_inverse)
{
    uv::UsageSummary value = uv::pg::state_value(fcinfo);
    if (!(PG_ARGISNULL(1) && PG_ARGISNULL(2)))
        uv::remove_usage(value, PG_ARGISNULL(1) ? 0 : PG_GETARG_INT64(1), PG_ARGISNULL(2) ? 0 : PG_GETARG_INT64(2));
    return uv::pg::update_state(fcinfo, value);
}

// Final step of usage_agg: no counted row gives NULL, as sum() does. Reads, never modifies: the
// state is already in its canonical (smallest) layout.
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
    uv::UsageSummary value = uv::pg::state_value(fcinfo);
    uv::add_summary(value, other);
    return uv::pg::update_state(fcinfo, value);
}

UV_FUNCTION(usage_summary_row_count) { PG_RETURN_INT64(uv::pg::read_summary(PG_GETARG_DATUM(0)).rows); }

UV_FUNCTION(usage_summary_tokens) { PG_RETURN_INT64(uv::pg::read_summary(PG_GETARG_DATUM(0)).tokens); }

UV_FUNCTION(usage_summary_merged_changes)
{
    PG_RETURN_INT64(uv::pg::read_summary(PG_GETARG_DATUM(0)).merged_changes);
}

UV_FUNCTION(usage_summary_value) { PG_RETURN_FLOAT8(uv::pg::read_summary(PG_GETARG_DATUM(0)).value); }

// Cost accessors: NULL when some tokens have no cost (they are not free).
UV_FUNCTION(usage_summary_cost_micro_usd)
{
    const uv::UsageSummary summary = uv::pg::read_summary(PG_GETARG_DATUM(0));
    if (summary.uncosted_tokens() != 0)
        PG_RETURN_NULL();
    PG_RETURN_INT64(summary.cost_micro_usd);
}

UV_FUNCTION(usage_summary_uncosted_tokens)
{
    PG_RETURN_INT64(uv::pg::read_summary(PG_GETARG_DATUM(0)).uncosted_tokens());
}
