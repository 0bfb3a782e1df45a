// QuantileSketch: approximate quantiles (p50, p99, ...) of a stream of numbers, in the
// style of DDSketch (Masson, Rim, Lee: "DDSketch: a fast and fully-mergeable quantile
// sketch with relative-error guarantees", VLDB 2019).
//
//   sluice::QuantileSketch a, b;
//   for (double latency : first_half) a.Add(latency);
//   for (double latency : second_half) b.Add(latency);
//   a.Merge(b);                 // same state as one sketch fed both halves, in any order
//   double p99 = a.Quantile(0.99);
//
// Accuracy: Quantile(q) returns a value within 1% relative error of the exact value of
// rank floor(q * (n - 1)) (0-based, q read as the decimal it stands for: see RankFloor)
// among the n values added: |estimate - exact| <= 0.01 * |exact|. Zero is returned
// exactly, signs are kept, the smallest and largest ranks return the exact min and max,
// and every estimate is clamped to min..max.
//
// Determinism: each value maps to a fixed bucket (its sign and ceil(log_gamma |x|), with
// gamma = 1.01 / 0.99), and a bucket only holds a count, so the state after any set of
// Add and Merge calls depends only on the multiset of values added: merging partial
// sketches in any grouping and order gives bit-identical quantiles.
//
// Memory: while a sign's values fall in at most 32 buckets, 16 bytes per bucket used (an
// aggregate keeps a sketch per group, and most groups see few values). Beyond, 8 bytes
// per bucket over the span of magnitudes seen: about 116 buckets per factor of 10
// (log(10) / log(gamma)), plus up to 50% slack from growth. Latencies from 1 microsecond
// to 1 hour in milliseconds span 9.6 decades: about 1,100 buckets, 9 KiB. The worst case
// (magnitudes from the smallest subnormal to the largest double) is about 73,000 buckets
// per sign, 580 KiB. Add ignores NaN and infinities.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sluice {

class QuantileSketch {
 public:
  /// The relative accuracy alpha: estimates are within alpha * |exact value|.
  static constexpr double kRelativeAccuracy = 0.01;

  /// Adds one value. NaN and infinities are ignored (callers reject them earlier).
  void Add(double value);
  /// Adds every value `other` holds.
  void Merge(const QuantileSketch& other);

  /// The estimated value of rank RankFloor(q * (count() - 1)); q is clamped to 0..1.
  /// NaN when the sketch is empty.
  double Quantile(double q) const;

  uint64_t count() const { return count_; }
  /// The exact smallest and largest values added (NaN when empty).
  double min() const;
  double max() const;
  /// Buckets allocated, for memory accounting.
  size_t bucket_count() const { return positive_.size() + negative_.size(); }

  /// floor(x) for a rank x = q * (n - 1), reading q as the decimal it stands for: 0.29 *
  /// 100 is 28.999999999999996 in doubles, and RankFloor gives 29.
  static double RankFloor(double x);
  /// The bucket a positive value falls in, and the value that bucket reports.
  static int32_t BucketOf(double magnitude);
  static double BucketValue(int32_t bucket);

 private:
  // Counts by bucket: the buckets used, while they are few; then consecutive buckets,
  // starting at bucket first_.
  class Store {
   public:
    void Add(int32_t bucket, uint64_t count);
    void Merge(const Store& other);
    uint64_t total() const { return total_; }
    size_t size() const { return dense_ ? counts_.size() : used_.size(); }
    /// The bucket holding the value of 0-based `rank` in ascending bucket order.
    int32_t BucketOfRank(uint64_t rank) const;
    /// As BucketOfRank, walking from the highest bucket down.
    int32_t BucketOfRankDescending(uint64_t rank) const;

   private:
    static constexpr size_t kMaxUsedBuckets = 32;
    struct Used {
      int32_t bucket;
      uint64_t count;
    };
    void AddUsed(int32_t bucket, uint64_t count);  // while !dense_
    void MakeDense();
    void Cover(int32_t low, int32_t high);
    std::vector<Used> used_;  // ascending by bucket, until dense_
    bool dense_ = false;
    std::vector<uint64_t> counts_;
    int32_t first_ = 0;
    uint64_t total_ = 0;
  };

  Store positive_;
  Store negative_;  // buckets of |x| for x < 0
  uint64_t zeros_ = 0;
  uint64_t count_ = 0;
  double min_ = 0;
  double max_ = 0;
};

}  // namespace sluice
