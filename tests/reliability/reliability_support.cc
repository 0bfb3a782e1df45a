#include "reliability_support.h"

#include <fcntl.h>
#include <simdjson.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

extern char** environ;

namespace sluice::reliability {

Child RunChild(const std::vector<std::string>& argv, const ChildOptions& options) {
  TempDir capture("child");
  const std::string out_path = capture.File("stdout");
  const std::string err_path = capture.File("stderr");

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, options.stdin_path.c_str(), O_RDONLY, 0);
  if (options.stdout_fd) {
    posix_spawn_file_actions_adddup2(&actions, *options.stdout_fd, STDOUT_FILENO);
  } else {
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, out_path.c_str(),
                                     O_WRONLY | O_CREAT | O_TRUNC, 0644);
  }
  posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, err_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0644);
  // Through peak_rss (see peak_rss.cc): wait4 on our own child would count this process's
  // memory in the child's peak.
  const std::string rss_path = capture.File("peak_rss");
  std::vector<std::string> wrapped = {SLUICE_PEAK_RSS_PATH, rss_path};
  wrapped.insert(wrapped.end(), argv.begin(), argv.end());
  std::vector<char*> args;
  for (const std::string& arg : wrapped) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);

  const auto start = std::chrono::steady_clock::now();
  pid_t pid = 0;
  const int spawned = posix_spawn(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned != 0) {
    throw std::runtime_error("cannot run " + argv[0] + ": " + std::strerror(spawned));
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) throw std::runtime_error("waitpid: " + std::string(std::strerror(errno)));
  }
  Child child;
  child.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  child.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  const std::string rss_kib = ReadFile(rss_path);
  if (rss_kib.empty()) throw std::runtime_error("peak_rss could not run " + argv[0]);
  child.max_rss_bytes = std::stoull(rss_kib) * 1024;
  if (!options.stdout_fd) child.out = ReadFile(out_path);
  child.err = ReadFile(err_path);
  return child;
}

Child RunSluice(std::vector<std::string> args, const ChildOptions& options) {
  args.insert(args.begin(), SLUICE_CLI_PATH);
  return RunChild(args, options);
}

TempDir::TempDir(const std::string& tag) {
  static std::atomic<int> counter{0};
  const auto base = std::filesystem::temp_directory_path();
  path_ = (base / ("sluice_rel_" + tag + "_" + std::to_string(getpid()) + "_" +
                   std::to_string(counter.fetch_add(1))))
              .string();
  std::filesystem::remove_all(path_);
  std::filesystem::create_directories(path_);
}

TempDir::~TempDir() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void WriteFile(const std::string& path, std::string_view text) {
  std::ofstream out(path, std::ios::binary);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::vector<std::string> SplitLines(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    lines.emplace_back(text.substr(0, end));
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
  }
  return lines;
}

uint64_t PeakRssBytes() {
  std::ifstream status("/proc/self/status");
  for (std::string line; std::getline(status, line);) {
    if (line.rfind("VmHWM:", 0) == 0) return std::stoull(line.substr(6)) * 1024;  // "N kB"
  }
  return 0;
}

bool ResetPeakRss() {
  std::ofstream clear("/proc/self/clear_refs");
  clear << "5";
  clear.flush();
  return static_cast<bool>(clear);
}

double ThreadCpuSeconds() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

std::optional<ReportCounts> ParseReport(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(simdjson::padded_string(json)).get(root) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  ReportCounts counts;
  simdjson::dom::element totals;
  if (root["totals"].get(totals) != simdjson::SUCCESS ||
      totals["read"].get(counts.totals.read) != simdjson::SUCCESS ||
      totals["ok"].get(counts.totals.ok) != simdjson::SUCCESS ||
      totals["filtered"].get(counts.totals.filtered) != simdjson::SUCCESS ||
      totals["errors"].get(counts.totals.errors) != simdjson::SUCCESS ||
      root["results"].get(counts.results) != simdjson::SUCCESS ||
      root["balanced"].get(counts.balanced) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  return counts;
}

std::optional<DeadLetter> ParseDeadLetter(std::string_view json_line) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(simdjson::padded_string(json_line)).get(root) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  DeadLetter letter;
  std::string_view stage, code, message, raw;
  if (root["line"].get(letter.line) != simdjson::SUCCESS ||
      root["stage"].get(stage) != simdjson::SUCCESS ||
      root["code"].get(code) != simdjson::SUCCESS ||
      root["message"].get(message) != simdjson::SUCCESS ||
      root["raw"].get(raw) != simdjson::SUCCESS) {
    return std::nullopt;
  }
  letter.stage = stage;
  letter.code = code;
  letter.message = message;
  return letter;
}

}  // namespace sluice::reliability
