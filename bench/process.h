// Runs a child process and measures it whole: wall time, exit status, peak RSS.
//
//   sluice::bench::ProcessResult r = sluice::bench::RunProcess(
//       {"build/sluice", "run", "configs/clickstream.yaml", "--quiet"}, "out.jsonl", "err.txt");
//   if (r.exit_code != 0) ...;   r.wall_seconds;   r.max_rss_kib;
#pragma once

#include <string>
#include <vector>

namespace sluice::bench {

struct ProcessResult {
  int exit_code = -1;  // the exit status, or 128 + signal
  double wall_seconds = 0;
  double cpu_seconds = 0;  // user + system, all its threads
  long max_rss_kib = 0;    // the child's peak resident set (getrusage's ru_maxrss)
};

/// Runs `argv` (argv[0] looked up in PATH when it has no '/'), its stdout and stderr
/// redirected to the given files ("" = /dev/null), and waits for it.
ProcessResult RunProcess(const std::vector<std::string>& argv, const std::string& stdout_path,
                         const std::string& stderr_path);

/// The whole content of a file ("" when it cannot be read).
std::string ReadFile(const std::string& path);

/// True when `path` exists and is a regular file.
bool FileExists(const std::string& path);

/// Size of `path` in bytes (0 when missing).
unsigned long long FileSize(const std::string& path);

}  // namespace sluice::bench
