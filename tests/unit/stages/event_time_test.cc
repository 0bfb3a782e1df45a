#include "stages/event_time.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>

namespace sluice {
namespace {

using ::testing::HasSubstr;
using ::testing::Optional;

constexpr int64_t kJan2024Ms = 1704067200000;  // 2024-01-01T00:00:00Z

Value Str(const char* text) { return Value{std::string(text)}; }

TEST(EventTimeTest, IntsBelow1e11AreSecondsAboveAreMilliseconds) {
  EXPECT_THAT(EventTimeMs(Value{int64_t{1704067200}}), Optional(kJan2024Ms));
  EXPECT_THAT(EventTimeMs(Value{kJan2024Ms + 5}), Optional(kJan2024Ms + 5));
  EXPECT_THAT(EventTimeMs(Value{int64_t{0}}), Optional(int64_t{0}));
  EXPECT_THAT(EventTimeMs(Value{int64_t{-86400}}), Optional(int64_t{-86'400'000}));
  // The boundary: 99,999,999,999 is seconds (year 5138), 100,000,000,000 milliseconds (1973).
  EXPECT_THAT(EventTimeMs(Value{int64_t{99'999'999'999}}), Optional(int64_t{99'999'999'999'000}));
  EXPECT_THAT(EventTimeMs(Value{int64_t{100'000'000'000}}), Optional(int64_t{100'000'000'000}));
  // Seconds before year 0000 are out of range, as milliseconds and RFC 3339 strings are.
  EXPECT_THAT(EventTimeMs(Value{int64_t{-62'167'219'200}}), Optional(kMinEventTimeMs));
  EXPECT_EQ(EventTimeMs(Value{int64_t{-62'167'219'201}}), std::nullopt);
  EXPECT_EQ(EventTimeMs(Value{int64_t{-99'999'999'999}}), std::nullopt);
}

TEST(EventTimeTest, DoublesKeepMillisecondsTruncatedTowardsThePast) {
  EXPECT_THAT(EventTimeMs(Value{1700000000.123}), Optional(int64_t{1700000000123}));
  EXPECT_THAT(EventTimeMs(Value{1700000000.1239}), Optional(int64_t{1700000000123}));
  EXPECT_THAT(EventTimeMs(Value{1700000000123.9}), Optional(int64_t{1700000000123}));
  EXPECT_THAT(EventTimeMs(Value{-1.5}), Optional(int64_t{-1500}));
  EXPECT_THAT(EventTimeMs(Value{-0.0001}), Optional(int64_t{-1}));
  // Decimal fractions that binary cannot hold still land on the written millisecond.
  for (const int64_t whole : {int64_t{1700000000}, int64_t{0}, int64_t{-1700000000}, int64_t{59}}) {
    for (int ms = 0; ms < 1000; ++ms) {
      const double seconds =
          std::stod(std::to_string(whole) + "." + std::to_string(1000 + ms).substr(1));
      const int64_t expected = whole * 1000 + (whole < 0 ? -ms : ms);
      ASSERT_THAT(EventTimeMs(Value{seconds}), Optional(expected))
          << whole << " s + " << ms << " ms";
    }
  }
  // Products that land beside the millisecond meant (floor alone would miss these).
  EXPECT_THAT(EventTimeMs(Value{1.001}), Optional(int64_t{1001}));
  EXPECT_THAT(EventTimeMs(Value{1092843870.001}), Optional(int64_t{1092843870001}));
  EXPECT_THAT(EventTimeMs(Value{-2.007}), Optional(int64_t{-2007}));
  // Times just before a millisecond, and so before a window's end, stay before it: only
  // what reading a decimal can be off by is taken for the next millisecond.
  EXPECT_THAT(EventTimeMs(Value{1700000039.999999}), Optional(int64_t{1700000039999}));
  EXPECT_THAT(EventTimeMs(Value{1700000039.9999994}), Optional(int64_t{1700000039999}));
  EXPECT_THAT(EventTimeMs(Value{59.999999}), Optional(int64_t{59999}));
  EXPECT_THAT(EventTimeMs(Value{59.9999999999}), Optional(int64_t{59999}));
  EXPECT_THAT(EventTimeMs(Value{-1e-9}), Optional(int64_t{-1}));
  EXPECT_THAT(EventTimeMs(Value{1700000039999.9995}), Optional(int64_t{1700000039999}));  // ms
}

TEST(EventTimeTest, IntegerStringsAreEpochNumbers) {
  EXPECT_THAT(EventTimeMs(Str("1704067200")), Optional(kJan2024Ms));
  EXPECT_THAT(EventTimeMs(Str("1704067200000")), Optional(kJan2024Ms));
  EXPECT_THAT(EventTimeMs(Str("-60")), Optional(int64_t{-60'000}));
  EXPECT_EQ(EventTimeMs(Str("")), std::nullopt);
  EXPECT_EQ(EventTimeMs(Str("12a")), std::nullopt);
}

TEST(EventTimeTest, Rfc3339WithZoneAndFraction) {
  EXPECT_THAT(EventTimeMs(Str("2024-01-01T00:00:00Z")), Optional(kJan2024Ms));
  EXPECT_THAT(EventTimeMs(Str("2024-01-01t00:00:00z")), Optional(kJan2024Ms));
  EXPECT_THAT(EventTimeMs(Str("2024-01-01 00:00:00Z")), Optional(kJan2024Ms));
  EXPECT_THAT(EventTimeMs(Str("2024-01-01T01:00:00+01:00")), Optional(kJan2024Ms));
  EXPECT_THAT(EventTimeMs(Str("2023-12-31T18:30:00-05:30")), Optional(kJan2024Ms));
  EXPECT_THAT(EventTimeMs(Str("2024-01-01T00:00:00.5Z")), Optional(kJan2024Ms + 500));
  EXPECT_THAT(EventTimeMs(Str("2024-01-01T00:00:00.123456789Z")), Optional(kJan2024Ms + 123));
  EXPECT_THAT(EventTimeMs(Str("1969-12-31T23:59:59.999Z")), Optional(int64_t{-1}));
  EXPECT_THAT(EventTimeMs(Str("2024-02-29T00:00:00Z")), Optional(kJan2024Ms + 59 * 86'400'000LL));
  EXPECT_THAT(EventTimeMs(Str("2000-02-29T00:00:00Z")), Optional(int64_t{951782400000}));
  EXPECT_THAT(EventTimeMs(Str("2023-12-31T23:59:60Z")), Optional(kJan2024Ms));  // leap second
  EXPECT_THAT(EventTimeMs(Str("0000-01-01T00:00:00Z")), Optional(kMinEventTimeMs));
  EXPECT_THAT(EventTimeMs(Str("9999-12-31T23:59:59.999Z")), Optional(kMaxEventTimeMs));
}

TEST(EventTimeTest, ReasonsPointAtTheProblem) {
  const auto why = [](const Value& v) {
    Result<int64_t> t = ReadEventTimeMs(v);
    EXPECT_FALSE(t.ok());
    EXPECT_EQ(t.ok() ? ErrorCode::kInternal : t.error().code, ErrorCode::kWrongType);
    return t.ok() ? std::string() : t.error().message;
  };
  EXPECT_EQ(why(Str("2024-13-01T00:00:00Z")),
            "\"2024-13-01T00:00:00Z\" is not an RFC 3339 time: month 13 at character 6");
  EXPECT_EQ(why(Str("1900-02-29T00:00:00Z")),
            "\"1900-02-29T00:00:00Z\" is not an RFC 3339 time: day 29 of a month with 28 at "
            "character 9");
  EXPECT_THAT(why(Str("2024-01-01T00:00:00")),
              HasSubstr("expected 'Z' or a +HH:MM offset at character 20"));
  EXPECT_THAT(why(Str("2024-01-01T24:00:00Z")), HasSubstr("hour 24 at character 12"));
  EXPECT_THAT(why(Str("2024-01-01T00:00Z")), HasSubstr("expected ':' at character 17"));
  EXPECT_THAT(why(Str("2024-01-01T00:00:00Zjunk")),
              HasSubstr("unexpected text after the time at character 21"));
  EXPECT_THAT(why(Str("2024-01-01T00:00:00.Z")),
              HasSubstr("expected digits after '.' at character 21"));
  EXPECT_THAT(why(Str("yesterday")), HasSubstr("expected 4-digit year at character 1"));
  EXPECT_THAT(why(Str("99999999999999999")), HasSubstr("not an epoch time in years 0000..9999"));
  EXPECT_EQ(why(Str("99999999999999999999999")),  // beyond int64 too: still a number
            "\"99999999999999999999999\" is not an epoch time in years 0000..9999");
  EXPECT_THAT(why(Str("+-5")), HasSubstr("is not an RFC 3339 time"));
  EXPECT_EQ(why(Value{true}), "expected an epoch time or an RFC 3339 string, got bool true");
  EXPECT_EQ(why(Value{}), "expected an epoch time or an RFC 3339 string, got null");
  EXPECT_EQ(why(Value{std::nan("")}), "double NaN is not an epoch time in years 0000..9999");
  EXPECT_EQ(why(Value{std::numeric_limits<int64_t>::max()}),
            "int 9223372036854775807 is not an epoch time in years 0000..9999");
  EXPECT_EQ(why(Value{1e300}), "double 1e+300 is not an epoch time in years 0000..9999");
}

TEST(EventTimeTest, EventTimeMsMatchesReadEventTimeMs) {
  for (const Value& v : {Value{int64_t{5}}, Value{2.5}, Str("2024-01-01T00:00:00Z"), Str("x"),
                         Value{false}, Value{}}) {
    Result<int64_t> read = ReadEventTimeMs(v);
    std::optional<int64_t> plain = EventTimeMs(v);
    ASSERT_EQ(read.ok(), plain.has_value());
    if (plain) {
      EXPECT_EQ(*read, *plain);
    }
  }
}

TEST(EventTimeTest, FormatsUtcWithMillisecondsOnlyWhenNeeded) {
  EXPECT_EQ(FormatRfc3339Utc(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339Utc(kJan2024Ms), "2024-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339Utc(kJan2024Ms + 123), "2024-01-01T00:00:00.123Z");
  EXPECT_EQ(FormatRfc3339Utc(kJan2024Ms + 7), "2024-01-01T00:00:00.007Z");
  EXPECT_EQ(FormatRfc3339Utc(-1), "1969-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatRfc3339Utc(kMinEventTimeMs), "0000-01-01T00:00:00Z");
  EXPECT_EQ(FormatRfc3339Utc(kMaxEventTimeMs), "9999-12-31T23:59:59.999Z");
  EXPECT_EQ(FormatRfc3339Utc(kMinEventTimeMs - 86'400'000), "-0001-12-31T00:00:00Z");
  // Never crashes, whatever the input.
  EXPECT_FALSE(FormatRfc3339Utc(std::numeric_limits<int64_t>::min()).empty());
  EXPECT_FALSE(FormatRfc3339Utc(std::numeric_limits<int64_t>::max()).empty());
}

TEST(EventTimeTest, FormatAndParseRoundTrip) {
  std::mt19937_64 random(7);
  std::uniform_int_distribution<int64_t> times(kMinEventTimeMs, kMaxEventTimeMs);
  for (int i = 0; i < 20000; ++i) {
    const int64_t ms = times(random);
    const std::string text = FormatRfc3339Utc(ms);
    ASSERT_THAT(ParseRfc3339Ms(text), Optional(ms)) << text;
  }
}

}  // namespace
}  // namespace sluice
