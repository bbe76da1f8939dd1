// Gamma–Poisson empirical Bayes for fair leaderboards (see ranking.hpp for the assumptions).
//
// Method, in brief:
//  * Model: value_i ~ Poisson(rate_i * exposure_i), rate_i ~ Gamma(alpha, beta). Integrating the
//    rate out gives a negative-binomial marginal for value_i; (alpha, beta) are fitted per
//    partition by maximum marginal likelihood (parametric empirical Bayes, Morris 1983).
//  * Fit: for fixed alpha the likelihood equation in beta has exactly one root (the score is
//    strictly monotone in beta), solved by safeguarded Newton on log beta; the resulting profile
//    likelihood is maximised over log alpha by solving for a zero of its derivative with Brent's
//    method, started from a method-of-moments estimate and an expanding bracket.
//  * Score: posterior lower quantile of the rate; posterior is Gamma(alpha + v, beta + e).
//  * Rank interval: interval-separation league table (see score_partition in the header).
//  * Fractional value: each row becomes a (fractional) count n and exposure E / c (prepare()),
//    and everything above runs unchanged on those; lgamma and digamma differences of fractional
//    counts use Stirling's series for large shapes, and their Gamma quantiles an interpolation
//    exact to ~1e-14 (QuantileCurve). Integer counts take exactly the code paths they always did.
//
// Determinism and order independence: entities are put into one canonical order (by value, then
// exposure) before any floating-point sum, so the same multiset of rows gives bit-identical
// results whatever order the rows arrive in. Exposures are rescaled by a power of two (exact in
// binary floating point), so the fit is exactly equivariant under power-of-two changes of unit
// and equivariant up to the caller's own rounding under any other change of unit.

#include "ranking.hpp"

#include "math.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <numeric>
#include <string>
#include <unordered_map>

namespace uv::ranking {

namespace {

constexpr std::size_t kInterruptBlock = 4096;

// Runs body(i) for i in [0, n), calling check_interrupts() once per block: the loop length comes
// from input, and a per-iteration branch would cost more than the block bookkeeping.
template <typename Body>
void for_each_index(std::size_t n, Body&& body)
{
    for (std::size_t start = 0; start < n; start += kInterruptBlock) {
        check_interrupts();
        const std::size_t end = std::min(n, start + kInterruptBlock);
        for (std::size_t i = start; i < end; ++i)
            body(i);
    }
}

// Sorts with an interrupt check every few thousand comparisons; std::sort leaves the range valid
// (in some order) if the check throws, and the caller discards it.
template <typename It, typename Less>
void interruptible_sort(It first, It last, Less less)
{
    InterruptTicker ticker;
    std::sort(first, last, [&](const auto& a, const auto& b) {
        ticker.tick();
        return less(a, b);
    });
}

void check_probability(double p, const char* name)
{
    if (!(p > 0.0 && p < 1.0))  // also rejects NaN
        throw Error(ErrorKind::InvalidParameter,
                    std::string(name) + " must be between 0 and 1 (exclusive), got " + std::to_string(p));
}

// Above this shape, lgamma and digamma differences for fractional counts use Stirling's series
// with its terms differenced in closed form (the direct difference would cancel badly).
constexpr double kStirlingShape = 1e3;

// lgamma(a + v) - lgamma(a) for fractional v > 0 (Stirling's series; truncation below 1e-19).
double lgamma_ratio_fractional(double a, double v)
{
    if (a < kStirlingShape)
        return math::lgamma(a + v) - math::lgamma(a);
    const double b = a + v;
    return (a - 0.5) * std::log1p(v / a) + v * std::log(b) - v - v / (12.0 * a * b) +
           (1.0 / (a * a * a) - 1.0 / (b * b * b)) / 360.0;
}

// psi(a + v) - psi(a) for fractional v > 0, the same way (psi(x) ~ log x - 1/2x - 1/12x^2 + 1/120x^4).
double digamma_ratio_fractional(double a, double v)
{
    if (a < kStirlingShape)
        return math::digamma(a + v) - math::digamma(a);
    const double b = a + v;
    return std::log1p(v / a) + v / (2.0 * a * b) + v * (a + b) / (12.0 * a * a * b * b) -
           (1.0 / (a * a * a * a) - 1.0 / (b * b * b * b)) / 120.0;
}

// lgamma(a + v) - lgamma(a) for v >= 0. Small integer v by a sum of logs: exact to rounding even
// when a is huge (near-complete pooling), where the lgamma difference would cancel badly.
double lgamma_ratio(double a, double v)
{
    if (v != std::floor(v))
        return lgamma_ratio_fractional(a, v);
    if (v <= 32.0) {
        double s = 0.0;
        for (double k = 0.0; k < v; k += 1.0)
            s += std::log(a + k);
        return s;
    }
    return math::lgamma(a + v) - math::lgamma(a);
}

// What the model sees of one row: a (possibly fractional) Poisson count and its exposure. For a
// weighted row, count = n and exposure = E / c; key = V breaks ties between rows whose (n, E / c)
// agree but whose inputs differ, so sums over inputs are order independent too.
struct Row {
    double value = 0.0;
    double exposure = 0.0;
    double key = 0.0;
};

// The informative rows (exposure > 0) in canonical order, exposures rescaled so the largest lies
// in [1, 2). Distinct values are grouped: the lgamma terms depend on the value only.
struct FitData {
    std::vector<double> v;   // value, as double
    std::vector<double> e;   // exposure / scale, > 0
    std::vector<double> group_value;
    std::vector<double> group_count;
    double sum_v = 0.0;
    double sum_e = 0.0;
    double sum_e2 = 0.0;
    double lgamma_v1 = 0.0;  // sum of lgamma(v + 1): the constant of the marginal likelihood
};

// Canonical order of row indices: by value, then exposure. Equal keys are equal data, so any
// order among them yields the same arrays below.
std::vector<std::size_t> canonical_order(const std::vector<Row>& entities)
{
    std::vector<std::size_t> order(entities.size());
    std::iota(order.begin(), order.end(), std::size_t{0});
    interruptible_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
        const Row& x = entities[a];
        const Row& y = entities[b];
        if (x.value != y.value)
            return x.value < y.value;
        return x.exposure != y.exposure ? x.exposure < y.exposure : x.key < y.key;
    });
    return order;
}

