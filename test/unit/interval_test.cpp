// Garwood interval against independent references: 50-digit values from mpmath
// (test/reference/garwood.py) and the defining Poisson tail identities summed directly; the
// weighted (quasi-Poisson) interval on value against the same references.
#include "interval.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace {

struct Reference {
    int64_t count;
    double confidence;
    double lower;
    double upper;
};

// Output of test/reference/garwood.py.
const Reference kReferences[] = {
    {0, 0.95, 0.0, 3.6888794541139363},
    {1, 0.95, 0.025317807984289875, 5.5716433909388986},
    {2, 0.95, 0.2422092785439649, 7.2246876677239608},
    {5, 0.95, 1.6234863901184205, 11.66833207932267},
    {10, 0.95, 4.7953886961324336, 18.390356042017779},
    {37, 0.95, 26.051414567106028, 50.999626141930834},
    {100, 0.95, 81.36399125092314, 121.62679379242639},
    {1000, 0.95, 938.97301840769522, 1063.952136016302},
    {0, 0.9, 0.0, 2.995732273553991},
    {1, 0.9, 0.051293294387550533, 4.7438645183905784},
    {2, 0.9, 0.35536151069866205, 6.2957936218719897},
    {5, 0.9, 1.97014956805953, 10.513034908741533},
    {10, 0.9, 5.4254056970912926, 16.962219235721901},
    {37, 0.9, 27.594615540979352, 48.675485189516482},
    {100, 0.9, 84.139277218314197, 118.07927278209706},
    {1000, 0.9, 948.55984938365113, 1053.6031221333008},
    {0, 0.99, 0.0, 5.2983173665480367},
    {1, 0.99, 0.005012541823544282, 7.4301295002801224},
    {2, 0.99, 0.10349454674809104, 9.2737920892555447},
    {5, 0.99, 1.0779282406523195, 14.149759411023015},
    {10, 0.99, 3.7169221314671175, 21.39782749965427},
    {37, 0.99, 23.208480040741404, 55.747691398056419},
    {100, 0.99, 76.120495843689184, 128.76058012010245},
    {1000, 0.99, 920.42404616335915, 1084.3728680643892},
    {0, 0.5, 0.0, 1.3862943611198906},
    {1, 0.5, 0.28768207245178093, 2.6926345288896958},
    {2, 0.5, 0.9612787631147771, 3.92040206029256},
    {5, 0.5, 3.3686003859773211, 7.422701835520089},
    {10, 0.5, 7.7258867695238636, 13.019632514082508},
    {37, 0.5, 32.736145439687882, 41.956629945249997},
    {100, 0.5, 93.085833837121743, 107.58479255986891},
    {1000, 0.5, 978.49296649469285, 1022.1543517843817},
};

// Fractional counts, from the same script ("fractional counts").
struct FractionalReference {
    double count;
    double confidence;
    double lower;
    double upper;
};
const FractionalReference kFractional[] = {
    {0.25, 0.95, 2.6366012956299962e-7, 4.196147633456483},
    {0.5, 0.95, 0.00049103455858762796, 4.6742018022480739},
    {1.5, 0.95, 0.10789764131194893, 6.4162509970150141},
    {2.75, 0.95, 0.5138908175407014, 8.3891430569039231},
    {7.2, 0.95, 2.9402787578736504, 14.692454945332501},
    {12.345, 0.95, 6.4481734582062316, 21.400474956602879},
    {99.9, 0.95, 81.273801387897487, 121.51703109310769},
    {0.25, 0.8, 6.7500623856339653e-5, 2.7239400741918462},
    {0.5, 0.8, 0.0078953870467156124, 3.1256943155851616},
    {1.5, 0.8, 0.29218718707759163, 4.6181784498905592},
    {2.75, 0.8, 0.95110414830934154, 6.3462000366469248},
    {7.2, 0.8, 4.0456878044640199, 12.016785252909713},
    {12.345, 0.8, 8.1102156758279305, 18.188194375140995},
    {99.9, 0.8, 87.324055357799076, 113.96815014904478},
};

void expect_relative(double expected, double actual, double tolerance)
{
    if (expected == 0.0)
        EXPECT_EQ(actual, 0.0);
    else
        EXPECT_LE(std::fabs(actual - expected) / expected, tolerance) << "expected " << expected << " got " << actual;
}

// P(X <= k) for X ~ Poisson(mu), by summing the probability mass function in log space.
double poisson_cdf(int64_t k, double mu)
{
    double sum = 0.0;
    for (int64_t i = 0; i <= k; ++i)
        sum += std::exp(i * std::log(mu) - mu - std::lgamma(i + 1.0));
    return sum;
}

}  // namespace

