// RunReport: the account of one run. Every record read ends as exactly one of ok,
// filtered or error, per stage and in total, and the report shows that it balances.
//
//   sluice::RunReport report = pipeline.Run(source);
//   report.balanced();     // read == ok + filtered + errors
//   report.ToJson();       // for --report
//   report.ToText();       // the run summary
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {

/// The name RunReport counts a source's own errors under (a line too long, say), as if it
/// were a stage: no stage may take it.
inline constexpr std::string_view kSourceStageName = "source";

struct StageReport {
  std::string name{};
  int workers = 0;
  uint64_t in = 0;                // ok records that reached the stage
  uint64_t out = 0;               // records it passed on or absorbed
  uint64_t filtered = 0;          // records it dropped on purpose
  uint64_t errors = 0;            // records it failed
  double busy_seconds = 0;        // summed over its workers
  uint64_t peak_queue_depth = 0;  // most batches waiting in its input queue at once (0
                                  // when it shares the threads of the stage before)
  /// in / busy_seconds (records a fully busy worker-set second); 0 when idle.
  double records_per_busy_second() const;
};

struct RunTotals {
  uint64_t read = 0;  // records that entered the pipeline (lines read or pushed)
  uint64_t ok = 0;    // came through every stage (delivered, or absorbed by an aggregate)
  uint64_t filtered = 0;
  uint64_t errors = 0;
  bool operator==(const RunTotals&) const = default;
};

struct RunReport {
  std::string pipeline;
  /// The input's name; for input pushed under several names (Pipeline::SetSourceName),
  /// each of them once, joined by ", " in the order they were first fed.
  std::string source;
  RunTotals totals;
  uint64_t bytes_read = 0;  // the source's; a pushed line counts its size + 1 (its end)
  uint64_t results = 0;     // rows delivered to the output (records, or aggregate rows)
  double wall_seconds = 0;
  bool stopped_early = false;  // the input was cut short: its last read left input
  /// Why the input could not be read on (ReadError; never "" then), "" when it could. With
  /// it, stopped_early is set.
  std::string read_failure;
  std::vector<StageReport> stages;
  /// Errors by the stage that raised them ("source" for the reader), then by code name.
  std::map<std::string, std::map<std::string, uint64_t>> errors_by_stage;

  bool balanced() const { return totals.read == totals.ok + totals.filtered + totals.errors; }
  double error_ratio() const {
    return totals.read == 0 ? 0.0 : static_cast<double>(totals.errors) / totals.read;
  }
  /// {"pipeline", "source", "totals": {read, ok, filtered, errors}, "balanced",
  ///  "bytes_read", "results", "wall_seconds", "records_per_second", "stopped_early",
  ///  "read_failure" (null, or why), "errors_by_stage": {STAGE: {CODE: n}},
  ///  "stages": [{name, workers, in, out, filtered, errors, busy_seconds, peak_queue_depth,
  ///              records_per_busy_second}]}
  std::string ToJson() const;
  /// The human summary: a per-stage table, the totals and the error account.
  std::string ToText() const;
};

}  // namespace sluice
