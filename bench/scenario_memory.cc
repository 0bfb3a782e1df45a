// Scenario 5: bounded memory. The clickstream pipeline with a throttle stage in front of
// the aggregate (bench/clickstream_throttled.yaml, queue capacity 64) passing records at a
// tenth of the pace the pipeline reaches unthrottled, so that every queue before it fills.
// Peak RSS (the child's ru_maxrss) must stay under
//   base + sum over edges of (capacity x batch bytes) + 16 MiB
// where base is the child's RSS just before the run and batch bytes are measured by the
// child (heap bytes of one batch before and after parse_json), and must be the same
// (within 5%) for an input ten times larger.
#include <cmath>
#include <cstdlib>
#include <string>

#include "bench/process.h"
#include "bench/replay_common.h"
#include "bench/scenarios.h"
#include "bench/subcommands.h"

namespace sluice::bench {
namespace {

constexpr double kSlackKib = 16 * 1024;

struct MemoryRun {
  ReplayResult result;
  double base_kib = 0;
  double edge_kib = 0;
  double bound_kib() const { return base_kib + edge_kib + kSlackKib; }
};

double Number(const std::map<std::string, std::string>& values, const std::string& key) {
  const auto it = values.find(key);
  return it == values.end() ? 0 : std::strtod(it->second.c_str(), nullptr);
}

MemoryRun RunThrottled(const ReplaySetup& setup, const std::string& log, double rate) {
  const std::string out = setup.data_dir + "/mem.jsonl";
  const std::string err = setup.data_dir + "/mem.stderr";
  char rate_text[32];
  std::snprintf(rate_text, sizeof rate_text, "%.0f", rate);
  const ProcessResult run =
      RunProcess({setup.self, "mem-child", setup.throttled_config, log, rate_text}, out, err);
  const std::string details = ReadFile(err);
  if (run.exit_code != 0) throw std::runtime_error("mem-child failed: " + details);
  const auto values = ParseKeyValues(details);
  MemoryRun m;
  m.result.seconds = Number(values, "seconds");
  m.result.max_rss_kib = run.max_rss_kib;
  m.result.read = static_cast<uint64_t>(Number(values, "read"));
  m.result.ok = static_cast<uint64_t>(Number(values, "ok"));
  m.result.errors = static_cast<uint64_t>(Number(values, "errors"));
  m.result.rows = ReadFile(out);
  m.result.detail = details;
  m.base_kib = Number(values, "base_kib");
  m.edge_kib = Number(values, "edge_bytes") / 1024;
  return m;
}

void AddBoundRow(Table& table, const std::string& figure, const MemoryRun& m) {
  const double peak = static_cast<double>(m.result.max_rss_kib) / 1024;
  const double bound = m.bound_kib() / 1024;
  table.Add({.scenario = "5 memory",
             .figure = figure,
             .value = peak,
             .unit = "MiB peak RSS",
             .baseline = "bound: base " + FormatNumber(m.base_kib / 1024) + " + edges " +
                         FormatNumber(m.edge_kib / 1024) + " + 16 MiB",
             .baseline_value = bound,
             .ratio = peak / bound,
             .target = "value <= bound",
             .verdict = Meets(peak, Goal::kAtMost, bound)});
}

}  // namespace

void RunBoundedMemory(Table& table, const ReplaySetup& setup) {
  const size_t small_lines = Scaled(2e5, 10000);
  const std::string small_log = EnsureLog(setup, small_lines, 0);
  const std::string big_log = EnsureLog(setup, small_lines * 10, 0);
  // The pace the pipeline reaches unthrottled, then a tenth of it in front of the aggregate.
  const MemoryRun free_run = RunThrottled(setup, small_log, 0);
  const double pace = static_cast<double>(free_run.result.read) / free_run.result.seconds;
  const double rate = pace / 10;
  const MemoryRun small = RunThrottled(setup, small_log, rate);
  const MemoryRun big = RunThrottled(setup, big_log, rate);
  const std::string pace_text = FormatNumber(rate / 1000) + "k rec/s";
  AddBoundRow(table, std::to_string(small.result.read) + " lines, tail at " + pace_text, small);
  AddBoundRow(table, std::to_string(big.result.read) + " lines (10x), same tail", big);
  const double growth = static_cast<double>(big.result.max_rss_kib) / small.result.max_rss_kib;
  table.Add({.scenario = "5 memory",
             .figure = "peak RSS, 10x input",
             .value = static_cast<double>(big.result.max_rss_kib) / 1024,
             .unit = "MiB",
             .baseline = "peak RSS, 1x input",
             .baseline_value = static_cast<double>(small.result.max_rss_kib) / 1024,
             .ratio = growth,
             .target = "ratio 0.95x..1.05x",
             .verdict = std::fabs(growth - 1) <= 0.05 ? Outcome::kPass : Outcome::kMiss});
  const ReplayResult hand = RunHandReplay(setup, big_log, HandKind::kSimdjson);
  table.Add({.scenario = "5 memory",
             .figure = "throttled 10x run: rows + counts same as (a)",
             .value = SameResults(big.result, hand) ? 1.0 : 0.0,
             .unit = SameResults(big.result, hand) ? "(identical)" : "(DIFFERENT)",
             .target = "identical",
             .verdict = SameResults(big.result, hand) ? Outcome::kPass : Outcome::kMiss});
}

}  // namespace sluice::bench
