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

Interval poisson_mean_interval(int64_t count, double confidence)
{
    check_confidence(confidence);
    if (count < 0)
        throw Error(ErrorKind::OutOfRange, "merged_changes must not be negative");
    const double alpha = 1.0 - confidence;
    const double k = static_cast<double>(count);
    // chi2(p; 2k)/2 is the p-quantile of Gamma(k, 1).
    const double lower = count == 0 ? 0.0 : math::gamma_p_inv(k, alpha / 2.0);
    const double upper = math::gamma_q_inv(k + 1.0, alpha / 2.0);
    if (!std::isfinite(lower) || !std::isfinite(upper))
        throw Error(ErrorKind::Internal, "Garwood interval did not converge");
    return {lower, upper};
}

std::optional<double> tokens_per_merged_change(const UsageSummary& summary)
{
    if (summary.merged_changes == 0)
        return std::nullopt;
    return static_cast<double>(summary.tokens) / static_cast<double>(summary.merged_changes);
}

Interval tokens_per_merged_change_interval(const UsageSummary& summary, double confidence)
{
    const Interval mean = poisson_mean_interval(summary.merged_changes, confidence);
    const double tokens = static_cast<double>(summary.tokens);
    const double upper = mean.lower == 0.0 ? std::numeric_limits<double>::infinity() : tokens / mean.lower;
    return {tokens / mean.upper, upper};
}

}  // namespace uv
