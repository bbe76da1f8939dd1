#include "math.hpp"

#include <boost/math/distributions/normal.hpp>
#include <boost/math/special_functions/beta.hpp>
#include <boost/math/special_functions/digamma.hpp>
#include <boost/math/special_functions/gamma.hpp>

namespace uv::math {

double gamma_p(double a, double x) { return boost::math::gamma_p(a, x, Policy()); }
double gamma_q(double a, double x) { return boost::math::gamma_q(a, x, Policy()); }
double gamma_p_inv(double a, double p) { return boost::math::gamma_p_inv(a, p, Policy()); }
double gamma_q_inv(double a, double q) { return boost::math::gamma_q_inv(a, q, Policy()); }

double normal_quantile(double p)
{
    return boost::math::quantile(boost::math::normal_distribution<double, Policy>(), p);
}

double normal_upper_tail(double z)
{
    return boost::math::cdf(boost::math::complement(boost::math::normal_distribution<double, Policy>(), z));
}

double lgamma(double x) { return boost::math::lgamma(x, Policy()); }
double ibeta(double a, double b, double x) { return boost::math::ibeta(a, b, x, Policy()); }
double digamma(double x) { return boost::math::digamma(x, Policy()); }

}  // namespace uv::math