// Power of two s with max_exposure / s in [1, 2); 1 when there is no positive exposure.
double exposure_scale(const std::vector<Row>& entities)
{
    double max_e = 0.0;
    for_each_index(entities.size(), [&](std::size_t i) { max_e = std::max(max_e, entities[i].exposure); });
    if (max_e <= 0.0)
        return 1.0;
    int exponent = 0;
    std::frexp(max_e, &exponent);  // max_e = m * 2^exponent, m in [0.5, 1)
    return std::ldexp(1.0, exponent - 1);
}

FitData make_fit_data(const std::vector<Row>& entities, const std::vector<std::size_t>& order, double scale)
{
    FitData d;
    d.v.reserve(entities.size());
    d.e.reserve(entities.size());
    for_each_index(order.size(), [&](std::size_t k) {
        const Row& x = entities[order[k]];
        if (x.exposure <= 0.0)
            return;  // no exposure (and hence value 0): a factor 1 in the likelihood
        const double e = x.exposure / scale;
        if (e <= 0.0 || !std::isfinite(e))
            throw Error(ErrorKind::InvalidParameter,
                        "exposure values span too many orders of magnitude (ratio above 1e300)");
        const double v = x.value;
        d.v.push_back(v);
        d.e.push_back(e);
        d.sum_v += v;
        d.sum_e += e;
        d.sum_e2 += e * e;
        if (d.group_value.empty() || d.group_value.back() != v) {
            d.group_value.push_back(v);
            d.group_count.push_back(0.0);
        }
        d.group_count.back() += 1.0;
    });
    for (std::size_t g = 0; g < d.group_value.size(); ++g)
        d.lgamma_v1 += d.group_count[g] * math::lgamma(d.group_value[g] + 1.0);
    return d;
}

// Negative-binomial marginal log-likelihood without the constant -sum lgamma(v+1), written with
// log1p so that it stays accurate when alpha, beta -> infinity (the Poisson limit):
//   log P(v | a, b, e) + lgamma(v+1) = lgamma(a+v) - lgamma(a) - a log1p(e/b) - v log1p(b/e).
double log_likelihood_kernel(const FitData& d, double a, double b)
{
    double ll = 0.0;
    for (std::size_t g = 0; g < d.group_value.size(); ++g)
        ll += d.group_count[g] * lgamma_ratio(a, d.group_value[g]);
    double tail = 0.0;
    for_each_index(d.e.size(), [&](std::size_t i) {
        tail += a * std::log1p(d.e[i] / b);
        if (d.v[i] > 0.0)
            tail += d.v[i] * std::log1p(b / d.e[i]);
    });
    return ll - tail;
}

// The maximum-likelihood beta for fixed alpha. d/d beta of the log-likelihood is
//   (1/beta) * G(beta),  G(beta) = sum_i (alpha e_i - beta v_i) / (beta + e_i),
// and G is strictly decreasing from n*alpha (beta -> 0) to -sum v (beta -> inf), so the root is
// unique whenever sum v > 0. Equivalently alpha/beta is the (1 - shrinkage)-weighted mean rate.
// Newton on t = log beta, kept inside a sign-change bracket (bisection when a step leaves it).
double solve_beta(const FitData& d, double a, double beta_start)
{
    double t = std::log(beta_start);
    double lo = -std::numeric_limits<double>::infinity();  // G > 0 here
    double hi = std::numeric_limits<double>::infinity();   // G < 0 here
    for (int iter = 0; iter < 200; ++iter) {
        const double b = std::exp(t);
        double g = 0.0;
        double dg = 0.0;  // dG / d beta, < 0
        for_each_index(d.e.size(), [&](std::size_t i) {
            const double denom = b + d.e[i];
            g += (a * d.e[i] - b * d.v[i]) / denom;
            dg -= d.e[i] * (a + d.v[i]) / (denom * denom);
        });
        if (g == 0.0)
            return b;
        if (g > 0.0)
            lo = t;
        else
            hi = t;
        double step = -g / (b * dg);               // Newton step in log beta
        step = std::max(-8.0, std::min(8.0, step));  // at most a factor e^8 before a bracket exists
        double next = t + step;
        if (std::isfinite(lo) && std::isfinite(hi) && !(next > lo && next < hi))
            next = 0.5 * (lo + hi);
        if (!std::isfinite(next))
            break;
        if (std::fabs(next - t) <= 1e-14 * std::max(1.0, std::fabs(t))) {
            t = next;
            break;
        }
        t = next;
    }
    return std::exp(t);
}

