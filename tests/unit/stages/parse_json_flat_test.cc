// Tests for parse_json's flat reader (stages/detail/flat_json.h): with flat_reader on or
// off, every line must give the same verdict, record and error; the reader itself must
// read plain lines whole, with simdjson's values, and give up on everything else.
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "stages/detail/flat_json.h"
#include "stages/parse_json.h"
#include "unit/stages/parse_test_util.h"

namespace sluice {
namespace {

using parse_test::ParsedLines;
using parse_test::ParseLines;
using Fields = std::vector<std::pair<std::string, Value>>;

// A line of the bench's clickstream log.
constexpr std::string_view kClickLine =
    R"({"ts":1700000000009,"user":"u175","event":"view","latency_ms":118.7,"bytes":78185,)"
    R"("path":"/","ua":"okhttp/4.12.0"})";

// Value's == says -0.0 == 0.0: the records must match bit for bit.
bool SameBits(const Record& a, const Record& b) {
  if (!(a == b)) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    const double* x = std::get_if<double>(&a.fields()[i].value);
    const double* y = std::get_if<double>(&b.fields()[i].value);
    if (x != nullptr && std::bit_cast<uint64_t>(*x) != std::bit_cast<uint64_t>(*y)) return false;
  }
  return true;
}

void ExpectSame(const ParsedLines& flat, const ParsedLines& simd, size_t i) {
  const std::string line(flat.item(i).raw);
  SCOPED_TRACE("line " + std::to_string(i) + ": " + ::testing::PrintToString(line));
  EXPECT_EQ(flat.verdicts[i], simd.verdicts[i]);
  EXPECT_EQ(flat.message(i), simd.message(i));
  EXPECT_EQ(flat.code(i), simd.code(i));
  EXPECT_EQ(flat.item(i).record.ToJson(), simd.item(i).record.ToJson());
  EXPECT_TRUE(SameBits(flat.item(i).record, simd.item(i).record));
}

// Runs `lines` through a stage with the flat reader and one without, projected to `needs`:
// each line in a worker of its own, then all in one worker, then all in one worker with a
// plain line before each (so that the reader never rests after giving up 8 times).
void ExpectFlatMatchesSimdjson(const std::vector<std::string>& lines, const FieldNeeds& needs) {
  ParseJsonStage flat({.flat_reader = true});
  ParseJsonStage simd({.flat_reader = false});
  flat.Project(needs);
  simd.Project(needs);
  for (const std::string& line : lines) {
    ExpectSame(ParseLines(flat, {line}), ParseLines(simd, {line}), 0);
  }
  const ParsedLines flat_all = ParseLines(flat, lines);
  const ParsedLines simd_all = ParseLines(simd, lines);
  for (size_t i = 0; i < lines.size(); ++i) ExpectSame(flat_all, simd_all, i);
  std::vector<std::string> mixed;
  for (const std::string& line : lines) {
    mixed.push_back(R"({"a":7,"b":"plain","s":1.25})");
    mixed.push_back(line);
  }
  const ParsedLines flat_mixed = ParseLines(flat, mixed);
  const ParsedLines simd_mixed = ParseLines(simd, mixed);
  for (size_t i = 0; i < mixed.size(); ++i) ExpectSame(flat_mixed, simd_mixed, i);
}

const std::vector<std::string>& NumberTokens() {
  // clang-format off
  static const std::vector<std::string> tokens = {
      "0", "-0", "1", "-1", "12", "123456789", "12345678901234567", "123456789012345678",
      "-123456789012345678", "999999999999999999", "1234567890123456789", "12345678901234567890",
      "9223372036854775807", "-9223372036854775808", "9223372036854775808", "-9223372036854775809",
      "18446744073709551615", "18446744073709551616", "123456789012345678901234567890", "01", "-01",
      "00", "-00", "00.5", "-", "1.", ".5", "1e", "1e+", "1e-", "+1", "-a", "--1", "0x10", "1.e5",
      "Infinity", "NaN", "1E5", "1e5", "1e+5", "1e-5", "1E-0", "0e0", "-0e-0", "-0.0", "0.0", "0.1",
      "118.7", "-118.7", "1.5E+3", "12345678.12345678", "0.12345678901234567", "1.2345678901234567",
      "9007199254740993", "9007199254740993.0", "123456789012345678e-5", "3.14159265358979323846",
      "1000000000.000000001", "0.0000000000000000001", "1e22", "1e23", "1e-22", "1e-23", "1e-400",
      "1e400", "1e308", "1.7976931348623157e308", "1.8e308", "5e-324", "4.9e-324", "2e-324",
      "2.2250738585072014e-308", "4.35e-310", "1e99999999", "1e000000001", "1e00000005", "12a",
      "1.5.3", "1-2", "1e5e5", "1 2", "7\f", "true", "false", "null", "tru", "truex", "nul",
      "nulll", "fals", "True", "NULL", "t", "\"\"", "{}", "[]", "{ }", "[ ]", "{\"x\":1}",
      "[1,{\"y\":null}]", "{\"x\":[1,}", "[1,2", "{\"x\":\"\xff\"}"};
  // clang-format on
  return tokens;
}

std::vector<std::string> TrickyLines() {
  // clang-format off
  std::vector<std::string> lines = {
      R"({"a":1,"b":"x","s":true})", " \t{ \"a\" : 1 , \"b\" :\t\"x\"\r, \"s\" : null }\t \r",
      "{\r\"a\"\r:\r-2\r,\r\"s\"\r:\r\"y\"\r}", R"({"a":1 ,"b":2})", "{}", "{ }", " {\t}  ",
      R"({"a":1,"b":2,"a":3})", R"({"a":1,"a":"x","a":null,"b":false})",
      R"({"s":1,"b":2,"s":{"x":1}})", R"({"z":1,"a":[1,2],"s":{"x":{"y":[]}},"b":[ ]})",
      R"({"a":"q\"q","b":"\\","s":"\n\t\/"})", R"({"s":"\u00e9","a":"\ud83d\ude00","b":"\ud800"})",
      R"({"s":"\x","a":1})", R"({"s":"\u12","a":1})", "{\"s\":\"a\tb\",\"a\":1}",
      "{\"s\":\"\x01\",\"a\":1}", "{\"z\":\"\x1f\",\"a\":1}", "{\"s\":\"a\x7fz\",\"a\":1}",
      "{\"s\":\"caf\xc3\xa9\",\"a\":\"\xf0\x9f\x98\x80\",\"b\":\"\xe4\xb8\xad\xe6\x96\x87\"}",
      "{\"\xc3\xa9\":1,\"s\":\"\xe4\xb8\xad\"}", "{\"s\":\"\xff\",\"a\":1}",
      "{\"z\":\"\xff\",\"a\":1}", "{\"s\":\"ab\xc3\",\"a\":1}", "{\"s\":\"\xe2\x82\",\"a\":1}",
      "{\"s\":\"\xc0\xaf\",\"a\":1}", "{\"s\":\"\xed\xa0\x80\",\"a\":1}",
      "{\"s\":\"\xf4\x90\x80\x80\",\"a\":1}", "{\"\xff\":1,\"a\":2}", "{\"k\xc3\":1,\"a\":2}",
      "{\"a\":1}\xc3\xa9", "{\"a\":\xc3\xa9}", "\xef\xbb\xbf{\"a\":1}", "{\"a\":1,\n\"b\":2}",
      "{\"a\":1\f}", std::string("{\"s\":\"\0\",\"a\":1}", 15), R"({"s":"abc)", R"({"s":"abc})",
      R"({"a)", R"({")", R"({"s":")", R"({"a" 1})", R"({"a"})", R"({"a":1 "b":2})",
      R"({"a":"x""b":2})", R"({"a":1,})", R"({,})", R"({"a":1,,"b":2})", R"({:1})", R"({"a":})",
      R"({"a":)", R"({"a":1)", R"({"a":1,)", R"({"a":true)", R"({"a":1} x)", R"({"a":1}{})",
      R"({"a":1}})", "{\"a\":1} \t\r", "{\"a\":1}\r", "{\"a\":1}\r\r", "\r", "\r{\"a\":1}", " \t ", "",
      std::string("{\"a\":1}\0", 8), std::string("{\"a\":1,\"s\":\"\0\"}", 15), R"({"a":1},)", "[1]", "1", R"("s")", "null", "   ", "x", "{",
      "}", R"({"\u0061":1,"b":2})", R"({"a\"b":1,"a":2})", R"({"\\":1})", R"({"":1,"a":2})",
      R"({"":1,"":2})", std::string(kClickLine)};
  // clang-format on
  for (const std::string& token : NumberTokens()) {
    lines.push_back("{\"a\":" + token + "}");
    lines.push_back("{\"s\":\"x\",\"a\":" + token + ",\"b\":1}");
    lines.push_back("{ \"z\" : " + token + " , \"b\" : 2 }");
  }
  for (size_t n : {0, 1, 6, 7, 8, 9, 15, 16, 17, 63, 64, 65, 200}) {
    const std::string text(n, 'x');
    lines.push_back("{\"s\":\"" + text + "\",\"a\":1}");
    lines.push_back("{\"s\":\"" + text);  // no closing quote at the line's end
    lines.push_back("{\"s\":\"" + text + "\xc3\xa9\"}");
    lines.push_back("{\"s\":\"" + text + "\xc3\"}");  // truncated at the string's end
    lines.push_back("{\"" + text + "\":1,\"a\":2}");
    lines.push_back("{\"" + text);
  }
  return lines;
}

