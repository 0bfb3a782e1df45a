// The same input through the same pipeline under every workers x capacity x batch
// combination gives identical results and error accounts, and totals that balance.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "framework/clock.h"
#include "pipelines/builder.h"
#include "stages/builtin.h"

namespace sluice {
namespace {

struct Outcome {
  std::vector<std::string> results;  // JSON, in delivery order
  std::vector<std::string> errors;   // JSON dead letters, sorted by line
  RunTotals totals;
  std::map<std::string, std::map<std::string, uint64_t>> errors_by_stage;
};

Outcome RunConfig(const std::string& config, const std::vector<std::string>& overrides) {
  StageRegistry registry;
  RegisterBuiltinStages(registry);
  ConfigErrors errors;
  std::optional<PipelineSpec> spec = LoadPipelineSpec(config, registry, overrides, errors);
  EXPECT_TRUE(spec.has_value()) << errors.ToString();
  if (!spec) return {};
  std::unique_ptr<Pipeline> pipeline = BuildPipeline(*spec, registry, errors);
  EXPECT_TRUE(pipeline) << errors.ToString();
  auto source = OpenSpecSource(*spec, registry, std::nullopt, SystemClock::Instance());
  EXPECT_TRUE(source.ok());
  if (!pipeline || !source.ok()) return {};
  Outcome out;
  std::vector<std::pair<uint64_t, std::string>> errors_by_line;
  pipeline->OnResult([&](const Record& r) { out.results.push_back(r.ToJson()); });
  pipeline->OnError([&](const Error& e) { errors_by_line.emplace_back(e.line, e.ToJson()); });
  RunReport report = pipeline->Run(**source);
  std::sort(errors_by_line.begin(), errors_by_line.end());
  for (auto& [line, json] : errors_by_line) out.errors.push_back(std::move(json));
  out.totals = report.totals;
  out.errors_by_stage = report.errors_by_stage;
  EXPECT_TRUE(report.balanced()) << report.ToText();
  return out;
}

std::vector<std::string> SweepOverrides(const std::vector<std::string>& stages, int workers,
                                        int capacity, int batch) {
  std::vector<std::string> sets = {"queue.capacity=" + std::to_string(capacity),
                                   "queue.batch=" + std::to_string(batch)};
  for (const std::string& stage : stages) {
    sets.push_back("stages." + stage + ".workers=" + std::to_string(workers));
  }
  return sets;
}

void SweepIsInvariant(const std::string& config_name, const std::vector<std::string>& stages,
                      bool ordered_output) {
  ASSERT_EQ(chdir(SLUICE_SOURCE_DIR), 0);  // configs name their inputs from the repo root
  const std::string config = std::string(SLUICE_SOURCE_DIR) + "/configs/" + config_name;
  const Outcome reference = RunConfig(config, SweepOverrides(stages, 1, 1024, 256));
  ASSERT_GT(reference.totals.read, 0u);
  ASSERT_FALSE(reference.results.empty());
  for (int workers : {1, 2, 4}) {
    for (int capacity : {1, 7, 1024}) {
      for (int batch : {1, 256}) {
        SCOPED_TRACE(testing::Message() << config_name << ": workers " << workers << ", capacity "
                                        << capacity << ", batch " << batch);
        std::vector<std::string> sets = SweepOverrides(stages, workers, capacity, batch);
        Outcome got = RunConfig(config, sets);
        EXPECT_EQ(got.totals, reference.totals);
        EXPECT_EQ(got.errors_by_stage, reference.errors_by_stage);
        EXPECT_EQ(got.errors, reference.errors);
        if (ordered_output) {
          EXPECT_EQ(got.results, reference.results);
        } else {
          EXPECT_THAT(got.results, testing::UnorderedElementsAreArray(reference.results));
        }
      }
    }
  }
}

// Aggregate output is sorted by key, so it must match exactly, order included.
TEST(SweepTest, ClickstreamAggregateIsIdenticalForEveryShape) {
  SweepIsInvariant("clickstream.yaml", {"parse", "validate", "aggregate"}, true);
}

TEST(SweepTest, WindowedAggregateIsIdenticalForEveryShape) {
  SweepIsInvariant("clickstream_windowed.yaml", {"parse", "validate", "aggregate"}, true);
}

// clean_events is ordered: records arrive in input order whatever the shape.
TEST(SweepTest, OrderedCleaningKeepsInputOrderForEveryShape) {
  SweepIsInvariant("clean_events.yaml", {"parse", "validate"}, true);
}

}  // namespace
}  // namespace sluice
