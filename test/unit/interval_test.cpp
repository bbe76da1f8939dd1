// Garwood interval against independent references: 50-digit values from mpmath
// (test/reference/garwood.py) and the defining Poisson tail identities summed directly.
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
