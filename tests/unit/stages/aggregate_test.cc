#include "stages/aggregate.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "unit/stages/aggregate_test_util.h"

namespace sluice {
namespace {

using aggregate_test::Aggregate;
using aggregate_test::AggregateOnOneWorker;
using aggregate_test::FinishRows;
using aggregate_test::FromYaml;
using aggregate_test::Get;
using aggregate_test::KeysThatTieInPrefixes;
using aggregate_test::Rec;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr const char* kStage = R"(name: aggregate
type: aggregate
group_by: [event]
metrics:
  count:        count
  sum_bytes:    { sum: bytes }
  min_latency:  { min: latency_ms }
  max_latency:  { max: latency_ms }
  mean_latency: { mean: latency_ms }
  p99_latency:  { p99: latency_ms }
  users:        { distinct: user }
)";

Record Event(const char* event, const char* user, int64_t bytes, double latency) {
  return Rec({{"event", std::string(event)},
              {"user", std::string(user)},
              {"bytes", bytes},
              {"latency_ms", latency}});
}

struct Outcome {
  Verdict verdict;
  ErrorCode code = ErrorCode::kInternal;
  std::string message = {};
};

Outcome Process(StageWorker& worker, Record record) {
  Item item;
  item.record = std::move(record);
  Outcome outcome{.verdict = worker.Process(item)};
  if (item.error) outcome.code = item.error->code, outcome.message = item.error->message;
  return outcome;
}

std::vector<std::string_view> FieldNamesOf(const Record& row) {
  std::vector<std::string_view> names;
  for (const Field& f : row.fields()) names.push_back(FieldNames::Name(f.id));
  return names;
}

TEST(AggregateTest, EveryMetricOnKnownData) {
  auto stage = FromYaml(kStage);
  std::vector<Record> records = {
      Event("click", "ada", 100, 10.0), Event("view", "bob", 7, 1.5),
      Event("click", "bob", 200, 30.0), Event("click", "ada", 300, 20.0),
      Event("view", "bob", 8, 2.5),
  };
  std::vector<Record> rows = AggregateOnOneWorker(*stage, records);
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_THAT(FieldNamesOf(rows[0]),
              ElementsAre("event", "count", "sum_bytes", "min_latency", "max_latency",
                          "mean_latency", "p99_latency", "users"));
  const Record& click = rows[0];
  EXPECT_EQ(Get(click, "event"), Value{std::string("click")});
  EXPECT_EQ(Get(click, "count"), Value{int64_t{3}});
  EXPECT_EQ(Get(click, "sum_bytes"), Value{int64_t{600}});
  EXPECT_EQ(Get(click, "min_latency"), Value{10.0});
  EXPECT_EQ(Get(click, "max_latency"), Value{30.0});
  EXPECT_EQ(Get(click, "mean_latency"), Value{20.0});
  // Rank floor(0.99 * 2) = 1 of {10, 20, 30}: 20, within 1%.
  EXPECT_NEAR(std::get<double>(Get(click, "p99_latency")), 20.0, 0.2);
  EXPECT_EQ(Get(click, "users"), Value{int64_t{2}});
  const Record& view = rows[1];
  EXPECT_EQ(Get(view, "event"), Value{std::string("view")});
  EXPECT_EQ(Get(view, "count"), Value{int64_t{2}});
  EXPECT_EQ(Get(view, "sum_bytes"), Value{int64_t{15}});
  EXPECT_EQ(Get(view, "mean_latency"), Value{2.0});
  EXPECT_EQ(Get(view, "users"), Value{int64_t{1}});
}

TEST(AggregateTest, AbsorbsRecordsAndReadsOnlyWhatItNeeds) {
  auto stage = FromYaml(
      "group_by: [event]\nwindow: { time_field: ts, tumbling: 1m }\n"
      "metrics:\n  n: count\n  b: { sum: bytes }\n  u: { distinct: user }\n");
  EXPECT_TRUE(stage->AbsorbsRecords());
  FieldNeeds needs = stage->Reads();
  EXPECT_FALSE(needs.all);
  std::vector<std::string_view> names;
  for (FieldId id : needs.fields) names.push_back(FieldNames::Name(id));
  std::sort(names.begin(), names.end());
  EXPECT_THAT(names, ElementsAre("bytes", "event", "ts", "user"));
}

TEST(AggregateTest, NoInputNoRows) {
  auto stage = FromYaml("metrics: { n: count }\n");
  EXPECT_THAT(AggregateOnOneWorker(*stage, {}), IsEmpty());
}

TEST(AggregateTest, GlobalGroupWithoutGroupBy) {
  auto stage = FromYaml("metrics: { n: count, total: { sum: bytes } }\n");
  std::vector<Record> rows = AggregateOnOneWorker(
      *stage, {Event("a", "x", 1, 0), Event("b", "y", 2, 0), Event("c", "z", 3, 0)});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], Rec({{"n", int64_t{3}}, {"total", int64_t{6}}}));
}

