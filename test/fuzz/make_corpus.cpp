// Writes the seed corpus of the fuzz harnesses: valid values made by the core's own encoders,
// and near-valid ones (one field or one byte wrong) that reach each check of the decoders.
//   usage: make_corpus DIR   (writes DIR/summary_fuzz/* and DIR/burst_fuzz/*)
// scripts/fuzz --corpus rebuilds it into test/fuzz/corpus/; the output is deterministic.
#include "burst.hpp"
#include "burst_series.hpp"
#include "summary.hpp"

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <sys/stat.h>
#include <tuple>
#include <vector>

namespace {

using Bytes = std::vector<uint8_t>;
std::string g_dir;

void write(const std::string& harness, const std::string& name, const Bytes& b)
{
    const std::string dir = g_dir + "/" + harness;
    mkdir(g_dir.c_str(), 0755);
    mkdir(dir.c_str(), 0755);
    const std::string path = dir + "/" + name;
    FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr || std::fwrite(b.data(), 1, b.size(), f) != b.size() || std::fclose(f) != 0) {
        std::perror(path.c_str());
        std::exit(1);
    }
}
void write(const std::string& harness, const std::string& name, const std::string& s)
{
    write(harness, name, Bytes(s.begin(), s.end()));
}

void put_le64(Bytes& b, size_t at, uint64_t v)
{
    for (int i = 0; i < 8; ++i)
        b[at + i] = static_cast<uint8_t>(v >> (8 * i));
}

