#include "framework/config_node.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstddef>
#include <tuple>
#include <utility>

#include "framework/detail/control_characters.h"

namespace sluice {
namespace {

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] != b[j - 1])});
      diagonal = above;
    }
  }
  return row[b.size()];
}

std::string Quoted(std::string_view s) { return "'" + std::string(s) + "'"; }

// `text` is `lower`, Capitalized or UPPER: the spellings YAML 1.2's core schema gives
// true and false (True, TRUE), used for yes/no/on/off too. Other mixes (tRUE) are not.
bool IsSpelling(std::string_view text, std::string_view lower) {
  if (text == lower) return true;
  if (text.size() != lower.size() || text.empty()) return false;
  std::string capitalized(lower);
  std::string upper(lower);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  capitalized[0] = upper[0];
  return text == capitalized || text == upper;
}

}  // namespace

std::string ConfigMark::ToString() const {
  if (line <= 0) return file;
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

std::string ConfigError::ToString() const {
  const std::string where = mark.ToString();
  std::string out;  // one line: messages quote the config's text, line breaks and all
  detail::AppendEscapingControls(where.empty() ? message : where + ": " + message, out);
  return out;
}

void ConfigErrors::Add(const ConfigMark& mark, std::string message) {
  // A node an alias or a merge key (<<) shares is read once for each place it is used.
  std::string key = mark.ToString() + '\n' + std::to_string(mark.order) + '\n' + message;
  if (seen_.insert(std::move(key)).second) errors_.push_back({mark, std::move(message)});
}

void ConfigErrors::SortFrom(size_t first) {
  if (first >= errors_.size()) return;
  std::stable_sort(errors_.begin() + static_cast<std::ptrdiff_t>(first), errors_.end(),
                   [](const ConfigError& a, const ConfigError& b) {
                     return std::tie(a.mark.order, a.mark.file, a.mark.line, a.mark.column) <
                            std::tie(b.mark.order, b.mark.file, b.mark.line, b.mark.column);
                   });
}

std::string ConfigErrors::ToString() const {
  std::string out;
  for (const ConfigError& e : errors_) out += e.ToString() + "\n";
  return out;
}

Error ConfigErrors::ToError(size_t first) const {
  std::string message;
  for (size_t i = first; i < errors_.size(); ++i) {
    if (!message.empty()) message += '\n';
    message += errors_[i].ToString();
  }
  return Error{.code = ErrorCode::kInvalidInput, .message = std::move(message)};
}

std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates) {
  std::string best;
  size_t best_distance = std::max<size_t>(2, word.size() / 3) + 1;  // only close matches
  for (const std::string& c : candidates) {
    const size_t d = EditDistance(word, c);
    if (d < best_distance) {
      best_distance = d;
      best = c;
    }
  }
  return best;
}

std::string UnknownChoice(std::string_view what, std::string_view word,
                          const std::vector<std::string>& choices) {
  std::string message = "unknown " + std::string(what) + " '" + std::string(word) + "'";
  if (std::string near = DidYouMean(word, choices); !near.empty()) {
    return message + " (did you mean '" + near + "'?)";
  }
  message += " (expected ";
  for (size_t i = 0; i < choices.size(); ++i) {
    if (i > 0) message += i + 1 == choices.size() ? " or " : ", ";
    message += choices[i];
  }
  return message + ")";
}

ConfigNode ConfigNode::Null(ConfigMark mark) {
  ConfigNode n;
  n.mark_ = std::move(mark);
  return n;
}

ConfigNode ConfigNode::Scalar(std::string value, ConfigMark mark) {
  ConfigNode n = Null(std::move(mark));
  n.kind_ = Kind::kScalar;
  n.scalar_ = std::move(value);
  return n;
}

ConfigNode ConfigNode::List(ConfigMark mark) {
  ConfigNode n = Null(std::move(mark));
  n.kind_ = Kind::kList;
  return n;
}

ConfigNode ConfigNode::Map(ConfigMark mark) {
  ConfigNode n = Null(std::move(mark));
  n.kind_ = Kind::kMap;
  return n;
}

ConfigNode& ConfigNode::Append(ConfigNode item) { return children_.emplace_back(std::move(item)); }

ConfigNode& ConfigNode::Set(std::string key, ConfigNode value, ConfigMark key_mark) {
  if (key_mark.line == 0) key_mark = value.mark_;
  for (ConfigNode& child : children_) {
    if (child.key_ == key) {
      child = std::move(value);
      child.key_ = std::move(key);
      child.key_mark_ = std::move(key_mark);
      return child;
    }
  }
  ConfigNode& child = children_.emplace_back(std::move(value));
  child.key_ = std::move(key);
  child.key_mark_ = std::move(key_mark);
  return child;
}

const ConfigNode* ConfigNode::Get(std::string_view key) const {
  if (kind_ != Kind::kMap) return nullptr;
  for (const ConfigNode& child : children_) {
    if (child.key_ == key) return &child;
  }
  return nullptr;
}

ConfigNode* ConfigNode::GetMutable(std::string_view key) {
  return const_cast<ConfigNode*>(std::as_const(*this).Get(key));
}

const ConfigNode* ConfigNode::Require(std::string_view key, ConfigErrors& errors) const {
  if (kind_ != Kind::kMap) {
    errors.Add(mark_, "expected a map with key " + Quoted(key) + ", got " + Describe());
    return nullptr;
  }
  const ConfigNode* found = Get(key);
  if (!found) errors.Add(mark_, "missing required key " + Quoted(key));
  return found;
}

void ConfigNode::CheckKeys(std::initializer_list<std::string_view> allowed,
                           ConfigErrors& errors) const {
  CheckKeys(std::vector<std::string>(allowed.begin(), allowed.end()), errors);
}

