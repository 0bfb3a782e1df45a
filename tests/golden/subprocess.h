// RunProcess: runs a program with its stdin, stdout and stderr redirected to files (no
// pipes to drain, so no deadlocks), and returns its exit code. For tests that run the
// real `sluice` binary.
//
//   sluice::golden::ProcessResult r = sluice::golden::RunProcess(
//       {SLUICE_CLI_PATH, "validate", "configs/clickstream.yaml"});
//   EXPECT_EQ(r.exit_code, 0) << r.err;
#pragma once

#include <sys/types.h>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace sluice::golden {

struct ProcessOptions {
  std::string stdin_path = "/dev/null";
  /// A file descriptor to use as the child's stdout instead of a capture file (e.g. a
  /// pipe whose read end is closed).
  std::optional<int> stdout_fd = std::nullopt;
};

struct ProcessResult {
  int exit_code = -1;  // 128 + N when killed by signal N
  std::string out;     // captured stdout (empty with stdout_fd)
  std::string err;     // captured stderr
};

/// Runs argv[0] (a path) with `argv`; throws std::runtime_error when it cannot start.
ProcessResult RunProcess(const std::vector<std::string>& argv, const ProcessOptions& options = {});

/// Starts argv[0] (a path) with `argv`, its stdin read from `stdin_fd` and its stdout
/// written to `stdout_fd` when given (else inherited, as stderr is); -1 when it cannot
/// start. For tests that act while the process runs.
pid_t SpawnProcess(const std::vector<std::string>& argv, int stdin_fd,
                   std::optional<int> stdout_fd = std::nullopt);

/// Waits up to `limit` for `pid` and returns its exit code (128 + N when killed by signal
/// N); after `limit` kills it and returns -1.
int WaitAtMost(pid_t pid, std::chrono::milliseconds limit);

/// Starts argv[0] (a path) with `argv`, its stdin /dev/null, its stdout inherited and its
/// stderr written to the file `stderr_path`; -1 when it cannot start. For tests that read
/// what the process says while it runs.
pid_t SpawnCapturingStderr(const std::vector<std::string>& argv, const std::string& stderr_path);

/// Waits up to `limit` for `pid` and returns waitpid's status (WIFEXITED tells an exit from
/// a death by signal, which WaitAtMost's code cannot); nullopt after killing it at `limit`.
std::optional<int> WaitStatusAtMost(pid_t pid, std::chrono::milliseconds limit);

/// The whole content of `path`; "" when it cannot be read.
std::string ReadFile(const std::string& path);
/// Replaces the content of `path` with `text`.
void WriteFile(const std::string& path, const std::string& text);

/// Runs the `sluice` binary built with the tests (SLUICE_CLI_PATH) with `args`.
ProcessResult Sluice(std::vector<std::string> args, const ProcessOptions& options = {});

/// A fresh directory under the system temp directory, removed by the destructor.
class TempDir {
 public:
  explicit TempDir(const std::string& tag);
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace sluice::golden