// Digamma difference psi(a + v) - psi(a) for v >= 0: small integer v by the recurrence (exact
// to rounding when a is huge), else by Boost.
double digamma_ratio(double a, double v)
{
    if (v != std::floor(v))
        return digamma_ratio_fractional(a, v);
    if (v <= 32.0) {
        double s = 0.0;
        for (double k = 0.0; k < v; k += 1.0)
            s += 1.0 / (a + k);
        return s;
    }
    return math::digamma(a + v) - math::digamma(a);
}

// The profile score in x = log alpha: with beta at its maximum for this alpha, the envelope
// theorem makes the derivative of the profile log-likelihood the partial derivative in alpha,
//   dP/dx = alpha * [ sum_i (psi(alpha + v_i) - psi(alpha)) - sum_i log1p(e_i / beta) ].
// Solving dP/dx = 0 rather than comparing likelihood values pins alpha down to ~1e-12 instead
// of the ~1e-7 a flat maximum allows, which keeps results stable under changes of unit.
// Remembers the last prior mean to warm-start the next beta solve.
class ProfileScore {
public:
    ProfileScore(const FitData& d, double mean_start) : d_(d), mean_(mean_start) {}

    double operator()(double x)
    {
        const double a = std::exp(x);
        const double b = beta_for(a);
        double s = 0.0;
        for (std::size_t g = 0; g < d_.group_value.size(); ++g)
            s += d_.group_count[g] * digamma_ratio(a, d_.group_value[g]);
        double t = 0.0;
        for_each_index(d_.e.size(), [&](std::size_t i) { t += std::log1p(d_.e[i] / b); });
        ++evaluations_;
        return a * (s - t);
    }

    double beta_for(double a)
    {
        const double b = solve_beta(d_, a, a / mean_);
        mean_ = a / b;
        return b;
    }

    int evaluations() const { return evaluations_; }

private:
    const FitData& d_;
    double mean_;
    int evaluations_ = 0;
};

// Brent's method for a root (Brent 1973, "Algorithms for Minimization without Derivatives",
// ch. 4, "zero"): bisection, secant and inverse quadratic interpolation, given f(a), f(b) of
// opposite signs. Never leaves the bracket.
template <typename F>
double brent_zero(F& f, double a, double b, double fa, double fb, double tol)
{
    constexpr double kEps = std::numeric_limits<double>::epsilon();
    double c = a, fc = fa, d = b - a, e = d;
    for (int iter = 0; iter < 200; ++iter) {
        if (std::fabs(fc) < std::fabs(fb)) {
            a = b; b = c; c = a;
            fa = fb; fb = fc; fc = fa;
        }
        const double tol1 = 2.0 * kEps * std::fabs(b) + 0.5 * tol;
        const double m = 0.5 * (c - b);
        if (std::fabs(m) <= tol1 || fb == 0.0)
            break;
        if (std::fabs(e) < tol1 || std::fabs(fa) <= std::fabs(fb)) {
            d = e = m;  // bisection
        } else {
            double p, q;
            const double s = fb / fa;
            if (a == c) {  // secant
                p = 2.0 * m * s;
                q = 1.0 - s;
            } else {       // inverse quadratic interpolation
                const double qq = fa / fc, r = fb / fc;
                p = s * (2.0 * m * qq * (qq - r) - (b - a) * (r - 1.0));
                q = (qq - 1.0) * (r - 1.0) * (s - 1.0);
            }
            if (p > 0.0)
                q = -q;
            else
                p = -p;
            if (2.0 * p < std::min(3.0 * m * q - std::fabs(tol1 * q), std::fabs(e * q))) {
                e = d;
                d = p / q;
            } else {
                d = e = m;
            }
        }
        a = b;
        fa = fb;
        b += std::fabs(d) > tol1 ? d : (m > 0.0 ? tol1 : -tol1);
        fb = f(b);
        if ((fb > 0.0) == (fc > 0.0)) {
            c = a; fc = fa;
            d = e = b - a;
        }
    }
    return b;
}

struct FitResult {
    double alpha;
    double beta_scaled;  // in rescaled exposure units
    PriorMethod method;
    int evaluations;
};

