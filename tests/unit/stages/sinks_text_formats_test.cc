// The text formats' writers: csv (RFC 4180, read back by parse_csv) and the aligned table.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "stages/parse_csv.h"
#include "stages/sinks.h"
#include "stages/sources.h"
#include "unit/result_matchers.h"
#include "unit/stages/parse_test_util.h"
#include "unit/stages/sink_test_util.h"

namespace sluice {
namespace {

using sink_test::MakeRecord;
using sink_test::SinksTest;
using ::testing::HasSubstr;
using testing_matchers::IsOk;

// The lines a file source framed for `parse` reads from `path`, as `sluice run` reads them
// (multiline rows whole, a byte order mark stepped over).
std::vector<std::string> LinesAsRead(const std::string& path, const ParseCsvStage& parse) {
  auto source = OpenFileSource({.path = path, .framing = parse.Framing()});
  EXPECT_THAT(source, IsOk());
  if (!source) return {};
  Batch rows;
  while ((*source)->Read(rows, 100) == SourceStatus::kMore) {
  }
  rows.Seal();
  std::vector<std::string> lines;
  for (const Item& row : rows.items) lines.emplace_back(row.raw);
  return lines;
}

TEST_F(SinksTest, CsvQuotesPerRfc4180AndWidensTheHeaderForLateFields) {
  const std::string text =
      WriteAll(OutputFormat::kCsv,
               {MakeRecord({{"event", std::string("click")}, {"count", int64_t{3}}}),
                MakeRecord({{"count", int64_t{-7}}, {"event", std::string("say \"hi\", ok")}}),
                MakeRecord({{"event", std::string("two\nlines")}, {"avg", 2.25}, {"flag", false}}),
                MakeRecord({{"event", std::monostate{}}})});
  EXPECT_EQ(text,
            "event,count,avg,flag\n"
            "click,3,,\n"
            "\"say \"\"hi\"\", ok\",-7,,\n"
            "\"two\nlines\",,2.25,false\n"
            ",,,\n");
}

// What sluice writes as CSV, parse_csv reads back as the same record: strings that look
// like numbers, bools or nothing are quoted, and whole doubles keep their ".0".
TEST_F(SinksTest, CsvReadsBackAsTheSameRecord) {
  const Record record = MakeRecord({{"s", std::string("42")},
                                    {"b", std::string("true")},
                                    {"e", std::string()},
                                    {"m", std::string("-5x")},
                                    {"d", 76.0},
                                    {"z", -0.0},
                                    {"i", int64_t{76}},
                                    {"t", true},
                                    {"n", std::monostate{}},
                                    {"q", std::string("a,\"b")}});
  const std::string csv = WriteAll(OutputFormat::kCsv, {record});
  EXPECT_THAT(csv, HasSubstr("\"42\",\"true\",\"\",-5x,76.0,-0.0,76,true,,"));
  std::vector<std::string> lines;
  std::istringstream in(csv);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 2u);
  ParseCsvStage parse(ParseCsvOptions{.header = true});
  const parse_test::ParsedLines back = parse_test::ParseLines(parse, lines);
  ASSERT_EQ(back.verdicts.at(1), Verdict::kPass) << back.message(1);
  for (const Field& field : record.fields()) {
    const std::string_view name = FieldNames::Name(field.id);
    EXPECT_EQ(parse_test::FieldOf(back.item(1), name), field.value) << name;
  }
}

// Strings and names holding line breaks come back too, when the file source keeps parse_csv's
// multiline rows whole (as `sluice run` does for a first stage parse_csv with multiline).
TEST_F(SinksTest, CsvWithLineBreaksReadsBackThroughAMultilineSource) {
  const std::vector<Record> records = {
      MakeRecord({{"note", std::string("two\nlines")}, {"n", int64_t{1}}}),
      MakeRecord({{"note", std::string("crlf\r\nend")}, {"n", int64_t{2}}}),
      MakeRecord({{"note", std::string("say \"hi\",\n\nok")}, {"n", int64_t{3}}}),
      MakeRecord({{"note", std::string("a name")}, {"line\nbreak", int64_t{4}}})};
  WriteAll(OutputFormat::kCsv, records);
  ParseCsvStage parse(ParseCsvOptions{.multiline = true});
  const std::vector<std::string> lines = LinesAsRead(Path("nested/dir/out.txt"), parse);
  ASSERT_EQ(lines.size(), 5u);  // the header and four rows
  const parse_test::ParsedLines back = parse_test::ParseLines(parse, lines);
  for (size_t i = 0; i < records.size(); ++i) {
    ASSERT_EQ(back.verdicts.at(i + 1), Verdict::kPass) << back.message(i + 1);
    for (const Field& field : records[i].fields()) {
      const std::string_view name = FieldNames::Name(field.id);
      EXPECT_EQ(parse_test::FieldOf(back.item(i + 1), name), field.value) << name;
    }
  }
}

// A file source steps over a byte order mark at the start: a first field name that starts
// with U+FEFF is quoted, so that it keeps it.
TEST_F(SinksTest, CsvAFirstNameThatStartsWithAByteOrderMarkReadsBack) {
  const Record record = MakeRecord({{"\xEF\xBB\xBFk", int64_t{1}}, {"a", int64_t{2}}});
  const std::string csv = WriteAll(OutputFormat::kCsv, {record});
  EXPECT_EQ(csv, "\"\xEF\xBB\xBFk\",a\n1,2\n");
  ParseCsvStage parse(ParseCsvOptions{});
  const std::vector<std::string> lines = LinesAsRead(Path("nested/dir/out.txt"), parse);
  ASSERT_EQ(lines.size(), 2u);
  const parse_test::ParsedLines back = parse_test::ParseLines(parse, lines);
  ASSERT_EQ(back.verdicts.at(1), Verdict::kPass) << back.message(1);
  EXPECT_EQ(parse_test::FieldOf(back.item(1), "\xEF\xBB\xBFk"), Value{int64_t{1}});
}

// A one-column row of null, nothing or blanks would be a blank line, which parse_csv
// rejects: it is quoted instead and reads back as a row (a null as the empty string).
TEST_F(SinksTest, CsvOneColumnRowsThatWouldBeBlankAreQuoted) {
  EXPECT_EQ(WriteAll(OutputFormat::kCsv, {MakeRecord({{" ", int64_t{1}}})}), "\" \"\n1\n");
  // Rows of several columns hold commas; rows of none (records without fields) stay blank.
  EXPECT_EQ(WriteAll(OutputFormat::kCsv,
                     {MakeRecord({{"a", std::monostate{}}, {"b", std::monostate{}}})}),
            "a,b\n,\n");
  EXPECT_EQ(WriteAll(OutputFormat::kCsv, {Record(), Record()}), "\n\n\n");
  const std::string csv =
      WriteAll(OutputFormat::kCsv,
               {MakeRecord({{"x", std::monostate{}}}), MakeRecord({{"x", std::string("  ")}}),
                MakeRecord({{"x", std::string("a")}}), Record()});
  EXPECT_EQ(csv, "x\n\"\"\n\"  \"\na\n\"\"\n");
  std::vector<std::string> lines;
  std::istringstream in(csv);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ParseCsvStage parse(ParseCsvOptions{.header = true});
  const parse_test::ParsedLines back = parse_test::ParseLines(parse, lines);
  const std::vector<std::string> expected = {"", "  ", "a", ""};
  for (size_t i = 0; i < expected.size(); ++i) {
    ASSERT_EQ(back.verdicts.at(i + 1), Verdict::kPass) << back.message(i + 1);
    EXPECT_EQ(parse_test::FieldOf(back.item(i + 1), "x"), Value(expected[i])) << i;
  }
}

// Unordered pipelines hand records over in whatever order workers finish: the columns must
// come out the same for every arrival order (by each field's mean position, then name).
TEST_F(SinksTest, CsvAndTableColumnsDoNotDependOnTheOrderRecordsArrive) {
  std::vector<Record> records = {
      MakeRecord({{"a", int64_t{1}}, {"b", int64_t{2}}}),
      MakeRecord({{"b", int64_t{3}}, {"a", int64_t{4}}}),
      MakeRecord({{"a", int64_t{5}}, {"b", int64_t{6}}}),
      MakeRecord({{"b", int64_t{7}}, {"a", int64_t{8}}}),
      MakeRecord({{"a", int64_t{9}}, {"b", int64_t{10}}, {"c", int64_t{11}}}),
  };
  std::vector<size_t> arrival = {0, 1, 2, 3, 4};
  std::set<std::string> csv_headers, table_headers;
  do {
    std::vector<Record> arrived;
    for (size_t i : arrival) arrived.push_back(records[i]);
    const std::string csv = WriteAll(OutputFormat::kCsv, arrived);
    csv_headers.insert(csv.substr(0, csv.find('\n')));
    EXPECT_THAT(csv, HasSubstr("\n4,3,\n"));  // {"b":3,"a":4}, under a and b
    EXPECT_THAT(csv, HasSubstr("\n9,10,11\n"));
    const std::string table = WriteAll(OutputFormat::kTable, arrived);
    table_headers.insert(table.substr(0, table.find('\n')));
  } while (std::next_permutation(arrival.begin(), arrival.end()));
  // Mean positions a 0.4, b 0.6, c 2.
  EXPECT_THAT(csv_headers, ::testing::ElementsAre("a,b,c"));
  EXPECT_THAT(table_headers, ::testing::ElementsAre("a   b   c"));
}

TEST_F(SinksTest, CsvColumnsInAFullTieGoByName) {
  const Record b_first = MakeRecord({{"b", int64_t{1}}, {"a", int64_t{2}}});
  const Record a_first = MakeRecord({{"a", int64_t{3}}, {"b", int64_t{4}}});
  EXPECT_EQ(WriteAll(OutputFormat::kCsv, {b_first, a_first}), "a,b\n2,1\n3,4\n");
  EXPECT_EQ(WriteAll(OutputFormat::kCsv, {a_first, b_first}), "a,b\n3,4\n2,1\n");
}

TEST_F(SinksTest, CsvWithNoRecordsWritesNothing) {
  EXPECT_EQ(WriteAll(OutputFormat::kCsv, {}), "");
}

TEST_F(SinksTest, TableAlignsColumnsAndRightAlignsNumbers) {
  const std::string text = WriteAll(
      OutputFormat::kTable,
      {MakeRecord({{"event", std::string("click")}, {"count", int64_t{42}}, {"avg_ms", 150.25}}),
       MakeRecord({{"event", std::string("purchase")}, {"count", int64_t{7}}, {"avg_ms", 3.0}}),
       MakeRecord({{"event", std::string("vü\tx")},
                   {"count", int64_t{12345}},
                   {"note", std::string("late")}})});
  EXPECT_EQ(text,
            "event     count  avg_ms  note\n"
            "--------  -----  ------  ----\n"
            "click        42  150.25\n"
            "purchase      7       3\n"
            "vü\\tx     12345          late\n");
}

// A table goes to a terminal: nothing in a cell may act on it (ESC [ and C1's CSI start
// escape sequences); U+00A0, a no-break space after the C1 block, is text.
TEST_F(SinksTest, TableEscapesControlCharactersC1Included) {
  const std::string text =
      WriteAll(OutputFormat::kTable, {MakeRecord({{"v", std::string("a\nb\x1b[1m\x7f\xC2\x9B"
                                                                    "31m\xC2\x85\xC2\xA0.")}})});
  EXPECT_EQ(text,
            "v\n"
            "--------------------------------\n"
            "a\\nb\\x1b[1m\\x7f\\u009b31m\\u0085\xC2\xA0.\n");
}

TEST_F(SinksTest, ATableCellPastTheWidthCapSticksOutOfItsColumnInItsRowOnly) {
  // A column is padded to its widest cell up to 100 characters: one long value must not
  // pad every row (a 500 KB value over 100k rows made a 50 GB table).
  const std::string long_value(150, 'x');
  const std::string wide_value(90, 'y');
  const std::string text =
      WriteAll(OutputFormat::kTable, {MakeRecord({{"a", std::string("short")}, {"n", int64_t{1}}}),
                                      MakeRecord({{"a", long_value}, {"n", int64_t{2}}}),
                                      MakeRecord({{"a", wide_value}, {"n", int64_t{3}}})});
  const std::string column_a_width(100, ' ');
  EXPECT_EQ(text, "a" + column_a_width.substr(1) + "  n\n" + std::string(100, '-') + "  -\n" +
                      "short" + column_a_width.substr(5) + "  1\n" + long_value + "  2\n" +
                      wide_value + column_a_width.substr(90) + "  3\n");
}

// Columns line up in a terminal: a CJK character takes two columns, a combining accent
// none.
TEST_F(SinksTest, TableColumnsCountWideCharactersTwiceAndCombiningMarksNot) {
  const std::string text = WriteAll(
      OutputFormat::kTable, {MakeRecord({{"city", std::string("東京")}, {"n", int64_t{1}}}),
                             MakeRecord({{"city", std::string("Paris")}, {"n", int64_t{2}}}),
                             MakeRecord({{"city", std::string("Cafe\u0301")}, {"n", int64_t{3}}})});
  EXPECT_EQ(text,
            "city   n\n"
            "-----  -\n"
            "東京   1\n"
            "Paris  2\n"
            "Cafe\u0301   3\n");
}

TEST_F(SinksTest, TableRowsOfDisjointFieldsFillOnlyTheirOwnColumns) {
  const std::string text =
      WriteAll(OutputFormat::kTable,
               {MakeRecord({{"a", int64_t{1}}, {"b", int64_t{2}}}), MakeRecord({{"c", int64_t{3}}}),
                MakeRecord({{"d", std::string("x")}, {"a", int64_t{4}}})});
  // Columns in order of their mean position in the records: c and d (0), a (0.5), b (1).
  EXPECT_EQ(text,
            "c  d  a  b\n"
            "-  -  -  -\n"
            "      1  2\n"
            "3\n"
            "   x  4\n");
}

TEST_F(SinksTest, TableFormatsDoublesWithSixSignificantDigits) {
  const double values[] = {3.14159265,
                           1234567.89,
                           0.000123456,
                           0.00001234,
                           2.5e15,
                           -0.0,
                           -42.125,
                           std::numeric_limits<double>::quiet_NaN(),
                           -std::numeric_limits<double>::infinity()};
  std::vector<Record> records;
  for (const double value : values) records.push_back(MakeRecord({{"x", value}}));
  EXPECT_EQ(WriteAll(OutputFormat::kTable, records),
            "          x\n"
            "-----------\n"
            "    3.14159\n"
            "    1234568\n"
            "0.000123456\n"
            "  1.234e-05\n"
            "    2.5e+15\n"
            "          0\n"
            "    -42.125\n"
            "        nan\n"
            "       -inf\n");
}

TEST_F(SinksTest, EmptyTablePrintsNoResults) {
  const std::string path = Path("empty.txt");
  auto writer = OpenOutput({.path = path, .format = OutputFormat::kTable});
  ASSERT_THAT(writer, IsOk());
  EXPECT_THAT((*writer)->Close(), IsOk());
  EXPECT_EQ((*writer)->written(), 0u);
  EXPECT_EQ(ReadFile(path), "(no results)\n");
}

}  // namespace
}  // namespace sluice
