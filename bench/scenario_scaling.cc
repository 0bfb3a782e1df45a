// Scenario 2: scaling. One CPU-bound stage (0.2, 1, 10, 100 us per item), workers = cores.
// Efficiency = serial time / (cores x parallel time), where the serial time is the same
// items through the same worker in a plain loop on one thread.
//
// Baselines: oneTBB parallel_pipeline with the default batch per token on the same
// function (the bar: sluice within 5% of it), and raw threads each spinning a static half
// of the items (what the machine itself gives: no queues at all).
//
// sluice runs twice: with the items pushed from the calling thread (an embedder's own
// producer: a third thread on the cores), and made by a Source that the workers read in
// turn, as oneTBB's serial input filter makes its tokens on its workers.
#include <oneapi/tbb/task_arena.h>

#include <array>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench/harness.h"
#include "bench/scaling_common.h"
#include "bench/scenarios.h"
#include "bench/tbb_baselines.h"
#include "bench/work.h"
#include "framework/pipeline.h"

namespace sluice::bench {
namespace {

// The wall and CPU seconds of each round of one way of feeding sluice.
struct SluiceRuns {
  Feed feed;
  std::vector<double> wall, cpu;
};

struct CostPoint {
  double micros;
  double min_efficiency;
  const char* target;
};

// One pass of `items` items through `workers` raw threads, each taking a static share.
double RawThreadsSeconds(size_t items, int workers, uint64_t iterations) {
  return TimeSeconds([&] {
    std::vector<std::thread> threads;
    for (int w = 0; w < workers; ++w) {
      const size_t share = items / workers + (static_cast<size_t>(w) < items % workers ? 1 : 0);
      threads.emplace_back([share, iterations] {
        for (size_t i = 0; i < share; ++i) SpinAfterPrevious(iterations);
      });
    }
    for (std::thread& t : threads) t.join();
  });
}

double TbbSeconds(oneapi::tbb::task_arena& arena, size_t items, uint64_t iterations) {
  return TimeSeconds([&] {
    const TbbRun run{.arena = &arena, .items = items, .batch = kDefaultBatch};
    const uint64_t delivered = RunTbbPipeline(
        run, 1, [](Item&, size_t) {}, [iterations](Item&, int) { SpinAfterPrevious(iterations); },
        [](const Item&) {});
    if (delivered != items) throw std::runtime_error("oneTBB lost items");
  });
}

}  // namespace

void RunScaling(Table& table) {
  const int cores = CoreCount();
  oneapi::tbb::task_arena arena(cores);
  const double per_micro = SpinIterationsPerMicro();
  const CostPoint points[] = {{0.2, 0.80, "efficiency >= 0.80"},
                              {1, 0.90, "efficiency >= 0.90"},
                              {10, 0.95, "efficiency >= 0.95"},
                              {100, 0.95, "efficiency >= 0.95"}};
  const std::string scenario = "2 scaling";
  for (const CostPoint& point : points) {
    // About 0.6 s of serial work per point. At 100 us that is 6000 items: 6 batches of
    // 1024, were batches not cut to queue.batch_time (1 ms, 10 items) as oneTBB's are not.
    const size_t items = Scaled(std::max(0.6e6 / point.micros, 4000.0));
    const uint64_t iterations = static_cast<uint64_t>(per_micro * point.micros);
    std::vector<double> serial, tbb, raw;
    std::array<SluiceRuns, 2> sluice{SluiceRuns{Feed::kPush, {}, {}},
                                     SluiceRuns{Feed::kSource, {}, {}}};
    const SpinCost cost = SpinCost::Fixed(static_cast<double>(iterations));
    for (int rep = 0; rep < Reps(); ++rep) {
      serial.push_back(SerialSeconds(items, cost));
      for (SluiceRuns& runs : sluice) {
        const double cpu_before = ProcessCpuSeconds();
        runs.wall.push_back(
            SluiceSpinSeconds({.items = items, .workers = cores, .cost = cost, .feed = runs.feed}));
        runs.cpu.push_back(ProcessCpuSeconds() - cpu_before);
      }
      tbb.push_back(TbbSeconds(arena, items, iterations));
      raw.push_back(RawThreadsSeconds(items, cores, iterations));
    }
    const double serial_s = Best(serial);
    auto efficiency = [&](const std::vector<double>& times) {
      return serial_s / (cores * Best(times));
    };
    const double tbb_eff = efficiency(tbb);
    const double raw_eff = efficiency(raw);
    for (const SluiceRuns& runs : sluice) {
      const double sluice_eff = efficiency(runs.wall);
      const std::string figure = "sluice " + FormatNumber(point.micros) + " us/item, " +
                                 std::to_string(cores) + " workers, " + FeedName(runs.feed);
      table.Add({.scenario = scenario,
                 .figure = figure,
                 .value = sluice_eff,
                 .unit = "efficiency",
                 .baseline = "raw threads, static split",
                 .baseline_value = raw_eff,
                 .ratio = sluice_eff / raw_eff,
                 .target = point.target,
                 .verdict = Meets(sluice_eff, Goal::kAtLeast, point.min_efficiency)});
      table.Add({.scenario = scenario,
                 .figure = figure,
                 .value = sluice_eff,
                 .unit = "efficiency",
                 .baseline = TbbBatchedLabel(),
                 .baseline_value = tbb_eff,
                 .ratio = sluice_eff / tbb_eff,
                 .target = "ratio >= 0.95x",
                 .verdict = Meets(sluice_eff / tbb_eff, Goal::kAtLeast, 0.95)});
      // Where efficiency goes: idle cores, or CPU spent beside the work (making, handing on
      // and delivering items), which the cores' time then shares with it.
      const double serial_ns = serial_s * 1e9 / static_cast<double>(items);
      const double cpu_ns = Best(runs.cpu) * 1e9 / static_cast<double>(items);
      table.Add({.scenario = scenario,
                 .figure = "CPU per item (all threads), " + figure,
                 .value = cpu_ns,
                 .unit = "ns",
                 .baseline = "serial time per item",
                 .baseline_value = serial_ns,
                 .ratio = serial_ns / cpu_ns});
    }
  }
}

}  // namespace sluice::bench
