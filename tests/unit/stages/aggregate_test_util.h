// Helpers for the aggregate tests: a stage from YAML (and its config problems), records
// from (name, value) pairs, and records aggregated on given workers into Finish's rows.
//
//   auto stage = FromYaml("metrics: { n: count }\n");
//   std::vector<Record> rows = AggregateOnOneWorker(*stage, {Rec({{"v", int64_t{1}}})});
#pragma once

#include <gtest/gtest.h>

#include <initializer_list>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "framework/item.h"
#include "framework/record.h"
#include "framework/stage.h"
#include "stages/aggregate.h"
#include "unit/stages/stage_yaml_test_util.h"

namespace sluice::aggregate_test {

inline std::unique_ptr<Stage> FromYaml(const std::string& yaml) {
  return stage_yaml_test::FromYaml(RegisterAggregate, "aggregate", yaml);
}

inline std::vector<std::string> ConfigProblems(const std::string& yaml) {
  return stage_yaml_test::ConfigProblems(RegisterAggregate, "aggregate", yaml);
}

using stage_yaml_test::Rec;

// The rows Finish emits, in order.
inline std::vector<Record> FinishRows(Stage& stage,
                                      std::span<const std::unique_ptr<StageWorker>> pool) {
  std::vector<Record> rows;
  stage.Finish(pool, [&rows](Record&& row) { rows.push_back(std::move(row)); });
  return rows;
}

// Feeds records[i] to worker assignment[i] and finishes; every record must be absorbed.
inline std::vector<Record> Aggregate(Stage& stage, const std::vector<Record>& records,
                                     const std::vector<size_t>& assignment, size_t workers) {
  std::vector<std::unique_ptr<StageWorker>> pool;
  for (size_t w = 0; w < workers; ++w) pool.push_back(stage.MakeWorker());
  for (size_t i = 0; i < records.size(); ++i) {
    Item item;
    item.record = records[i];
    const Verdict verdict = pool[assignment[i]]->Process(item);
    EXPECT_EQ(verdict, Verdict::kAbsorb) << (item.error ? item.error->message : "");
  }
  return FinishRows(stage, pool);
}

inline std::vector<Record> AggregateOnOneWorker(Stage& stage, const std::vector<Record>& records) {
  return Aggregate(stage, records, std::vector<size_t>(records.size(), 0), 1);
}

inline const Value& Get(const Record& row, const char* field) {
  static const Value kAbsent = std::string("<absent>");
  const Value* value = row.Find(FieldNames::Intern(field));
  return value ? *value : kAbsent;
}

}  // namespace sluice::aggregate_test
