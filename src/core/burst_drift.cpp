// Efficiency drift (burst_drift.hpp): periods of days to weeks in which a developer used
// significantly more tokens than their own past predicts and delivered significantly less value
// per token than that past. The method and its assumptions are in docs/drift-method.md; the
// derivations are next to the code.
#include "burst_drift.hpp"

#include "burst_detail.hpp"
#include "math.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

namespace uv::burst {

using namespace detail;

// ---------------------------------------------------------------------------------------------
// Parameters

namespace {
void check_range(const char* name, int64_t v, int64_t lo, int64_t hi)
{
    if (v < lo || v > hi)
        throw Error(ErrorKind::InvalidParameter, std::string("efficiency_drift: ") + name + " must be in [" +
                                                     std::to_string(lo) + ", " + std::to_string(hi) + "] days, got " +
                                                     std::to_string(v));
}
void check_level(const char* name, double v)
{
    if (!(v > 0.0 && v <= 0.5)) {
        char got[32];
        std::snprintf(got, sizeof got, "%g", v);
        throw Error(ErrorKind::InvalidParameter, std::string("efficiency_drift: ") + name + " must be in (0, 0.5], got " + got);
    }
}
}  // namespace

void validate(const DriftParams& p)
{
    check_level("significance", p.alpha);
    check_level("merge_alpha", p.merge_alpha);
    check_range("reference", p.reference_days, 7, 3660);
    check_range("min_history", p.min_history_days, 7, p.reference_days);
    check_range("credit_window", p.credit_days, 0, 60);
    check_range("max_period", p.max_period_days, 1, 3660);
}

CohortEfficiency cohort_efficiency(const std::vector<double>& value_per_token)
{
    std::vector<double> logs;
    for (double r : value_per_token)
        if (std::isfinite(r) && r > 0)
            logs.push_back(std::log(r));
    CohortEfficiency c;
    if (logs.size() < 5)
        return c;
    std::vector<double> tmp = logs;
    c.log_median = median_inplace(tmp);
    c.log_sd = robust_sigma(logs);
    c.developers = tmp.size();
    return c;
}

namespace {

// ---------------------------------------------------------------------------------------------
// The developer's history in days (units): tokens and value per day, read from the sparse buckets.

struct Days {
    int64_t unit_seconds = kDay;
    int64_t first_unit = 0;       // unit index of day 0 (unit start = index * unit_seconds)
    size_t n = 0;
    std::vector<double> tokens, value;
    std::vector<uint8_t> type;     // 0 weekday, 1 weekend (UTC); 0 for units other than a day
    std::vector<uint8_t> excused;  // the day overlaps an excused span
    double total_value = 0, total_squares = 0;
    std::vector<double> cum_tokens, cum_value;  // prefix sums: [0, t) at index t
};

// A day, or the bucket itself when buckets are a day or wider; LimitExceeded beyond kMaxBuckets
// days (the buckets' span was checked by the same limit).
Days to_days(const BucketsView& v, int64_t width, const std::vector<ExcusedSpan>& excused)
{
    Days d;
    d.unit_seconds = width >= kDay ? width : kDay;
    auto unit_of = [&](int64_t b) { return width >= kDay ? b : floor_div(b * width, kDay); };
    d.first_unit = unit_of(v.data[0].bucket);
    const uint64_t span = static_cast<uint64_t>(unit_of(v.data[v.size - 1].bucket) - d.first_unit) + 1;
    if (span > kMaxBuckets)
        throw Error(ErrorKind::LimitExceeded, "efficiency_drift: the span of days is " + std::to_string(span) +
                                                  ", more than the limit of " + std::to_string(kMaxBuckets));
    d.n = static_cast<size_t>(span);
    d.tokens.assign(d.n, 0.0);
    d.value.assign(d.n, 0.0);
    d.type.assign(d.n, 0);
    d.excused.assign(d.n, 0);
    InterruptTicker ticker;
    for (size_t i = 0; i < v.size; ++i) {
        const BucketTotals& b = v.data[i];
        const size_t t = static_cast<size_t>(unit_of(b.bucket) - d.first_unit);
        d.tokens[t] += static_cast<double>(b.tokens);
        d.value[t] += v.has_values ? b.value : static_cast<double>(b.merged_changes);
        d.total_value += b.value;
        d.total_squares += b.value_squares;
        ticker.tick();
    }
    for (size_t t = 0; t < d.n; ++t) {
        const int64_t start = (d.first_unit + static_cast<int64_t>(t)) * d.unit_seconds;
        if (d.unit_seconds == kDay)  // 1970-01-01 was a Thursday
            d.type[t] = ((d.first_unit + static_cast<int64_t>(t)) % 7 + 7 + 3) % 7 >= 5 ? 1 : 0;
        for (const ExcusedSpan& e : excused)
            if (e.start_seconds < start + d.unit_seconds && e.end_seconds > start)
                d.excused[t] = 1;
        ticker.tick();
    }
    d.cum_tokens.assign(d.n + 1, 0.0);
    d.cum_value.assign(d.n + 1, 0.0);
    for (size_t t = 0; t < d.n; ++t) {
        d.cum_tokens[t + 1] = d.cum_tokens[t] + d.tokens[t];
        d.cum_value[t + 1] = d.cum_value[t] + d.value[t];
    }
    return d;
}

// ---------------------------------------------------------------------------------------------
// The frozen past-only reference: a hurdle model of the day's total tokens per day type (weekday,
// weekend), fitted on the reference days only, and the distribution of the resulting day scores
// on those days. Day totals, not hours: drift is about how much, and the hour a token is spent at
// is the burst scan's business (scored by hour, a time-zone move made every later day look
// unusual and left the value test to chance on a period chosen for it).

// The recurring-weekday test (analyze_drift): a day's deviation counts at most kWeekdayClip of
// its type's scale, and a weekday is tested over at least kWeekdayMin of its days.
constexpr double kWeekdayClip = 3.0;
constexpr double kWeekdayMin = 4.0;

struct DayModel {
    double p = 0.5, level = 0, sigma = kPriorSigma, df = kMaxDf;
    std::vector<double> logs;  // sorted active ln totals (for leave-one-out)
    double count = 0;          // reference days of this type
};

struct Reference {
    DayModel model[2];
    double rho = 0;                       // lag-1 correlation of its day scores
    double day_mean[2] = {0, 0}, day_sigma[2] = {1, 1};
    double weekday_mean[7] = {}, weekday_days[7] = {};  // mean day score by day index % 7, and days
    double days[2] = {0, 0};              // reference days per type
    double mean_tokens[2] = {0, 0};       // plain mean tokens of a day per type
    double tokens = 0, value = 0;         // totals over the reference days
    bool usable = false;
};

// Mid-distribution normal score of a day's total under the type's hurdle model, minus its null
// mean (as the burst scan scores a bucket). `skip` leaves one active day out (leave-one-out, for
// the reference's own days): in-sample, an ordinary day after the reference scored +0.2 to +0.5
// standard deviations above the reference's days, because the score is bounded below (an idle
// day) and not above, so the extra spread of an out-of-sample score raises its mean.
double day_score(const DayModel& m, double tokens, bool leave_out)
{
    const bool act = tokens > 0;
    const double a = static_cast<double>(m.logs.size());
    double p = m.p, level = m.level;
    if (leave_out) {
        p = std::clamp((a - (act ? 1.0 : 0.0) + 0.5) / std::max(1.0, m.count - 1.0 + 1.0), 1e-6, 1.0 - 1e-6);
        if (act && m.logs.size() > 1) {
            const double l = std::log(tokens);
            const size_t at = static_cast<size_t>(std::lower_bound(m.logs.begin(), m.logs.end(), l) - m.logs.begin());
            level = median_without(m.logs, std::min(at, m.logs.size() - 1));
        }
    }
    const int64_t t = static_cast<int64_t>(std::min(tokens, 9.0e18));
    return hurdle_score(t, p, level, m.sigma, m.sigma, m.df) - hurdle_mean(p);
}

// The day models from the days in `use` (reference days that are neither excused nor in a
// finding of the first pass): activity rate (half a pseudo-day), median ln total, and the
// winsorised SD of ln totals, a type with fewer than 8 active days shrunk towards the other's
// scale (8 pseudo-days); Student-t degrees of freedom from the active days.
void fit_days(const Days& d, const std::vector<size_t>& use, Reference& ref)
{
    for (auto& m : ref.model) {
        m.logs.clear();
        m.count = 0;
    }
    for (size_t t : use) {
        DayModel& m = ref.model[d.type[t]];
        m.count += 1;
        if (d.tokens[t] > 0)
            m.logs.push_back(std::log(d.tokens[t]));
    }
    double own[2] = {0, 0};
    for (int k = 0; k < 2; ++k) {
        DayModel& m = ref.model[k];
        std::sort(m.logs.begin(), m.logs.end());
        m.p = std::clamp((static_cast<double>(m.logs.size()) + 0.5) / (m.count + 1.0), 1e-6, 1.0 - 1e-6);
        m.level = m.logs.empty() ? 0.0 : median_without(m.logs, m.logs.size());
        if (m.logs.size() >= 3) {
            std::vector<double> x = m.logs;
            own[k] = robust_sigma(x);
        }
    }
    for (int k = 0; k < 2; ++k) {
        DayModel& m = ref.model[k];
        const double a = static_cast<double>(m.logs.size());
        const double other = own[1 - k] > 0 ? own[1 - k] : kPriorSigma;
        const double o = own[k] > 0 ? own[k] : other;
        m.sigma = std::max(0.05, std::sqrt((a * o * o + 8.0 * other * other) / (a + 8.0)));
        m.df = std::max(1.0, a - 1.0);
        if (m.logs.empty())  // never active on this type of day: level from the other type
            m.level = ref.model[1 - k].level;
    }
}

// Mean and SD of day scores clipped at 3.5 MAD-scales around their median: the window sums test
// against the mean (the scores of a day are skewed: their median sits below their mean, and
// centring on it gave ordinary windows a mean z of +0.5), and one huge day in the reference
// should not hide the weeks after it.
std::pair<double, double> clipped_moments(std::vector<double> x)
{
    std::vector<double> tmp = x;
    const double med = median_inplace(tmp);
    for (double& v : tmp)
        v = std::fabs(v - med);
    const double s0 = kMadScale * median_inplace(tmp);
    double sum = 0, sum2 = 0;
    for (double v : x) {
        const double c = s0 > 0 ? std::clamp(v, med - 3.5 * s0, med + 3.5 * s0) : v;
        sum += c;
        sum2 += c * c;
    }
    const double n = static_cast<double>(x.size());
    const double mean = sum / n;
    return {mean, std::sqrt(std::max(0.0, sum2 / n - mean * mean) * n / std::max(1.0, n - 1))};
}

// ---------------------------------------------------------------------------------------------
// Value: the effective units of the rate-ratio test and the developer's lag.

// Overdispersion of weekly value against tokens, beyond the compound-Poisson dispersion c: each
// week against the value per token of the two weeks either side of it (so a step or a ramp is not
// read as noise), phi = median Pearson X^2 / 0.4549 (the median of chi-square(1)), in [1, 10];
// 1 with fewer than 5 usable weeks. Value per token that wanders from month to month is real
// and must widen the test, or honest variation would read as drift. (Leaving out the weeks of the
// first pass's findings was tried: a little more power on simulated month-long burns, but on the
// demo's developers, whose value per token wanders, the median over fewer weeks doubled phi.)
double overdispersion(const Days& d, double c)
{
    const size_t week = std::max<size_t>(1, static_cast<size_t>(7 * kDay / d.unit_seconds));
    std::vector<double> wt, wv;
    for (size_t a = 0; a < d.n; a += week) {
        double t = 0, v = 0;
        for (size_t i = a; i < std::min(d.n, a + week); ++i) {
            t += d.tokens[i];
            v += d.value[i];
        }
        wt.push_back(t);
        wv.push_back(v);
    }
    std::vector<double> x2;
    for (size_t w = 0; w < wt.size(); ++w) {
        double t = 0, v = 0;
        for (size_t j = w >= 2 ? w - 2 : 0; j <= std::min(wt.size() - 1, w + 2); ++j)
            if (j != w) {
                t += wt[j];
                v += wv[j];
            }
        if (!(t > 0) || !(v > 0))
            continue;
        const double expected = v / t * wt[w];
        if (expected < 1.0 * c)
            continue;
        // The neighbours' value per token is itself estimated: Var(v_w - expected) is
        // c expected (1 + t_w / t) under the null, not c expected.
        x2.push_back((wv[w] - expected) * (wv[w] - expected) / (c * expected * (1.0 + wt[w] / t)));
    }
    if (x2.size() < 5)
        return 1.0;
    return std::min(10.0, std::max(1.0, median_inplace(x2) / 0.4549));
}

// Lower tail of the binomial rate-ratio test in effective units (see burst_decision.cpp):
// k of n units fell in the tested range, whose share of the tokens is pi.
double rate_ratio_p(double value_in, double value_out, double units, double pi, bool whole)
{
    const double k = value_in / units, n = (value_in + value_out) / units;
    if (whole && k == std::floor(k) && n == std::floor(n) && n < 9.0e15)
        return binomial_lower_tail(static_cast<int64_t>(k), static_cast<int64_t>(n), pi);
    return binomial_lower_tail_real(k, n, pi);
}

// P(value <= observed) for a newcomer whose efficiency is a draw from the cohort's log-normal:
// the Poisson lower tail (in effective units) averaged over ln r ~ N(log_median, log_sd^2)
// (121-point rule over +-6 sd).
double cohort_p(double value, double tokens, double units, const CohortEfficiency& c)
{
    if (!(c.log_sd > 0))
        return poisson_lower_tail(value / units, std::exp(c.log_median) * tokens / units);
    double sum = 0, wsum = 0;
    for (int j = -60; j <= 60; ++j) {
        const double z = j / 10.0, w = std::exp(-0.5 * z * z);
        sum += w * poisson_lower_tail(value / units, std::exp(c.log_median + c.log_sd * z) * tokens / units);
        wsum += w;
    }
    return std::min(1.0, sum / wsum);
}

// Tokens and value of a period and its credit window. A period is judged once its credit window
// has passed (valid): near the end of the data the value of its last days has not landed yet,
// and counting the value that has landed against only the tokens that had time to pay back read
// a fortnight of 1.8x use as ordinary (and judging it on tokens whose value cannot have landed
// would read every recent period as a shortfall).
struct Credited {
    double tokens = 0, value = 0;
    bool valid = false;
};
Credited credited(const Days& d, size_t start, size_t len, size_t credit)
{
    Credited c;
    if (start + len + credit > d.n)
        return c;
    c.tokens = d.cum_tokens[start + len + credit] - d.cum_tokens[start];
    c.value = d.cum_value[start + len + credit] - d.cum_value[start];
    c.valid = true;
    return c;
}

// The waste of an own-past period: its excess over the reference's expected tokens, less the
// fraction f of it that its value pays for - the maximum-likelihood f of
// value ~ Poisson(E_base + f (E_all - E_base)), E_all = r * matured tokens, E_base = r * (matured
// tokens - their excess), clamped to [0, 1] (as the burst decision buys back a burst's excess).
// Returns the inflated tokens and the expected tokens of the period.
std::pair<double, double> inflated_estimate(const Days& d, const Reference& ref, size_t start, size_t len, size_t credit)
{
    double expected = 0, tokens = 0;
    for (size_t t = start; t < start + len; ++t) {
        expected += ref.mean_tokens[d.type[t]];
        tokens += d.tokens[t];
    }
    const double excess = std::max(0.0, tokens - expected);
    const Credited a = credited(d, start, len, credit);
    const double r = ref.tokens > 0 ? ref.value / ref.tokens : 0.0;
    const double matured_excess = std::min(excess, a.tokens);
    const double e_all = r * a.tokens, e_base = r * (a.tokens - matured_excess);
    const double f = e_all > e_base ? std::clamp((a.value - e_base) / (e_all - e_base), 0.0, 1.0) : 0.0;
    return {excess * (1.0 - f), expected};
}

// P(U V <= x) for independent uniforms U, V: the null distribution of Fisher's product of two.
double product_p(double x)
{
    if (!(x > 0))
        return 0.0;
    return x >= 1 ? 1.0 : x * (1.0 - std::log(x));
}

struct Candidate {
    size_t start, len;  // days [start, start + len)
    double p, u, v;     // combined, token, value
    bool cohort;
    size_t ref;         // index of its reference (own past only)
    double inflated = 0;
};

// The candidates in their order, each kept unless it overlaps one kept before it.
std::vector<Candidate> disjoint(const std::vector<Candidate>& ordered)
{
    std::vector<Candidate> kept;
    for (const auto& c : ordered) {
        bool overlaps = false;
        for (const auto& o : kept)
            overlaps = overlaps || (c.start < o.start + o.len && o.start < c.start + c.len);
        if (!overlaps)
            kept.push_back(c);
    }
    return kept;
}

}  // namespace

DriftResult analyze_drift(const BucketsView& buckets, int64_t bucket_seconds, const DriftParams& params,
                          const CohortEfficiency& cohort, const std::vector<ExcusedSpan>& excused)
{
    validate(params);
    default_params(bucket_seconds);  // validates the width
    DriftResult res;
    res.total_tokens = buckets.total_tokens;
    if (buckets.size == 0 || buckets.total_tokens == 0)
        return res;
    const Days d = to_days(buckets, bucket_seconds, excused);
    const double unit_days = static_cast<double>(d.unit_seconds) / kDay;
    auto days_to_units = [&](int64_t days) { return static_cast<size_t>(std::ceil(static_cast<double>(days) / unit_days - 1e-9)); };
    const size_t R = std::max<size_t>(1, days_to_units(params.reference_days));
    const size_t H = std::max<size_t>(1, days_to_units(params.min_history_days));
    const size_t max_len = std::max<size_t>(1, days_to_units(params.max_period_days));
    const size_t week = std::max<size_t>(1, days_to_units(7));
    const int64_t lag = d.unit_seconds == kDay ? measured_lag_days(d.tokens, d.value) : 0;
    const size_t credit = days_to_units(std::max<int64_t>(params.credit_days, 2 * lag));
    res.credit_seconds = static_cast<int64_t>(credit) * d.unit_seconds;

    // Periods from a week up to max_period in steps of sqrt(2) (7, 10, 14, 20, 28, 40, 56, 79,
    // 112 days): a burn of any length is covered to within a factor 1.2 by some period, at the
    // cost of counting each scale in the Bonferroni sum (which grows with ln(max / week)).
    std::vector<size_t> lengths;
    for (double L = static_cast<double>(week); std::llround(L) <= static_cast<long long>(max_len); L *= std::sqrt(2.0))
        if (lengths.empty() || static_cast<size_t>(std::llround(L)) > lengths.back())
            lengths.push_back(static_cast<size_t>(std::llround(L)));
    if (lengths.empty())
        lengths.push_back(max_len);

    const double dispersion = buckets.has_values && d.total_value > 0 ? d.total_squares / d.total_value : 1.0;
    const double units = dispersion * overdispersion(d, dispersion);
    const bool whole = !buckets.has_values && units == 1.0;
    const bool weekdays = d.unit_seconds == kDay;  // units of a day: every 7th is the same weekday

    // Error budget: the own-past windows and the cohort windows are two families; each gets the
    // share of alpha its effective window count has (union bound), so the developer-level
    // false-alarm rate stays at most alpha.
    auto effective = [&](size_t starts, size_t L) { return std::max(1.0, 2.0 * static_cast<double>(starts) / static_cast<double>(L)); };
    double m_own = 0, m_cohort = 0;
    for (size_t L : lengths) {
        size_t starts = 0;
        for (size_t a = H; a < d.n; ++a)
            starts += credited(d, a, L, credit).valid ? 1 : 0;
        if (starts > 0)
            m_own += effective(starts, L);
        if (cohort.developers > 0)
            for (size_t a = 0; a + L <= std::min(H, d.n); a += L)
                m_cohort += credited(d, a, L, credit).valid ? 1 : 0;
    }
    if (m_own + m_cohort == 0)
        return res;
    const double alpha_own = params.alpha * m_own / (m_own + m_cohort);
    const double alpha_cohort = params.alpha - alpha_own;

    std::vector<uint8_t> in_finding(d.n, 0);
    std::vector<Candidate> chosen;
    std::vector<Reference> refs;
    std::vector<size_t> ref_start;
    InterruptTicker ticker;
    for (int pass = 0; pass < 2; ++pass) {
        std::vector<Candidate> cands;
        refs.clear();
        ref_start.clear();
        for (size_t b = H; b < d.n; b += week) {
            Reference ref;
            std::vector<size_t> use;
            for (size_t t = b > R ? b - R : 0; t < b; ++t)
                if (!d.excused[t] && !in_finding[t])
                    use.push_back(t);
            if (use.size() < H / 2 + 1) {
                refs.emplace_back();
                ref_start.push_back(b);
                continue;
            }
            fit_days(d, use, ref);
            ref.usable = true;
            std::vector<double> by_type[2], score(use.size());
            double tok[2] = {0, 0};
            for (size_t j = 0; j < use.size(); ++j) {
                const size_t t = use[j];
                score[j] = day_score(ref.model[d.type[t]], d.tokens[t], true);
                by_type[d.type[t]].push_back(score[j]);
                ref.weekday_mean[t % 7] += score[j];
                ref.weekday_days[t % 7] += 1;
                tok[d.type[t]] += d.tokens[t];
                ref.tokens += d.tokens[t];
                ref.value += d.value[t];
                ticker.tick();
            }
            for (int k = 0; k < 2; ++k) {
                ref.days[k] = static_cast<double>(by_type[k].size());
                if (by_type[k].size() >= 3) {
                    const auto [mean, sd] = clipped_moments(by_type[k]);
                    ref.day_mean[k] = mean;
                    ref.day_sigma[k] = std::max(0.25, sd);
                    ref.mean_tokens[k] = tok[k] / ref.days[k];
                } else {  // too few days of this type: the other type's
                    ref.days[k] = 0;
                }
            }
            for (int w = 0; w < 7; ++w)
                ref.weekday_mean[w] /= std::max(1.0, ref.weekday_days[w]);
            for (int k = 0; k < 2; ++k)
                if (ref.days[k] == 0) {
                    ref.day_mean[k] = ref.day_mean[1 - k];
                    ref.day_sigma[k] = ref.day_sigma[1 - k];
                    ref.mean_tokens[k] = ref.mean_tokens[1 - k];
                }
            // Persistence of busy and quiet spells: the lag-1 correlation of the reference's own
            // day scores (consecutive days, standardised per day type, clipped at 3), as an
            // AR(1) that inflates the variance of a sum of L days by
            // VIF(L) = 1 + 2 sum_k (1 - k/L) rho^k. From the reference only, like everything
            // else: measured over all days, a burn's own run of high days raised it to 0.3-0.5
            // and hid the burn behind it.
            double num = 0, den = 0;
            for (size_t j = 0; j + 1 < use.size(); ++j) {
                if (use[j + 1] != use[j] + 1)
                    continue;
                auto z = [&](size_t i) {
                    const uint8_t k = d.type[use[i]];
                    return std::clamp((score[i] - ref.day_mean[k]) / ref.day_sigma[k], -3.0, 3.0);
                };
                const double x = z(j), y = z(j + 1);
                num += x * y;
                den += 0.5 * (x * x + y * y);
            }
            ref.rho = den > 0 ? std::clamp(num / den, 0.0, 0.8) : 0.0;
            refs.push_back(std::move(ref));
            ref_start.push_back(b);
        }
        auto vif = [&](size_t L, double rho) {
            double v = 1.0, r = rho;
            for (size_t k = 1; k < L && r > 1e-6; ++k, r *= rho)
                v += 2.0 * (1.0 - static_cast<double>(k) / static_cast<double>(L)) * r;
            return v;
        };

        // Own-past windows: every start day from min_history on, scored against the reference
        // frozen at the start of its week; judged once their credit window has passed.
        for (size_t j = 0; j < refs.size() && alpha_own > 0; ++j) {
            const Reference& ref = refs[j];
            if (!ref.usable)
                continue;
            const size_t b = ref_start[j];
            const size_t span_end = std::min(d.n, b + week + max_len);
            // Prefix sums over the days after the reference: deviations of the day scores from
            // the reference's mean, and weekend days; and, by weekday ([t - b] sums days t, t - 7,
            // ... down to b), deviations from the reference's mean of that weekday, clipped at
            // kWeekdayClip of the type's scale: one extreme day is the all-days test's business
            // (unclipped, an ordinary developer's one huge day made its weekday look changed at
            // p 1e-9), a weekday's recurring excess is many moderate ones.
            std::vector<double> cum_dev(span_end - b + 1, 0.0), cum_weekend(span_end - b + 1, 0.0);
            std::vector<double> cum_weekday(span_end - b, 0.0);
            for (size_t t = b; t < span_end; ++t) {
                const double score = day_score(ref.model[d.type[t]], d.tokens[t], false);
                cum_dev[t - b + 1] = cum_dev[t - b] + score - ref.day_mean[d.type[t]];
                cum_weekend[t - b + 1] = cum_weekend[t - b] + d.type[t];
                const double sg = ref.day_sigma[d.type[t]];
                cum_weekday[t - b] = (t - b >= 7 ? cum_weekday[t - b - 7] : 0.0) +
                                     sg * std::clamp((score - ref.weekday_mean[t % 7]) / sg, -kWeekdayClip, kWeekdayClip);
                ticker.tick();
            }
            const double r_ref = ref.tokens > 0 ? ref.value / ref.tokens : 0.0;
            for (size_t start = b; start < std::min(d.n, b + week); ++start) {
                for (size_t L : lengths) {
                    const Credited a = credited(d, start, L, credit);
                    if (!a.valid)
                        break;
                    const double sum = cum_dev[start + L - b] - cum_dev[start - b];
                    const double weekend = cum_weekend[start + L - b] - cum_weekend[start - b];
                    const double n_type[2] = {static_cast<double>(L) - weekend, weekend};
                    // Two-sample variance: the window's days and the reference's mean, per day type.
                    double var = 0;
                    for (int k = 0; k < 2; ++k) {
                        const double sg2 = ref.day_sigma[k] * ref.day_sigma[k];
                        const double nref = std::max(1.0, ref.days[k] > 0 ? ref.days[k] : ref.days[1 - k]);
                        var += sg2 * (n_type[k] + n_type[k] * n_type[k] / nref);
                    }
                    var *= vif(L, ref.rho);
                    // Student's t: the day scores' scale is estimated from the reference's days.
                    const double df = std::max(1.0, ref.days[0] + ref.days[1] - 2.0);
                    const double z = t_to_normal(sum / std::sqrt(std::max(var, 1e-12)), df);
                    double u = z > 0 ? math::normal_upper_tail(z) : 1.0;
                    // A recurring weekday: the same two-sample test on one weekday's days of the
                    // period against that weekday's days in the reference (a rhythm that changed,
                    // not the weekday's usual level), over at least kWeekdayMin of them. One x5
                    // day a week is 1 day in 7 of the all-days sum, and a day's score grows only
                    // with the log of its tokens; here it is every day of the sum. Days a week apart are
                    // taken as an AR(1) at lag 7 (rho^7). The seven weekday tests share half of
                    // the token evidence's budget and the all-days test keeps the other half
                    // (Bonferroni: u = min(2 u_all, 14 u_weekday)), so the family-wide m_own
                    // adjustment below still bounds the false-alarm rate.
                    if (weekdays) {
                        double u_weekday = 1.0;
                        for (size_t first = start; first < start + std::min<size_t>(7, L); ++first) {
                            const size_t w = first % 7, k = d.type[first];
                            const double n = static_cast<double>((start + L - first + 6) / 7);
                            if (ref.weekday_days[w] < 3 || n < kWeekdayMin)
                                continue;
                            const size_t last = first + 7 * (static_cast<size_t>(n) - 1);
                            const double s = cum_weekday[last - b] - (first - b >= 7 ? cum_weekday[first - b - 7] : 0.0);
                            const double var_w = ref.day_sigma[k] * ref.day_sigma[k] * (n + n * n / ref.weekday_days[w]) *
                                                 vif(static_cast<size_t>(n), std::pow(ref.rho, 7));
                            const double z_w = t_to_normal(s / std::sqrt(std::max(var_w, 1e-12)), df);
                            if (z_w > 0)
                                u_weekday = std::min(u_weekday, math::normal_upper_tail(z_w));
                        }
                        u = std::min(1.0, std::min(2.0 * u, 14.0 * u_weekday));
                    }
                    const double v =
                        r_ref > 0 ? rate_ratio_p(a.value, ref.value, units, a.tokens / (a.tokens + ref.tokens), whole) : 1.0;
                    // Token candidates: tokens above the past with some evidence (m_own u <= 1).
                    if (u < 1.0 && m_own * u <= 1.0)
                        cands.push_back(Candidate{start, L, 1.0, u, v, false, j});
                }
            }
        }
        // The periods are chosen by their token evidence alone (the most significant first, the
        // longer on ties, then disjoint others), and only then is their value tested: given the
        // tokens the value p-value is super-uniform, so a period whose value kept pace (a role
        // change: twice the tokens, twice the changes) is reported with probability at most
        // merge_alpha, instead of the smallest of dozens of overlapping value tests. Reported when
        // excess AND shortfall are significant together - Fisher's product of the two, whose null
        // distribution is P(u v <= x) = x (1 - ln x), Bonferroni-adjusted over the m_own effective
        // periods (a union bound over every period, so choosing among them keeps it) - and the
        // shortfall on its own at merge_alpha: a period whose value kept pace is not drift,
        // however many tokens.
        std::sort(cands.begin(), cands.end(), [](const Candidate& x, const Candidate& y) {
            return x.u != y.u ? x.u < y.u : x.len > y.len;
        });
        chosen = disjoint(cands);
        // The value tests of the chosen periods share merge_alpha (Bonferroni over how many were
        // chosen, a number fixed by the tokens): after a role change every later week is chosen
        // for its tokens, and each tested at merge_alpha flagged one such developer in four.
        std::vector<uint8_t> conclusive(d.n, 0);  // token evidence alone conclusive: trimmed below
        const double value_level = params.merge_alpha / static_cast<double>(std::max<size_t>(1, chosen.size()));
        cands.clear();
        for (auto& c : chosen) {
            if (m_own * c.u <= alpha_own)
                std::fill(conclusive.begin() + static_cast<std::ptrdiff_t>(c.start),
                          conclusive.begin() + static_cast<std::ptrdiff_t>(c.start + c.len), 1);
            c.p = std::min(1.0, m_own * product_p(c.u * c.v)) * params.alpha / alpha_own;
            if (c.v <= value_level && c.p <= params.alpha)
                cands.push_back(c);
        }

        // Newcomers: the first min_history days against the cohort's efficiency, on a grid of
        // disjoint periods (Bonferroni over them); there is no past to measure an excess against,
        // so the value test alone decides, at the cohort family's share of alpha.
        if (cohort.developers > 0 && m_cohort > 0)
            for (size_t L : lengths)
                for (size_t a = 0; a + L <= std::min(H, d.n); a += L) {
                    const Credited c = credited(d, a, L, credit);
                    if (!c.valid)
                        continue;
                    const double v = cohort_p(c.value, c.tokens, units, cohort);
                    if (v * m_cohort <= alpha_cohort)
                        cands.push_back(Candidate{a, L, std::min(1.0, v * m_cohort * params.alpha / alpha_cohort), 1.0, v, true, 0});
                }

        // Disjoint findings: the own-past periods already are, and lie after the newcomer's grid;
        // the grid's periods of different lengths overlap, the most significant is kept.
        std::sort(cands.begin(), cands.end(), [](const Candidate& x, const Candidate& y) {
            return x.p != y.p ? x.p < y.p : x.len > y.len;
        });
        chosen = disjoint(cands);
        if (pass == 0) {
            // Second pass: the references leave out the first pass's findings, so a burn that
            // lasts cannot become the reference of the windows after its start.
            if (std::find(conclusive.begin(), conclusive.end(), 1) == conclusive.end())
                break;
            in_finding = conclusive;
        }
    }

    std::sort(chosen.begin(), chosen.end(), [](const Candidate& x, const Candidate& y) { return x.start < y.start; });
    const double r_cohort = std::exp(cohort.log_median);
    for (Candidate c : chosen) {
        // The period reported is the part of the tested one whose days ran above the reference:
        // its maximum-sum run of day-score deviations (the decision stays the tested period's).
        // The periods tried come in a few lengths, and the one chosen for its evidence may start
        // weeks before the change it found.
        if (!c.cohort) {
            const Reference& ref = refs[c.ref];
            double run = 0, best = 0;
            size_t run_start = c.start, best_start = c.start, best_end = c.start + c.len;
            for (size_t t = c.start; t < c.start + c.len; ++t) {
                if (run <= 0) {
                    run = 0;
                    run_start = t;
                }
                run += day_score(ref.model[d.type[t]], d.tokens[t], false) - ref.day_mean[d.type[t]];
                if (run > best) {
                    best = run;
                    best_start = run_start;
                    best_end = t + 1;
                }
            }
            if (best > 0) {
                c.start = best_start;
                c.len = best_end - best_start;
            }
        }
        c.inflated = c.cohort ? 0.0 : inflated_estimate(d, refs[c.ref], c.start, c.len, credit).first;
        DriftFinding f{};
        f.start_seconds = (d.first_unit + static_cast<int64_t>(c.start)) * d.unit_seconds;
        f.end_seconds = (d.first_unit + static_cast<int64_t>(c.start + c.len)) * d.unit_seconds;
        // The excused part of the waste: the excess of the excused days over the reference (the
        // tokens of the days for a newcomer) as a share of the period's.
        double tw = 0, expected = 0, ta = 0, va = 0, excess_all = 0, excess_excused = 0;
        for (size_t t = c.start; t < c.start + c.len; ++t) {
            tw += d.tokens[t];
            const double day_expected = c.cohort ? 0.0 : refs[c.ref].mean_tokens[d.type[t]];
            expected += day_expected;
            const double excess = std::max(0.0, d.tokens[t] - day_expected);
            excess_all += excess;
            if (d.excused[t])
                excess_excused += excess;
        }
        const Credited a = credited(d, c.start, c.len, credit);
        ta = a.tokens;
        va = a.value;
        const double r_ref = c.cohort ? r_cohort : (refs[c.ref].tokens > 0 ? refs[c.ref].value / refs[c.ref].tokens : 0.0);
        // Tokens the value does not pay for at the reference efficiency, and for the own past at
        // most the excess over what the reference expects: the drift's waste.
        const double unpaid = r_ref > 0 ? ta - va / r_ref : ta;
        if (c.cohort)
            expected = r_ref > 0 ? std::min(tw, va / r_ref) : 0.0;
        f.tokens = static_cast<int64_t>(std::llround(tw));
        f.expected_tokens = expected;
        f.merged_value = va;
        f.expected_value = r_ref * ta;
        f.ratio = r_ref > 0 && ta > 0 ? (va / ta) / r_ref : 0.0;
        f.inflated_tokens = c.cohort ? std::clamp(unpaid, 0.0, tw) : std::min(tw, c.inflated);
        const double excused_share = excess_all > 0 ? std::clamp(excess_excused / excess_all, 0.0, 1.0) : 0.0;
        f.excused_tokens = f.inflated_tokens * excused_share;
        f.inflated_tokens = std::max(0.0, f.inflated_tokens * (1.0 - excused_share));  // no rounding below 0
        f.p_value = c.p;
        f.token_p_value = c.u;
        f.value_p_value = c.v;
        f.cohort_reference = c.cohort;
        res.inflated_tokens += f.inflated_tokens;
        res.findings.push_back(f);
    }
    return res;
}

}  // namespace uv::burst
