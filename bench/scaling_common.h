// Shared by the scaling and skew scenarios: the serial reference run and the sluice run
// of one SpinStage.
//
//   const double serial = SerialSeconds(items, SpinCost::Fixed(iterations));
//   const double parallel = SluiceSpinSeconds(items, CoreCount(), SpinCost::Fixed(iterations), {});
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "bench/work.h"

namespace sluice::bench {

/// The machine's cores (at least 1).
int CoreCount();

/// Seconds to run `items` items through one SpinStage worker in a plain loop.
double SerialSeconds(size_t items, SpinCost cost);

struct SluiceSpinRun {
  size_t items = 0;
  int workers = 1;
  SpinCost cost{};
  /// Items pushed per second; 0: as fast as the pipeline takes them.
  double pace = 0;
  /// When set, receives each item's latency (push to result) in microseconds.
  std::vector<double>* latencies = nullptr;
  Feed feed = Feed::kPush;  // kSource: neither pace nor latencies
};

/// Wall seconds of a whole sluice run: one SpinStage with `workers` workers, default
/// queue options. Items carry their index in field "i" when the cost is per item or
/// latencies are wanted (pushed as records), else they are empty records.
double SluiceSpinSeconds(const SluiceSpinRun& run);

inline double SluiceSpinSeconds(size_t items, int workers, SpinCost cost,
                                std::vector<double>* latencies) {
  return SluiceSpinSeconds(
      {.items = items, .workers = workers, .cost = cost, .pace = 0, .latencies = latencies});
}

}  // namespace sluice::bench