void summary_corpus()
{
    const std::string h = "summary_fuzz";
    const uv::UsageSummary values[] = {
        {0, 0, 0}, {1, 0, 0}, {3, 123, 4}, {1000, 5000000, 17}, {INT64_MAX, INT64_MAX, INT64_MAX},
        // Weighted (version 2): fractional value, value 0 (bots), review credit, extremes.
        {3, 123, 4, 3.5, 4.25}, {1, 10, 1, 0.1, 0.010000000000000002}, {2, 0, 3, 0.0, 0.0},
        {1, 7, 0, 0.75, 0.5625}, {INT64_MAX, INT64_MAX, INT64_MAX, 1e300, 1e-300}};
    std::vector<uv::UsageSummary> all(std::begin(values), std::end(values));
    // With a cost (version 3): unit weights, weighted, partly costed, extremes.
    for (const auto& [base, micro, costed] :
         {std::tuple{uv::UsageSummary{3, 123, 4}, int64_t{1500}, int64_t{123}},
          std::tuple{uv::UsageSummary{3, 123, 4, 3.5, 4.25}, int64_t{1}, int64_t{100}},
          std::tuple{uv::UsageSummary{1, 10, 0}, int64_t{0}, int64_t{10}},
          std::tuple{uv::UsageSummary{INT64_MAX, INT64_MAX, INT64_MAX}, INT64_MAX, INT64_MAX}}) {
        uv::UsageSummary s = base;
        s.cost_micro_usd = micro;
        s.costed_tokens = costed;
        all.push_back(s);
    }
    int i = 0;
    for (const auto& s : all) {
        const std::string n = std::to_string(i++);
        write(h, "text_valid_" + n, uv::to_text(s));
        const auto w = uv::to_wire(s);
        write(h, "wire_valid_" + n, Bytes(w.begin(), w.end()));
        Bytes st(uv::kStoredSummaryMaxSize);
        st.resize(uv::to_stored(s, st.data()));
        write(h, "stored_valid_" + n, st);
    }
    // Text: accepted variants and one defect each.
    write(h, "text_blanks", std::string(" ( version : 1 ,\trows:2 ,\ntokens: 10,merged_changes :0 ) \r\n"));
    write(h, "text_leading_zeros", std::string("(version:0001,rows:007,tokens:0,merged_changes:0)"));
    write(h, "text_version_2", std::string("(version:2,rows:3,tokens:123,merged_changes:4)"));
    write(h, "text_overflow", std::string("(version:1,rows:9223372036854775808,tokens:1,merged_changes:0)"));
    write(h, "text_negative", std::string("(version:1,rows:1,tokens:-5,merged_changes:0)"));
    write(h, "text_zero_rows", std::string("(version:1,rows:0,tokens:5,merged_changes:0)"));
    write(h, "text_missing_paren", std::string("(version:1,rows:3,tokens:123,merged_changes:4"));
    write(h, "text_trailing", std::string("(version:1,rows:3,tokens:123,merged_changes:4)x"));
    write(h, "text_wrong_key", std::string("(version:1,rows:3,token:123,merged_changes:4)"));
    write(h, "text_reordered", std::string("(version:1,tokens:123,rows:3,merged_changes:4)"));
    write(h, "text_embedded_nul", Bytes{'(', 'v', 0, ')'});
    write(h, "empty", Bytes{});
    // Binary: one defect each.
    const auto w = uv::to_wire({3, 123, 4});
    Bytes bw(w.begin(), w.end());
    Bytes t = bw;
    t[0] = 2;
    write(h, "wire_version_2", t);
    write(h, "wire_short", Bytes(bw.begin(), bw.end() - 1));
    t = bw;
    t.push_back(0);
    write(h, "wire_long", t);
    t = bw;
    t[9] = 0x80;  // tokens negative
    write(h, "wire_negative", t);
    Bytes st(uv::kStoredWeightedSummarySize);
    st.resize(uv::to_stored({3, 123, 4}, st.data()));
    t = st;
    t[2] = 1;
    write(h, "stored_reserved", t);
    t = st;
    t[0] = 0;
    write(h, "stored_version_0", t);
    write(h, "stored_short", Bytes(st.begin(), st.end() - 4));
    t = st;
    put_le64(t, 4, 0);  // zero rows, tokens 123
    write(h, "stored_zero_rows", t);

    // Version 2, one defect each.
    write(h, "text_v2_unweighted", std::string("(version:2,rows:3,tokens:123,merged_changes:4,value:4,value_squares:4)"));
    write(h, "text_v2_exponent", std::string("(version:2,rows:3,tokens:123,merged_changes:4,value:35E-1,value_squares:4.25e+0)"));
    write(h, "text_v2_negative", std::string("(version:2,rows:3,tokens:123,merged_changes:4,value:-3.5,value_squares:4.25)"));
    write(h, "text_v2_nan", std::string("(version:2,rows:3,tokens:123,merged_changes:4,value:nan,value_squares:4.25)"));
    write(h, "text_v2_overflow", std::string("(version:2,rows:3,tokens:123,merged_changes:4,value:1e309,value_squares:4.25)"));
    write(h, "text_v2_zero_value", std::string("(version:2,rows:3,tokens:123,merged_changes:4,value:0,value_squares:4.25)"));
    write(h, "text_v2_missing", std::string("(version:2,rows:3,tokens:123,merged_changes:4,value:3.5)"));
    write(h, "text_v1_with_value", std::string("(version:1,rows:3,tokens:123,merged_changes:4,value:3.5,value_squares:4.25)"));
    const auto w2 = uv::to_wire({3, 123, 4, 3.5, 4.25});
    const Bytes bw2(w2.begin(), w2.end());
    write(h, "wire_v2_short", Bytes(bw2.begin(), bw2.end() - 1));
    t = bw2;
    t[25] = 0x7f;  // value NaN (exponent all ones, mantissa non-zero)
    t[26] = 0xf8;
    write(h, "wire_v2_nan", t);
    t = bw2;
    t[33] |= 0x80;  // value_squares negative
    write(h, "wire_v2_negative", t);
    t = bw;  // version 1 bytes padded to version 2's length
    t[0] = 2;
    t.resize(uv::kWireWeightedSummarySize, 0);
    write(h, "wire_v2_padded_v1", t);
    Bytes st2(uv::kStoredWeightedSummarySize);
    st2.resize(uv::to_stored({3, 123, 4, 3.5, 4.25}, st2.data()));
    t = st2;
    t[0] = 1;
    write(h, "stored_v2_as_v1", t);
    t = st2;
    put_le64(t, 28, 0x8000000000000000ull);  // value -0.0
    write(h, "stored_v2_negative_zero", t);
    t = st2;
    put_le64(t, 28, 0x4010000000000000ull);  // value 4.0 and squares 4.0: unweighted in version 2
    put_le64(t, 36, 0x4010000000000000ull);
    write(h, "stored_v2_unweighted", t);
}

