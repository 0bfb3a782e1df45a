#include "pipelines/yaml_loader.h"

#include <sys/stat.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/exceptions.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <optional>
#include <sstream>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

#include "pipelines/detail/quoted.h"
#include "pipelines/yaml_prescan.h"

namespace sluice {
namespace {

using detail::Quoted;

// yaml-cpp marks are 0-based; ours are 1-based (0 = unknown).
ConfigMark ToMark(const std::string& file, const YAML::Mark& mark) {
  if (mark.is_null() || mark.line < 0) return {.file = file, .line = 0, .column = 0};
  return {.file = file, .line = mark.line + 1, .column = mark.column + 1};
}

constexpr std::string_view kMergeKey = "<<";
// A file with thousands of duplicate keys gets a bounded report.
constexpr size_t kMaxReportedProblems = 100;

// Thrown from inside the event handler to abandon a document once an error is recorded.
struct StopBuilding {};

// Builds a ConfigNode tree from yaml-cpp's parse events, without recursion. Aliases are
// resolved by copying their anchor's finished node, charged to the node budget, so that
// billion-laughs expansions stop at the budget; an alias to a still-open anchor is a cycle.
class TreeBuilder final : public YAML::EventHandler {
 public:
  TreeBuilder(std::string_view text, const std::string& file, const YamlLimits& limits,
              ConfigErrors& errors)
      : text_(text), file_(file), limits_(limits), errors_(errors), first_error_(errors.size()) {
    for (size_t at = 0; at != std::string_view::npos; at = text.find('\n', at)) {
      if (!line_starts_.empty()) ++at;  // past the newline
      line_starts_.push_back(at);
    }
    // yaml-cpp does not count a byte order mark in the first line's columns.
    if (text.starts_with("\xEF\xBB\xBF")) line_starts_.front() = 3;
  }

  /// The tree, once the document parsed, after reporting the problems kept for then (the
  /// tree lacks their entries, as it lacks a duplicate key's).
  std::optional<ConfigNode> TakeRoot() {
    for (ConfigError& e : deferred_) errors_.Add(e.mark, std::move(e.message));
    return std::move(root_);
  }

  void OnDocumentStart(const YAML::Mark&) override {}
  void OnDocumentEnd() override {}

  void OnAnchor(const YAML::Mark&, const std::string& name) override { anchor_name_ = name; }

  void OnNull(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    Charge({.nodes = 1}, mark);
    // For a value left empty (`stages:` and nothing after) yaml-cpp gives the mark of the
    // next token, often on a later line: a map's null value is marked at its key instead.
    const bool map_value = !stack_.empty() && stack_.back().node.is_map() && stack_.back().have_key;
    const ConfigMark at = map_value ? stack_.back().key_mark : ToMark(file_, mark);
    Deliver(ConfigNode::Null(at), {.nodes = 1}, anchor);
  }

  void OnScalar(const YAML::Mark& mark, const std::string& tag, YAML::anchor_t anchor,
                const std::string& value) override {
    const Size size{.nodes = 1, .bytes = value.size()};
    Charge(size, mark);
    if (tag == "!" && detail::QuoteLeftOpen(text_, OffsetOf(mark)))
      Fail(mark, "this quote is never closed: the rest of the file would be its text");
    // yaml-cpp tags plain scalars "?" and quoted ones "!": only plain ones can be null.
    const bool plain_null = tag == "?" && IsPlainYamlNull(value);
    ConfigNode node = plain_null ? ConfigNode::Null(ToMark(file_, mark))
                                 : ConfigNode::Scalar(value, ToMark(file_, mark));
    Deliver(std::move(node), size, anchor);
  }

  void OnAlias(const YAML::Mark& mark, YAML::anchor_t anchor) override {
    auto found = anchors_.find(anchor);
    if (found == anchors_.end()) Fail(mark, "alias to an unknown anchor");
    const Anchor& target = found->second;
    if (target.open) {
      Fail(mark, "alias *" + target.name + " refers to the node that contains it (&" + target.name +
                     "): an alias cycle");
    }
    if (Depth() + target.size.height > limits_.max_depth) {
      Fail(mark, "alias *" + target.name + " nests deeper than " +
                     std::to_string(limits_.max_depth) + " levels");
    }
    Charge(target.size, mark, &target.name);
    Deliver(target.node, target.size, /*anchor=*/0);
  }

  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                       YAML::EmitterStyle::value style) override {
    Open(ConfigNode::List(ToMark(file_, mark)), mark, anchor, style == YAML::EmitterStyle::Flow);
  }
  void OnSequenceEnd() override { Close(); }

  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t anchor,
                  YAML::EmitterStyle::value style) override {
    Open(ConfigNode::Map(ToMark(file_, mark)), mark, anchor, style == YAML::EmitterStyle::Flow);
  }
  void OnMapEnd() override { Close(); }

