// Scenario 3: skew. Item costs drawn from a log-normal (median 1 us, sigma 1), and a mix
// where 1% of the items are 1000x slower (1 ms among 1 us items). Efficiency against the
// ideal bound max(total work / cores, longest item), with items pushed and read from a
// source (as in scenario 2); per-item latency (push to result), in runs of its own, when the
// input saturates the pipeline and when it arrives at half the pipeline's pace.
//
// Also home of the sluice/serial runs shared with scenario 2 (scaling_common.h).
#include <oneapi/tbb/task_arena.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench/scaling_common.h"
#include "bench/scenarios.h"
#include "bench/tbb_baselines.h"
#include "framework/pipeline.h"

namespace sluice::bench {

int CoreCount() { return static_cast<int>(std::max(1u, std::thread::hardware_concurrency())); }

double SerialSeconds(size_t items, SpinCost cost) {
  SpinStage stage(cost);
  const std::unique_ptr<StageWorker> worker = stage.MakeWorker();
  return TimeSeconds([&] {
    Item item;
    for (size_t i = 0; i < items; ++i) {
      if (cost.per_item != nullptr) {
        item.record.Clear();
        item.record.Append(IndexField(), static_cast<int64_t>(i));
      }
      worker->Process(item);
    }
  });
}

double SluiceSpinSeconds(const SluiceSpinRun& run) {
  const bool indexed = run.cost.per_item != nullptr || run.latencies != nullptr;
  std::vector<int64_t> pushed_at(run.latencies ? run.items : 0);
  if (run.latencies) run.latencies->assign(run.items, -1);
  Pipeline pipeline({.name = "spin"});
  pipeline.Add({.name = "spin", .workers = run.workers}, std::make_unique<SpinStage>(run.cost));
  ResultCount results;
  pipeline.OnResult([&](const Record& record) {
    ++results.count;
    if (run.latencies == nullptr) return;
    const Value* index = record.Find(IndexField());
    const size_t i = static_cast<size_t>(std::get<int64_t>(*index));
    (*run.latencies)[i] = static_cast<double>(NowNanos() - pushed_at[i]) * 1e-3;
  });
  if (run.feed == Feed::kSource) {
    if (run.pace > 0 || run.latencies) throw std::logic_error("pace and latencies need pushes");
    RecordSource source(run.items, indexed);
    const double seconds = TimeSeconds([&] { pipeline.Run(source); });
    if (results.count != run.items) throw std::runtime_error("sluice spin run lost items");
    return seconds;
  }
  const double seconds = TimeSeconds([&] {
    pipeline.Start();
    const int64_t begin = NowNanos();
    for (size_t i = 0; i < run.items; ++i) {
      if (run.pace > 0 && i % 32 == 0) {
        const auto due = std::chrono::nanoseconds(begin + static_cast<int64_t>(1e9 * i / run.pace));
        std::this_thread::sleep_until(std::chrono::steady_clock::time_point(due));
      }
      if (run.latencies) pushed_at[i] = NowNanos();
      if (!indexed) {
        pipeline.Push(Record{});
        continue;
      }
      Record record;
      record.Append(IndexField(), static_cast<int64_t>(i));
      pipeline.Push(std::move(record));
    }
    pipeline.Finish();
  });
  if (results.count != run.items) throw std::runtime_error("sluice spin run lost items");
  return seconds;
}

namespace {

struct SkewCase {
  std::string name;
  std::vector<uint64_t> iterations;  // per item
};

SkewCase LogNormalCase(size_t items, double per_micro) {
  std::mt19937_64 rng(42);
  std::lognormal_distribution<double> micros(0.0, 1.0);  // median 1 us, mean 1.65 us
  SkewCase c{"log-normal costs (median 1 us, sigma 1)", {}};
  for (size_t i = 0; i < items; ++i) {
    c.iterations.push_back(static_cast<uint64_t>(per_micro * micros(rng)));
  }
  return c;
}

SkewCase SlowPercentCase(size_t items, double per_micro) {
  std::mt19937_64 rng(43);
  SkewCase c{"1% of items 1000x slower (1 us / 1 ms)", {}};
  for (size_t i = 0; i < items; ++i) {
    c.iterations.push_back(static_cast<uint64_t>(per_micro * (rng() % 100 == 0 ? 1000 : 1)));
  }
  return c;
}

double TbbSeconds(oneapi::tbb::task_arena& arena, const std::vector<uint64_t>& iterations) {
  return TimeSeconds([&] {
    const TbbRun run{.arena = &arena, .items = iterations.size(), .batch = kDefaultBatch};
    RunTbbPipeline(
        run, 1, [](Item& item, size_t index) { item.line = index; },
        [&iterations](Item& item, int) { SpinAfterPrevious(iterations[item.line]); },
        [](const Item&) {});
  });
}

void MeasureCase(Table& table, const SkewCase& c, oneapi::tbb::task_arena& arena) {
  const int cores = CoreCount();
  const double per_micro = SpinIterationsPerMicro();
  const SpinCost cost = SpinCost::PerItem(c.iterations);
  const size_t items = c.iterations.size();
  std::vector<double> serial, tbb;
  std::map<Feed, std::vector<double>> sluice;
  for (int rep = 0; rep < Reps(); ++rep) {
    serial.push_back(SerialSeconds(items, cost));
    // No timestamps in these runs (oneTBB's have none): latencies get runs of their own.
    for (const Feed feed : {Feed::kPush, Feed::kSource}) {
      sluice[feed].push_back(
          SluiceSpinSeconds({.items = items, .workers = cores, .cost = cost, .feed = feed}));
    }
    tbb.push_back(TbbSeconds(arena, c.iterations));
  }
  const double longest =
      static_cast<double>(*std::max_element(c.iterations.begin(), c.iterations.end())) / per_micro *
      1e-6;
  const double ideal = std::max(Best(serial) / cores, longest);
  const double tbb_eff = ideal / Best(tbb);
  const std::string scenario = "3 skew";
  for (const auto& [feed, times] : sluice) {
    const double sluice_eff = ideal / Best(times);
    table.Add({.scenario = scenario,
               .figure = "sluice, " + std::string(FeedName(feed)) + ", " + c.name,
               .value = sluice_eff,
               .unit = "of ideal",
               .baseline = TbbBatchedLabel(),
               .baseline_value = tbb_eff,
               .ratio = sluice_eff / tbb_eff,
               .target = "value >= 0.90",
               .verdict = Meets(sluice_eff, Goal::kAtLeast, 0.90)});
  }

  // Latency, pushed (a timestamp per push and per result): saturated, then at half the
  // pipeline's capacity.
  std::vector<double> latencies;
  SluiceSpinSeconds(items, cores, cost, &latencies);
  std::vector<double> item_micros;
  for (uint64_t n : c.iterations) item_micros.push_back(static_cast<double>(n) / per_micro);
  const double p99_cost = Quantile(item_micros, 0.99);
  const double mean_cost = std::accumulate(item_micros.begin(), item_micros.end(), 0.0) / items;
  table.Add({.scenario = scenario,
             .figure = "p99 latency, saturated input",
             .value = Quantile(latencies, 0.99),
             .unit = "us",
             .baseline = "p99 item cost",
             .baseline_value = p99_cost,
             .ratio = Quantile(latencies, 0.99) / p99_cost});
  const double pace = 0.5 * cores / (mean_cost * 1e-6);
  SluiceSpinSeconds(
      {.items = items, .workers = cores, .cost = cost, .pace = pace, .latencies = &latencies});
  table.Add({.scenario = scenario,
             .figure = "p99 latency at 50% load (" + FormatNumber(pace / 1000) + "k items/s)",
             .value = Quantile(latencies, 0.99),
             .unit = "us",
             .baseline = "p99 item cost",
             .baseline_value = p99_cost,
             .ratio = Quantile(latencies, 0.99) / p99_cost});
  table.Add({.scenario = scenario,
             .figure = "p50 latency at 50% load",
             .value = Quantile(latencies, 0.5),
             .unit = "us",
             .baseline = "p50 item cost",
             .baseline_value = Quantile(item_micros, 0.5),
             .ratio = Quantile(latencies, 0.5) / Quantile(item_micros, 0.5)});
}

}  // namespace

void RunSkew(Table& table) {
  oneapi::tbb::task_arena arena(CoreCount());
  const double per_micro = SpinIterationsPerMicro();
  MeasureCase(table, LogNormalCase(Scaled(3e5, 1000), per_micro), arena);
  MeasureCase(table, SlowPercentCase(Scaled(5e4, 1000), per_micro), arena);
}

}  // namespace sluice::bench