TEST(Garwood, MatchesIndependentReferenceValues)
{
    for (const Reference& r : kReferences) {
        SCOPED_TRACE("count " + std::to_string(r.count) + " confidence " + std::to_string(r.confidence));
        const uv::Interval interval = uv::poisson_mean_interval(r.count, r.confidence);
        expect_relative(r.lower, interval.lower, 1e-9);
        expect_relative(r.upper, interval.upper, 1e-9);
    }
}

TEST(Garwood, BoundsSatisfyTheTailIdentities)
{
    // Garwood's bounds are where each one-sided Poisson tail equals (1 - confidence) / 2.
    for (int64_t k : {1, 3, 8, 20, 60}) {
        for (double confidence : {0.8, 0.95, 0.999}) {
            const uv::Interval interval = uv::poisson_mean_interval(k, confidence);
            const double tail = (1.0 - confidence) / 2.0;
            EXPECT_NEAR(1.0 - poisson_cdf(k - 1, interval.lower), tail, 1e-10);
            EXPECT_NEAR(poisson_cdf(k, interval.upper), tail, 1e-10);
        }
    }
}

TEST(Garwood, ZeroCountHasZeroLowerBoundAndClosedFormUpper)
{
    const uv::Interval interval = uv::poisson_mean_interval(0, 0.95);
    EXPECT_EQ(interval.lower, 0.0);
    EXPECT_NEAR(interval.upper, -std::log(0.025), 1e-12);
}

TEST(Garwood, WiderWithMoreConfidence)
{
    const uv::Interval narrow = uv::poisson_mean_interval(7, 0.8);
    const uv::Interval wide = uv::poisson_mean_interval(7, 0.99);
    EXPECT_LT(wide.lower, narrow.lower);
    EXPECT_GT(wide.upper, narrow.upper);
}

TEST(Garwood, HugeCountsStayFinite)
{
    const uv::Interval interval = uv::poisson_mean_interval(std::numeric_limits<int64_t>::max() / 2, 0.95);
    EXPECT_TRUE(std::isfinite(interval.lower));
    EXPECT_TRUE(std::isfinite(interval.upper));
    EXPECT_LT(interval.lower, interval.upper);
}

TEST(Garwood, RejectsConfidenceOutsideTheOpenUnitInterval)
{
    for (double bad : {0.0, 1.0, -0.5, 1.5, std::nan(""), std::numeric_limits<double>::infinity()}) {
        try {
            uv::poisson_mean_interval(3, bad);
            ADD_FAILURE() << "accepted confidence " << bad;
        } catch (const uv::Error& e) {
            EXPECT_EQ(e.kind(), uv::ErrorKind::InvalidParameter);
            EXPECT_NE(std::string(e.what()).find("confidence"), std::string::npos);
        }
    }
}

TEST(TokensPerMergedChange, PointEstimateAndInvertedInterval)
{
    const uv::UsageSummary s{1, 1000000, 10};
    EXPECT_DOUBLE_EQ(*uv::tokens_per_merged_change(s), 100000.0);
    const uv::Interval interval = uv::tokens_per_merged_change_interval(s, 0.95);
    // Reference row {10, 0.95, 4.7953886961324336, 18.390356042017779}.
    expect_relative(1e6 / 18.390356042017779, interval.lower, 1e-9);
    expect_relative(1e6 / 4.7953886961324336, interval.upper, 1e-9);
    EXPECT_LT(interval.lower, 100000.0);
    EXPECT_GT(interval.upper, 100000.0);
}

TEST(TokensPerMergedChange, NoMergesGiveNoEstimateAndAnInfiniteUpperBound)
{
    const uv::UsageSummary s{1, 5000, 0};
    EXPECT_FALSE(uv::tokens_per_merged_change(s).has_value());
    const uv::Interval interval = uv::tokens_per_merged_change_interval(s, 0.95);
    expect_relative(5000 / 3.6888794541139363, interval.lower, 1e-9);
    EXPECT_TRUE(std::isinf(interval.upper));
}

TEST(TokensPerMergedChange, NoTokens)
{
    const uv::UsageSummary merged{1, 0, 4};
    EXPECT_EQ(*uv::tokens_per_merged_change(merged), 0.0);
    const uv::Interval a = uv::tokens_per_merged_change_interval(merged, 0.95);
    EXPECT_EQ(a.lower, 0.0);
    EXPECT_EQ(a.upper, 0.0);
    const uv::Interval b = uv::tokens_per_merged_change_interval(uv::UsageSummary{0, 0, 0}, 0.95);
    EXPECT_EQ(b.lower, 0.0);
    EXPECT_TRUE(std::isinf(b.upper));
}

