// The simulated suite of issue 14, "slow burns, level shifts and honest crunches": developers
// who burn tokens for nothing, in many shapes, against honest developers whose use changes for
// good reasons, and an ordinary cohort. Each is analysed by the burst scan and the drift analysis
// (evaluate(), the one place that says what "flagged" and "charged" mean); the table says how
// often each scenario is flagged and how much of the waste is charged, and the exit code says
// whether every asserted target is met. test/simulation/README.md has the world and the targets.
//
// The world (kept in one place here, stated again in the README):
//   * a cohort of 151 developers, 16 weeks (112 days) of hourly buckets from Monday 2024-01-01;
//   * a developer: a time zone (-8..+9 h), P(active) by local hour (09-18: U(0.5, 0.9), 18-23:
//     U(0.05, 0.25), otherwise U(0, 0.04)), weekends scaled by U(0, 0.4), a level (median tokens of
//     an active hour) log-uniform on [2e3, 4e4]; an active hour spends
//     level * exp(day effect + 0.7 N(0,1)), the day effect N(0, 0.35^2) per local day; one in four
//     also runs a nightly job, level * U(0.5, 3) * exp(0.2 N(0,1)) at one UTC hour (local 01-05);
//   * changes: every hour, Poisson(r * productive tokens), each landing uniformly 0-48 hours
//     later (dropped past the 16 weeks); r = cohort_r * exp(0.3 N(0,1)), cohort_r such that the
//     typical developer merges 1.5 changes per working day; a change is worth 1 (counted);
//   * burned tokens are unproductive: tokens and no changes. Waste = the tokens burned.
// A scenario's developer is drawn like the cohort (whose P(active) in working hours is already
// >= 0.5, so it works most weekdays), a fresh one per seed. Every developer's random numbers come
// from (scenario, seed, developer) alone, so the results are the same however the work is split
// between threads.
#include "burst.hpp"
#include "burst_drift.hpp"

#include <boost/math/distributions/binomial.hpp>
#include <boost/math/distributions/poisson.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace {

using namespace uv::burst;

constexpr int kCohort = 151;
constexpr int kDays = 112;
constexpr int kHours = kDays * 24;
constexpr int64_t kFirstDay = 19723;  // 2024-01-01, a Monday, in days since 1970-01-01
constexpr int64_t kBucketSeconds = 3600;

constexpr double kMinLevel = 2e3, kMaxLevel = 4e4;
constexpr double kDaySd = 0.35, kHourSd = 0.7, kJobSd = 0.2, kEfficiencySd = 0.3;
constexpr double kJobShare = 0.25;
// The targets: a burn flagged at least 8 times in 10, an honest developer at most 1 in 10.
constexpr double kBurnFlagShare = 0.8, kHonestFlagShare = 0.1;
double kChangesPerWorkingDay = std::getenv("UV_SIM_CHANGES") ? std::atof(std::getenv("UV_SIM_CHANGES")) : 1.5;

// ---------------------------------------------------------------------------------------------
// Random numbers: SplitMix64 and our own samplers, so a seed means the same developer on every
// platform and standard library.

uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
}

struct Rng {
    uint64_t s;
    // Each coordinate is scrambled before the next one joins, so neighbouring seeds and
    // developers get unrelated streams (not one stream shifted by a draw).
    Rng(uint64_t scenario, uint64_t seed, uint64_t developer)
        : s(mix64(mix64(mix64(scenario + 0x5DEECE66DULL) ^ seed) ^ (developer * 0x9E3779B97F4A7C15ULL)))
    {
    }
    uint64_t next() { return mix64(s += 0x9E3779B97F4A7C15ULL); }
    double uniform() { return (static_cast<double>(next() >> 11) + 0.5) * (1.0 / 9007199254740992.0); }
    double uniform(double a, double b) { return a + (b - a) * uniform(); }
    int integer(int lo, int hi) { return lo + static_cast<int>(uniform() * (hi - lo + 1)); }  // [lo, hi]
    double normal()
    {
        const double u1 = uniform(), u2 = uniform();
        return std::sqrt(-2.0 * std::log(u1)) * std::cos(6.283185307179586 * u2);
    }
    bool bernoulli(double p) { return uniform() < p; }
    int64_t poisson(double mean)
    {
        if (mean <= 0)
            return 0;
        if (mean > 30)  // normal approximation; only sprint hours come near it
            return std::max<int64_t>(0, std::llround(mean + std::sqrt(mean) * normal()));
        const double limit = std::exp(-mean);
        double p = 1.0;
        int64_t k = -1;
        do {
            ++k;
            p *= uniform();
        } while (p > limit);
        return k;
    }
};

int floor_mod(int a, int m) { return ((a % m) + m) % m; }
int floor_div(int a, int m) { return (a - floor_mod(a, m)) / m; }

// ---------------------------------------------------------------------------------------------
// Developers and their 16 weeks.

struct Developer {
    int tz = 0;  // local hour = UTC hour + tz
    double p_work = 0, p_evening = 0, p_night = 0, weekend = 0;
    double level = 0;  // median tokens of an active hour
    double changes_per_token = 0;
    bool job = false;
    int job_hour = 0;  // UTC
    double job_tokens = 0;
};

// Changes per productive token that give the typical developer (median level, mid-range activity,
// no job) 1.5 changes per working day: a week's tokens, weekend included, over its five days.
double cohort_changes_per_token()
{
    const double level = std::sqrt(kMinLevel * kMaxLevel);
    const double active_hour = level * std::exp(0.5 * (kDaySd * kDaySd + kHourSd * kHourSd));
    const double weekday_hours = 9 * 0.7 + 5 * 0.15 + 10 * 0.02;
    const double week_tokens = active_hour * weekday_hours * (5 + 2 * 0.2);
    return kChangesPerWorkingDay / (week_tokens / 5);
}

