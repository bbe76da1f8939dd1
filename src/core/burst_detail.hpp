// Internals of the burst-inflation analysis shared by its files (burst_accumulator, burst_baseline,
// burst_scan, burst_decision, burst_window): the accumulator's byte codec helpers, the robust
// statistics and hurdle model, the dense series, the baseline, the scan. Not a public interface:
// only the core's burst_*.cpp include it. The method is in docs/burst-method.md.
#pragma once

#include "burst.hpp"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

namespace uv::burst::detail {

// ---------------------------------------------------------------------------------------------
// Little-endian byte encoding with bounds-checked reads.

inline void put_u8(std::vector<uint8_t>& out, uint8_t v) { out.push_back(v); }
inline void put_u64(std::vector<uint8_t>& out, uint64_t v)
{
    for (int i = 0; i < 8; ++i)
        out.push_back(static_cast<uint8_t>(v >> (8 * i)));
}
inline void put_i64(std::vector<uint8_t>& out, int64_t v) { put_u64(out, static_cast<uint64_t>(v)); }
inline void put_f64(std::vector<uint8_t>& out, double v)
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

inline bool add_overflows(int64_t a, int64_t b, int64_t* out) { return __builtin_add_overflow(a, b, out); }

inline int64_t ceil_div(int64_t a, int64_t b) { return a / b + (a % b != 0 ? 1 : 0); }
// Rounds towards minus infinity (bucket indices before 1970 are negative); b > 0.
inline int64_t floor_div(int64_t a, int64_t b) { return a / b - (a % b != 0 && a < 0 ? 1 : 0); }

// ---------------------------------------------------------------------------------------------
// Robust statistics and the hurdle model (burst_baseline.cpp).

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

inline double clamp_score(double z)
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

double median_inplace(std::vector<double>& v);
double winsorised_rms(std::vector<double>& v, bool upper_only, size_t min_used);
double robust_sigma(std::vector<double>& v);
double robust_upper_sigma(std::vector<double>& v);
double median_without(const std::vector<double>& x, size_t skip);
double shrunk_level(const std::vector<double>& x, size_t a, size_t skip, double prior);
double shrunk_sigma(double mad_sigma, double active);
double t_to_normal(double t, double df);
double hurdle_score(int64_t tokens, double p, double level, double sigma, double sigma_up, double df);
double hurdle_mean(double p);
// The slot's hurdle model mixed with the window-wide one, weight w on the latter: the slot's
// distribution predicted from its own buckets plus kShrink pseudo-buckets of the developer's
// ordinary use anywhere. Returns the score and, in *p_mix, the mixture's activity rate (for
// hurdle_mean and hurdle_var).
double hurdle_score_mixed(int64_t tokens, double p, double level, double sigma, double sigma_up, double df, double w,
                          double pool_p, double pool_level, double pool_sigma, double* p_mix);
double hurdle_var(double p);

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

Series densify(const BucketsView& acc, const BurstParams& params);

// ---------------------------------------------------------------------------------------------
// Baseline: per bucket, activity rate p, level of ln(tokens) when active, and log-scale sigma.

struct Baseline {
    std::vector<double> p, level, sigma;
    // The window-wide hurdle model each bucket's slot is mixed with (hurdle_score_mixed), with the
    // weight of one pseudo-bucket, 1 / (slot buckets + 1): per block of buckets sharing a window,
    // its activity rate, level and scale, and the buckets of each slot.
    struct Pool {
        double p, level, sigma;
    };
    size_t block = 1;
    std::vector<Pool> pool;             // per block
    std::vector<double> pool_slot_n;    // per block and slot: block * n_slots + slot
    size_t n_slots = 1;
    const Pool& pool_of(size_t i) const { return pool[i / block]; }
    double pool_weight(size_t i, size_t slot) const { return 1.0 / (pool_slot_n[(i / block) * n_slots + slot] + 1.0); }
    std::vector<double> sigma_up;  // scale above the level (two-piece normal), >= sigma
    std::vector<double> df;    // Student-t degrees of freedom of the log-scale
    std::vector<double> mean;  // expected tokens of the bucket
};

Baseline estimate_baseline(const Series& s, const std::vector<uint8_t>& excluded, size_t window, bool two_piece);
double expected_tokens(const Baseline& b, size_t i);

// ---------------------------------------------------------------------------------------------
// Multi-scale scan.

struct Window {
    size_t start, end;  // inclusive
    double p_value;
};

std::vector<size_t> scan_scales(size_t n, size_t max_len);
double trimmed_chi2_ratio(std::vector<double>& x);

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

std::vector<Window> scan(const std::vector<double>& e, const WindowVariance& wvar, const std::vector<uint8_t>& excluded,
                         size_t max_len, double alpha, size_t corr_len);

// ---------------------------------------------------------------------------------------------
// Helpers of the decision (burst_decision.cpp).

double steady_excess(const Series& s, const Baseline& base, size_t a, size_t b);
int64_t saturating_add(int64_t a, int64_t b);
double poisson_lower_tail(double k, double lambda);
double binomial_lower_tail(int64_t k, int64_t n, double pi);
double binomial_lower_tail_real(double k, double n, double pi);
double binomial_upper_tail_real(double k, double n, double pi);
// An excursion is charged only when its output shortfall has p <= kShortfallGate (see
// output_test in burst_decision.cpp). Measured in test/simulation (30 seeds, with the slot
// mixture): without it 2% of ordinary developers were charged something and honest sprinters 1-3
// in 10; at 0.3, 1.0% and 0-1 in 10, while the drips of the unit tests kept their rates (14d x1.5
// 161/200, 10d x2 169/200; at 0.1 they fell to 132 and 154: a light developer's drip with two or
// three merges expected cannot be told from a sprint).
constexpr double kShortfallGate = 0.3;

// The developer's lag from tokens to merged value in days (0 when it does not stand out), from
// day totals.
int64_t measured_lag_days(const std::vector<double>& tokens, const std::vector<double>& value);
// The combined (truncated-product) decision: scan level tau, cut k and the combined p-value.
double scan_level(double alpha, double merge_alpha);
double truncated_product_cut(double alpha, double tau);
double truncated_product_p(double x, double tau);

}  // namespace uv::burst::detail