TEST(AggregateTest, TumblingWindowsFromEpochSecondsMillisecondsAndRfc3339) {
  auto stage = FromYaml(
      "group_by: [event]\nwindow: { time_field: ts, tumbling: 1m }\n"
      "metrics: { n: count }\n");
  const auto at = [](Value ts, const char* event) {
    return Rec({{"ts", std::move(ts)}, {"event", std::string(event)}});
  };
  std::vector<Record> records = {
      at(Value{int64_t{1704067200}}, "click"),                       // 00:00:00 (epoch s)
      at(Value{int64_t{1704067259999}}, "click"),                    // 00:00:59.999 (epoch ms)
      at(Value{std::string("2024-01-01T01:00:30+01:00")}, "click"),  // 00:00:30 (RFC 3339)
      at(Value{std::string("2024-01-01T00:01:00Z")}, "click"),       // next minute
      at(Value{1704067200.5}, "view"),                               // double seconds
      at(Value{std::string("2023-12-31T23:59:59.999Z")}, "view"),    // previous minute
  };
  std::vector<Record> rows = AggregateOnOneWorker(*stage, records);
  const auto row = [](const char* start, const char* event, int64_t n) {
    return Rec({{"window_start", std::string(start)}, {"event", std::string(event)}, {"n", n}});
  };
  EXPECT_THAT(
      rows,
      ElementsAre(row("2023-12-31T23:59:00Z", "view", 1), row("2024-01-01T00:00:00Z", "click", 3),
                  row("2024-01-01T00:00:00Z", "view", 1), row("2024-01-01T00:01:00Z", "click", 1)));
}

TEST(AggregateTest, WindowsBeforeTheEpochAndOfOddWidths) {
  auto stage = FromYaml("window: { time_field: ts, tumbling: 250ms }\nmetrics: { n: count }\n");
  std::vector<Record> rows =
      AggregateOnOneWorker(*stage, {Rec({{"ts", std::string("1969-12-31T23:59:59.900Z")}}),
                                    Rec({{"ts", std::string("1970-01-01T00:00:00.300Z")}})});
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(Get(rows[0], "window_start"), Value{std::string("1969-12-31T23:59:59.750Z")});
  EXPECT_EQ(Get(rows[1], "window_start"), Value{std::string("1970-01-01T00:00:00.250Z")});
}

// Windows start at multiples of their width since 1970: with 7 s windows, year 0000's
// first starts 5 s before it (where RFC 3339 has no year to write), its next at 00:00:02.
TEST(AggregateTest, AWindowThatWouldStartBeforeYear0000FailsItsRecord) {
  auto stage = FromYaml("window: { time_field: ts, tumbling: 7s }\nmetrics: { n: count }\n");
  std::unique_ptr<StageWorker> worker = stage->MakeWorker();
  Outcome early = Process(*worker, Rec({{"ts", std::string("0000-01-01T00:00:01Z")}}));
  EXPECT_EQ(early.code, ErrorCode::kOutOfRange);
  EXPECT_EQ(early.message,
            "field 'ts': 0000-01-01T00:00:01Z falls in a window that starts before year 0000, "
            "which RFC 3339 cannot write");
  EXPECT_EQ(Process(*worker, Rec({{"ts", std::string("0000-01-01T00:00:06Z")}})).verdict,
            Verdict::kAbsorb);  // its window starts at 00:00:02
}

