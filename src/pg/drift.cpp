// SQL face of efficiency drift (issue 14): efficiency_drift(series, ...), the periods in which a
// developer's stored burst_series delivered significantly less value per token than their own
// past (or, for a newcomer, than the cohort's established developers), as rows.
#include "core/burst_drift.hpp"
#include "core/burst_series.hpp"
#include "pg/burst.hpp"

extern "C" {
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "utils/array.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
}

#include <algorithm>
#include <string>
#include <vector>

namespace {

using uv::Error;
using uv::ErrorKind;
using uv::burst::BurstSeries;

constexpr int64 kDaySeconds = 86400;
constexpr int kColumns = 13;

// A whole number of days (reference, min_history, credit_window); the ranges are DriftParams'
// (validate()).
int64 whole_days(const Interval* interval, const char* argument)
{
    const int64 seconds = uv::pg::interval_seconds(interval, argument);
    if (seconds % kDaySeconds != 0)
        throw Error(ErrorKind::InvalidParameter, std::string(argument) + " must be a whole number of days (got " +
                                                     uv::pg::width_text(seconds) + ")");
    return seconds / kDaySeconds;
}

// The float8[] cohort_efficiency, as plain data (PostgreSQL calls only: before any C++ object is
// alive); NULL elements are skipped, the rest is cohort_efficiency()'s to judge.
double* read_doubles(FunctionCallInfo fcinfo, int argument, size_t* count)
{
    *count = 0;
    if (PG_ARGISNULL(argument))
        return nullptr;
    ArrayType* array = PG_GETARG_ARRAYTYPE_P(argument);
    Datum* items;
    bool* nulls;
    int n;
    deconstruct_array(array, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &items, &nulls, &n);
    auto* values = static_cast<double*>(palloc(sizeof(double) * (size_t(n) + 1)));
    for (int i = 0; i < n; ++i)
        if (!nulls[i])
            values[(*count)++] = DatumGetFloat8(items[i]);
    return values;
}

struct DriftRow {
    int64 start_seconds, end_seconds, tokens;
    double expected_tokens, merged_value, expected_value, ratio, inflated_tokens, excused_tokens;
    double p_value, token_p_value, value_p_value;
    bool cohort_reference;
};

}  // namespace

// efficiency_drift(series, significance, reference, min_history, credit_window,
// cohort_efficiency, excused): one row per finding, ordered by start. A NULL series gives no
// rows (whatever the parameters, as a NULL series gives NULL in burst_inflation); a NULL significance, reference, min_history or credit_window is refused (22023).
// inflated_tokens is what is charged (the excused part is excused_tokens), as in
// burst_episode.
UV_FUNCTION(efficiency_drift)
{
    InitMaterializedSRF(fcinfo, 0);
    if (PG_ARGISNULL(0))
        return (Datum)0;
    static const char* names[] = {"significance", "reference", "min_history", "credit_window"};
    for (int i = 1; i <= 4; ++i)
        if (PG_ARGISNULL(i))
            throw Error(ErrorKind::InvalidParameter, std::string(names[i - 1]) + " must not be NULL");
    ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    struct varlena* packed = PG_DETOAST_DATUM_PACKED(PG_GETARG_DATUM(0));
    const auto* data = reinterpret_cast<const uint8_t*>(VARDATA_ANY(packed));
    const size_t size = VARSIZE_ANY_EXHDR(packed);
    size_t cohort_count;
    const double* cohort_values = read_doubles(fcinfo, 5, &cohort_count);
    size_t excused_count;
    const uv::pg::ExcusedRange* excused = uv::pg::read_excused(fcinfo, 6, &excused_count);

    DriftRow* rows;
    size_t count;
    {
        uv::burst::DriftParams params;
        params.alpha = PG_GETARG_FLOAT8(1);
        params.reference_days = whole_days(PG_GETARG_INTERVAL_P(2), "reference");
        params.min_history_days = whole_days(PG_GETARG_INTERVAL_P(3), "min_history");
        params.credit_days = whole_days(PG_GETARG_INTERVAL_P(4), "credit_window");
        uv::burst::validate(params);
        const uv::burst::CohortEfficiency cohort =
            PG_ARGISNULL(5) ? uv::burst::CohortEfficiency{}
                            : uv::burst::cohort_efficiency(std::vector<double>(cohort_values, cohort_values + cohort_count));
        const BurstSeries series = BurstSeries::decode(data, size);
        const int64 width = series.width();
        const std::vector<uv::burst::ExcusedSpan> spans =
            uv::pg::excused_spans(excused, excused_count, series.first_bucket() * width, (series.last_bucket() + 1) * width);
        const std::vector<uv::burst::BucketTotals> totals = series.totals();
        const uv::burst::BucketsView view{totals.data(), totals.size(), series.has_values(), series.total_tokens(),
                                          series.total_merged_changes()};
        const uv::burst::DriftResult result = uv::burst::analyze_drift(view, width, params, cohort, spans);
        count = result.findings.size();
        // The contract the boards rely on (one row per developer and start): disjoint, by start.
        for (size_t i = 1; i < count; ++i)
            if (result.findings[i].start_seconds < result.findings[i - 1].end_seconds)
                throw Error(ErrorKind::Internal, "efficiency_drift: the analysis returned overlapping findings");
        rows = static_cast<DriftRow*>(uv::pg::palloc_or_throw(sizeof(DriftRow) * (count + 1)));
        for (size_t i = 0; i < count; ++i) {
            const uv::burst::DriftFinding& f = result.findings[i];
            rows[i] = {f.start_seconds, f.end_seconds, f.tokens, f.expected_tokens, f.merged_value, f.expected_value,
                       f.ratio, f.inflated_tokens, f.excused_tokens, f.p_value,
                       f.token_p_value, f.value_p_value, f.cohort_reference};
        }
    }

    // Only PostgreSQL calls from here on.
    if (rsinfo->setDesc->natts != kColumns)
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("efficiency_drift returns %d columns, expected %d", rsinfo->setDesc->natts, kColumns),
                        errhint("Run ALTER EXTENSION usage_value UPDATE.")));
    for (size_t i = 0; i < count; ++i) {
        CHECK_FOR_INTERRUPTS();
        const DriftRow& r = rows[i];
        Datum values[kColumns] = {
            TimestampTzGetDatum(uv::pg::bucket_start(r.start_seconds, 1)),
            TimestampTzGetDatum(uv::pg::bucket_start(r.end_seconds, 1)),
            Int64GetDatum(r.tokens),
            Float8GetDatum(r.expected_tokens),
            Float8GetDatum(r.merged_value),
            Float8GetDatum(r.expected_value),
            Float8GetDatum(r.ratio),
            Float8GetDatum(r.inflated_tokens),
            Float8GetDatum(r.excused_tokens),
            Float8GetDatum(r.p_value),
            Float8GetDatum(r.token_p_value),
            Float8GetDatum(r.value_p_value),
            CStringGetTextDatum(r.cohort_reference ? "cohort" : "own past"),
        };
        bool nulls[kColumns] = {false};
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    }
    return (Datum)0;
}
