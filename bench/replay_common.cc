#include "bench/replay_common.h"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <thread>

#include "bench/process.h"
#include "bench/scaling_common.h"
#include "bench/subcommands.h"

namespace sluice::bench {
namespace {

// The number after `"key":` in a JSON text (the run report); 0 when absent.
double JsonNumber(const std::string& json, const std::string& key) {
  const size_t at = json.find("\"" + key + "\":");
  return at == std::string::npos ? 0 : std::strtod(json.c_str() + at + key.size() + 3, nullptr);
}

uint64_t AsCount(const std::map<std::string, std::string>& values, const std::string& key) {
  const auto it = values.find(key);
  return it == values.end() ? 0 : std::strtoull(it->second.c_str(), nullptr, 10);
}

std::string RatioTag(double bad_ratio) {
  char tag[32];
  std::snprintf(tag, sizeof tag, "%g", bad_ratio * 100);
  return tag;
}

}  // namespace

std::string EnsureLog(const ReplaySetup& setup, size_t lines, double bad_ratio) {
  std::string path = setup.data_dir + "/clicks_" + std::to_string(lines) +
                     (bad_ratio > 0 ? "_bad" + RatioTag(bad_ratio) + "pct" : "") + ".jsonl";
  if (FileExists(path)) return path;
  RunProcess({"mkdir", "-p", setup.data_dir}, "", "");
  const std::string partial = path + ".partial";
  char ratio[32];
  std::snprintf(ratio, sizeof ratio, "%.4f", bad_ratio);
  const ProcessResult made = RunProcess({setup.generator, "--lines", std::to_string(lines),
                                         "--bad-ratio", ratio, "--seed", "7", "--out", partial},
                                        "", "");
  if (made.exit_code != 0 || std::rename(partial.c_str(), path.c_str()) != 0) {
    throw std::runtime_error("generating " + path + " failed (is " + setup.generator + " built?)");
  }
  return path;
}

ReplayResult RunSluiceReplay(const ReplaySetup& setup, const std::string& log,
                             const std::string& tag) {
  const std::string out = setup.data_dir + "/sluice_" + tag + ".jsonl";
  const std::string report = setup.data_dir + "/sluice_" + tag + ".report.json";
  const std::string err = setup.data_dir + "/sluice_" + tag + ".stderr";
  const std::string dead_letters = setup.data_dir + "/sluice_" + tag + ".errors.jsonl";
  const ProcessResult run =
      RunProcess({setup.sluice, "run", setup.config, "--input", log, "--format", "jsonl",
                  "--output", out, "--quiet", "--report", report, "--set",
                  "errors.dead_letter=" + dead_letters, "--set", "errors.max_error_ratio=1"},
                 "", err);
  // Gone before the page cache writes them back (341 MB at 50% bad lines): that write-back
  // would take CPU from the runs after it, and a run writing over the file pays to
  // truncate it first.
  std::error_code ignored;  // a file left behind costs the next run, nothing more
  std::filesystem::remove(dead_letters, ignored);
  if (run.exit_code != 0) {
    throw std::runtime_error("sluice run exited with " + std::to_string(run.exit_code) + ": " +
                             ReadFile(err));
  }
  const std::string json = ReadFile(report);
  ReplayResult result;
  result.seconds = run.wall_seconds;
  result.cpu_seconds = run.cpu_seconds;
  result.max_rss_kib = run.max_rss_kib;
  result.read = static_cast<uint64_t>(JsonNumber(json, "read"));
  result.ok = static_cast<uint64_t>(JsonNumber(json, "ok"));
  result.errors = static_cast<uint64_t>(JsonNumber(json, "errors"));
  result.rows = ReadFile(out);
  return result;
}

ReplayResult RunHandReplay(const ReplaySetup& setup, const std::string& log, HandKind kind) {
  const std::string name = kind == HandKind::kSimdjson ? "hand-simdjson"
                           : kind == HandKind::kTbb    ? "hand-tbb"
                                                       : "hand-split";
  const std::string out = setup.data_dir + "/" + name + ".jsonl";
  const std::string err = setup.data_dir + "/" + name + ".stderr";
  std::vector<std::string> argv = {setup.self, name, log};
  if (kind != HandKind::kSimdjson) argv.push_back(std::to_string(CoreCount()));
  const ProcessResult run = RunProcess(argv, out, err);
  const std::string details = ReadFile(err);
  if (run.exit_code != 0) throw std::runtime_error(name + " failed: " + details);
  const auto values = ParseKeyValues(details);
  ReplayResult result;
  result.seconds = run.wall_seconds;
  result.cpu_seconds = run.cpu_seconds;
  result.max_rss_kib = run.max_rss_kib;
  result.read = AsCount(values, "read");
  result.ok = AsCount(values, "ok");
  result.errors = AsCount(values, "errors");
  result.rows = ReadFile(out);
  result.detail = details;
  return result;
}

std::vector<ReplayResult> BestRunsInterleaved(
    int reps, const std::vector<std::function<ReplayResult()>>& runs) {
  std::vector<ReplayResult> best(runs.size());
  for (int round = 0; round < reps; ++round) {
    for (size_t r = 0; r < runs.size(); ++r) {
      ReplayResult result = runs[r]();
      if (round == 0 || result.seconds < best[r].seconds) best[r] = std::move(result);
    }
  }
  return best;
}

bool SameResults(const ReplayResult& a, const ReplayResult& b) {
  return a.rows == b.rows && !a.rows.empty() && a.read == b.read && a.ok == b.ok &&
         a.errors == b.errors;
}

double MegabytesPerSecond(const std::string& log, double seconds) {
  return static_cast<double>(FileSize(log)) / 1e6 / seconds;
}

}  // namespace sluice::bench