TEST(AggregateTest, BadRecordsFailBeforeTouchingAnyGroup) {
  auto stage = FromYaml(
      "group_by: [event]\nwindow: { time_field: ts, tumbling: 1m }\n"
      "metrics:\n  n: count\n  total: { sum: bytes }\n  top: { max: latency_ms }\n");
  std::unique_ptr<StageWorker> worker = stage->MakeWorker();
  const auto rec = [](Value ts, Value bytes, Value latency) {
    Record r = Rec({{"event", std::string("click")}, {"ts", std::move(ts)}});
    if (!std::holds_alternative<std::monostate>(bytes))
      r.Append(FieldNames::Intern("bytes"), std::move(bytes));
    r.Append(FieldNames::Intern("latency_ms"), std::move(latency));
    return r;
  };
  const Value t{int64_t{1704067200}};
  Outcome no_time = Process(*worker, Rec({{"event", std::string("click")}}));
  EXPECT_EQ(no_time.code, ErrorCode::kMissingField);
  EXPECT_EQ(no_time.message, "missing field 'ts' (the window's time field)");
  Outcome bad_time =
      Process(*worker, rec(Value{std::string("noon")}, Value{int64_t{1}}, Value{1.0}));
  EXPECT_EQ(bad_time.code, ErrorCode::kWrongType);
  EXPECT_EQ(bad_time.message,
            "field 'ts': \"noon\" is not an RFC 3339 time: expected 4-digit year at character 1");
  Outcome no_bytes = Process(*worker, rec(t, Value{}, Value{1.0}));
  EXPECT_EQ(no_bytes.code, ErrorCode::kMissingField);
  EXPECT_EQ(no_bytes.message, "missing field 'bytes' (needed by metric 'total')");
  Outcome text = Process(*worker, rec(t, Value{std::string("12")}, Value{1.0}));
  EXPECT_EQ(text.code, ErrorCode::kWrongType);
  EXPECT_EQ(text.message, "field 'bytes': expected a number for metric 'total', got string \"12\"");
  Outcome nan = Process(*worker, rec(t, Value{int64_t{1}}, Value{std::nan("")}));
  EXPECT_EQ(nan.code, ErrorCode::kOutOfRange);
  EXPECT_EQ(nan.message,
            "field 'latency_ms': expected a finite number for metric 'top', got double NaN");
  Outcome huge = Process(*worker, rec(t, Value{1e18}, Value{1.0}));
  EXPECT_EQ(huge.code, ErrorCode::kOutOfRange);
  EXPECT_EQ(huge.message,
            "field 'bytes': 1e+18 is beyond +-1e18, the range metric 'total' sums exactly");
  // max alone takes any finite double; the one good record is the only one counted.
  EXPECT_EQ(Process(*worker, rec(t, Value{int64_t{5}}, Value{1e300})).verdict, Verdict::kAbsorb);
  std::vector<std::unique_ptr<StageWorker>> pool;
  pool.push_back(std::move(worker));
  std::vector<Record> rows = FinishRows(*stage, pool);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(Get(rows[0], "n"), Value{int64_t{1}});
  EXPECT_EQ(Get(rows[0], "total"), Value{int64_t{5}});
  EXPECT_EQ(Get(rows[0], "top"), Value{1e300});
}

