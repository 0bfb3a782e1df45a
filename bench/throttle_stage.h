// ThrottleStage: passes records on at no more than `rate` records per second in total
// (over all its workers), sleeping when ahead. The bounded-memory scenario puts it in front
// of the aggregate to make the pipeline's tail ten times slower than its source, so that
// every queue before it fills and backpressure, not the input size, bounds memory.
//
//   registry: sluice::bench::RegisterThrottle(registry);
//   YAML:     - { name: throttle, type: throttle, workers: 1, rate: 200000 }   # 0: no limit
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>

#include "framework/stage.h"
#include "framework/stage_registry.h"

namespace sluice::bench {

class ThrottleStage : public Stage {
 public:
  explicit ThrottleStage(double rate) : rate_(rate) {}
  std::unique_ptr<StageWorker> MakeWorker() override;
  FieldNeeds Reads() const override { return FieldNeeds::None(); }

  /// Shared by the workers: when pacing started and how many records were let through.
  struct Pace {
    std::atomic<int64_t> started_nanos{0};
    std::atomic<uint64_t> passed{0};
  };

 private:
  double rate_;
  std::shared_ptr<Pace> pace_ = std::make_shared<Pace>();
};

/// Registers `type: throttle` (key: rate, records per second; 0 or absent: no limit).
void RegisterThrottle(StageRegistry& registry);

}  // namespace sluice::bench