const FieldNeeds kProjected = FieldNeeds::Only({"a", "b", "s", "abcdefgh"});

TEST(ParseJsonFlatTest, TrickyLinesAllFieldsMatchSimdjson) {
  const std::vector<std::string> lines = TrickyLines();
  ASSERT_GT(lines.size(), 60u);
  ExpectFlatMatchesSimdjson(lines, FieldNeeds::All());
}

TEST(ParseJsonFlatTest, TrickyLinesProjectedMatchSimdjson) {
  ExpectFlatMatchesSimdjson(TrickyLines(), kProjected);
}

// The key memo remembers keys by position from the line before; the reader skips keys that
// match it. Runs of lines that share keys, then change one in place.
const std::vector<std::string> kMemoLines = {
    R"({"a":1,"b":2,"s":"x"})",
    R"({"a":3,"b":4,"s":"y"})",
    R"({"a":5,"c":6,"s":"z"})",
    R"({"b":7,"a":8,"s":"w"})",
    R"({"ab":1,"b":2})",
    R"({"a":1,"b":2})",
    R"({"abcdefg":1,"abcdefgh":2})",
    R"({"abcdefh":1,"abcdefgh":2})",
    R"({"abcdefgh":1,"abcdefg":2})",
    R"({"abcdefgi":1,"abcdefghi":2})",
    R"({"abcdefghijklmnop":1,"s":1})",
    R"({"abcdefghijklmnop":2,"s":2})",
    R"({"abcdefghijklmnoq":3,"s":3})",
    R"({"abcdefghijklmnop\"":4,"s":4})",
    R"({"abcdefg)",
    R"({"abcdefg")",
    R"({"abcdefg":)",
    R"({"a":1})",
    R"({"\u0061":2})",
    R"({"a\u0062":3})",
    R"({"ab":4})",
    R"({"":1,"a":1})",
    R"({"":2,"a":2})",
    "{\"a\tb\":1}",
    "{\"a\tb\":2}",
    R"({"a\u0009b":1,"s":1})",  // remembered with its tab unescaped, then met raw
    "{\"a\tb\":2,\"s\":2}",
    R"({"s\u0001":1})",
    "{\"s\x01\":2}",
    "{\"\xc3\xa9\":1,\"s\":\"\xc3\xa9\"}",
    "{\"\xc3\xa9\":2,\"s\":\"ok\"}",
    "{\"\xc3\":1}",  // invalid UTF-8 in a key, twice in a row
    "{\"\xc3\":1}",
    "{\"\xc3\":1,\"a\":2}",
    "{\"a\xff\":1,\"s\":\"x\"}",
    "{\"a\xff\":1,\"s\":\"x\"}",
    "{\"s\":1,\"\xed\xa0\x80\":2}",
    "{\"s\":1,\"\xed\xa0\x80\":2}",
    "{\"s\":1,\"b\":\"\xc0\xaf\"}",
    "{\"s\":1,\"b\":\"\xc0\xaf\"}",
    R"({"a":1,"b":2})",
    R"({"a":1,)",  // the next line starts with a quote, right after this one
    R"("b":2})",
    R"({"a":1,)",
    R"("b":2}     )",
    R"({"a":1,"b":2})",
};

