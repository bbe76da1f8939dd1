// The one place Boost.Math is configured: every special function the core uses goes through
// these wrappers with one non-throwing policy, so no translation unit can disagree on it and no
// Boost exception can reach PostgreSQL. Domain errors come back as NaN and are turned into
// uv::Error by the callers, which validate their inputs first anyway.
#pragma once

#include "common.hpp"

#include <boost/math/policies/policy.hpp>

namespace uv::math {

using Policy = boost::math::policies::policy<
    boost::math::policies::domain_error<boost::math::policies::ignore_error>,
    boost::math::policies::pole_error<boost::math::policies::ignore_error>,
    boost::math::policies::overflow_error<boost::math::policies::ignore_error>,
    boost::math::policies::underflow_error<boost::math::policies::ignore_error>,
    boost::math::policies::denorm_error<boost::math::policies::ignore_error>,
    boost::math::policies::evaluation_error<boost::math::policies::ignore_error>,
    boost::math::policies::rounding_error<boost::math::policies::ignore_error>,
    boost::math::policies::indeterminate_result_error<boost::math::policies::ignore_error>,
    boost::math::policies::promote_double<false>>;

// Regularised lower incomplete gamma P(a, x) and its inverse in x: P(a, x) = p.
double gamma_p(double a, double x);
double gamma_q(double a, double x);
double gamma_p_inv(double a, double p);
double gamma_q_inv(double a, double q);
// Standard normal quantile and upper-tail probability.
double normal_quantile(double p);
double normal_upper_tail(double z);
double lgamma(double x);
// Regularised incomplete beta I_x(a, b), a, b > 0, x in [0, 1].
double ibeta(double a, double b, double x);
double digamma(double x);

}  // namespace uv::math
