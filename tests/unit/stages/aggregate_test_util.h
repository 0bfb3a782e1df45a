// Helpers for the aggregate tests: a stage from YAML (and its config problems), records
// from (name, value) pairs, records aggregated on given workers into Finish's rows, and key
// values that tie in the prefixes the rows are sorted by (detail::KeyOrder).
//
//   auto stage = FromYaml("metrics: { n: count }\n");
//   std::vector<Record> rows = AggregateOnOneWorker(*stage, {Rec({{"v", int64_t{1}}})});
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <initializer_list>
#include <limits>
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

// Every way two keys can tie in the encoding's bytes and differ after them: ints past 2^53
// beside their doubles, strings that others begin, NUL and 0xFF bytes, strings alike past
// the first 16 bytes and past the 64 after which whole keys are compared.
inline std::vector<Value> KeysThatTieInPrefixes() {
  const int64_t big = int64_t{1} << 53;
  const std::string long_start(90, 'x');
  return {Value{},
          Value{false},
          Value{true},
          Value{big},
          Value{big + 1},
          Value{static_cast<double>(big + 2)},
          Value{std::numeric_limits<int64_t>::max()},
          Value{std::numeric_limits<int64_t>::max() - 1},
          Value{std::numeric_limits<int64_t>::min()},
          Value{-0.5},
          Value{int64_t{7}},
          Value{7.5},
          Value{std::numeric_limits<double>::infinity()},
          Value{std::numeric_limits<double>::quiet_NaN()},
          Value{std::string()},
          Value{std::string("a")},
          Value{std::string("a\0", 2)},
          Value{std::string("a\0\xff", 3)},
          Value{std::string("a\xff")},
          Value{std::string("ab")},
          Value{std::string("sixteen bytes ab")},
          Value{std::string("sixteen bytes abc")},
          Value{long_start + "1"},
          Value{long_start + "0"},
          Value{long_start}};
}

}  // namespace sluice::aggregate_test
