// SQL face of the tokens-per-merged-change and tokens-per-value estimates and their Garwood intervals.
#include "core/interval.hpp"
#include "pg/summary.hpp"

UV_FUNCTION(usage_summary_tokens_per_merged_change)
{
    const std::optional<double> ratio = uv::tokens_per_merged_change(uv::pg::read_summary(PG_GETARG_DATUM(0)));
    if (!ratio)
        PG_RETURN_NULL();
    PG_RETURN_FLOAT8(*ratio);
}

UV_FUNCTION(usage_summary_tokens_per_merged_change_lower)
{
    const uv::UsageSummary summary = uv::pg::read_summary(PG_GETARG_DATUM(0));
    PG_RETURN_FLOAT8(uv::tokens_per_merged_change_interval(summary, PG_GETARG_FLOAT8(1)).lower);
}

UV_FUNCTION(usage_summary_tokens_per_merged_change_upper)
{
    const uv::UsageSummary summary = uv::pg::read_summary(PG_GETARG_DATUM(0));
    PG_RETURN_FLOAT8(uv::tokens_per_merged_change_interval(summary, PG_GETARG_FLOAT8(1)).upper);
}

UV_FUNCTION(usage_summary_effective_changes)
{
    PG_RETURN_FLOAT8(uv::effective_changes(uv::pg::read_summary(PG_GETARG_DATUM(0))));
}

UV_FUNCTION(usage_summary_tokens_per_value)
{
    const std::optional<double> ratio = uv::tokens_per_value(uv::pg::read_summary(PG_GETARG_DATUM(0)));
    if (!ratio)
        PG_RETURN_NULL();
    PG_RETURN_FLOAT8(*ratio);
}

UV_FUNCTION(usage_summary_tokens_per_value_lower)
{
    const uv::UsageSummary summary = uv::pg::read_summary(PG_GETARG_DATUM(0));
    PG_RETURN_FLOAT8(uv::tokens_per_value_interval(summary, PG_GETARG_FLOAT8(1)).lower);
}

UV_FUNCTION(usage_summary_tokens_per_value_upper)
{
    const uv::UsageSummary summary = uv::pg::read_summary(PG_GETARG_DATUM(0));
    PG_RETURN_FLOAT8(uv::tokens_per_value_interval(summary, PG_GETARG_FLOAT8(1)).upper);
}

// Dollars per merged change and per unit of value: NULL when some tokens have no cost.
UV_FUNCTION(usage_summary_cost_per_merged_change)
{
    const std::optional<double> ratio = uv::cost_per_merged_change(uv::pg::read_summary(PG_GETARG_DATUM(0)));
    if (!ratio)
        PG_RETURN_NULL();
    PG_RETURN_FLOAT8(*ratio);
}

UV_FUNCTION(usage_summary_cost_per_merged_change_lower)
{
    const auto interval = uv::cost_per_merged_change_interval(uv::pg::read_summary(PG_GETARG_DATUM(0)), PG_GETARG_FLOAT8(1));
    if (!interval)
        PG_RETURN_NULL();
    PG_RETURN_FLOAT8(interval->lower);
}

UV_FUNCTION(usage_summary_cost_per_merged_change_upper)
{
    const auto interval = uv::cost_per_merged_change_interval(uv::pg::read_summary(PG_GETARG_DATUM(0)), PG_GETARG_FLOAT8(1));
    if (!interval)
        PG_RETURN_NULL();
    PG_RETURN_FLOAT8(interval->upper);
}

UV_FUNCTION(usage_summary_cost_per_value)
{
    const std::optional<double> ratio = uv::cost_per_value(uv::pg::read_summary(PG_GETARG_DATUM(0)));
    if (!ratio)
        PG_RETURN_NULL();
    PG_RETURN_FLOAT8(*ratio);
}

UV_FUNCTION(usage_summary_cost_per_value_lower)
{
    const auto interval = uv::cost_per_value_interval(uv::pg::read_summary(PG_GETARG_DATUM(0)), PG_GETARG_FLOAT8(1));
    if (!interval)
        PG_RETURN_NULL();
    PG_RETURN_FLOAT8(interval->lower);
}

UV_FUNCTION(usage_summary_cost_per_value_upper)
{
    const auto interval = uv::cost_per_value_interval(uv::pg::read_summary(PG_GETARG_DATUM(0)), PG_GETARG_FLOAT8(1));
    if (!interval)
        PG_RETURN_NULL();
    PG_RETURN_FLOAT8(interval->upper);
}
