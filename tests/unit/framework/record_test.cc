#include "framework/record.h"

#include <gtest/gtest.h>

#include <bit>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace sluice {
namespace {

Record MakeRecord(int fields) {
  Record r;
  for (int i = 0; i < fields; ++i) {
    r.Append(FieldNames::Intern("f" + std::to_string(i)), "value number " + std::to_string(i));
  }
  return r;
}

TEST(RecordTest, SetReplacesAndAppendsInOrder) {
  Record r;
  const FieldId a = FieldNames::Intern("a"), b = FieldNames::Intern("b");
  r.Set(a, int64_t{1});
  r.Set(b, std::string("x"));
  r.Set(a, 2.5);
  EXPECT_EQ(r.size(), 2u);
  EXPECT_EQ(r.ToJson(), R"({"a":2.5,"b":"x"})");
  EXPECT_EQ(r.Find(FieldNames::Intern("missing")), nullptr);
}

// Records spill from their inline slots to the heap past kInlineFields; copies and moves
// must keep every field either way.
TEST(RecordTest, CopiesAndMovesKeepFieldsInlineAndOnHeap) {
  for (int n : {0, 1, 7, 8, 9, 20}) {
    SCOPED_TRACE(n);
    const Record original = MakeRecord(n);
    ASSERT_EQ(original.size(), size_t(n));
    Record copy = original;
    EXPECT_EQ(copy, original);
    Record moved = std::move(copy);
    EXPECT_EQ(moved, original);
    EXPECT_TRUE(copy.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty
    Record assigned = MakeRecord(3);
    assigned = moved;
    EXPECT_EQ(assigned, original);
    for (int i = 0; i < n; ++i) {
      const Value* v = assigned.Find(FieldNames::Intern("f" + std::to_string(i)));
      ASSERT_NE(v, nullptr);
      EXPECT_EQ(std::get<std::string>(*v), "value number " + std::to_string(i));
    }
    assigned.Clear();
    EXPECT_TRUE(assigned.empty());
    assigned.Append(FieldNames::Intern("z"), true);
    EXPECT_EQ(assigned.ToJson(), R"({"z":true})");
  }
}

TEST(RecordTest, ReserveBeyondInlineThenGrow) {
  Record r;
  r.Reserve(12);
  for (int i = 0; i < 12; ++i) r.Set(FieldNames::Intern("g" + std::to_string(i)), int64_t{i});
  EXPECT_EQ(r.size(), 12u);
  EXPECT_EQ(std::get<int64_t>(*r.Find(FieldNames::Intern("g11"))), 11);
}

TEST(ValueTest, JsonAndOrdering) {
  std::string out;
  AppendJson(Value{1.5}, out);
  out += ' ';
  AppendJson(Value{std::string("a\"\n\x01")}, out);
  out += ' ';
  AppendJson(Value{}, out);
  EXPECT_EQ(out, "1.5 \"a\\\"\\n\\u0001\" null");
  EXPECT_LT(CompareValues(Value{int64_t{2}}, Value{2.5}), 0);
  EXPECT_EQ(CompareValues(Value{int64_t{2}}, Value{2.0}), 0);
  EXPECT_LT(CompareValues(Value{}, Value{false}), 0);
  EXPECT_LT(CompareValues(Value{9.0}, Value{std::string("1")}), 0);
}

// Output keeps a number's type: a whole double reads back as a double, not an int.
TEST(ValueTest, DoublesKeepTheirTypeInJsonAndText) {
  auto json = [](const Value& v) {
    std::string out;
    AppendJson(v, out);
    return out;
  };
  EXPECT_EQ(json(Value{76.0}), "76.0");
  EXPECT_EQ(json(Value{-0.0}), "-0.0");
  EXPECT_EQ(json(Value{100.0}), "100.0");
  EXPECT_EQ(json(Value{1e21}), "1e+21");
  EXPECT_EQ(json(Value{0.1}), "0.1");
  EXPECT_EQ(json(Value{int64_t{76}}), "76");
  EXPECT_EQ(json(Value{std::numeric_limits<int64_t>::min()}), "-9223372036854775808");
  EXPECT_EQ(json(Value{std::numeric_limits<double>::infinity()}), "null");
  std::string text;
  AppendText(Value{2.0}, text);
  EXPECT_EQ(text, "2.0");
}

// What AppendDouble wrote before its short-decimal path: to_chars' shortest form, with
// ".0" on a whole number.
std::string ToCharsDouble(double d) {
  char buf[32];
  std::string out(buf, std::to_chars(buf, buf + sizeof buf, d).ptr);
  if (out.find_first_of(".en") == std::string::npos) out += ".0";
  return out;
}

TEST(ValueTest, DoublesPrintAsToCharsPrintsThem) {
  const auto json = [](double d) {
    std::string out;
    AppendJson(Value{d}, out);
    return out;
  };
  int wrong = 0;
  const auto check = [&](double d) {
    if (json(d) != ToCharsDouble(d) && ++wrong <= 10) {
      ADD_FAILURE() << "as JSON: " << json(d) << ", to_chars: " << ToCharsDouble(d);
    }
  };
  // Every decimal of up to 5 digits, with 0 to 5 digits after the point: the short path
  // takes those with up to 3, and must fall back for the rest and for the exponent forms
  // (1e+05, 1e-04).
  constexpr double kScales[] = {1, 10, 100, 1000, 10000, 100000};
  for (int n = -100000; n <= 100000; ++n) {
    for (double scale : kScales) check(n / scale);
  }
  // Larger magnitudes, the edges of the short path, and numbers read from text.
  for (double d : {1e9, std::nextafter(1e9, 0.0), 999999999.999, 999999999.9995, 123456789.125, 1e8,
                   1e15, 1e21, 5e-4, 1e-3, std::nextafter(1e-3, 1.0), 0.1 + 0.2, 2.5e-7, 1.0 / 3,
                   std::numeric_limits<double>::min(), std::numeric_limits<double>::denorm_min(),
                   std::numeric_limits<double>::max(), -0.0, 4503599627370497.0}) {
    check(d);
    check(-d);
  }
  std::mt19937_64 random(7);
  for (int i = 0; i < 100000; ++i) {
    const double d = std::bit_cast<double>(random());
    if (std::isfinite(d)) check(d);
    check(static_cast<double>(static_cast<int64_t>(random() % 2000000000) - 1000000000) / 1000);
  }
  EXPECT_EQ(wrong, 0);
}

TEST(ValueTest, NumbersCompareExactlyAndNanSortsLast) {
  const Value two53_plus_1{int64_t{9007199254740993}};
  const Value two53_double{9007199254740992.0};
  EXPECT_GT(CompareValues(two53_plus_1, two53_double), 0);  // not rounded to the double
  EXPECT_LT(CompareValues(two53_double, two53_plus_1), 0);
  const Value int_max{std::numeric_limits<int64_t>::max()};
  const Value two63_double{9223372036854775808.0};
  EXPECT_LT(CompareValues(int_max, two63_double), 0);
  EXPECT_GT(CompareValues(two63_double, int_max), 0);
  EXPECT_EQ(CompareValues(Value{-0.0}, Value{int64_t{0}}), 0);
  const Value nan{std::numeric_limits<double>::quiet_NaN()};
  const Value inf{std::numeric_limits<double>::infinity()};
  for (const Value& number : {Value{int64_t{1}}, Value{1.0}, inf, int_max}) {
    EXPECT_LT(CompareValues(number, nan), 0);
    EXPECT_GT(CompareValues(nan, number), 0);
  }
  EXPECT_EQ(CompareValues(nan, nan), 0);
  EXPECT_LT(CompareValues(nan, Value{std::string("")}), 0);  // numbers before strings
}

std::string JsonString(std::string_view text) {
  std::string out = "<";  // AppendJsonString appends: keep what was there
  AppendJsonString(text, out);
  return out;
}

// Strings past 64 KiB are escaped a piece at a time (room for the worst case of each):
// escapes and UTF-8 sequences that straddle the pieces' ends come out as in one piece.
TEST(ValueTest, LongJsonStringsEscapeAcrossPieces) {
  const std::string unit = "ab\"c\xC3\xA9\x01\xF0\x9F\x98\x80\xC2\x9B";  // 14 bytes
  const std::string escaped_unit = "ab\\\"c\xC3\xA9\\u0001\xF0\x9F\x98\x80\\u009b";
  for (const size_t shift : {0, 1, 2, 3, 5, 13}) {  // where the units fall against 65536
    const std::string text = std::string(shift, 'x') + [&] {
      std::string many;
      for (int k = 0; k < 20000; ++k) many += unit;  // 280,000 bytes: five pieces
      return many;
    }();
    std::string expected = "<\"" + std::string(shift, 'x');
    for (int k = 0; k < 20000; ++k) expected += escaped_unit;
    expected += '"';
    EXPECT_EQ(JsonString(text), expected) << "shift " << shift;
  }
}

TEST(ValueTest, JsonStringsEscapeAndRepairWhatJsonNeeds) {
  EXPECT_EQ(JsonString(""), R"(<"")");
  EXPECT_EQ(JsonString("plain /text/ 123"), R"(<"plain /text/ 123")");
  EXPECT_EQ(JsonString("q\"b\\n\nr\rt\t"), R"(<"q\"b\\n\nr\rt\t")");
  EXPECT_EQ(JsonString(std::string("nul\0\x1f\x7f", 6)), R"(<"nul\u0000\u001f)"
                                                         "\x7f\"");
  EXPECT_EQ(JsonString("caf\xC3\xA9 \xF0\x9F\x98\x80"), "<\"caf\xC3\xA9 \xF0\x9F\x98\x80\"");
  // C1 controls (U+0080-U+009F) are escaped too, as a terminal acts on them; U+00A0 is text.
  EXPECT_EQ(JsonString("a\xC2\x9B"
                       "b\xC2\x85\xC2\xA0"),
            "<\"a\\u009bb\\u0085\xC2\xA0\"");
  // Invalid UTF-8 (a stray continuation byte, a truncated sequence) becomes U+FFFD.
  EXPECT_EQ(JsonString("a\x80"
                       "b\xE2\x82"),
            "<\"a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD\xEF\xBF\xBD\"");
}

TEST(ValueTest, LongJsonStringsKeepEveryByte) {
  // Escapes, control bytes and a 4-byte sequence in a long string.
  std::string text(4094, 'x');
  text += "\xF0\x9F\x98\x80";  // bytes 4094..4097
  std::string expected = "<\"" + std::string(4094, 'x') + "\xF0\x9F\x98\x80";
  for (int i = 0; i < 3000; ++i) {
    text += i % 2 ? "\x01" : "\"";
    expected += i % 2 ? "\\u0001" : "\\\"";
  }
  expected += '"';
  EXPECT_EQ(JsonString(text), expected);
  // Nothing but control bytes: the worst case, six bytes out for each byte in.
  std::string worst_expected = "<\"";
  for (int i = 0; i < 500; ++i) worst_expected += "\\u001f";
  EXPECT_EQ(JsonString(std::string(500, '\x1f')), worst_expected + '"');
}

// JSON's escapes one byte at a time, with invalid UTF-8 as U+FFFD: what the 8- and 16-byte
// steps of AppendJsonString must come to.
std::string JsonStringByteByByte(std::string_view text) {
  std::string out = "<\"";
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\n' || c == '\r' || c == '\t') {
      out += c == '\n' ? "\\n" : c == '\r' ? "\\r" : "\\t";
    } else if (c < 0x20) {
      char hex[8];
      std::snprintf(hex, sizeof hex, "\\u%04x", c);
      out += hex;
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else if (const size_t length = Utf8SequenceLength(text, i); length > 0) {
      out += text.substr(i, length);
      i += length - 1;
    } else {
      out += "\xEF\xBF\xBD";
    }
  }
  return out + '"';
}