TEST(AggregateTest, IntSumsAreExactAndWidenToDoubleOnlyWhenTheTotalOverflows) {
  auto stage = FromYaml("group_by: [g]\nmetrics: { s: { sum: v }, m: { mean: v } }\n");
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  const auto rec = [](const char* g, Value v) { return Rec({{"g", std::string(g)}, {"v", v}}); };
  std::vector<Record> rows = AggregateOnOneWorker(
      *stage, {rec("back", Value{kMax}), rec("back", Value{kMax}), rec("back", Value{-kMax}),
               rec("over", Value{kMax}), rec("over", Value{kMax}), rec("mixed", Value{int64_t{1}}),
               rec("mixed", Value{0.5})});
  ASSERT_EQ(rows.size(), 3u);
  // The intermediate total passed 2^63, the final one is back in range: still an exact int.
  EXPECT_EQ(Get(rows[0], "g"), Value{std::string("back")});
  EXPECT_EQ(Get(rows[0], "s"), Value{kMax});
  EXPECT_EQ(Get(rows[0], "m"), Value{static_cast<double>(kMax) / 3});
  EXPECT_EQ(Get(rows[1], "s"), Value{1.5});  // any double makes a double sum
  EXPECT_EQ(Get(rows[1], "m"), Value{0.75});
  EXPECT_EQ(Get(rows[2], "s"), Value{18446744073709551614.0});
  EXPECT_EQ(Get(rows[2], "m"), Value{static_cast<double>(kMax)});
}

TEST(AggregateTest, DoubleSumsAreExactInFixedPoint) {
  auto stage = FromYaml("metrics: { s: { sum: v }, m: { mean: v } }\n");
  std::vector<Record> records;
  for (int i = 0; i < 10; ++i) records.push_back(Rec({{"v", 0.1}}));
  std::vector<Record> rows = AggregateOnOneWorker(*stage, records);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(Get(rows[0], "s"), Value{1.0});  // naive double addition gives 0.9999999999999999
  EXPECT_EQ(Get(rows[0], "m"), Value{0.1});
}

// The mean is the exact total over the count, rounded once: the total rounded to a double
// and then divided was one unit in the last place off for about a quarter of small groups.
TEST(AggregateTest, MeansAreTheExactTotalOverTheCountRoundedOnce) {
  auto stage = FromYaml("group_by: [g]\nmetrics: { m: { mean: v } }\n");
  const auto rec = [](int64_t g, Value v) { return Rec({{"g", Value{g}}, {"v", v}}); };
  std::vector<Record> records = {rec(0, Value{0.1}), rec(0, Value{0.2}), rec(0, Value{0.3})};
  for (const Value& v : {Value{int64_t{1}}, Value{int64_t{1}}, Value{int64_t{1}}, Value{0.1},
                         Value{0.1}, Value{0.1}}) {
    records.push_back(rec(1, v));
  }
  // Ints whose total passes 2^64: 49173003118532088094 / 10.
  for (const int64_t v :
       {2824370555065926138, 2546984531313953268, 5494502793947710195, 4569633014982712795,
        3503011533126203584, 2842411115250523391, 6671533850894398605, 4941008204592019786,
        8380140968948993518, 7399406550409646814}) {
    records.push_back(rec(2, Value{v}));
  }
  std::vector<Record> rows = AggregateOnOneWorker(*stage, records);
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(Get(rows[0], "m"), Value{0.2});                    // not 0.19999999999999998
  EXPECT_EQ(Get(rows[1], "m"), Value{0.55});                   // not 0.5499999999999999
  EXPECT_EQ(Get(rows[2], "m"), Value{4917300311853208576.0});  // not ...9600.0
}