TEST(ParseJsonFlatTest, KeyMemoAllFieldsMatchesSimdjson) {
  ExpectFlatMatchesSimdjson(kMemoLines, FieldNeeds::All());
}

TEST(ParseJsonFlatTest, KeyMemoProjectedMatchesSimdjson) {
  ExpectFlatMatchesSimdjson(kMemoLines, kProjected);
}

// Reads `line` with the reader alone, `after` (at least 8 bytes) past its end; nullopt when
// it gives up. With `skip`, values are skipped, not read.
std::optional<Fields> ReadFlat(const std::string& line, const std::string& after = "        ",
                               bool skip = false) {
  const std::string buffer = line + after;
  detail::FlatJsonReader json(std::string_view(buffer.data(), line.size()));
  if (!json.Open()) return std::nullopt;
  Fields fields;
  using Step = detail::FlatJsonReader::Step;
  Step step;
  while ((step = json.NextKey()) == Step::kKey) {
    std::string_view key;
    Value value;
    if (!json.ReadKey(key) || !json.Colon() || !json.ReadValue(skip ? nullptr : &value)) {
      return std::nullopt;
    }
    fields.emplace_back(std::string(key), std::move(value));
  }
  if (step != Step::kEnd || !json.Finish()) return std::nullopt;
  return fields;
}

