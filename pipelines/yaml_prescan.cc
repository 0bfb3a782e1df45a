#include "pipelines/yaml_prescan.h"

#include <cstdint>
#include <cstdio>
#include <vector>

#include "framework/value.h"

namespace sluice::detail {
namespace {

// The screen over-estimates depth slightly (see the header), so it stops only clearly
// deeper documents; the loader's exact check reports the rest.
constexpr int kDepthSlack = 8;

std::string HexByte(unsigned char byte) {
  char text[8];
  std::snprintf(text, sizeof text, "0x%02x", byte);
  return text;
}

std::optional<ConfigError> CheckEncoding(std::string_view text, const std::string& file) {
  int line = 1;
  size_t line_start = 0;
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    const auto at = [&] {
      return ConfigMark{.file = file, .line = line, .column = static_cast<int>(i - line_start) + 1};
    };
    if (c == '\n') {
      ++line;
      line_start = ++i;
      continue;
    }
    if ((c < 0x20 && c != '\t' && c != '\r') || c == 0x7F) {
      return ConfigError{at(), c == 0
                                   ? "NUL byte: a config must be UTF-8 text"
                                   : "control character " + HexByte(c) + " is not allowed in YAML"};
    }
    const size_t length = Utf8SequenceLength(text, i);
    if (length == 0) {
      return ConfigError{at(),
                         "invalid UTF-8 (byte " + HexByte(c) + "): a config must be UTF-8 text"};
    }
    i += length;
  }
  return std::nullopt;
}

// Counts nesting line by line: block levels from indentation and `- `/`? `/`: ` prefixes,
// flow levels from brackets outside quotes and comments. Block scalars (`|`, `>`) are
// skipped, since their text may hold anything.
class NestingScanner {
 public:
  NestingScanner(const std::string& file, int max_depth)
      : file_(file), max_depth_(max_depth), limit_(max_depth + kDepthSlack) {}

  std::optional<ConfigError> Scan(std::string_view text) {
    size_t start = 0;
    while (start <= text.size() && !error_) {
      size_t end = text.find('\n', start);
      if (end == std::string_view::npos) end = text.size();
      std::string_view line = text.substr(start, end - start);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      ++line_number_;
      ScanLine(line);
      start = end + 1;
    }
    return std::move(error_);
  }

 private:
  // Called after each level opened at `index`. Once the estimate passes the slack, reports
  // where it last went past max_depth: usually the exact place of the loader's own check.
  void CheckDepth(size_t index) {
    if (Depth() <= max_depth_) {
      crossing_.reset();
      return;
    }
    if (!crossing_) {
      crossing_ =
          ConfigMark{.file = file_, .line = line_number_, .column = static_cast<int>(index) + 1};
    }
    if (Depth() > limit_ && !error_) {
      error_ =
          ConfigError{*crossing_, "nesting deeper than " + std::to_string(max_depth_) + " levels"};
    }
  }

  int Depth() const { return flow_depth_ + static_cast<int>(indents_.size()); }

  void PushIndent(size_t column) {
    if (indents_.empty() || indents_.back() < column) indents_.push_back(column);
  }

  // Handles indentation and block prefixes; returns where content starts, or npos to skip
  // the line.
  size_t ScanBlockStart(std::string_view line) {
    const size_t indent = line.find_first_not_of(' ');
    if (indent == std::string_view::npos || line[indent] == '#') return std::string_view::npos;
    if (block_scalar_parent_ >= 0) {
      if (static_cast<int>(indent) > block_scalar_parent_) return std::string_view::npos;
      block_scalar_parent_ = -1;
    }
    line_indent_ = static_cast<int>(indent);
    if (indent == 0 && (line.starts_with("---") || line.starts_with("..."))) {
      indents_.clear();
      return 3;
    }
    while (!indents_.empty() && indents_.back() > indent) indents_.pop_back();
    PushIndent(indent);
    size_t pos = indent;
    while (pos < line.size() && (line[pos] == '-' || line[pos] == '?' || line[pos] == ':') &&
           (pos + 1 == line.size() || line[pos + 1] == ' ')) {
      const size_t next = line.find_first_not_of(' ', pos + 1);
      pos = next == std::string_view::npos ? line.size() : next;
      PushIndent(pos);
      CheckDepth(pos);
    }
    CheckDepth(indent);
    return pos;
  }

