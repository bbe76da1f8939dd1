// Burst-inflation detection. The method is summarised in burst.hpp; here are the why's.
#include "burst.hpp"

#include "math.hpp"

#include <algorithm>
#include <cmath>
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

// Pseudo-observations of the pooled scale in a slot's own scale.
constexpr double kSlotShrink = 4.0;

// 1.4826 * MAD of v (reorders v); 0 for an empty v.
double mad_sigma(std::vector<double>& v)
{
    if (v.empty())
        return 0.0;
    double c = median_inplace(v);
    for (double& x : v)
        x = std::fabs(x - c);
    return kMadScale * median_inplace(v);
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
double hurdle_score(int64_t tokens, double p, double level, double sigma)
{
    double q = 1.0 - p;
    if (tokens == 0)
        return clamp_score(math::normal_quantile(0.5 * q));
    double lz = (std::log(static_cast<double>(tokens)) - level) / sigma;
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

// ---------------------------------------------------------------------------------------------
// The dense series and its seasonal slots.

constexpr int64_t kDay = 86400;
constexpr int64_t kWeek = 7 * kDay;

struct Series {
    int64_t first_bucket = 0;
    size_t n = 0;
    std::vector<int64_t> tokens;
    std::vector<int64_t> merges;
    std::vector<uint16_t> slot;
    size_t n_slots = 1;
    size_t week_buckets = 1;  // buckets per seasonal period (1 when not seasonal)
};

Series densify(const BurstAccumulator& acc, const BurstParams& params)
{
    const auto& b = acc.buckets();
    Series s;
    s.first_bucket = b.front().bucket;
    // Span check without overflow: buckets are int64, the difference may not fit.
    uint64_t span = static_cast<uint64_t>(b.back().bucket) - static_cast<uint64_t>(b.front().bucket) + 1;
    if (span > kMaxBuckets || span == 0)
        throw Error(ErrorKind::LimitExceeded,
                    "burst: the span of buckets (max - min + 1) is " + std::to_string(span) +
                        ", more than the limit of " + std::to_string(kMaxBuckets));
    s.n = static_cast<size_t>(span);
    s.tokens.assign(s.n, 0);
    s.merges.assign(s.n, 0);
    InterruptTicker ticker;
    for (const auto& e : b) {
        size_t i = static_cast<size_t>(static_cast<uint64_t>(e.bucket) - static_cast<uint64_t>(s.first_bucket));
        s.tokens[i] = e.tokens;
        s.merges[i] = e.merged_changes;
        ticker.tick();
    }

    // Seasonal slots: hour of week (or the bucket's slot of week when buckets are wider than an
    // hour) when the bucket width divides a day, so that every week has the same slots. Slot 0 is
    // Monday 00:00 UTC; 1970-01-01 was a Thursday, hence the three-day shift.
    s.slot.assign(s.n, 0);
    int64_t w = params.bucket_seconds;
    if (params.seasonal && w <= kDay && kDay % w == 0) {
        int64_t slot_len = std::max<int64_t>(w, 3600);
        int64_t per_week = kWeek / w;
        s.n_slots = static_cast<size_t>(kWeek / slot_len);
        s.week_buckets = static_cast<size_t>(per_week);
        int64_t pos = ((s.first_bucket % per_week) + per_week) % per_week;
        for (size_t i = 0; i < s.n; ++i) {
            int64_t secs = (pos * w + 3 * kDay) % kWeek;
            s.slot[i] = static_cast<uint16_t>(secs / slot_len);
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
};

Baseline estimate_baseline(const Series& s, const std::vector<uint8_t>& excluded, size_t window)
{
    const size_t n = s.n;
    Baseline b;
    b.p.resize(n);
    b.level.resize(n);
    b.sigma.resize(n);

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
        all_logs.clear();
        double used = 0;
        for (size_t i = ws; i < we; ++i) {
            ticker.tick();
            if (excluded[i])
                continue;
            used += 1;
            slot_n[s.slot[i]] += 1;
            if (s.tokens[i] > 0) {
                double l = std::log(static_cast<double>(s.tokens[i]));
                slot_logs[s.slot[i]].push_back(l);
                all_logs.push_back(l);
            }
        }
        const double active = static_cast<double>(all_logs.size());
        double p_all = used > 0 ? (active + 0.5) / (used + 1.0) : global_p;
        double level_all = active > 0 ? median_inplace(all_logs) : global_level;

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
            slot_first[k] = resid.size();
            for (size_t i = 0; i < a; ++i)
                resid.push_back(logs[i] - shrunk_level(logs, a, i, level_all));
        }
        slot_first[s.n_slots] = resid.size();
        // Pooled scale: MAD of all leave-one-out residuals. Per slot: its own MAD (from three
        // active buckets on) shrunk towards the pooled one with kSlotShrink pseudo-observations,
        // so a nightly job with a steady size does not make a human's hours look calm, nor the
        // reverse.
        scratch.assign(resid.begin(), resid.end());
        const double pooled = shrunk_sigma(mad_sigma(scratch), active);
        for (size_t k = 0; k < s.n_slots; ++k) {
            size_t lo = slot_first[k], hi = slot_first[k + 1];
            double a = static_cast<double>(hi - lo);
            if (hi - lo < 3) {
                slot_sigma[k] = pooled;
                continue;
            }
            scratch.assign(resid.begin() + static_cast<std::ptrdiff_t>(lo), resid.begin() + static_cast<std::ptrdiff_t>(hi));
            double own = mad_sigma(scratch);
            slot_sigma[k] = std::sqrt((a * own * own + kSlotShrink * pooled * pooled) / (a + kSlotShrink));
        }
        for (size_t i = bs; i < be; ++i) {
            b.p[i] = slot_p[s.slot[i]];
            b.level[i] = slot_level[s.slot[i]];
            b.sigma[i] = slot_sigma[s.slot[i]];
        }
    }
    return b;
}

// Expected tokens of a bucket: p * E[tokens | active], the log-normal mean exp(level + sigma^2/2).
double expected_tokens(const Baseline& b, size_t i)
{
    return b.p[i] * std::exp(b.level[i] + 0.5 * b.sigma[i] * b.sigma[i]);
}

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

// Finds significant, non-overlapping excursions of the score series e.
std::vector<Window> scan(const std::vector<double>& e, const std::vector<uint8_t>& excluded, size_t max_len,
                         double alpha)
{
    const size_t n = e.size();
    std::vector<double> prefix(n + 1, 0.0);
    for (size_t i = 0; i < n; ++i)
        prefix[i + 1] = prefix[i] + e[i];
    const std::vector<size_t> scales = scan_scales(n, max_len);
    InterruptTicker ticker;

    // Variance inflation per scale, from the developer's own series: the mean square of sums
    // over disjoint windows (outside earlier episodes) divided by w. It absorbs correlation
    // between neighbouring buckets (busy days, sessions) and misfit of the baseline; floored at
    // 1 and non-decreasing in w (positive correlation only accumulates). Scales with fewer than
    // 16 disjoint windows inherit the last estimate.
    std::vector<double> vif(scales.size(), 1.0);
    double last = 1.0;
    for (size_t k = 0; k < scales.size(); ++k) {
        size_t w = scales[k];
        double ss = 0;
        size_t used = 0;
        for (size_t s = 0; s + w <= n; s += w) {
            bool clean = true;
            for (size_t i = s; i < s + w && clean; ++i)
                clean = !excluded[i];
            ticker.tick();
            if (!clean)
                continue;
            double sum = prefix[s + w] - prefix[s];
            ss += sum * sum;
            ++used;
        }
        if (used >= 16)
            last = std::max(last, ss / static_cast<double>(used) / static_cast<double>(w));
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
        double denom = std::sqrt(static_cast<double>(w) * vif[k]);
        for (size_t s = 0; s + w <= n; ++s) {
            ticker.tick();
            double z = (prefix[s + w] - prefix[s]) / denom;
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

// P(X <= k) for X ~ Poisson(lambda): the regularised upper incomplete gamma Q(k + 1, lambda).
double poisson_lower_tail(int64_t k, double lambda)
{
    if (!(lambda > 0))
        return 1.0;
    double v = math::gamma_q(static_cast<double>(k) + 1.0, lambda);
    if (std::isnan(v))
        return 1.0;
    return std::min(1.0, std::max(0.0, v));
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// BurstAccumulator

void BurstAccumulator::add(int64_t bucket, int64_t tokens, int64_t merged_changes)
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
    entries_.push_back({bucket, tokens, merged_changes});
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
    out.reserve(2 + 8 + 24 * b.size() + 16);
    put_u8(out, kFormatVersion);
    put_u8(out, 'A');
    put_u64(out, b.size());
    for (const auto& e : b) {
        put_i64(out, e.bucket);
        put_i64(out, e.tokens);
        put_i64(out, e.merged_changes);
    }
    put_i64(out, total_tokens_);
    put_i64(out, total_merges_);
    return out;
}

BurstAccumulator BurstAccumulator::deserialize(const uint8_t* data, size_t size)
{
    Reader r(data, size, "burst accumulator");
    uint8_t version = r.u8();
    if (version != kFormatVersion)
        r.fail("unsupported version " + std::to_string(version) + " (expected 1)");
    if (r.u8() != 'A')
        r.fail("not a burst accumulator (kind byte)");
    uint64_t n = r.u64();
    if (n > kMaxBuckets)
        throw Error(ErrorKind::LimitExceeded, "burst accumulator: " + std::to_string(n) + " buckets, more than the limit of " +
                                                  std::to_string(kMaxBuckets));
    // n <= 1e7, so 24 * n + 16 cannot overflow; check the exact length before allocating.
    if (r.remaining() != 24 * n + 16)
        r.fail("length does not match the bucket count");
    BurstAccumulator acc;
    acc.entries_.reserve(static_cast<size_t>(n));
    int64_t tok = 0, mer = 0;
    InterruptTicker ticker;
    for (uint64_t i = 0; i < n; ++i) {
        BucketTotals e{r.i64(), r.i64(), r.i64()};
        if (i > 0 && e.bucket <= acc.entries_.back().bucket)
            r.fail("buckets are not strictly ascending");
        if (e.tokens < 0 || e.merged_changes < 0)
            r.fail("negative count");
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
    acc.compacted_ = acc.entries_.size();
    return acc;
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

BurstResult analyze(const BurstAccumulator& acc, const BurstParams& params)
{
    validate(params);
    BurstResult res;
    res.total_tokens = acc.total_tokens();
    if (acc.empty() || acc.total_tokens() == 0)
        return res;  // nothing spent, nothing inflated

    const Series s = densify(acc, params);
    const size_t n = s.n;
    const size_t window = static_cast<size_t>(params.baseline_buckets);
    const size_t max_len = static_cast<size_t>(params.max_episode_buckets);

    // Two passes: the second estimates the baseline without the buckets of the first pass's
    // episodes, so a two-week drip does not raise its own baseline (iterative trimming).
    std::vector<uint8_t> excluded(n, 0);
    std::vector<Window> episodes;
    Baseline base;
    std::vector<double> e(n);
    InterruptTicker ticker;
    for (int pass = 0; pass < 2; ++pass) {
        base = estimate_baseline(s, excluded, window);
        for (size_t i = 0; i < n; ++i) {
            ticker.tick();
            e[i] = hurdle_score(s.tokens[i], base.p[i], base.level[i], base.sigma[i]) - hurdle_mean(base.p[i]);
        }
        episodes = scan(e, excluded, max_len, params.alpha);
        if (episodes.empty())
            break;
        if (pass == 0) {
            for (const auto& w : episodes)
                std::fill(excluded.begin() + static_cast<std::ptrdiff_t>(w.start),
                          excluded.begin() + static_cast<std::ptrdiff_t>(w.end) + 1, 1);
        }
    }
    if (episodes.empty())
        return res;

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
    double out_tokens = 0, out_merges = 0;
    for (size_t i = 0; i < n; ++i) {
        if (!in_attr[i]) {
            out_tokens += static_cast<double>(s.tokens[i]);
            out_merges += static_cast<double>(s.merges[i]);
        }
    }
    double rate = out_tokens > 0 ? out_merges / out_tokens
                                 : static_cast<double>(acc.total_merged_changes()) / static_cast<double>(acc.total_tokens());
    res.usual_merges_per_token = rate;

    for (size_t k = 0; k < episodes.size(); ++k) {
        const Window& w = episodes[k];
        Episode ep{};
        ep.start_bucket = s.first_bucket + static_cast<int64_t>(w.start);
        ep.end_bucket = s.first_bucket + static_cast<int64_t>(w.end);
        double base_tok = 0;
        int64_t tok = 0;
        for (size_t i = w.start; i <= w.end; ++i) {
            tok += s.tokens[i];
            base_tok += expected_tokens(base, i);
        }
        double horizon_tok = 0;
        int64_t merges = 0;
        for (size_t i = w.start; i <= attr_end[k]; ++i)
            merges += s.merges[i];
        for (size_t i = w.end + 1; i <= attr_end[k]; ++i)
            horizon_tok += static_cast<double>(s.tokens[i]);

        ep.tokens = tok;
        ep.baseline_tokens = base_tok;
        ep.merged_changes = merges;
        ep.excess_tokens = std::max(0.0, static_cast<double>(tok) - base_tok);
        ep.p_value = w.p_value;
        // Sprint hypothesis: every token of the episode and horizon was spent at usual efficiency.
        double expected_all = rate * (static_cast<double>(tok) + horizon_tok);
        // Inflation hypothesis: only the baseline part produced output.
        double expected_base = rate * (std::min(base_tok, static_cast<double>(tok)) + horizon_tok);
        ep.expected_merged_changes = expected_all;
        ep.merge_p_value = poisson_lower_tail(merges, expected_all);
        double m = static_cast<double>(merges);
        bool explained = ep.merge_p_value >= params.merge_alpha && m > expected_base;
        if (explained) {
            ep.inflated_tokens = 0.0;
        } else {
            // Only the part of the excess that the extra merges do not pay for is inflation.
            double f = expected_all > expected_base ? (m - expected_base) / (expected_all - expected_base) : 0.0;
            f = std::min(1.0, std::max(0.0, f));
            ep.inflated_tokens = ep.excess_tokens * (1.0 - f);
        }
        res.inflated_tokens += ep.inflated_tokens;
        res.episodes.push_back(ep);
    }
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
    uint8_t version = r.u8();
    if (version != kFormatVersion)
        r.fail("unsupported version " + std::to_string(version) + " (expected 1)");
    if (r.u8() != 'W')
        r.fail("not a burst_score state (kind byte)");
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
