// Helpers for the reliability tests: run the real `sluice` binary as a child and learn its
// exit code, output and PEAK MEMORY (wait4's rusage, per child); temporary directories;
// the process's own peak memory; CPU time; and the run report's totals.
//
//   sluice::reliability::TempDir dir("hostile");
//   sluice::reliability::Child run = sluice::reliability::RunSluice(
//       {"run", "configs/clickstream.yaml", "--input", dir.File("in.jsonl"), "--quiet"});
//   EXPECT_EQ(run.exit_code, 0) << run.err;
//   EXPECT_LT(run.max_rss_bytes, 64u << 20);
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "framework/metrics.h"
#include "subprocess.h"  // tests/golden: RunProcess, TempDir, ReadFile

namespace sluice::reliability {

/// stdin file, or a descriptor to use as stdout instead of a capture file.
using ChildOptions = golden::ProcessOptions;

struct Child {
  int exit_code = -1;          // 128 + N when killed by signal N
  std::string out;             // captured stdout (empty with stdout_fd)
  std::string err;             // captured stderr
  uint64_t max_rss_bytes = 0;  // the child's own peak resident memory (see peak_rss.cc)
  double wall_seconds = 0;
};

/// Runs `argv` (argv[0] a path) through peak_rss and waits for it. Throws
/// std::runtime_error when it cannot start.
Child RunChild(const std::vector<std::string>& argv, const ChildOptions& options = {});
/// Runs the `sluice` binary under test with `args`.
Child RunSluice(std::vector<std::string> args, const ChildOptions& options = {});

using golden::ReadFile;
using golden::TempDir;

void WriteFile(const std::string& path, std::string_view text);
/// `text` split at '\n' (a final newline gives no empty last line).
std::vector<std::string> SplitLines(std::string_view text);

/// This process's peak resident memory since the last ResetPeakRss (VmHWM), in bytes.
uint64_t PeakRssBytes();
/// Restarts VmHWM at the current resident size (Linux /proc/self/clear_refs "5"); false
/// when the kernel does not allow it.
bool ResetPeakRss();
/// CPU seconds used by the calling thread.
double ThreadCpuSeconds();

/// The run report's {"totals": ...} and "results" from `sluice run --report` JSON.
struct ReportCounts {
  RunTotals totals;
  uint64_t results = 0;
  bool balanced = false;
};
/// Parses a report file's text; nullopt when it is not the expected JSON.
std::optional<ReportCounts> ParseReport(std::string_view json);

/// One dead-letter line's fields.
struct DeadLetter {
  uint64_t line = 0;
  std::string stage;
  std::string code;
  std::string message;
};
/// Parses one dead-letter JSONL line; nullopt when it is not valid JSON of that shape.
std::optional<DeadLetter> ParseDeadLetter(std::string_view json_line);

}  // namespace sluice::reliability