  /// The innermost `{` or `[` being read that the text never closes, if any: where
  /// yaml-cpp's "end of map flow not found" belongs then (it marks where it gave up, often
  /// the end of the file). A bracket closed later (a comma missing) keeps yaml-cpp's mark.
  std::optional<ConfigError> UnclosedFlow() const {
    for (auto frame = stack_.rbegin(); frame != stack_.rend(); ++frame) {
      if (!frame->flow || !detail::BracketLeftOpen(text_, frame->offset)) continue;
      const char* bracket = frame->node.is_map() ? "'{'" : "'['";
      return ConfigError{frame->node.mark(),
                         std::string("invalid YAML: this ") + bracket + " is never closed"};
    }
    return std::nullopt;
  }

 private:
  struct Size {
    size_t nodes = 0;  // nodes in the subtree, itself included
    size_t bytes = 0;  // scalar text in the subtree, keys included
    int height = 0;    // container levels: 0 for a scalar, 1 for a flat list
  };
  struct Anchor {
    std::string name;
    bool open = true;  // its node is still being built
    ConfigNode node;
    Size size;
  };
  struct Frame {
    ConfigNode node;
    YAML::anchor_t anchor = 0;
    bool flow = false;  // opened by `{` or `[`
    size_t offset = 0;  // of that bracket in the text
    Size size{.nodes = 1, .height = 1};
    // Maps alternate key, value: the pending key waits for its value.
    bool have_key = false;
    bool skip_value = false;  // the value of a duplicate key, dropped
    std::string key;
    ConfigMark key_mark;
    std::unordered_map<std::string, ConfigMark> keys_seen;
    std::unordered_set<std::string> merged_keys;  // came from `<<`; explicit keys override
    bool overrides_merged = false;                // the pending key replaces a merged one
  };

  // ConfigNode::Set scans for an existing key, which is quadratic over a big map; keys
  // here are known to be new unless they override a merged one.
  static void AddEntry(Frame& map, ConfigNode value) {
    if (map.overrides_merged) {
      map.node.Set(std::move(map.key), std::move(value), map.key_mark);
      map.overrides_merged = false;
      return;
    }
    AppendNew(map.node, std::move(map.key), std::move(value), map.key_mark);
  }
  static void AppendNew(ConfigNode& map, std::string key, ConfigNode value, ConfigMark mark) {
    ConfigNode entry = ConfigNode::Map();
    entry.Set(std::move(key), std::move(value), std::move(mark));
    map.mutable_children().push_back(std::move(entry.mutable_children().front()));
  }

  // YAML merge keys: `<<: *base` or `<<: [*a, *b]` copies the entries of the named maps
  // that this map does not set itself; with several maps, earlier ones win.
  void Merge(Frame& map, const ConfigNode& value) {
    if (value.is_map()) {
      for (const ConfigNode& entry : value.children()) {
        if (!map.keys_seen.emplace(entry.key(), entry.key_mark()).second) continue;
        map.merged_keys.insert(entry.key());
        AppendNew(map.node, entry.key(), entry, entry.key_mark());
      }
      return;
    }
    if (value.is_list()) {
      for (const ConfigNode& item : value.children()) {
        if (item.is_map()) {
          Merge(map, item);
          continue;
        }
        errors_.Add(item.mark(), "'<<' merges maps, not " + item.Describe());
      }
      return;
    }
    errors_.Add(value.mark(), "'<<' merges a map or a list of maps, not " + value.Describe());
  }

  int Depth() const { return static_cast<int>(stack_.size()); }

  // The byte of text_ a mark points at; past the end when the mark is not in it.
  size_t OffsetOf(const YAML::Mark& mark) const {
    if (mark.line < 0 || mark.column < 0 || static_cast<size_t>(mark.line) >= line_starts_.size())
      return text_.size();
    return line_starts_[static_cast<size_t>(mark.line)] + static_cast<size_t>(mark.column);
  }

  [[noreturn]] void Fail(const ConfigMark& mark, std::string message) {
    errors_.Add(mark, std::move(message));
    throw StopBuilding{};
  }
  [[noreturn]] void Fail(const YAML::Mark& mark, std::string message) {
    Fail(ToMark(file_, mark), std::move(message));
  }

