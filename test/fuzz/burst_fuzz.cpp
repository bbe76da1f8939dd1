// libFuzzer harness for the serialised burst forms: BurstAccumulator (the former aggregate
// state, kept for the unit tests) and BurstSeries (the burst_series type and the state of every
// burst aggregate), in its stored/wire form and its text form. Every input
// goes to every decoder; corpus files are plain states, stored series or series text.
// Contract: a decoder either returns a valid state or throws uv::Error; a decoded state
// re-serialises to exactly the input bytes, and using it (analyze, merge, score) never crashes
// and throws nothing but uv::Error.
#include "burst.hpp"
#include "burst_drift.hpp"
#include "burst_series.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <vector>

namespace {

using uv::burst::BurstAccumulator;
using uv::burst::BurstSeries;

// analyze() costs O(n log n) in the span of buckets (up to kMaxBuckets by design); beyond this
// span the harness skips it so that each input stays fast. UV_FUZZ_MAX_SPAN overrides it.
uint64_t max_analyze_span()
{
    static const uint64_t span = [] {
        const char* v = std::getenv("UV_FUZZ_MAX_SPAN");
        return v != nullptr ? std::strtoull(v, nullptr, 10) : 1500;
    }();
    return span;
}

[[noreturn]] void fail(const char* what)
{
    std::fprintf(stderr, "burst_fuzz: %s\n", what);
    std::abort();
}

void same_bytes(const std::vector<uint8_t>& again, const uint8_t* data, size_t size, const char* what)
{
    if (again.size() != size || (size > 0 && std::memcmp(again.data(), data, size) != 0))
        fail(what);
}

void check_accumulator(const BurstAccumulator& acc, const uint8_t* data, size_t size)
{
    same_bytes(acc.serialize(), data, size, "BurstAccumulator re-serialises to different bytes");
    const auto& b = acc.buckets();
    int64_t tokens = 0, merges = 0;
    for (size_t i = 0; i < b.size(); ++i) {
        if (i > 0 && b[i].bucket <= b[i - 1].bucket)
            fail("decoded accumulator is not strictly ascending");
        if (b[i].tokens < 0 || b[i].merged_changes < 0)
            fail("decoded accumulator has a negative count");
        if (!(std::isfinite(b[i].value) && b[i].value >= 0 && std::isfinite(b[i].value_squares) &&
              b[i].value_squares >= 0) || (b[i].value == 0) != (b[i].value_squares == 0))
            fail("decoded accumulator has a bad value or value_squares");
        if (!acc.has_values() && (b[i].value != static_cast<double>(b[i].merged_changes) || b[i].value_squares != b[i].value))
            fail("decoded counted-only accumulator's value is not its count");
        tokens += b[i].tokens;  // cannot overflow: the decoder checked the totals
        merges += b[i].merged_changes;
    }
    if (tokens != acc.total_tokens() || merges != acc.total_merged_changes())
        fail("decoded accumulator's totals do not add up");

    // Combine with itself (the parallel-aggregate path): doubles every count or refuses with
    // uv::Error when a total would overflow.
    try {
        BurstAccumulator twice = acc;
        twice.merge(acc);
        const auto& t = twice.buckets();
        if (t.size() != b.size() || twice.total_tokens() != 2 * acc.total_tokens())
            fail("merging an accumulator with itself did not double it");
        for (size_t i = 0; i < t.size(); ++i)
            if (t[i].bucket != b[i].bucket || t[i].tokens != 2 * b[i].tokens ||
                t[i].merged_changes != 2 * b[i].merged_changes || t[i].value != 2 * b[i].value ||
                t[i].value_squares != 2 * b[i].value_squares)
                fail("merging an accumulator with itself did not double it");
    } catch (const uv::Error&) {
    }

    if (b.empty())
        return;
    const uint64_t span = static_cast<uint64_t>(b.back().bucket) - static_cast<uint64_t>(b.front().bucket) + 1;
    if (span == 0 || span > max_analyze_span())
        return;
    try {
        const uv::burst::BurstResult r = uv::burst::analyze(acc, uv::burst::default_params(3600));
        if (!(r.inflation_share >= 0.0 && r.inflation_share <= 1.0))
            fail("analyze: inflation_share outside [0, 1] or NaN");
        if (r.total_tokens != acc.total_tokens())
            fail("analyze: total_tokens differs from the accumulator's");
        if (!std::isfinite(r.inflated_tokens) || r.inflated_tokens < 0.0)
            fail("analyze: inflated_tokens negative, NaN or infinite");
        for (const auto& e : r.episodes) {
            if (e.start_bucket > e.end_bucket || e.start_bucket < b.front().bucket || e.end_bucket > b.back().bucket)
                fail("analyze: episode outside the data");
            if (!(e.p_value >= 0.0 && e.p_value <= 1.0) || !(e.merge_p_value >= 0.0 && e.merge_p_value <= 1.0))
                fail("analyze: p-value outside [0, 1] or NaN");
            if (!(e.inflated_tokens >= 0.0) || !std::isfinite(e.inflated_tokens))
                fail("analyze: episode inflated_tokens negative, NaN or infinite");
            if (!(e.merged_value >= 0.0) || !(e.expected_merged_value >= 0.0))
                fail("analyze: episode merged value negative or NaN");
        }
    } catch (const uv::Error&) {
        // A documented refusal (e.g. LimitExceeded) is fine.
    }
}

// A decoded series: canonical (re-encodes to the input, or for text to a form whose text is
// the same), totals that add up, the text form round-trips, merging with a copy of itself
// doubles it, and the analysis stays in range or refuses with uv::Error.
void check_series(const BurstSeries& s, const uint8_t* data, size_t size, bool from_text)
{
    const std::vector<uint8_t> bytes = s.encode();
    if (!from_text)
        same_bytes(bytes, data, size, "BurstSeries re-encodes to different bytes");
    const BurstSeries again = BurstSeries::decode(bytes.data(), bytes.size());
    if (again.encode() != bytes)
        fail("BurstSeries decode(encode) is not the identity");
    const std::string text = s.to_text();
    if (BurstSeries::from_text(text.c_str()).encode() != bytes)
        fail("BurstSeries text form does not round-trip");
    const std::vector<uv::burst::SeriesBucket> b = s.buckets();
    if (b.size() != s.bucket_count() || b.front().bucket != s.first_bucket() || b.back().bucket != s.last_bucket())
        fail("decoded series' count or ends differ from its buckets");
    int64_t tokens = 0, merges = 0;
    for (size_t i = 0; i < b.size(); ++i) {
        if (i > 0 && b[i].bucket <= b[i - 1].bucket)
            fail("decoded series is not strictly ascending");
        if (b[i].tokens < 0 || b[i].merged_changes < 0 || b[i].value < 0)
            fail("decoded series has a negative count");
        if ((b[i].value == 0) != (b[i].squares() == 0))
            fail("decoded series has value 0 without squares 0 or the reverse");
        tokens += b[i].tokens;  // the decoder checked the totals
        merges += b[i].merged_changes;
    }
    if (tokens != s.total_tokens() || merges != s.total_merged_changes())
        fail("decoded series' totals do not add up");
    try {
        BurstSeries twice(s, std::pmr::get_default_resource());
        const BurstSeries copy(s, std::pmr::get_default_resource());
        twice.merge(copy);
        if (twice.bucket_count() != s.bucket_count() || twice.total_tokens() != 2 * s.total_tokens())
            fail("merging a series with itself did not double it");
    } catch (const uv::Error&) {
    }
    const uint64_t span = static_cast<uint64_t>(b.back().bucket) - static_cast<uint64_t>(b.front().bucket) + 1;
    if (span == 0 || span > max_analyze_span())
        return;
    try {
        const uv::burst::BurstResult r = uv::burst::analyze(s, uv::burst::default_params(s.width()));
        if (!(r.inflation_share >= 0.0 && r.inflation_share <= 1.0))
            fail("analyze(series): inflation_share outside [0, 1] or NaN");
        if (r.total_tokens != s.total_tokens())
            fail("analyze(series): total_tokens differs from the series'");
    } catch (const uv::Error&) {
    }
    // Efficiency drift over the same series, with the first half of its span excused: findings
    // disjoint and ordered, inside the data, every figure finite and in range.
    try {
        const std::vector<uv::burst::BucketTotals> totals = s.totals();
        const uv::burst::BucketsView view{totals.data(), totals.size(), s.has_values(), s.total_tokens(),
                                          s.total_merged_changes()};
        const int64_t first = s.first_bucket() * s.width(), last = (s.last_bucket() + 1) * s.width();
        const std::vector<uv::burst::ExcusedSpan> excused{{first, first + (last - first) / 2}};
        const uv::burst::CohortEfficiency cohort{std::log(1e-5), 0.3, 100};
        const uv::burst::DriftResult r = uv::burst::analyze_drift(view, s.width(), {}, cohort, excused);
        if (!std::isfinite(r.inflated_tokens) || r.inflated_tokens < 0.0)
            fail("analyze_drift: inflated_tokens negative, NaN or infinite");
        for (size_t i = 0; i < r.findings.size(); ++i) {
            const uv::burst::DriftFinding& f = r.findings[i];
            if (f.start_seconds >= f.end_seconds || (i > 0 && f.start_seconds < r.findings[i - 1].end_seconds))
                fail("analyze_drift: findings empty, overlapping or out of order");
            if (f.end_seconds <= first - 86400 * 366 || f.start_seconds >= last + 86400 * 366)
                fail("analyze_drift: finding outside the data");
            if (!(f.p_value >= 0.0 && f.p_value <= 1.0) || !(f.value_p_value >= 0.0 && f.value_p_value <= 1.0))
                fail("analyze_drift: p-value outside [0, 1] or NaN");
            if (!(f.inflated_tokens >= 0.0) || !std::isfinite(f.inflated_tokens) || !(f.excused_tokens >= 0.0) ||
                !std::isfinite(f.excused_tokens) || !std::isfinite(f.ratio) || !std::isfinite(f.expected_value))
                fail("analyze_drift: a finding's figure negative, NaN or infinite");
        }
    } catch (const uv::Error&) {
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    // An exact-size heap copy, so AddressSanitizer sees any read past the end.
    std::vector<uint8_t> bytes(data, data + size);
    const uint8_t* p = bytes.empty() ? nullptr : bytes.data();
    try {
        bool decoded = false;
        BurstAccumulator acc;
        try {
            acc = BurstAccumulator::deserialize(p, size);
            decoded = true;
        } catch (const uv::Error&) {
        }
        if (decoded)
            check_accumulator(acc, p, size);

        {
            bool ok = false;
            BurstSeries series(3600);
            try {
                series = BurstSeries::decode(p, size);
                ok = true;
            } catch (const uv::Error&) {
            }
            if (ok)
                check_series(series, p, size, false);
            // The same bytes as text (NUL-terminated copy; an embedded NUL ends the text).
            std::string text(bytes.begin(), bytes.end());
            ok = false;
            try {
                series = BurstSeries::from_text(text.c_str());
                ok = true;
            } catch (const uv::Error&) {
            }
            if (ok)
                check_series(series, p, size, true);
        }
    } catch (const uv::Error& e) {
        std::fprintf(stderr, "burst_fuzz: uv::Error outside a decoder: %s\n", e.what());
        std::abort();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "burst_fuzz: exception other than uv::Error: %s\n", e.what());
        std::abort();
    }
    return 0;
}