TEST(Garwood, FractionalCountsMatchIndependentReferenceValues)
{
    for (const FractionalReference& r : kFractional) {
        SCOPED_TRACE("count " + std::to_string(r.count) + " confidence " + std::to_string(r.confidence));
        const uv::Interval interval = uv::garwood_interval(r.count, r.confidence);
        expect_relative(r.lower, interval.lower, 1e-9);
        expect_relative(r.upper, interval.upper, 1e-9);
    }
}

TEST(Garwood, FractionalCountsAreContinuousAtIntegers)
{
    for (int64_t k : {1, 4, 30}) {
        const uv::Interval exact = uv::poisson_mean_interval(k, 0.95);
        const uv::Interval near = uv::garwood_interval(static_cast<double>(k) * (1 + 1e-12), 0.95);
        expect_relative(exact.lower, near.lower, 1e-9);
        expect_relative(exact.upper, near.upper, 1e-9);
    }
}

TEST(WeightedValue, UnitWeightsGiveExactlyTheUnweightedInterval)
{
    // Weight 1 per change through the weighted path, in rows of one and of several changes: the
    // summary stays unweighted and every figure is bit-for-bit today's Garwood interval.
    for (int64_t rows : {1, 3, 10, 250}) {
        uv::UsageSummary plain, weighted;
        for (int64_t i = 0; i < rows; ++i) {
            const int64_t merged = i % 4;
            uv::add_usage(plain, 1000 + i, merged);
            uv::add_usage(weighted, 1000 + i, merged, static_cast<double>(merged));
        }
        ASSERT_EQ(plain, weighted);
        ASSERT_FALSE(weighted.weighted());
        EXPECT_EQ(uv::effective_changes(weighted), static_cast<double>(weighted.merged_changes));
        for (double confidence : {0.5, 0.95, 0.999}) {
            const uv::Interval count = uv::poisson_mean_interval(plain.merged_changes, confidence);
            const uv::Interval value = uv::value_interval(weighted, confidence);
            EXPECT_EQ(count.lower, value.lower);
            EXPECT_EQ(count.upper, value.upper);
            const uv::Interval a = uv::tokens_per_merged_change_interval(plain, confidence);
            const uv::Interval b = uv::tokens_per_value_interval(weighted, confidence);
            EXPECT_EQ(a.lower, b.lower);
            EXPECT_EQ(a.upper, b.upper);
        }
        EXPECT_EQ(uv::tokens_per_merged_change(plain), uv::tokens_per_value(weighted));
    }
}

TEST(WeightedValue, MatchesTheIndependentReference)
{
    // The rows of the "weighted summary" section of test/reference/garwood.py: (merged, value).
    const std::pair<int64_t, double> rows[] = {{1, 0.5}, {1, 1}, {1, 2}, {1, 0.25}, {1, 3},
                                               {1, 1.5}, {1, 0}, {2, 1.5}, {0, 0.75}, {3, 3}};
    uv::UsageSummary s;
    for (const auto& [merged, value] : rows)
        uv::add_usage(s, 100000, merged, value);
    EXPECT_EQ(s.value, 13.5);
    EXPECT_EQ(s.value_squares, 21.25);
    EXPECT_EQ(s.merged_changes, 12);
    expect_relative(8.5764705882352941, uv::effective_changes(s), 1e-15);
    const uv::Interval v95 = uv::value_interval(s, 0.95);
    expect_relative(6.0330344961195076, v95.lower, 1e-9);
    expect_relative(26.014987726504143, v95.upper, 1e-9);
    const uv::Interval v90 = uv::value_interval(s, 0.9);
    expect_relative(6.9110836049553832, v90.lower, 1e-9);
    expect_relative(23.876931938752606, v90.upper, 1e-9);
    // Tokens per value inverts it.
    EXPECT_DOUBLE_EQ(*uv::tokens_per_value(s), 1e6 / 13.5);
    const uv::Interval t = uv::tokens_per_value_interval(s, 0.95);
    expect_relative(1e6 / 26.014987726504143, t.lower, 1e-9);
    expect_relative(1e6 / 6.0330344961195076, t.upper, 1e-9);
}

TEST(WeightedValue, UnequalWeightsWidenTheIntervalRelativeToTheValue)
{
    // Same value 10 from ten changes of 1 and from one change of 10: the second carries the
    // information of one change, so its relative interval is that of a count of 1.
    uv::UsageSummary even, lumpy;
    for (int i = 0; i < 10; ++i)
        uv::add_usage(even, 100, 1, 1.0);
    uv::add_usage(lumpy, 1000, 1, 10.0);
    for (int i = 0; i < 9; ++i)
        uv::add_usage(lumpy, 0, 1, 0.0);
    EXPECT_EQ(uv::effective_changes(even), 10.0);
    EXPECT_EQ(uv::effective_changes(lumpy), 1.0);
    const uv::Interval e = uv::value_interval(even, 0.95);
    const uv::Interval l = uv::value_interval(lumpy, 0.95);
    const uv::Interval one = uv::poisson_mean_interval(1, 0.95);
    EXPECT_DOUBLE_EQ(l.lower, 10 * one.lower);
    EXPECT_DOUBLE_EQ(l.upper, 10 * one.upper);
    EXPECT_LT(l.lower, e.lower);
    EXPECT_GT(l.upper, e.upper);
}

