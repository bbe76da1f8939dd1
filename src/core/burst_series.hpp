// A developer's bucketed series as a storable value (the burst_series SQL type) and as the state
// of every burst aggregate: the two-step form of burst inflation (issue 13). The series is built
// row by row (or merged from other series), stored in a compact canonical encoding, and
// analysed later with any parameters.
//
// Determinism. Counts are integers; merged value, a float8 per row, is quantised once per row to
// micro-units (1e-6, kValueUnit) and summed as an integer, and its per-row square
// (value^2 / max(changes, 1), see "Value" in docs/burst-method.md) is computed from the quantised
// value in pico-units (1e-12) and summed as a 128-bit integer. So the same rows give the same bits
// whatever their order, the plan, the parallel split or the rollup grouping. A row value with at
// most six decimals reads back as the same double; the count-only path never quantises anything.
//
// Memory. The folded buckets are kept in the stored encoding itself (~5 bytes an hourly bucket),
// beside a short tail of pending rows, all from a caller's std::pmr::memory_resource (the glue
// passes one over the aggregate's MemoryContext, so work_mem accounting sees the state).
#pragma once

#include "burst.hpp"

#include <cstddef>
#include <cstdint>
#include <memory_resource>
#include <string>
#include <vector>

namespace uv::burst {

// Version byte that starts the stored form.
constexpr uint8_t kSeriesFormatVersion = 1;
// Merged value is kept in micro-units; a row's value is at most kMaxSeriesRowValue (a typical
// change is worth ~1), which keeps every quantised row below 2^40 units and every square below
// 2^80, so value sums stay in int64 for millions of maximal rows and squares in 128 bits.
constexpr int64_t kValueUnit = 1'000'000;
constexpr double kMaxSeriesRowValue = 1e6;
// Bucket starts (index * width) must be PostgreSQL timestamps: seconds since 1970-01-01 UTC
// from 4714-11-24 BC to 294276-12-31 AD.
constexpr int64_t kMinBucketSeconds = -210'866'803'200;
constexpr int64_t kMaxBucketSeconds = 9'224'318'015'999;
// Widths from one second to 366 days (BurstParams::bucket_seconds).
constexpr int64_t kMaxWidthSeconds = 366 * 86'400;

using u128 = unsigned __int128;

struct SeriesBucket {
    int64_t bucket;          // bucket start / width
    int64_t tokens;          // >= 0
    int64_t merged_changes;  // >= 0
    int64_t value;           // micro-units, valued series only (0 otherwise)
    // Sum of value^2 / max(changes, 1) per row, in pico-units, valued series only. Two halves:
    // palloc'd memory is 8-byte aligned, a u128 member would want 16.
    uint64_t squares_lo, squares_hi;
    u128 squares() const noexcept { return (u128(squares_hi) << 64) | squares_lo; }
    void set_squares(u128 s) noexcept
    {
        squares_lo = static_cast<uint64_t>(s);
        squares_hi = static_cast<uint64_t>(s >> 64);
    }
};

class BurstSeries {
public:
    // InvalidParameter unless 1 <= width_seconds <= kMaxWidthSeconds.
    explicit BurstSeries(int64_t width_seconds, std::pmr::memory_resource* memory = std::pmr::get_default_resource());
    // A copy whose storage comes from `memory`.
    BurstSeries(const BurstSeries& other, std::pmr::memory_resource* memory);
    BurstSeries(BurstSeries&&) = default;
    BurstSeries(const BurstSeries&) = delete;  // would silently switch to the default resource
    BurstSeries& operator=(const BurstSeries&) = delete;
    // Keeps this series' resource: moves the buckets in (or copies them when the resources differ).
    BurstSeries& operator=(BurstSeries&&) = default;

    // A counted row: OutOfRange for negative counts (naming the argument) or a total beyond
    // bigint; LimitExceeded beyond kMaxBuckets distinct buckets. On error nothing changes.
    void add(int64_t bucket, int64_t tokens, int64_t merged_changes);
    // A valued row: merged_value finite (InvalidParameter) in [0, kMaxSeriesRowValue]
    // (OutOfRange), both naming merged_value. Makes the series valued.
    void add(int64_t bucket, int64_t tokens, int64_t merged_changes, double merged_value);
    // Buckets summed (adjacent or overlapping ranges). InvalidParameter when the widths differ.
    void merge(const BurstSeries& other);

