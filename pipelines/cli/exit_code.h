// Exit codes of the `sluice` command (docs/cli.md, `sluice --help`). Scripts branch on
// them, so their values never change.
#pragma once

namespace sluice::cli {

enum class ExitCode : int {
  kOk = 0,
  kRuntimeFailure = 1,      // an I/O error reading input, an exception
  kUsage = 2,               // a bad config, flag or command
  kErrorRatioExceeded = 3,  // errors/read > errors.max_error_ratio (output still written)
  kOutputFailure = 4,       // results, dead letters or the report could not be written
  kStalled = 5,             // a stage exceeded its stall_timeout (nothing more is written)
  kInterrupted = 130,       // SIGINT/SIGTERM: stopped early (output and report written)
};

inline int ToInt(ExitCode code) { return static_cast<int>(code); }

}  // namespace sluice::cli
