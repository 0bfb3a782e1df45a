// ConfigNode: a parsed configuration tree (maps, lists, scalars), each node with its
// position, independent of YAML. pipelines/ builds it from YAML; stage factories read
// their options from it and report every problem, with file:line:column, to ConfigErrors.
//
//   // A stage's `retry: {attempts: 3, backoff: 2s}`. (The loader checks a stage's own
//   // keys against its StageType::keys; a factory checks what lies under them.)
//   struct Retry {
//     int64_t attempts = 0;
//     std::chrono::milliseconds backoff{0};
//   };
//   Retry ReadRetry(const sluice::ConfigNode& retry, sluice::ConfigErrors& errors) {
//     Retry out;
//     retry.CheckKeys({"attempts", "backoff"}, errors);  // "did you mean"
//     if (const sluice::ConfigNode* a = retry.Require("attempts", errors))
//       out.attempts = a->AsInt(errors).value_or(0);   // a problem is in `errors`
//     if (const sluice::ConfigNode* b = retry.Get("backoff"))
//       out.backoff = b->AsDurationOrOff(errors).value_or(out.backoff);
//     return out;
//   }
#pragma once

#include <chrono>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "framework/error.h"

namespace sluice {

struct ConfigMark {
  std::string file;
  int line = 0;    // 1-based; 0 when unknown (a node built in code)
  int column = 0;  // 1-based
  /// Orders problems of marks that are not in a file: `--set` assignments count from 1 in
  /// the order given, and their problems follow the file's. 0 for a file's marks.
  int order = 0;
  /// "file:line:column" (or just the file when the position is unknown).
  std::string ToString() const;
};

struct ConfigError {
  ConfigMark mark;
  std::string message;
  /// "file:line:column: message", on one line: control characters (the line breaks of a
  /// value quoted in the message, say) are written as \u00XX (\u000a).
  std::string ToString() const;
};

/// Collects every configuration problem so that all are reported at once.
class ConfigErrors {
 public:
  /// Adds a problem, unless the same one is there at the same mark (a node shared through
  /// an alias is checked where each use reads it).
  void Add(const ConfigMark& mark, std::string message);
  bool empty() const { return errors_.empty(); }
  size_t size() const { return errors_.size(); }
  const std::vector<ConfigError>& all() const { return errors_; }
  /// Puts the errors from the `first`th on in file order, keeping the order of errors at
  /// one position: the file's marks first (by file, line, column), then each `--set`'s in
  /// the order given (ConfigMark::order). Checks run section by section; people read best
  /// in file order.
  void SortFrom(size_t first);
  /// One error per line.
  std::string ToString() const;
  /// The errors from the `first`th on as one kInvalidInput Error, one per line of its
  /// message: how the loaders and builders that return a Result report them.
  Error ToError(size_t first = 0) const;

 private:
  std::vector<ConfigError> errors_;
  std::unordered_set<std::string> seen_;  // each error's mark and message, for Add
};

/// The closest of `candidates` to `word` by edit distance, or "" when none is close.
std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates);
/// "unknown WHAT 'word' (did you mean 'close'?)" when a choice is close, else
/// "unknown WHAT 'word' (expected a, b or c)".
std::string UnknownChoice(std::string_view what, std::string_view word,
                          const std::vector<std::string>& choices);

class ConfigNode {
 public:
  enum class Kind : uint8_t { kNull, kScalar, kList, kMap };

  static ConfigNode Null(ConfigMark mark = {});
  static ConfigNode Scalar(std::string value, ConfigMark mark = {});
  static ConfigNode List(ConfigMark mark = {});
  static ConfigNode Map(ConfigMark mark = {});

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::kNull; }
  bool is_scalar() const { return kind_ == Kind::kScalar; }
  bool is_list() const { return kind_ == Kind::kList; }
  bool is_map() const { return kind_ == Kind::kMap; }
  const ConfigMark& mark() const { return mark_; }
  /// The key of a map entry ("" for list items and roots), and where the key stands.
  const std::string& key() const { return key_; }
  const ConfigMark& key_mark() const { return key_mark_; }
  /// Scalar text (unquoted).
  const std::string& scalar() const { return scalar_; }
  /// List items, or map entries in file order (each with its key()).
  const std::vector<ConfigNode>& children() const { return children_; }

  /// Building (used by the YAML loader and by code that builds configs).
  ConfigNode& Append(ConfigNode item);                                           // list
  ConfigNode& Set(std::string key, ConfigNode value, ConfigMark key_mark = {});  // map

  /// Map lookup; nullptr when absent or when this is not a map.
  const ConfigNode* Get(std::string_view key) const;
  ConfigNode* GetMutable(std::string_view key);
  std::vector<ConfigNode>& mutable_children() { return children_; }
  void set_scalar(std::string value) {
    kind_ = Kind::kScalar;
    scalar_ = std::move(value);
  }
  /// Map lookup that reports "missing required key 'key'" when absent.
  const ConfigNode* Require(std::string_view key, ConfigErrors& errors) const;
  /// Reports each key not in `allowed` as unknown, with a "did you mean" when one is close.
  /// Reports "expected a map" when this is not a map.
  void CheckKeys(std::initializer_list<std::string_view> allowed, ConfigErrors& errors) const;
  void CheckKeys(const std::vector<std::string>& allowed, ConfigErrors& errors) const;

  /// Typed reads: report a positioned error and return nullopt on a type mismatch.
  std::optional<std::string> AsString(ConfigErrors& errors) const;
  std::optional<int64_t> AsInt(ConfigErrors& errors) const;
  std::optional<double> AsNumber(ConfigErrors& errors) const;
  std::optional<bool> AsBool(ConfigErrors& errors) const;
  /// "250ms", "30s", "1m", "2h", "1d" (a bare number is seconds).
  std::optional<std::chrono::milliseconds> AsDuration(ConfigErrors& errors) const;
  /// As AsDuration, or "off" for 0: for settings that can be switched off.
  std::optional<std::chrono::milliseconds> AsDurationOrOff(ConfigErrors& errors) const;
  /// A list of scalars (a single scalar counts as a list of one).
  std::optional<std::vector<std::string>> AsStringList(ConfigErrors& errors) const;

  /// "a map", "a list", "a scalar 'x'", "null": for error messages.
  std::string Describe() const;

 private:
  std::optional<std::chrono::milliseconds> ReadDuration(bool off_allowed,
                                                        ConfigErrors& errors) const;

  Kind kind_ = Kind::kNull;
  ConfigMark mark_;
  std::string key_;
  ConfigMark key_mark_;
  std::string scalar_;
  std::vector<ConfigNode> children_;
};

}  // namespace sluice