  void ScanLine(std::string_view line) {
    size_t pos = 0;
    line_indent_ = -1;
    if (quote_ == 0 && flow_depth_ == 0) {
      pos = ScanBlockStart(line);
      if (pos == std::string_view::npos) return;
    }
    bool at_scalar_start = true;  // where a quote, bracket or block scalar may begin
    for (size_t i = pos; i < line.size() && !error_; ++i) {
      const char c = line[i];
      if (quote_ == '\'') {
        if (c == '\'') {
          if (i + 1 < line.size() && line[i + 1] == '\'')
            ++i;  // '' is an escaped quote
          else
            quote_ = 0, at_scalar_start = false;
        }
        continue;
      }
      if (quote_ == '"') {
        if (c == '\\')
          ++i;
        else if (c == '"')
          quote_ = 0, at_scalar_start = false;
        continue;
      }
      switch (c) {
        case ' ':
        case '\t': break;
        case '#':
          if (i == 0 || line[i - 1] == ' ' || line[i - 1] == '\t') return;  // a comment
          at_scalar_start = false;
          break;
        case '\'':
        case '"':
          if (at_scalar_start) quote_ = c;
          at_scalar_start = false;
          break;
        case '[':
        case '{':
          if (flow_depth_ > 0 || at_scalar_start) {
            ++flow_depth_;
            CheckDepth(i);
            at_scalar_start = true;
          }
          break;
        case ']':
        case '}':
          if (flow_depth_ > 0) --flow_depth_;
          at_scalar_start = false;
          break;
        case ',': at_scalar_start = flow_depth_ > 0; break;
        case ':':
          at_scalar_start = i + 1 == line.size() || line[i + 1] == ' ' || line[i + 1] == '\t';
          break;
        case '&':
        case '!':
          if (at_scalar_start) {  // an anchor or tag before the content: skip it
            while (i + 1 < line.size() && line[i + 1] != ' ') ++i;
          }
          break;
        case '|':
        case '>':
          if (at_scalar_start && flow_depth_ == 0) {
            block_scalar_parent_ = line_indent_ >= 0
                                       ? line_indent_
                                       : (indents_.empty() ? 0 : static_cast<int>(indents_.back()));
            return;
          }
          at_scalar_start = false;
          break;
        default: at_scalar_start = false;
      }
    }
  }

  const std::string& file_;
  const int max_depth_;
  const int limit_;
  int line_number_ = 0;
  int flow_depth_ = 0;
  char quote_ = 0;                      // the open quote of a multi-line quoted scalar
  std::vector<size_t> indents_;         // columns of the open block levels
  int block_scalar_parent_ = -1;        // indentation of the line that opened a block scalar
  int line_indent_ = -1;                // this line's indentation; -1 inside flow or quotes
  std::optional<ConfigMark> crossing_;  // where the estimate last went past max_depth
  std::optional<ConfigError> error_;
};

// The index of the quote that closes the quoted scalar opened at `at`, or npos.
size_t QuoteEnd(std::string_view text, size_t at) {
  const char quote = text[at];
  for (size_t i = at + 1; i < text.size(); ++i) {
    if (quote == '"' && text[i] == '\\') {
      ++i;  // an escape: the next byte cannot close the scalar
    } else if (text[i] == quote) {
      if (quote == '"' || i + 1 == text.size() || text[i + 1] != '\'') return i;
      ++i;  // '' inside single quotes is a quote
    }
  }
  return std::string_view::npos;
}

// Whether a quote at `at` opens a quoted scalar: after a flow indicator, a key's colon, a
// list item's dash or the line's indentation ("don't" is plain text).
bool StartsAScalar(std::string_view text, size_t at) {
  size_t i = at;
  while (i > 0 && (text[i - 1] == ' ' || text[i - 1] == '\t')) --i;
  if (i == 0 || text[i - 1] == '\n') return true;
  const char before = text[i - 1];
  return before == '{' || before == '[' || before == ',' ||
         (i < at && (before == ':' || before == '-'));
}

}  // namespace

bool QuoteLeftOpen(std::string_view text, size_t at) {
  if (at >= text.size() || (text[at] != '"' && text[at] != '\'')) return false;
  return QuoteEnd(text, at) == std::string_view::npos;
}

bool BracketLeftOpen(std::string_view text, size_t at) {
  if (at >= text.size() || (text[at] != '{' && text[at] != '[')) return false;
  int depth = 0;
  for (size_t i = at; i < text.size(); ++i) {
    const char c = text[i];
    if ((c == '"' || c == '\'') && StartsAScalar(text, i)) {
      i = QuoteEnd(text, i);
      if (i == std::string_view::npos) return true;  // the rest is that scalar's
    } else if (c == '#' && (text[i - 1] == ' ' || text[i - 1] == '\t' || text[i - 1] == '\n')) {
      while (i + 1 < text.size() && text[i + 1] != '\n') ++i;  // a comment
    } else if (c == '{' || c == '[') {
      ++depth;
    } else if ((c == '}' || c == ']') && --depth == 0) {
      return false;
    }
  }
  return true;
}

std::optional<ConfigError> ScreenYamlText(std::string_view text, const std::string& file,
                                          int max_depth) {
  if (std::optional<ConfigError> bad = CheckEncoding(text, file)) return bad;
  return NestingScanner(file, max_depth).Scan(text);
}

}  // namespace sluice::detail