// Maximum marginal likelihood over log alpha in [log kAlphaMin, log kAlphaMax]. Requires sum v > 0
// and at least one row with exposure > 0 (one or two give a boundary optimum, which is fine).
FitResult fit_marginal_likelihood(const FitData& d)
{
    const double n = static_cast<double>(d.e.size());
    const double mean = d.sum_v / d.sum_e;

    // Method-of-moments start (exposure-weighted, as in DerSimonian–Laird): the weighted squared
    // deviations of the rates exceed their Poisson expectation (n-1)*mean by sigma^2 times the
    // effective exposure; alpha = mean^2 / sigma^2. No excess spread -> start at the cap.
    double ss = 0.0;
    for_each_index(d.e.size(), [&](std::size_t i) {
        const double dev = d.v[i] - mean * d.e[i];
        ss += dev * dev / d.e[i];
    });
    const double eff = d.sum_e - d.sum_e2 / d.sum_e;
    const double var = eff > 0.0 ? (ss - (n - 1.0) * mean) / eff : 0.0;
    const double alpha0 = var > 0.0 ? mean * mean / var : kAlphaMax;

    const double x_min = std::log(kAlphaMin);
    const double x_max = std::log(kAlphaMax);
    const double x0 = std::min(x_max, std::max(x_min, std::log(alpha0)));

    // Bracket a sign change of the profile score (+ below the maximum, - above) by walking
    // uphill in the likelihood with doubling steps from the start. If the score keeps its sign up
    // to a limit, the maximum is on that limit: at kAlphaMax this is the no-spread case.
    ProfileScore score(d, mean);
    double x = x0;
    double s = score(x);
    const double dir = s > 0.0 ? 1.0 : -1.0;
    double step = 1.0;
    double x_other = x, s_other = s;
    bool boundary = false;
    while (s != 0.0) {
        const double next = std::min(x_max, std::max(x_min, x + dir * step));
        if (next == x) {
            boundary = true;
            break;
        }
        const double s_next = score(next);
        if ((s_next > 0.0) != (s > 0.0) || s_next == 0.0) {
            x_other = next;
            s_other = s_next;
            break;
        }
        x = next;
        s = s_next;
        step *= 2.0;
    }
    if (!boundary && s != 0.0 && s_other != 0.0)
        x = brent_zero(score, x, x_other, s, s_other, 1e-13);
    else if (s_other == 0.0)
        x = x_other;

    FitResult r;
    r.alpha = std::exp(x);
    r.method = PriorMethod::MarginalLikelihood;
    if (boundary && dir > 0.0) {
        r.alpha = kAlphaMax;
        r.method = PriorMethod::NoSpread;
    } else if (boundary) {
        r.alpha = kAlphaMin;
    }
    r.beta_scaled = score.beta_for(r.alpha);
    r.evaluations = score.evaluations();
    return r;
}

// Fit on already-prepared data; returns the prior with beta in rescaled units (scaled back by the
// callers) so scoring can stay in one exact unit.
//
// The regime depends only on the number of rows and on whether any value or exposure is
// positive, never on how exposure is spread, so adding exposure to one row cannot switch a
// partition between regimes (except out of NoExposure, whose scores are undefined).
Prior fit_scaled(const std::vector<Row>& entities, const FitData& d)
{
    Prior p;
    p.n = entities.size();
    p.n_informative = d.e.size();
    if (p.n == 0) {
        p.method = PriorMethod::Empty;
        return p;
    }
    if (p.n_informative == 0) {
        // Every exposure is zero, so every value is zero: nothing is known about any rate. The
        // AllZero prior below degenerates to Gamma(1/2, 0), improper, so scores are undefined
        // (NaN here, NULL in SQL) and everyone ties.
        p.method = PriorMethod::NoExposure;
        p.alpha = 0.5;
        p.beta = 0.0;
        return p;
    }
    if (d.sum_v == 0.0) {
        // No value anywhere: the maximum-likelihood prior mean is 0 (a boundary). Use the
        // posterior of one common rate under the Jeffreys prior after zero events in the total
        // exposure, Gamma(1/2, sum e): weakly informative, scores near 0, and an entity with more
        // exposure (and still no value) scores lower.
        p.method = PriorMethod::AllZero;
        p.alpha = 0.5;
        p.beta = d.sum_e;
    } else if (p.n < kMinRows) {
        // Too few rows to estimate a between-entity spread: below about ten rows the fitted alpha
        // swings with single rows and can reorder the board when one row only adds exposure.
        // Use an exponential prior (alpha = 1: rates vary by 100%, weakly informative) centred
        // on the pooled rate sum v / sum e. With alpha fixed and this mean, adding exposure
        // without value provably never raises a score nor improves a rank (see the header).
        p.method = PriorMethod::SmallPartition;
        p.alpha = 1.0;
        p.beta = d.sum_e / d.sum_v;
    } else {
        const FitResult r = fit_marginal_likelihood(d);
        p.method = r.method;
        p.alpha = r.alpha;
        p.beta = r.beta_scaled;
        p.evaluations = r.evaluations;
    }
    p.log_likelihood = log_likelihood_kernel(d, p.alpha, p.beta) - d.lgamma_v1;
    return p;
}

double checked_quantile(double value)
{
    if (!(value >= 0.0) || !std::isfinite(value))
        throw Error(ErrorKind::Internal, "Gamma quantile evaluation failed");
    return value;
}

