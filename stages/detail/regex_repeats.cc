#include "stages/detail/regex_repeats.h"

#include <string>

namespace sluice::detail {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsWord(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// The byte an escape stands for, or 0 for a class (\d) or an assertion (\b).
char EscapedByte(char e) {
  switch (e) {
    case 't': return '\t';
    case 'n': return '\n';
    case 'r': return '\r';
    case 'f': return '\f';
    case 'v': return '\v';
    default: return IsWord(e) ? '\0' : e;  // \. \[ \\ ...: the byte itself
  }
}

// A broad atom: what it matches, as far as the check needs.
struct Atom {
  enum class Kind { kNarrow, kAny, kNotIn, kEscapeClass } kind = Kind::kNarrow;
  std::string excluded;  // kNotIn: the bytes a negated class lists
  char escape = 0;       // kEscapeClass: d D s S w W

  bool Matches(char c) const {
    switch (kind) {
      case Kind::kAny: return c != '\n' && c != '\r';
      case Kind::kNotIn: return excluded.find(c) == std::string::npos;
      case Kind::kEscapeClass:
        switch (escape) {
          case 'd': return IsDigit(c);
          case 'D': return !IsDigit(c);
          case 's': return IsSpace(c);
          case 'S': return !IsSpace(c);
          case 'w': return IsWord(c);
          default: return !IsWord(c);  // W
        }
      case Kind::kNarrow: return false;
    }
    return false;
  }
};

class Scanner {
 public:
  explicit Scanner(std::string_view pattern) : p_(pattern) {}

  int Run() {
    Atom atom;
    while (i_ < p_.size()) {
      const char c = p_[i_];
      if (c == '*' || c == '+' || c == '{') {
        if (Unbounded() && atom.kind != Atom::Kind::kNarrow && Overlaps(atom)) ++count_;
        atom = {};
        continue;
      }
      atom = {};
      if (c == '\\' && i_ + 1 < p_.size()) {
        const char e = p_[i_ + 1];
        if (std::string_view("dDsSwW").find(e) != std::string_view::npos) {
          atom = {.kind = Atom::Kind::kEscapeClass, .excluded = {}, .escape = e};
        }
        i_ += 2;
      } else if (c == '[') {
        atom = Class();
      } else {
        if (c == '.') atom.kind = Atom::Kind::kAny;
        ++i_;
      }
    }
    return count_;
  }

 private:
  // At a quantifier: steps over it (and a lazy '?'); whether it has no upper bound.
  bool Unbounded() {
    bool unbounded = true;
    if (p_[i_] == '{') {
      const size_t close = p_.find('}', i_);
      if (close == std::string_view::npos) {
        ++i_;
        return false;
      }
      unbounded = p_.substr(i_, close - i_).ends_with(',');
      i_ = close;
    }
    ++i_;
    if (i_ < p_.size() && p_[i_] == '?') ++i_;
    return unbounded;
  }

  // Whether the repeat of `atom` just stepped over can take the byte that follows it.
  bool Overlaps(const Atom& atom) const {
    size_t at = i_;
    while (at < p_.size() && p_[at] == ')') ++at;
    char next = 0;
    if (at < p_.size() && p_[at] == '\\' && at + 1 < p_.size()) {
      next = EscapedByte(p_[at + 1]);
    } else if (at < p_.size() &&
               std::string_view(".[()|^$*+?{").find(p_[at]) == std::string_view::npos) {
      next = p_[at];
    }
    if (next == 0) return atom.kind == Atom::Kind::kAny;  // no plain literal: only '.' counts
    return atom.Matches(next);
  }

  // At '[': reads the class; a negated one is a broad atom.
  Atom Class() {
    Atom atom;
    ++i_;
    const bool negated = i_ < p_.size() && p_[i_] == '^';
    if (negated) ++i_;
    std::string listed;
    while (i_ < p_.size() && p_[i_] != ']') {
      char c = p_[i_];
      if (c == '\\' && i_ + 1 < p_.size()) {
        c = EscapedByte(p_[i_ + 1]);
        i_ += 2;
        if (c == 0) continue;  // \d inside a class: not listed byte by byte
      } else {
        ++i_;
      }
      if (i_ + 1 < p_.size() && p_[i_] == '-' && p_[i_ + 1] != ']') {  // a range c-d
        const char last = p_[i_ + 1];
        for (int b = static_cast<unsigned char>(c); b <= static_cast<unsigned char>(last); ++b) {
          listed += static_cast<char>(b);
        }
        i_ += 2;
        continue;
      }
      listed += c;
    }
    ++i_;  // the ']'
    if (negated) atom = {.kind = Atom::Kind::kNotIn, .excluded = std::move(listed), .escape = 0};
    return atom;
  }

  std::string_view p_;
  size_t i_ = 0;
  int count_ = 0;
};

}  // namespace

int OverlappingRepeats(std::string_view pattern) { return Scanner(pattern).Run(); }

}  // namespace sluice::detail
