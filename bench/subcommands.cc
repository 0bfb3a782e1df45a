#include "bench/subcommands.h"

#include <malloc.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <iostream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "bench/breakdown.h"
#include "bench/click_hand.h"
#include "bench/harness.h"
#include "bench/scaling_common.h"
#include "bench/scenarios.h"
#include "bench/throttle_stage.h"
#include "framework/clock.h"
#include "framework/pipeline.h"
#include "pipelines/builder.h"
#include "stages/builtin.h"
#include "stages/parse_json.h"

namespace sluice::bench {
namespace {

void PrintTotals(const ClickTotals& totals, double seconds) {
  std::cout << totals.rows_jsonl << std::flush;
  std::cerr << "read=" << totals.read << "\nok=" << totals.ok << "\nerrors=" << totals.errors
            << "\nseconds=" << seconds << "\n";
}

// A /proc/self/status figure in KiB ("VmRSS", "VmHWM"); 0 when absent.
long StatusKib(const std::string& key) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(key + ":", 0) == 0) return std::atol(line.c_str() + key.size() + 1);
  }
  return 0;
}

// Heap bytes in use (glibc's count of allocated chunk bytes).
long HeapBytes() { return static_cast<long>(mallinfo2().uordblks); }

struct BatchBytes {
  long raw = 0;     // a batch of lines as the source makes it
  long parsed = 0;  // the same batch after parse_json (its raw text stays)
};

// Measures what one batch of `batch` lines of `path` holds on the heap, before and after
// a parse_json worker projected to the fields the clickstream pipeline reads.
BatchBytes MeasureBatchBytes(const std::string& path, int batch) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  std::string line;
  while (static_cast<int>(lines.size()) < batch && std::getline(in, line)) lines.push_back(line);

  ParseJsonStage stage;
  stage.Project(FieldNeeds::Only({"ts", "user", "event", "latency_ms", "bytes"}));
  const std::unique_ptr<StageWorker> worker = stage.MakeWorker();
  {
    Batch warm;  // the worker's own buffers are not part of a batch
    warm.AddLine(lines.empty() ? "{}" : lines.front(), 1, 0);
    warm.Seal();
    worker->Process(warm.items.front());
  }
  BatchBytes bytes;
  const long before = HeapBytes();
  auto held = std::make_unique<Batch>();
  for (size_t i = 0; i < lines.size(); ++i) held->AddLine(lines[i], i + 1, 0);
  held->Seal();
  bytes.raw = HeapBytes() - before;
  for (Item& item : held->items) worker->Process(item);
  bytes.parsed = HeapBytes() - before;
  return bytes;
}

int MemChild(const std::string& config, const std::string& input, const std::string& rate) {
  StageRegistry registry;
  RegisterBuiltinStages(registry);
  RegisterThrottle(registry);
  ConfigErrors errors;
  const std::vector<std::string> sets = {"stages.throttle.rate=" + rate};
  std::optional<PipelineSpec> spec = LoadPipelineSpec(config, registry, sets, errors);
  std::unique_ptr<Pipeline> pipeline = spec ? BuildPipeline(*spec, registry, errors) : nullptr;
  if (!pipeline) {
    std::cerr << errors.ToString();
    return 2;
  }
  auto source = OpenSpecSource(*spec, registry, input, SystemClock::Instance());
  if (!source.ok()) {
    std::cerr << source.error().message << "\n";
    return 2;
  }
  std::string rows;
  pipeline->OnResult([&rows](const Record& row) {
    rows += row.ToJson();
    rows += '\n';
  });

  const int batch = spec->stages.front().queue.value_or(spec->queue).batch;
  const BatchBytes batch_bytes = MeasureBatchBytes(input, batch);
  long edge_bytes = 0;  // sum over the stages' input edges of capacity x batch bytes
  for (size_t i = 0; i < spec->stages.size(); ++i) {
    const QueueOptions edge = spec->stages[i].queue.value_or(spec->queue);
    edge_bytes +=
        static_cast<long>(edge.capacity) * (i == 0 ? batch_bytes.raw : batch_bytes.parsed);
  }
  const long base_kib = StatusKib("VmRSS");
  const RunReport report = pipeline->Run(**source);
  std::cout << rows << std::flush;
  std::cerr << "base_kib=" << base_kib << "\nraw_batch_bytes=" << batch_bytes.raw
            << "\nparsed_batch_bytes=" << batch_bytes.parsed << "\nedge_bytes=" << edge_bytes
            << "\nhwm_kib=" << StatusKib("VmHWM") << "\nread=" << report.totals.read
            << "\nok=" << report.totals.ok << "\nerrors=" << report.totals.errors
            << "\nseconds=" << report.wall_seconds << "\n";
  return 0;
}

