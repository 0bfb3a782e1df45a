#include "pipelines/yaml_loader.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

namespace sluice {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::MatchesRegex;

// The time bounds below guard against runaway loading (a path that goes quadratic), not
// speed. So they are loose, count the loading thread's CPU time, which other work on the
// machine inflates less than wall time, and stretch in sanitizer builds, which run code
// several times slower.
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
constexpr double kBuildSlowdown = 10;
#else
constexpr double kBuildSlowdown = 1;
#endif

double ThreadCpuSeconds() {
  timespec now{};
  ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<double>(now.tv_sec) + static_cast<double>(now.tv_nsec) * 1e-9;
}

// `seconds` of CPU time in a release build, stretched for this build.
double Bound(double seconds) { return seconds * kBuildSlowdown; }

struct Loaded {
  std::optional<ConfigNode> root;
  ConfigErrors errors;
  double seconds = 0;  // CPU time of the load
};

Loaded Load(std::string_view text, const YamlLimits& limits = {}) {
  Loaded out;
  const double start = ThreadCpuSeconds();
  Result<ConfigNode> root = LoadYamlString(text, "t.yaml", out.errors, limits);
  out.seconds = ThreadCpuSeconds() - start;
  if (root.ok()) {
    out.root = std::move(root).value();
    EXPECT_TRUE(out.errors.empty()) << out.errors.ToString();
  } else {
    EXPECT_FALSE(out.errors.empty());
    EXPECT_EQ(root.error().code, ErrorCode::kInvalidInput);
    EXPECT_EQ(root.error().message + "\n", out.errors.ToString());
  }
  return out;
}

// The single error of a failed load, as "file:line:column: message".
std::string OnlyError(const Loaded& loaded) {
  EXPECT_FALSE(loaded.root.has_value());
  EXPECT_EQ(loaded.errors.size(), 1u) << loaded.errors.ToString();
  return loaded.errors.empty() ? "" : loaded.errors.all()[0].ToString();
}

TEST(YamlLoaderTest, MarksEveryNodeAndKeyOneBased) {
  Loaded l =
      Load("pipeline: demo\nstages:\n  - name: parse\n    workers: 2\nqueue: {capacity: 8}\n");
  ASSERT_TRUE(l.root);
  const ConfigNode& root = *l.root;
  ASSERT_TRUE(root.is_map());
  EXPECT_EQ(root.mark().ToString(), "t.yaml:1:1");
  const ConfigNode* name = root.Get("pipeline");
  ASSERT_NE(name, nullptr);
  EXPECT_EQ(name->scalar(), "demo");
  EXPECT_EQ(name->key_mark().ToString(), "t.yaml:1:1");
  EXPECT_EQ(name->mark().ToString(), "t.yaml:1:11");
  const ConfigNode& stage = root.Get("stages")->children().at(0);
  EXPECT_EQ(stage.mark().ToString(), "t.yaml:3:5");
  EXPECT_EQ(stage.Get("workers")->key_mark().ToString(), "t.yaml:4:5");
  EXPECT_EQ(stage.Get("workers")->mark().ToString(), "t.yaml:4:14");
  const ConfigNode* capacity = root.Get("queue")->Get("capacity");
  EXPECT_EQ(capacity->key_mark().ToString(), "t.yaml:5:9");
  EXPECT_EQ(capacity->mark().ToString(), "t.yaml:5:19");
  // Map entries keep file order.
  std::vector<std::string> keys;
  for (const ConfigNode& child : root.children()) keys.push_back(child.key());
  EXPECT_THAT(keys, ElementsAre("pipeline", "stages", "queue"));
}

TEST(YamlLoaderTest, NullsAndQuotedStrings) {
  Loaded l = Load("a: ~\nb: null\nc: 'null'\nd:\ne: \"\"\nf: 007\n");
  ASSERT_TRUE(l.root);
  EXPECT_TRUE(l.root->Get("a")->is_null());
  EXPECT_TRUE(l.root->Get("b")->is_null());
  EXPECT_TRUE(l.root->Get("c")->is_scalar());
  EXPECT_EQ(l.root->Get("c")->scalar(), "null");
  EXPECT_TRUE(l.root->Get("d")->is_null());
  EXPECT_EQ(l.root->Get("e")->scalar(), "");
  EXPECT_EQ(l.root->Get("f")->scalar(), "007");
}

TEST(YamlLoaderTest, EmptyDocumentIsNullRoot) {
  Loaded l = Load("# only a comment\n");
  ASSERT_TRUE(l.root);
  EXPECT_TRUE(l.root->is_null());
}

TEST(YamlLoaderTest, AliasesAreCopied) {
  Loaded l = Load("base: &q {capacity: 8, batch: 4}\nother: *q\n");
  ASSERT_TRUE(l.root);
  const ConfigNode* other = l.root->Get("other");
  ASSERT_TRUE(other && other->is_map());
  EXPECT_EQ(other->key(), "other");
  EXPECT_EQ(other->Get("batch")->scalar(), "4");
}

TEST(YamlLoaderTest, MergeKeys) {
  Loaded l = Load(
      "base: &b {capacity: 8, batch: 4}\n"
      "one: {<<: *b, batch: 2}\n"
      "two:\n  batch: 1\n  <<: [*b, {extra: x, capacity: 99}]\n");
  ASSERT_TRUE(l.root) << l.errors.ToString();
  const ConfigNode* one = l.root->Get("one");
  EXPECT_EQ(one->Get("capacity")->scalar(), "8");
  EXPECT_EQ(one->Get("batch")->scalar(), "2");  // explicit keys win, before or after
  EXPECT_EQ(one->children().size(), 2u);
  const ConfigNode* two = l.root->Get("two");
  EXPECT_EQ(two->Get("batch")->scalar(), "1");
  EXPECT_EQ(two->Get("capacity")->scalar(), "8");  // the first merged map wins
  EXPECT_EQ(two->Get("extra")->scalar(), "x");
  EXPECT_EQ(OnlyError(Load("a: {<<: 3}\n")),
            "t.yaml:1:9: '<<' merges a map or a list of maps, not '3'");
}

TEST(YamlLoaderTest, ManyDuplicateKeysGiveABoundedReport) {
  std::string text;
  for (int i = 0; i < 5'000; ++i) text += "a: 1\n";
  Loaded l = Load(text);
  ASSERT_FALSE(l.root);
  EXPECT_EQ(l.errors.size(), 101u);
  EXPECT_EQ(l.errors.all().back().ToString(), "t.yaml:101:1: too many problems; stopping here");
}

TEST(YamlLoaderTest, LargeValidConfigIsBoundedInTime) {
  std::string text;
  for (int i = 0; text.size() < (2u << 20); ++i) text += "key" + std::to_string(i) + ": v\n";
  Loaded l = Load(text);
  EXPECT_THAT(OnlyError(l), MatchesRegex("t\\.yaml:[0-9]+:[0-9]+: the document has more than "
                                         "100000 nodes"));
  EXPECT_LT(l.seconds, Bound(2.0));
  // Within the node budget, a big flat map loads.
  std::string ok_text;
  for (int i = 0; i < 40'000; ++i) ok_text += "key" + std::to_string(i) + ": v\n";
  Loaded ok = Load(ok_text);
  ASSERT_TRUE(ok.root);
  EXPECT_EQ(ok.root->children().size(), 40'000u);
}

// Inputs just under a 1 MiB limit, shaped to find slow paths: each must end quickly,
// loaded or refused. (yaml-cpp scans 4-15 MB/s here, so 8 MiB shapes take up to ~2 s: too
// slow for a unit test, and linear all the same.)
TEST(YamlLoaderTest, LargeHostileShapesAreBoundedInTime) {
  const YamlLimits limits{.max_file_bytes = 1u << 20};
  const size_t size = limits.max_file_bytes - 64;
  auto repeat = [&](std::string_view head, std::string_view unit, std::string_view tail) {
    std::string text(head);
    while (text.size() + unit.size() + tail.size() < size) text += unit;
    return text + std::string(tail);
  };
  const std::vector<std::string> shapes = {
      repeat("a: ", "x", "\n"),                  // one long plain scalar
      repeat("a: \"", "\\n", "\"\n"),            // a long quoted scalar of escapes
      repeat("a: |\n", "  line of text\n", ""),  // a long block scalar
      repeat("", "# comment\n", "a: 1\n"),       // comments only
      repeat("", "x", ": 1\n"),                  // one long key
      repeat("a: [", "1,", "1]\n"),              // a long flow list
      repeat("", "- &a x\n", ""),                // many anchors
      repeat("a: &a x\nb: [", "*a,", "*a]\n"),   // many aliases
      repeat("", "[]\n", ""),                    // bad: many documents' worth of roots
      repeat("", "\n", "a: 1\n"),                // blank lines
  };
  for (size_t i = 0; i < shapes.size(); ++i) {
    Loaded l = Load(shapes[i], limits);
    EXPECT_LT(l.seconds, Bound(2.0)) << "shape " << i;
    if (!l.errors.empty()) {
      EXPECT_THAT(l.errors.all()[0].ToString(), MatchesRegex("t\\.yaml:[0-9]+:[0-9]+: .*"));
    }
  }
}

TEST(YamlLoaderTest, SyntaxErrorHasPosition) {
  EXPECT_THAT(OnlyError(Load("a: [1, 2\nb: 3\n")),
              MatchesRegex("t\\.yaml:[0-9]+:[0-9]+: invalid YAML: .+"));
  EXPECT_THAT(OnlyError(Load("a: b\n  c: d\n")),
              MatchesRegex("t\\.yaml:2:[0-9]+: invalid YAML: .+"));
}

// yaml-cpp's messages for a tab-indented line often name something else.
TEST(YamlLoaderTest, ASyntaxErrorOnATabIndentedLineSaysSo) {
  EXPECT_EQ(OnlyError(Load("stages:\n\t- type: parse_json\n")),
            "t.yaml:2:2: invalid YAML: illegal block entry (this line is indented with a tab: "
            "YAML indents with spaces only)");
  EXPECT_EQ(OnlyError(Load("stages:\n  - type: parse_json\n\tworkers: 2\n")),
            "t.yaml:3:1: invalid YAML: illegal tab when looking for indentation");
  EXPECT_EQ(OnlyError(Load("a:\n  - b\n c: d\n")),
            "t.yaml:3:2: invalid YAML: end of map not found");
}

// yaml-cpp reports an unclosed `{` or `[` where it gave up, often at the end of the file.
TEST(YamlLoaderTest, ABracketNeverClosedIsAnErrorAtTheBracket) {
  EXPECT_EQ(OnlyError(Load("source: {type: stdin\nstages: [ {type: x} ]\n")),
            "t.yaml:1:9: invalid YAML: this '{' is never closed");
  EXPECT_EQ(OnlyError(Load("stages:\n  - {type: x, workers: 2\n  - {type: y}\n")),
            "t.yaml:2:5: invalid YAML: this '{' is never closed");
  EXPECT_EQ(OnlyError(Load("a: 1\nstages: [ {type: x}\n")),
            "t.yaml:2:9: invalid YAML: this '[' is never closed");
  EXPECT_EQ(OnlyError(Load("a: [ \"]\", 'x]', don't, {b: 1} # ]\n")),
            "t.yaml:1:4: invalid YAML: this '[' is never closed");
  // Closed later, with a comma missing: yaml-cpp's mark, at the missing comma, is right.
  EXPECT_EQ(OnlyError(Load("stages: [ {type: x} {type: y} ]\n")),
            "t.yaml:1:21: invalid YAML: end of sequence flow not found");
}

// yaml-cpp ends an unclosed quoted scalar at the end of the text: a stray quote would
// silently turn the rest of the config into one string.
TEST(YamlLoaderTest, AQuoteNeverClosedIsAnErrorAtTheQuote) {
  const std::string expected =
      "t.yaml:3:11: this quote is never closed: the rest of the file "
      "would be its text";
  EXPECT_EQ(OnlyError(Load("stages:\n  - type: x\n    name: \"parse\n  - type: y\n")), expected);
  EXPECT_EQ(OnlyError(Load("stages:\n  - type: x\n    name: 'parse\n  - type: y\n")), expected);
  EXPECT_EQ(OnlyError(Load("a: b\nc: \"ends in an escaped quote\\\"\n")),
            "t.yaml:2:4: this quote is never closed: the rest of the file would be its text");
  EXPECT_EQ(OnlyError(Load("a: 'ends in an escaped quote''\n")),
            "t.yaml:1:4: this quote is never closed: the rest of the file would be its text");
  // yaml-cpp's first-line columns do not count a byte order mark.
  EXPECT_EQ(OnlyError(Load("\xEF\xBB\xBF"
                           "a: 'open\n")),
            "t.yaml:1:4: this quote is never closed: the rest of the file would be its text");
  EXPECT_TRUE(Load("\xEF\xBB\xBF"
                   "a: 'x'\nb: \"y\"\n")
                  .root);
  // Closed ones, escapes and all, over several lines too.
  Loaded l = Load("a: 'it''s'\nb: \"x\\\\\"\nc: 'two\n  lines'\nd: \"q\\\"q\"\ne: ''\n");
  ASSERT_TRUE(l.root) << l.errors.ToString();
  EXPECT_EQ(l.root->Get("a")->scalar(), "it's");
  EXPECT_EQ(l.root->Get("b")->scalar(), "x\\");
  EXPECT_EQ(l.root->Get("c")->scalar(), "two lines");
  EXPECT_EQ(l.root->Get("d")->scalar(), "q\"q");
  EXPECT_EQ(l.root->Get("e")->scalar(), "");
}

TEST(YamlLoaderTest, UnknownAliasIsAnError) {
  EXPECT_THAT(OnlyError(Load("a: *nowhere\n")),
              MatchesRegex("t\\.yaml:1:[0-9]+: invalid YAML: .*anchor.*"));
}

TEST(YamlLoaderTest, DuplicateKeyReportedAtSecondKey) {
  Loaded l = Load("queue:\n  capacity: 8\n  capacity: 9\nordered: true\nordered: false\n");
  ASSERT_FALSE(l.root);
  std::vector<std::string> errors;
  for (const ConfigError& e : l.errors.all()) errors.push_back(e.ToString());
  EXPECT_THAT(errors,
              ElementsAre("t.yaml:3:3: duplicate key 'capacity' (first defined at t.yaml:2:3)",
                          "t.yaml:5:1: duplicate key 'ordered' (first defined at t.yaml:4:1)"));
}

// Two merge keys in one map are duplicate keys too: the second would be dropped silently.
TEST(YamlLoaderTest, ASecondMergeKeyIsADuplicateKey) {
  EXPECT_EQ(OnlyError(Load("a: &a {x: 1}\nb: &b {y: 2}\nc:\n  <<: *a\n  <<: *b\n")),
            "t.yaml:5:3: duplicate key '<<' (first defined at t.yaml:4:3): merge maps with <<: "
            "[*a, *b]");
}

TEST(YamlLoaderTest, ComplexKeyIsAnError) {
  EXPECT_EQ(OnlyError(Load("? [a, b]\n: c\n")),
            "t.yaml:1:3: a map key must be a plain string, not a list");
}

TEST(YamlLoaderTest, SecondDocumentIsAnError) {
  EXPECT_THAT(OnlyError(Load("a: 1\n---\nb: 2\n")),
              MatchesRegex("t\\.yaml:[23]:[0-9]+: a second YAML document.*"));
  EXPECT_THAT(OnlyError(Load("--- {a: 1}\n--- {b: 2}\n")),
              MatchesRegex("t\\.yaml:2:[0-9]+: a second YAML document.*"));
  EXPECT_EQ(OnlyError(Load("{capacity: 8} x")),
            "t.yaml:1:15: text after the end of the YAML value: a config holds exactly one");
  EXPECT_EQ(OnlyError(Load("---\n{capacity: 8} x")),
            "t.yaml:2:15: text after the end of the YAML value: a config holds exactly one");
}

TEST(YamlLoaderTest, InvalidUtf8HasLineAndColumn) {
  EXPECT_EQ(OnlyError(Load("a: 1\nbb: x\xff\n")),
            "t.yaml:2:6: invalid UTF-8 (byte 0xff): a config must be UTF-8 text");
  EXPECT_EQ(OnlyError(Load("a: \xc3\x28\n")),
            "t.yaml:1:4: invalid UTF-8 (byte 0xc3): a config must be UTF-8 text");
  EXPECT_EQ(OnlyError(Load(std::string_view("a: b\0c\n", 7))),
            "t.yaml:1:5: NUL byte: a config must be UTF-8 text");
  // Valid multi-byte text passes.
  Loaded ok = Load("name: caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\n");
  ASSERT_TRUE(ok.root);
  EXPECT_EQ(ok.root->Get("name")->scalar(), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
}

TEST(YamlLoaderTest, DeepFlowNestingIsRefusedQuickly) {
  const std::string deep = "a: " + std::string(100'000, '[');
  Loaded l = Load(deep);
  EXPECT_EQ(OnlyError(l), "t.yaml:1:67: nesting deeper than 64 levels");  // the 64th '[
  EXPECT_LT(l.seconds, Bound(1.0));
  std::string maps;
  for (int i = 0; i < 100'000; ++i) maps += "{a: ";
  EXPECT_THAT(OnlyError(Load(maps)),
              MatchesRegex("t\\.yaml:1:[0-9]+: nesting deeper than 64 levels"));
}

TEST(YamlLoaderTest, DeepBlockNestingIsRefused) {
  std::string text;
  for (int i = 0; i < 2'000; ++i) text += std::string(i, ' ') + "k:\n";
  Loaded l = Load(text);
  EXPECT_THAT(OnlyError(l), MatchesRegex("t\\.yaml:[0-9]+:[0-9]+: nesting deeper than 64 levels"));
  EXPECT_LT(l.seconds, Bound(1.0));
  std::string dashes;
  for (int i = 0; i < 100'000; ++i) dashes += "- ";
  EXPECT_THAT(OnlyError(Load(dashes + "x\n")),
              MatchesRegex("t\\.yaml:1:[0-9]+: nesting deeper than 64 levels"));
}

TEST(YamlLoaderTest, DepthLimitIsExact) {
  // 64 nested lists pass; 65 fail at the 65th bracket.
  Loaded ok = Load("a: " + std::string(63, '[') + "x" + std::string(63, ']') + "\n");
  ASSERT_TRUE(ok.root) << ok.errors.ToString();
  EXPECT_EQ(OnlyError(Load("a: " + std::string(64, '[') + "x" + std::string(64, ']') + "\n")),
            "t.yaml:1:67: nesting deeper than 64 levels");
  // Block maps: 64 levels pass (the scanner's estimate must not refuse them).
  std::string block;
  for (int i = 0; i < 63; ++i) block += std::string(2 * i, ' ') + "k:\n";
  block += std::string(126, ' ') + "leaf: 1\n";
  Loaded deep_ok = Load(block);
  EXPECT_TRUE(deep_ok.root) << deep_ok.errors.ToString();
}

TEST(YamlLoaderTest, BracketsInStringsAndBlockScalarsAreNotNesting) {
  const std::string many(100, '[');
  Loaded l = Load("a: '" + many + "'\nb: \"" + many + "\"\nc: |\n  " + many + "\n  more\nd: x" +
                  many + "  # " + many + "\n");
  ASSERT_TRUE(l.root) << l.errors.ToString();
  EXPECT_EQ(l.root->Get("a")->scalar(), many);
  EXPECT_EQ(l.root->Get("c")->scalar(), many + "\nmore\n");
  EXPECT_EQ(l.root->Get("d")->scalar(), "x" + many);
}

TEST(YamlLoaderTest, BillionLaughsStopsAtTheNodeBudget) {
  std::string text = "a: &a [x, x, x, x, x, x, x, x, x]\n";
  for (char c = 'b'; c <= 'j'; ++c) {
    const char prev = static_cast<char>(c - 1);
    text += std::string(1, c) + ": &" + c + " [";
    for (int i = 0; i < 9; ++i) text += std::string(i ? ", *" : "*") + prev;
    text += "]\n";
  }
  Loaded l = Load(text);
  EXPECT_THAT(OnlyError(l), MatchesRegex("t\\.yaml:[0-9]+:[0-9]+: the document has more than "
                                         "100000 nodes.*alias.*"));
  EXPECT_LT(l.seconds, Bound(1.0));
}

TEST(YamlLoaderTest, AliasesOfBigStringsStopAtTheTextBudget) {
  std::string text = "a: &big " + std::string(1u << 20, 'x') + "\nb: [";
  for (int i = 0; i < 100; ++i) text += "*big, ";
  text += "*big]\n";
  Loaded l = Load(text);
  EXPECT_THAT(OnlyError(l), MatchesRegex("t\\.yaml:2:[0-9]+: the document holds more than 67108864 "
                                         "bytes of text once alias \\*big is expanded.*"));
  EXPECT_LT(l.seconds, Bound(2.0));
}

TEST(YamlLoaderTest, NodeBudgetWithoutAliases) {
  std::string list = "[";
  for (int i = 0; i < 200; ++i) list += "1, ";
  list += "1]";
  EXPECT_THAT(OnlyError(Load(list, {.max_nodes = 100})),
              MatchesRegex("t\\.yaml:1:[0-9]+: the document has more than 100 nodes"));
}

TEST(YamlLoaderTest, AliasCycleIsAnError) {
  EXPECT_EQ(OnlyError(Load("a: &x [a, *x]\n")),
            "t.yaml:1:11: alias *x refers to the node that contains it (&x): an alias cycle");
  EXPECT_THAT(OnlyError(Load("a: &x\n  b: *x\n")), HasSubstr("an alias cycle"));
}

TEST(YamlLoaderTest, AliasesCannotNestPastTheDepthLimit) {
  const std::string inner = std::string(40, '[') + "x" + std::string(40, ']');
  EXPECT_THAT(OnlyError(Load("a: &d " + inner + "\nb: " + std::string(30, '[') + "*d" +
                             std::string(30, ']') + "\n")),
              MatchesRegex("t\\.yaml:2:[0-9]+: alias \\*d nests deeper than 64 levels"));
}

TEST(YamlLoaderTest, HugeFileIsRefusedBeforeParsing) {
  const std::filesystem::path path = std::filesystem::temp_directory_path() /
                                     ("sluice_huge_" + std::to_string(::getpid()) + ".yaml");
  {
    std::ofstream out(path, std::ios::binary);
    out << "a: b\n";
  }
  std::filesystem::resize_file(path, 100ull << 20);  // 100 MiB, mostly a sparse hole
  ConfigErrors errors;
  const double start = ThreadCpuSeconds();
  Result<ConfigNode> root = LoadYamlFile(path.string(), errors);
  const double seconds = ThreadCpuSeconds() - start;
  std::filesystem::remove(path);
  ASSERT_FALSE(root.ok());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors.all()[0].ToString(),
            path.string() + ":1:1: the config file is larger than the limit of 8 MiB");
  EXPECT_LT(seconds, Bound(1.0));
  // The same text in memory is refused by size too.
  EXPECT_THAT(OnlyError(Load(std::string((8u << 20) + 1, ' '))),
              HasSubstr("t.yaml:1:1: the config is 8388609 bytes, more than the limit of 8 MiB"));
}

// A pipe has no size to look at: it is read one block past the limit, then refused.
TEST(YamlLoaderTest, AnEndlessPipeIsRefusedAfterTheLimit) {
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  struct sigaction ignore {
  }, previous{};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(sigaction(SIGPIPE, &ignore, &previous), 0);  // the loader closes its end early
  std::thread writer([fd = fds[1]] {
    const std::string block(1 << 16, ' ');
    while (write(fd, block.data(), block.size()) > 0) {
    }
    close(fd);
  });
  ConfigErrors errors;
  Result<ConfigNode> root = LoadYamlFile("/dev/fd/" + std::to_string(fds[0]), errors);
  close(fds[0]);  // the writer's next write fails: it ends
  writer.join();
  sigaction(SIGPIPE, &previous, nullptr);
  ASSERT_FALSE(root.ok());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors.all()[0].ToString(),
              HasSubstr(":1:1: the config file is larger than the limit of 8 MiB"));
}

TEST(YamlLoaderTest, MissingFileIsAnError) {
  ConfigErrors errors;
  Result<ConfigNode> root = LoadYamlFile("/nonexistent/pipe.yaml", errors);
  ASSERT_FALSE(root.ok());
  EXPECT_EQ(errors.all().at(0).ToString(),
            "/nonexistent/pipe.yaml: cannot open the config: No such file or directory");
}

TEST(YamlLoaderTest, DirectoryIsAnError) {
  ConfigErrors errors;
  const std::string dir = std::filesystem::temp_directory_path().string();
  Result<ConfigNode> root = LoadYamlFile(dir, errors);
  ASSERT_FALSE(root.ok());
  EXPECT_EQ(errors.all().at(0).ToString(), dir + ": cannot read the config: Is a directory");
}

TEST(YamlLoaderTest, FileMarksCarryThePath) {
  const std::filesystem::path path = std::filesystem::temp_directory_path() /
                                     ("sluice_marks_" + std::to_string(::getpid()) + ".yaml");
  {
    std::ofstream out(path, std::ios::binary);
    out << "# comment\r\nsource:\r\n  path: in.jsonl\r\n";
  }
  ConfigErrors errors;
  Result<ConfigNode> root = LoadYamlFile(path.string(), errors);
  std::filesystem::remove(path);
  ASSERT_TRUE(root.ok()) << errors.ToString();
  const ConfigNode* p = root->Get("source")->Get("path");
  EXPECT_EQ(p->scalar(), "in.jsonl");
  EXPECT_EQ(p->mark().ToString(), path.string() + ":3:9");
}

}  // namespace
}  // namespace sluice
