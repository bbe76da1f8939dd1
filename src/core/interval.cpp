#include "interval.hpp"
#include "math.hpp"

#include <cmath>
#include <cstdio>
#include <limits>

namespace uv {

void check_confidence(double confidence)
{
    if (!(confidence > 0.0 && confidence < 1.0)) {  // also rejects NaN
        char got[32];
        std::snprintf(got, sizeof got, "%g", confidence);
        throw Error(ErrorKind::InvalidParameter,
                    std::string("confidence must be between 0 and 1, exclusive (got ") + got + ")");
    }
}

Interval garwood_interval(double count, double confidence)
{
    check_confidence(confidence);
    if (!(count >= 0.0) || !std::isfinite(count))
        throw Error(ErrorKind::OutOfRange, "merged_changes must not be negative");
    const double alpha = 1.0 - confidence;
    // chi2(p; 2k)/2 is the p-quantile of Gamma(k, 1), for fractional k too.
    const double lower = count == 0.0 ? 0.0 : math::gamma_p_inv(count, alpha / 2.0);
    const double upper = math::gamma_q_inv(count + 1.0, alpha / 2.0);
    if (!std::isfinite(lower) || !std::isfinite(upper))
        throw Error(ErrorKind::Internal, "Garwood interval did not converge");
    return {lower, upper};
}

Interval poisson_mean_interval(int64_t count, double confidence)
{
    check_confidence(confidence);
    if (count < 0)
        throw Error(ErrorKind::OutOfRange, "merged_changes must not be negative");
    return garwood_interval(static_cast<double>(count), confidence);
}

namespace {

// The exposure (tokens or dollars) over an interval on the count (or value) of merged changes.
Interval invert(double exposure, const Interval& mean)
{
    const double upper = mean.lower == 0.0 ? std::numeric_limits<double>::infinity() : exposure / mean.lower;
    return {exposure / mean.upper, upper};
}

}  // namespace

std::optional<double> tokens_per_merged_change(const UsageSummary& summary)
{
    if (summary.merged_changes == 0)
        return std::nullopt;
    return static_cast<double>(summary.tokens) / static_cast<double>(summary.merged_changes);
}

Interval tokens_per_merged_change_interval(const UsageSummary& summary, double confidence)
{
    return invert(static_cast<double>(summary.tokens), poisson_mean_interval(summary.merged_changes, confidence));
}

double effective_changes(const UsageSummary& summary)
{
    if (summary.value == 0.0)
        return 0.0;
    // V * (V / Q): exactly k when V = Q = k, and overflows only when the result does.
    const double n = summary.value * (summary.value / summary.value_squares);
    if (!std::isfinite(n))
        throw Error(ErrorKind::OutOfRange, "effective number of changes overflows float8 (value " +
                                               std::to_string(summary.value) + ", value_squares " +
                                               std::to_string(summary.value_squares) + ")");
    return n;
}

Interval value_interval(const UsageSummary& summary, double confidence)
{
    check_confidence(confidence);
    const double dispersion = summary.value == 0.0 ? 1.0 : summary.value_squares / summary.value;
    const Interval count = garwood_interval(effective_changes(summary), confidence);
    const Interval value{dispersion * count.lower, dispersion * count.upper};
    if (!std::isfinite(value.upper))
        throw Error(ErrorKind::OutOfRange, "interval on value overflows float8");
    return value;
}

std::optional<double> tokens_per_value(const UsageSummary& summary)
{
    if (summary.value == 0.0)
        return std::nullopt;
    return static_cast<double>(summary.tokens) / summary.value;
}

Interval tokens_per_value_interval(const UsageSummary& summary, double confidence)
{
    return invert(static_cast<double>(summary.tokens), value_interval(summary, confidence));
}

std::optional<double> cost_usd(const UsageSummary& summary)
{
    if (summary.uncosted_tokens() != 0)
        return std::nullopt;
    return static_cast<double>(summary.cost_micro_usd) / 1e6;
}

std::optional<double> cost_per_merged_change(const UsageSummary& summary)
{
    const std::optional<double> cost = cost_usd(summary);
    if (!cost || summary.merged_changes == 0)
        return std::nullopt;
    return *cost / static_cast<double>(summary.merged_changes);
}

std::optional<Interval> cost_per_merged_change_interval(const UsageSummary& summary, double confidence)
{
    check_confidence(confidence);
    const std::optional<double> cost = cost_usd(summary);
    if (!cost)
        return std::nullopt;
    return invert(*cost, poisson_mean_interval(summary.merged_changes, confidence));
}

std::optional<double> cost_per_value(const UsageSummary& summary)
{
    const std::optional<double> cost = cost_usd(summary);
    if (!cost || summary.value == 0.0)
        return std::nullopt;
    return *cost / summary.value;
}

std::optional<Interval> cost_per_value_interval(const UsageSummary& summary, double confidence)
{
    check_confidence(confidence);
    const std::optional<double> cost = cost_usd(summary);
    if (!cost)
        return std::nullopt;
    return invert(*cost, value_interval(summary, confidence));
}

}  // namespace uv