TEST(ValueTest, JsonStringsOfRandomBytesMatchTheByteByByteEscapes) {
  // Pieces that fall at every place in the 8- and 16-byte steps: plain runs, escapes, UTF-8
  // whole, cut short and stray, and bytes next to the thresholds ('!' after a control
  // character). Up to 47 pieces: most texts pass 32 bytes, where the 16-byte chunks start.
  const std::vector<std::string> pieces = {"a",
                                           "plain text",
                                           "\"",
                                           "\\",
                                           "\n",
                                           "\r",
                                           "\t",
                                           std::string(1, '\0'),
                                           "\x1f",
                                           "\x7f",
                                           " ",
                                           "!",
                                           "#",
                                           "[",
                                           "]",
                                           "\xC3\xA9",
                                           "\xE2\x82\xAC",
                                           "\xF0\x9F\x98\x80",
                                           "\x80",
                                           "\xC3",
                                           "\xE2\x82",
                                           "\xFF",
                                           "\xA0",
                                           "{\"ts\":1700000000123,\"user\":\"u1\"}"};
  std::mt19937 random(7);
  std::string padded;
  for (int round = 0; round < 20000; ++round) {
    std::string text;
    const int count = static_cast<int>(random() % 48);
    for (int k = 0; k < count; ++k) text += pieces[random() % pieces.size()];
    // At every alignment: the steps read 8 or 16 bytes wherever the text starts.
    const size_t shift = random() % 16;
    padded.assign(shift, 'p');
    padded += text;
    const std::string_view view = std::string_view(padded).substr(shift);
    ASSERT_EQ(JsonString(view), JsonStringByteByByte(view)) << "round " << round;
  }
}

}  // namespace
}  // namespace sluice
