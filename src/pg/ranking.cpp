// SQL face of the fair leaderboard: window functions that fit the Gamma–Poisson prior once per
// window partition (with the core's score_partition), cache every row's result in the
// partition's memory, and hand out one row's result per call. The same entry points serve the
// bigint overloads (counts) and the float8 ones (fractional value, with effective_count as the
// last argument): they dispatch on the type of the value argument.
#include "core/ranking.hpp"
#include "pg/glue.hpp"

extern "C" {
#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "funcapi.h"
#include "windowapi.h"
}

#include <cmath>
#include <string>
#include <vector>

namespace {

using uv::Error;
using uv::ErrorKind;
namespace ranking = uv::ranking;

// One row's result as plain data (copied out of the core before any PostgreSQL call).
struct FairRow {
    bool is_null;  // value or exposure was NULL: the row takes no part and gets NULL
    double score, posterior_mean, rate_lower, rate_upper, shrinkage;
    int64 rank, rank_lower, rank_upper;
    double effective_count, dispersion;
};

// Everything one partition needs, computed on the first call in the partition.
struct PartitionCache {
    bool computed;
    double quantile, level;
    bool has_prior_argument;
    double given_alpha, given_beta;
    ranking::PriorMethod method;
    double prior_alpha, prior_beta, prior_mean;
    FairRow* rows;  // one per partition row, in the partition's memory
};

double float_argument(WindowObject window, int argument, const char* name)
{
    bool is_null;
    const Datum datum = WinGetFuncArgCurrent(window, argument, &is_null);
    if (is_null)
        throw Error(ErrorKind::InvalidParameter, std::string(name) + " must not be NULL");
    return DatumGetFloat8(datum);
}

// The parameters of this call: quantile (argument 2), then either the rank-interval level or a
// given prior (alpha, beta), depending on the function's arity; the float8 overloads end with
// effective_count, a per-row argument (defaults are filled in, so the arity is always full).
struct CallParams {
    double quantile = 0.1, level = 0.8;
    bool has_prior = false;
    double alpha = 0.0, beta = 0.0;
    bool weighted = false;
    int effective_count_argument = -1;
};

CallParams read_call_params(FunctionCallInfo fcinfo, WindowObject window, bool takes_level)
{
    CallParams p;
    int nargs = PG_NARGS();
    p.weighted = get_fn_expr_argtype(fcinfo->flinfo, 0) == FLOAT8OID;
    if (p.weighted) {
        p.effective_count_argument = nargs - 1;
        nargs -= 1;
    }
    if (nargs > 2)
        p.quantile = float_argument(window, 2, "quantile");
    if (takes_level && nargs > 3)
        p.level = float_argument(window, 3, "level");
    if (!takes_level && nargs > 3) {
        p.has_prior = true;
        p.alpha = float_argument(window, 3, "prior_alpha");
        p.beta = float_argument(window, 4, "prior_beta");
    }
    // Checked here too so that errors name the SQL arguments.
    const struct {
        double value;
        const char* name;
        bool unit_interval;
    } checks[] = {{p.quantile, "quantile", true}, {p.level, "level", true},
                  {p.alpha, "prior_alpha", false}, {p.beta, "prior_beta", false}};
    for (const auto& c : checks) {
        if (!c.unit_interval && !p.has_prior)
            continue;
        const bool ok = c.unit_interval ? (c.value > 0.0 && c.value < 1.0) : (std::isfinite(c.value) && c.value > 0.0);
        if (!ok) {
            char got[32];
            snprintf(got, sizeof got, "%g", c.value);
            throw Error(ErrorKind::InvalidParameter,
                        std::string(c.name) + (c.unit_interval ? " must be between 0 and 1, exclusive (got "
                                                               : " must be a finite number > 0 (got ") +
                            got + ")");
        }
    }
    return p;
}

PartitionCache* partition_results(FunctionCallInfo fcinfo, bool takes_level)
{
    WindowObject window = PG_WINDOW_OBJECT();
    auto* cache = static_cast<PartitionCache*>(WinGetPartitionLocalMemory(window, sizeof(PartitionCache)));
    const CallParams params = read_call_params(fcinfo, window, takes_level);
    if (cache->computed) {
        if (params.quantile != cache->quantile || params.level != cache->level ||
            params.alpha != cache->given_alpha || params.beta != cache->given_beta)
            throw Error(ErrorKind::InvalidParameter,
                        "quantile, level and prior must be the same for every row of a window partition");
        return cache;
    }

    // Read the partition into plain arrays (PostgreSQL calls, no C++ objects alive).
    const int64 n = WinGetPartitionRowCount(window);
    auto* values = static_cast<int64*>(palloc(sizeof(int64) * (n + 1)));
    auto* weighted_values = static_cast<double*>(palloc(sizeof(double) * (n + 1)));
    auto* exposures = static_cast<double*>(palloc(sizeof(double) * (n + 1)));
    auto* effective_counts = static_cast<double*>(palloc(sizeof(double) * (n + 1)));
    auto* has_effective_count = static_cast<bool*>(palloc(sizeof(bool) * (n + 1)));
    auto* present = static_cast<bool*>(palloc(sizeof(bool) * (n + 1)));
    for (int64 i = 0; i < n; ++i) {
        bool value_null, exposure_null, is_out;
        const Datum value = WinGetFuncArgInPartition(window, 0, i, WINDOW_SEEK_HEAD, false, &value_null, &is_out);
        const Datum exposure = WinGetFuncArgInPartition(window, 1, i, WINDOW_SEEK_HEAD, false, &exposure_null, &is_out);
        present[i] = !value_null && !exposure_null;
        values[i] = present[i] && !params.weighted ? DatumGetInt64(value) : 0;
        weighted_values[i] = present[i] && params.weighted ? DatumGetFloat8(value) : 0.0;
        exposures[i] = present[i] ? DatumGetFloat8(exposure) : 0.0;
        has_effective_count[i] = false;
        effective_counts[i] = 0.0;
        if (present[i] && params.weighted) {
            bool count_null;
            const Datum count = WinGetFuncArgInPartition(window, params.effective_count_argument, i,
                                                         WINDOW_SEEK_HEAD, false, &count_null, &is_out);
            has_effective_count[i] = !count_null;  // NULL: the value counts as a Poisson count
            effective_counts[i] = count_null ? 0.0 : DatumGetFloat8(count);
        }
        if ((i & 4095) == 0)
            CHECK_FOR_INTERRUPTS();
    }

    // Score in the core; copy the results into the partition's memory before the C++ objects go.
    MemoryContext partition_context = GetMemoryChunkContext(cache);
    {
        ranking::Leaderboard board;
        if (params.weighted) {
            std::vector<ranking::WeightedEntity> entities;
            entities.reserve(static_cast<size_t>(n));
            for (int64 i = 0; i < n; ++i)
                if (present[i])
                    entities.push_back(
                        {weighted_values[i], exposures[i], effective_counts[i], has_effective_count[i]});
            board = params.has_prior ? ranking::score_with_prior_weighted(entities, params.alpha, params.beta,
                                                                          params.quantile, params.level, takes_level)
                                     : ranking::score_partition_weighted(entities, params.quantile, params.level,
                                                                         takes_level);
        } else {
            std::vector<ranking::Entity> entities;
            entities.reserve(static_cast<size_t>(n));
            for (int64 i = 0; i < n; ++i)
                if (present[i])
                    entities.push_back({values[i], exposures[i]});
            board = params.has_prior
                        ? ranking::score_with_prior(entities, params.alpha, params.beta, params.quantile, params.level,
                                                    takes_level)
                        : ranking::score_partition(entities, params.quantile, params.level, takes_level);
        }

        MemoryContext previous = MemoryContextSwitchTo(partition_context);
        auto* rows = static_cast<FairRow*>(uv::pg::palloc_or_throw(sizeof(FairRow) * (n + 1)));
        MemoryContextSwitchTo(previous);
        size_t k = 0;
        for (int64 i = 0; i < n; ++i) {
            if (!present[i]) {
                rows[i] = FairRow{true, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
                continue;
            }
            const ranking::EntityResult& r = board.results[k++];
            rows[i] = FairRow{false,       r.score, r.posterior_mean, r.rate_lower,      r.rate_upper, r.shrinkage,
                              r.rank,      r.rank_lower, r.rank_upper, r.effective_count, r.dispersion};
        }
        cache->rows = rows;
        cache->method = board.prior.method;
        cache->prior_alpha = board.prior.alpha;
        cache->prior_beta = board.prior.beta;
        cache->prior_mean = board.prior.mean;
    }
    cache->quantile = params.quantile;
    cache->level = params.level;
    cache->given_alpha = params.alpha;
    cache->given_beta = params.beta;
    cache->computed = true;
    return cache;
}

const FairRow& current_row(FunctionCallInfo fcinfo, bool takes_level)
{
    const PartitionCache* cache = partition_results(fcinfo, takes_level);
    return cache->rows[WinGetCurrentPosition(PG_WINDOW_OBJECT())];
}

// NaN marks "undefined" (a partition with no exposure at all): SQL NULL.
Datum float_or_null(FunctionCallInfo fcinfo, double value)
{
    if (std::isnan(value))
        PG_RETURN_NULL();
    PG_RETURN_FLOAT8(value);
}

}  // namespace

UV_FUNCTION(fair_score)
{
    const FairRow& row = current_row(fcinfo, false);
    if (row.is_null)
        PG_RETURN_NULL();
    return float_or_null(fcinfo, row.score);
}

UV_FUNCTION(fair_rank)
{
    const FairRow& row = current_row(fcinfo, false);
    if (row.is_null)
        PG_RETURN_NULL();
    PG_RETURN_INT64(row.rank);
}

UV_FUNCTION(fair_rank_lower)
{
    const FairRow& row = current_row(fcinfo, true);
    if (row.is_null)
        PG_RETURN_NULL();
    PG_RETURN_INT64(row.rank_lower);
}

UV_FUNCTION(fair_rank_upper)
{
    const FairRow& row = current_row(fcinfo, true);
    if (row.is_null)
        PG_RETURN_NULL();
    PG_RETURN_INT64(row.rank_upper);
}

// fair_detail: everything behind a row's score, as a usage_value.fair_detail composite.
UV_FUNCTION(fair_detail)
{
    const PartitionCache* cache = partition_results(fcinfo, true);
    const FairRow& row = cache->rows[WinGetCurrentPosition(PG_WINDOW_OBJECT())];
    if (row.is_null)
        PG_RETURN_NULL();
    TupleDesc descriptor;
    if (get_call_result_type(fcinfo, nullptr, &descriptor) != TYPEFUNC_COMPOSITE)
        throw Error(ErrorKind::Internal, "fair_detail must return a composite type");
    if (descriptor->natts != 12 && descriptor->natts != 14)
        throw Error(ErrorKind::Internal, "fair_detail has an unexpected number of attributes");
    descriptor = BlessTupleDesc(descriptor);
    auto nan_is_null = [](double v, bool* null) {
        *null = std::isnan(v);
        return *null ? Datum(0) : Float8GetDatum(v);
    };
    // 0.3.0 appended effective_count and dispersion; a 0.2.0 type has the first twelve only.
    bool nulls[14] = {false};
    Datum values[14];
    values[0] = nan_is_null(row.score, &nulls[0]);
    values[1] = Int64GetDatum(row.rank);
    values[2] = Int64GetDatum(row.rank_lower);
    values[3] = Int64GetDatum(row.rank_upper);
    values[4] = nan_is_null(row.posterior_mean, &nulls[4]);
    values[5] = nan_is_null(row.rate_lower, &nulls[5]);
    values[6] = nan_is_null(row.rate_upper, &nulls[6]);
    values[7] = nan_is_null(row.shrinkage, &nulls[7]);
    values[8] = Float8GetDatum(cache->prior_alpha);
    values[9] = Float8GetDatum(cache->prior_beta);
    values[10] = nan_is_null(cache->prior_mean, &nulls[10]);
    values[11] = CStringGetTextDatum(ranking::prior_method_name(cache->method));
    values[12] = Float8GetDatum(row.effective_count);
    values[13] = Float8GetDatum(row.dispersion);
    PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(descriptor, values, nulls)));
}