// Active in working hours; of those, `active16` in 16 are kept (sparser series fit in 4096 bytes).
// With `valued`, each row also carries the merged changes' value (a trivial change is worth 0.01).
uv::burst::BurstAccumulator hourly_series(int64_t first, int hours, int burst_at, int burst_len, uint64_t active16,
                                          bool valued = false)
{
    uv::burst::BurstAccumulator acc;
    uint64_t x = 12345;
    for (int i = 0; i < hours; ++i) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        const int64_t hour = (first + i) % 24;
        if (hour < 8 || hour > 18 || (x >> 60) >= active16)
            continue;  // working hours only, some idle
        int64_t tokens = 20000 + static_cast<int64_t>((x >> 33) % 30000);
        if (i >= burst_at && i < burst_at + burst_len)
            tokens *= 40;
        const int64_t merged = (x >> 20) % 7 == 0 ? 1 : 0;
        if (valued)
            acc.add(first + i, tokens, merged, merged == 1 ? 0.25 + static_cast<double>((x >> 40) % 8) / 4 : 0.01 * static_cast<double>((x >> 50) % 3));
        else
            acc.add(first + i, tokens, merged);
    }
    return acc;
}

void burst_corpus()
{
    const std::string h = "burst_fuzz";
    using uv::burst::BurstAccumulator;

    BurstAccumulator empty;
    write(h, "acc_empty", empty.serialize());
    BurstAccumulator one;
    one.add(480000, 1500, 1);
    write(h, "acc_one", one.serialize());
    BurstAccumulator zeros;
    zeros.add(5, 0, 0);
    zeros.add(9, 0, 3);
    write(h, "acc_no_tokens", zeros.serialize());
    BurstAccumulator ext;
    ext.add(INT64_MIN, 1, 0);
    ext.add(INT64_MAX, 2, 0);
    write(h, "acc_extreme_buckets", ext.serialize());  // span overflows int64
    BurstAccumulator big;
    big.add(-3, INT64_MAX - 1, INT64_MAX);
    big.add(7, 1, 0);
    write(h, "acc_max_totals", big.serialize());
    // Hourly working-day series with bursts: each under 4096 bytes (the run's -max_len) and with
    // a span that the harness analyzes.
    const BurstAccumulator week = hourly_series(480000, 24 * 7, 60, 4, 12);
    write(h, "acc_week_burst", week.serialize());
    write(h, "acc_4weeks_burst", hourly_series(480000 + 5, 24 * 28, 500, 6, 5).serialize());
    write(h, "acc_8weeks_sparse", hourly_series(470001, 24 * 56, 1200, 3, 2).serialize());
    // Valued series (merged_value given): fractional values, trivial ones, value with no change.
    const BurstAccumulator valued = hourly_series(480000, 24 * 7, 60, 4, 12, true);
    write(h, "acc_week_burst_valued", valued.serialize());
    BurstAccumulator tiny;
    tiny.add(480000, 1500, 1, 1e-200);  // squares underflow: kept positive
    tiny.add(480001, 1500, 3, 0.0);     // reverts: value 0
    tiny.add(480002, 1500, 0, 2.5);     // value with no counted change: one unit
    tiny.add(480003, 1500, 2, uv::burst::kMaxRowValue);
    write(h, "acc_valued_edges", tiny.serialize());

    // Near-valid accumulators: one defect each.
    const Bytes w = week.serialize();
    Bytes t = w;
    t[0] = 1;
    write(h, "acc_version_1", t);
    t = w;
    t[1] = 'W';
    write(h, "acc_kind_w", t);
    write(h, "acc_truncated", Bytes(w.begin(), w.end() - 1));
    // Layout: 3 header bytes (version, kind, has_values), n (8), then 40-byte buckets (bucket,
    // tokens, merged_changes, value, value_squares).
    t = w;
    put_le64(t, 3, 10'000'001);  // n above kMaxBuckets
    write(h, "acc_too_many", t);
    t = w;
    put_le64(t, 3 + 8 + 40, 480000);  // second bucket equal to... not ascending
    write(h, "acc_not_ascending", t);
    t = w;
    put_le64(t, 3 + 8 + 8, static_cast<uint64_t>(-1));  // negative tokens
    write(h, "acc_negative", t);
    t = w;
    put_le64(t, w.size() - 16, 1);  // total tokens wrong
    write(h, "acc_bad_total", t);
    t = big.serialize();
    put_le64(t, 3 + 8 + 40 + 8, 2);  // totals overflow
    write(h, "acc_overflow", t);
    t = w;
    t[2] = 2;
    write(h, "acc_bad_flag", t);
    t = w;
    t[2] = 1;  // valued, but counted-only values: still consistent
    write(h, "acc_flag_set", t);
    const Bytes v = valued.serialize();
    t = v;
    put_le64(t, 3 + 8 + 24, 0xFFF8000000000000ULL);  // NaN value
    write(h, "acc_value_nan", t);
    t = v;
    put_le64(t, 3 + 8 + 24, 0xBFF0000000000000ULL);  // value -1
    write(h, "acc_value_negative", t);
    t = v;
    put_le64(t, 3 + 8 + 32, 0);  // value_squares 0 with a value
    write(h, "acc_squares_zero", t);
    t = w;
    put_le64(t, 3 + 8 + 24, 0x3FF0000000000000ULL);  // counted-only bucket whose value is not its count
    write(h, "acc_value_not_count", t);

    write(h, "empty", Bytes{});
}