uint64_t Bits(double d) { return std::bit_cast<uint64_t>(d); }

// simdjson refuses these lines in its first pass, before reading a key (invalid UTF-8, a
// raw control character); the flat reader must not leave their names in FieldNames
// either (ids are global, and FieldNames has a limit).
TEST(ParseJsonFlatTest, NamesOfARefusedLineAreNotInterned) {
  ParseJsonStage stage;
  stage.Project(FieldNeeds::All());
  const ParsedLines out = ParseLines(stage, {"{\"flat_test_unseen_1\":1,\"s\":\"\xff\"}",
                                             "{\"flat_test_unseen_2\":1,\"s\":\"a\x01\"}"});
  EXPECT_EQ(out.verdicts[0], Verdict::kError);
  EXPECT_EQ(out.verdicts[1], Verdict::kError);
  EXPECT_FALSE(FieldNames::Find("flat_test_unseen_1").has_value());
  EXPECT_FALSE(FieldNames::Find("flat_test_unseen_2").has_value());
}

TEST(FlatJsonReaderTest, ReadsScalars) {
  const auto fields = ReadFlat(
      " { \"i\":-42,\"z\":0,\"big\":999999999999999999,\"t\":true,\"f\" : false ,"
      "\"n\":null,\"s\":\"caf\xc3\xa9 \xf0\x9f\x98\x80\",\"e\":\"\",\"\":1 }\t");
  ASSERT_TRUE(fields.has_value());
  const Fields expected = {{"i", Value(int64_t{-42})},
                           {"z", Value(int64_t{0})},
                           {"big", Value(int64_t{999999999999999999})},
                           {"t", Value(true)},
                           {"f", Value(false)},
                           {"n", Value(std::monostate{})},
                           {"s", Value(std::string("caf\xc3\xa9 \xf0\x9f\x98\x80"))},
                           {"e", Value(std::string())},
                           {"", Value(int64_t{1})}};
  EXPECT_EQ(*fields, expected);
  EXPECT_EQ(ReadFlat("{}"), Fields{});
  EXPECT_EQ(ReadFlat("{ }"), Fields{});
}