// A double as the shortest decimal that reads back to it ("1", "2.5"), for error messages.
std::string format_number(double x)
{
    char buffer[40];
    for (int precision = 1; precision <= 17; ++precision) {
        std::snprintf(buffer, sizeof buffer, "%.*g", precision, x);
        if (std::strtod(buffer, nullptr) == x || std::isnan(x))
            break;
    }
    return buffer;
}

// Gamma(a) quantiles at one probability, for many distinct fractional shapes. Boost's inverse
// costs about 2 us and a partition of fractional counts has one shape per row, three quantiles
// each; so for a >= 1, log Q is interpolated in log a by 6-point Lagrange on the fixed nodes
// a_k = exp(k / 128), each computed once with Boost. A quantile depends on its shape alone (the
// nodes do not depend on the partition); the error is below 2e-14 relative for probabilities in
// [1e-6, 1 - 1e-6] (measured on a in [1, 1e6]; ranking_test.cpp checks it). Integer shapes and
// everything else use Boost directly, so count partitions are computed exactly as before.
class QuantileCurve {
public:
    static constexpr double kNodesPerUnit = 128.0;
    static constexpr double kMinShape = 1.0;

    QuantileCurve(double p, bool upper) : p_(p), upper_(upper) {}

    bool interpolates(double a) const { return a >= kMinShape && std::min(p_, 1.0 - p_) >= 1e-6; }

    double exact(double a) const
    {
        return checked_quantile(upper_ ? math::gamma_q_inv(a, p_) : math::gamma_p_inv(a, p_));
    }

    double operator()(double a)
    {
        if (!interpolates(a))
            return exact(a);
        const double t = std::log(a) * kNodesPerUnit;
        const double k0 = std::floor(t);
        const double u = t - k0;
        const auto base = static_cast<long>(k0) - 2;
        if (base != window_base_) {
            for (int j = 0; j < 6; ++j)
                window_[j] = node(base + j);
            window_base_ = base;
        }
        // Lagrange weights on the nodes -2..3 (relative to k0); denominators prod_{m != j} (j - m).
        static constexpr double kDenominator[6] = {-120.0, 24.0, -12.0, 12.0, -24.0, 120.0};
        double g = 0.0;
        for (int j = 0; j < 6; ++j) {
            double w = 1.0;
            for (int m = 0; m < 6; ++m)
                if (m != j)
                    w *= u - static_cast<double>(m - 2);
            g += w / kDenominator[j] * window_[j];
        }
        return checked_quantile(std::exp(g));
    }

private:
    double node(long k)
    {
        const auto found = nodes_.find(k);
        if (found != nodes_.end())
            return found->second;
        const double value = std::log(exact(std::exp(static_cast<double>(k) / kNodesPerUnit)));
        nodes_.emplace(k, value);
        return value;
    }

    double p_;
    bool upper_;
    std::unordered_map<long, double> nodes_;
    long window_base_ = std::numeric_limits<long>::min();
    double window_[6] = {0, 0, 0, 0, 0, 0};
};

// The rows the model sees, with each row's effective count and dispersion for the results.
struct Prepared {
    std::vector<Row> rows;
    std::vector<std::size_t> order;  // canonical
    std::vector<double> dispersion;  // empty: 1 for every row (counts)
};

Prepared prepare(const std::vector<Entity>& entities)
{
    for_each_index(entities.size(), [&](std::size_t i) { validate_entity(entities[i]); });
    Prepared p;
    p.rows.resize(entities.size());
    for_each_index(entities.size(), [&](std::size_t i) {
        const double v = static_cast<double>(entities[i].value);
        p.rows[i] = Row{v, entities[i].exposure, v};
    });
    p.order = canonical_order(p.rows);
    return p;
}

// Weighted rows: count n, exposure E / c with c = V / n; rows with V = 0 take the pooled
// dispersion sum V / sum n over the rows with V > 0 (1 when there are none). Their counts are 0,
// so they sort first by raw exposure, and dividing by the one pooled c keeps that order; the
// pooled sums run in canonical order, so the result does not depend on row order.
Prepared prepare(const std::vector<WeightedEntity>& entities)
{
    for_each_index(entities.size(), [&](std::size_t i) { validate_entity(entities[i]); });
    Prepared p;
    p.rows.resize(entities.size());
    p.dispersion.assign(entities.size(), 1.0);
    for_each_index(entities.size(), [&](std::size_t i) {
        const WeightedEntity& x = entities[i];
        if (x.value == 0.0) {
            p.rows[i] = Row{0.0, x.exposure, 0.0};
            return;
        }
        const double n = x.has_effective_count ? x.effective_count : x.value;
        const double c = x.value / n;
        const double e = x.exposure / c;
        if (!(c > 0.0) || !std::isfinite(c) || !(e > 0.0) || !std::isfinite(e))
            throw Error(ErrorKind::InvalidParameter,
                        "effective_count out of range for its value: value / effective_count must be a "
                        "positive dispersion that keeps exposure / dispersion finite and > 0, got value " +
                            format_number(x.value) + " with effective_count " + format_number(n));
        p.rows[i] = Row{n, e, x.value};
        p.dispersion[i] = c;
    });
    p.order = canonical_order(p.rows);
    double sum_v = 0.0, sum_n = 0.0;
    for_each_index(p.order.size(), [&](std::size_t k) {
        const std::size_t i = p.order[k];
        if (entities[i].value > 0.0) {
            sum_v += entities[i].value;
            sum_n += p.rows[i].value;
        }
    });
    const double pooled = sum_v > 0.0 ? sum_v / sum_n : 1.0;
    if (!(pooled > 0.0) || !std::isfinite(pooled))
        throw Error(ErrorKind::InvalidParameter, "the partition's total value or effective count is out of range");
    for_each_index(entities.size(), [&](std::size_t i) {
        if (entities[i].value != 0.0)
            return;
        p.rows[i].exposure = entities[i].exposure / pooled;
        p.dispersion[i] = pooled;
        if (!std::isfinite(p.rows[i].exposure))
            throw Error(ErrorKind::InvalidParameter,
                        "exposure / pooled dispersion is out of range, got exposure " +
                            format_number(entities[i].exposure));
    });
    return p;
}

