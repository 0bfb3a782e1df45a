// Where a replay's CPU goes, without threads or queues: the YAML pipeline's source and
// stages run one after another on each batch in this one thread, each phase's thread CPU
// time measured (so that other load on the machine does not inflate it), next to the
// hand-written loop (a) on the same file. The sum of the phases is what the pipeline's
// threads must share; on C cores sluice can be at most C x (a) / sum as fast as (a).
//
//   sluice_bench replay-breakdown configs/clickstream.yaml clicks.jsonl
//   -> phase_source_ns=..., phase_parse_ns=..., ..., total_ns=..., hand_ns=... (CPU per line)
#include "bench/breakdown.h"

#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bench/click_hand.h"
#include "bench/harness.h"
#include "framework/clock.h"
#include "framework/detail/stage_runner.h"
#include "pipelines/builder.h"
#include "stages/builtin.h"

namespace sluice::bench {
namespace {

struct Phase {
  std::string name;
  std::unique_ptr<Stage> stage;
  std::unique_ptr<StageWorker> worker;
  detail::StageCounters counters;
  int64_t nanos = 0;
};

// Makes each stage from its YAML node and projects fields.
std::vector<std::unique_ptr<Phase>> MakePhases(const PipelineSpec& spec,
                                               const StageRegistry& registry,
                                               ConfigErrors& errors) {
  std::vector<std::unique_ptr<Phase>> phases;
  for (const StageSpec& stage_spec : spec.stages) {
    auto phase = std::make_unique<Phase>();
    phase->name = stage_spec.name;
    phase->stage = registry.Find(stage_spec.type)->make(stage_spec.node, errors);
    if (!phase->stage) return {};
    phases.push_back(std::move(phase));
  }
  std::vector<Stage*> chain;  // projected as Pipeline::Start projects
  chain.reserve(phases.size());
  for (const auto& phase : phases) chain.push_back(phase->stage.get());
  ProjectFieldNeeds(chain);
  for (auto& phase : phases) phase->worker = phase->stage->MakeWorker();
  return phases;
}

}  // namespace

int ReplayBreakdownMain(const std::string& config, const std::string& input) {
  StageRegistry registry;
  RegisterBuiltinStages(registry);
  ConfigErrors errors;
  std::optional<PipelineSpec> spec = LoadPipelineSpec(config, registry, {}, errors);
  std::vector<std::unique_ptr<Phase>> phases;
  if (spec) phases = MakePhases(*spec, registry, errors);
  auto source = spec ? OpenSpecSource(*spec, registry, input, SystemClock::Instance())
                     : Result<std::unique_ptr<Source>>(Error{});
  if (phases.empty() || !source.ok()) {
    std::cerr << errors.ToString() << (source.ok() ? "" : source.error().message) << "\n";
    return 2;
  }
  const int batch_size = spec->stages.front().queue.value_or(spec->queue).batch;
  const std::string source_name = "source";
  uint64_t lines = 0;
  int64_t source_nanos = 0;
  SourceStatus status = SourceStatus::kMore;
  Batch batch;  // reused, as the pipeline recycles its batches: a new one per read faulted
  while (status == SourceStatus::kMore) {  // in fresh pages, which the source was billed for
    batch.Clear();
    int64_t begin = ThreadCpuNanos();
    status = (*source)->Read(batch, static_cast<size_t>(batch_size));
    batch.Seal();
    source_nanos += ThreadCpuNanos() - begin;
    lines += batch.size();
    for (auto& phase : phases) {
      const detail::ErrorContext context{&phase->name, &source_name};
      begin = ThreadCpuNanos();
      detail::ProcessBatch(*phase->worker, batch, context, phase->counters, nullptr);
      phase->nanos += ThreadCpuNanos() - begin;
    }
  }
  int64_t finish_nanos = 0;
  for (auto& phase : phases) {
    std::vector<std::unique_ptr<StageWorker>> workers;
    workers.push_back(std::move(phase->worker));
    const int64_t begin = ThreadCpuNanos();
    phase->stage->Finish(workers, [](Record&&) {});
    finish_nanos += ThreadCpuNanos() - begin;
  }
  const int64_t hand_begin = ThreadCpuNanos();
  const ClickTotals hand = RunHandSimdjson(input);
  const double hand_seconds = static_cast<double>(ThreadCpuNanos() - hand_begin) * 1e-9;

  const double per_line = lines == 0 ? 0 : 1.0 / static_cast<double>(lines);
  int64_t total = source_nanos + finish_nanos;
  std::cerr << "lines=" << lines << "\nphase_source_ns=" << source_nanos * per_line << "\n";
  for (auto& phase : phases) {
    std::cerr << "phase_" << phase->name << "_ns=" << phase->nanos * per_line << "\n";
    total += phase->nanos;
  }
  std::cerr << "phase_finish_ns=" << finish_nanos * per_line << "\ntotal_ns=" << total * per_line
            << "\nhand_ns=" << hand_seconds * 1e9 * per_line << "\n";
  return 0;
}

}  // namespace sluice::bench
