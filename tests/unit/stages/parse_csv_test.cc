// Tests for the parse_csv stage, including the header row shared across workers.
#include "stages/parse_csv.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "framework/pipeline.h"
#include "unit/stages/parse_test_util.h"

namespace sluice {
namespace {

using parse_test::FieldNamesOf;
using parse_test::FieldOf;
using parse_test::ParseLines;
using parse_test::StageConfig;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

Value Str(std::string s) { return Value(std::move(s)); }
Value Int(int64_t i) { return Value(i); }
Value Null() { return Value(std::monostate{}); }

ParseCsvOptions Columns(std::vector<std::string> columns, bool header = false) {
  return ParseCsvOptions{.columns = std::move(columns), .header = header};
}

TEST(ParseCsvTest, ParsesAndInfersTypes) {
  ParseCsvStage stage(Columns({"s", "i", "d", "b", "n", "neg"}));
  auto out = ParseLines(stage, {"ada,42,1.5,true,,-3"});
  ASSERT_EQ(out.verdicts[0], Verdict::kPass) << out.message(0);
  EXPECT_THAT(FieldNamesOf(out.item(0)), ElementsAre("s", "i", "d", "b", "n", "neg"));
  EXPECT_EQ(FieldOf(out.item(0), "s"), Str("ada"));
  EXPECT_EQ(FieldOf(out.item(0), "i"), Int(42));
  EXPECT_EQ(FieldOf(out.item(0), "d"), Value(1.5));
  EXPECT_EQ(FieldOf(out.item(0), "b"), Value(true));
  EXPECT_EQ(FieldOf(out.item(0), "n"), Null());
  EXPECT_EQ(FieldOf(out.item(0), "neg"), Int(-3));
}

TEST(ParseCsvTest, StringTypesKeepText) {
  ParseCsvStage stage(
      ParseCsvOptions{.columns = {"a", "b"}, .header = false, .types = ValueTyping::kString});
  auto out = ParseLines(stage, {"42,"});
  ASSERT_EQ(out.verdicts[0], Verdict::kPass);
  EXPECT_EQ(FieldOf(out.item(0), "a"), Str("42"));
  EXPECT_EQ(FieldOf(out.item(0), "b"), Str(""));
}

TEST(ParseCsvTest, HandlesRfc4180Quoting) {
  ParseCsvStage stage(Columns({"a", "b", "c"}));
  auto out = ParseLines(stage, {R"("x, y","say ""hi""",42)", R"("42","",plain)", R"(a"b,"",)"});
  ASSERT_EQ(out.verdicts[0], Verdict::kPass) << out.message(0);
  EXPECT_EQ(FieldOf(out.item(0), "a"), Str("x, y"));
  EXPECT_EQ(FieldOf(out.item(0), "b"), Str("say \"hi\""));
  EXPECT_EQ(FieldOf(out.item(0), "c"), Int(42));
  // Quoted fields stay strings; an empty quoted field is "", an empty plain one null.
  ASSERT_EQ(out.verdicts[1], Verdict::kPass) << out.message(1);
  EXPECT_EQ(FieldOf(out.item(1), "a"), Str("42"));
  EXPECT_EQ(FieldOf(out.item(1), "b"), Str(""));
  // A quote inside a plain field is literal; a trailing delimiter makes an empty field.
  ASSERT_EQ(out.verdicts[2], Verdict::kPass) << out.message(2);
  EXPECT_EQ(FieldOf(out.item(2), "a"), Str("a\"b"));
  EXPECT_EQ(FieldOf(out.item(2), "c"), Null());
}

TEST(ParseCsvTest, CustomDelimiterAndQuote) {
  ParseCsvStage stage(
      ParseCsvOptions{.columns = {"a", "b"}, .header = false, .delimiter = '\t', .quote = '\''});
  auto out = ParseLines(stage, {"'x\ty'\t7", "a,b\t'it''s'"});
  ASSERT_EQ(out.verdicts[0], Verdict::kPass) << out.message(0);
  EXPECT_EQ(FieldOf(out.item(0), "a"), Str("x\ty"));
  EXPECT_EQ(FieldOf(out.item(0), "b"), Int(7));
  ASSERT_EQ(out.verdicts[1], Verdict::kPass) << out.message(1);
  EXPECT_EQ(FieldOf(out.item(1), "a"), Str("a,b"));
  EXPECT_EQ(FieldOf(out.item(1), "b"), Str("it's"));
}

TEST(ParseCsvTest, NoQuoting) {
  ParseCsvStage stage(ParseCsvOptions{.columns = {"a", "b"}, .header = false, .quote = '\0'});
  auto out = ParseLines(stage, {R"("x,y")"});
  ASSERT_EQ(out.verdicts[0], Verdict::kPass) << out.message(0);
  EXPECT_EQ(FieldOf(out.item(0), "a"), Str("\"x"));
  EXPECT_EQ(FieldOf(out.item(0), "b"), Str("y\""));
}

TEST(ParseCsvTest, ReportsBadRows) {
  ParseCsvStage stage(Columns({"a", "b", "c"}));
  auto out = ParseLines(stage, {"1,2", "1,2,3,4", R"(1,"open,3)", R"(1,"x"y,3)", "", "1,\xff,3",
                                std::string("1,\0,3", 5)});
  EXPECT_EQ(out.message(0), "expected 3 columns, got 2");
  EXPECT_EQ(out.message(1), "expected 3 columns, got 4");
  EXPECT_EQ(out.message(2), "unterminated quoted field starting at column 3");
  EXPECT_EQ(out.message(3), "unexpected character after closing quote at column 6");
  EXPECT_EQ(out.message(4), "empty line");
  for (size_t i = 0; i <= 4; ++i) {
    EXPECT_EQ(out.verdicts[i], Verdict::kError);
    EXPECT_EQ(out.code(i), ErrorCode::kInvalidInput);
  }
  EXPECT_EQ(out.code(5), ErrorCode::kInvalidEncoding);
  EXPECT_EQ(out.message(5), "invalid UTF-8 at column 3");
  EXPECT_EQ(out.code(6), ErrorCode::kInvalidEncoding);
  EXPECT_EQ(out.message(6), "NUL byte at column 3");
}

TEST(ParseCsvTest, HeaderFromLineOne) {
  ParseCsvStage stage(ParseCsvOptions{});
  auto out = ParseLines(stage, {"user,\"bytes\",ok", "ada,10,true", "bob,20,false\r"});
  EXPECT_EQ(out.verdicts[0], Verdict::kFilter);
  ASSERT_EQ(out.verdicts[1], Verdict::kPass) << out.message(1);
  EXPECT_THAT(FieldNamesOf(out.item(1)), ElementsAre("user", "bytes", "ok"));
  EXPECT_EQ(FieldOf(out.item(2), "bytes"), Int(20));
  EXPECT_EQ(FieldOf(out.item(2), "ok"), Value(false));
}

TEST(ParseCsvTest, ColumnsRenameTheHeaderRow) {
  ParseCsvStage stage(Columns({"who", "amount"}, /*header=*/true));
  auto out = ParseLines(stage, {"User,Bytes", "ada,10"});
  EXPECT_EQ(out.verdicts[0], Verdict::kFilter);
  ASSERT_EQ(out.verdicts[1], Verdict::kPass);
  EXPECT_EQ(FieldOf(out.item(1), "who"), Str("ada"));

  auto wrong = ParseLines(stage, {"User,Bytes,Extra", "ada,10"});
  EXPECT_EQ(wrong.verdicts[0], Verdict::kError);
  EXPECT_EQ(wrong.message(0), "header row: expected 2 columns, got 3");
  EXPECT_EQ(wrong.verdicts[1], Verdict::kPass);
}

TEST(ParseCsvTest, BadHeaderRowFailsTheRowsAfterIt) {
  ParseCsvStage duplicate(ParseCsvOptions{});
  auto out = ParseLines(duplicate, {"a,b,a", "1,2,3"});
  EXPECT_EQ(out.message(0), "header row: duplicate column 'a'");
  EXPECT_EQ(out.verdicts[1], Verdict::kError);
  EXPECT_EQ(out.message(1), "no valid header row (line 1: duplicate column 'a')");

  ParseCsvStage empty_name(ParseCsvOptions{});
  EXPECT_EQ(ParseLines(empty_name, {"a,,c"}).message(0), "header row: column 2 has an empty name");

  ParseCsvStage empty_line(ParseCsvOptions{});
  auto blank = ParseLines(empty_line, {"", "1,2"});
  EXPECT_EQ(blank.message(0), "empty line");
  EXPECT_EQ(blank.message(1), "no valid header row (line 1: empty line)");
}

TEST(ParseCsvTest, SingleWorkerWithoutLineOneFailsAtOnce) {
  ParseCsvStage stage(ParseCsvOptions{});
  auto worker = stage.MakeWorker();
  auto out = parse_test::ParseLinesWith(*worker, {"a,b", "1,2"}, /*first_line=*/5);
  EXPECT_EQ(out.verdicts[0], Verdict::kError);
  EXPECT_THAT(out.message(0), HasSubstr("no header row: line 1 has not reached this stage"));
}

TEST(ParseCsvTest, WorkersWaitForTheWorkerWithLineOne) {
  ParseCsvStage stage(ParseCsvOptions{});
  auto first = stage.MakeWorker();
  auto second = stage.MakeWorker();
  // The second worker meets line 2 before the first has parsed line 1.
  std::atomic<bool> started{false};
  parse_test::ParsedLines later;
  std::thread waiter([&] {
    started = true;
    later = parse_test::ParseLinesWith(*second, {"ada,1", "bob,2"}, /*first_line=*/2);
  });
  while (!started) std::this_thread::yield();
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  auto head = parse_test::ParseLinesWith(*first, {"user,n"}, /*first_line=*/1);
  waiter.join();
  EXPECT_EQ(head.verdicts[0], Verdict::kFilter);
  ASSERT_EQ(later.verdicts[0], Verdict::kPass) << later.message(0);
  EXPECT_EQ(FieldOf(later.item(0), "user"), Str("ada"));
  EXPECT_EQ(FieldOf(later.item(1), "n"), Int(2));
}

/// Passes records on; reads "name" and "n" (so the parser projects onto them).
class ReadsNameAndN : public Stage {
  struct Worker : StageWorker {
    Verdict Process(Item&) override { return Verdict::kPass; }
  };

 public:
  std::unique_ptr<StageWorker> MakeWorker() override { return std::make_unique<Worker>(); }
  FieldNeeds Reads() const override { return FieldNeeds::Only({"name", "n"}); }
};

TEST(ParseCsvTest, HeaderFromLineOneThroughPipelineWithManyWorkers) {
  for (int workers : {1, 3}) {
    Pipeline pipeline({.name = "csv", .queue = {.capacity = 4, .batch = 16}});
    pipeline.Add({.name = "parse", .workers = workers},
                 std::make_unique<ParseCsvStage>(ParseCsvOptions{}));
    pipeline.Add({.name = "check", .workers = 2}, std::make_unique<ReadsNameAndN>());
    std::mutex mutex;
    int64_t sum = 0;
    size_t results = 0;
    std::vector<std::string> errors;
    const FieldId n = FieldNames::Intern("n");
    pipeline.OnResult([&](const Record& record) {
      std::lock_guard lock(mutex);
      ++results;
      if (const Value* v = record.Find(n)) sum += std::get<int64_t>(*v);
    });
    pipeline.OnError([&](const Error& error) { errors.push_back(error.message); });
    pipeline.Start();
    pipeline.Push("name,n");
    for (int i = 1; i <= 2000; ++i)
      pipeline.Push("row" + std::to_string(i) + "," + std::to_string(i));
    const RunReport report = pipeline.Finish();
    (void)report;
    EXPECT_THAT(errors, ElementsAre()) << workers << " workers";
    EXPECT_EQ(results, 2000u) << workers << " workers";
    EXPECT_EQ(sum, 2000 * 2001 / 2) << workers << " workers";
  }
}

// A source that fails line 1 (too long) and hands over the rows after it, a few a batch.
class TooLongHeaderSource : public Source {
 public:
  std::string_view name() const override { return "long-header.csv"; }
  SourceStatus Read(Batch& batch, size_t /*max_items*/) override {
    if (next_ == 1) {
      batch.AddLine("x", 1, 0).Fail(ErrorCode::kTooLarge, "line is 302 bytes, over 100");
      ++next_;
    }
    for (int i = 0; i < 4 && next_ <= kLines; ++i, ++next_) {
      batch.AddLine("row,1", next_, 0);
    }
    return next_ <= kLines ? SourceStatus::kMore : SourceStatus::kEnd;
  }
  static constexpr uint64_t kLines = 40;

 private:
  uint64_t next_ = 1;
};

// The source failed line 1, so no header comes: the rows fail at once, saying why, rather
// than after the workers' wait for line 1.
TEST(ParseCsvTest, ALineOneTheSourceFailedFailsTheRowsAtOnce) {
  for (const int workers : {1, 2}) {
    Pipeline pipeline({.name = "csv", .queue = {.capacity = 2, .batch = 4}});
    pipeline.Add({.name = "parse", .workers = workers},
                 std::make_unique<ParseCsvStage>(ParseCsvOptions{}));
    std::mutex mutex;
    std::vector<std::string> errors;
    pipeline.OnResult([](const Record&) {});
    pipeline.OnError([&](const Error& error) {
      std::lock_guard lock(mutex);
      errors.push_back(error.message);
    });
    TooLongHeaderSource source;
    const auto begin = std::chrono::steady_clock::now();
    const RunReport report = pipeline.Run(source);
    EXPECT_LT(std::chrono::steady_clock::now() - begin, ParseCsvStage::kHeaderWait / 2)
        << workers << " workers";
    EXPECT_EQ(report.totals.errors, TooLongHeaderSource::kLines) << workers << " workers";
    EXPECT_EQ(std::count(errors.begin(), errors.end(),
                         "no valid header row (line 1: line is 302 bytes, over 100)"),
              TooLongHeaderSource::kLines - 1)
        << workers << " workers";
  }
}

// Several inputs pushed one after another (SetSourceName): each one's line 1 is its
// header. One that repeats the first is dropped; one that differs fails, visibly, since
// the first header names every input's rows.
TEST(ParseCsvTest, EachPushedInputsHeaderIsDroppedOrFailsWhenItDiffers) {
  Pipeline pipeline({.name = "csv", .ordered = true});
  pipeline.Add({.name = "parse"}, std::make_unique<ParseCsvStage>(ParseCsvOptions{}));
  std::vector<std::string> results, errors;
  pipeline.OnResult([&](const Record& record) { results.push_back(record.ToJson()); });
  pipeline.OnError([&](const Error& error) {
    errors.push_back(error.source + ":" + std::to_string(error.line) + ": " + error.message);
  });
  pipeline.Start();
  for (const auto& [file, lines] : std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"a.csv", {"user,n", "ada,1"}},
           {"b.csv", {"user,n", "bob,2"}},
           {"c.csv", {"n,user", "3,cy"}}}) {
    pipeline.SetSourceName(file);
    for (const std::string& line : lines) pipeline.Push(line);
  }
  const RunReport report = pipeline.Finish();
  EXPECT_THAT(results, ElementsAre(R"({"user":"ada","n":1})", R"({"user":"bob","n":2})",
                                   R"({"user":3,"n":"cy"})"));
  EXPECT_THAT(errors, ElementsAre("c.csv:1: header row: the names differ from the first "
                                  "input's, which name every input's rows (one parse_csv stage "
                                  "reads one header)"));
  EXPECT_EQ(report.totals.filtered, 2u);  // a.csv's and b.csv's headers
}

TEST(ParseCsvTest, ProjectionKeepsOnlyNeededColumns) {
  ParseCsvStage stage(Columns({"a", "b", "c"}));
  stage.Project(FieldNeeds::Only({"c", "a"}));
  auto out = ParseLines(stage, {"1,2,3", "1,2"});
  ASSERT_EQ(out.verdicts[0], Verdict::kPass);
  EXPECT_THAT(FieldNamesOf(out.item(0)), ElementsAre("a", "c"));
  EXPECT_EQ(FieldOf(out.item(0), "c"), Int(3));
  EXPECT_EQ(out.message(1), "expected 3 columns, got 2");  // rows are still checked
}

TEST(ParseCsvTest, PassesPushedRecordsUnchanged) {
  ParseCsvStage stage(Columns({"a"}));
  auto worker = stage.MakeWorker();
  Batch batch;
  Record record;
  record.Set(FieldNames::Intern("a"), int64_t{1});
  batch.AddRecord(record);
  batch.Seal();
  EXPECT_EQ(worker->Process(batch.items[0]), Verdict::kPass);
  EXPECT_EQ(batch.items[0].record, record);
}

// With multiline the source hands a row over whole: quoted fields keep their line breaks,
// LF and CRLF alike, as sluice's csv output writes them.
TEST(ParseCsvTest, MultilineRowsKeepTheirQuotedLineBreaks) {
  ParseCsvOptions options = Columns({"a", "b"});
  EXPECT_EQ(ParseCsvStage(options).Framing().quote, '\0');  // one row per line
  options.multiline = true;
  options.delimiter = ';';
  ParseCsvStage stage(options);
  EXPECT_EQ(stage.Framing().quote, '"');
  EXPECT_EQ(stage.Framing().delimiter, ';');
  auto out = ParseLines(stage, {"\"two\nlines\";\"crlf\r\n\"\"x\"\"\"", "\"open\n;x"});
  ASSERT_EQ(out.verdicts[0], Verdict::kPass) << out.message(0);
  EXPECT_EQ(FieldOf(out.item(0), "a"), Str("two\nlines"));
  EXPECT_EQ(FieldOf(out.item(0), "b"), Str("crlf\r\n\"x\""));
  // A quote left open ran to the end of the input: the row says so.
  ASSERT_EQ(out.verdicts[1], Verdict::kError);
  EXPECT_THAT(out.message(1), HasSubstr("unterminated quoted field starting at column 1"));
}

TEST(ParseCsvTest, ValidatesOptions) {
  EXPECT_THAT(ValidateCsvOptions(ParseCsvOptions{.header = false}), HasSubstr("needs `columns:`"));
  EXPECT_THAT(ValidateCsvOptions(Columns({"a", "a"})), HasSubstr("duplicate column 'a'"));
  EXPECT_THAT(ValidateCsvOptions(ParseCsvOptions{.delimiter = '"'}), HasSubstr("must differ"));
  EXPECT_THAT(ValidateCsvOptions(ParseCsvOptions{.quote = '\0', .multiline = true}),
              HasSubstr("multiline needs a quote"));
  EXPECT_THAT(ValidateCsvOptions(ParseCsvOptions{.quote = '\r', .multiline = true}),
              HasSubstr("quote: cannot be CR or LF"));
  // Not without multiline either: it would never match, and a row would be one field.
  EXPECT_THAT(ValidateCsvOptions(ParseCsvOptions{.delimiter = '\n'}),
              HasSubstr("delimiter: cannot be CR or LF"));
  EXPECT_EQ(ValidateCsvOptions(ParseCsvOptions{}), "");
  EXPECT_THROW(ParseCsvStage(ParseCsvOptions{.header = false}), std::invalid_argument);
}

TEST(ParseCsvConfigTest, BuildsFromConfig) {
  StageRegistry registry;
  RegisterParseCsv(registry);
  ConfigErrors errors;
  auto config = StageConfig("parse_csv")
                    .SetList("columns", {"a", "b"})
                    .Set("header", "false")
                    .Set("delimiter", "\\t")
                    .Set("quote", "")
                    .Set("types", "string");
  auto stage = parse_test::Build(registry, config, errors);
  ASSERT_NE(stage, nullptr) << errors.ToString();
  const ParseCsvOptions& options = static_cast<ParseCsvStage&>(*stage).options();
  EXPECT_THAT(options.columns, ElementsAre("a", "b"));
  EXPECT_FALSE(options.header);
  EXPECT_EQ(options.delimiter, '\t');
  EXPECT_EQ(options.quote, '\0');
  EXPECT_EQ(options.types, ValueTyping::kString);
  auto out = ParseLines(*stage, {"x\t\"y\""});
  EXPECT_EQ(FieldOf(out.item(0), "b"), Str("\"y\""));
}

TEST(ParseCsvConfigTest, ReportsEveryProblemWithPositions) {
  StageRegistry registry;
  RegisterParseCsv(registry);
  ConfigErrors errors;
  auto config = StageConfig("parse_csv")
                    .SetList("columns", {"a", "a"})  // line 3
                    .Set("header", "maybe")          // line 4
                    .Set("delimiter", ";;")          // line 5
                    .Set("types", "auto")            // line 6
                    .Set("delimeter", ",")           // line 7
                    .SetMap("quote");                // line 8
  EXPECT_EQ(parse_test::Build(registry, config, errors), nullptr);
  const std::string all = errors.ToString();
  EXPECT_THAT(all, HasSubstr("test.yaml:3:31: columns: duplicate column 'a'"));  // the second
  EXPECT_THAT(all, HasSubstr("test.yaml:4:20: expected true or false, got 'maybe'"));
  EXPECT_THAT(all, HasSubstr("test.yaml:5:20: delimiter: expected one ASCII character"));
  EXPECT_THAT(all, HasSubstr("test.yaml:6:20: types: expected 'infer' or 'string', got 'auto'"));
  EXPECT_THAT(all, HasSubstr("test.yaml:7:3: unknown key 'delimeter' (did you mean 'delimiter'?)"));
  EXPECT_THAT(all, HasSubstr("test.yaml:8:20: expected a string, got a map"));
  EXPECT_EQ(errors.size(), 6u) << all;
}

// A bad name is reported where it stands in the list: the empty one, the second of two.
TEST(ParseCsvConfigTest, ABadColumnNameIsReportedAtItsPlaceInTheList) {
  StageRegistry registry;
  RegisterParseCsv(registry);
  ConfigErrors empty;
  EXPECT_EQ(parse_test::Build(registry, StageConfig("parse_csv").SetList("columns", {"a", "", "b"}),
                              empty),
            nullptr);
  EXPECT_EQ(empty.ToString(), "test.yaml:3:31: columns: column 2 has an empty name\n");
  ConfigErrors twice;
  EXPECT_EQ(parse_test::Build(
                registry, StageConfig("parse_csv").SetList("columns", {"a", "b", "c", "b"}), twice),
            nullptr);
  EXPECT_EQ(twice.ToString(), "test.yaml:3:51: columns: duplicate column 'b'\n");
}

// A line break as delimiter or quote can never match (it ends the row), with multiline or
// without; a delimiter of more than one byte is refused as not one ASCII character.
TEST(ParseCsvConfigTest, LineBreaksAndWideCharactersAreNoDelimiters) {
  StageRegistry registry;
  RegisterParseCsv(registry);
  ConfigErrors errors;
  auto config = StageConfig("parse_csv")
                    .Set("delimiter", "\n")  // line 3
                    .Set("quote", "\r");     // line 4
  EXPECT_EQ(parse_test::Build(registry, config, errors), nullptr);
  EXPECT_THAT(errors.ToString(), HasSubstr("test.yaml:3:20: delimiter: cannot be CR or LF"));
  EXPECT_THAT(errors.ToString(), HasSubstr("test.yaml:4:20: quote: cannot be CR or LF"));
  ConfigErrors wide_errors;
  EXPECT_EQ(
      parse_test::Build(registry, StageConfig("parse_csv").Set("delimiter", "\u00a7"), wide_errors),
      nullptr);
  EXPECT_THAT(wide_errors.ToString(), HasSubstr("delimiter: expected one ASCII character"));
}

TEST(ParseCsvConfigTest, HeaderFalseNeedsColumns) {
  StageRegistry registry;
  RegisterParseCsv(registry);
  ConfigErrors errors;
  EXPECT_EQ(parse_test::Build(registry, StageConfig("parse_csv").Set("header", "false"), errors),
            nullptr);
  EXPECT_THAT(errors.ToString(), HasSubstr("test.yaml:3:20: parse_csv needs `columns:`"));

  ConfigErrors same;
  EXPECT_EQ(parse_test::Build(registry, StageConfig("parse_csv").Set("quote", ","), same), nullptr);
  EXPECT_THAT(same.ToString(), HasSubstr("test.yaml:3:20: delimiter and quote must differ"));
}

TEST(ParseCsvConfigTest, MultilineIsABoolAndNeedsAQuote) {
  StageRegistry registry;
  RegisterParseCsv(registry);
  ConfigErrors errors;
  auto stage =
      parse_test::Build(registry, StageConfig("parse_csv").Set("multiline", "true"), errors);
  ASSERT_NE(stage, nullptr) << errors.ToString();
  EXPECT_TRUE(static_cast<ParseCsvStage&>(*stage).options().multiline);
  EXPECT_EQ(stage->Framing().quote, '"');

  ConfigErrors without_quote;
  EXPECT_EQ(parse_test::Build(registry,
                              StageConfig("parse_csv").Set("quote", "").Set("multiline", "true"),
                              without_quote),
            nullptr);
  EXPECT_THAT(without_quote.ToString(), HasSubstr("test.yaml:4:20: multiline needs a quote"));

  ConfigErrors line_end;
  EXPECT_EQ(
      parse_test::Build(
          registry, StageConfig("parse_csv").Set("quote", "\r").Set("multiline", "true"), line_end),
      nullptr);
  EXPECT_THAT(line_end.ToString(), HasSubstr("test.yaml:3:20: quote: cannot be CR or LF"));

  ConfigErrors not_bool;
  EXPECT_EQ(parse_test::Build(registry, StageConfig("parse_csv").Set("multiline", "yes please"),
                              not_bool),
            nullptr);
  EXPECT_THAT(not_bool.ToString(), HasSubstr("test.yaml:3:20: expected true or false"));
}

}  // namespace
}  // namespace sluice
