#include "golden_support.h"

#include <simdjson.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <stdexcept>
#include <utility>

#include "framework/clock.h"
#include "pipelines/builder.h"
#include "pipelines/spec.h"
#include "stages/builtin.h"
#include "subprocess.h"

namespace sluice::golden {
namespace {

namespace fs = std::filesystem;

const StageRegistry& Registry() {
  static const StageRegistry* registry = [] {
    auto* r = new StageRegistry;
    RegisterBuiltinStages(*r);
    return r;
  }();
  return *registry;
}

PipelineSpec LoadSpecOrThrow(const std::string& config_path, const std::vector<std::string>& sets) {
  ConfigErrors errors;
  std::optional<PipelineSpec> spec = LoadPipelineSpec(config_path, Registry(), sets, errors);
  if (!spec) throw std::runtime_error("config errors:\n" + errors.ToString());
  return std::move(*spec);
}

// The counts of a report, independent of where they were read from.
struct StageFacts {
  std::string name;
  uint64_t in = 0, out = 0, filtered = 0, errors = 0;
};
struct ReportFacts {
  RunTotals totals;
  bool balanced = false;
  uint64_t results = 0;
  std::vector<StageFacts> stages;
  std::map<std::string, std::map<std::string, uint64_t>> errors_by_stage;
};

std::string Quoted(std::string_view text) { return "\"" + std::string(text) + "\""; }

std::string FormatFacts(const ReportFacts& facts) {
  auto n = [](uint64_t v) { return std::to_string(v); };
  std::string json = "{\n";
  json += "  \"totals\": {\"read\": " + n(facts.totals.read) + ", \"ok\": " + n(facts.totals.ok) +
          ", \"filtered\": " + n(facts.totals.filtered) +
          ", \"errors\": " + n(facts.totals.errors) + "},\n";
  json += std::string("  \"balanced\": ") + (facts.balanced ? "true" : "false") + ",\n";
  json += "  \"results\": " + n(facts.results) + ",\n";
  json += "  \"stages\": [";
  for (size_t i = 0; i < facts.stages.size(); ++i) {
    const StageFacts& s = facts.stages[i];
    json += (i == 0 ? "\n" : ",\n");
    json += "    {\"name\": " + Quoted(s.name) + ", \"in\": " + n(s.in) + ", \"out\": " + n(s.out) +
            ", \"filtered\": " + n(s.filtered) + ", \"errors\": " + n(s.errors) + "}";
  }
  json += facts.stages.empty() ? "],\n" : "\n  ],\n";
  json += "  \"errors_by_stage\": {";
  bool first_stage = true;
  for (const auto& [stage, codes] : facts.errors_by_stage) {
    json += (first_stage ? "\n" : ",\n");
    first_stage = false;
    json += "    " + Quoted(stage) + ": {";
    bool first_code = true;
    for (const auto& [code, count] : codes) {
      json += (first_code ? "" : ", ") + Quoted(code) + ": " + n(count);
      first_code = false;
    }
    json += "}";
  }
  json += facts.errors_by_stage.empty() ? "}\n" : "\n  }\n";
  json += "}\n";
  return json;
}

uint64_t LineOf(const std::string& dead_letter) {
  static constexpr std::string_view kKey = "\"line\":";
  const size_t at = dead_letter.find(kKey);
  if (at == std::string::npos) return 0;
  return std::strtoull(dead_letter.c_str() + at + kKey.size(), nullptr, 10);
}

void WriteText(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

std::string JoinLines(const std::vector<std::string>& lines) {
  std::string text;
  for (const std::string& line : lines) text += line + "\n";
  return text;
}

std::vector<std::string> ListDir(const fs::path& dir, bool want_dirs, std::string_view ext) {
  std::vector<std::string> names;
  for (const fs::directory_entry& entry : fs::directory_iterator(dir)) {
    if (want_dirs ? !entry.is_directory() : !entry.is_regular_file()) continue;
    if (!ext.empty() && entry.path().extension() != ext) continue;
    names.push_back(want_dirs ? entry.path().filename().string() : entry.path().stem().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace

std::vector<std::string> ListConfigNames() {
  return ListDir(fs::path(SLUICE_SOURCE_DIR) / "configs", /*want_dirs=*/false, ".yaml");
}
std::vector<std::string> ListCaseNames() {
  return ListDir(fs::path(SLUICE_SOURCE_DIR) / "tests" / "golden", /*want_dirs=*/true, "");
}
std::string ConfigPath(const std::string& name) { return "configs/" + name + ".yaml"; }
std::string CaseDir(const std::string& name) { return "tests/golden/" + name; }

ConfigShape ShapeOf(const std::string& config_path, const std::vector<std::string>& sets) {
  const PipelineSpec spec = LoadSpecOrThrow(config_path, sets);
  ConfigShape shape;
  for (const StageSpec& stage : spec.stages) shape.stage_names.push_back(stage.name);
  if (spec.source.type == SourceType::kFile) shape.source_path = spec.source.path;
  shape.output_order_fixed =
      spec.ordered || (!spec.stages.empty() && IsTerminalStageType(spec.stages.back().type));
  shape.max_error_ratio = spec.errors.max_error_ratio;
  return shape;
}

GoldenRun RunWithLibrary(const std::string& config_path, const std::vector<std::string>& sets) {
  const PipelineSpec spec = LoadSpecOrThrow(config_path, sets);
  ConfigErrors errors;
  std::unique_ptr<Pipeline> pipeline = BuildPipeline(spec, Registry(), errors);
  if (!pipeline) throw std::runtime_error("build errors:\n" + errors.ToString());
  FakeClock clock;  // a replay config must not make the test wait
  Result<std::unique_ptr<Source>> source = OpenSpecSource(spec, Registry(), std::nullopt, clock);
  if (!source.ok()) throw std::runtime_error(source.error().message);

  GoldenRun run;
  std::vector<std::pair<uint64_t, std::string>> errors_by_line;
  pipeline->OnResult([&](const Record& record) { run.output.push_back(record.ToJson()); });
  pipeline->OnError(
      [&](const Error& error) { errors_by_line.emplace_back(error.line, error.ToJson()); });
  const RunReport report = pipeline->Run(**source);
  std::sort(errors_by_line.begin(), errors_by_line.end());
  for (auto& [line, json] : errors_by_line) run.errors.push_back(std::move(json));
  run.report = CanonicalReport(report);
  run.totals = report.totals;
  return run;
}

std::string CanonicalReport(const RunReport& report) {
  ReportFacts facts{.totals = report.totals,
                    .balanced = report.balanced(),
                    .results = report.results,
                    .stages = {},
                    .errors_by_stage = report.errors_by_stage};
  for (const StageReport& s : report.stages) {
    facts.stages.push_back({s.name, s.in, s.out, s.filtered, s.errors});
  }
  return FormatFacts(facts);
}

std::string CanonicalReportFromJson(std::string_view json, RunTotals& totals) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element root;
  if (auto error = parser.parse(padded).get(root)) {
    throw std::runtime_error(std::string("report is not JSON: ") + simdjson::error_message(error));
  }
  try {
    ReportFacts facts;
    simdjson::dom::object counts = root["totals"];
    facts.totals = {.read = counts["read"],
                    .ok = counts["ok"],
                    .filtered = counts["filtered"],
                    .errors = counts["errors"]};
    facts.balanced = root["balanced"].get_bool();
    facts.results = root["results"].get_uint64();
    if (!root["read_failure"].is_null()) {
      throw std::runtime_error("the input failed: " +
                               std::string(root["read_failure"].get_c_str()));
    }
    for (simdjson::dom::object stage : root["stages"].get_array()) {
      facts.stages.push_back({std::string(std::string_view(stage["name"])), stage["in"],
                              stage["out"], stage["filtered"], stage["errors"]});
    }
    for (auto [stage, codes] : root["errors_by_stage"].get_object()) {
      auto& by_code = facts.errors_by_stage[std::string(stage)];
      for (auto [code, count] : codes.get_object()) by_code[std::string(code)] = count;
    }
    totals = facts.totals;
    return FormatFacts(facts);
  } catch (const simdjson::simdjson_error& e) {
    throw std::runtime_error(std::string("report lacks a field: ") + e.what());
  }
}

std::vector<std::string> SplitLines(std::string_view text) {
  std::vector<std::string> lines;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    lines.emplace_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

std::vector<std::string> SortDeadLetters(std::vector<std::string> lines) {
  std::sort(lines.begin(), lines.end(), [](const std::string& a, const std::string& b) {
    const uint64_t line_a = LineOf(a), line_b = LineOf(b);
    return line_a != line_b ? line_a < line_b : a < b;
  });
  return lines;
}

GoldenRun ReadCase(const std::string& name) {
  const std::string dir = CaseDir(name);
  return {.output = SplitLines(ReadFile(dir + "/expected_output.txt")),
          .errors = SplitLines(ReadFile(dir + "/expected_errors.jsonl")),
          .report = ReadFile(dir + "/expected_report.json"),
          .totals = {}};
}

void WriteCase(const std::string& name, const GoldenRun& run) {
  const std::string dir = fs::path(SLUICE_SOURCE_DIR) / CaseDir(name);
  fs::create_directories(dir);
  WriteText(dir + "/expected_output.txt", JoinLines(run.output));
  WriteText(dir + "/expected_errors.jsonl", JoinLines(run.errors));
  WriteText(dir + "/expected_report.json", run.report);
}

bool UpdateMode() {
  const char* value = std::getenv("SLUICE_UPDATE_GOLDEN");
  return value != nullptr && std::string_view(value) == "1";
}

std::string DescribeDifference(const std::vector<std::string>& expected,
                               const std::vector<std::string>& actual) {
  const size_t common = std::min(expected.size(), actual.size());
  for (size_t i = 0; i < common; ++i) {
    if (expected[i] != actual[i]) {
      return "line " + std::to_string(i + 1) + " differs:\n  expected: " + expected[i] +
             "\n  actual:   " + actual[i];
    }
  }
  if (expected.size() == actual.size()) return "";
  return "expected " + std::to_string(expected.size()) + " lines, got " +
         std::to_string(actual.size()) + "; first extra line: " +
         (expected.size() > actual.size() ? "(expected) " + expected[common]
                                          : "(actual) " + actual[common]);
}

}  // namespace sluice::golden
