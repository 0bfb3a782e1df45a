// Tests for the shared raw-line checks and the text value helpers of the parse stages.
#include "stages/line_checks.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <random>
#include <string>
#include <vector>

#include "framework/value.h"
#include "stages/text_values.h"

namespace sluice {
namespace {

using ::testing::HasSubstr;

struct Checked {
  LineStatus status;
  std::string text;
  std::optional<ErrorCode> code;
  std::string message;
};

Checked Check(std::string_view line) {
  Batch batch;
  batch.AddLine(line, 1, 0);
  batch.Seal();
  Item& item = batch.items[0];
  std::string_view text;
  Checked out{
      .status = CheckLine(item, text), .text = std::string(text), .code = {}, .message = {}};
  if (item.error) {
    out.code = item.error->code;
    out.message = item.error->message;
  }
  return out;
}

TEST(CheckLineTest, PassesOrdinaryLineThrough) {
  Checked c = Check("hello world");
  EXPECT_EQ(c.status, LineStatus::kText);
  EXPECT_EQ(c.text, "hello world");
  EXPECT_FALSE(c.code);
}

TEST(CheckLineTest, StripsTrailingCarriageReturn) {
  Checked c = Check("a,b\r");
  EXPECT_EQ(c.status, LineStatus::kText);
  EXPECT_EQ(c.text, "a,b");
}

TEST(CheckLineTest, RejectsEmptyAndBlankLines) {
  for (std::string_view line : {"", " ", "\t  ", "\r", "  \r"}) {
    Checked c = Check(line);
    EXPECT_EQ(c.status, LineStatus::kRejected) << "'" << line << "'";
    EXPECT_EQ(c.code, ErrorCode::kInvalidInput);
    EXPECT_EQ(c.message, "empty line");
  }
}

TEST(CheckLineTest, RejectsNulByteWithColumn) {
  Checked c = Check(std::string("ab\0cd", 5));
  EXPECT_EQ(c.status, LineStatus::kRejected);
  EXPECT_EQ(c.code, ErrorCode::kInvalidEncoding);
  EXPECT_EQ(c.message, "NUL byte at column 3");
}

TEST(CheckLineTest, RejectsInvalidUtf8WithColumn) {
  struct Case {
    std::string line;
    size_t column;
  };
  const Case cases[] = {
      {"ab\xff", 3},                 // never valid
      {"\x80x", 1},                  // lone continuation byte
      {"ok \xc3", 4},                // truncated 2-byte sequence
      {"\xc0\xaf", 1},               // overlong '/'
      {"xy\xe0\x80\xaf", 3},         // overlong 3-byte
      {"\xed\xa0\x80", 1},           // UTF-16 surrogate
      {"abcd\xf4\x90\x80\x80", 5},   // above U+10FFFF
      {"\xe2\x82\xac \xe2\x82", 5},  // euro sign, then a truncated one
  };
  for (const Case& test : cases) {
    Checked c = Check(test.line);
    EXPECT_EQ(c.status, LineStatus::kRejected);
    EXPECT_EQ(c.code, ErrorCode::kInvalidEncoding);
    EXPECT_EQ(c.message, "invalid UTF-8 at column " + std::to_string(test.column)) << test.line;
  }
}

TEST(CheckLineTest, AcceptsMultiByteUtf8) {
  Checked c = Check("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");  // café € 😀
  EXPECT_EQ(c.status, LineStatus::kText);
}

TEST(CheckLineTest, ItemWithoutRawTextIsNoText) {
  Batch batch;
  Record record;
  record.Set(FieldNames::Intern("x"), int64_t{1});
  batch.AddRecord(record, 4);  // pushed records are numbered too
  batch.AddLine("", 5, 0);
  batch.Seal();
  std::string_view text;
  EXPECT_EQ(CheckLine(batch.items[0], text), LineStatus::kNoText);
  EXPECT_TRUE(batch.items[1].from_line());  // an empty line is text
  EXPECT_FALSE(batch.items[0].error);
  EXPECT_FALSE(batch.items[0].from_line());
}

TEST(FindInvalidUtf8Test, FindsTheFirstInvalidByteInRandomText) {
  // Mostly ASCII, so that the 8-byte steps over it run at every alignment; the offset must
  // be the first byte where a step of one valid sequence at a time stops.
  const auto byte_by_byte = [](std::string_view text) {
    for (size_t i = 0; i < text.size();) {
      const size_t length = Utf8SequenceLength(text, i);
      if (length == 0) return i;
      i += length;
    }
    return std::string_view::npos;
  };
  std::mt19937 random(7);
  int invalid = 0;
  for (int round = 0; round < 20000; ++round) {
    std::string text(random() % 64, '\0');
    const unsigned non_ascii_odds = 2 + random() % 40;
    for (char& c : text) {
      c = static_cast<char>(random() % non_ascii_odds == 0 ? random() % 256 : 'a' + random() % 26);
    }
    const size_t bad = FindInvalidUtf8(text);
    ASSERT_EQ(bad, byte_by_byte(text)) << "round " << round;
    if (bad != std::string_view::npos) ++invalid;
  }
  EXPECT_GT(invalid, 5000);  // both answers, many times
  EXPECT_LT(invalid, 19000);
}

TEST(TrimBlanksTest, TrimsBothEnds) {
  EXPECT_EQ(TrimBlanks("  a b \t"), "a b");
  EXPECT_EQ(TrimBlanks("   "), "");
  EXPECT_EQ(TrimBlanks("x"), "x");
}

TEST(InferValueTest, TypesIntegers) {
  EXPECT_EQ(InferValue("42", ValueTyping::kInfer), Value(int64_t{42}));
  EXPECT_EQ(InferValue("-7", ValueTyping::kInfer), Value(int64_t{-7}));
  EXPECT_EQ(InferValue("0", ValueTyping::kInfer), Value(int64_t{0}));
  EXPECT_EQ(InferValue("9223372036854775807", ValueTyping::kInfer),
            Value(int64_t{9223372036854775807}));
  // Beyond int64: a double.
  EXPECT_EQ(InferValue("9223372036854775808", ValueTyping::kInfer), Value(9223372036854775808.0));
}

TEST(InferValueTest, TypesDoubles) {
  EXPECT_EQ(InferValue("1.5", ValueTyping::kInfer), Value(1.5));
  EXPECT_EQ(InferValue("-0.25", ValueTyping::kInfer), Value(-0.25));
  EXPECT_EQ(InferValue("1e3", ValueTyping::kInfer), Value(1000.0));
  EXPECT_EQ(InferValue("2.5E-1", ValueTyping::kInfer), Value(0.25));
}

TEST(InferValueTest, TypesBoolsAndNull) {
  EXPECT_EQ(InferValue("true", ValueTyping::kInfer), Value(true));
  EXPECT_EQ(InferValue("false", ValueTyping::kInfer), Value(false));
  EXPECT_EQ(InferValue("", ValueTyping::kInfer), Value(std::monostate{}));
}

TEST(InferValueTest, KeepsEverythingElseAsText) {
  for (std::string_view text : {"007", "+1", "1.", ".5", "1e", "0x1F", "nan", "inf", "TRUE", " 42",
                                "42 ", "1,000", "-", "1e999", "12ab", "--1"}) {
    EXPECT_EQ(InferValue(text, ValueTyping::kInfer), Value(std::string(text))) << text;
  }
}

TEST(InferValueTest, StringTypingKeepsText) {
  EXPECT_EQ(InferValue("42", ValueTyping::kString), Value(std::string("42")));
  EXPECT_EQ(InferValue("", ValueTyping::kString), Value(std::string()));
  EXPECT_EQ(InferValue("true", ValueTyping::kString), Value(std::string("true")));
}

// InfersAsString is InferValue's answer without the copy: the two must never disagree.
TEST(InferValueTest, InfersAsStringAgreesWithInferValue) {
  for (std::string_view text : {"42",     "-7",  "9223372036854775808",
                                "1.5",    "1e3", "true",
                                "false",  "",    "007",
                                "+1",     "1.",  "1e999",
                                "1e-400", "-",   "--1",
                                "TRUE",   "nan", " 42",
                                "abc",    "-x",  "0",
                                "0.0"}) {
    EXPECT_EQ(InfersAsString(text),
              std::holds_alternative<std::string>(InferValue(text, ValueTyping::kInfer)))
        << text;
  }
}

TEST(ValueTypingTest, ParsesNames) {
  EXPECT_EQ(ValueTypingFromName("infer"), ValueTyping::kInfer);
  EXPECT_EQ(ValueTypingFromName("string"), ValueTyping::kString);
  EXPECT_FALSE(ValueTypingFromName("auto"));
}

TEST(FieldIdCacheTest, ReturnsInternedIdsByPositionAndByName) {
  FieldIdCache cache;
  const FieldId a = FieldNames::Intern("cache_a");
  const FieldId b = FieldNames::Intern("cache_b");
  EXPECT_EQ(cache.Intern("cache_a", 0), a);
  EXPECT_EQ(cache.Intern("cache_b", 1), b);
  EXPECT_EQ(cache.Intern("cache_a", 0), a);  // positional hit
  EXPECT_EQ(cache.Intern("cache_a", 1), a);  // positional miss, name hit
  EXPECT_EQ(cache.Intern("cache_b", 0), b);
  EXPECT_EQ(cache.Intern("", 2), FieldNames::Intern(""));
  const std::optional<FieldId> fresh = cache.Intern("cache_fresh_name", 5);
  ASSERT_TRUE(fresh);
  EXPECT_EQ(FieldNames::Name(*fresh), "cache_fresh_name");
}

// A record that leaves out a key of the record before finds the keys after it one
// position on; the record after, with the key again, still finds each at its own.
TEST(FieldIdCacheTest, KeysAfterALeftOutOneAreFoundOnePositionOn) {
  FieldIdCache cache;
  const std::vector<std::string> names = {"cache_opt_a", "cache_opt_b", "cache_opt_c"};
  std::vector<FieldId> ids;
  for (size_t k = 0; k < names.size(); ++k) ids.push_back(*cache.Intern(names[k], k));
  EXPECT_EQ(cache.Intern("cache_opt_a", 0), ids[0]);
  EXPECT_EQ(cache.Intern("cache_opt_c", 1), ids[2]);  // b left out
  for (size_t k = 0; k < names.size(); ++k) EXPECT_EQ(cache.Intern(names[k], k), ids[k]);
  EXPECT_EQ(cache.Find("cache_opt_b", 0), ids[1]);  // one on from a key's position
  EXPECT_FALSE(cache.Find("cache_opt_never", 1).has_value());
}

TEST(FieldIdCacheTest, FindInternsNothing) {
  FieldIdCache cache;
  const FieldId known = FieldNames::Intern("cache_known");
  EXPECT_EQ(cache.Find("cache_known", 0), known);
  EXPECT_EQ(cache.Find("cache_known", 0), known);  // positional hit
  EXPECT_FALSE(cache.Find("cache_never_interned", 1).has_value());
  EXPECT_FALSE(FieldNames::Find("cache_never_interned").has_value());
  EXPECT_FALSE(cache.Find("cache_never_interned", 1).has_value());  // nor remembered
}

TEST(FieldDeduperTest, LastValueWinsAtFirstPosition) {
  FieldDeduper deduper;
  const FieldId a = FieldNames::Intern("dedupe_a");
  const FieldId b = FieldNames::Intern("dedupe_b");
  Record record;
  deduper.StartRecord();
  deduper.Set(record, a, int64_t{1});
  deduper.Set(record, b, int64_t{2});
  deduper.Set(record, a, int64_t{3});
  ASSERT_EQ(record.size(), 2u);
  EXPECT_EQ(record.fields()[0].id, a);
  EXPECT_EQ(record.fields()[0].value, Value(int64_t{3}));
  // A new record starts fresh.
  Record next;
  deduper.StartRecord();
  deduper.Set(next, a, int64_t{9});
  EXPECT_EQ(next.size(), 1u);
}

TEST(FieldDeduperTest, ManyRepeatedKeysKeepTheirFirstPositionsAndLastValues) {
  // Past 32 fields a repeat is found through an index of positions: the same rules hold,
  // and the next record does not see the last one's positions.
  FieldDeduper deduper;
  std::vector<FieldId> names;
  for (int i = 0; i < 300; ++i)
    names.push_back(FieldNames::Intern("dedupe_many_" + std::to_string(i)));
  for (unsigned seed = 1; seed <= 3; ++seed) {
    std::mt19937 random(seed);
    Record record;
    deduper.StartRecord();
    std::vector<FieldId> first_order;
    std::map<FieldId, int64_t> last_value;
    for (int64_t step = 0; step < 2000; ++step) {
      const FieldId id = names[random() % (100 * seed)];
      if (!last_value.contains(id)) first_order.push_back(id);
      last_value[id] = step;
      deduper.Set(record, id, int64_t{step});
    }
    ASSERT_EQ(record.size(), first_order.size());
    for (size_t position = 0; position < first_order.size(); ++position) {
      EXPECT_EQ(record.fields()[position].id, first_order[position]) << position;
      EXPECT_EQ(record.fields()[position].value, Value(last_value[first_order[position]]));
    }
  }
}

}  // namespace
}  // namespace sluice