int Usage() {
  std::cerr << "usage: sluice_bench hand-simdjson FILE | hand-tbb FILE THREADS | "
               "hand-split FILE THREADS | mem-child CONFIG FILE RATE | "
               "profile-overhead WORKERS ITEMS [push|source [BATCH]] | profile-spin MICROS ITEMS "
               "[push|source] | replay-breakdown CONFIG FILE\n";
  return 2;
}

}  // namespace

bool IsSubcommand(std::string_view name) {
  return name == "hand-simdjson" || name == "hand-tbb" || name == "hand-split" ||
         name == "mem-child" || name == "profile-overhead" || name == "profile-spin" ||
         name == "replay-breakdown";
}

int SubcommandMain(int argc, char** argv) {
  const std::string name = argv[0];
  try {
    if (name == "hand-simdjson" && argc == 2) {
      ClickTotals totals;
      const double seconds = TimeSeconds([&] { totals = RunHandSimdjson(argv[1]); });
      PrintTotals(totals, seconds);
      return 0;
    }
    if ((name == "hand-tbb" || name == "hand-split") && argc == 3) {
      const auto run = name == "hand-tbb" ? RunHandTbb : RunHandSplit;
      ClickTotals totals;
      const double seconds = TimeSeconds([&] { totals = run(argv[1], std::atoi(argv[2])); });
      PrintTotals(totals, seconds);
      return 0;
    }
    if (name == "mem-child" && argc == 4) return MemChild(argv[1], argv[2], argv[3]);
    if (name == "replay-breakdown" && argc == 3) return ReplayBreakdownMain(argv[1], argv[2]);
    if (name == "profile-overhead" && argc >= 3 && argc <= 5) {
      const Feed feed = argc >= 4 && std::string(argv[3]) == "source" ? Feed::kSource : Feed::kPush;
      // A small batch makes each batch's fixed cost show against the items' cost.
      const int batch = argc == 5 ? std::atoi(argv[4]) : QueueOptions{}.batch;
      RunOverheadSluice(std::strtoull(argv[2], nullptr, 10), std::atoi(argv[1]), feed, batch);
      return 0;
    }
    if (name == "profile-spin" && (argc == 3 || argc == 4)) {  // scenario 2's sluice run
      const Feed feed = argc == 4 && std::string(argv[3]) == "source" ? Feed::kSource : Feed::kPush;
      const double iterations = std::atof(argv[1]) * SpinIterationsPerMicro();
      const double seconds = SluiceSpinSeconds({.items = std::strtoull(argv[2], nullptr, 10),
                                                .workers = CoreCount(),
                                                .cost = SpinCost::Fixed(iterations),
                                                .feed = feed});
      std::cout << "seconds=" << seconds << "\n";
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << name << ": " << e.what() << "\n";
    return 1;
  }
  return Usage();
}

std::map<std::string, std::string> ParseKeyValues(const std::string& text) {
  std::map<std::string, std::string> values;
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    const size_t equals = line.find('=');
    if (equals != std::string::npos && equals > 0)
      values[line.substr(0, equals)] = line.substr(equals + 1);
  }
  return values;
}

}  // namespace sluice::bench