void ConfigNode::CheckKeys(const std::vector<std::string>& allowed, ConfigErrors& errors) const {
  if (kind_ != Kind::kMap) {  // `output: csv`: say what the map holds
    std::string message = key_.empty() ? "expected a map" : Quoted(key_) + " is a map";
    message += " of ";
    for (size_t i = 0; i < allowed.size(); ++i) message += (i > 0 ? ", " : "") + allowed[i];
    errors.Add(mark_, message + " (write { key: value, ... }), got " + Describe());
    return;
  }
  for (const ConfigNode& child : children_) {
    if (std::find(allowed.begin(), allowed.end(), child.key_) != allowed.end()) continue;
    std::string message = "unknown key " + Quoted(child.key_);
    if (std::string near = DidYouMean(child.key_, allowed); !near.empty()) {
      message += " (did you mean " + Quoted(near) + "?)";
    }
    errors.Add(child.key_mark_, std::move(message));
  }
}

std::string ConfigNode::Describe() const {
  switch (kind_) {
    case Kind::kNull: return "nothing (null)";
    case Kind::kScalar: return "'" + scalar_ + "'";
    case Kind::kList: return "a list";
    case Kind::kMap: return "a map";
  }
  return "?";
}

std::optional<std::string> ConfigNode::AsString(ConfigErrors& errors) const {
  if (kind_ == Kind::kScalar) return scalar_;
  errors.Add(mark_, "expected a string, got " + Describe());
  return std::nullopt;
}

std::optional<int64_t> ConfigNode::AsInt(ConfigErrors& errors) const {
  int64_t value = 0;
  if (kind_ == Kind::kScalar) {
    const char* end = scalar_.data() + scalar_.size();
    auto [ptr, ec] = std::from_chars(scalar_.data(), end, value);
    if (ec == std::errc() && ptr == end && !scalar_.empty()) return value;
  }
  errors.Add(mark_, "expected an integer, got " + Describe());
  return std::nullopt;
}

std::optional<double> ConfigNode::AsNumber(ConfigErrors& errors) const {
  double value = 0;
  if (kind_ == Kind::kScalar) {
    const char* end = scalar_.data() + scalar_.size();
    auto [ptr, ec] = std::from_chars(scalar_.data(), end, value);
    if (ec == std::errc() && ptr == end && !scalar_.empty() && std::isfinite(value)) return value;
  }
  errors.Add(mark_, "expected a number, got " + Describe());
  return std::nullopt;
}

std::optional<bool> ConfigNode::AsBool(ConfigErrors& errors) const {
  if (kind_ == Kind::kScalar) {
    for (const std::string_view word : {"true", "yes", "on"}) {
      if (IsSpelling(scalar_, word)) return true;
    }
    for (const std::string_view word : {"false", "no", "off"}) {
      if (IsSpelling(scalar_, word)) return false;
    }
  }
  errors.Add(mark_, "expected true or false, got " + Describe());
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> ConfigNode::AsDuration(ConfigErrors& errors) const {
  return ReadDuration(/*off_allowed=*/false, errors);
}

std::optional<std::chrono::milliseconds> ConfigNode::AsDurationOrOff(ConfigErrors& errors) const {
  return ReadDuration(/*off_allowed=*/true, errors);
}

std::optional<std::chrono::milliseconds> ConfigNode::ReadDuration(bool off_allowed,
                                                                  ConfigErrors& errors) const {
  if (off_allowed && kind_ == Kind::kScalar && scalar_ == "off")
    return std::chrono::milliseconds(0);
  if (kind_ == Kind::kScalar) {
    double amount = 0;
    const char* begin = scalar_.data();
    const char* end = begin + scalar_.size();
    auto [ptr, ec] = std::from_chars(begin, end, amount);
    const std::string_view unit(ptr, end - ptr);
    double ms_per_unit = 0;
    if (unit.empty() || unit == "s")
      ms_per_unit = 1e3;
    else if (unit == "ms")
      ms_per_unit = 1;
    else if (unit == "m")
      ms_per_unit = 60e3;
    else if (unit == "h")
      ms_per_unit = 3600e3;
    else if (unit == "d")
      ms_per_unit = 86400e3;
    const double ms = amount * ms_per_unit;
    if (ec == std::errc() && ms_per_unit > 0 && ms > 0 && ms < 1e15) {
      const int64_t whole_ms = std::llround(ms);
      if (whole_ms > 0) return std::chrono::milliseconds(whole_ms);
      // 0 ms means "off" to the settings that take it: a positive value must not turn into that.
      errors.Add(mark_,
                 "duration " + Describe() +
                     " is under 1 ms after rounding to whole milliseconds; the least is 1ms");
      return std::nullopt;
    }
    if (ec == std::errc() && ms_per_unit > 0 && ms >= 1e15) {
      errors.Add(mark_, "duration " + Describe() + " is too long: under 1e15 ms (31,000 years)");
      return std::nullopt;
    }
  }
  errors.Add(mark_, std::string("expected a positive duration like 500ms, 30s, 1m, 2h or 1d") +
                        (off_allowed ? ", or off" : "") + ", got " + Describe());
  return std::nullopt;
}

std::optional<std::vector<std::string>> ConfigNode::AsStringList(ConfigErrors& errors) const {
  if (kind_ == Kind::kScalar) return std::vector<std::string>{scalar_};
  if (kind_ != Kind::kList) {
    errors.Add(mark_, "expected a string or a list of strings, got " + Describe());
    return std::nullopt;
  }
  std::vector<std::string> out;
  bool ok = true;
  for (const ConfigNode& item : children_) {
    if (auto s = item.AsString(errors))
      out.push_back(std::move(*s));
    else
      ok = false;
  }
  if (!ok) return std::nullopt;
  return out;
}

}  // namespace sluice