Developer draw_developer(Rng& rng)
{
    Developer d;
    d.tz = rng.integer(-8, 9);
    d.p_work = rng.uniform(0.5, 0.9);
    d.p_evening = rng.uniform(0.05, 0.25);
    d.p_night = rng.uniform(0.0, 0.04);
    d.weekend = rng.uniform(0.0, 0.4);
    d.level = std::exp(rng.uniform(std::log(kMinLevel), std::log(kMaxLevel)));
    d.changes_per_token = cohort_changes_per_token() * std::exp(kEfficiencySd * rng.normal());
    d.job = rng.bernoulli(kJobShare);
    d.job_hour = floor_mod(rng.integer(1, 5) - d.tz, 24);
    d.job_tokens = d.level * rng.uniform(0.5, 3.0);
    return d;
}

// How the changes of an hour's productive tokens land.
enum class Landing : uint8_t {
    Usual,    // uniformly 0-48 hours later
    Late,     // uniformly 4-6 days later (a crunch's review backlog)
    Quick,    // exponential lag, median 8 hours (a sprint)
    Release,  // at the next release train after the usual lag
};

struct Life {
    Developer dev;
    int tz_move_hour = kHours;  // from this hour on the developer lives 8 hours further east
    std::vector<double> day_effect;  // by local day + 1 (local days run from -1 to kDays)
    std::vector<double> human, job;  // productive tokens, by hour
    std::vector<double> burned;      // unproductive tokens (waste in a burning scenario)
    std::vector<double> unpaid;      // other tokens without proportional changes (on-call nights)
    std::vector<Landing> landing;
    std::vector<int> release_hours;  // ascending hours of the release trains
    std::vector<int64_t> direct_changes;  // changes placed by hand (hotfixes), by hour
    std::vector<ExcusedSpan> excused;

    int offset(int h) const { return h >= tz_move_hour ? dev.tz + 8 : dev.tz; }
    int local_day(int h) const { return floor_div(h + offset(h), 24); }
    int local_hour(int h) const { return floor_mod(h + offset(h), 24); }
    double day_effect_at(int h) const { return day_effect[static_cast<size_t>(local_day(h) + 1)]; }
    bool weekend(int h) const { return floor_mod(local_day(h), 7) >= 5; }
    // First hour (UTC index) of a local day.
    int day_start(int local_day) const { return local_day * 24 - dev.tz; }
    double ordinary_total() const
    {
        double t = 0;
        for (int h = 0; h < kHours; ++h)
            t += human[h] + job[h];
        return t;
    }
};

// The developer's ordinary 16 weeks: who they are and what they would do with no scenario.
Life live(const Developer& dev, Rng& rng, int tz_move_hour = kHours)
{
    Life l;
    l.dev = dev;
    l.tz_move_hour = tz_move_hour;
    l.day_effect.resize(kDays + 3);
    for (double& e : l.day_effect)
        e = kDaySd * rng.normal();
    l.human.assign(kHours, 0.0);
    l.job.assign(kHours, 0.0);
    l.burned.assign(kHours, 0.0);
    l.unpaid.assign(kHours, 0.0);
    l.landing.assign(kHours, Landing::Usual);
    l.direct_changes.assign(kHours, 0);
    for (int h = 0; h < kHours; ++h) {
        const int lh = l.local_hour(h);
        double p = lh >= 9 && lh < 18 ? dev.p_work : lh >= 18 && lh < 23 ? dev.p_evening : dev.p_night;
        if (l.weekend(h))
            p *= dev.weekend;
        if (rng.bernoulli(p))
            l.human[h] = dev.level * std::exp(l.day_effect_at(h) + kHourSd * rng.normal());
        if (dev.job && floor_mod(h, 24) == dev.job_hour)
            l.job[h] = dev.job_tokens * std::exp(kJobSd * rng.normal());
    }
    return l;
}

// What the database would hold for the developer: one row per hour with tokens or merged
// changes, from `first_hour` on (a newcomer has no earlier rows).
struct Record {
    BurstAccumulator acc;
    int64_t changes = 0;
    double waste = 0;
};

Record realise(const Life& l, Rng& rng, int first_hour = 0)
{
    std::vector<int64_t> changes(l.direct_changes);
    const double quick_mean = 8.0 / std::log(2.0);
    for (int h = first_hour; h < kHours; ++h) {
        const int64_t n = rng.poisson(l.dev.changes_per_token * (l.human[h] + l.job[h]));
        for (int64_t c = 0; c < n; ++c) {
            int at = h;
            switch (l.landing[h]) {
            case Landing::Usual:
                at += static_cast<int>(rng.uniform() * 48);
                break;
            case Landing::Late:
                at += static_cast<int>(rng.uniform(96, 144));
                break;
            case Landing::Quick:
                at += static_cast<int>(-std::log(rng.uniform()) * quick_mean);
                break;
            case Landing::Release: {
                at += static_cast<int>(rng.uniform() * 48);
                auto next = std::lower_bound(l.release_hours.begin(), l.release_hours.end(), at);
                at = next == l.release_hours.end() ? kHours : *next;
                break;
            }
            }
            if (at < kHours)
                ++changes[static_cast<size_t>(at)];
        }
    }
    Record r;
    for (int h = first_hour; h < kHours; ++h) {
        const int64_t tokens = std::llround(l.human[h] + l.job[h] + l.burned[h] + l.unpaid[h]);
        if (tokens > 0 || changes[h] > 0)
            r.acc.add((kFirstDay * 24) + h, tokens, changes[h]);
        r.changes += changes[h];
        r.waste += l.burned[h];
    }
    return r;
}