  // Counts nodes and text towards the budgets; aliases and anchors count their whole subtree
  // again, since each makes a copy.
  void Charge(const Size& cost, const YAML::Mark& mark, const std::string* alias = nullptr) {
    Charge(cost, ToMark(file_, mark), alias);
  }
  void Charge(const Size& cost, const ConfigMark& mark, const std::string* alias = nullptr) {
    total_nodes_ += cost.nodes;
    total_bytes_ += cost.bytes;
    std::string message;
    if (total_nodes_ > limits_.max_nodes) {
      message = "the document has more than " + std::to_string(limits_.max_nodes) + " nodes";
    } else if (total_bytes_ > limits_.max_expanded_bytes) {
      message = "the document holds more than " + std::to_string(limits_.max_expanded_bytes) +
                " bytes of text";
    } else {
      return;
    }
    if (alias)
      message += " once alias *" + *alias + " is expanded (nested aliases?)";
    else if (!anchors_.empty())
      message += " (each anchor and alias counts its nodes again)";
    Fail(mark, std::move(message));
  }

  void RegisterAnchor(YAML::anchor_t anchor) {
    if (anchor == 0) return;
    Anchor& a = anchors_[anchor];
    a = Anchor{.name = std::move(anchor_name_), .open = true, .node = {}, .size = {}};
    anchor_name_.clear();
  }

  void Open(ConfigNode node, const YAML::Mark& mark, YAML::anchor_t anchor, bool flow) {
    if (Depth() + 1 > limits_.max_depth) {
      Fail(mark, "nesting deeper than " + std::to_string(limits_.max_depth) + " levels");
    }
    Charge({.nodes = 1}, mark);
    RegisterAnchor(anchor);
    Frame& frame = stack_.emplace_back();
    frame.node = std::move(node);
    frame.anchor = anchor;
    frame.flow = flow;
    frame.offset = OffsetOf(mark);
  }

  void Close() {
    Frame frame = std::move(stack_.back());
    stack_.pop_back();
    if (frame.have_key) {  // yaml-cpp ends maps after values, so this is defensive
      frame.node.Set(std::move(frame.key), ConfigNode::Null(frame.key_mark), frame.key_mark);
    }
    Deliver(std::move(frame.node), frame.size, frame.anchor);
  }

  void Deliver(ConfigNode node, Size size, YAML::anchor_t anchor) {
    if (anchor != 0) {
      RegisterAnchorIfScalar(anchor);
      Anchor& a = anchors_[anchor];
      // Keeping a copy for later aliases costs nodes too.
      Charge(size, node.mark());
      a.open = false;
      a.node = node;
      a.size = size;
    }
    if (stack_.empty()) {
      root_ = std::move(node);
      return;
    }
    Frame& parent = stack_.back();
    parent.size.nodes += size.nodes;
    parent.size.bytes += size.bytes;
    parent.size.height = std::max(parent.size.height, size.height + 1);
    if (parent.node.is_list()) {
      parent.node.Append(std::move(node));
    } else if (!parent.have_key) {
      TakeKey(parent, node);
    } else {
      if (parent.key == kMergeKey && !parent.skip_value) {
        Merge(parent, node);
      } else if (!parent.skip_value) {
        AddEntry(parent, std::move(node));
      }
      parent.have_key = false;
      parent.skip_value = false;
      parent.key.clear();
    }
  }

  // Scalars announce their anchor only on delivery; containers did at Open.
  void RegisterAnchorIfScalar(YAML::anchor_t anchor) {
    if (anchors_.count(anchor) == 0) RegisterAnchor(anchor);
  }

  void TakeKey(Frame& map, const ConfigNode& key) {
    map.have_key = true;
    map.key = key.scalar();
    map.key_mark = key.mark();
    if (key.is_list() || key.is_map()) {
      // Reported only if the document parses: yaml-cpp also reads an unclosed `{a: 1` as
      // a complex key, and "this '{' is never closed" (UnclosedFlow) is the better message.
      deferred_.push_back({key.mark(), "a map key must be a plain string, not " + key.Describe()});
      map.skip_value = true;
      return;
    }
    if (key.is_null()) {
      errors_.Add(key.mark(), "a map key is missing (empty or null key)");
      map.skip_value = true;
      return;
    }
    auto [first, inserted] = map.keys_seen.emplace(map.key, map.key_mark);
    if (!inserted && map.merged_keys.erase(map.key) > 0) {
      first->second = map.key_mark;  // an explicit key overrides a merged one
      map.overrides_merged = true;
    } else if (!inserted) {
      errors_.Add(map.key_mark, "duplicate key " + Quoted(map.key) + " (first defined at " +
                                    first->second.ToString() + ")" +
                                    (map.key == kMergeKey ? ": merge maps with <<: [*a, *b]" : ""));
      map.skip_value = true;
      if (errors_.size() - first_error_ >= kMaxReportedProblems) {
        Fail(map.key_mark, "too many problems; stopping here");
      }
    }
  }

