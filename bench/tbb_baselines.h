// oneTBB parallel_pipeline baselines for the framework-only scenarios: the same per-item
// function run with one item per token, or with batches of items per token.
//
//   oneapi::tbb::task_arena arena(2);
//   sluice::bench::TbbRun run{.arena = &arena, .items = 1'000'000, .batch = 1024};
//   sluice::bench::RunTbbPipeline(run, /*stages=*/3,
//       [](Item& item, size_t index) { ... },          // make item `index` (serial)
//       [](Item& item, int stage) { ... },              // each stage (parallel)
//       [](const Item& item) { ... });                  // the output (serial)
//
// Templates, so that the per-item calls inline as they would in hand-written code.
#pragma once

#include <oneapi/tbb/parallel_pipeline.h>
#include <oneapi/tbb/task_arena.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "framework/item.h"
#include "framework/pipeline.h"

namespace sluice::bench {

/// The framework's default batch (QueueOptions::batch): the batched baselines' token size.
inline constexpr size_t kDefaultBatch = QueueOptions{}.batch;
/// "oneTBB, 1024 items/token": how the tables name the batched baseline.
inline std::string TbbBatchedLabel() {
  return "oneTBB, " + std::to_string(kDefaultBatch) + " items/token";
}

struct TbbRun {
  oneapi::tbb::task_arena* arena;
  size_t items;
  size_t batch = 1;  // items per token; 1: one item per token (no batching)
  size_t tokens_per_thread = 4;
};

/// `stage_fn(item, stage)` runs as `stages` parallel filters between a serial input that
/// makes the items with `make_item(item, index)` and a serial out-of-order output that
/// hands each to `on_result(item)`. Returns the items that reached the output.
template <class MakeItem, class StageFn, class OnResult>
uint64_t RunTbbPipeline(const TbbRun& run, int stages, MakeItem make_item, StageFn stage_fn,
                        OnResult on_result) {
  using oneapi::tbb::filter_mode;
  using Token = std::vector<Item>;
  uint64_t delivered = 0;
  run.arena->execute([&] {
    size_t next = 0;
    oneapi::tbb::filter<void, Token> chain = oneapi::tbb::make_filter<void, Token>(
        filter_mode::serial_in_order, [&](oneapi::tbb::flow_control& control) {
          Token token;
          if (next >= run.items) {
            control.stop();
            return token;
          }
          const size_t count = std::min(run.batch, run.items - next);
          token.resize(count);
          for (size_t k = 0; k < count; ++k) make_item(token[k], next + k);
          next += count;
          return token;
        });
    for (int stage = 0; stage < stages; ++stage) {
      chain = chain & oneapi::tbb::make_filter<Token, Token>(filter_mode::parallel,
                                                             [stage, &stage_fn](Token token) {
                                                               for (Item& item : token)
                                                                 stage_fn(item, stage);
                                                               return token;
                                                             });
    }
    const size_t tokens = run.tokens_per_thread * static_cast<size_t>(run.arena->max_concurrency());
    oneapi::tbb::parallel_pipeline(
        tokens, chain & oneapi::tbb::make_filter<Token, void>(filter_mode::serial_out_of_order,
                                                              [&](const Token& token) {
                                                                for (const Item& item : token)
                                                                  on_result(item);
                                                                delivered += token.size();
                                                              }));
  });
  return delivered;
}

/// As RunTbbPipeline with exactly one Item per token (no vector around it).
template <class MakeItem, class StageFn, class OnResult>
uint64_t RunTbbPipelinePerItem(const TbbRun& run, int stages, MakeItem make_item, StageFn stage_fn,
                               OnResult on_result) {
  using oneapi::tbb::filter_mode;
  uint64_t delivered = 0;
  run.arena->execute([&] {
    size_t next = 0;
    oneapi::tbb::filter<void, Item> chain = oneapi::tbb::make_filter<void, Item>(
        filter_mode::serial_in_order, [&](oneapi::tbb::flow_control& control) {
          Item item;
          if (next >= run.items) {
            control.stop();
            return item;
          }
          make_item(item, next++);
          return item;
        });
    for (int stage = 0; stage < stages; ++stage) {
      chain = chain & oneapi::tbb::make_filter<Item, Item>(filter_mode::parallel,
                                                           [stage, &stage_fn](Item item) {
                                                             stage_fn(item, stage);
                                                             return item;
                                                           });
    }
    const size_t tokens = run.tokens_per_thread * static_cast<size_t>(run.arena->max_concurrency());
    oneapi::tbb::parallel_pipeline(
        tokens, chain & oneapi::tbb::make_filter<Item, void>(filter_mode::serial_out_of_order,
                                                             [&](Item item) {
                                                               on_result(item);
                                                               ++delivered;
                                                             }));
  });
  return delivered;
}

}  // namespace sluice::bench