double marginal_log_likelihood_rows(const std::vector<Row>& rows, double alpha, double beta)
{
    if (!(alpha > 0.0) || !std::isfinite(alpha))
        throw Error(ErrorKind::InvalidParameter, "alpha must be a finite number > 0");
    if (!(beta > 0.0) || !std::isfinite(beta))
        throw Error(ErrorKind::InvalidParameter, "beta must be a finite number > 0");
    double ll = 0.0;
    for_each_index(rows.size(), [&](std::size_t i) {
        const double v = rows[i].value;
        const double e = rows[i].exposure;
        if (e == 0.0)
            return;  // value is 0 and P(0 | exposure 0) = 1
        ll += lgamma_ratio(alpha, v) - math::lgamma(v + 1.0) - alpha * std::log1p(e / beta);
        if (v > 0.0)
            ll -= v * std::log1p(beta / e);
    });
    return ll;
}

Prior fit_prepared(const Prepared& prepared)
{
    const double scale = exposure_scale(prepared.rows);
    const FitData d = make_fit_data(prepared.rows, prepared.order, scale);
    Prior p = fit_scaled(prepared.rows, d);
    p.beta *= scale;  // exact: scale is a power of two
    p.mean = p.beta > 0.0 ? p.alpha / p.beta : 0.0;
    return p;
}

}  // namespace

const char* prior_method_name(PriorMethod method) noexcept
{
    switch (method) {
    case PriorMethod::MarginalLikelihood: return "marginal_likelihood";
    case PriorMethod::NoSpread: return "no_spread";
    case PriorMethod::SmallPartition: return "small_partition";
    case PriorMethod::AllZero: return "all_zero";
    case PriorMethod::NoExposure: return "no_exposure";
    case PriorMethod::Empty: return "empty";
    case PriorMethod::Given: return "given";
    }
    return "unknown";
}

void validate_entity(const Entity& entity)
{
    if (entity.value < 0)
        throw Error(ErrorKind::OutOfRange,
                    "value must be >= 0 (a count of merged changes), got " + std::to_string(entity.value));
    if (!std::isfinite(entity.exposure) || entity.exposure < 0.0)
        throw Error(ErrorKind::InvalidParameter,
                    "exposure must be a finite number >= 0, got " + std::to_string(entity.exposure));
    if (entity.exposure == 0.0 && entity.value > 0)
        throw Error(ErrorKind::InvalidParameter,
                    "exposure must be > 0 when value > 0 (a value with no exposure has no rate), got value " +
                        std::to_string(entity.value) + " with exposure 0");
}

// The messages match the count path's where the rule is the same, so a call that moved from the
// bigint to the float8 overload (an integer literal) reports exactly what it did before.
void validate_entity(const WeightedEntity& entity)
{
    const double v = entity.value;
    if (std::isnan(v) || std::isinf(v))
        throw Error(ErrorKind::InvalidParameter, "value must be a finite number >= 0, got " + format_number(v));
    if (v < 0.0)
        throw Error(ErrorKind::OutOfRange, "value must be >= 0 (a count of merged changes), got " + format_number(v));
    if (!std::isfinite(entity.exposure) || entity.exposure < 0.0)
        throw Error(ErrorKind::InvalidParameter,
                    "exposure must be a finite number >= 0, got " + std::to_string(entity.exposure));
    if (entity.exposure == 0.0 && v > 0.0)
        throw Error(ErrorKind::InvalidParameter,
                    "exposure must be > 0 when value > 0 (a value with no exposure has no rate), got value " +
                        format_number(v) + " with exposure 0");
    if (!entity.has_effective_count)
        return;
    const double n = entity.effective_count;
    if (!std::isfinite(n) || n < 0.0)
        throw Error(ErrorKind::InvalidParameter,
                    "effective_count must be a finite number >= 0, got " + format_number(n));
    if (v > 0.0 && n == 0.0)
        throw Error(ErrorKind::InvalidParameter,
                    "effective_count must be > 0 when value > 0, got 0 with value " + format_number(v));
    if (v == 0.0 && n > 0.0)
        throw Error(ErrorKind::InvalidParameter,
                    "effective_count must be 0 when value is 0, got " + format_number(n));
}

