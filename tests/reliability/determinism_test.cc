// Issue 4, item 9: the same log with 1 worker and with 4 workers per stage gives
// byte-identical output files, through the real `sluice` binary, for every config in
// configs/ (listed at run time, so a new config is covered at once).
//
// Each config runs on its own sample input and on a bigger generated one (gen_clickstream,
// 5% bad lines), with 1 worker per stage and default queues, and with 4 workers per stage
// and small batches on small queues (so that batches interleave between workers as much as
// they can). The results file must be byte-identical, the report's totals equal, and the
// dead letters byte-identical when the config is ordered; when it is not, they must be the
// same lines in some order, and byte-identical once the run is made ordered (--set
// ordered=true).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <iostream>
#include <optional>
#include <string>
#include <vector>

#include "pipelines/builder.h"
#include "reliability_support.h"
#include "stages/builtin.h"

namespace sluice::reliability {
namespace {

struct ConfigFacts {
  std::string path;
  size_t stages = 0;
  std::string first_stage_type;
  bool ordered = false;
};

std::vector<ConfigFacts> ReadyConfigs() {
  StageRegistry registry;
  RegisterBuiltinStages(registry);
  std::vector<ConfigFacts> configs;
  for (const auto& entry : std::filesystem::directory_iterator("configs")) {
    if (entry.path().extension() != ".yaml") continue;
    ConfigErrors errors;
    std::optional<PipelineSpec> spec =
        LoadPipelineSpec(entry.path().string(), registry, {}, errors);
    EXPECT_TRUE(spec.has_value()) << errors.ToString();
    if (!spec) continue;
    configs.push_back({.path = entry.path().string(),
                       .stages = spec->stages.size(),
                       .first_stage_type = spec->stages.at(0).type,
                       .ordered = spec->ordered});
  }
  std::sort(configs.begin(), configs.end(),
            [](const ConfigFacts& a, const ConfigFacts& b) { return a.path < b.path; });
  return configs;
}

struct RunFiles {
  std::string output;
  std::string dead_letters;
  RunTotals totals;
  int exit_code = -1;
};

// Runs `config` on `input` with `workers` per stage (plus `extra` --set edits).
RunFiles RunWith(const ConfigFacts& config, const std::string& input, int workers,
                 const std::vector<std::string>& extra, const TempDir& dir,
                 const std::string& tag) {
  std::vector<std::string> args = {"run",
                                   config.path,
                                   "--quiet",
                                   "--input",
                                   input,
                                   "--output",
                                   dir.File(tag + ".out"),
                                   "--report",
                                   dir.File(tag + ".report"),
                                   "--set",
                                   "errors.dead_letter=" + dir.File(tag + ".dead"),
                                   "--set",
                                   "errors.max_error_ratio=1"};
  for (size_t i = 0; i < config.stages; ++i) {
    args.insert(args.end(),
                {"--set", "stages." + std::to_string(i) + ".workers=" + std::to_string(workers)});
  }
  for (const std::string& edit : extra) args.insert(args.end(), {"--set", edit});
  Child child = RunSluice(args);
  EXPECT_EQ(child.exit_code, 0) << config.path << " " << tag << ": " << child.err;
  RunFiles files{.output = ReadFile(dir.File(tag + ".out")),
                 .dead_letters = ReadFile(dir.File(tag + ".dead")),
                 .totals = {},
                 .exit_code = child.exit_code};
  if (std::optional<ReportCounts> report = ParseReport(ReadFile(dir.File(tag + ".report")))) {
    files.totals = report->totals;
  } else {
    ADD_FAILURE() << config.path << " " << tag << ": no report";
  }
  return files;
}

std::vector<std::string> SortedLines(const std::string& text) {
  std::vector<std::string> lines = SplitLines(text);
  std::sort(lines.begin(), lines.end());
  return lines;
}

// Where two texts first differ, for the failure message.
std::string FirstDifference(const std::string& a, const std::string& b) {
  const auto [ia, ib] = std::mismatch(a.begin(), a.end(), b.begin(), b.end());
  const size_t at = static_cast<size_t>(ia - a.begin());
  const size_t line_start = a.rfind('\n', at == 0 ? 0 : at - 1);
  const size_t from = line_start == std::string::npos ? 0 : line_start + 1;
  return "sizes " + std::to_string(a.size()) + " vs " + std::to_string(b.size()) +
         "; first difference at byte " + std::to_string(at) +
         ":\n  1 worker:  " + a.substr(from, 160) + "\n  4 workers: " + b.substr(from, 160);
}

void ExpectSameRuns(const ConfigFacts& config, const std::string& input, bool ordered,
                    const std::vector<std::string>& extra) {
  TempDir dir("determinism");
  SCOPED_TRACE(config.path + " on " + input + (ordered ? " (ordered)" : ""));
  const RunFiles one = RunWith(config, input, 1, extra, dir, "w1");
  std::vector<std::string> many_extra = extra;
  many_extra.insert(many_extra.end(), {"queue.batch=16", "queue.capacity=4"});
  const RunFiles many = RunWith(config, input, 4, many_extra, dir, "w4");
  ASSERT_FALSE(one.output.empty());
  EXPECT_TRUE(one.output == many.output) << FirstDifference(one.output, many.output);
  EXPECT_EQ(one.totals, many.totals);
  EXPECT_GT(one.totals.read, 0u);
  if (ordered) {
    EXPECT_TRUE(one.dead_letters == many.dead_letters)
        << FirstDifference(one.dead_letters, many.dead_letters);
  } else {
    EXPECT_EQ(SortedLines(one.dead_letters), SortedLines(many.dead_letters));
  }
  std::cout << "[figures] " << config.path << " on " << input << (ordered ? " ordered" : "") << ": "
            << one.totals.read << " records, output " << one.output.size()
            << " bytes, dead letters " << one.dead_letters.size() << " bytes: identical\n";
}

// A bigger input of the kind the config reads: JSON lines or key:value lines.
std::optional<std::string> GeneratedInput(const ConfigFacts& config, const TempDir& dir,
                                          uint64_t lines) {
  std::vector<std::string> args = {
      SLUICE_GEN_PATH, "--lines", std::to_string(lines), "--bad-ratio", "0.05", "--seed", "9"};
  if (config.first_stage_type == "parse_kv") {
    args.push_back("--kv");
  } else if (config.first_stage_type != "parse_json") {
    return std::nullopt;
  }
  const std::string path = dir.File(config.first_stage_type + ".gen");
  args.insert(args.end(), {"--out", path});
  EXPECT_EQ(RunChild(args).exit_code, 0);
  return path;
}

void CheckEveryConfig(uint64_t generated_lines) {
  const std::vector<ConfigFacts> configs = ReadyConfigs();
  ASSERT_GE(configs.size(), 4u);
  TempDir inputs("determinism_inputs");
  for (const ConfigFacts& config : configs) {
    StageRegistry registry;
    RegisterBuiltinStages(registry);
    ConfigErrors errors;
    const std::string own_input = LoadPipelineSpec(config.path, registry, {}, errors)->source.path;
    std::vector<std::string> inputs_to_try = {own_input};
    if (std::optional<std::string> big = GeneratedInput(config, inputs, generated_lines)) {
      inputs_to_try.push_back(*big);
    }
    for (const std::string& input : inputs_to_try) {
      ExpectSameRuns(config, input, config.ordered, {});
      if (!config.ordered) ExpectSameRuns(config, input, true, {"ordered=true"});
    }
  }
}

TEST(Determinism, OneAndFourWorkersGiveByteIdenticalOutputForEveryConfig) {
  CheckEveryConfig(100'000);
}

TEST(SoakDeterminism, OneAndFourWorkersOnAMillionLines) {
  if (std::getenv("SLUICE_SOAK") == nullptr) GTEST_SKIP() << "set SLUICE_SOAK=1 (make soak)";
  CheckEveryConfig(1'000'000);
}

}  // namespace
}  // namespace sluice::reliability
