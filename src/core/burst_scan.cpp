// Burst analysis, the multi-scale scan: window scales, the null variance of window sums under the
// day-effect model, and the search for significant non-overlapping excursions.
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

}  // namespace uv::burst::detail
