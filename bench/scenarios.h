// The bench scenarios of issue 3. Each measures sluice and its baselines in the same run
// and adds rows (figure, baseline, ratio, target, verdict) to the table.
#pragma once

#include <cstddef>
#include <string>

#include "bench/harness.h"
#include "bench/work.h"
#include "framework/pipeline.h"

namespace sluice::bench {

/// 1: tiny items through 3 no-op stages; ns per item per hop.
void RunOverhead(Table& table);
/// Scenario 1's sluice run alone (for profiling): `items` empty records, `workers` per stage.
void RunOverheadSluice(size_t items, int workers, Feed feed, int batch = QueueOptions{}.batch);
/// 2: one CPU-bound stage at 0.2/1/10/100 us per item, workers = cores; efficiency.
void RunScaling(Table& table);
/// 3: log-normal and 1%-1000x-slower item costs; efficiency vs the ideal bound, p99 latency.
void RunSkew(Table& table);

/// Where scenarios 4-6 find their tools and data.
struct ReplaySetup {
  std::string self;              // this executable, re-run for the hand-written baselines
  std::string sluice;            // the sluice CLI
  std::string generator;         // gen_clickstream
  std::string data_dir;          // generated logs and run outputs, reused between runs
  std::string config;            // configs/clickstream.yaml
  std::string throttled_config;  // bench/clickstream_throttled.yaml
};

/// 4: the clickstream log through `sluice run` vs hand-written simdjson and oneTBB.
void RunReplay(Table& table, const ReplaySetup& setup);
/// 5: peak RSS of a replay whose tail is throttled to a tenth of the source's pace.
void RunBoundedMemory(Table& table, const ReplaySetup& setup);
/// 6: 2% and 50% bad lines.
void RunErrorHeavy(Table& table, const ReplaySetup& setup);

}  // namespace sluice::bench