// ---------------------------------------------------------------------------------------------
// The bounds no method can pass (Neyman-Pearson). Tokens alone cannot tell a burn from its honest
// twin - the same tokens, all of them productive (a busy month, a role change) - so only the
// changes can, and a method that flags the twin at most alpha of the time (the honest targets
// allow 1 in 10) flags the burner at most as often as the most powerful test of the two. The
// oracles are told which local days were burned and count exactly the changes those days'
// productive tokens made (no landing lag); `known` is also told the developer's true changes per
// token (Poisson(mu0) for the burner against Poisson(mu1) for the twin), `own` must learn it from
// the developer's other days, past and future (given the total n, the burned days' share of the
// changes is Binomial(n, p0) for the burner, Binomial(n, p1) for the twin). Both are the
// randomised lower-tail tests at size alpha.
struct Oracle {
    double known = 0, own = 0;
};

// Power of the randomised test that rejects for small counts, at size alpha: from the null's
// cdf, pmf and lower alpha-quantile and the alternative's cdf and pmf.
template <typename Null, typename Alt>
double lower_tail_power(const Null& null, const Alt& alt, double alpha)
{
    // Largest c with P_null(N <= c) <= alpha (c = -1: none), then randomise on N = c + 1.
    double c = std::floor(boost::math::quantile(null, alpha)) + 1;
    while (c >= 0 && boost::math::cdf(null, c) > alpha)
        c -= 1;
    const double at_c = c >= 0 ? boost::math::cdf(null, c) : 0.0;
    const double gamma = std::clamp((alpha - at_c) / boost::math::pdf(null, c + 1), 0.0, 1.0);
    return (c >= 0 ? boost::math::cdf(alt, c) : 0.0) + gamma * boost::math::pdf(alt, c + 1);
}

Oracle oracle_power(const Life& l, int first_hour, double alpha)
{
    using boost::math::binomial_distribution;
    using boost::math::poisson_distribution;
    std::vector<double> productive(kDays + 2, 0.0), burned(kDays + 2, 0.0);
    for (int h = first_hour; h < kHours; ++h) {
        const size_t d = static_cast<size_t>(std::clamp(l.local_day(h) + 1, 0, kDays + 1));
        productive[d] += l.human[h] + l.job[h];
        burned[d] += l.burned[h];
    }
    const double r = l.dev.changes_per_token;
    double in = 0, waste = 0, out = 0;  // productive tokens on burned days, burned, elsewhere
    for (size_t d = 0; d < burned.size(); ++d)
        (burned[d] > 0 ? in : out) += productive[d];
    for (double b : burned)
        waste += b;
    Oracle o;
    if (!(waste > 0) || !(in > 0))
        return o;
    o.known = lower_tail_power(poisson_distribution<double>(r * (in + waste)), poisson_distribution<double>(r * in), alpha);
    // The total n is Poisson(r (in + out)) for the burner; the test is conditional on it.
    const double p0 = in / (in + out), p1 = (in + waste) / (in + waste + out), mean = r * (in + out);
    const poisson_distribution<double> total(mean);
    const double spread = 8 * std::sqrt(mean) + 8;
    for (double n = std::max(0.0, std::floor(mean - spread)); n <= mean + spread; n += 1)
        if (n > 0)
            o.own += boost::math::pdf(total, n) *
                     lower_tail_power(binomial_distribution<double>(n, p1), binomial_distribution<double>(n, p0), alpha);
    return o;
}

// ---------------------------------------------------------------------------------------------
// Evaluation: the one place that turns the analyses into "flagged" and "charged", so a new
// detector is added here and nowhere else.

struct Findings {
    bool burst_flagged = false, drift_flagged = false;
    double burst_charged = 0, drift_charged = 0;  // tokens charged as inflation (excused ones not)
    std::vector<Episode> episodes;          // what --verbose shows
    std::vector<DriftFinding> drift_findings;
    bool flagged() const { return burst_flagged || drift_flagged; }
    // The two analyses may charge different tokens: the larger is a lower bound on their union.
    double charged() const { return std::max(burst_charged, drift_charged); }
};

Findings evaluate(const BurstAccumulator& acc, const std::vector<ExcusedSpan>& excused, const CohortEfficiency& cohort)
{
    const auto& b = acc.buckets();
    const BucketsView view{b.data(), b.size(), acc.has_values(), acc.total_tokens(), acc.total_merged_changes()};
    Findings f;
    BurstParams p = default_params(kBucketSeconds);
    p.excused = excused;
    const BurstResult burst = analyze(view, p);
    f.burst_charged = burst.inflated_tokens;
    for (const Episode& e : burst.episodes)
        f.burst_flagged = f.burst_flagged || e.inflated_tokens > 0;
    f.episodes = burst.episodes;
    const DriftResult drift = analyze_drift(view, kBucketSeconds, DriftParams{}, cohort, excused);
    f.drift_charged = drift.inflated_tokens;
    for (const DriftFinding& d : drift.findings)
        f.drift_flagged = f.drift_flagged || d.inflated_tokens > 0;
    f.drift_findings = drift.findings;
    return f;
}

// ---------------------------------------------------------------------------------------------
// Scenarios.

enum class Kind { Burning, Honest, Ordinary };

struct Scenario {
    int number;
    const char* name;
    const char* description;
    Kind kind;
    bool asserted;
    // Turns an ordinary life into the scenario (its random choices from the same stream); returns
    // the first hour of the record (0 but for the newcomer).
    std::function<int(Life&, Rng&)> shape;
    int tz_move_hour = kHours;
    int world = 0;  // whose random numbers: 0 = its own number (a twin shares its sibling's world)
    // Why its target is not met yet (issue 14 stays open for it), or nullptr. A missed target is
    // printed as MISS, not PASS, and does not fail the run; one that starts passing says so.
    const char* miss = nullptr;
};

