#include "stages/quantile_sketch.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

namespace sluice {
namespace {

constexpr double kQuantiles[] = {0, 0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 0.999, 1};

// The exact value of rank floor(q * (n - 1)) in `sorted`.
double ExactQuantile(const std::vector<double>& sorted, double q) {
  const auto rank = static_cast<size_t>(std::floor(q * static_cast<double>(sorted.size() - 1)));
  return sorted[rank];
}

void ExpectWithinOnePercent(std::vector<double> values) {
  QuantileSketch sketch;
  for (double v : values) sketch.Add(v);
  std::sort(values.begin(), values.end());
  for (double q : kQuantiles) {
    const double exact = ExactQuantile(values, q);
    const double estimate = sketch.Quantile(q);
    EXPECT_LE(std::fabs(estimate - exact), 0.01 * std::fabs(exact) * (1 + 1e-9))
        << "q=" << q << " exact=" << exact << " estimate=" << estimate;
  }
  EXPECT_EQ(sketch.Quantile(0), values.front());
  EXPECT_EQ(sketch.Quantile(1), values.back());
}

TEST(QuantileSketchTest, WithinOnePercentOnUniformInts) {
  std::vector<double> values;
  for (int i = 1; i <= 100000; ++i) values.push_back(i);
  std::shuffle(values.begin(), values.end(), std::mt19937_64(1));
  ExpectWithinOnePercent(values);
}

// 0.29 * 100 is 28.999999999999996 in doubles; p29 of 101 values is rank 29 all the same.
// Neighbouring values 5% apart, so that a rank off by one is off by more than 1%.
TEST(QuantileSketchTest, DecimalQuantilesTakeTheirExactRank) {
  for (const int n : {51, 101, 1001}) {
    QuantileSketch sketch;
    std::vector<double> values;
    for (int i = 0; i < n; ++i) values.push_back(std::pow(1.05, i));
    for (double v : values) sketch.Add(v);
    const int per = n == 1001 ? 1000 : 100;  // per mille (p33.3) where n allows it
    for (int parts = 0; parts <= per; ++parts) {
      const double exact = values[static_cast<size_t>(parts * (n - 1) / per)];
      const double estimate = sketch.Quantile(static_cast<double>(parts) / per);
      EXPECT_LE(std::fabs(estimate - exact), 0.01 * exact * (1 + 1e-9))
          << "n=" << n << " q=" << parts << "/" << per;
    }
  }
  EXPECT_EQ(QuantileSketch::RankFloor(0.29 * 100), 29);
  EXPECT_EQ(QuantileSketch::RankFloor(28.5), 28);
  EXPECT_EQ(QuantileSketch::RankFloor(1e10 - 0.01), 1e10 - 1);  // a true fraction stays
}

TEST(QuantileSketchTest, WithinOnePercentOnSkewedDistributions) {
  std::mt19937_64 random(2);
  std::vector<double> exponential, lognormal, pareto;
  std::exponential_distribution<double> exp_dist(0.01);
  std::lognormal_distribution<double> log_dist(3, 2);
  std::uniform_real_distribution<double> unit(0, 1);
  for (int i = 0; i < 50000; ++i) {
    exponential.push_back(exp_dist(random));
    lognormal.push_back(log_dist(random));
    pareto.push_back(1 / std::pow(1 - unit(random), 1 / 1.2));  // heavy tail
  }
  ExpectWithinOnePercent(exponential);
  ExpectWithinOnePercent(lognormal);
  ExpectWithinOnePercent(pareto);
}

TEST(QuantileSketchTest, NegativesZerosAndWideRanges) {
  std::mt19937_64 random(3);
  std::normal_distribution<double> normal(0, 1000);
  std::vector<double> mixed;
  for (int i = 0; i < 30000; ++i) mixed.push_back(normal(random));
  for (int i = 0; i < 3000; ++i) mixed.push_back(0.0);
  ExpectWithinOnePercent(mixed);

  std::vector<double> wide;
  for (int e = -300; e <= 300; ++e) wide.push_back(1.5 * std::pow(10.0, e));
  for (int e = -300; e <= 300; e += 7) wide.push_back(-3 * std::pow(10.0, e));
  wide.push_back(4.9e-324);  // the smallest subnormal
  wide.push_back(1.7e308);
  ExpectWithinOnePercent(wide);
}

TEST(QuantileSketchTest, SmallAndEdgeCases) {
  QuantileSketch empty;
  EXPECT_TRUE(std::isnan(empty.Quantile(0.5)));
  EXPECT_TRUE(std::isnan(empty.min()));
  EXPECT_EQ(empty.count(), 0u);

  QuantileSketch one;
  one.Add(42.5);
  EXPECT_EQ(one.Quantile(0), 42.5);
  EXPECT_EQ(one.Quantile(0.99), 42.5);  // clamped to the exact min..max

  QuantileSketch zeros;
  zeros.Add(-0.0);
  zeros.Add(0.0);
  EXPECT_EQ(zeros.Quantile(0.5), 0.0);
  EXPECT_FALSE(std::signbit(zeros.min()));  // -0.0 and 0.0 are one zero

  QuantileSketch skips;
  skips.Add(std::nan(""));
  skips.Add(INFINITY);
  skips.Add(-std::numeric_limits<double>::infinity());
  skips.Add(3);
  EXPECT_EQ(skips.count(), 1u);
  EXPECT_EQ(skips.Quantile(-5), 3);  // q is clamped
  EXPECT_EQ(skips.Quantile(7), 3);
}

TEST(QuantileSketchTest, BucketsReportWithinAlphaOfTheirRange) {
  for (double x : {1e-9, 0.001, 1.0, 1.02, 3.14159, 250.0, 1e6, 123456789.0, 1e200}) {
    const double reported = QuantileSketch::BucketValue(QuantileSketch::BucketOf(x));
    EXPECT_LE(std::fabs(reported - x), 0.01 * x * (1 + 1e-9)) << x;
  }
}

TEST(QuantileSketchTest, MergeIsIndependentOfPartitionAndOrder) {
  std::mt19937_64 random(4);
  std::lognormal_distribution<double> latency(2, 1.5);
  std::vector<double> values;
  for (int i = 0; i < 20000; ++i)
    values.push_back(i % 10 == 0 ? -latency(random) : latency(random));

  QuantileSketch whole;
  for (double v : values) whole.Add(v);

  for (int parts : {2, 3, 7, 16}) {
    std::vector<QuantileSketch> sketches(static_cast<size_t>(parts));
    std::vector<double> shuffled = values;
    std::shuffle(shuffled.begin(), shuffled.end(), std::mt19937_64(static_cast<uint64_t>(parts)));
    for (size_t i = 0; i < shuffled.size(); ++i) {
      sketches[(i * 7 + i / 3) % static_cast<size_t>(parts)].Add(shuffled[i]);
    }
    // Merge in reverse, into the last part, to vary the grouping too.
    QuantileSketch merged = sketches.back();
    for (int p = parts - 2; p >= 0; --p) merged.Merge(sketches[static_cast<size_t>(p)]);
    ASSERT_EQ(merged.count(), whole.count());
    EXPECT_EQ(merged.min(), whole.min());
    EXPECT_EQ(merged.max(), whole.max());
    for (int permille = 0; permille <= 1000; ++permille) {
      const double q = permille / 1000.0;
      ASSERT_EQ(merged.Quantile(q), whole.Quantile(q)) << "parts=" << parts << " q=" << q;
    }
  }
}

// An aggregate keeps a sketch per group: one with a few values keeps just their buckets,
// however far apart (1e-300 and 1e300 spanned 580 KiB dense).
TEST(QuantileSketchTest, FewValuesKeepOnlyTheBucketsTheyUse) {
  QuantileSketch sketch;
  sketch.Add(1e-300);
  sketch.Add(1e300);
  sketch.Add(-5.0);
  EXPECT_EQ(sketch.bucket_count(), 3u);
  EXPECT_LE(std::fabs(sketch.Quantile(0.5) - 1e-300), 0.01 * 1e-300);  // the middle rank
  EXPECT_EQ(sketch.Quantile(1.0), 1e300);
}

// Small sketches (buckets listed) and large ones (a dense span) merged in every mix give
// the quantiles of one sketch fed everything.
TEST(QuantileSketchTest, SmallAndLargeSketchesMergeAlike) {
  std::mt19937_64 random(11);
  std::lognormal_distribution<double> latency(3, 2);
  for (const size_t small : {1u, 5u, 31u, 33u, 200u}) {
    std::vector<double> values;
    for (size_t i = 0; i < 2000; ++i)
      values.push_back(i % 9 == 0 ? -latency(random) : latency(random));
    QuantileSketch whole;
    for (double v : values) whole.Add(v);
    // Parts of `small` values each, merged both ways round.
    std::vector<QuantileSketch> parts;
    for (size_t i = 0; i < values.size(); ++i) {
      if (i % small == 0) parts.emplace_back();
      parts.back().Add(values[i]);
    }
    QuantileSketch forward, backward;
    for (const QuantileSketch& part : parts) forward.Merge(part);
    for (auto part = parts.rbegin(); part != parts.rend(); ++part) backward.Merge(*part);
    for (int permille = 0; permille <= 1000; ++permille) {
      const double q = permille / 1000.0;
      ASSERT_EQ(forward.Quantile(q), whole.Quantile(q)) << "small=" << small << " q=" << q;
      ASSERT_EQ(backward.Quantile(q), whole.Quantile(q)) << "small=" << small << " q=" << q;
    }
  }
}

TEST(QuantileSketchTest, GrowthStaysLinearForMonotoneStreams) {
  QuantileSketch sketch;
  // Ever smaller values grow the store at the front; slack keeps that O(n) overall.
  for (double x = 1e300; x > 1e-300; x /= 1.01) sketch.Add(x);
  EXPECT_LT(sketch.bucket_count(), 80001u);
  EXPECT_GT(sketch.bucket_count(), 60000u);
  const double median = sketch.Quantile(0.5);
  EXPECT_GT(median, 0.9);  // the values are spread evenly in log space around 1
  EXPECT_LT(median, 1.1);
}

}  // namespace
}  // namespace sluice