// burst_series: stored forms (counted, valued, negative indices), their text, and one defect each.
void series_corpus()
{
    using uv::burst::BurstSeries;
    const std::string h = "burst_fuzz";
    const auto from = [](const uv::burst::BurstAccumulator& acc, int64_t width, bool valued) {
        BurstSeries s(width);
        for (const auto& b : acc.buckets())
            valued ? s.add(b.bucket, b.tokens, b.merged_changes, b.value) : s.add(b.bucket, b.tokens, b.merged_changes);
        return s;
    };
    const BurstSeries week = from(hourly_series(480000, 24 * 7, 60, 4, 12), 3600, false);
    const BurstSeries valued = from(hourly_series(480000, 24 * 7, 60, 4, 12, true), 3600, true);
    const BurstSeries month = from(hourly_series(470001, 24 * 28, 500, 6, 5), 3600, false);
    write(h, "series_week", week.encode());
    write(h, "series_week_valued", valued.encode());
    write(h, "series_month", month.encode());
    write(h, "series_week_text", week.to_text());
    write(h, "series_week_valued_text", valued.to_text());
    BurstSeries negative(86400);
    negative.add(-20, 5, 1, 0.5);
    negative.add(3, 0, 0, 0.0);
    write(h, "series_negative_daily", negative.encode());
    write(h, "series_negative_daily_text", negative.to_text());
    Bytes t = week.encode();
    t[0] = 2;
    write(h, "series_version_2", t);
    t = week.encode();
    t[1] = 1;  // valued flag on counted buckets
    write(h, "series_flag_valued", t);
    t = week.encode();
    t.push_back(0);
    write(h, "series_trailing", t);
    t = week.encode();
    t.resize(t.size() / 2);
    write(h, "series_truncated", t);
    write(h, "series_text_padded_varint", std::string("(version:1,width:3600,buckets:[1:01:1])"));
    write(h, "series_text_squares", std::string("(version:1,width:3600,valued:true,buckets:[1:1:1:0.5:0.26])"));
    write(h, "series_text_range", std::string("(version:1,width:3600,buckets:[9223372036854775807:1:1])"));
}

}  // namespace

int main(int argc, char** argv)
{
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    g_dir = argv[1];
    summary_corpus();
    burst_corpus();
    series_corpus();
    return 0;
}
