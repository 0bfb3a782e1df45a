#include "reliability_support.h"

#include <simdjson.h>
#include <time.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <stdexcept>

namespace sluice::reliability {

Child RunChild(const std::vector<std::string>& argv, const ChildOptions& options) {
  // Through peak_rss (see peak_rss.cc): wait4 on our own child would count this process's
  // memory in the child's peak.
  TempDir capture("child");
  const std::string rss_path = capture.File("peak_rss");
  std::vector<std::string> wrapped = {SLUICE_PEAK_RSS_PATH, rss_path};
  wrapped.insert(wrapped.end(), argv.begin(), argv.end());
  const auto start = std::chrono::steady_clock::now();
  golden::ProcessResult run = golden::RunProcess(wrapped, options);
  Child child;
  child.wall_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  child.exit_code = run.exit_code;
  child.out = std::move(run.out);
  child.err = std::move(run.err);
  const std::string rss_kib = ReadFile(rss_path);
  if (rss_kib.empty()) throw std::runtime_error("peak_rss could not run " + argv[0]);
  child.max_rss_bytes = std::stoull(rss_kib) * 1024;
  return child;
}

Child RunSluice(std::vector<std::string> args, const ChildOptions& options) {
  args.insert(args.begin(), SLUICE_CLI_PATH);
  return RunChild(args, options);
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