// The targets not met over the suite's 30 seeds, with the reason measured (see README.md here).
// Three are beyond any test (the table says so by itself: the best possible test, told where the
// burn is and counting exactly the changes its days made, finds them less often than the target
// at the honest targets' error rate); they stay listed in case a seed base lifts the bound over
// the target. The others are burns that last weeks (the burst scan's centred baseline absorbs
// them, so the drift test must find them, and its error control over every period it tries costs
// what the oracle, told the period, does not pay), a burn shaped to look like the developer's
// own weekly rhythm, newcomers, and crunches whose output lands late for a light developer.
const std::pair<const char*, const char*> kKnownMisses[] = {
    {"scaled-x1.5", "x1.5 for 4 weeks"},
    {"ramp-5", "+5% a week"},
    {"ramp-10", "+10% a week"},
    {"scaled-x2", "x2 for 4 weeks: drift finds 16-18 in 30 where the best possible test finds 26"},
    {"all-hours-4w", "a 4-week all-hours burn: the burst scan's centred baseline absorbs it, drift finds 13 in 30"},
    {"block-2w", "23 in 30: one short of 24; the burst scan finds most (15), the rest are light developers"},
    {"block-4w", "22 in 30: as all-hours-4w, drift finds 18"},
    {"nights-4w", "22 in 30: as all-hours-4w, drift finds 20"},
    {"weekly-spikes", "65 in 90 (22 in 30): drift's weekday test finds the tokens, but the shortfall against the 6 "
                      "spike-free weeks (10-30 changes for a light developer) often misses p <= 0.05; the slot model "
                      "learns the weekday"},
    {"newcomer", "against the cohort's spread of efficiency (log-sd 0.3 plus noise) found 14 in 30"},
    {"crunch", "8 in 30: light developers' 15 changes landing 4-6 days later cannot show they were delivered"},
    {"night-week", "19 in 90: the burst scan charges when the shortfall has p <= 0.3 (kShortfallGate); at 0.1 it is "
                   "7 in 90, but the unit tests' drips (which the issue keeps) fall below their thresholds"},
};


// Hours of the local days [first_day, first_day + days), clipped to the 16 weeks.
template <typename F>
void each_hour(const Life& l, int first_day, int days, F f)
{
    for (int h = std::max(0, l.day_start(first_day) - 24); h < std::min(kHours, l.day_start(first_day + days) + 24); ++h) {
        const int d = l.local_day(h);
        if (d >= first_day && d < first_day + days)
            f(h);
    }
}

// Every active hour's tokens times `factor` over local days [first_day, first_day + days); the
// extra is burned.
void scale_usual(Life& l, int first_day, int days, double factor)
{
    each_hour(l, first_day, days, [&](int h) { l.burned[h] += (factor - 1) * l.human[h]; });
}

// `per_day` extra tokens spread evenly over local hours [from, to) of each local day, burned or,
// for an honest twin, productive (`into` = &Life::human).
void burn_daily(Life& l, int first_day, int days, int from, int to, double per_day,
                std::vector<double> Life::*into = &Life::burned)
{
    each_hour(l, first_day, days, [&](int h) {
        const int lh = l.local_hour(h);
        if (lh >= from && lh < to)
            (l.*into)[h] += per_day / (to - from);
    });
}

constexpr int kWeek10 = 63;  // first day of week 10, where the burns of a few weeks start

