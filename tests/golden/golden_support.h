// Support for the golden tests: what a run of a config produced, in a deterministic form
// that can be compared with (or written to) tests/golden/<config-name>/:
//
//   expected_output.txt    the result rows as JSONL, in output order (aggregates sort their
//                          rows; `ordered: true` keeps input order)
//   expected_errors.jsonl  the dead letters (Error::ToJson), sorted by input line
//   expected_report.json   the report's counts: totals, balance, results, per-stage
//                          in/out/filtered/errors and errors_by_stage (never timings)
//
//   sluice::golden::GoldenRun run = sluice::golden::RunWithLibrary("configs/x.yaml", {});
//   sluice::golden::GoldenRun expected = sluice::golden::ReadCase("x");
//
// Paths are relative to the repository root: the test binary's main() changes into it.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "framework/metrics.h"

namespace sluice::golden {

struct GoldenRun {
  std::vector<std::string> output;  // result rows, one JSON object each
  std::vector<std::string> errors;  // dead letters sorted by line, one JSON object each
  std::string report;               // CanonicalReport
  RunTotals totals;                 // of the run (not read back from a golden case)
};

/// What a config's spec says about comparing runs of it.
struct ConfigShape {
  std::vector<std::string> stage_names;
  std::string source_path;          // "" for stdin
  bool output_order_fixed = false;  // ordered, or ends in an aggregate (sorted rows)
  double max_error_ratio = 1.0;
};

/// Stems of configs/*.yaml, sorted ("clickstream", ...).
std::vector<std::string> ListConfigNames();
/// Directories under tests/golden/, sorted: one golden case per config.
std::vector<std::string> ListCaseNames();
std::string ConfigPath(const std::string& name);  // "configs/NAME.yaml"
std::string CaseDir(const std::string& name);     // "tests/golden/NAME"

/// Loads `config_path` with `sets` (throws std::runtime_error listing config errors).
ConfigShape ShapeOf(const std::string& config_path, const std::vector<std::string>& sets);

/// Runs the config in-process through the library (LoadPipelineSpec, BuildPipeline,
/// OpenSpecSource with a fake clock) and collects what it produced.
GoldenRun RunWithLibrary(const std::string& config_path, const std::vector<std::string>& sets);

/// The counts of `report`, as pretty JSON with a fixed key order.
std::string CanonicalReport(const RunReport& report);
/// The same from the JSON that `sluice run --report` writes, and its totals to `totals`;
/// throws std::runtime_error when malformed.
std::string CanonicalReportFromJson(std::string_view json, RunTotals& totals);

/// Splits text into lines (a final newline ends the last line, it does not start one).
std::vector<std::string> SplitLines(std::string_view text);
/// Dead letters sorted by their "line" field, then by text.
std::vector<std::string> SortDeadLetters(std::vector<std::string> lines);

/// The golden case files of `name`; an empty run (and no report) when they are missing.
GoldenRun ReadCase(const std::string& name);
/// Writes `run` as the golden case `name` (SLUICE_UPDATE_GOLDEN=1).
void WriteCase(const std::string& name, const GoldenRun& run);
/// True when SLUICE_UPDATE_GOLDEN=1 is set.
bool UpdateMode();

/// "" when equal; otherwise where they first differ, for a test failure message.
std::string DescribeDifference(const std::vector<std::string>& expected,
                               const std::vector<std::string>& actual);

}  // namespace sluice::golden
