#include "stages/quantile_sketch.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace sluice {
namespace {

constexpr double kGamma =
    (1 + QuantileSketch::kRelativeAccuracy) / (1 - QuantileSketch::kRelativeAccuracy);
const double kLogGamma = std::log(kGamma);
const double kInverseLogGamma = 1 / kLogGamma;
// A bucket reports 2 * gamma^k / (gamma + 1): within alpha of every value in
// (gamma^(k-1), gamma^k]. Kept as a logarithm so that exp() sees one argument.
const double kLogRepresentativeFactor = std::log(2 / (kGamma + 1));

// Buckets of finite doubles lie well inside this range (about -37,300..35,500); growth
// slack is clamped to it.
constexpr int32_t kLowestBucket = -40'000;
constexpr int32_t kHighestBucket = 40'000;

}  // namespace

// floor(x) for x = q * (n - 1), where q is most often a decimal (0.29 for p29) that a double
// holds only nearly: 0.29 * 100 is 28.999999999999996. A product within a few units in the
// last place below a whole number is taken as that number, as the decimal q makes it. (A
// true rank that close below a whole number needs n of about 10^(13 - d) or more, for a
// percentile of d decimals: 10^11 for p99.99.)
double QuantileSketch::RankFloor(double x) {
  const double above = std::ceil(x);
  return above - x <= 4 * std::numeric_limits<double>::epsilon() * x ? above : std::floor(x);
}

int32_t QuantileSketch::BucketOf(double magnitude) {
  return static_cast<int32_t>(std::ceil(std::log(magnitude) * kInverseLogGamma));
}

double QuantileSketch::BucketValue(int32_t bucket) {
  return std::exp(bucket * kLogGamma + kLogRepresentativeFactor);
}

void QuantileSketch::Add(double value) {
  if (!std::isfinite(value)) return;
  if (value == 0) value = 0.0;  // one zero: -0.0 and 0.0 must not make min/max order-dependent
  if (count_ == 0) {
    min_ = max_ = value;
  } else {
    min_ = std::min(min_, value);
    max_ = std::max(max_, value);
  }
  ++count_;
  if (value > 0) {
    positive_.Add(BucketOf(value), 1);
  } else if (value < 0) {
    negative_.Add(BucketOf(-value), 1);
  } else {
    ++zeros_;
  }
}

void QuantileSketch::Merge(const QuantileSketch& other) {
  if (other.count_ == 0) return;
  if (count_ == 0) {
    min_ = other.min_;
    max_ = other.max_;
  } else {
    min_ = std::min(min_, other.min_);
    max_ = std::max(max_, other.max_);
  }
  count_ += other.count_;
  zeros_ += other.zeros_;
  positive_.Merge(other.positive_);
  negative_.Merge(other.negative_);
}

double QuantileSketch::Quantile(double q) const {
  if (count_ == 0) return std::numeric_limits<double>::quiet_NaN();
  q = std::clamp(q, 0.0, 1.0);
  auto rank = static_cast<uint64_t>(RankFloor(q * static_cast<double>(count_ - 1)));
  rank = std::min(rank, count_ - 1);
  if (rank == 0) return min_;  // the extremes are known exactly
  if (rank == count_ - 1) return max_;
  double estimate = 0;
  if (rank < negative_.total()) {
    // The most negative values come first: walk |x| buckets from the top.
    estimate = -BucketValue(negative_.BucketOfRankDescending(rank));
  } else if ((rank -= negative_.total()) >= zeros_) {
    estimate = BucketValue(positive_.BucketOfRank(rank - zeros_));
  }
  return std::clamp(estimate, min_, max_);
}

double QuantileSketch::min() const {
  return count_ == 0 ? std::numeric_limits<double>::quiet_NaN() : min_;
}

double QuantileSketch::max() const {
  return count_ == 0 ? std::numeric_limits<double>::quiet_NaN() : max_;
}