std::vector<Scenario> scenarios()
{
    std::vector<Scenario> s;
    auto scaled = [](double factor) {
        return [factor](Life& l, Rng&) {
            // Weeks 10-13, like the other burns of a few weeks: a period is judged once its credit
            // window (a week) has passed, so a burn in the last days is judged a week later.
            scale_usual(l, kWeek10, 28, factor);
            return 0;
        };
    };
    s.push_back({1, "scaled-x1.2", "usual hours x1.2, weeks 10-13", Kind::Burning, false, scaled(1.2)});
    s.push_back({2, "scaled-x1.3", "usual hours x1.3, weeks 10-13", Kind::Burning, false, scaled(1.3)});
    s.push_back({3, "scaled-x1.5", "usual hours x1.5, weeks 10-13", Kind::Burning, true, scaled(1.5)});
    s.push_back({4, "scaled-x2", "usual hours x2, weeks 10-13", Kind::Burning, true, scaled(2.0)});
    s.push_back({5, "step-x2", "step to x2, last 8 weeks", Kind::Burning, true, [](Life& l, Rng&) {
                     scale_usual(l, kDays - 56, 56, 2.0);
                     return 0;
                 }});
    auto ramp = [](double per_week) {
        return [per_week](Life& l, Rng&) {
            for (int k = 1; k <= 8; ++k)
                scale_usual(l, kDays - 56 + 7 * (k - 1), 7, 1 + per_week * k);
            return 0;
        };
    };
    s.push_back({6, "ramp-5", "ramp +5% a week, last 8 weeks", Kind::Burning, true, ramp(0.05)});
    s.push_back({7, "ramp-10", "ramp +10% a week, last 8 weeks", Kind::Burning, true, ramp(0.10)});
    // The extra of a day equals the developer's own mean day, so a burning day doubles.
    auto all_hours = [](int weeks) {
        return [weeks](Life& l, Rng&) {
            burn_daily(l, kWeek10, 7 * weeks, 0, 24, l.ordinary_total() / kDays);
            return 0;
        };
    };
    for (int w = 1; w <= 4; ++w) {
        static const char* names[] = {"all-hours-1w", "all-hours-2w", "all-hours-3w", "all-hours-4w"};
        static const char* texts[] = {"all hours +100%, 1 week", "all hours +100%, 2 weeks",
                                      "all hours +100%, 3 weeks", "all hours +100%, 4 weeks"};
        s.push_back({7 + w, names[w - 1], texts[w - 1], Kind::Burning, true, all_hours(w)});
    }
    auto block = [](int weeks, int from, int to) {
        return [=](Life& l, Rng&) {
            burn_daily(l, kWeek10, 7 * weeks, from, to, l.ordinary_total() / kDays);
            return 0;
        };
    };
    s.push_back({12, "block-2w", "local 09-18 +100% a day, 2 weeks", Kind::Burning, true, block(2, 9, 18)});
    s.push_back({13, "block-4w", "local 09-18 +100% a day, 4 weeks", Kind::Burning, true, block(4, 9, 18)});
    s.push_back({14, "nights-1w", "local 00-07 +100% a day, 1 week", Kind::Burning, true, block(1, 0, 7)});
    s.push_back({15, "nights-2w", "local 00-07 +100% a day, 2 weeks", Kind::Burning, true, block(2, 0, 7)});
    s.push_back({16, "nights-4w", "local 00-07 +100% a day, 4 weeks", Kind::Burning, true, block(4, 0, 7)});
    s.push_back({17, "weekly-spikes", "one weekday x5 every week, last 10 weeks", Kind::Burning, true,
                 [](Life& l, Rng& rng) {
                     const int weekday = rng.integer(0, 4);
                     for (int week = 6; week < 16; ++week)
                         scale_usual(l, 7 * week + weekday, 1, 5.0);
                     return 0;
                 }});
    s.push_back({18, "newcomer", "4 weeks of history, x3 in its first 2", Kind::Burning, true, [](Life& l, Rng&) {
                     const int first_day = kDays - 28;
                     scale_usual(l, first_day, 14, 3.0);
                     return l.day_start(first_day);
                 }});
    s.push_back({19, "role-change", "from week 9: x2 tokens with x2 changes", Kind::Honest, true, [](Life& l, Rng&) {
                     each_hour(l, 56, kDays, [&](int h) { l.human[h] *= 2; });
                     return 0;
                 }});
    s.push_back({20, "holiday", "two weeks off in the middle", Kind::Honest, true, [](Life& l, Rng&) {
                     each_hour(l, 49, 14, [&](int h) { l.human[h] = l.job[h] = 0; });
                     return 0;
                 }});
    Scenario move{21, "timezone-move", "from week 9: time zone +8 hours", Kind::Honest, true,
                  [](Life&, Rng&) { return 0; }};
    move.tz_move_hour = 56 * 24;
    s.push_back(move);
    s.push_back({22, "release-trains", "every 2nd Thursday: x3 tokens, the fortnight's changes merge",
                 Kind::Honest, true, [](Life& l, Rng&) {
                     for (int day = 7 + 3; day < kDays; day += 14) {  // Thursdays of even weeks
                         each_hour(l, day, 1, [&](int h) {
                             const int lh = l.local_hour(h);
                             if (lh >= 9 && lh < 18)
                                 l.human[h] *= 3;
                         });
                         l.release_hours.push_back(l.day_start(day) + 17);  // merged at 17:00 local
                     }
                     std::fill(l.landing.begin(), l.landing.end(), Landing::Release);
                     return 0;
                 }});
    s.push_back({23, "crunch", "a week day and night, changes 4-6 days later", Kind::Honest, true,
                 [](Life& l, Rng& rng) {
                     const int first_day = 7 * rng.integer(9, 11);  // week 10, 11 or 12
                     each_hour(l, first_day, 7, [&](int h) {
                         if (l.human[h] == 0)
                             l.human[h] = l.dev.level * std::exp(l.day_effect_at(h) + kHourSd * rng.normal());
                         l.landing[h] = Landing::Late;
                     });
                     return 0;
                 }});
    s.push_back({24, "sprints", "3 sprints of 4-48 h at 3-15x level, changes within hours", Kind::Honest, true,
                 [](Life& l, Rng& rng) {
                     for (int k = 0; k < 3; ++k) {  // one in each third of weeks 3-16, never overlapping
                         const int hours = rng.integer(4, 48);
                         const double factor = rng.uniform(3, 15);
                         const int region = (14 + 32 * k) * 24;
                         const int start = region + rng.integer(0, 32 * 24 - 48 - 1);
                         for (int h = start; h < start + hours; ++h) {
                             l.human[h] = factor * l.dev.level * std::exp(l.day_effect_at(h) + kHourSd * rng.normal());
                             l.landing[h] = Landing::Quick;
                         }
                     }
                     return 0;
                 }});
    // On call: every night of one week active at twice the level, paid for by two hotfixes.
    auto on_call = [](bool annotated) {
        return [annotated](Life& l, Rng& rng) {
            const int first_day = 7 * rng.integer(8, 12);  // weeks 9-13
            std::vector<int> nights;
            each_hour(l, first_day, 7, [&](int h) {
                if (l.local_hour(h) < 7) {
                    l.unpaid[h] += 2 * l.dev.level * std::exp(l.day_effect_at(h) + kHourSd * rng.normal());
                    nights.push_back(h);
                }
            });
            for (int k = 0; k < 2 && !nights.empty(); ++k)
                ++l.direct_changes[static_cast<size_t>(nights[static_cast<size_t>(rng.uniform() * static_cast<double>(nights.size()))])];
            if (annotated) {
                const int64_t start = (kFirstDay * 24 + l.day_start(first_day)) * kBucketSeconds;
                l.excused.push_back({start, start + 7 * 86400});
            }
            return 0;
        };
    };
    s.push_back({25, "on-call", "a week of nights at 2x level, 2 hotfixes, excused", Kind::Honest, true, on_call(true)});
    // The same developers and weeks as scenario 25, so the difference is the annotation alone.
    Scenario unannotated{26, "on-call-unannotated", "the same weeks as 25, not excused", Kind::Honest, false, on_call(false)};
    unannotated.world = 25;
    s.push_back(unannotated);
    // Honest twins of burns: the same extra tokens, all of them productive (the premise of the
    // oracle's bound, oracle_power: a method may flag them at most 1 time in 10).
    s.push_back({27, "busy-month", "usual hours x2, weeks 10-13, with x2 changes", Kind::Honest, true, [](Life& l, Rng&) {
                     each_hour(l, kWeek10, 28, [&](int h) { l.human[h] *= 2; });
                     return 0;
                 }});
    s.push_back({28, "night-week", "local 00-07 +100% a day, 1 week, with its changes", Kind::Honest, true,
                 [](Life& l, Rng&) {
                     burn_daily(l, kWeek10, 7, 0, 7, l.ordinary_total() / kDays, &Life::human);
                     return 0;
                 }});
    // Not a scenario developer: the cohort itself (its random numbers are scenario 0's).
    s.push_back({0, "ordinary", "the 151 cohort developers as they are", Kind::Ordinary, true,
                 [](Life&, Rng&) { return 0; }});
    for (auto& scenario : s)
        for (const auto& [name, why] : kKnownMisses)
            if (std::string(name) == scenario.name)
                scenario.miss = why;
    return s;
}

