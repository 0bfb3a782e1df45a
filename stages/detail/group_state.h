// Internal: one group of the aggregate stage, its key values and the accumulators of its
// MetricPlan, in one allocation. An aggregate may hold millions of groups, each found at
// random: one block per group means one allocation to make and free, and a lookup that
// compares the key finds the accumulators beside it (the next cache lines) instead of in
// five other places on the heap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "framework/record.h"
#include "framework/value.h"
#include "stages/aggregate_metrics.h"
#include "stages/detail/packed_arrays.h"

namespace sluice::detail {

class GroupState {
 public:
  /// Room for `key_size` key values (null until set) and `plan`'s accumulators. Throws
  /// std::length_error for more than 65,535 key values or accumulators of one kind.
  GroupState(const MetricPlan& plan, size_t key_size);

  std::span<Value> key() { return parts_.get<kKey>(); }
  std::span<const Value> key() const { return parts_.get<kKey>(); }

  /// Adds one record whose inputs passed MetricPlan::Gather.
  void Add(const MetricPlan& plan, std::span<const Value* const> values, std::string& scratch);
  /// Adds everything `other` (of the same plan) holds; its key is left as it was.
  void Merge(GroupState&& other);
  /// Appends one field per metric, in declared order.
  void AppendResults(const MetricPlan& plan, Record& row) const;

 private:
  enum Part : size_t { kKey, kSums, kExtrema, kSketches, kDistincts };
  uint64_t count_ = 0;
  PackedArrays<Value, SumAccumulator, ExtremaAccumulator, QuantileSketch, DistinctAccumulator>
      parts_;
};

}  // namespace sluice::detail