  std::string_view text_;            // what yaml-cpp parses, for the quote check
  std::vector<size_t> line_starts_;  // of text_'s lines, by 0-based line
  const std::string& file_;
  const YamlLimits& limits_;
  ConfigErrors& errors_;
  const size_t first_error_;
  std::vector<Frame> stack_;
  std::optional<ConfigNode> root_;
  std::unordered_map<YAML::anchor_t, Anchor> anchors_;
  std::string anchor_name_;
  size_t total_nodes_ = 0;
  size_t total_bytes_ = 0;
  std::vector<ConfigError> deferred_;
};

// Sees whether a second document follows, and stops at its first event.
class DocumentProbe final : public YAML::EventHandler {
 public:
  struct Found {};
  YAML::Mark mark;
  void OnDocumentStart(const YAML::Mark& m) override { mark = m; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark& m, YAML::anchor_t) override { Stop(m); }
  void OnAlias(const YAML::Mark& m, YAML::anchor_t) override { Stop(m); }
  void OnScalar(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                const std::string&) override {
    Stop(m);
  }
  void OnSequenceStart(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    Stop(m);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& m, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    Stop(m);
  }
  void OnMapEnd() override {}

 private:
  [[noreturn]] void Stop(const YAML::Mark& m) {
    if (mark.line < 0 || (mark.line == 0 && mark.pos == 0)) mark = m;
    throw Found{};
  }
};

// yaml-cpp's message for a syntax error, with a hint when the line it stopped on (0-based)
// is indented with a tab: its messages then name other causes ("illegal block entry").
std::string SyntaxMessage(std::string_view text, int line, const std::string& message) {
  size_t start = 0;
  for (int i = 0; i < line && start != std::string_view::npos; ++i) {
    start = text.find('\n', start);
    if (start != std::string_view::npos) ++start;
  }
  if (line < 0 || start == std::string_view::npos) return "invalid YAML: " + message;
  const size_t indent_end = text.find_first_not_of(" \t", start);
  const std::string_view indent = text.substr(start, indent_end - start);
  const bool tab =
      indent.find('\t') != std::string_view::npos && message.find("tab") == std::string::npos;
  return "invalid YAML: " + message +
         (tab ? " (this line is indented with a tab: YAML indents with spaces only)" : "");
}

// Whether the second document found at `mark` starts its line or follows a '---' there:
// else it is text after a value's end on the same line (`{capacity: 8} x`).
bool StartsADocument(std::string_view text, const YAML::Mark& mark) {
  if (mark.pos < 0 || mark.column < 0 || mark.column > mark.pos ||
      static_cast<size_t>(mark.pos) > text.size()) {
    return true;
  }
  std::string_view before =
      text.substr(static_cast<size_t>(mark.pos - mark.column), static_cast<size_t>(mark.column));
  while (!before.empty() && (before.back() == ' ' || before.back() == '\t')) {
    before.remove_suffix(1);
  }
  return before.empty() || before == "---";
}

