// Aggregate metrics: what the aggregate stage computes per group, as exact, mergeable
// accumulators. Every accumulator's final value depends only on the multiset of values
// added, never on their order or on how they were split between workers, so results are
// bit-identical whatever the worker count.
//
//   sluice::SumAccumulator bytes, other_worker;
//   bytes.Add(int64_t{1500});
//   other_worker.Add(0.25);
//   bytes.Merge(other_worker);              // combine workers
//   sluice::Value total = bytes.Sum();      // 1500.25, whatever the order
//
//   std::vector<sluice::MetricSpec> specs = {
//       {.name = "count", .kind = sluice::MetricKind::kCount},
//       {.name = "p99_latency", .kind = sluice::MetricKind::kQuantile,
//        .field = "latency_ms", .quantile = 0.99}};
//   sluice::MetricPlan plan(specs);         // the accumulators these metrics need
//   std::vector<const sluice::Value*> inputs(plan.inputs().size());
//   if (auto bad = plan.Gather(record, inputs)) return item.Fail(bad->code, bad->message);
//
// The aggregate stage keeps a plan's accumulators per group (detail/group_state.h).
//
// Metrics and their output:
//   count     records in the group (int). Needs no field.
//   sum       int when every value was an int and the exact total fits int64; otherwise
//             a double: the exact total converted to double (within one unit in the last
//             place; rounded once while the total is below 2^53 units).
//   mean      double: the exact total divided by the count.
//   min, max  the smallest/largest value as it came (int or double). An int and a double
//             of equal value (5 and 5.0) tie; the int wins, whatever the order.
//   pNN       double from a QuantileSketch (see quantile_sketch.h): within 1% relative
//             error of the exact value of rank floor(q * (n - 1)).
//   distinct  exact number of distinct values (int). Numbers compare by value (1 == 1.0),
//             strings by bytes; null counts as a value. Memory: one hash-set entry per
//             distinct value per group, about 72 bytes, plus the string's length when
//             it is longer than 14 bytes.
//
// Exactness: ints are summed in an __int128 (cannot overflow before 2^64 records).
// Doubles are summed in fixed point: each value becomes the integer nearest to x * 1e9
// (units of 1e-9) and the integers are summed in an __int128, so a sum is exact to 1e-9
// per value and independent of order (values below 5e-10 in magnitude count as 0).
// Doubles whose magnitude is 1e18 or more cannot be summed that way: a record holding one
// in a sum or mean field fails with kOutOfRange.
//
// Bad inputs: a missing field (kMissingField), a value that is not a number for sum,
// mean, min, max or a quantile (kWrongType), or NaN/infinity there (kOutOfRange) make
// the record an error item before any accumulator changes (MetricPlan::Gather), so that
// a group never holds half a record and conservation holds.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "framework/error.h"
#include "framework/field_names.h"
#include "framework/record.h"
#include "framework/string_set.h"
#include "framework/value.h"
#include "stages/quantile_sketch.h"

namespace sluice {
namespace detail {
class GroupState;  // a group's accumulators, in the aggregate stage
}  // namespace detail

enum class MetricKind : uint8_t { kCount, kSum, kMean, kMin, kMax, kQuantile, kDistinct };

/// "count", "sum", "mean", "min", "max", "quantile", "distinct".
std::string_view MetricKindName(MetricKind kind);

struct MetricSpec {
  std::string name;  // output field name
  MetricKind kind = MetricKind::kCount;
  std::string field = {};  // input field (not for count)
  double quantile = 0;     // 0..1, for kQuantile (p99 -> 0.99)
};

/// Exact sum of ints and doubles (see the header comment).
class SumAccumulator {
 public:
  /// Doubles must be finite with a magnitude below this to be summed.
  static constexpr double kMaxDoubleMagnitude = 1e18;
  static constexpr double kDoubleScale = 1e9;  // fixed-point units per 1.0

  static bool CanAdd(double value) {
    return value > -kMaxDoubleMagnitude && value < kMaxDoubleMagnitude;  // false for NaN
  }
  void Add(int64_t value) { ints_ += value; }
  /// Requires CanAdd(value).
  void Add(double value);
  void Merge(const SumAccumulator& other);
  /// int64 when only ints were added and the total fits; otherwise a double.
  Value Sum() const;
  /// The total divided by `count`.
  double Mean(uint64_t count) const;

 private:
  double Total() const;
  __int128 ints_ = 0;
  __int128 fixed_ = 0;  // the doubles' sum in units of 1e-9, each rounded to a unit
  bool saw_double_ = false;
};

/// Exact min and max of numbers; ties between an int and an equal double go to the int.
class ExtremaAccumulator {
 public:
  /// `value` must be an int or a finite double.
  void Add(const Value& value);
  void Merge(const ExtremaAccumulator& other);
  /// null when nothing was added.
  const Value& min() const { return min_; }
  const Value& max() const { return max_; }

 private:
  Value min_;
  Value max_;
};

/// Exact count of distinct values.
class DistinctAccumulator {
 public:
  /// `scratch` is reused between calls to build the lookup key without allocating.
  void Add(const Value& value, std::string& scratch);
  void Merge(DistinctAccumulator&& other);
  int64_t count() const { return static_cast<int64_t>(strings_.size() + others_.size()); }

 private:
  /// The key a value other than a string is counted under: a type tag and the value's
  /// bytes (numbers with an integral value in int64 range as that int, so 1 and 1.0 share
  /// one key).
  static void KeyOf(const Value& value, std::string& key);

  StringSet strings_;  // string values, by their bytes (no key to build: most values)
  StringSet others_;   // every other value, by KeyOf
};

/// Why a record cannot be aggregated (the record becomes an error item).
struct MetricInputError {
  ErrorCode code;
  std::string message;
};

/// The accumulators a list of metrics needs: metrics on the same field share them (sum
/// and mean share one sum; p50 and p99 one sketch), and each input field is read and
/// checked once per record.
class MetricPlan {
 public:
  struct Input {
    FieldId id = 0;
    std::string field;
    std::string metric;          // the first metric that reads it, for messages
    std::string numeric_metric;  // the first that needs a finite number (sum, mean, min,
                                 // max, quantiles); empty when none does
    std::string summed_metric;   // the first that needs |x| < 1e18 (sum, mean)
    int sum = -1;                // accumulator slots, -1 when unused
    int extrema = -1;
    int sketch = -1;
    int distinct = -1;
  };

  explicit MetricPlan(std::vector<MetricSpec> metrics);

  const std::vector<MetricSpec>& metrics() const { return metrics_; }
  const std::vector<Input>& inputs() const { return inputs_; }
  /// Output field ids, one per metric.
  const std::vector<FieldId>& output_ids() const { return output_ids_; }
  int sums() const { return sums_; }
  int extrema() const { return extrema_; }
  int sketches() const { return sketches_; }
  int distincts() const { return distincts_; }

  /// Finds and checks every input field of `record`; fills `values` (one per input).
  /// nullopt when the record can be aggregated.
  std::optional<MetricInputError> Gather(const Record& record,
                                         std::span<const Value*> values) const;

 private:
  std::vector<MetricSpec> metrics_;
  std::vector<Input> inputs_;
  std::vector<FieldId> output_ids_;
  std::vector<int> metric_slot_;  // per metric: its accumulator slot (or -1 for count)
  int sums_ = 0, extrema_ = 0, sketches_ = 0, distincts_ = 0;
  friend class detail::GroupState;
};

}  // namespace sluice