// Past 2^53 units (a total of about 9e6) converting the units to a double rounds once
// already: dividing that by 1e9 rounded a second time (4611833847.0 came out
// 4611833847.000001).
TEST(AggregateTest, LargeDoubleSumsAreRoundedOnce) {
  auto stage = FromYaml("group_by: [g]\nmetrics: { s: { sum: v }, m: { mean: v } }\n");
  const auto rec = [](int64_t g, Value v) { return Rec({{"g", Value{g}}, {"v", v}}); };
  std::vector<Record> records = {rec(0, Value{4611833847.0}), rec(1, Value{-4611833847.0}),
                                 rec(3, Value{int64_t{5'000'000'000}}), rec(3, Value{0.5})};
  // Totals past 1e18: an int and a fraction, read back in one rounding from their digits.
  records.push_back(rec(6, Value{int64_t{2797675826803946418}}));
  records.push_back(rec(6, Value{0.464680097}));
  records.push_back(rec(7, Value{int64_t{-3019400064291694735}}));
  records.push_back(rec(7, Value{-0.532374341}));
  for (int i = 0; i < 9; ++i) records.push_back(rec(2, Value{1e17}));
  for (int i = 0; i < 100; ++i) records.push_back(rec(4, Value{123456789.125}));
  // Whole numbers as doubles (byte counts written `123.0`): their exact sum is an integer.
  std::mt19937_64 random(7);
  int64_t exact = 0;
  for (int i = 0; i < 1000; ++i) {
    const auto v = static_cast<int64_t>(random() % 10'000'000'000);
    exact += v;
    records.push_back(rec(5, Value{static_cast<double>(v)}));
  }
  std::vector<Record> rows = AggregateOnOneWorker(*stage, records);
  ASSERT_EQ(rows.size(), 8u);
  EXPECT_EQ(Get(rows[0], "s"), Value{4611833847.0});
  EXPECT_EQ(Get(rows[1], "s"), Value{-4611833847.0});
  EXPECT_EQ(Get(rows[2], "s"), Value{9e17});
  EXPECT_EQ(Get(rows[2], "m"), Value{1e17});
  EXPECT_EQ(Get(rows[3], "s"), Value{5000000000.5});
  EXPECT_EQ(Get(rows[4], "s"), Value{12345678912.5});
  EXPECT_EQ(Get(rows[5], "s"), Value{static_cast<double>(exact)});
  EXPECT_EQ(Get(rows[6], "s"), Value{2797675826803946418.464680097});  // not ...6e+18
  EXPECT_EQ(Get(rows[7], "s"), Value{-3019400064291694735.532374341});
}

TEST(AggregateTest, GroupsCompareLikeCompareValuesAndComeOutSorted) {
  auto stage =
      FromYaml("group_by: [k]\nmetrics: { n: count, lo: { min: v }, d: { distinct: v } }\n");
  const auto rec = [](Value k, Value v) { return Rec({{"k", std::move(k)}, {"v", std::move(v)}}); };
  std::vector<Record> records = {
      rec(Value{std::string("b")}, Value{int64_t{1}}),
      rec(Value{2.5}, Value{int64_t{1}}),
      rec(Value{int64_t{1}}, Value{5.0}),
      rec(Value{1.0}, Value{int64_t{5}}),
      rec(Value{true}, Value{int64_t{1}}),
      rec(Value{std::string("a")}, Value{1.0}),
      rec(Value{}, Value{int64_t{1}}),
      Rec({{"v", Value{int64_t{7}}}}),
      rec(Value{int64_t{-3}}, Value{int64_t{1}}),
      rec(Value{false}, Value{int64_t{1}}),
  };
  std::vector<Record> rows = AggregateOnOneWorker(*stage, records);
  std::vector<Value> keys;
  for (const Record& row : rows) keys.push_back(Get(row, "k"));
  EXPECT_THAT(keys,
              ElementsAre(Value{}, Value{false}, Value{true}, Value{int64_t{-3}}, Value{int64_t{1}},
                          Value{2.5}, Value{std::string("a")}, Value{std::string("b")}));
  // null holds the record without k and the one with k: null.
  EXPECT_EQ(Get(rows[0], "n"), Value{int64_t{2}});
  // 1 and 1.0 are one group, reported as the int; min of 5.0 and 5 is the int 5; the
  // distinct count sees one value.
  EXPECT_EQ(Get(rows[4], "n"), Value{int64_t{2}});
  EXPECT_EQ(Get(rows[4], "lo"), Value{int64_t{5}});
  EXPECT_EQ(Get(rows[4], "d"), Value{int64_t{1}});
}

// Finish sorts by prefixes of an encoding of the whole key (detail::KeyOrder), then by whole
// keys where a number past 2^53 ties: values that share a prefix or round to the same double
// must still come in CompareValues' order.
TEST(AggregateTest, RowsComeInKeyOrderWhereTheFirstValuesLookAlike) {
  auto stage = FromYaml("group_by: [a, b]\nmetrics: { n: count }\n");
  const int64_t max = std::numeric_limits<int64_t>::max();
  const std::vector<Value> firsts = {
      Value{},
      Value{false},
      Value{true},
      Value{max},
      Value{max - 1},  // the same double as max
      Value{std::numeric_limits<int64_t>::min()},
      Value{-1.5},
      Value{int64_t{-1}},
      Value{0.5},
      Value{int64_t{1} << 53},
      Value{static_cast<double>((int64_t{1} << 53) + 2)},
      Value{(int64_t{1} << 53) + 1},  // between two doubles
      Value{std::numeric_limits<double>::infinity()},
      Value{-std::numeric_limits<double>::infinity()},
      Value{std::numeric_limits<double>::quiet_NaN()},
      Value{std::string()},
      Value{std::string("a")},
      Value{std::string("a\0", 2)},
      Value{std::string("a\0b", 3)},
      Value{std::string("same8byt")},
      Value{std::string("same8bytes-1")},
      Value{std::string("same8bytes-0")},
      Value{std::string("\xc3\xa9t\xc3\xa9")},
      Value{std::string("\x7f")},
  };
  const std::vector<Value> seconds = {Value{}, Value{int64_t{2}}, Value{1.5},
                                      Value{std::string("x")}};
  std::vector<Record> records;
  for (const Value& a : firsts) {
    for (const Value& b : seconds) records.push_back(Rec({{"a", a}, {"b", b}}));
  }
  std::shuffle(records.begin(), records.end(), std::mt19937_64(5));
  std::vector<size_t> split(records.size());
  for (size_t i = 0; i < split.size(); ++i) split[i] = i % 2;

  for (const std::vector<Record>& rows :
       {AggregateOnOneWorker(*stage, records), Aggregate(*stage, records, split, 2)}) {
    ASSERT_EQ(rows.size(), firsts.size() * seconds.size());
    for (size_t i = 1; i < rows.size(); ++i) {
      const int first = CompareValues(Get(rows[i - 1], "a"), Get(rows[i], "a"));
      const int second = CompareValues(Get(rows[i - 1], "b"), Get(rows[i], "b"));
      EXPECT_TRUE(first < 0 || (first == 0 && second < 0))
          << "row " << i << ": " << rows[i - 1].ToJson() << " then " << rows[i].ToJson();
    }
  }
}

TEST(AggregateTest, RowsComeInKeyOrderWhereTheLaterValuesDecide) {
  // The sort reads a prefix of the whole key first: the values after one that ties in it
  // (an int past 2^53 beside its double, a string that another one begins, NUL bytes,
  // strings past the prefix's 16 bytes) must not decide the order.
  auto stage = FromYaml("group_by: [a, b, c]\nmetrics: { n: count }\n");
  const std::vector<Value> values = KeysThatTieInPrefixes();

  std::mt19937_64 random(9);
  std::vector<Record> records;
  std::set<std::array<size_t, 3>> keys;  // distinct (a, b, c): no two values are equal
  for (int i = 0; i < 3000; ++i) {
    const std::array<size_t, 3> key = {random() % values.size(), random() % values.size(),
                                       random() % 4};
    records.push_back(Rec({{"a", values[key[0]]}, {"b", values[key[1]]}, {"c", values[key[2]]}}));
    keys.insert(key);
  }
  std::vector<size_t> split(records.size());
  for (size_t i = 0; i < split.size(); ++i) split[i] = i % 2;

  for (const std::vector<Record>& rows :
       {AggregateOnOneWorker(*stage, records), Aggregate(*stage, records, split, 2)}) {
    ASSERT_EQ(rows.size(), keys.size());
    for (size_t i = 1; i < rows.size(); ++i) {
      int order = 0;
      for (const char* field : {"a", "b", "c"}) {
        if (order == 0) order = CompareValues(Get(rows[i - 1], field), Get(rows[i], field));
      }
      EXPECT_LT(order, 0) << "row " << i << ": " << rows[i - 1].ToJson() << " then "
                          << rows[i].ToJson();
    }
  }
}

TEST(AggregateTest, ManyShortAndLongStringGroups) {
  // The first 16 groups of short strings are found by a small index, later and longer ones
  // by the hash table: 40 short keys and 10 long ones, each seen i + 1 times, interleaved.
  auto stage = FromYaml("group_by: [k]\nmetrics: { n: count }\n");
  std::vector<std::string> keys;
  for (int i = 0; i < 40; ++i) keys.push_back("k" + std::to_string(i));
  for (int i = 0; i < 10; ++i) keys.push_back("a long key " + std::to_string(i));
  std::vector<Record> records;
  for (size_t round = 0; round < keys.size(); ++round) {
    for (size_t i = round; i < keys.size(); ++i) {
      records.push_back(Rec({{"k", Value{keys[keys.size() - 1 - i]}}}));
    }
  }
  std::vector<Record> rows = AggregateOnOneWorker(*stage, records);
  ASSERT_EQ(rows.size(), keys.size());
  std::map<std::string, int64_t> counts;
  for (const Record& row : rows) {
    counts[std::get<std::string>(Get(row, "k"))] = std::get<int64_t>(Get(row, "n"));
  }
  for (size_t i = 0; i < keys.size(); ++i) {
    const std::string& key = keys[keys.size() - 1 - i];
    EXPECT_EQ(counts[key], static_cast<int64_t>(i + 1)) << key;
  }
}

TEST(AggregateTest, ExtremaDoNotDependOnOrder) {
  // Equal values of both types: the int wins; -0.0 and 0.0 are one zero (0.0).
  const auto extrema = [](const std::vector<Value>& values) {
    ExtremaAccumulator acc;
    for (const Value& v : values) acc.Add(v);
    return std::pair<Value, Value>(acc.min(), acc.max());
  };
  std::vector<Value> values = {Value{1.0},        Value{int64_t{1}},  Value{2.5},
                               Value{-3.0},       Value{int64_t{-3}}, Value{-0.0},
                               Value{int64_t{7}}, Value{7.0},         Value{int64_t{4}},
                               Value{6.5},        Value{-2.75}};
  std::vector<Value> zeros = {Value{-0.0}, Value{2.5}, Value{0.0}, Value{1.5}, Value{-0.0}};
  std::mt19937 rng(7);
  for (int round = 0; round < 200; ++round) {
    std::shuffle(values.begin(), values.end(), rng);
    const auto [low, high] = extrema(values);
    ASSERT_EQ(low, Value{int64_t{-3}}) << round;
    ASSERT_EQ(high, Value{int64_t{7}}) << round;
    std::shuffle(zeros.begin(), zeros.end(), rng);
    const auto [zero, top] = extrema(zeros);
    ASSERT_EQ(zero, Value{0.0}) << round;
    ASSERT_FALSE(std::signbit(std::get<double>(zero))) << round;
    ASSERT_EQ(top, Value{2.5}) << round;
  }
}

TEST(AggregateTest, ZerosOfBothSignsAreOneZero) {
  auto stage = FromYaml("metrics: { lo: { min: v }, hi: { max: v }, s: { sum: v } }\n");
  for (bool negative_first : {true, false}) {
    std::vector<Record> records = {Rec({{"v", -0.0}}), Rec({{"v", 0.0}})};
    if (!negative_first) std::swap(records[0], records[1]);
    std::vector<Record> rows = AggregateOnOneWorker(*stage, records);
    ASSERT_EQ(rows.size(), 1u);
    for (const char* field : {"lo", "hi", "s"}) {
      const double zero = std::get<double>(Get(rows[0], field));
      EXPECT_EQ(zero, 0.0);
      EXPECT_FALSE(std::signbit(zero)) << field;
    }
  }
}

TEST(AggregateTest, DistinctTellsTypesApartButNotIntsFromEqualDoubles) {
  auto stage = FromYaml("metrics: { d: { distinct: v } }\n");
  std::vector<Record> rows = AggregateOnOneWorker(
      *stage, {Rec({{"v", int64_t{1}}}), Rec({{"v", 1.0}}), Rec({{"v", std::string("1")}}),
               Rec({{"v", true}}), Rec({{"v", Value{}}}), Rec({{"v", Value{}}}), Rec({{"v", 1.5}}),
               Rec({{"v", std::string("")}})});
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(Get(rows[0], "d"), Value{int64_t{6}});  // 1, "1", true, null, 1.5, ""
}

// Records with awkward values: ints and doubles, equal keys of both types, nulls, missing
// group fields, doubles whose naive sum depends on the order.
std::vector<Record> MixedRecords(size_t n) {
  std::mt19937_64 random(11);
  std::vector<Record> records;
  const std::vector<Value> keys = {Value{std::string("view")},
                                   Value{std::string("click")},
                                   Value{int64_t{1}},
                                   Value{1.0},
                                   Value{},
                                   Value{2.5},
                                   Value{true}};
  for (size_t i = 0; i < n; ++i) {
    Record r;
    const uint64_t pick = random();
    if (pick % 11 != 0) r.Append(FieldNames::Intern("event"), keys[pick % keys.size()]);
    r.Append(FieldNames::Intern("ts"),
             Value{int64_t{1704067200} + static_cast<int64_t>(random() % 300)});
    const double latency = std::ldexp(static_cast<double>(random() % 100000), -7) + 0.1;
    r.Append(FieldNames::Intern("latency_ms"),
             pick % 3 == 0 ? Value{static_cast<int64_t>(latency)} : Value{latency});
    r.Append(FieldNames::Intern("bytes"),
             Value{static_cast<int64_t>(random() >> 2) - (int64_t{1} << 60)});
    r.Append(FieldNames::Intern("user"), Value{std::string("u") + std::to_string(random() % 50)});
    records.push_back(std::move(r));
  }
  return records;
}

TEST(AggregateTest, ResultsAreIdenticalWhateverTheWorkersAndTheSplit) {
  auto stage = FromYaml(R"(group_by: [event]
window: { time_field: ts, tumbling: 1m }
metrics:
  count: count
  sum_bytes: { sum: bytes }
  sum_latency: { sum: latency_ms }
  min_latency: { min: latency_ms }
  max_latency: { max: latency_ms }
  mean_latency: { mean: latency_ms }
  p50: { p50: latency_ms }
  p99: { p99: latency_ms }
  users: { distinct: user }
)");
  const std::vector<Record> records = MixedRecords(5000);
  const std::vector<Record> baseline = AggregateOnOneWorker(*stage, records);
  ASSERT_GT(baseline.size(), 20u);

  std::mt19937_64 random(5);
  for (size_t workers : {1, 2, 3, 7}) {
    for (int split = 0; split < 3; ++split) {
      std::vector<Record> shuffled = records;
      std::shuffle(shuffled.begin(), shuffled.end(), random);
      std::vector<size_t> assignment(shuffled.size());
      for (size_t i = 0; i < shuffled.size(); ++i) {
        assignment[i] = split == 0   ? i % workers                    // round robin
                        : split == 1 ? i * workers / shuffled.size()  // contiguous slices
                                     : static_cast<size_t>(random() % workers);  // random
      }
      EXPECT_EQ(Aggregate(*stage, shuffled, assignment, workers), baseline)
          << workers << " workers, split " << split;
    }
  }
}

TEST(AggregateTest, FinishEmptiesTheWorkers) {
  auto stage = FromYaml("metrics: { n: count }\n");
  std::vector<std::unique_ptr<StageWorker>> pool;
  pool.push_back(stage->MakeWorker());
  Item item;
  item.record = Rec({{"x", int64_t{1}}});
  EXPECT_EQ(pool[0]->Process(item), Verdict::kAbsorb);
  EXPECT_EQ(FinishRows(*stage, pool).size(), 1u);
  EXPECT_THAT(FinishRows(*stage, pool), IsEmpty());
}

}  // namespace
}  // namespace sluice