    int64_t width() const noexcept { return width_; }
    bool empty() const noexcept { return count_ == 0 && tail_.empty(); }
    bool has_values() const noexcept { return has_values_; }
    int64_t total_tokens() const noexcept { return total_tokens_; }
    int64_t total_merged_changes() const noexcept { return total_merges_; }
    // Merged value: the micro-unit sum / kValueUnit when valued, else the merged changes.
    double total_value() const noexcept;
    // Distinct buckets, and the first and last (folds pending rows in first; 0 when empty).
    uint64_t bucket_count() const;
    int64_t first_bucket() const;
    int64_t last_bucket() const;
    // The buckets, ascending (decoded into a new vector).
    std::vector<SeriesBucket> buckets() const;
    // Every bucket index lies a multiple of index_step() from every other (0 with one bucket):
    // what BucketAlignment::refused_step checks, recomputed from stored indices.
    int64_t index_step() const;

    // Stored and wire form v1 (one encoding per logical value, so equal series have equal bytes):
    //   u8 version = 1, u8 flags (bit 0: valued; other bits 0), varint width, varint n >= 1,
    //   zigzag varint first bucket, then per bucket: varint delta to the previous (>= 1, absent
    //   for the first), varint tokens, varint merged_changes, and when valued varint value
    //   (micro-units) and varint squares (pico-units, up to 128 bits).
    // Varints are LEB128, minimal (no padding bytes). Empty series are not encoded (SQL NULL).
    std::vector<uint8_t> encode() const;
    // Validates everything before trusting it (InvalidBinary; LimitExceeded for n > kMaxBuckets,
    // checked before allocating): version, flags, width, minimal varints, strictly ascending
    // buckets within the timestamp range, totals within bigint, value 0 iff squares 0,
    // squares <= value^2, no trailing bytes.
    static BurstSeries decode(const uint8_t* data, size_t size,
                              std::pmr::memory_resource* memory = std::pmr::get_default_resource());

    // Text form (pg_dump): (version:1,width:3600,buckets:[490000:10:1 490001:5:0]) with bucket
    // index:tokens:merged_changes, and for a valued series
    // (version:1,width:3600,valued:true,buckets:[490000:10:1:0.5:0.25]) with value and squares
    // as exact decimals (up to 6 and 12 fraction digits). Validated as decode (InvalidText).
    std::string to_text() const;
    static BurstSeries from_text(const char* text, std::pmr::memory_resource* memory = std::pmr::get_default_resource());

    // The buckets with value and squares as doubles, for analyze(): value = units / 1e6,
    // squares = units / 1e12; counted-only buckets carry value = squares = merged_changes.
    std::vector<BucketTotals> totals() const;

    // Folds pending rows into the encoded buckets now. Logically const: called lazily by readers.
    void flush() const;

private:
    friend class SeriesBuilder;
    void add_row(int64_t bucket, int64_t tokens, int64_t merged_changes, int64_t value, u128 squares);
    void make_valued();
    // Replaces the encoded buckets by the merge of them with `sorted` (ascending, distinct).
    void fold_sorted(const SeriesBucket* sorted, size_t n, bool other_valued) const;
    template <typename F>
    void for_each_bucket(F f) const;

    int64_t width_;
    bool has_values_ = false;
    // The buckets folded in, in their stored encoding (the part of encode() after n): the state is
    // kept in its compact canonical form (~5 bytes per hourly bucket) and the final function
    // only adds the header.
    mutable std::pmr::vector<uint8_t> body_;
    mutable uint64_t count_ = 0;
    mutable int64_t first_ = 0, last_ = 0;  // of the folded buckets, when count_ > 0
    // Rows not yet folded in, in arrival order; consecutive rows of one bucket are summed in place.
    mutable std::pmr::vector<SeriesBucket> tail_;
    mutable bool tail_sorted_ = true;  // strictly ascending buckets
    int64_t total_tokens_ = 0;
    int64_t total_merges_ = 0;
    int64_t total_value_ = 0;  // micro-units, valued only
    // Pico-units, valued only; two halves so that the object needs only 8-byte alignment (palloc).
    uint64_t total_squares_lo_ = 0, total_squares_hi_ = 0;
    u128 total_squares() const noexcept { return (u128(total_squares_hi_) << 64) | total_squares_lo_; }
    void set_total_squares(u128 s) noexcept
    {
        total_squares_lo_ = static_cast<uint64_t>(s);
        total_squares_hi_ = static_cast<uint64_t>(s >> 64);
    }
};

// analyze() over the series; params.bucket_seconds must be the series' width (InvalidParameter).
BurstResult analyze(const BurstSeries& series, const BurstParams& params);

}  // namespace uv::burst