// ---------------------------------------------------------------------------------------------
// Running: the work split over threads by job index, results stored by index.

void parallel_for(size_t n, const std::function<void(size_t)>& job)
{
    const size_t workers = std::max(1u, std::min(2u, std::thread::hardware_concurrency()));
    std::atomic<size_t> next{0};
    std::exception_ptr error;
    std::mutex error_mutex;
    auto work = [&] {
        for (size_t i; (i = next.fetch_add(1)) < n;) {
            try {
                job(i);
            } catch (...) {
                std::lock_guard<std::mutex> lock(error_mutex);
                if (!error)
                    error = std::current_exception();
                next = n;
            }
        }
    };
    std::vector<std::thread> pool;
    for (size_t w = 1; w < workers; ++w)
        pool.emplace_back(work);
    work();
    for (auto& t : pool)
        t.join();
    if (error)
        std::rethrow_exception(error);
}

struct Outcome {
    Findings findings;
    double waste = 0;
    double tokens = 0;
    Oracle oracle;  // burning only: the best possible chances of a flag (oracle_power)
    std::string who;  // the developer's traits, for --verbose
};

std::string traits(const Developer& d)
{
    char text[200];
    int n = std::snprintf(text, sizeof text, "tz %+d, level %.0f, P(active) %.2f/%.2f/%.3f, weekend x%.2f", d.tz,
                          d.level, d.p_work, d.p_evening, d.p_night, d.weekend);
    if (d.job)
        std::snprintf(text + n, sizeof text - static_cast<size_t>(n), ", job %.0f at %d UTC", d.job_tokens, d.job_hour);
    return text;
}

// The cohort of one seed: what the generator check reads, and each developer's efficiency.
struct CohortMember {
    double changes_per_weekday = 0;
    double active_work_share = 0;  // weekday hours in local 09-18 that were active
    double log_sd = 0;             // sd of ln tokens over active hours (the person's, not the job's)
    bool job = false;
    double changes_per_token = 0;
};

// A cohort developer's record (regenerated when needed: cheaper than keeping 1510 of them).
Record cohort_record(uint64_t seed, int index, Life* life)
{
    Rng rng(0, seed, static_cast<uint64_t>(index));
    Life l = live(draw_developer(rng), rng);
    Record r = realise(l, rng);
    if (life)
        *life = std::move(l);
    return r;
}

CohortMember cohort_member(uint64_t seed, int index)
{
    Life l;
    const Record r = cohort_record(seed, index, &l);
    CohortMember m;
    m.job = l.dev.job;
    m.changes_per_weekday = static_cast<double>(r.changes) / (kDays / 7 * 5);
    m.changes_per_token = r.acc.total_tokens() > 0
                              ? static_cast<double>(r.acc.total_merged_changes()) / static_cast<double>(r.acc.total_tokens())
                              : 0.0;
    int work = 0, active = 0, n = 0;
    double sum = 0, squares = 0;
    for (int h = 0; h < kHours; ++h) {
        const int lh = l.local_hour(h);
        if (!l.weekend(h) && lh >= 9 && lh < 18) {
            ++work;
            active += l.human[h] > 0;
        }
        if (l.human[h] > 0) {
            const double x = std::log(l.human[h]);
            ++n;
            sum += x;
            squares += x * x;
        }
    }
    m.active_work_share = static_cast<double>(active) / work;
    m.log_sd = n > 1 ? std::sqrt((squares - sum * sum / n) / (n - 1)) : 0.0;
    return m;
}

// The simulator's own test: the cohort is what the README says it is.
bool check_generator(const std::vector<std::vector<CohortMember>>& cohorts)
{
    std::vector<double> per_day;
    double mean_per_day = 0, work = 0, sd = 0, jobs = 0;
    for (const auto& c : cohorts)
        for (const auto& m : c) {
            per_day.push_back(m.changes_per_weekday);
            mean_per_day += m.changes_per_weekday;
            work += m.active_work_share;
            sd += m.log_sd;
            jobs += m.job;
        }
    const double n = static_cast<double>(per_day.size());
    std::sort(per_day.begin(), per_day.end());
    const double median = per_day[per_day.size() / 2];
    // Ranges for the 1510 developers of 10 seeds, widened as sampling error grows with fewer.
    const double widen = std::max(1.0, std::sqrt(10.0 * kCohort / n));
    struct Check {
        const char* what;
        double value, intended, tolerance;
    } checks[] = {
        {"median changes per working day (the typical developer: 1.5)", median, 1.55, 0.25},
        // E[level] / median level = 1.42 (log-uniform), E[exp(0.3 N)] = 1.05, jobs +4%: 2.3.
        {"mean changes per working day", mean_per_day / n, 2.3, 0.25},
        {"fraction of active working hours (weekdays, local 09-18; U(0.5, 0.9))", work / n, 0.70, 0.02},
        {"mean sd of ln tokens of active hours (sqrt(0.35^2 + 0.7^2))", sd / n, 0.78, 0.03},
        {"share of developers with a nightly job", jobs / n, 0.25, 0.04},
    };
    bool ok = true;
    std::printf("Generator check (%zu cohort developers):\n\n| quantity | value | intended | |\n|---|---:|---|---|\n",
                per_day.size());
    for (const auto& c : checks) {
        const double tolerance = c.tolerance * widen;
        const bool in = std::fabs(c.value - c.intended) <= tolerance;
        ok = ok && in;
        std::printf("| %s | %.3f | %.2f +- %.2f | %s |\n", c.what, c.value, c.intended, tolerance,
                    in ? "ok" : "OUT OF RANGE");
    }
    std::printf("\n");
    return ok;
}