TEST(FlatJsonReaderTest, DoublesAreStrtodsBitForBit) {
  for (const char* number : {"0.1",
                             "118.7",
                             "-118.7",
                             "1e-5",
                             "1E5",
                             "1e+5",
                             "-0.0",
                             "0e0",
                             "3.14159265358979323846",
                             "1e308",
                             "1.7976931348623157e308",
                             "2.2250738585072014e-308",
                             "0.12345678901234567",
                             "1.2345678901234567",
                             "9007199254740993.0",
                             "123456789012345678e-5",
                             "1e22",
                             "1e23",
                             "1e-22",
                             "1e-23",
                             "12345678.12345678",
                             "0.0000000000000000001"}) {
    SCOPED_TRACE(number);
    const auto fields = ReadFlat(std::string("{\"x\":") + number + "}");
    ASSERT_TRUE(fields.has_value());
    ASSERT_EQ(fields->size(), 1u);
    const double* value = std::get_if<double>(&(*fields)[0].second);
    ASSERT_NE(value, nullptr);
    EXPECT_EQ(Bits(*value), Bits(std::strtod(number, nullptr)));
  }
  // Subnormals and underflow: the reader may leave them to simdjson, but never misread them.
  for (const char* number : {"5e-324", "4.9e-324", "2e-324", "4.35e-310", "1e-400"}) {
    SCOPED_TRACE(number);
    const auto fields = ReadFlat(std::string("{\"x\":") + number + "}");
    if (!fields) continue;
    const double* value = std::get_if<double>(&(*fields)[0].second);
    ASSERT_NE(value, nullptr);
    EXPECT_EQ(Bits(*value), Bits(std::strtod(number, nullptr)));
  }
}