void QuantileSketch::Store::Add(int32_t bucket, uint64_t count) {
  total_ += count;
  if (dense_) {
    Cover(bucket, bucket);
    counts_[static_cast<size_t>(bucket - first_)] += count;
    return;
  }
  AddUsed(bucket, count);
}

void QuantileSketch::Store::AddUsed(int32_t bucket, uint64_t count) {
  const auto at = std::lower_bound(used_.begin(), used_.end(), bucket,
                                   [](const Used& u, int32_t b) { return u.bucket < b; });
  if (at != used_.end() && at->bucket == bucket) {
    at->count += count;
    return;
  }
  used_.insert(at, Used{bucket, count});
  if (used_.size() > kMaxUsedBuckets) MakeDense();
}

// From the buckets used to a dense span: the same counts, so the same quantiles.
void QuantileSketch::Store::MakeDense() {
  dense_ = true;
  Cover(used_.front().bucket, used_.back().bucket);
  for (const Used& u : used_) counts_[static_cast<size_t>(u.bucket - first_)] += u.count;
  used_ = {};
}

void QuantileSketch::Store::Merge(const Store& other) {
  if (other.total_ == 0) return;
  if (!other.dense_) {
    for (const Used& u : other.used_) Add(u.bucket, u.count);
    return;
  }
  if (!dense_ && total_ > 0) MakeDense();
  dense_ = true;
  total_ += other.total_;
  Cover(other.first_, other.first_ + static_cast<int32_t>(other.counts_.size()) - 1);
  const size_t shift = static_cast<size_t>(other.first_ - first_);
  for (size_t i = 0; i < other.counts_.size(); ++i) counts_[shift + i] += other.counts_[i];
}

// Makes counts_ span buckets low..high. Grows by at least half the current size on the
// side that grows, so that a stream of ever smaller (or larger) values copies O(n) in all.
void QuantileSketch::Store::Cover(int32_t low, int32_t high) {
  if (counts_.empty()) {
    first_ = low;
    counts_.assign(static_cast<size_t>(high - low) + 1, 0);
    return;
  }
  const int32_t last = first_ + static_cast<int32_t>(counts_.size()) - 1;
  if (low >= first_ && high <= last) return;
  const auto slack = static_cast<int32_t>(counts_.size() / 2);
  const int32_t new_first = low < first_ ? std::max(low - slack, kLowestBucket) : first_;
  const int32_t new_last = high > last ? std::min(high + slack, kHighestBucket) : last;
  std::vector<uint64_t> grown(static_cast<size_t>(new_last - new_first) + 1, 0);
  std::copy(counts_.begin(), counts_.end(), grown.begin() + (first_ - new_first));
  counts_ = std::move(grown);
  first_ = new_first;
}

int32_t QuantileSketch::Store::BucketOfRank(uint64_t rank) const {
  uint64_t seen = 0;
  if (!dense_) {
    for (const Used& u : used_) {
      seen += u.count;
      if (seen > rank) return u.bucket;
    }
    return used_.empty() ? 0 : used_.back().bucket;  // unreachable for rank < total
  }
  for (size_t i = 0; i < counts_.size(); ++i) {
    seen += counts_[i];
    if (seen > rank) return first_ + static_cast<int32_t>(i);
  }
  return first_ + static_cast<int32_t>(counts_.size()) - 1;  // unreachable for rank < total
}

int32_t QuantileSketch::Store::BucketOfRankDescending(uint64_t rank) const {
  uint64_t seen = 0;
  if (!dense_) {
    for (auto u = used_.rbegin(); u != used_.rend(); ++u) {
      seen += u->count;
      if (seen > rank) return u->bucket;
    }
    return used_.empty() ? 0 : used_.front().bucket;
  }
  for (size_t i = counts_.size(); i-- > 0;) {
    seen += counts_[i];
    if (seen > rank) return first_ + static_cast<int32_t>(i);
  }
  return first_;
}

}  // namespace sluice