struct Options {
    std::string scenario;  // empty: all
    int seeds = 30;  // the targets are rates: 30 seeds tell 0.8 from 0.7, 10 do not
    bool check_only = false;
    bool verbose = false;  // every seed's findings on stderr
};

// Days counted from the first day of the 16 weeks (UTC), as the table's weeks are.
double history_day(int64_t seconds) { return static_cast<double>(seconds) / 86400.0 - static_cast<double>(kFirstDay); }

void describe(const char* scenario, uint64_t seed, int developer, const Outcome& o)
{
    const Findings& f = o.findings;
    std::fprintf(stderr, "%s seed %llu developer %d (%s): tokens %.0f, waste %.0f, charged burst %.0f drift %.0f\n",
                 scenario, static_cast<unsigned long long>(seed), developer, o.who.c_str(), o.tokens, o.waste,
                 f.burst_charged, f.drift_charged);
    for (const Episode& e : f.episodes)
        std::fprintf(stderr,
                     "  burst days %.2f-%.2f: tokens %lld, baseline %.0f, changes %lld of %.1f expected, "
                     "inflated %.0f, excused %.0f, p %.2g\n",
                     history_day(e.start_bucket * kBucketSeconds), history_day((e.end_bucket + 1) * kBucketSeconds),
                     static_cast<long long>(e.tokens), e.baseline_tokens, static_cast<long long>(e.merged_changes),
                     e.expected_merged_changes, e.inflated_tokens, e.excused_tokens, e.p_value);
    for (const DriftFinding& d : f.drift_findings)
        std::fprintf(stderr,
                     "  drift days %.2f-%.2f: tokens %lld of %.0f expected, value %.1f of %.1f expected, "
                     "inflated %.0f, excused %.0f, p %.2g%s\n",
                     history_day(d.start_seconds), history_day(d.end_seconds), static_cast<long long>(d.tokens),
                     d.expected_tokens, d.merged_value, d.expected_value, d.inflated_tokens, d.excused_tokens, d.p_value,
                     d.cohort_reference ? " (cohort reference)" : "");
}

int usage(const char* self)
{
    std::fprintf(stderr, "usage: %s [--check] [--scenario NAME] [--seeds N] [--verbose]\n"
                         "(UV_SIM_SEED_BASE shifts every seed)\n", self);
    return 2;
}

std::string format_share(double x)
{
    char text[32];
    std::snprintf(text, sizeof text, "%.3f", x);
    return text;
}

