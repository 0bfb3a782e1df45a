// The aggregate's configuration: its YAML (every problem with its position) and
// AggregateOptions built in code.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <stdexcept>
#include <string>
#include <vector>

#include "stages/aggregate.h"
#include "unit/stages/aggregate_test_util.h"

namespace sluice {
namespace {

using aggregate_test::AggregateOnOneWorker;
using aggregate_test::ConfigProblems;
using aggregate_test::FromYaml;
using aggregate_test::Get;
using aggregate_test::Rec;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(AggregateConfigTest, PercentilesParse) {
  auto stage =
      FromYaml("metrics: { a: { p0: v }, b: { p99.9: v }, c: { p100: v }, d: { p50: v } }\n");
  std::vector<Record> records;
  for (int i = 1; i <= 1000; ++i) records.push_back(Rec({{"v", int64_t{i}}}));
  std::vector<Record> rows = AggregateOnOneWorker(*stage, records);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(Get(rows[0], "a"), Value{1.0});
  EXPECT_NEAR(std::get<double>(Get(rows[0], "b")), 999, 9.99);
  EXPECT_EQ(Get(rows[0], "c"), Value{1000.0});
  EXPECT_NEAR(std::get<double>(Get(rows[0], "d")), 500, 5);
}

TEST(AggregateConfigTest, ReportsEveryProblemWithItsPosition) {
  const std::string yaml = R"(group_by: [event, event]
window: { time_feld: ts, tumbling: soon }
metrics:
  n: count
  avg_latency: { avg: latency_ms }
  total: sum
  event: count
  two: { sum: a, max: b }
  p: { p101: x }
  c: { count: x }
  m: median
  "": { sum: v }
)";
  EXPECT_THAT(
      ConfigProblems(yaml),
      ElementsAre(
          "p.yaml:1:19: group_by lists 'event' twice",
          "p.yaml:2:11: unknown key 'time_feld' (did you mean 'time_field'?)",
          "p.yaml:2:9: missing required key 'time_field'",
          "p.yaml:2:36: expected a positive duration like 500ms, 30s, 1m, 2h or 1d, got 'soon'",
          HasSubstr("p.yaml:5:18: metric 'avg_latency': unknown metric 'avg'; expected count, "
                    "sum, mean, min, max, distinct or a percentile like p50, p90, p95, p99 (did "
                    "you mean 'mean'?)"),
          "p.yaml:6:10: metric 'total': sum needs a field: write { sum: FIELD }",
          "p.yaml:7:3: metric 'event' has the name of a group_by field; rows need distinct "
          "field names",
          "p.yaml:8:8: metric 'two': expected `count` or one entry like { sum: bytes }, got a "
          "map of 2 entries",
          AllOf(HasSubstr("p.yaml:9:8: metric 'p': unknown metric 'p101'"),
                HasSubstr("(a percentile goes from p0 to p100: p99.9, not p999)"),
                Not(HasSubstr("did you mean"))),
          "p.yaml:10:8: metric 'c': count takes no field: write `c: count`",
          HasSubstr("p.yaml:11:6: metric 'm': unknown metric 'median'"),
          "p.yaml:12:3: metric name is empty"));
}

TEST(AggregateConfigTest, AFieldThatIsNoNameSaysWhichMetric) {
  EXPECT_THAT(ConfigProblems("metrics: { d: { max: }, h: { distinct: [a, b] } }\n"),
              ElementsAre("p.yaml:1:17: metric 'd': max needs one field name: write { max: "
                          "FIELD }, got nothing (null)",
                          "p.yaml:1:40: metric 'h': distinct needs one field name: write { "
                          "distinct: FIELD }, got a list"));
}

TEST(AggregateConfigTest, AnEmptyTimeFieldIsReportedBesideOtherWindowProblems) {
  EXPECT_THAT(
      ConfigProblems("window: { time_field: '', tumbling: 1m, foo: 1 }\n"
                     "metrics: { c: count }\n"),
      ElementsAre(HasSubstr("p.yaml:1:41: unknown key 'foo'"), "p.yaml:1:23: time_field is empty"));
}

TEST(AggregateConfigTest, PercentilesAreDigitsWithAnInnerPoint) {
  EXPECT_THAT(ConfigProblems("metrics: { a: { p.5: v }, b: { p5.: v }, c: { p: v } }\n"),
              ElementsAre(HasSubstr("unknown metric 'p.5'"), HasSubstr("unknown metric 'p5.'"),
                          HasSubstr("unknown metric 'p'")));
  EXPECT_NE(FromYaml("metrics: { a: { p0.5: v } }\n"), nullptr);
}

TEST(AggregateConfigTest, MetricsAreRequired) {
  EXPECT_THAT(ConfigProblems("group_by: event\n"),
              ElementsAre("p.yaml:1:1: missing required key 'metrics'"));
  EXPECT_THAT(ConfigProblems("metrics: {}\n"),
              ElementsAre(HasSubstr("p.yaml:1:10: metrics must be a non-empty map")));
  EXPECT_THAT(
      ConfigProblems(
          "window: { time_field: ts, tumbling: 1m }\nmetrics: { window_start: count }\n"),
      ElementsAre(HasSubstr("p.yaml:2:12: metric 'window_start' has the name of a row field")));
  // At the group_by entry itself (where a --set put it), not at the stage.
  EXPECT_THAT(ConfigProblems("window: { time_field: ts, tumbling: 1m }\n"
                             "group_by: [event, window_start]\nmetrics: { n: count }\n"),
              ElementsAre("p.yaml:2:19: group_by field 'window_start' has the name of a row "
                          "field; rows need distinct field names"));
}

TEST(AggregateOptionsTest, BuiltInCode) {
  AggregateOptions options{
      .group_by = {"event"},
      .window = AggregateWindow{.time_field = "ts", .tumbling = std::chrono::hours(1)},
      .metrics = {{.name = "n", .kind = MetricKind::kCount},
                  {.name = "hi", .kind = MetricKind::kMax, .field = "bytes"}}};
  AggregateStage stage(options);
  std::vector<Record> rows = AggregateOnOneWorker(
      stage, {Rec({{"event", std::string("x")}, {"ts", int64_t{3600}}, {"bytes", int64_t{4}}}),
              Rec({{"event", std::string("x")}, {"ts", int64_t{7199}}, {"bytes", int64_t{9}}})});
  EXPECT_THAT(rows, ElementsAre(Rec({{"window_start", std::string("1970-01-01T01:00:00Z")},
                                     {"event", std::string("x")},
                                     {"n", int64_t{2}},
                                     {"hi", int64_t{9}}})));
}

TEST(AggregateOptionsTest, InvalidOptionsAreListedAndThrown) {
  AggregateOptions options{
      .group_by = {"n"},
      .window = AggregateWindow{.time_field = "", .tumbling = std::chrono::milliseconds(0)},
      .metrics = {{.name = "n", .kind = MetricKind::kCount},
                  {.name = "q", .kind = MetricKind::kQuantile, .field = "x", .quantile = 1.5},
                  {.name = "s", .kind = MetricKind::kSum}}};
  EXPECT_THAT(CheckAggregateOptions(options),
              ElementsAre("window without a time_field", "window of zero width",
                          "metric 'n' repeats an output field name",
                          "metric 'q': quantile outside 0..1", "metric 's' has no field"));
  EXPECT_THROW(AggregateStage{options}, std::invalid_argument);
  EXPECT_THAT(CheckAggregateOptions({}), ElementsAre("no metrics"));
}

}  // namespace
}  // namespace sluice
