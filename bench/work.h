// Synthetic work for the framework-only scenarios: a no-op stage, and a stage that burns a
// fixed amount of CPU per item (a number of iterations, never a wall-clock wait, so that a
// preempted worker does not finish its item early).
//
//   const double per_us = sluice::bench::SpinIterationsPerMicro();   // calibrated once
//   pipeline.Add({.name = "spin", .workers = 2},
//                std::make_unique<sluice::bench::SpinStage>(
//                    sluice::bench::SpinCost::Fixed(per_us * 10)));   // ~10 us per item
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "framework/source.h"
#include "framework/stage.h"

namespace sluice::bench {

/// Runs `iterations` rounds of a dependent multiply-add chain; the result defeats the
/// optimizer. A few ns per round; see SpinIterationsPerMicro.
uint64_t Spin(uint64_t iterations, uint64_t seed);

/// One item's work as every spinning worker and baseline runs it: the chain starts from the
/// thread's previous result, so items run one after another. Independent chains would let
/// the core overlap consecutive short ones: a different function (oneTBB reached 1.2
/// efficiency at 0.2 us with them; docs/benchmark-history.md).
inline void SpinAfterPrevious(uint64_t iterations) {
  thread_local uint64_t previous = 1;
  previous += Spin(iterations, previous);
}

/// Spin iterations per microsecond on this machine: the fastest of several timed runs
/// (the least disturbed). Calibrated once, then cached.
double SpinIterationsPerMicro();

/// Keeps `value` alive without a memory write the compiler can see through.
inline void KeepAlive(uint64_t value) { asm volatile("" : : "r"(value)); }
inline void KeepAlive(const void* pointer) { asm volatile("" : : "r"(pointer)); }

/// Does nothing with each item but pass it on (and keep the call from vanishing).
class NoopStage : public Stage {
 public:
  std::unique_ptr<StageWorker> MakeWorker() override;
  FieldNeeds Reads() const override { return FieldNeeds::None(); }
};

/// What a SpinStage burns per item: a fixed count, or a per-item count looked up by the
/// record's int field "i" (the item's index).
struct SpinCost {
  uint64_t fixed_iterations = 0;
  const std::vector<uint64_t>* per_item = nullptr;  // indexed by field "i"; outlives the stage

  static SpinCost Fixed(double iterations) {
    return {.fixed_iterations = static_cast<uint64_t>(iterations)};
  }
  static SpinCost PerItem(const std::vector<uint64_t>& iterations) {
    return {.per_item = &iterations};
  }
};

class SpinStage : public Stage {
 public:
  explicit SpinStage(SpinCost cost) : cost_(cost) {}
  std::unique_ptr<StageWorker> MakeWorker() override;
  FieldNeeds Reads() const override;

 private:
  SpinCost cost_;
};

/// The iterations SpinStage spends on an item whose field "i" holds `index`.
inline uint64_t SpinIterations(const SpinCost& cost, int64_t index) {
  return cost.per_item ? (*cost.per_item)[static_cast<size_t>(index)] : cost.fixed_iterations;
}

/// The id of the int field "i" that the skew scenario stores item indexes in.
FieldId IndexField();

/// Results counted by an OnResult callback, on a cache line of their own: the collector's
/// thread bumps the count at every result while the caller's thread pushes, and in a line
/// shared with the caller's locals (the Pipeline, which every Push reads) each bump would
/// pull that line across cores: 13% more CPU in scenario 1's pushed runs.
struct alignas(64) ResultCount {
  uint64_t count = 0;
};

/// How a sluice run gets its items: pushed from the calling thread (Pipeline::Push), or
/// read from a RecordSource by the workers (Pipeline::Run), as oneTBB's input filter runs.
enum class Feed { kPush, kSource };
/// "pushed" or "from a source", for the tables.
inline const char* FeedName(Feed feed) { return feed == Feed::kPush ? "pushed" : "from a source"; }

/// Makes `items` records, empty or holding their index in field "i", as a Source: what
/// oneTBB's serial input filter is to its pipeline. The first stage's workers read it in
/// turn (Pipeline::Run), so no thread of its own pushes them.
class RecordSource final : public Source {
 public:
  RecordSource(size_t items, bool indexed) : items_(items), indexed_(indexed) {}
  std::string_view name() const override { return "records"; }
  SourceStatus Read(Batch& batch, size_t max_items) override;

 private:
  const size_t items_;
  const bool indexed_;
  size_t next_ = 0;
};

}  // namespace sluice::bench
