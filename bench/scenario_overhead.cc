// Scenario 1: per-item overhead. Empty items through 3 no-op stages, 1 and 2 workers per
// stage; the cost of moving an item one hop (one stage) further, in ns.
//
// Baselines, same items, same no-op worker: a plain loop (the floor), a mutex +
// condition_variable queue per hop passing single items (the textbook fan-out/fan-in),
// and oneTBB parallel_pipeline with one item per token and with the default batch per token.
// sluice's items are pushed from the calling thread (as the mutex queues' are), or made by
// a Source that the workers read (as oneTBB's input filter makes its tokens).
#include <oneapi/tbb/task_arena.h>

#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "bench/mutex_queue.h"
#include "bench/scenarios.h"
#include "bench/tbb_baselines.h"
#include "bench/work.h"
#include "framework/pipeline.h"

namespace sluice::bench {
namespace {

constexpr int kStages = 3;

void ExpectCount(uint64_t got, size_t want, const char* what) {
  if (got != want) {
    throw std::runtime_error(std::string(what) + ": " + std::to_string(got) + " items out of " +
                             std::to_string(want));
  }
}

}  // namespace

// The framework with its default queue options (QueueOptions{}) but for the batch size.
void RunOverheadSluice(size_t items, int workers, Feed feed, int batch) {
  Pipeline pipeline({.name = "overhead", .queue = {.batch = batch}});
  for (int s = 0; s < kStages; ++s) {
    pipeline.Add({.name = "noop" + std::to_string(s), .workers = workers},
                 std::make_unique<NoopStage>());
  }
  ResultCount results;
  pipeline.OnResult([&results](const Record&) { ++results.count; });
  if (feed == Feed::kSource) {
    RecordSource source(items, /*indexed=*/false);
    pipeline.Run(source);
  } else {
    pipeline.Start();
    for (size_t i = 0; i < items; ++i) pipeline.Push(Record{});
    pipeline.Finish();
  }
  ExpectCount(results.count, items, "sluice");
}

namespace {

void RunPlainLoop(size_t items) {
  NoopStage stage;
  std::vector<std::unique_ptr<StageWorker>> workers;
  workers.reserve(kStages);
  for (int s = 0; s < kStages; ++s) workers.push_back(stage.MakeWorker());
  uint64_t results = 0;
  for (size_t i = 0; i < items; ++i) {
    Item item;
    bool passed = true;
    for (auto& worker : workers) passed = passed && worker->Process(item) == Verdict::kPass;
    results += passed;
  }
  ExpectCount(results, items, "plain loop");
}

// One thread per worker, one mutex queue per hop, single items.
void RunMutexQueues(size_t items, int workers) {
  constexpr size_t kCapacity = 1024;
  std::vector<std::unique_ptr<MutexQueue<Item>>> queues;
  queues.push_back(std::make_unique<MutexQueue<Item>>(kCapacity, 1));
  for (int s = 0; s < kStages; ++s) {
    queues.push_back(std::make_unique<MutexQueue<Item>>(kCapacity, workers));
  }
  NoopStage stage;
  std::vector<std::thread> threads;
  for (int s = 0; s < kStages; ++s) {
    for (int w = 0; w < workers; ++w) {
      threads.emplace_back([&, s, worker = stage.MakeWorker()] {
        Item item;
        while (queues[s]->Pop(item)) {
          worker->Process(item);
          queues[s + 1]->Push(std::move(item));
        }
        queues[s + 1]->ProducerDone();
      });
    }
  }
  ResultCount results;  // as the pipeline's: off the pushing thread's lines
  threads.emplace_back([&] {
    Item item;
    while (queues.back()->Pop(item)) ++results.count;
  });
  for (size_t i = 0; i < items; ++i) queues.front()->Push(Item{});
  queues.front()->ProducerDone();
  for (std::thread& t : threads) t.join();
  ExpectCount(results.count, items, "mutex queue");
}

void RunTbb(oneapi::tbb::task_arena& arena, size_t items, size_t batch) {
  NoopStage stage;
  const std::unique_ptr<StageWorker> worker = stage.MakeWorker();  // stateless: shared
  const TbbRun run{.arena = &arena, .items = items, .batch = batch};
  auto make = [](Item&, size_t) {};
  auto process = [&worker](Item& item, int) { worker->Process(item); };
  ResultCount results;
  auto output = [&results](const Item&) { ++results.count; };
  const uint64_t delivered = batch == 1 ? RunTbbPipelinePerItem(run, kStages, make, process, output)
                                        : RunTbbPipeline(run, kStages, make, process, output);
  ExpectCount(delivered, items, "oneTBB");
  ExpectCount(results.count, items, "oneTBB output");
}

double NanosPerItemHop(double seconds, size_t items) {
  return seconds * 1e9 / (static_cast<double>(items) * kStages);
}

}  // namespace

void RunOverhead(Table& table) {
  const int cores = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  oneapi::tbb::task_arena arena(cores);
  const size_t sluice_items = Scaled(4e6, 10000);
  const size_t loop_items = Scaled(2e7, 10000);
  const size_t mutex_items = Scaled(3e5, 10000);
  const size_t tbb_item_items = Scaled(5e5, 10000);
  const size_t tbb_batch_items = Scaled(4e6, 10000);
  // One round runs every contender once; the fastest of Reps() rounds is kept.
  const std::vector<Timing> best = BestInterleaved(
      Reps(), {[&] { RunPlainLoop(loop_items); }, [&] { RunTbb(arena, tbb_item_items, 1); },
               [&] { RunTbb(arena, tbb_batch_items, kDefaultBatch); },
               [&] { RunMutexQueues(mutex_items, 1); }, [&] { RunMutexQueues(mutex_items, 2); },
               [&] { RunOverheadSluice(sluice_items, 1, Feed::kPush); },
               [&] { RunOverheadSluice(sluice_items, 2, Feed::kPush); },
               [&] { RunOverheadSluice(sluice_items, 1, Feed::kSource); },
               [&] { RunOverheadSluice(sluice_items, 2, Feed::kSource); }});
  const double loop_ns = NanosPerItemHop(best[0].wall_seconds, loop_items);
  const double tbb_item_ns = NanosPerItemHop(best[1].wall_seconds, tbb_item_items);
  const double tbb_batch_ns = NanosPerItemHop(best[2].wall_seconds, tbb_batch_items);
  const double tbb_batch_cpu_ns = NanosPerItemHop(best[2].cpu_seconds, tbb_batch_items);

  const std::string scenario = "1 overhead";
  const std::string unit = "ns/item/hop";
  size_t at = 5;  // the first sluice timing
  for (Feed feed : {Feed::kPush, Feed::kSource}) {
    for (int workers : {1, 2}) {
      const std::string tag =
          std::to_string(workers) + " worker" + (workers > 1 ? "s" : "") + "/stage";
      const double sluice_ns = NanosPerItemHop(best[at].wall_seconds, sluice_items);
      const double sluice_cpu_ns = NanosPerItemHop(best[at].cpu_seconds, sluice_items);
      ++at;
      const std::string figure = std::string("sluice, ") + FeedName(feed) + ", " + tag;
      table.Add({.scenario = scenario,
                 .figure = figure,
                 .value = sluice_ns,
                 .unit = unit,
                 .baseline = "plain loop (1 thread)",
                 .baseline_value = loop_ns,
                 .ratio = loop_ns / sluice_ns,
                 .target = "value <= 10 ns",
                 .verdict = Meets(sluice_ns, Goal::kAtMost, 10)});
      if (feed == Feed::kPush) {  // the mutex queues' items are pushed the same way
        const double mutex_ns = NanosPerItemHop(best[2 + workers].wall_seconds, mutex_items);
        table.Add({.scenario = scenario,
                   .figure = figure,
                   .value = sluice_ns,
                   .unit = unit,
                   .baseline = "mutex+condvar queue, " + tag,
                   .baseline_value = mutex_ns,
                   .ratio = mutex_ns / sluice_ns,
                   .target = "ratio >= 10x",
                   .verdict = Meets(mutex_ns / sluice_ns, Goal::kAtLeast, 10)});
      }
      table.Add({.scenario = scenario,
                 .figure = figure,
                 .value = sluice_ns,
                 .unit = unit,
                 .baseline = TbbBatchedLabel(),
                 .baseline_value = tbb_batch_ns,
                 .ratio = tbb_batch_ns / sluice_ns,
                 .target = "ratio >= 1x",
                 .verdict = Meets(tbb_batch_ns / sluice_ns, Goal::kAtLeast, 1)});
      table.Add({.scenario = scenario,
                 .figure = figure,
                 .value = sluice_ns,
                 .unit = unit,
                 .baseline = "oneTBB, 1 item/token",
                 .baseline_value = tbb_item_ns,
                 .ratio = tbb_item_ns / sluice_ns});
      // CPU time holds on a busy machine where wall time does not.
      table.Add({.scenario = scenario,
                 .figure = "CPU (all threads), " + figure,
                 .value = sluice_cpu_ns,
                 .unit = unit,
                 .baseline = "CPU, " + TbbBatchedLabel(),
                 .baseline_value = tbb_batch_cpu_ns,
                 .ratio = tbb_batch_cpu_ns / sluice_cpu_ns});
    }
  }
}

}  // namespace sluice::bench
