// burst_score's sliding-window robust surprise (WindowScore) and its serial form.
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

using namespace detail;

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

}  // namespace uv::burst
