// Burst analysis, the model of ordinary use: robust statistics, the hurdle score of a bucket, the
// dense series with its seasonal slots, and the per-bucket baseline (see docs/burst-method.md).
#include "burst_detail.hpp"

#include "math.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <string>

namespace uv::burst::detail {

double median_inplace(std::vector<double>& v)
{
    // Callers guarantee v is non-empty.
    size_t h = v.size() / 2;
    std::nth_element(v.begin(), v.begin() + h, v.end());
    double hi = v[h];
    if (v.size() % 2 == 1)
        return hi;
    double lo = *std::max_element(v.begin(), v.begin() + h);
    return 0.5 * (lo + hi);
}

// The winsorised root mean square around the median of v (v is reordered), over all residuals
// or, with upper_only, those above the median (a half-normal has the same clipped second
// moment); 0 when the MAD is 0 or fewer than min_used residuals are used.
double winsorised_rms(std::vector<double>& v, bool upper_only, size_t min_used)
{
    if (v.empty())
        return 0.0;
    const double c = median_inplace(v);
    std::vector<double> dev(v.size());
    for (size_t i = 0; i < v.size(); ++i)
        dev[i] = std::fabs(v[i] - c);
    const double s0 = kMadScale * median_inplace(dev);
    if (!(s0 > 0))
        return 0.0;
    const double cut = kWinsor * s0;
    double ss = 0;
    size_t used = 0;
    for (double x : v) {
        if (upper_only && !(x > c))
            continue;
        const double d = std::min(cut, std::fabs(x - c));
        ss += d * d;
        ++used;
    }
    if (used < min_used)
        return 0.0;
    // E[min(|Z|, k)^2] for a standard normal Z.
    const double k = kWinsor, tail = math::normal_upper_tail(k);
    const double kappa = (1.0 - 2.0 * tail) - 2.0 * k * kInvSqrt2Pi * std::exp(-0.5 * k * k) + 2.0 * k * k * tail;
    return std::sqrt(ss / static_cast<double>(used) / kappa);
}

double robust_sigma(std::vector<double>& v) { return winsorised_rms(v, false, 1); }

// Upper semi-scale: robust_sigma over the residuals above their median only, so that the upper
// tail of ln(tokens) gets its own scale (two-piece normal). Returns 0 with fewer than three
// values or fewer than two above the median.
double robust_upper_sigma(std::vector<double>& v) { return v.size() < 3 ? 0.0 : winsorised_rms(v, true, 2); }

// Median of the sorted values x without x[skip] (skip == x.size(): without none); x has at
// least one value besides the skipped one.
double median_without(const std::vector<double>& x, size_t skip)
{
    const size_t a = x.size();
    const size_t m = skip < a ? a - 1 : a;
    auto at = [&](size_t j) { return x[skip < a && j >= skip ? j + 1 : j]; };
    return m % 2 == 1 ? at(m / 2) : 0.5 * (at(m / 2 - 1) + at(m / 2));
}

// Median of the sorted values x[0, a) without x[skip] (skip == a: without none), shrunk towards
// `prior` with kShrink pseudo-observations.
double shrunk_level(const std::vector<double>& x, size_t a, size_t skip, double prior)
{
    size_t m = skip < a ? a - 1 : a;
    if (m == 0)
        return prior;
    auto at = [&](size_t j) { return x[skip < a && j >= skip ? j + 1 : j]; };
    double med = m % 2 == 1 ? at(m / 2) : 0.5 * (at(m / 2 - 1) + at(m / 2));
    double dm = static_cast<double>(m);
    return (dm * med + kShrink * prior) / (dm + kShrink);
}

double shrunk_sigma(double mad_sigma, double active)
{
    return std::sqrt((active * mad_sigma * mad_sigma + kShrink * kPriorSigma * kPriorSigma) / (active + kShrink));
}

// Mid-distribution normal score of a bucket under the hurdle model: zero with probability
// q = 1 - p, otherwise ln(tokens) ~ N(level, sigma^2). The mid-distribution function value u
// (mid-p for the point mass at zero) is mapped to Phi^-1(u). Above the zero mass the score has an
// exactly normal upper tail, which is what the scan tests; it is computed from the upper tail
// p * Phi(-z) so that rare high buckets keep their precision.
// Normal score with the same tail probability as Student's t with df degrees of freedom at t
// (Wallace's 1959 approximation, accurate to ~0.02 for df >= 3 in the range used here).
double t_to_normal(double t, double df)
{
    if (!(df < kMaxDf))
        return t;
    double z = (8.0 * df + 1.0) / (8.0 * df + 3.0) * std::sqrt(df * std::log1p(t * t / df));
    return t < 0 ? -z : z;
}

double hurdle_score(int64_t tokens, double p, double level, double sigma, double sigma_up, double df)
{
    double q = 1.0 - p;
    if (tokens == 0)
        return clamp_score(math::normal_quantile(0.5 * q));
    double dl = std::log(static_cast<double>(tokens)) - level;
    double lz = t_to_normal(dl / (dl > 0 ? sigma_up : sigma), df);
    double upper = p * math::normal_upper_tail(lz);
    if (!(upper > 1e-300))
        return kScoreCap;
    return clamp_score(-math::normal_quantile(upper));
}

// Why the mixture: a slot that is one steady job (a nightly run of the same size, scale 0.2 on the
// log scale) on its own calls the night the developer also worked in that hour a 1e-9 event, and
// in test/simulation a third of the ordinary developers' false alarms were exactly that. Mixed
// with the developer's ordinary use anywhere (weight 2/42 with eight weeks of a weekday slot),
// the job plus an ordinary hour is a 1-in-a-few-hundred event; where the slot already looks like
// the rest of the day the mixture changes little.
double hurdle_score_mixed(int64_t tokens, double p, double level, double sigma, double sigma_up, double df, double w,
                          double pool_p, double pool_level, double pool_sigma, double* p_mix)
{
    const double q = (1.0 - w) * (1.0 - p) + w * (1.0 - pool_p);
    *p_mix = 1.0 - q;
    if (tokens == 0)
        return clamp_score(math::normal_quantile(0.5 * q));
    const double l = std::log(static_cast<double>(tokens));
    const double dl = l - level;
    const double lz = t_to_normal(dl / (dl > 0 ? sigma_up : sigma), df);
    const double upper = (1.0 - w) * p * math::normal_upper_tail(lz) +
                         (pool_sigma > 0 ? w * pool_p * math::normal_upper_tail((l - pool_level) / pool_sigma) : 0.0);
    if (!(upper > 1e-300))
        return kScoreCap;
    return clamp_score(-math::normal_quantile(upper));
}

// Null mean of hurdle_score for activity rate p, from
//   E = q * Phi^-1(q/2) + integral_q^1 Phi^-1(v) dv,  integral = phi(Phi^-1(q)).
// Subtracting it matters: for rarely active slots the mean is small but positive, and summed
// over a two-week window it would otherwise look like a drip. The variance is at most 1, so
// testing sums against unit variance is conservative (and VIF_w below only ever raises it).
double hurdle_mean(double p)
{
    double q = 1.0 - p;
    double xq = math::normal_quantile(q);
    double z0 = clamp_score(math::normal_quantile(0.5 * q));
    return q * z0 + kInvSqrt2Pi * std::exp(-0.5 * xq * xq);
}

// Null variance of hurdle_score for activity rate p (before clamping, which only lowers it):
//   E[score^2] = q * z0^2 + integral_{x_q}^inf x^2 phi(x) dx = q * z0^2 + x_q phi(x_q) + p.
// Floored at a small positive value so that it can divide.
double hurdle_var(double p)
{
    double q = 1.0 - p;
    double xq = math::normal_quantile(q);
    double z0 = clamp_score(math::normal_quantile(0.5 * q));
    double phi = kInvSqrt2Pi * std::exp(-0.5 * xq * xq);
    double m = q * z0 + phi;
    double v = q * z0 * z0 + (std::isfinite(xq) ? xq * phi : 0.0) + p - m * m;
    return std::isfinite(v) ? std::max(v, 1e-6) : 1.0;
}

Series densify(const BucketsView& acc, const BurstParams& params)
{
    const BucketTotals* const b = acc.data;
    Series s;
    s.first_bucket = b[0].bucket;
    // Span check without overflow: buckets are int64, the difference may not fit.
    uint64_t span = static_cast<uint64_t>(b[acc.size - 1].bucket) - static_cast<uint64_t>(b[0].bucket) + 1;
    if (span > kMaxBuckets || span == 0)
        throw Error(ErrorKind::LimitExceeded,
                    "burst: the span of buckets (max - min + 1) is " + std::to_string(span) +
                        ", more than the limit of " + std::to_string(kMaxBuckets));
    s.n = static_cast<size_t>(span);
    s.tokens.assign(s.n, 0);
    s.merges.assign(s.n, 0);
    s.valued = acc.has_values;
    if (s.valued)
        s.value.assign(s.n, 0.0);
    InterruptTicker ticker;
    for (size_t k = 0; k < acc.size; ++k) {
        const BucketTotals& e = b[k];
        size_t i = static_cast<size_t>(static_cast<uint64_t>(e.bucket) - static_cast<uint64_t>(s.first_bucket));
        s.tokens[i] = e.tokens;
        s.merges[i] = e.merged_changes;
        if (s.valued)
            s.value[i] = e.value;
        s.total_value += e.value;
        s.total_squares += e.value_squares;
        ticker.tick();
    }

    // Seasonal slots: hour of day (or the bucket's part of the day when buckets are wider than
    // an hour) times day type, weekday or weekend (UTC), when the bucket width divides a day.
    // 48 slots rather than 168 hour-of-week slots: eight weeks give each weekday hour 40
    // observations instead of 8, and per-slot estimates from 8 observations made ordinary highs
    // look like 4-sigma events. 1970-01-01 was a Thursday, hence the three-day shift.
    s.slot.assign(s.n, 0);
    int64_t w = params.bucket_seconds;
    if (params.seasonal && w <= kDay && kDay % w == 0) {
        int64_t slot_len = std::max<int64_t>(w, 3600);
        int64_t per_week = kWeek / w;
        int64_t per_day = kDay / slot_len;
        s.n_slots = static_cast<size_t>(2 * per_day);
        s.week_buckets = static_cast<size_t>(per_week);
        int64_t pos = ((s.first_bucket % per_week) + per_week) % per_week;
        for (size_t i = 0; i < s.n; ++i) {
            int64_t secs = (pos * w + 3 * kDay) % kWeek;
            int64_t weekend = secs >= 5 * kDay ? 1 : 0;
            s.slot[i] = static_cast<uint16_t>(weekend * per_day + (secs % kDay) / slot_len);
            if (++pos == per_week)
                pos = 0;
            ticker.tick();
        }
    }
    return s;
}

Baseline estimate_baseline(const Series& s, const std::vector<uint8_t>& excluded, size_t window, bool two_piece)
{
    const size_t n = s.n;
    Baseline b;
    b.p.resize(n);
    b.level.resize(n);
    b.sigma.resize(n);
    b.sigma_up.resize(n);
    b.df.resize(n);
    b.mean.resize(n);


    // Series-wide fallbacks for windows with no usable data (everything excluded, or all zero).
    double global_level = 0.0;
    double global_p = 0.5;
    {
        std::vector<double> logs;
        size_t used = 0, active = 0;
        for (int pass = 0; pass < 2 && logs.empty(); ++pass) {
            used = active = 0;
            for (size_t i = 0; i < n; ++i) {
                if (pass == 0 && excluded[i])
                    continue;
                ++used;
                if (s.tokens[i] > 0) {
                    ++active;
                    logs.push_back(std::log(static_cast<double>(s.tokens[i])));
                }
            }
        }
        if (!logs.empty())
            global_level = median_inplace(logs);
        global_p = (static_cast<double>(active) + 0.5) / (static_cast<double>(used) + 1.0);
    }

    // Blocks of whole weeks share one window, so the per-slot medians are computed n / block
    // times over `window` buckets: O(n * window / block * log), about 8 n log n by default.
    size_t block;
    if (window >= s.week_buckets)
        block = s.week_buckets * std::max<size_t>(1, window / (8 * s.week_buckets));
    else
        block = std::max<size_t>(1, window / 8);

    std::vector<std::vector<double>> slot_logs(s.n_slots);
    std::vector<double> slot_n(s.n_slots), slot_p(s.n_slots), slot_level(s.n_slots), slot_sigma(s.n_slots);
    std::vector<size_t> slot_first(s.n_slots + 1);
    std::vector<double> slot_sum(s.n_slots), slot_mean(s.n_slots), slot_own(s.n_slots), slot_df(s.n_slots);
    std::vector<double> slot_skew(s.n_slots);
    std::vector<double> all_logs, resid, scratch;
    InterruptTicker ticker;

    b.block = block;
    b.n_slots = s.n_slots;
    for (size_t bs = 0; bs < n; bs += block) {
        size_t be = std::min(n, bs + block);
        // Centred window of `window` buckets, shifted inside the series at its ends.
        size_t ws = 0, we = n;
        if (window < n) {
            size_t centre = bs + (be - bs) / 2;
            ws = centre > window / 2 ? centre - window / 2 : 0;
            ws = std::min(ws, n - window);
            we = ws + window;
        }
        for (auto& v : slot_logs)
            v.clear();
        std::fill(slot_n.begin(), slot_n.end(), 0.0);
        std::fill(slot_sum.begin(), slot_sum.end(), 0.0);
        all_logs.clear();
        double used = 0, used_sum = 0;
        for (size_t i = ws; i < we; ++i) {
            ticker.tick();
            if (excluded[i])
                continue;
            used += 1;
            slot_n[s.slot[i]] += 1;
            slot_sum[s.slot[i]] += static_cast<double>(s.tokens[i]);
            used_sum += static_cast<double>(s.tokens[i]);
            if (s.tokens[i] > 0) {
                double l = std::log(static_cast<double>(s.tokens[i]));
                slot_logs[s.slot[i]].push_back(l);
                all_logs.push_back(l);
            }
        }
        const double active = static_cast<double>(all_logs.size());
        double p_all = used > 0 ? (active + 0.5) / (used + 1.0) : global_p;
        std::sort(all_logs.begin(), all_logs.end());
        double level_all = active > 0 ? median_without(all_logs, all_logs.size()) : global_level;

        // Level per slot: the median of its active ln(tokens), shrunk towards the window median.
        // Scale: from leave-one-out residuals (each active bucket against the shrunk median of
        // the other active buckets of its slot). In-sample residuals would understate the
        // scale by ~15% with eight observations a slot and make ordinary highs look like 4-sigma
        // events; out-of-sample residuals measure exactly the predictive spread, level
        // uncertainty included.
        resid.clear();
        for (size_t k = 0; k < s.n_slots; ++k) {
            auto& logs = slot_logs[k];
            std::sort(logs.begin(), logs.end());
            const size_t a = logs.size();
            slot_p[k] = (static_cast<double>(a) + kShrink * p_all) / (slot_n[k] + kShrink);
            slot_level[k] = shrunk_level(logs, a, a, level_all);
            // Expected tokens: the slot's plain mean (zeros included) shrunk towards the window's.
            // Unbiased, unlike a log-normal mean rebuilt from shrunk rates and scales, and its
            // noise averages out over the many buckets of an episode.
            double mean_all = used > 0 ? used_sum / used : 0.0;
            slot_mean[k] = (slot_sum[k] + kShrink * mean_all) / (slot_n[k] + kShrink);
            slot_first[k] = resid.size();
            for (size_t i = 0; i < a; ++i)
                resid.push_back(logs[i] - shrunk_level(logs, a, i, level_all));
        }
        slot_first[s.n_slots] = resid.size();
        // Scales. Each slot's own scale is the winsorised SD of its leave-one-out residuals;
        // the pooled scale is the median of the slots' own scales weighted by their active
        // counts (so one steady nightly job does not make a human's hours look calm), shrunk
        // towards kPriorSigma. Slot scales are then shrunk towards the pooled one on the log
        // scale by empirical Bayes (James-Stein): the between-slot variance tau2 is estimated by
        // the method of moments, and a slot keeps its own scale only to the extent that the slots
        // really differ (a nightly job does; a human's hours usually do not). Without this step
        // the sampling noise of per-slot scales fattens the tail of the scores several-fold.
        // The remaining uncertainty of the log-scale gives the Student-t degrees of freedom.
        std::fill(slot_own.begin(), slot_own.end(), 0.0);
        std::fill(slot_skew.begin(), slot_skew.end(), 1.0);
        std::vector<std::pair<double, double>> wmed;
        for (size_t k = 0; k < s.n_slots; ++k) {
            size_t lo = slot_first[k], hi = slot_first[k + 1];
            if (hi - lo < 3)
                continue;
            scratch.assign(resid.begin() + static_cast<std::ptrdiff_t>(lo), resid.begin() + static_cast<std::ptrdiff_t>(hi));
            double own = robust_sigma(scratch);
            // Upper tail: its own scale when the upper semi-scale is wider (two-piece normal on
            // the log scale). A day of a steady job plus human use has a right-skewed log (the job
            // is a floor, the human part a sum of log-normal hours): at 3 scales its true tail was
            // 7-15x the symmetric model's. Only with two_piece (the second pass, excursions
            // trimmed): the excursion looked for sits in the upper half itself, and two spike
            // days of twenty upper residuals widened it enough to hide them. Never narrower
            // than the symmetric scale, so it only ever lowers scores.
            slot_skew[k] = 1.0;
            if (own > 0) {
                scratch.assign(resid.begin() + static_cast<std::ptrdiff_t>(lo), resid.begin() + static_cast<std::ptrdiff_t>(hi));
                if (two_piece)
                    slot_skew[k] = std::max(1.0, robust_upper_sigma(scratch) / own);
                slot_own[k] = own;
                wmed.emplace_back(own, static_cast<double>(hi - lo));
            }
        }
        double pooled_raw;
        if (!wmed.empty()) {
            std::sort(wmed.begin(), wmed.end());
            double total = 0, acc = 0;
            for (const auto& x : wmed)
                total += x.second;
            pooled_raw = wmed.back().first;
            for (const auto& x : wmed) {
                acc += x.second;
                if (acc >= 0.5 * total) {
                    pooled_raw = x.first;
                    break;
                }
            }
        } else {
            scratch.assign(resid.begin(), resid.end());
            pooled_raw = robust_sigma(scratch);
        }
        const double pooled = shrunk_sigma(pooled_raw, active);
        b.pool.push_back(Baseline::Pool{p_all, level_all, pooled});
        b.pool_slot_n.insert(b.pool_slot_n.end(), slot_n.begin(), slot_n.end());
        const double l0 = std::log(pooled);
        const double v0 = 1.0 / (2.0 * kScaleEff * std::max(1.0, active - 1.0) + 2.0 * kShrink);
        double num = 0, den = 0;
        for (size_t k = 0; k < s.n_slots; ++k) {
            if (!(slot_own[k] > 0))
                continue;
            double a = static_cast<double>(slot_first[k + 1] - slot_first[k]);
            double vk = 1.0 / (2.0 * kScaleEff * (a - 1.0));
            double d = std::log(slot_own[k]) - l0;
            num += a * (d * d - vk);
            den += a;
        }
        const double tau2 = den > 0 ? std::max(0.0, num / den) : 0.0;
        for (size_t k = 0; k < s.n_slots; ++k) {
            double post_var;
            if (slot_own[k] > 0) {
                double a = static_cast<double>(slot_first[k + 1] - slot_first[k]);
                double vk = 1.0 / (2.0 * kScaleEff * (a - 1.0));
                double lam = tau2 / (tau2 + vk);
                slot_sigma[k] = std::exp(l0 + lam * (std::log(slot_own[k]) - l0));
                post_var = lam * vk + (1.0 - lam) * (1.0 - lam) * v0;
            } else {
                slot_sigma[k] = pooled;
                post_var = tau2 + v0;
            }
            slot_df[k] = std::min(kMaxDf, std::max(1.0, 1.0 / (2.0 * post_var)));
        }
        for (size_t i = bs; i < be; ++i) {
            const size_t k = s.slot[i];
            b.sigma[i] = slot_sigma[k];
            b.sigma_up[i] = slot_sigma[k] * slot_skew[k];
            b.df[i] = slot_df[k];
            b.mean[i] = slot_mean[k];

            if (i < ws || i >= we || excluded[i]) {
                b.p[i] = slot_p[k];
                b.level[i] = slot_level[k];
                continue;
            }
            // Leave-one-out: a bucket is scored against its slot without itself. In-sample, a
            // light user's one 50x Saturday would be half of its own slot's evidence (the only
            // active Saturday) and hide behind itself.
            // The window-wide values it is shrunk towards leave it out too.
            const bool act = s.tokens[i] > 0;
            const double p_loo = used > 1 ? (active - (act ? 1.0 : 0.0) + 0.5) / used : p_all;
            b.p[i] = (static_cast<double>(slot_logs[k].size()) - (act ? 1.0 : 0.0) + kShrink * p_loo) /
                     (slot_n[k] - 1.0 + kShrink);
            if (act) {
                const auto& logs = slot_logs[k];
                double l = std::log(static_cast<double>(s.tokens[i]));
                size_t at_all = static_cast<size_t>(std::lower_bound(all_logs.begin(), all_logs.end(), l) - all_logs.begin());
                double level_loo = all_logs.size() > 1 ? median_without(all_logs, std::min(at_all, all_logs.size() - 1)) : global_level;
                size_t at = static_cast<size_t>(std::lower_bound(logs.begin(), logs.end(), l) - logs.begin());
                b.level[i] = shrunk_level(logs, logs.size(), std::min(at, logs.size() - 1), level_loo);
            } else {
                b.level[i] = slot_level[k];
            }
        }
    }
    return b;
}

double expected_tokens(const Baseline& b, size_t i) { return b.mean[i]; }

}  // namespace uv::burst::detail
