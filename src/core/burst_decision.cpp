// Burst analysis, the decision: parameters, the steady excess of long episodes, the merge tests,
// the combined (truncated-product) decision and analyze() itself (see docs/burst-method.md).
#include "burst_detail.hpp"

#include "math.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <string>

namespace uv::burst {

namespace detail {

// Excess of a sustained episode that never went idle. Tokens minus the expected baseline is
// unbiased, but over a fortnight it carries the natural variation of the developer's own use
// (busy and quiet fortnights differ by ~20%, the 6-week estimate of the mean by another
// ~10-15%), as much as a 1.5x drip adds. An episode of more than two days in which every bucket
// is active, while ordinary use would have left some idle (probability of none idle <= 0.05),
// is better described as ordinary use plus a steady extra rate c: the constant per-bucket rate
// that, taken off every bucket, makes the buckets look like ordinary use again - the
// M-estimate (a Hodges-Lehmann-type shift estimate) solving
//   sum_i (F_i(x_i - c) - 1/2) = 0,
// F_i the bucket's baseline distribution function (zero with probability 1 - p, log-normal
// otherwise; F_i(y) = 0 for y < 0, the mid-mass at y = 0). In the hours the developer is
// usually idle it reads the rate off directly; where they are active it asks only that what
// remains looks ordinary, so the natural fortnight's busyness stays baseline. Returns c times
// the length, or -1 when the episode went idle somewhere or ordinary use would not have.
// Short episodes keep tokens minus baseline: there one bucket can dominate, and a median-type
// estimate would miss most of a one-day spike that shares its episode with an ordinary day.
double steady_excess(const Series& s, const Baseline& base, size_t a, size_t b)
{
    constexpr double kIdleLevel = 0.05;
    double log_never_idle = 0.0;
    int64_t top = 0;
    for (size_t i = a; i <= b; ++i) {
        if (s.tokens[i] <= 0)
            return -1.0;
        log_never_idle += std::log(std::max(1e-300, base.p[i]));
        top = std::max(top, s.tokens[i]);
    }
    if (log_never_idle > std::log(kIdleLevel))
        return -1.0;
    // Non-increasing in c; psi(0) > 0 unless the buckets already look like ordinary use.
    auto psi = [&](double c) {
        double sum = 0.0;
        for (size_t i = a; i <= b; ++i) {
            const double y = static_cast<double>(s.tokens[i]) - c, q = 1.0 - base.p[i];
            double F;
            if (y < 0)
                F = 0.0;
            else if (y == 0)
                F = 0.5 * q;
            else {
                const double dl = std::log(y) - base.level[i];
                F = q + base.p[i] * (1.0 - math::normal_upper_tail(dl / (dl > 0 ? base.sigma_up[i] : base.sigma[i])));
            }
            sum += F - 0.5;
        }
        return sum;
    };
    if (!(psi(0.0) > 0))
        return 0.0;
    double lo = 0.0, hi = static_cast<double>(top);
    InterruptTicker ticker;
    for (int it = 0; it < 60 && hi - lo > 1e-9 * hi; ++it) {
        const double mid = 0.5 * (lo + hi);
        (psi(mid) > 0 ? lo : hi) = mid;
        ticker.tick();
    }
    return 0.5 * (lo + hi) * static_cast<double>(b - a + 1);
}

// Counts are summed as integers where they feed a count argument: converting a double sum of
// merges near 2^63 back to int64 would be undefined behaviour (found by fuzzing).
int64_t saturating_add(int64_t a, int64_t b)
{
    int64_t sum;
    return __builtin_add_overflow(a, b, &sum) ? std::numeric_limits<int64_t>::max() : sum;
}

// P(X <= k) for X ~ Poisson(lambda): the regularised upper incomplete gamma Q(k + 1, lambda),
// which is also its continuous extension to real k >= 0 (effective counts of value).
double poisson_lower_tail(double k, double lambda)
{
    if (!(lambda > 0))
        return 1.0;
    double v = math::gamma_q(k + 1.0, lambda);
    if (std::isnan(v))
        return 1.0;
    return std::min(1.0, std::max(0.0, v));
}

// P(X <= k) for X ~ Binomial(n, pi), 0 <= k <= n: the conditional test of equal merges per
// token inside and outside an episode given their total (the exact test for the ratio of two
// Poisson rates), so that the noise of the developer's usual efficiency, estimated from a few
// dozen merges, is allowed for. Summed in log space; a normal approximation with continuity
// correction beyond a million terms.
double binomial_lower_tail(int64_t k, int64_t n, double pi)
{
    if (k >= n || !(pi > 0))
        return 1.0;
    if (!(pi < 1))
        return 0.0;
    if (k < 0)
        return 0.0;
    const double dn = static_cast<double>(n);
    if (k > 1'000'000) {
        double sd = std::sqrt(dn * pi * (1 - pi));
        return std::min(1.0, std::max(0.0, 1.0 - math::normal_upper_tail((static_cast<double>(k) + 0.5 - dn * pi) / sd)));
    }
    const double lp = std::log(pi), lq = std::log1p(-pi), lgn = math::lgamma(dn + 1.0);
    double total = 0.0;
    InterruptTicker ticker;
    for (int64_t j = 0; j <= k; ++j) {
        double dj = static_cast<double>(j);
        double lt = lgn - math::lgamma(dj + 1.0) - math::lgamma(dn - dj + 1.0) + dj * lp + (dn - dj) * lq;
        if (std::isfinite(lt))
            total += std::exp(lt);
        ticker.tick();
    }
    return std::isfinite(total) ? std::min(1.0, std::max(0.0, total)) : 1.0;
}

// The continuous extension of the binomial CDF to real 0 <= k <= n (effective counts of value):
// P(X <= k) = I_{1-pi}(n - k, k + 1), the regularised incomplete beta, equal to the sum above at
// whole k (up to rounding; whole counts use the sum, so counted-only results are unchanged).
double binomial_lower_tail_real(double k, double n, double pi)
{
    if (k >= n || !(pi > 0))
        return 1.0;
    if (!(pi < 1))
        return 0.0;
    if (k < 0)
        return 0.0;
    const double v = math::ibeta(n - k, k + 1.0, 1.0 - pi);
    return std::isnan(v) ? 1.0 : std::min(1.0, std::max(0.0, v));
}

// Its upper tail P(X >= k) = I_pi(k, n - k + 1) for real 0 < k <= n (at whole k, 1 minus the
// lower tail at k - 1); 1 for k <= 0.
double binomial_upper_tail_real(double k, double n, double pi)
{
    if (!(k > 0))
        return 1.0;
    if (!(pi > 0))
        return 0.0;
    if (!(pi < 1))
        return 1.0;
    const double v = math::ibeta(k, std::max(n - k, 0.0) + 1.0, pi);
    return std::isnan(v) ? 1.0 : std::min(1.0, std::max(0.0, v));
}

// Truncated-product cut (Zaykin, Zhivotovsky, Westfall & Weir 2002): for scan p-values u
// (Bonferroni-adjusted, so that P(u_w <= t) <= t / m for each of m effective windows) and merge
// p-values v that are super-uniform given the token series, the event "some window has
// u <= tau and u * v <= k" has probability at most
//   sum_w P(u_w <= tau, u_w v_w <= k) = m * (1/m) * int_0^tau min(1, k / u) du = k (1 + ln(tau / k))
// (for k <= tau). This returns the k with k (1 + ln(tau / k)) = alpha (k = tau when tau <= alpha).
double truncated_product_cut(double alpha, double tau)
{
    if (tau <= alpha)
        return tau;
    double lo = 0.0, hi = alpha;  // f(k) = k (1 + ln(tau / k)) is increasing on (0, tau], f(alpha) > alpha
    for (int it = 0; it < 100; ++it) {
        double mid = 0.5 * (lo + hi);
        (mid * (1.0 + std::log(tau / mid)) > alpha ? hi : lo) = mid;
    }
    return lo;
}

// The error bound above for a product x = u * v <= tau: the combined p-value of an episode.
double truncated_product_p(double x, double tau)
{
    if (!(x > 0))
        return 0.0;
    if (x >= tau)
        return std::min(1.0, x);
    return std::min(1.0, x * (1.0 + std::log(tau / x)));
}

// Scan level tau: the corner of the rejection region {u <= tau, u v <= k} is put at the merge
// test's own level, k = tau * merge_alpha, so that an episode whose output shortfall is
// significant at merge_alpha needs no more token evidence than tau, and one with no output
// evidence at all (v = 1) needs u <= k. Solving k (1 + ln(tau / k)) = alpha for tau:
//   tau = alpha / (merge_alpha (1 + ln(1 / merge_alpha))),  clamped to [alpha, 1].
// Defaults (alpha 0.01, merge_alpha 0.05): tau = 0.050, k = 0.0025.
double scan_level(double alpha, double merge_alpha)
{
    double tau = alpha / (merge_alpha * (1.0 - std::log(merge_alpha)));
    return std::min(1.0, std::max(alpha, tau));
}

// The developer's lag from tokens to merged value: the peak of the cross-covariance of daily
// tokens and the value of k days later, k = 0..28, smoothed over three lags, when it stands out
// (correlation above 2 / sqrt(days)); 0 otherwise.
int64_t measured_lag_days(const std::vector<double>& tokens, const std::vector<double>& value)
{
    const size_t n = tokens.size();
    if (n < 42)
        return 0;
    double mt = 0, mv = 0;
    for (size_t t = 0; t < n; ++t) {
        mt += tokens[t];
        mv += value[t];
    }
    mt /= static_cast<double>(n);
    mv /= static_cast<double>(n);
    double st = 0, sv = 0;
    for (size_t t = 0; t < n; ++t) {
        st += (tokens[t] - mt) * (tokens[t] - mt);
        sv += (value[t] - mv) * (value[t] - mv);
    }
    if (!(st > 0) || !(sv > 0))
        return 0;
    constexpr size_t kMaxLag = 28;
    std::vector<double> corr(kMaxLag + 1, 0.0);
    for (size_t k = 0; k <= kMaxLag && k + 14 < n; ++k) {
        double c = 0;
        for (size_t t = 0; t + k < n; ++t)
            c += (tokens[t] - mt) * (value[t + k] - mv);
        corr[k] = c / std::sqrt(st * sv);
    }
    size_t best = 0;
    double best_c = -1;
    for (size_t k = 0; k <= kMaxLag; ++k) {
        double c = corr[k] + (k > 0 ? corr[k - 1] : corr[k]) + (k < kMaxLag ? corr[k + 1] : corr[k]);
        if (c > best_c) {
            best_c = c;
            best = k;
        }
    }
    return best_c / 3.0 > 2.0 / std::sqrt(static_cast<double>(n)) ? static_cast<int64_t>(best) : 0;
}

// The credit window of the verdict, in buckets: the longest of the horizon, 7 days and twice the
// developer's measured lag (measured on UTC days, when the bucket width divides a day).
size_t credit_buckets(const Series& s, const BurstParams& params)
{
    int64_t lag_days = 0;
    if (params.bucket_seconds <= kDay && kDay % params.bucket_seconds == 0) {
        const int64_t per_day = kDay / params.bucket_seconds;
        const int64_t first_day = floor_div(s.first_bucket, per_day);
        std::vector<double> tokens, value;
        InterruptTicker ticker;
        for (size_t i = 0; i < s.n; ++i) {
            ticker.tick();
            const int64_t b = s.first_bucket + static_cast<int64_t>(i);
            const int64_t day = floor_div(b, per_day) - first_day;
            if (static_cast<size_t>(day) >= tokens.size()) {
                tokens.resize(static_cast<size_t>(day) + 1, 0.0);
                value.resize(static_cast<size_t>(day) + 1, 0.0);
            }
            tokens[static_cast<size_t>(day)] += static_cast<double>(s.tokens[i]);
            value[static_cast<size_t>(day)] += s.value_at(i);
        }
        lag_days = measured_lag_days(tokens, value);
    }
    const int64_t days = std::max<int64_t>(7, 2 * lag_days);
    const int64_t buckets = std::max(params.horizon_buckets, ceil_div(days * kDay, params.bucket_seconds));
    return static_cast<size_t>(std::min<int64_t>(buckets, static_cast<int64_t>(kMaxBuckets)));
}

// The output test of a group of episodes (see "Output test" in docs/burst-method.md): tokens,
// baseline tokens and horizon tokens of the group, the value (and count) merged in its
// attribution window, and the same outside every attribution window.
struct OutputCounts {
    double tokens, baseline, horizon, value;
    int64_t count;
    double out_tokens, out_value;
    int64_t out_count;
};
struct OutputTest {
    double merge_p;   // P(value <= observed) under proportional output
    double extra_p;   // P(value >= observed) under baseline-only output
    bool delivered;   // extra output significant and no significant shortfall (a sprint)
    bool explained;   // not charged: delivered, or no evidence of a shortfall
    double f;         // the fraction of the excess excused: 1 when explained, else paid
    double paid;      // the maximum-likelihood fraction of the excess the value pays for
};

OutputTest output_test(const OutputCounts& c, double rate, double dispersion, bool valued, double merge_alpha)
{
    const double tok = c.tokens, base_tok = c.baseline, hor = c.horizon, m = c.value;
    const int64_t m_count = c.count, out_merge_count = c.out_count;
    const double out_tokens = c.out_tokens, out_merges = c.out_value;
    // Sprint hypothesis: every token was spent at usual efficiency. Inflation hypothesis:
    // only the baseline part produced output.
    const double expected_all = rate * (tok + hor);
    const double expected_base = rate * (base_tok + hor);
    // Conditional on the total of merges in and out (the exact test for a ratio of Poisson
    // rates); the plain Poisson test when nothing lies outside the episodes. Given the token
    // series (which alone chose the windows) merges are independent Poisson at a rate
    // proportional to tokens under the null, so merge_p is super-uniform given scan_p:
    // the independence the truncated product needs. With no merges at all it is 1.
    // In effective units of value (value / c, see docs/burst-method.md); whole counts with c = 1 (every
    // counted-only series) take the exact integer sum, the rest its continuous extension.
    double k_units = static_cast<double>(m_count), n_units = 0;
    int64_t k_int = m_count, n_int = saturating_add(m_count, out_merge_count);
    bool whole = true;
    if (valued) {
        k_units = m / dispersion;
        n_units = (m + out_merges) / dispersion;
        whole = dispersion == 1.0 && n_units < 9007199254740992.0 && k_units == std::floor(k_units) &&
                n_units == std::floor(n_units);
        k_int = whole ? static_cast<int64_t>(k_units) : 0;
        n_int = whole ? static_cast<int64_t>(n_units) : 0;
    }
    const double share = (tok + hor) / (tok + hor + out_tokens);
    const double merge_p =
        out_tokens > 0 ? (whole ? binomial_lower_tail(k_int, n_int, share) : binomial_lower_tail_real(k_units, n_units, share))
                       : poisson_lower_tail(whole ? static_cast<double>(k_int) : k_units, expected_all / dispersion);
    // Explained (a sprint) when the episode demonstrably delivered extra output - its
    // merges significantly above what the baseline tokens alone predict, by the same
    // conditional binomial test at merge_alpha - and no significant shortfall against
    // proportional output. The burden is on the output: with few merges a drip and a
    // sprint predict nearly the same count, and excusing every excursion whose merges
    // merely leaned towards proportional excused one 1.5-2x drip in four. Otherwise the
    // fraction f of the excess that the extra merges pay for is excused: the maximum-
    // likelihood f of merges ~ Poisson(E_base + f (E - E_base)), clamped to [0, 1]. A
    // developer with no usual output (rate 0) is excused by merges in the window only when
    // they are significant by the same test (e.g. two when the baseline part of the window
    // holds a tenth of the tokens).
    const double base_share = out_tokens > 0 ? (base_tok + hor) / (base_tok + hor + out_tokens) : 0.0;
    const double extra_p =
        out_tokens > 0 && (whole ? k_int > 0 : k_units > 0)
            ? (whole ? 1.0 - binomial_lower_tail(k_int - 1, n_int, base_share)
                     : binomial_upper_tail_real(k_units, n_units, base_share))
            : 1.0;
    // Nothing is charged either without some evidence of a shortfall: when the developer has
    // usual output, an excursion whose merges fall short of proportional only by noise (merge_p
    // above kShortfallGate) is reported but not charged - an intersection-union test at the level
    // of the excursion: given the tokens, an excursion with proportional output (a sprint, or a
    // busy spell the baseline model underrates) is charged with probability at most the gate,
    // however the token scan is calibrated.
    const bool delivered = merge_p >= merge_alpha && extra_p <= merge_alpha;
    const bool explained = delivered ||
                           (rate > 0 && merge_p > kShortfallGate);
    double paid = expected_all > expected_base ? (m - expected_base) / (expected_all - expected_base) : 0.0;
    paid = std::min(1.0, std::max(0.0, paid));
    return OutputTest{merge_p, extra_p, delivered, explained, explained ? 1.0 : paid, paid};
}

}  // namespace detail

using namespace detail;

// ---------------------------------------------------------------------------------------------
// Parameters

namespace {
void check_count(const char* name, int64_t v, int64_t lo, int64_t hi)
{
    if (v < lo || v > hi)
        throw Error(ErrorKind::InvalidParameter, std::string("burst: ") + name + " must be in [" + std::to_string(lo) +
                                                     ", " + std::to_string(hi) + "], got " + std::to_string(v));
}
void check_level(const char* name, double v)
{
    if (!(v > 0.0 && v <= 0.5))
        throw Error(ErrorKind::InvalidParameter,
                    std::string("burst: ") + name + " must be in (0, 0.5], got " + std::to_string(v));
}
constexpr int64_t kMaxBucketSeconds = 366 * kDay;
constexpr int64_t kMaxCount = static_cast<int64_t>(kMaxBuckets);
}  // namespace

void validate(const BurstParams& p)
{
    check_count("bucket_width (seconds)", p.bucket_seconds, 1, kMaxBucketSeconds);
    check_count("baseline_buckets", p.baseline_buckets, 3, kMaxCount);
    check_level("alpha", p.alpha);
    check_level("merge_alpha", p.merge_alpha);
    check_count("horizon_buckets", p.horizon_buckets, 0, kMaxCount);
    check_count("max_episode_buckets", p.max_episode_buckets, 1, kMaxCount);
}

BurstParams default_params(int64_t bucket_seconds)
{
    check_count("bucket_width (seconds)", bucket_seconds, 1, kMaxBucketSeconds);
    BurstParams p;
    p.bucket_seconds = bucket_seconds;
    p.baseline_buckets = std::max<int64_t>(8, ceil_div(56 * kDay, bucket_seconds));
    p.horizon_buckets = ceil_div(3 * kDay, bucket_seconds);
    p.max_episode_buckets = std::max<int64_t>(1, 14 * kDay / bucket_seconds);
    return p;
}

// ---------------------------------------------------------------------------------------------
// Analysis

BurstResult analyze(const BurstAccumulator& acc, const BurstParams& params)
{
    const auto& b = acc.buckets();
    return analyze(BucketsView{b.data(), b.size(), acc.has_values(), acc.total_tokens(), acc.total_merged_changes()},
                   params);
}

BurstResult analyze(const BucketsView& acc, const BurstParams& params)
{
    validate(params);
    BurstResult res;
    res.total_tokens = acc.total_tokens;
    if (acc.size == 0 || acc.total_tokens == 0)
        return res;  // nothing spent, nothing inflated

    const Series s = densify(acc, params);
    const size_t n = s.n;
    const size_t window = static_cast<size_t>(params.baseline_buckets);
    const size_t max_len = static_cast<size_t>(params.max_episode_buckets);
    const double tau = scan_level(params.alpha, params.merge_alpha);
    const double cut = truncated_product_cut(params.alpha, tau);

    // Two passes: the second estimates the baseline without the buckets of the first pass's
    // episodes, so a two-week drip does not raise its own baseline (iterative trimming).
    std::vector<uint8_t> excluded(n, 0);
    std::vector<Window> episodes;
    Baseline base;
    std::vector<double> e(n);
    // Correlation is measured up to one day (sessions, busy days) and assumed to end there.
    const size_t corr_len = static_cast<size_t>(std::max<int64_t>(1, kDay / params.bucket_seconds));
    // Position of bucket 0 within its UTC day (days are whole only when the width divides a day).
    const size_t phase = kDay % params.bucket_seconds == 0
                             ? static_cast<size_t>(((s.first_bucket % static_cast<int64_t>(corr_len)) +
                                                    static_cast<int64_t>(corr_len)) % static_cast<int64_t>(corr_len))
                             : 0;
    std::vector<double> var(n), var_exact(n);
    InterruptTicker ticker;
    for (int pass = 0; pass < 2; ++pass) {
        // The second pass (only run when the first found a conclusive window) also gives the
        // upper tail its own scale, from the trimmed data.
        base = estimate_baseline(s, excluded, window, pass == 1);
        for (size_t i = 0; i < n; ++i) {
            ticker.tick();
            double p_mix;
            const Baseline::Pool& pool = base.pool_of(i);
            e[i] = hurdle_score_mixed(s.tokens[i], base.p[i], base.level[i], base.sigma[i], base.sigma_up[i], base.df[i],
                                      base.pool_weight(i, s.slot[i]), pool.p, pool.level, pool.sigma, &p_mix) -
                   hurdle_mean(p_mix);
            var_exact[i] = hurdle_var(p_mix);
            var[i] = std::max(1.0, var_exact[i]);  // unit floor: slack for misfit of p and the t tails
        }
        const WindowVariance wvar(var, var_exact, base.p, e, excluded, corr_len, phase);
        // Candidates at the scan level tau; the merge evidence decides below.
        episodes = scan(e, wvar, excluded, max_len, tau, corr_len);
        if (pass == 0) {
            // Trimming: only windows whose token evidence alone is conclusive (u <= k, the
            // level at which an episode with no output evidence is flagged) leave the baseline.
            // Trimming at the looser scan level tau cut ordinary busy days out of the baseline,
            // shrank the scale, and raised false alarms.
            bool any = false;
            for (const auto& w : episodes) {
                if (w.p_value > cut)
                    continue;
                any = true;
                std::fill(excluded.begin() + static_cast<std::ptrdiff_t>(w.start),
                          excluded.begin() + static_cast<std::ptrdiff_t>(w.end) + 1, 1);
            }
            if (!any)
                break;
        }
    }
    if (episodes.empty())
        return res;

    // Two stages: the decision is taken on the candidates (their merge p-values are the ones
    // the error bound is about); if some candidate groups are not reported, they are ordinary
    // use, so the usual efficiency, the output test that excuses sprints and the inflated
    // fractions are recomputed with them back outside (the reported episodes, their groups and
    // their attribution windows do not change: groups are at least one horizon apart).
    std::map<size_t, double> decided_p;  // window start -> combined p-value of its group
    // The developer's dispersion of value per unit (compound Poisson variance-to-mean ratio):
    // 1 for counts, and with no value at all.
    const double dispersion = s.valued && s.total_value > 0 ? s.total_squares / s.total_value : 1.0;
    for (int stage = 0; stage < 2 && !episodes.empty(); ++stage) {
        res.episodes.clear();
        res.inflated_tokens = 0.0;
        std::vector<Window> kept;
        // Attribution windows: episode plus horizon, cut at the next episode so no merge counts twice.
        const size_t horizon = static_cast<size_t>(params.horizon_buckets);
        const size_t credit = credit_buckets(s, params);
        std::vector<size_t> attr_end(episodes.size());
        std::vector<uint8_t> in_attr(n, 0);
        for (size_t k = 0; k < episodes.size(); ++k) {
            size_t end = std::min(n - 1, episodes[k].end + std::min(horizon, n));
            if (k + 1 < episodes.size())
                end = std::min(end, episodes[k + 1].start - 1);
            attr_end[k] = end;
            std::fill(in_attr.begin() + static_cast<std::ptrdiff_t>(episodes[k].start),
                      in_attr.begin() + static_cast<std::ptrdiff_t>(end) + 1, 1);
        }

        // Usual efficiency: merges per token outside every attribution window (all data as a
        // fallback when episodes cover every token).
        // Merges are read as value (value_at: the count when the series has no values).
        double out_tokens = 0, out_merges = 0, out_count = 0;
        int64_t out_merge_count = 0;  // exact, for the binomial test's n (a double loses it near 2^63)
        for (size_t i = 0; i < n; ++i) {
            if (!in_attr[i]) {
                out_tokens += static_cast<double>(s.tokens[i]);
                out_merges += s.value_at(i);
                out_count += static_cast<double>(s.merges[i]);
                out_merge_count = saturating_add(out_merge_count, s.merges[i]);
            }
        }
        const double all_tokens = static_cast<double>(acc.total_tokens);
        const double all_count = static_cast<double>(acc.total_merged_changes);
        double rate = out_tokens > 0 ? out_merges / out_tokens : (s.valued ? s.total_value : all_count) / all_tokens;
        const double count_rate = out_tokens > 0 ? out_count / out_tokens : all_count / all_tokens;
        res.usual_merges_per_token = rate;
        const double merge_alpha = params.merge_alpha;

        // Per-candidate tokens, baseline, horizon tokens and merges.
        std::vector<Episode> cand(episodes.size());
        std::vector<double> horizon_tok(episodes.size(), 0.0);
        for (size_t k = 0; k < episodes.size(); ++k) {
            const Window& w = episodes[k];
            Episode& ep = cand[k];
            ep = Episode{};
            ep.start_bucket = s.first_bucket + static_cast<int64_t>(w.start);
            ep.end_bucket = s.first_bucket + static_cast<int64_t>(w.end);
            double base_tok = 0;
            int64_t tok = 0;
            for (size_t i = w.start; i <= w.end; ++i) {
                tok += s.tokens[i];
                base_tok += expected_tokens(base, i);
                ticker.tick();
            }
            int64_t merges = 0;
            double value = 0;
            for (size_t i = w.start; i <= attr_end[k]; ++i) {
                merges += s.merges[i];
                value += s.value_at(i);
            }
            for (size_t i = w.end + 1; i <= attr_end[k]; ++i)
                horizon_tok[k] += static_cast<double>(s.tokens[i]);
            ep.tokens = tok;
            ep.baseline_tokens = base_tok;
            ep.merged_changes = merges;
            ep.merged_value = s.valued ? value : static_cast<double>(merges);
            ep.excess_tokens = std::max(0.0, static_cast<double>(tok) - base_tok);
            if (w.end - w.start + 1 > 2 * corr_len) {
                const double steady = steady_excess(s, base, w.start, w.end);
                if (steady >= 0) {
                    ep.excess_tokens = steady;
                    ep.baseline_tokens = static_cast<double>(tok) - steady;
                }
            }
            ep.scan_p_value = w.p_value;
            // Sprint hypothesis: every token of the episode and horizon was spent at usual efficiency.
            ep.expected_merged_value = rate * (static_cast<double>(tok) + horizon_tok[k]);
            ep.expected_merged_changes = count_rate * (static_cast<double>(tok) + horizon_tok[k]);
        }

        // Output test per group of episodes that start within one horizon of the previous one's
        // end: their merges cannot be told apart (a sprint seen by the scan as three pieces is one
        // sprint), so they are tested together and share the verdict.
        for (size_t g0 = 0; g0 < episodes.size();) {
            size_t g1 = g0 + 1;
            while (g1 < episodes.size() && attr_end[g1 - 1] + 1 >= episodes[g1].start)
                ++g1;
            double tok = 0, base_tok = 0, hor = 0, m = 0, scan_p = 1.0;
            int64_t m_count = 0;
            for (size_t k = g0; k < g1; ++k) {
                const Episode& ep = cand[k];
                tok += static_cast<double>(ep.tokens);
                base_tok += std::min(ep.baseline_tokens, static_cast<double>(ep.tokens));
                hor += horizon_tok[k];
                m += ep.merged_value;
                m_count = saturating_add(m_count, ep.merged_changes);
                scan_p = std::min(scan_p, ep.scan_p_value);
            }
            OutputTest t = output_test(OutputCounts{tok, base_tok, hor, m, m_count, out_tokens, out_merges, out_merge_count},
                                       rate, dispersion, s.valued, merge_alpha);
            // The credit window for the verdict (not for the decision, whose error control is
            // about the horizon): output may land later than the horizon - a crunch's changes
            // merged four to six days after it, a developer whose changes usually take a week -
            // so the group is also judged with its window extended to the credit window (the
            // longer of 7 days and twice the developer's measured lag, cut at the next group)
            // when it then demonstrably delivered and its value pays for at least half its
            // excess (a sprint whose output came late), nothing is charged (one ordinary change
            // of a developer who merges five in two months, landing in the longer window, is not
            // a delivery). Only that rule, not the shortfall gate: over a longer window the shortfall
            // of a spike with no output is diluted by ordinary days and would often pass the gate.
            // It can only excuse, never accuse.
            const size_t last_end = attr_end[g1 - 1];
            size_t ext_end = std::min(n - 1, episodes[g1 - 1].end + credit);
            if (g1 < episodes.size())
                ext_end = std::min(ext_end, episodes[g1].start - 1);
            if (ext_end > last_end && !t.explained && t.f < 1.0) {
                OutputCounts c{tok, base_tok, hor, m, m_count, out_tokens, out_merges, out_merge_count};
                for (size_t i = last_end + 1; i <= ext_end; ++i) {
                    ticker.tick();
                    const double ti = static_cast<double>(s.tokens[i]), vi = s.value_at(i);
                    c.horizon += ti;
                    c.value += vi;
                    c.count = saturating_add(c.count, s.merges[i]);
                    if (!in_attr[i]) {
                        c.out_tokens -= ti;
                        c.out_value -= vi;
                        c.out_count -= s.merges[i];
                    }
                }
                const OutputTest later = output_test(c, rate, dispersion, s.valued, merge_alpha);
                if (later.delivered && later.paid >= 0.5)
                    t.explained = true;
            }
            const double merge_p = t.merge_p, f = t.explained ? 1.0 : t.f;
            const double combined_p =
                stage == 0 ? truncated_product_p(scan_p * merge_p, tau) : decided_p[episodes[g0].start];
            // Decision: excess tokens (scan) AND missing output (merges), combined by the truncated
            // product; groups that fail it are not episodes at all (not even explained ones).
            if (stage == 1 || scan_p * merge_p <= cut) {
                for (size_t k = g0; k < g1; ++k) {
                    kept.push_back(episodes[k]);
                    decided_p[episodes[k].start] = combined_p;
                    Episode ep = cand[k];
                    ep.merge_p_value = merge_p;
                    ep.p_value = combined_p;
                    ep.inflated_tokens = ep.excess_tokens * (1.0 - f);
                    res.inflated_tokens += ep.inflated_tokens;
                    res.episodes.push_back(ep);
                }
            }
            g0 = g1;
        }
        if (kept.size() == episodes.size())
            break;
        episodes.swap(kept);
    }
    // Excused periods (on-call, incidents, training): the inflated tokens of an episode's buckets
    // inside them are reported as excused and not charged, in proportion to those buckets' share
    // of the episode's tokens.
    if (!params.excused.empty())
        for (Episode& ep : res.episodes) {
            if (!(ep.inflated_tokens > 0) || ep.tokens <= 0)
                continue;
            double covered = 0;
            for (int64_t b = ep.start_bucket; b <= ep.end_bucket; ++b) {
                const int64_t start = b * params.bucket_seconds;
                for (const ExcusedSpan& e : params.excused)
                    if (e.start_seconds < start + params.bucket_seconds && e.end_seconds > start) {
                        covered += static_cast<double>(s.tokens[static_cast<size_t>(b - s.first_bucket)]);
                        break;
                    }
            }
            const double share = std::clamp(covered / static_cast<double>(ep.tokens), 0.0, 1.0);
            const double charged = std::max(0.0, ep.inflated_tokens * (1.0 - share));  // no rounding below 0
            ep.excused_tokens = ep.inflated_tokens * share;
            res.inflated_tokens -= ep.inflated_tokens - charged;
            ep.inflated_tokens = charged;
        }
    res.inflated_tokens = std::max(0.0, res.inflated_tokens);
    if (res.episodes.empty())  // nothing reported: every token is ordinary use
        res.usual_merges_per_token =
            (s.valued ? s.total_value : static_cast<double>(acc.total_merged_changes)) / static_cast<double>(acc.total_tokens);
    res.inflation_share = std::min(1.0, std::max(0.0, res.inflated_tokens / static_cast<double>(res.total_tokens)));
    return res;
}

}  // namespace uv::burst