TEST(WeightedValue, NoValue)
{
    // Only bots and reverts: no value, no estimate, the upper bound on tokens per value is
    // infinite and the lower uses the zero-count Garwood bound with unit dispersion.
    uv::UsageSummary s;
    uv::add_usage(s, 5000, 3, 0.0);
    EXPECT_TRUE(s.weighted());
    EXPECT_EQ(uv::effective_changes(s), 0.0);
    EXPECT_FALSE(uv::tokens_per_value(s).has_value());
    const uv::Interval t = uv::tokens_per_value_interval(s, 0.95);
    expect_relative(5000 / 3.6888794541139363, t.lower, 1e-9);
    EXPECT_TRUE(std::isinf(t.upper));
    // Zero tokens with value: both bounds 0, as for merged changes.
    uv::UsageSummary z;
    uv::add_usage(z, 0, 1, 0.5);
    const uv::Interval zt = uv::tokens_per_value_interval(z, 0.95);
    EXPECT_EQ(zt.lower, 0.0);
    EXPECT_EQ(zt.upper, 0.0);
}

TEST(WeightedValue, ExtremeWeightsStayFiniteOrFailCleanly)
{
    uv::UsageSummary big;
    uv::add_usage(big, 1, 1, 1e150);
    uv::add_usage(big, 1, 1, 1e-150);
    const uv::Interval i = uv::value_interval(big, 0.95);
    EXPECT_TRUE(std::isfinite(i.lower));
    EXPECT_TRUE(std::isfinite(i.upper));
    // Decoded extremes (valid encodings) give a finite interval or an OutOfRange error.
    const uv::UsageSummary extreme{1, 1, 1, 1e300, 5e-324};
    try {
        uv::value_interval(extreme, 0.95);
    } catch (const uv::Error& e) {
        EXPECT_EQ(e.kind(), uv::ErrorKind::OutOfRange);
    }
}

// Dollars per merged change: the same Garwood interval with the cost as exposure.
TEST(CostPerMergedChange, CostAsExposureAgainstTheReference)
{
    uv::UsageSummary s{1, 1000000, 10};
    s.cost_micro_usd = 24000000;  // $24
    s.costed_tokens = 1000000;
    EXPECT_DOUBLE_EQ(*uv::cost_usd(s), 24.0);
    EXPECT_DOUBLE_EQ(*uv::cost_per_merged_change(s), 2.4);
    const auto interval = uv::cost_per_merged_change_interval(s, 0.95);
    ASSERT_TRUE(interval.has_value());
    // Reference row {10, 0.95, 4.7953886961324336, 18.390356042017779}.
    expect_relative(24.0 / 18.390356042017779, interval->lower, 1e-9);
    expect_relative(24.0 / 4.7953886961324336, interval->upper, 1e-9);
    // Unit weights: per unit of value is per merged change.
    EXPECT_DOUBLE_EQ(*uv::cost_per_value(s), 2.4);
    expect_relative(interval->lower, uv::cost_per_value_interval(s, 0.95)->lower, 1e-12);
    // No merges: no estimate and an infinite upper bound, as for tokens.
    uv::UsageSummary none{1, 1000, 0};
    none.cost_micro_usd = 5;
    none.costed_tokens = 1000;
    EXPECT_FALSE(uv::cost_per_merged_change(none).has_value());
    EXPECT_TRUE(std::isinf(uv::cost_per_merged_change_interval(none, 0.95)->upper));
}

TEST(CostPerMergedChange, TokensWithoutACostGiveNoDollars)
{
    uv::UsageSummary s{2, 1000, 10};
    s.cost_micro_usd = 5000000;
    s.costed_tokens = 999;  // one token has no price: not free
    EXPECT_FALSE(uv::cost_usd(s).has_value());
    EXPECT_FALSE(uv::cost_per_merged_change(s).has_value());
    EXPECT_FALSE(uv::cost_per_merged_change_interval(s, 0.95).has_value());
    EXPECT_FALSE(uv::cost_per_value_interval(s, 0.95).has_value());
    // A summary with no cost at all and tokens has no dollars either; with no tokens, $0.
    EXPECT_FALSE(uv::cost_usd(uv::UsageSummary{1, 10, 1}).has_value());
    EXPECT_DOUBLE_EQ(*uv::cost_usd(uv::UsageSummary{1, 0, 1}), 0.0);
    EXPECT_THROW(uv::cost_per_merged_change_interval(s, 1.5), uv::Error);
}