int run(const Options& opt)
{
    const auto started = std::chrono::steady_clock::now();
    const char* base_text = std::getenv("UV_SIM_SEED_BASE");
    const uint64_t base = base_text ? std::strtoull(base_text, nullptr, 10) : 0;
    const size_t seeds = static_cast<size_t>(opt.seeds);

    std::vector<Scenario> all = scenarios();
    std::vector<Scenario> chosen;
    for (const auto& s : all)
        if (opt.scenario.empty() || opt.scenario == s.name)
            chosen.push_back(s);
    if (chosen.empty()) {
        std::fprintf(stderr, "no scenario named '%s'; the names:", opt.scenario.c_str());
        for (const auto& s : all)
            std::fprintf(stderr, " %s", s.name);
        std::fprintf(stderr, "\n");
        return 2;
    }
    const bool ordinary =
        std::any_of(chosen.begin(), chosen.end(), [](const Scenario& s) { return s.kind == Kind::Ordinary; });

    // The cohorts first: every scenario of a seed is judged with its cohort's efficiency.
    std::vector<std::vector<CohortMember>> cohorts(seeds, std::vector<CohortMember>(kCohort));
    parallel_for(seeds * kCohort, [&](size_t i) {
        cohorts[i / kCohort][i % kCohort] = cohort_member(base + i / kCohort, static_cast<int>(i % kCohort));
    });
    const bool generator_ok = check_generator(cohorts);
    if (opt.check_only)
        return generator_ok ? 0 : 1;
    std::vector<CohortEfficiency> efficiency(seeds);
    for (size_t s = 0; s < seeds; ++s) {
        std::vector<double> values;
        for (const auto& m : cohorts[s])
            values.push_back(m.changes_per_token);
        efficiency[s] = cohort_efficiency(values);
    }

    std::vector<Outcome> ordinary_outcomes(ordinary ? seeds * kCohort : 0);
    parallel_for(ordinary_outcomes.size(), [&](size_t i) {
        Life l;
        const Record r = cohort_record(base + i / kCohort, static_cast<int>(i % kCohort), &l);
        ordinary_outcomes[i] = {evaluate(r.acc, {}, efficiency[i / kCohort]), 0.0, static_cast<double>(r.acc.total_tokens()),
                                Oracle{}, traits(l.dev)};
    });
    std::vector<Scenario> developers;
    for (const auto& s : chosen)
        if (s.kind != Kind::Ordinary)
            developers.push_back(s);
    std::vector<Outcome> outcomes(developers.size() * seeds);
    parallel_for(outcomes.size(), [&](size_t i) {
        const Scenario& s = developers[i / seeds];
        Rng rng(static_cast<uint64_t>(s.world ? s.world : s.number), base + i % seeds, 0);
        Life l = live(draw_developer(rng), rng, s.tz_move_hour);
        const int first_hour = s.shape(l, rng);
        const Record r = realise(l, rng, first_hour);
        outcomes[i] = {evaluate(r.acc, l.excused, efficiency[i % seeds]), r.waste, static_cast<double>(r.acc.total_tokens()),
                       s.kind == Kind::Burning ? oracle_power(l, first_hour, kHonestFlagShare) : Oracle{}, traits(l.dev)};
    });

    std::printf("| scenario | kind | flagged | best possible: rate known / learnt (oracle_power) | burst-only flagged | drift-only flagged "
                "| mean share: attributed / waste (burning), charged / tokens (others) | target | result |\n");
    std::printf("|---|---|---:|---:|---:|---:|---:|---|---|\n");
    bool all_ok = generator_ok;
    size_t met = 0, missed = 0, beyond_bound = 0;
    auto row = [&](const Scenario& s, const Outcome* o, size_t n) {
        size_t flagged = 0, burst_only = 0, drift_only = 0;
        double share = 0, known = 0, own = 0;
        for (size_t k = 0; k < n; ++k) {
            const Findings& f = o[k].findings;
            known += o[k].oracle.known;
            own += o[k].oracle.own;
            flagged += f.flagged();
            burst_only += f.burst_flagged && !f.drift_flagged;
            drift_only += f.drift_flagged && !f.burst_flagged;
            share += s.kind == Kind::Burning ? (o[k].waste > 0 ? std::min(1.0, f.charged() / o[k].waste) : 0.0)
                                             : (o[k].tokens > 0 ? f.charged() / o[k].tokens : 0.0);
        }
        share /= static_cast<double>(n);
        const double rate = static_cast<double>(flagged) / static_cast<double>(n);
        // The targets are said for 10 seeds: at least 8 flagged, at most 1; kept as shares.
        const size_t least = static_cast<size_t>(std::ceil(kBurnFlagShare * static_cast<double>(n) - 1e-9));
        const size_t most = static_cast<size_t>(std::floor(kHonestFlagShare * static_cast<double>(n) + 1e-9));
        std::string target, kind, result;
        bool ok = true;
        switch (s.kind) {
        case Kind::Burning:
            kind = "burning";
            target = "flagged >= " + std::to_string(least) + "/" + std::to_string(n) + ", >= 0.60 of waste";
            ok = flagged >= least && share >= 0.60;
            break;
        case Kind::Honest:
            kind = "honest";
            target = "flagged <= " + std::to_string(most) + "/" + std::to_string(n) + ", < 0.01 of tokens";
            ok = flagged <= most && share < 0.01;
            break;
        case Kind::Ordinary:
            kind = "ordinary";
            target = "flagged share <= 0.01";
            ok = rate <= 0.01;
            break;
        }
        // A burn flagged less often than the target by a method whose best possible rate (the
        // oracle that learns the developer's rate from the rest of their record) is itself below
        // the target: no method meets it at the honest targets' error rate.
        const bool beyond = s.kind == Kind::Burning && own < static_cast<double>(least);
        if (!s.asserted) {
            kind = "measured";
            target = s.kind == Kind::Burning ? "(share of waste)" : "(share of tokens)";
            result = "measured";
        } else if (!ok && beyond) {
            char text[160];
            std::snprintf(text, sizeof text, "BEYOND ANY TEST: the best possible test finds %.1f/%zu", own, n);
            result = text;
            ++beyond_bound;
        } else if (s.miss) {
            result = ok ? "PASS (a known miss now met: assert it)" : std::string("MISS: ") + s.miss;
            (ok ? met : missed) += 1;
        } else {
            result = ok ? "PASS" : "FAIL";
            all_ok = all_ok && ok;
            met += ok ? 1 : 0;
        }
        const std::string flagged_text = s.kind == Kind::Ordinary
                                             ? std::to_string(flagged) + "/" + std::to_string(n) + " = " + format_share(rate)
                                             : std::to_string(flagged) + "/" + std::to_string(n);
        const std::string number = s.number ? std::to_string(s.number) + ". " : "";
        char best_text[32] = "-";
        if (s.kind == Kind::Burning)
            std::snprintf(best_text, sizeof best_text, "%.1f / %.1f", known, own);
        std::printf("| %s%s: %s | %s | %s | %s | %zu | %zu | %s | %s | %s |\n", number.c_str(), s.name, s.description,
                    kind.c_str(), flagged_text.c_str(), best_text, burst_only, drift_only, format_share(share).c_str(),
                    target.c_str(), result.c_str());
    };
    for (size_t k = 0; k < developers.size(); ++k)
        row(developers[k], &outcomes[k * seeds], seeds);
    if (opt.verbose) {
        for (size_t i = 0; i < outcomes.size(); ++i)
            describe(developers[i / seeds].name, base + i % seeds, 0, outcomes[i]);
        for (size_t i = 0; i < ordinary_outcomes.size(); ++i)
            if (ordinary_outcomes[i].findings.flagged())
                describe("ordinary", base + i / kCohort, static_cast<int>(i % kCohort), ordinary_outcomes[i]);
    }
    for (const auto& s : chosen)
        if (s.kind == Kind::Ordinary)
            row(s, ordinary_outcomes.data(), ordinary_outcomes.size());

    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::printf("\n%zu seeds from %llu; wall time %.1f s\n", seeds, static_cast<unsigned long long>(base), seconds);
    if (!generator_ok)
        std::printf("The generator is not what the README says (see its check above).\n");
    std::printf("Targets met: %zu; known misses (not asserted, open in issue 14): %zu; beyond any test: %zu.\n", met,
                missed, beyond_bound);
    if (!all_ok)
        std::printf("Some asserted target is missed.\n");
    return all_ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv)
{
    Options opt;
    for (int i = 1; i < argc; ++i) {
        if (!std::strcmp(argv[i], "--check"))
            opt.check_only = true;
        else if (!std::strcmp(argv[i], "--verbose"))
            opt.verbose = true;
        else if (!std::strcmp(argv[i], "--scenario") && i + 1 < argc)
            opt.scenario = argv[++i];
        else if (!std::strcmp(argv[i], "--seeds") && i + 1 < argc && std::atoi(argv[i + 1]) > 0)
            opt.seeds = std::atoi(argv[++i]);
        else
            return usage(argv[0]);
    }
    try {
        return run(opt);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "burst_simulation: %s\n", e.what());
        return 2;
    }
}
