// Burst-inflation detection. The method is summarised in burst.hpp; here are the why's.
#include "burst.hpp"

#include "math.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <limits>
#include <map>
#include <string>

namespace uv::burst {

namespace {

// ---------------------------------------------------------------------------------------------
// Little-endian byte encoding with bounds-checked reads.

void put_u8(std::vector<uint8_t>& out, uint8_t v) { out.push_back(v); }
void put_u64(std::vector<uint8_t>& out, uint64_t v)
{
    for (int i = 0; i < 8; ++i)
        out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
void put_i64(std::vector<uint8_t>& out, int64_t v) { put_u64(out, static_cast<uint64_t>(v)); }
void put_f64(std::vector<uint8_t>& out, double v)
{
    uint64_t bits;
    std::memcpy(&bits, &v, sizeof bits);
    put_u64(out, bits);
}

class Reader {
public:
    Reader(const uint8_t* data, size_t size, const char* what) : data_(data), size_(size), what_(what)
    {
        if (data_ == nullptr && size_ != 0)
            fail("null buffer");
    }
    size_t remaining() const noexcept { return size_ - pos_; }
    uint8_t u8()
    {
        need(1);
        return data_[pos_++];
    }
    uint64_t u64()
    {
        need(8);
        uint64_t v = 0;
        for (int i = 0; i < 8; ++i)
            v |= static_cast<uint64_t>(data_[pos_ + i]) << (8 * i);
        pos_ += 8;
        return v;
    }
    int64_t i64() { return static_cast<int64_t>(u64()); }
    double f64()
    {
        const uint64_t bits = u64();
        double v;
        std::memcpy(&v, &bits, sizeof v);
        return v;
    }
    // The two leading bytes every serialised form starts with: format version, then kind.
    void header(uint8_t kind, uint8_t expected_version)
    {
        const uint8_t version = u8();
        if (version != expected_version)
            fail("unsupported version " + std::to_string(version) + " (expected " + std::to_string(expected_version) + ")");
        if (u8() != kind)
            fail("wrong kind byte");
    }
    [[noreturn]] void fail(const std::string& why) const
    {
        throw Error(ErrorKind::InvalidBinary, std::string("invalid ") + what_ + " binary value: " + why);
    }

private:
    void need(size_t n) const
    {
        if (remaining() < n)
            fail("truncated");
    }
    const uint8_t* data_;
    size_t size_;
    size_t pos_ = 0;
    const char* what_;
};

// Bytes of one serialised accumulator bucket: bucket, tokens, merged_changes, value, value_squares.
constexpr uint64_t kEntryBytes = 40;

bool add_overflows(int64_t a, int64_t b, int64_t* out) { return __builtin_add_overflow(a, b, out); }

int64_t ceil_div(int64_t a, int64_t b) { return a / b + (a % b != 0 ? 1 : 0); }

// Calls uv::check_interrupts() every 4096 calls; for loops whose length comes from input.
class InterruptTicker {
public:
    void tick()
    {
        if ((++n_ & 4095u) == 0)
            check_interrupts();
    }

private:
    uint32_t n_ = 0;
};

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

// Normal-consistency factor of the MAD.
constexpr double kMadScale = 1.4826;
// Pseudo-observations for shrinking per-slot rates/levels towards the window-wide value and the
// log-scale towards kPriorSigma: enough to stop one observation from being taken at face value,
// few enough to vanish against eight weeks of data.
constexpr double kShrink = 2.0;
// Typical dispersion of ln(tokens) in active buckets (a factor of e), used only as the prior of
// the shrunk scale: it dominates with a handful of active buckets and never makes the scale 0.
constexpr double kPriorSigma = 1.0;
// Normal scores are clamped to +-8 so that one bucket has bounded influence and nothing is inf.
constexpr double kScoreCap = 8.0;
constexpr double kInvSqrt2Pi = 0.3989422804014327;

double clamp_score(double z)
{
    if (std::isnan(z))
        return 0.0;
    return std::min(kScoreCap, std::max(-kScoreCap, z));
}

// Efficiency of the winsorised SD relative to the SD at the normal: the sampling variance of its
// logarithm from a observations is about 1 / (2 * kScaleEff * (a - 1)).
constexpr double kScaleEff = 0.85;
// Above this many degrees of freedom the Student-t correction is negligible.
constexpr double kMaxDf = 1000.0;

// Winsorised standard deviation (one step of Huber's Proposal 2, started from the MAD): residuals
// are clipped at +-kWinsor MAD-scales around their median and the root mean square is divided by
// its normal-consistency factor. About 90% efficient at the normal against the MAD's 37%, with
// bounded influence; it matters because a noisy scale is what fattens the tail of the scores.
constexpr double kWinsor = 2.5;

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

// ---------------------------------------------------------------------------------------------
// The dense series and its seasonal slots.

constexpr int64_t kDay = 86400;
constexpr int64_t kWeek = 7 * kDay;

struct Series {
    int64_t first_bucket = 0;
    size_t n = 0;
    std::vector<int64_t> tokens;
    std::vector<int64_t> merges;
    // Merged value per bucket, only when the accumulator has values (else value = merges), and
    // the developer's totals of value and of value_squares, summed in bucket order.
    bool valued = false;
    std::vector<double> value;
    double total_value = 0, total_squares = 0;
    double value_at(size_t i) const { return valued ? value[i] : static_cast<double>(merges[i]); }
    std::vector<uint16_t> slot;
    size_t n_slots = 1;
    size_t week_buckets = 1;  // buckets per seasonal period (1 when not seasonal)
};

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

// ---------------------------------------------------------------------------------------------
// Baseline: per bucket, activity rate p, level of ln(tokens) when active, and log-scale sigma.

struct Baseline {
    std::vector<double> p, level, sigma;
    std::vector<double> sigma_up;  // scale above the level (two-piece normal), >= sigma
    std::vector<double> df;    // Student-t degrees of freedom of the log-scale
    std::vector<double> mean;  // expected tokens of the bucket
};

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

// ---------------------------------------------------------------------------------------------
// Multi-scale scan.

struct Window {
    size_t start, end;  // inclusive
    double p_value;
};

std::vector<size_t> scan_scales(size_t n, size_t max_len)
{
    std::vector<size_t> w;
    size_t top = std::min(n, max_len);
    for (size_t x = 1; x < top; x *= 2)
        w.push_back(x);
    w.push_back(top);
    return w;
}

// Trimmed mean square: the mean of the smallest (1 - 1/10) of x (values of a chi-square(1)
// variable under the null) divided by what that mean would be for chi-square(1), so that the
// excursion being looked for does not raise its own bar. x is reordered. Needs x.size() >= 1.
double trimmed_chi2_ratio(std::vector<double>& x)
{
    size_t keep = x.size() - (x.size() + 9) / 10;
    if (keep == 0)
        return 1.0;
    std::nth_element(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(keep), x.end());
    double ss = 0;
    for (size_t i = 0; i < keep; ++i)
        ss += x[i];
    // E[X; X < q] for X ~ chi-square(1) with P(X < q) = g: g - 2 a phi(a), a = Phi^-1((1 + g) / 2).
    double g = static_cast<double>(keep) / static_cast<double>(x.size());
    double a = math::normal_quantile(0.5 * (1.0 + g));
    double kept_mean = g - 2.0 * a * kInvSqrt2Pi * std::exp(-0.5 * a * a);
    double r = ss / static_cast<double>(x.size()) / kept_mean;
    return kept_mean > 0 && std::isfinite(r) ? r : 1.0;
}

// Null variance of window sums of the scores. Each bucket's score has variance v_i (hurdle_var
// of its activity rate); scores within one day (corr_len buckets, UTC) share a day effect: a
// busy day lifts every active hour, so two buckets i, j of the same day have covariance
// rho * p_i * p_j (only active buckets carry it). Then
//   Var(sum over W) = sum_W v_i + rho * sum_days [(sum_{W, day} p_i)^2 - sum_{W, day} p_i^2].
// rho is fitted to the developer's own whole days (outside earlier episodes) by a trimmed
// method of moments against the EXACT variances v_exact; v (used for windows) may carry extra
// slack (the unit floor). Fitting against the floored variances let the slack of a day's quiet
// hours (p ~ 0, exact variance ~ 0, floored to 1) stand in for the day effect of its working
// hours: a nightly-automation developer (day effect sd 0.45) got rho = 0 and an ordinary
// busy 8-hour working day scan p 5e-5, while the true chance of such a day in 90 was ~2%. Without it a heavy user who is active most hours, with busy and quiet
// days, had 8-16 hour windows tested against a variance averaged with the uncorrelated
// night hours, and one developer in three of that kind had a false alarm.
class WindowVariance {
public:
    WindowVariance(const std::vector<double>& v, const std::vector<double>& v_exact, const std::vector<double>& p,
                   const std::vector<double>& e, const std::vector<uint8_t>& excluded, size_t corr_len, size_t phase)
        : corr_len_(corr_len), phase_(phase), pv_(v.size() + 1, 0.0), pc_(v.size() + 1, 0.0), pc2_(v.size() + 1, 0.0)
    {
        const size_t n = v.size();
        for (size_t i = 0; i < n; ++i) {
            pv_[i + 1] = pv_[i] + v[i];
            pc_[i + 1] = pc_[i] + p[i];
            pc2_[i + 1] = pc2_[i] + p[i] * p[i];
        }
        if (corr_len_ < 2)
            return;
        // Whole days inside the series and outside earlier episodes.
        std::vector<double> d2, a, b;
        InterruptTicker ticker;
        for (size_t s = (corr_len_ - phase_) % corr_len_; s + corr_len_ <= n; s += corr_len_) {
            double sum = 0, exact = 0;
            bool clean = true;
            for (size_t i = s; i < s + corr_len_; ++i) {
                sum += e[i];
                exact += v_exact[i];
                clean = clean && !excluded[i];
                ticker.tick();
            }
            if (!clean)
                continue;
            double c = pc_[s + corr_len_] - pc_[s];
            d2.push_back(sum * sum);
            a.push_back(exact);
            b.push_back(std::max(0.0, c * c - (pc2_[s + corr_len_] - pc2_[s])));
        }
        if (d2.size() < 16)
            return;
        std::vector<double> x(d2.size());
        auto ratio = [&](double rho) {
            for (size_t k = 0; k < d2.size(); ++k)
                x[k] = d2[k] / std::max(1e-12, a[k] + rho * b[k]);
            return trimmed_chi2_ratio(x);
        };
        if (ratio(0.0) <= 1.0)
            return;
        double lo = 0.0, hi = 1.0;
        if (ratio(hi) > 1.0) {
            rho_ = hi;
            return;
        }
        for (int it = 0; it < 40; ++it) {
            double mid = 0.5 * (lo + hi);
            (ratio(mid) > 1.0 ? lo : hi) = mid;
        }
        rho_ = 0.5 * (lo + hi);
    }

    // Variance of the sum over [s, t).
    double operator()(size_t s, size_t t) const
    {
        double var = pv_[t] - pv_[s];
        if (rho_ > 0) {
            double cov = 0;
            for (size_t a = s; a < t;) {
                // End of the day that bucket a falls in.
                size_t off = (a + phase_) % corr_len_;
                size_t b = std::min(t, a + (corr_len_ - off));
                double c = pc_[b] - pc_[a];
                cov += c * c - (pc2_[b] - pc2_[a]);
                a = b;
            }
            var += rho_ * std::max(0.0, cov);
        }
        return std::max(var, 1e-12);
    }
    double rho() const { return rho_; }

private:
    size_t corr_len_, phase_;
    std::vector<double> pv_, pc_, pc2_;
    double rho_ = 0.0;
};

// Finds significant, non-overlapping excursions of the score series e.
std::vector<Window> scan(const std::vector<double>& e, const WindowVariance& wvar, const std::vector<uint8_t>& excluded,
                         size_t max_len, double alpha, size_t corr_len)
{
    const size_t n = e.size();
    std::vector<double> prefix(n + 1, 0.0);
    for (size_t i = 0; i < n; ++i)
        prefix[i + 1] = prefix[i] + e[i];
    const std::vector<size_t> scales = scan_scales(n, max_len);
    InterruptTicker ticker;

    // Remaining variance inflation per scale, from the developer's own series: the mean square
    // of sums over disjoint windows (outside earlier episodes) divided by their model variance
    // (WindowVariance). It absorbs correlation the day effect does not (sessions) and misfit of
    // the baseline; floored at 1 and non-decreasing in w. The mean square is trimmed
    // (trimmed_chi2_ratio), so the excursion being looked for does not raise its own bar.
    // It is measured only up to corr_len buckets (one day): longer scales inherit the one-day
    // value, i.e. correlation is assumed to end within a day once the baseline has taken out
    // the weekly rhythm and slow trends. Measuring it at two-week scales (4 windows in 60 days)
    // let a two-week drip inflate its own variance tenfold and hide. Scales with fewer than 16
    // disjoint windows inherit the last estimate too.
    std::vector<double> vif(scales.size(), 1.0);
    double last = 1.0;
    std::vector<double> sq;
    for (size_t k = 0; k < scales.size(); ++k) {
        size_t w = scales[k];
        if (w < 2 * corr_len) {
            sq.clear();
            for (size_t s = 0; s + w <= n; s += w) {
                bool clean = true;
                for (size_t i = s; i < s + w && clean; ++i)
                    clean = !excluded[i];
                ticker.tick();
                if (!clean)
                    continue;
                double sum = prefix[s + w] - prefix[s];
                sq.push_back(sum * sum / wvar(s, s + w));
            }
            if (sq.size() >= 16)
                last = std::max(last, trimmed_chi2_ratio(sq));
        }
        vif[k] = last;
    }

    // Bonferroni over scales and windows. Overlapping windows of one length are strongly
    // correlated; about 2n/w of them behave as independent tests (the scan-statistic rule of
    // thumb), and n for single buckets.
    struct Candidate {
        double p, z;
        size_t s, w;
    };
    std::vector<Candidate> cand;
    const double n_scales = static_cast<double>(scales.size());
    for (size_t k = 0; k < scales.size(); ++k) {
        size_t w = scales[k];
        double m = w == 1 ? static_cast<double>(n)
                          : std::min(static_cast<double>(n - w + 1), 2.0 * std::ceil(static_cast<double>(n) / w));
        double mult = n_scales * m;
        double z_cut = -math::normal_quantile(alpha / mult);

        for (size_t s = 0; s + w <= n; ++s) {
            ticker.tick();
            double z = (prefix[s + w] - prefix[s]) / std::sqrt(vif[k] * wvar(s, s + w));
            if (!(z > z_cut))
                continue;
            cand.push_back({std::min(1.0, math::normal_upper_tail(z) * mult), z, s, w});
        }
    }
    std::sort(cand.begin(), cand.end(), [](const Candidate& a, const Candidate& b) {
        if (a.p != b.p)
            return a.p < b.p;
        if (a.z != b.z)
            return a.z > b.z;
        if (a.s != b.s)
            return a.s < b.s;
        return a.w < b.w;
    });

    // Greedy: most significant first, skipping windows that overlap an accepted one (the same
    // excursion seen at another scale or shift), as for secondary clusters in a scan statistic.
    std::map<size_t, std::pair<size_t, double>> accepted;  // start -> (end, p)
    for (const auto& c : cand) {
        ticker.tick();
        size_t s = c.s, t = c.s + c.w - 1;
        auto it = accepted.upper_bound(t);
        if (it != accepted.begin()) {
            auto prev = std::prev(it);
            if (prev->second.first >= s)
                continue;
        }
        accepted.emplace(s, std::make_pair(t, c.p));
    }

    // Join touching windows (an excursion longer than the longest scale), then trim each to its
    // maximum-sum sub-run so that start and end are where the excess is.
    std::vector<Window> joined;
    for (const auto& [s, ep] : accepted) {
        if (!joined.empty() && joined.back().end + 1 == s) {
            joined.back().end = ep.first;
            joined.back().p_value = std::min(joined.back().p_value, ep.second);
        } else {
            joined.push_back({s, ep.first, ep.second});
        }
    }
    for (auto& wdw : joined) {
        double best = -std::numeric_limits<double>::infinity(), run = 0;
        size_t run_start = wdw.start, best_s = wdw.start, best_t = wdw.start;
        for (size_t i = wdw.start; i <= wdw.end; ++i) {
            if (run <= 0) {
                run = 0;
                run_start = i;
            }
            run += e[i];
            if (run > best) {
                best = run;
                best_s = run_start;
                best_t = i;
            }
        }
        wdw.start = best_s;
        wdw.end = best_t;
    }
    return joined;
}

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

}  // namespace

// ---------------------------------------------------------------------------------------------
// BurstAccumulator

void BurstAccumulator::add(int64_t bucket, int64_t tokens, int64_t merged_changes)
{
    add_row(bucket, tokens, merged_changes, static_cast<double>(merged_changes), static_cast<double>(merged_changes), false);
}

void BurstAccumulator::add(int64_t bucket, int64_t tokens, int64_t merged_changes, double merged_value)
{
    if (!(merged_value >= 0 && merged_value <= kMaxRowValue)) {  // formatted only on the error path
        char got[32];
        std::snprintf(got, sizeof got, "%g", merged_value);
        if (std::isnan(merged_value) || std::isinf(merged_value))
            throw Error(ErrorKind::InvalidParameter, std::string("burst: merged_value must be a finite number, got ") + got);
        throw Error(ErrorKind::OutOfRange, std::string("burst: merged_value must be in [0, 1e+15], got ") + got);
    }
    // value^2 / max(changes, 1): the square of one change's value, the equal-split lower bound for
    // several, one unit for value with no counted change. value == changes (weights of 1) gives
    // exactly changes, as on the counted-only path; a positive value never squares to 0.
    double squares = merged_value;
    if (merged_value != static_cast<double>(merged_changes))
        squares = merged_value * merged_value / static_cast<double>(std::max<int64_t>(merged_changes, 1));
    if (merged_value > 0 && !(squares > 0))
        squares = std::numeric_limits<double>::denorm_min();
    add_row(bucket, tokens, merged_changes, merged_value, squares, true);
}

void BurstAccumulator::add_row(int64_t bucket, int64_t tokens, int64_t merged_changes, double value, double squares,
                               bool valued)
{
    if (tokens < 0)
        throw Error(ErrorKind::OutOfRange, "burst: tokens must be >= 0, got " + std::to_string(tokens));
    if (merged_changes < 0)
        throw Error(ErrorKind::OutOfRange,
                    "burst: merged_changes must be >= 0, got " + std::to_string(merged_changes));
    int64_t t, m;
    if (add_overflows(total_tokens_, tokens, &t))
        throw Error(ErrorKind::OutOfRange, "burst: the sum of tokens overflows bigint");
    if (add_overflows(total_merges_, merged_changes, &m))
        throw Error(ErrorKind::OutOfRange, "burst: the sum of merged_changes overflows bigint");
    // Valued before the row goes in: a compaction below must sum values, not recount them.
    if (valued)
        has_values_ = true;
    entries_.push_back({bucket, tokens, merged_changes, value, squares});
    // Totals bound every per-bucket sum, so combining duplicates later cannot overflow.
    total_tokens_ = t;
    total_merges_ = m;
    // Combine when the raw tail reaches the compacted size: memory stays O(distinct buckets),
    // the amortised cost O(log n) per row.
    if (entries_.size() >= std::max<size_t>(4096, 2 * compacted_))
        compact();
}

void BurstAccumulator::merge(const BurstAccumulator& other)
{
    const auto& o = other.buckets();
    int64_t t, m;
    if (add_overflows(total_tokens_, other.total_tokens_, &t))
        throw Error(ErrorKind::OutOfRange, "burst: the sum of tokens overflows bigint");
    if (add_overflows(total_merges_, other.total_merges_, &m))
        throw Error(ErrorKind::OutOfRange, "burst: the sum of merged_changes overflows bigint");
    entries_.insert(entries_.end(), o.begin(), o.end());
    total_tokens_ = t;
    total_merges_ = m;
    has_values_ = has_values_ || other.has_values_;
    compact();
}

void BurstAccumulator::compact() const
{
    if (compacted_ == entries_.size())
        return;
    // Work on a copy and swap, so an allocation failure leaves the state as it was.
    std::vector<BucketTotals> v(entries_);
    auto by_bucket = [](const BucketTotals& a, const BucketTotals& b) { return a.bucket < b.bucket; };
    std::sort(v.begin() + static_cast<std::ptrdiff_t>(compacted_), v.end(), by_bucket);
    std::inplace_merge(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(compacted_), v.end(), by_bucket);
    size_t out = 0;
    for (size_t i = 0; i < v.size(); ++i) {
        if (out > 0 && v[out - 1].bucket == v[i].bucket) {
            v[out - 1].tokens += v[i].tokens;  // bounded by the checked totals
            v[out - 1].merged_changes += v[i].merged_changes;
            // Counted-only buckets keep value = changes exactly (a double sum of counts near 2^63
            // would round); valued ones sum (each row's value is at most kMaxRowValue, so finite).
            if (!has_values_) {
                v[out - 1].value = static_cast<double>(v[out - 1].merged_changes);
                v[out - 1].value_squares = v[out - 1].value;
            } else {
                v[out - 1].value += v[i].value;
                v[out - 1].value_squares += v[i].value_squares;
            }
        } else {
            v[out++] = v[i];
        }
    }
    v.resize(out);
    if (out > kMaxBuckets)
        throw Error(ErrorKind::LimitExceeded,
                    "burst: more than " + std::to_string(kMaxBuckets) + " distinct buckets for one developer");
    v.shrink_to_fit();
    entries_.swap(v);
    compacted_ = entries_.size();
}

const std::vector<BucketTotals>& BurstAccumulator::buckets() const
{
    compact();
    return entries_;
}

std::vector<uint8_t> BurstAccumulator::serialize() const
{
    const auto& b = buckets();
    std::vector<uint8_t> out;
    out.reserve(3 + 8 + kEntryBytes * b.size() + 16);
    put_u8(out, kAccumulatorFormatVersion);
    put_u8(out, 'A');
    put_u8(out, has_values_ ? 1 : 0);
    put_u64(out, b.size());
    for (const auto& e : b) {
        put_i64(out, e.bucket);
        put_i64(out, e.tokens);
        put_i64(out, e.merged_changes);
        put_f64(out, e.value);
        put_f64(out, e.value_squares);
    }
    put_i64(out, total_tokens_);
    put_i64(out, total_merges_);
    return out;
}

BurstAccumulator BurstAccumulator::deserialize(const uint8_t* data, size_t size)
{
    Reader r(data, size, "burst accumulator");
    r.header('A', kAccumulatorFormatVersion);
    const uint8_t has_values = r.u8();
    if (has_values > 1)
        r.fail("bad has_values flag");
    uint64_t n = r.u64();
    if (n > kMaxBuckets)
        throw Error(ErrorKind::LimitExceeded, "burst accumulator: " + std::to_string(n) + " buckets, more than the limit of " +
                                                  std::to_string(kMaxBuckets));
    // n <= 1e7, so kEntryBytes * n + 16 cannot overflow; check the exact length before allocating.
    if (r.remaining() != kEntryBytes * n + 16)
        r.fail("length does not match the bucket count");
    BurstAccumulator acc;
    acc.entries_.reserve(static_cast<size_t>(n));
    int64_t tok = 0, mer = 0;
    InterruptTicker ticker;
    for (uint64_t i = 0; i < n; ++i) {
        BucketTotals e;
        e.bucket = r.i64();
        e.tokens = r.i64();
        e.merged_changes = r.i64();
        e.value = r.f64();
        e.value_squares = r.f64();
        if (i > 0 && e.bucket <= acc.entries_.back().bucket)
            r.fail("buckets are not strictly ascending");
        if (e.tokens < 0 || e.merged_changes < 0)
            r.fail("negative count");
        if (!(std::isfinite(e.value) && e.value >= 0 && std::isfinite(e.value_squares) && e.value_squares >= 0))
            r.fail("value or value_squares negative, NaN or infinite");
        if ((e.value == 0) != (e.value_squares == 0))
            r.fail("value and value_squares are not both zero or both positive");
        if (has_values == 0 ? !(e.value == static_cast<double>(e.merged_changes) && e.value_squares == e.value)
                            : !(e.value_squares <= std::max(e.value * e.value * (1 + 1e-6),
                                                            std::numeric_limits<double>::min())))
            r.fail("value_squares inconsistent with value");
        if (add_overflows(tok, e.tokens, &tok) || add_overflows(mer, e.merged_changes, &mer))
            r.fail("totals overflow");
        acc.entries_.push_back(e);
        ticker.tick();
    }
    int64_t total_t = r.i64(), total_m = r.i64();
    if (total_t != tok || total_m != mer)
        r.fail("totals do not match the buckets");
    acc.total_tokens_ = tok;
    acc.total_merges_ = mer;
    acc.has_values_ = has_values == 1;
    acc.compacted_ = acc.entries_.size();
    return acc;
}

// ---------------------------------------------------------------------------------------------
// BucketAlignment

int64_t BucketAlignment::gcd(int64_t a, int64_t b) noexcept
{
    // Operands are index differences, far from INT64_MIN, so the negation is safe.
    a = a < 0 ? -a : a;
    b = b < 0 ? -b : b;
    while (b != 0) {
        const int64_t r = a % b;
        a = b;
        b = r;
    }
    return a;
}

bool BucketAlignment::merge(const BucketAlignment& other, int64_t width) noexcept
{
    if (!other.seen_)
        return true;
    if (!seen_) {
        *this = other;
        return true;
    }
    // other's extremes relative to this reference: exact while the union stays within the
    // allowance (< width / 2); beyond it the arc is refused whatever the representative.
    const int64_t d = wrap(other.ref_offset_ - ref_offset_, width);
    if (d + other.low_ < low_) {
        low_ = d + other.low_;
        low_seconds_ = other.low_seconds_;
    }
    if (d + other.high_ > high_) {
        high_ = d + other.high_;
        high_seconds_ = other.high_seconds_;
    }
    step_ = gcd(gcd(step_, other.step_), other.ref_index_ - ref_index_);
    return high_ - low_ <= allowance(width);
}

void BucketAlignment::to_fields(int64_t out[kFields]) const noexcept
{
    out[0] = seen_ ? 1 : 0;
    out[1] = ref_seconds_;
    out[2] = low_;
    out[3] = high_;
    out[4] = low_seconds_;
    out[5] = high_seconds_;
    out[6] = step_;
}

BucketAlignment BucketAlignment::from_fields(const int64_t in[kFields], int64_t width)
{
    auto fail = [](const char* what) {
        throw Error(ErrorKind::InvalidBinary, std::string("invalid burst state: bucket alignment ") + what);
    };
    if (!(width >= 1 && width <= kMaxAbsSeconds))
        fail("has no valid width");
    BucketAlignment a;
    if (in[0] == 0) {
        for (size_t i = 1; i < kFields; ++i)
            if (in[i] != 0)
                fail("is empty but has values");
        return a;
    }
    if (in[0] != 1)
        fail("has a bad flag");
    for (int i : {1, 4, 5})
        if (in[i] < -kMaxAbsSeconds || in[i] > kMaxAbsSeconds)
            fail("names a bucket out of range");
    const int64_t low = in[2], high = in[3];
    if (!(low <= 0 && high >= 0 && high - low <= allowance(width)))
        fail("has an arc beyond the allowance");
    if (in[6] < 0 || in[6] > 2 * kMaxAbsSeconds)
        fail("has a bad step");
    auto floor_mod = [width](int64_t v) { return ((v % width) + width) % width; };
    // Each extreme sits at its offset from the reference (all bounded, so no overflow).
    if (floor_mod(in[4] - in[1] - low) != 0 || floor_mod(in[5] - in[1] - high) != 0)
        fail("extremes do not match their offsets");
    a.seen_ = true;
    a.ref_seconds_ = in[1];
    a.ref_offset_ = floor_mod(in[1]);
    a.ref_index_ = (in[1] - a.ref_offset_) / width;
    a.low_ = low;
    a.high_ = high;
    a.low_seconds_ = in[4];
    a.high_seconds_ = in[5];
    a.step_ = in[6];
    return a;
}

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

namespace {

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

}  // namespace

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
            e[i] = hurdle_score(s.tokens[i], base.p[i], base.level[i], base.sigma[i], base.sigma_up[i], base.df[i]) - hurdle_mean(base.p[i]);
            var_exact[i] = hurdle_var(base.p[i]);
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
            // Sprint hypothesis: every token was spent at usual efficiency. Inflation hypothesis:
            // only the baseline part produced output.
            const double expected_all = rate * (tok + hor);
            const double expected_base = rate * (base_tok + hor);
            // Conditional on the total of merges in and out (the exact test for a ratio of Poisson
            // rates); the plain Poisson test when nothing lies outside the episodes. Given the token
            // series (which alone chose the windows) merges are independent Poisson at a rate
            // proportional to tokens under the null, so merge_p is super-uniform given scan_p:
            // the independence the truncated product needs. With no merges at all it is 1.
            // In effective units of value (value / c, see burst.hpp); whole counts with c = 1 (every
            // counted-only series) take the exact integer sum, the rest its continuous extension.
            double k_units = static_cast<double>(m_count), n_units = 0;
            int64_t k_int = m_count, n_int = saturating_add(m_count, out_merge_count);
            bool whole = true;
            if (s.valued) {
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
            const double combined_p =
                stage == 0 ? truncated_product_p(scan_p * merge_p, tau) : decided_p[episodes[g0].start];
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
            const bool explained = merge_p >= merge_alpha && extra_p <= merge_alpha;
            double f = 1.0;
            if (!explained) {
                f = expected_all > expected_base ? (m - expected_base) / (expected_all - expected_base) : 0.0;
                f = std::min(1.0, std::max(0.0, f));
            }
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
    if (res.episodes.empty())  // nothing reported: every token is ordinary use
        res.usual_merges_per_token =
            (s.valued ? s.total_value : static_cast<double>(acc.total_merged_changes)) / static_cast<double>(acc.total_tokens);
    res.inflation_share = std::min(1.0, std::max(0.0, res.inflated_tokens / static_cast<double>(res.total_tokens)));
    return res;
}

// ---------------------------------------------------------------------------------------------
// WindowScore

void WindowScore::add(int64_t tokens)
{
    if (tokens < 0)
        throw Error(ErrorKind::OutOfRange, "burst_score: tokens must be >= 0, got " + std::to_string(tokens));
    if (size() >= kMaxBuckets)
        throw Error(ErrorKind::LimitExceeded,
                    "burst_score: a window frame holds at most " + std::to_string(kMaxBuckets) + " rows");
    if (tokens == 0)
        ++zeros_;
    else
        active_.insert(tokens);
    has_current_ = true;
    current_ = tokens;
}

void WindowScore::remove(int64_t tokens)
{
    bool ok = tokens == 0 ? zeros_ > 0 : tokens > 0 && active_.erase(tokens);
    if (!ok)
        throw Error(ErrorKind::Internal, "burst_score: inverse transition for a value not in the frame");
    if (tokens == 0)
        --zeros_;
}

namespace {
// k-th smallest (0-based) of the union of two non-decreasing sequences given by accessors, by
// binary search on how many come from the first: O(log n) accesses.
template <class FA, class FB>
double kth_of_union(FA a, uint64_t na, FB b, uint64_t nb, uint64_t k)
{
    uint64_t t = k + 1;  // take the t smallest
    uint64_t lo = t > nb ? t - nb : 0, hi = std::min(t, na);
    while (lo < hi) {
        uint64_t i = lo + (hi - lo) / 2;  // i < na, and t - i >= 1
        if (a(i) < b(t - i - 1))
            lo = i + 1;
        else
            hi = i;
    }
    double best = -std::numeric_limits<double>::infinity();
    if (lo > 0)
        best = std::max(best, a(lo - 1));
    if (t - lo > 0)
        best = std::max(best, b(t - lo - 1));
    return best;
}
}  // namespace

double WindowScore::score() const
{
    if (!has_current_)
        return 0.0;
    const bool cur_active = current_ > 0;
    if (cur_active ? active_.count(current_) == 0 : zeros_ == 0)
        return 0.0;  // the current row was removed: nothing to score
    const uint64_t rest = size() - 1;
    if (rest == 0)
        return 0.0;
    const uint64_t rest_active = active_.size() - (cur_active ? 1 : 0);
    const double p = (static_cast<double>(rest_active) + 0.5) / (static_cast<double>(rest) + 1.0);
    if (!cur_active)
        return clamp_score(math::normal_quantile(0.5 * (1.0 - p)));

    double lz = 0.0;  // no active value to compare with: level uninformative, Phi(lz) = 1/2
    if (rest_active > 0) {
        // The rest is the active multiset minus one copy of current_, which sits at rank r.
        const uint64_t r = active_.count_less(current_);
        auto rest_log = [&](uint64_t i) { return std::log(static_cast<double>(active_.kth(i < r ? i : i + 1))); };
        const uint64_t m = rest_active, h = m / 2;
        const double med = m % 2 == 1 ? rest_log(h) : 0.5 * (rest_log(h - 1) + rest_log(h));
        // Distances below the median (increasing away from it) and above it; MAD is the median
        // of their union.
        auto below = [&](uint64_t i) { return med - rest_log(h - 1 - i); };
        auto above = [&](uint64_t j) { return rest_log(h + j) - med; };
        double mad = m % 2 == 1 ? kth_of_union(below, h, above, m - h, m / 2)
                                : 0.5 * (kth_of_union(below, h, above, m - h, m / 2 - 1) +
                                         kth_of_union(below, h, above, m - h, m / 2));
        const double sigma = shrunk_sigma(kMadScale * mad, static_cast<double>(m));
        lz = (std::log(static_cast<double>(current_)) - med) / sigma;
    }
    double upper = p * math::normal_upper_tail(lz);
    if (!(upper > 1e-300))
        return kScoreCap;
    return clamp_score(-math::normal_quantile(upper));
}

std::vector<uint8_t> WindowScore::serialize() const
{
    std::vector<uint8_t> out;
    out.reserve(2 + 1 + 8 + 8 + 8 + 16 * active_.distinct());
    put_u8(out, kFormatVersion);
    put_u8(out, 'W');
    put_u8(out, has_current_ ? 1 : 0);
    put_i64(out, has_current_ ? current_ : 0);
    put_u64(out, zeros_);
    put_u64(out, active_.distinct());
    active_.for_each([&](int64_t v, uint64_t c) {
        put_i64(out, v);
        put_u64(out, c);
    });
    return out;
}

WindowScore WindowScore::deserialize(const uint8_t* data, size_t size)
{
    Reader r(data, size, "burst_score state");
    r.header('W', kFormatVersion);
    uint8_t has = r.u8();
    if (has > 1)
        r.fail("bad current-row flag");
    int64_t cur = r.i64();
    if (cur < 0 || (has == 0 && cur != 0))
        r.fail("bad current value");
    uint64_t zeros = r.u64();
    uint64_t n = r.u64();
    if (zeros > kMaxBuckets || n > kMaxBuckets)
        throw Error(ErrorKind::LimitExceeded, "burst_score state: more than " + std::to_string(kMaxBuckets) + " rows");
    if (r.remaining() != 16 * n)
        r.fail("length does not match the value count");
    WindowScore ws;
    ws.zeros_ = zeros;
    uint64_t total = zeros;
    int64_t prev = 0;
    InterruptTicker ticker;
    for (uint64_t i = 0; i < n; ++i) {
        int64_t v = r.i64();
        uint64_t c = r.u64();
        if (v <= prev)
            r.fail("values are not positive and strictly ascending");
        if (c == 0)
            r.fail("zero multiplicity");
        if (c > kMaxBuckets - total)
            throw Error(ErrorKind::LimitExceeded,
                        "burst_score state: more than " + std::to_string(kMaxBuckets) + " rows");
        total += c;
        prev = v;
        for (uint64_t j = 0; j < c; ++j) {
            ws.active_.insert(v);
            ticker.tick();
        }
    }
    ws.has_current_ = has == 1;
    ws.current_ = cur;
    return ws;
}

}  // namespace uv::burst