double marginal_log_likelihood(const std::vector<Entity>& entities, double alpha, double beta)
{
    if (!(alpha > 0.0) || !std::isfinite(alpha))
        throw Error(ErrorKind::InvalidParameter, "alpha must be a finite number > 0");
    if (!(beta > 0.0) || !std::isfinite(beta))
        throw Error(ErrorKind::InvalidParameter, "beta must be a finite number > 0");
    return marginal_log_likelihood_rows(prepare(entities).rows, alpha, beta);
}

double marginal_log_likelihood_weighted(const std::vector<WeightedEntity>& entities, double alpha, double beta)
{
    if (!(alpha > 0.0) || !std::isfinite(alpha))
        throw Error(ErrorKind::InvalidParameter, "alpha must be a finite number > 0");
    if (!(beta > 0.0) || !std::isfinite(beta))
        throw Error(ErrorKind::InvalidParameter, "beta must be a finite number > 0");
    return marginal_log_likelihood_rows(prepare(entities).rows, alpha, beta);
}

Prior fit_prior(const std::vector<Entity>& entities) { return fit_prepared(prepare(entities)); }

Prior fit_prior_weighted(const std::vector<WeightedEntity>& entities) { return fit_prepared(prepare(entities)); }

namespace {

// Scores, ranks and rank intervals for a given prior (beta in rescaled units), in place.
// undefined: the NoExposure case, where every rate statistic is NaN and everyone ties.
void score_scaled(const Prepared& prepared, double scale, double alpha, double beta_s, double quantile,
                  double rank_interval_level, bool with_rank_intervals, bool undefined,
                  std::vector<EntityResult>& results)
{
    const std::vector<Row>& entities = prepared.rows;
    const std::vector<std::size_t>& order = prepared.order;
    const std::size_t n = entities.size();
    results.assign(n, EntityResult{});
    if (n == 0)
        return;
    const double nan = std::numeric_limits<double>::quiet_NaN();

    // Scores, intervals and posteriors in rescaled units. The Gamma quantiles depend on the value
    // only (the exposure just divides), so they are computed once per distinct value: the rows
    // arrive grouped by value in canonical order. Integer values use Boost's inverse exactly;
    // fractional ones (distinct nearly every row) the interpolated QuantileCurve.
    const double p_lo = 0.5 * (1.0 - rank_interval_level);
    QuantileCurve curve_score(quantile, false), curve_lo(p_lo, false), curve_hi(p_lo, true);
    std::vector<double> score(n, 0.0), lo(n, 0.0), hi(n, 0.0);
    double q_score = 0.0, q_lo = 0.0, q_hi = 0.0;
    double cached_value = -1.0;
    for_each_index(n, [&](std::size_t k) {
        const std::size_t i = order[k];
        const Row& x = entities[i];
        EntityResult& r = results[i];
        const double v = x.value;
        const double e = x.exposure / scale;
        const double b = beta_s + e;
        r.posterior_alpha = alpha + v;
        r.posterior_beta = b * scale;
        r.effective_count = v;
        r.dispersion = prepared.dispersion.empty() ? 1.0 : prepared.dispersion[i];
        if (undefined) {
            r.score = r.rate_lower = r.rate_upper = r.posterior_mean = nan;
            r.shrinkage = 1.0;
            return;  // score[i] etc. stay 0: all tie
        }
        if (x.value != cached_value) {
            const double a = alpha + v;
            if (v == std::floor(v)) {
                q_score = checked_quantile(math::gamma_p_inv(a, quantile));
                if (with_rank_intervals) {
                    q_lo = checked_quantile(math::gamma_p_inv(a, p_lo));
                    q_hi = checked_quantile(math::gamma_q_inv(a, p_lo));
                }
            } else {
                q_score = curve_score(a);
                if (with_rank_intervals) {
                    q_lo = curve_lo(a);
                    q_hi = curve_hi(a);
                }
            }
            cached_value = x.value;
        }
        score[i] = q_score / b;
        lo[i] = std::min(score[i], q_lo / b);
        hi[i] = std::max(score[i], q_hi / b);
        r.score = score[i] / scale;
        r.rate_lower = q_lo / b / scale;
        r.rate_upper = q_hi / b / scale;
        r.posterior_mean = (alpha + v) / b / scale;
        r.shrinkage = beta_s / b;
    });
    // Competition ranking on the score, descending: rank = 1 + #{strictly higher}.
    std::vector<std::size_t> by_score(n);
    std::iota(by_score.begin(), by_score.end(), std::size_t{0});
    interruptible_sort(by_score.begin(), by_score.end(),
                       [&](std::size_t a, std::size_t b) { return score[a] > score[b]; });
    for_each_index(n, [&](std::size_t k) {
        const std::size_t i = by_score[k];
        const bool tie = k > 0 && score[by_score[k - 1]] == score[i];
        results[i].rank = tie ? results[by_score[k - 1]].rank : static_cast<std::int64_t>(k + 1);
    });

    if (!with_rank_intervals)
        return;  // the caller asked for scores and ranks only: two sorts and 2n quantiles saved

    // Rank intervals by interval separation (a deterministic, O(n log n) league-table interval in
    // the spirit of Goldstein & Spiegelhalter 1996, who simulate ranks instead): j certainly ranks
    // above i if j's whole interval lies above i's, below if wholly below; every other j could be
    // on either side. Counting those with sorted bounds and binary search gives
    //   rank_lower = 1 + #{j : lo_j > hi_i},  rank_upper = n - #{j : hi_j < lo_i}.
    // Because [lo_i, hi_i] contains score_i, rank_lower <= rank <= rank_upper always.
    std::vector<double> lo_sorted(lo), hi_sorted(hi);
    interruptible_sort(lo_sorted.begin(), lo_sorted.end(), std::less<double>());
    interruptible_sort(hi_sorted.begin(), hi_sorted.end(), std::less<double>());
    const auto count = static_cast<std::int64_t>(n);
    for_each_index(n, [&](std::size_t i) {
        const auto above = lo_sorted.end() - std::upper_bound(lo_sorted.begin(), lo_sorted.end(), hi[i]);
        const auto below = std::lower_bound(hi_sorted.begin(), hi_sorted.end(), lo[i]) - hi_sorted.begin();
        results[i].rank_lower = 1 + static_cast<std::int64_t>(above);
        results[i].rank_upper = count - static_cast<std::int64_t>(below);
    });
}

Leaderboard score_prepared(const Prepared& prepared, double quantile, double rank_interval_level,
                           bool with_rank_intervals)
{
    const double scale = exposure_scale(prepared.rows);
    const FitData d = make_fit_data(prepared.rows, prepared.order, scale);

    Leaderboard board;
    board.prior = fit_scaled(prepared.rows, d);
    const double beta_s = board.prior.beta;  // rescaled units
    board.prior.beta = beta_s * scale;       // exact: scale is a power of two
    board.prior.mean = beta_s > 0.0 ? board.prior.alpha / board.prior.beta : 0.0;
    score_scaled(prepared, scale, board.prior.alpha, beta_s, quantile, rank_interval_level, with_rank_intervals,
                 board.prior.method == PriorMethod::NoExposure, board.results);
    return board;
}

Leaderboard score_prepared_with_prior(const Prepared& prepared, double alpha, double beta, double quantile,
                                      double rank_interval_level, bool with_rank_intervals)
{
    const double scale = exposure_scale(prepared.rows);
    Leaderboard board;
    board.prior.method = PriorMethod::Given;
    board.prior.alpha = alpha;
    board.prior.beta = beta;
    board.prior.mean = alpha / beta;
    board.prior.n = prepared.rows.size();
    for (const Row& x : prepared.rows)
        board.prior.n_informative += x.exposure > 0.0 ? 1 : 0;
    board.prior.log_likelihood =
        prepared.rows.empty() ? 0.0 : marginal_log_likelihood_rows(prepared.rows, alpha, beta);
    score_scaled(prepared, scale, alpha, beta / scale, quantile, rank_interval_level, with_rank_intervals, false,
                 board.results);
    return board;
}

void check_prior(double alpha, double beta)
{
    if (!(alpha > 0.0) || !std::isfinite(alpha))
        throw Error(ErrorKind::InvalidParameter, "alpha must be a finite number > 0");
    if (!(beta > 0.0) || !std::isfinite(beta))
        throw Error(ErrorKind::InvalidParameter, "beta must be a finite number > 0");
}

}  // namespace

