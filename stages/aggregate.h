// AggregateStage: groups records by fields (and optionally by tumbling event-time
// windows) and computes metrics per group; the result rows come out when the input ends.
//
// In YAML:
//
//   - name: aggregate
//     type: aggregate
//     workers: 2
//     group_by: [event]                          # optional; none = one global group
//     window: { time_field: ts, tumbling: 1m }   # optional
//     metrics:
//       count:        count
//       sum_bytes:    { sum: bytes }
//       min_latency:  { min: latency_ms }
//       mean_latency: { mean: latency_ms }
//       p99_latency:  { p99: latency_ms }        # any pNN or pNN.N from p0 to p100
//       users:        { distinct: user }
//
// In code:
//
//   sluice::AggregateOptions options{
//       .group_by = {"event"},
//       .window = sluice::AggregateWindow{.time_field = "ts", .tumbling = std::chrono::minutes(1)},
//       .metrics = {{.name = "count", .kind = sluice::MetricKind::kCount},
//                   {.name = "p99", .kind = sluice::MetricKind::kQuantile,
//                    .field = "latency_ms", .quantile = 0.99}}};
//   pipeline.Add({.name = "aggregate", .workers = 2},
//                std::make_unique<sluice::AggregateStage>(std::move(options)));
//
// Each record it takes in is absorbed (Verdict::kAbsorb: consumed, counted ok). Each
// worker keeps its own groups; Finish combines all workers' groups and returns one row per
// group, sorted by (window_start, group_by values) with the order of CompareValues
// (null < bool < numbers < strings). Row fields, in order: window_start (RFC 3339 UTC,
// "2024-01-01T00:00:00Z", only with a window), the group_by fields, then the metrics in
// declared order (see aggregate_metrics.h for each metric's type and accuracy).
//
// Rows are identical, bit for bit, whatever the number of workers and however records
// are split between them: every accumulator is exact and order-independent.
//
// Grouping: values compare as CompareValues does, so an int and a double of equal value
// (1 and 1.0) are one group, reported as the int; a missing group_by field groups under
// null. Windows: the time field is read by EventTimeMs (epoch s or ms, or RFC 3339; see
// event_time.h) and a record belongs to the window [start, start + tumbling) with start
// a multiple of `tumbling` since the epoch.
//
// Errors (the record becomes an error item, no group changes): the window's time field
// missing (kMissingField) or not a time (kWrongType), and the metric input problems listed
// in aggregate_metrics.h. No input means no rows, even without group_by.
//
// Per record: one field lookup per group_by/metric field and one hash probe; nothing is
// allocated unless the record starts a new group or brings a new distinct value.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "framework/stage.h"
#include "framework/stage_registry.h"
#include "stages/aggregate_metrics.h"

namespace sluice {

struct AggregateWindow {
  std::string time_field;
  std::chrono::milliseconds tumbling{0};  // window width, > 0
};

struct AggregateOptions {
  std::vector<std::string> group_by = {};
  std::optional<AggregateWindow> window = {};
  std::vector<MetricSpec> metrics = {};
};

/// Problems with `options`, one message each (empty when valid): no metrics, empty or
/// repeated names, a quantile outside 0..1, a window of zero width, an output name used
/// twice (window_start, group_by fields and metric names make up each row).
std::vector<std::string> CheckAggregateOptions(const AggregateOptions& options);

class AggregateStage final : public Stage {
 public:
  /// Throws std::invalid_argument listing CheckAggregateOptions' problems, if any.
  explicit AggregateStage(AggregateOptions options);
  ~AggregateStage() override;

  std::unique_ptr<StageWorker> MakeWorker() override;
  /// The group_by fields, the metric input fields and the window's time field.
  FieldNeeds Reads() const override;
  StageInput Input() const override { return StageInput::kRecords; }
  /// Records end here (Verdict::kAbsorb); only the result rows go on.
  bool AbsorbsRecords() const override { return true; }
  /// Combines the workers' groups (which it empties) and emits the rows, sorted.
  void Finish(std::span<const std::unique_ptr<StageWorker>> workers, const RowSink& emit) override;

  const AggregateOptions& options() const { return options_; }

  struct Shared;  // plan and field ids, shared with the workers

 private:
  AggregateOptions options_;
  std::shared_ptr<const Shared> shared_;
};

/// Registers `type: aggregate` (keys: group_by, window, metrics).
void RegisterAggregate(StageRegistry& registry);

}  // namespace sluice