TEST(FlatJsonReaderTest, WhatFollowsTheLineDoesNotMatter) {
  const Fields one = {{"a", Value(int64_t{1})}};
  const Fields skipped = {{"a", Value()}};
  for (const char* after : {"        ", "xxxxxxxx", "\"\"\"\"\"\"\"\"", "99999999",
                            "\\\\\\\\\\\\\\\\", "}}}}}}}}", ",\"a\":2}  ", "\0\0\0\0\0\0\0\0"}) {
    SCOPED_TRACE(after);
    const std::string padding(after, 8);
    EXPECT_EQ(ReadFlat(R"({"a":1})", padding), one);
    EXPECT_EQ(ReadFlat(R"({"a":1})", padding, /*skip=*/true), skipped);
    // Lines cut short must not be completed by the bytes after them.
    EXPECT_FALSE(ReadFlat(R"({"a":1,)", padding).has_value());
    EXPECT_FALSE(ReadFlat(R"({"a":1)", padding).has_value());
    EXPECT_FALSE(ReadFlat(R"({"a":12)", padding).has_value());
    EXPECT_FALSE(ReadFlat(R"({"a":"abc)", padding).has_value());
    EXPECT_FALSE(ReadFlat(R"({"a":tru)", padding).has_value());
    EXPECT_FALSE(ReadFlat(R"({"a)", padding).has_value());
    EXPECT_FALSE(ReadFlat(R"({)", padding).has_value());
  }
  EXPECT_FALSE(ReadFlat(R"({"a":1,)", R"("a":2}   )").has_value());
  EXPECT_FALSE(ReadFlat(R"({"a":"abc)", R"("}      )").has_value());
  EXPECT_FALSE(ReadFlat(R"({"a":12)", R"(34}     )").has_value());
}

TEST(FlatJsonReaderTest, GivesUpOnWhatSimdjsonMustRead) {
  for (const std::string line : {R"({"a":"q\"q"})",
                                 R"({"a":"\u00e9"})",
                                 R"({"a\"b":1})",
                                 R"({"\u0061":1})",
                                 R"({"a":{}})",
                                 R"({"a":[1]})",
                                 R"({"a":{"x":1}})",
                                 R"({"a":01})",
                                 R"({"a":-})",
                                 R"({"a":1.})",
                                 R"({"a":.5})",
                                 R"({"a":1e})",
                                 R"({"a":+1})",
                                 R"({"a":-01})",
                                 R"({"a":1234567890123456789})",
                                 R"({"a":-9223372036854775808})",
                                 R"({"a":1e400})",
                                 R"({"a":1e000000001})",
                                 R"({"a":12a})",
                                 R"({"a":1.5.3})",
                                 R"({"a":tru})",
                                 R"({"a":truex})",
                                 R"({"a":nul})",
                                 R"({"a":True})",
                                 R"({"a":1} x)",
                                 R"({"a":1}{})",
                                 R"({"a":1}})",
                                 R"({"a":1,})",
                                 R"({,})",
                                 R"({"a" 1})",
                                 R"({"a":1 "b":2})",
                                 R"([1])",
                                 "1",
                                 R"("s")",
                                 "",
                                 "   ",
                                 R"({"a":"abc)",
                                 "{\"a\":\"x\ty\"}",
                                 "{\"a\":\"\x01\"}",
                                 "{\"a\":\"\xff\"}",
                                 "{\"a\":\"\xc0\xaf\"}",
                                 "{\"a\":\"\xed\xa0\x80\"}",
                                 "{\"a\":\"ab\xc3\"}",
                                 "{\"\xff\":1}",
                                 "{\"a\":1}\xc3\xa9",
                                 "{\"a\":1,\n\"b\":2}"}) {
    EXPECT_FALSE(ReadFlat(line).has_value()) << ::testing::PrintToString(line);
  }
}

TEST(FlatJsonReaderTest, SkippedValuesAreCheckedAlike) {
  EXPECT_EQ(ReadFlat(R"({"a":"x","b":1.5,"c":null,"d":true})", "        ", /*skip=*/true)->size(),
            4u);
  for (const std::string line : {R"({"a":"q\"q"})", R"({"a":[1]})", R"({"a":01})", R"({"a":tru})",
                                 R"({"a":1.})", "{\"a\":\"\xff\"}"}) {
    EXPECT_FALSE(ReadFlat(line, "        ", /*skip=*/true).has_value())
        << ::testing::PrintToString(line);
  }
}

TEST(FlatJsonReaderTest, ReadsATypicalClickstreamLineWhole) {
  const auto fields = ReadFlat(std::string(kClickLine));
  ASSERT_TRUE(fields.has_value());
  const Fields expected = {
      {"ts", Value(int64_t{1700000000009})},      {"user", Value(std::string("u175"))},
      {"event", Value(std::string("view"))},      {"latency_ms", Value(118.7)},
      {"bytes", Value(int64_t{78185})},           {"path", Value(std::string("/"))},
      {"ua", Value(std::string("okhttp/4.12.0"))}};
  EXPECT_EQ(*fields, expected);
  EXPECT_EQ(Bits(std::get<double>((*fields)[3].second)), Bits(118.7));
  // Spaced the way pretty printers and some loggers write it.
  EXPECT_EQ(ReadFlat(" { \"ts\" : 1700000000009 , \"user\" : \"u175\" , \"event\" : \"view\" ,"
                     " \"latency_ms\" : 118.7 , \"bytes\" : 78185 , \"path\" : \"/\" ,"
                     " \"ua\" : \"okhttp/4.12.0\" } "),
            expected);
  EXPECT_TRUE(ReadFlat(R"({"level":"info","msg":"GET /api/v1/items 200","ok":true,"err":null})")
                  .has_value());
}

}  // namespace
}  // namespace sluice