Leaderboard score_partition(const std::vector<Entity>& entities, double quantile, double rank_interval_level,
                            bool with_rank_intervals)
{
    check_probability(quantile, "quantile");
    check_probability(rank_interval_level, "rank_interval_level");
    return score_prepared(prepare(entities), quantile, rank_interval_level, with_rank_intervals);
}

Leaderboard score_partition_weighted(const std::vector<WeightedEntity>& entities, double quantile,
                                     double rank_interval_level, bool with_rank_intervals)
{
    check_probability(quantile, "quantile");
    check_probability(rank_interval_level, "rank_interval_level");
    return score_prepared(prepare(entities), quantile, rank_interval_level, with_rank_intervals);
}

Leaderboard score_with_prior(const std::vector<Entity>& entities, double alpha, double beta, double quantile,
                             double rank_interval_level, bool with_rank_intervals)
{
    check_probability(quantile, "quantile");
    check_probability(rank_interval_level, "rank_interval_level");
    check_prior(alpha, beta);
    return score_prepared_with_prior(prepare(entities), alpha, beta, quantile, rank_interval_level, with_rank_intervals);
}

Leaderboard score_with_prior_weighted(const std::vector<WeightedEntity>& entities, double alpha, double beta,
                                      double quantile, double rank_interval_level, bool with_rank_intervals)
{
    check_probability(quantile, "quantile");
    check_probability(rank_interval_level, "rank_interval_level");
    check_prior(alpha, beta);
    return score_prepared_with_prior(prepare(entities), alpha, beta, quantile, rank_interval_level, with_rank_intervals);
}

}  // namespace uv::ranking
