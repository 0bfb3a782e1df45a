#include "stages/detail/group_state.h"

#include <stdexcept>
#include <utility>
#include <variant>

namespace sluice::detail {
namespace {

uint16_t PartCount(size_t count) {
  if (count > UINT16_MAX) throw std::length_error("aggregate: over 65,535 parts of one kind");
  return static_cast<uint16_t>(count);
}

template <class Accumulator>
void MergeEach(std::span<Accumulator> into, std::span<Accumulator> from) {
  for (size_t i = 0; i < into.size(); ++i) into[i].Merge(std::move(from[i]));
}

}  // namespace

GroupState::GroupState(const MetricPlan& plan, size_t key_size)
    : parts_({PartCount(key_size), PartCount(static_cast<size_t>(plan.sums_)),
              PartCount(static_cast<size_t>(plan.extrema_)),
              PartCount(static_cast<size_t>(plan.sketches_)),
              PartCount(static_cast<size_t>(plan.distincts_))}) {}

void GroupState::Add(const MetricPlan& plan, std::span<const Value* const> values,
                     std::string& scratch) {
  ++count_;
  const auto [key, sums, extrema, sketches, distincts] = parts_.all();
  for (size_t i = 0; i < plan.inputs_.size(); ++i) {
    const MetricPlan::Input& input = plan.inputs_[i];
    const Value& value = *values[i];
    const int64_t* as_int = std::get_if<int64_t>(&value);
    if (input.sum >= 0) {
      SumAccumulator& sum = sums[static_cast<size_t>(input.sum)];
      as_int ? sum.Add(*as_int) : sum.Add(std::get<double>(value));
    }
    if (input.extrema >= 0) extrema[static_cast<size_t>(input.extrema)].Add(value);
    if (input.sketch >= 0) {
      sketches[static_cast<size_t>(input.sketch)].Add(as_int ? static_cast<double>(*as_int)
                                                             : std::get<double>(value));
    }
    if (input.distinct >= 0) distincts[static_cast<size_t>(input.distinct)].Add(value, scratch);
  }
}

void GroupState::Merge(GroupState&& other) {
  count_ += other.count_;
  MergeEach(parts_.get<kSums>(), other.parts_.get<kSums>());
  MergeEach(parts_.get<kExtrema>(), other.parts_.get<kExtrema>());
  MergeEach(parts_.get<kSketches>(), other.parts_.get<kSketches>());
  MergeEach(parts_.get<kDistincts>(), other.parts_.get<kDistincts>());
}

void GroupState::AppendResults(const MetricPlan& plan, Record& row) const {
  for (size_t m = 0; m < plan.metrics_.size(); ++m) {
    const MetricSpec& metric = plan.metrics_[m];
    const auto slot = static_cast<size_t>(plan.metric_slot_[m]);
    Value value;
    switch (metric.kind) {
      case MetricKind::kCount: value = static_cast<int64_t>(count_); break;
      case MetricKind::kSum: value = parts_.get<kSums>()[slot].Sum(); break;
      case MetricKind::kMean: value = parts_.get<kSums>()[slot].Mean(count_); break;
      case MetricKind::kMin: value = parts_.get<kExtrema>()[slot].min(); break;
      case MetricKind::kMax: value = parts_.get<kExtrema>()[slot].max(); break;
      case MetricKind::kQuantile:
        value = parts_.get<kSketches>()[slot].Quantile(metric.quantile);
        break;
      case MetricKind::kDistinct: value = parts_.get<kDistincts>()[slot].count(); break;
    }
    row.Append(plan.output_ids_[m], std::move(value));
  }
}

}  // namespace sluice::detail