// Parses already-screened text. Adds problems to `errors`; nullopt on failure.
std::optional<ConfigNode> ParseScreened(std::string_view text, const std::string& file,
                                        const YamlLimits& limits, ConfigErrors& errors) {
  std::istringstream in{std::string(text)};
  TreeBuilder builder(text, file, limits, errors);
  try {
    YAML::Parser parser(in);
    if (!parser.HandleNextDocument(builder)) {
      return ConfigNode::Null({.file = file, .line = 1, .column = 1});  // empty document
    }
    DocumentProbe probe;
    try {
      if (parser.HandleNextDocument(probe)) throw DocumentProbe::Found{};
    } catch (const DocumentProbe::Found&) {
      errors.Add(ToMark(file, probe.mark),
                 StartsADocument(text, probe.mark)
                     ? "a second YAML document ('---'): a config holds exactly one"
                     : "text after the end of the YAML value: a config holds exactly one");
      return std::nullopt;
    }
  } catch (const StopBuilding&) {
    return std::nullopt;
  } catch (const YAML::ParserException& e) {
    const std::optional<ConfigError> unclosed = builder.UnclosedFlow();
    if (e.msg.find("flow not found") != std::string::npos && unclosed) {
      errors.Add(unclosed->mark, unclosed->message);
    } else {
      errors.Add(ToMark(file, e.mark), SyntaxMessage(text, e.mark.line, e.msg));
    }
    return std::nullopt;
  } catch (const YAML::Exception& e) {
    errors.Add(ToMark(file, e.mark), "invalid YAML: " + e.msg);
    return std::nullopt;
  } catch (const std::bad_alloc&) {
    errors.Add({.file = file, .line = 1, .column = 1}, "out of memory while parsing the YAML");
    return std::nullopt;
  } catch (const std::exception& e) {
    errors.Add({.file = file, .line = 1, .column = 1}, std::string("invalid YAML: ") + e.what());
    return std::nullopt;
  }
  const size_t before = errors.size();
  std::optional<ConfigNode> root = builder.TakeRoot();
  if (!root && errors.size() == before)
    root = ConfigNode::Null({.file = file, .line = 1, .column = 1});
  return root;
}

std::string SizeText(size_t bytes) {
  if (bytes % (size_t{1} << 20) == 0) return std::to_string(bytes >> 20) + " MiB";
  return std::to_string(bytes) + " bytes";
}

}  // namespace

std::optional<ConfigNode> ReadYamlString(std::string_view text, const std::string& file_name,
                                         ConfigErrors& errors, const YamlLimits& limits) {
  const ConfigMark start{.file = file_name, .line = 1, .column = 1};
  if (text.size() > limits.max_file_bytes) {
    errors.Add(start, "the config is " + std::to_string(text.size()) +
                          " bytes, more than the limit of " + SizeText(limits.max_file_bytes));
    return std::nullopt;
  }
  if (std::optional<ConfigError> bad = detail::ScreenYamlText(text, file_name, limits.max_depth)) {
    errors.Add(bad->mark, std::move(bad->message));
    return std::nullopt;
  }
  return ParseScreened(text, file_name, limits, errors);
}

std::optional<ConfigNode> ReadYamlFile(const std::string& path, ConfigErrors& errors,
                                       const YamlLimits& limits) {
  std::FILE* file = std::fopen(path.c_str(), "rb");
  if (!file) {
    errors.Add({.file = path}, std::string("cannot open the config: ") + std::strerror(errno));
    return std::nullopt;
  }
  auto too_large = [&] {
    std::fclose(file);
    errors.Add({.file = path, .line = 1, .column = 1},
               "the config file is larger than the limit of " + SizeText(limits.max_file_bytes));
    return std::nullopt;
  };
  // A regular file's size says it at once; other inputs (an endless pipe) are read at most
  // one block past the limit, never whole.
  struct stat status {};
  if (::fstat(::fileno(file), &status) == 0 && S_ISREG(status.st_mode) &&
      static_cast<uint64_t>(status.st_size) > limits.max_file_bytes) {
    return too_large();
  }
  std::string text;
  char buffer[1 << 16];
  int read_error = 0;
  while (text.size() <= limits.max_file_bytes) {
    const size_t got = std::fread(buffer, 1, sizeof buffer, file);
    text.append(buffer, got);
    if (got < sizeof buffer) {
      if (std::ferror(file)) read_error = errno ? errno : EIO;
      break;
    }
  }
  if (text.size() > limits.max_file_bytes) return too_large();
  std::fclose(file);
  if (read_error != 0) {
    errors.Add({.file = path}, std::string("cannot read the config: ") + std::strerror(read_error));
    return std::nullopt;
  }
  return ReadYamlString(text, path, errors, limits);
}

Result<ConfigNode> LoadYamlString(std::string_view text, const std::string& file_name,
                                  ConfigErrors& errors, const YamlLimits& limits) {
  const size_t first_error = errors.size();
  std::optional<ConfigNode> root = ReadYamlString(text, file_name, errors, limits);
  if (!root || errors.size() > first_error) return errors.ToError(first_error);
  return std::move(*root);
}

Result<ConfigNode> LoadYamlFile(const std::string& path, ConfigErrors& errors,
                                const YamlLimits& limits) {
  const size_t first_error = errors.size();
  std::optional<ConfigNode> root = ReadYamlFile(path, errors, limits);
  if (!root || errors.size() > first_error) return errors.ToError(first_error);
  return std::move(*root);
}

}  // namespace sluice
