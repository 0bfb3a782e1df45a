#include "stages/detail/regex_repeats.h"

#include <bitset>
#include <string>

namespace sluice::detail {
namespace {

// A large bound is a star on lines of at most 1024 bytes.
constexpr int kUnboundedFrom = 16;

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsWord(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
int HexValue(char c) {
  if (IsDigit(c)) return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The bytes one atom matches; none: no one-byte atom (a group, an assertion).
using ByteSet = std::bitset<256>;

ByteSet AllBytes() { return ByteSet().set(); }
ByteSet Only(unsigned char byte) { return ByteSet().set(byte); }
ByteSet Where(bool (*test)(char), bool negated) {
  ByteSet set;
  for (int b = 0; b < 256; ++b) set[static_cast<size_t>(b)] = test(static_cast<char>(b)) != negated;
  return set;
}

class Scanner {
 public:
  explicit Scanner(std::string_view pattern) : p_(pattern) {}

  int Run() {
    ByteSet atom;  // the one-byte atom just read, if the last token was one
    while (i_ < p_.size()) {
      const char c = p_[i_];
      if (c == '*' || c == '+' || c == '{') {
        if (Unbounded() && atom.any() && RunsIntoWhatFollows(atom)) ++count_;
        atom.reset();
      } else if (c == '[') {
        atom = Class();
      } else if (c == '.') {
        atom = AllBytes() & ~Only('\n') & ~Only('\r');
        ++i_;
      } else if (c == '\\') {
        atom = Escape();
      } else if (std::string_view("()|^$?").find(c) != std::string_view::npos) {
        atom.reset();
        ++i_;
      } else {
        atom = Only(static_cast<unsigned char>(c));
        ++i_;
      }
    }
    return count_;
  }

 private:
  // At a quantifier: steps over it (and a lazy '?'); whether its upper bound is absent or
  // large. A brace that is no repeat count ({,} {a}) is a literal: false.
  bool Unbounded() {
    bool unbounded = true;
    if (p_[i_] == '{') {
      size_t at = i_ + 1;
      while (at < p_.size() && IsDigit(p_[at])) ++at;
      if (at == i_ + 1 || at >= p_.size() || (p_[at] != ',' && p_[at] != '}')) {
        ++i_;
        return false;
      }
      unbounded = false;
      if (p_[at] == ',') {
        const size_t upper = ++at;
        while (at < p_.size() && IsDigit(p_[at])) ++at;
        if (at >= p_.size() || p_[at] != '}') {
          ++i_;
          return false;
        }
        // More than 2 digits is 100 or more; else the number itself.
        unbounded = at == upper || at - upper > 2 ||
                    std::stoi(std::string(p_.substr(upper, at - upper))) >= kUnboundedFrom;
      }
      i_ = at;  // the '}'
    }
    ++i_;
    if (i_ < p_.size() && p_[i_] == '?') ++i_;
    return unbounded;
  }

  // Whether the repeat just stepped over may take what the pattern requires next: anything
  // but one required literal byte outside `atom`.
  bool RunsIntoWhatFollows(const ByteSet& atom) const {
    size_t at = i_;
    while (at < p_.size() && p_[at] == ')') ++at;
    if (at >= p_.size()) return true;
    Scanner next(p_);
    next.i_ = at;
    ByteSet literal;
    if (p_[at] == '\\') {
      literal = next.Escape();
    } else if (std::string_view(".[()|^$*+?{").find(p_[at]) == std::string_view::npos) {
      literal = Only(static_cast<unsigned char>(p_[at]));
      next.i_ = at + 1;
    }
    if (literal.count() != 1) return true;  // a class, a group, an assertion
    const bool optional = next.i_ < p_.size() && (p_[next.i_] == '?' || p_[next.i_] == '*' ||
                                                  p_.substr(next.i_, 2) == "{0");
    return optional || (atom & literal).any();
  }

  // At '\': the bytes the escape matches (one for an escaped byte), or none for an
  // assertion or a back-reference. Steps over it.
  ByteSet Escape() {
    if (i_ + 1 >= p_.size()) {
      ++i_;
      return {};
    }
    const char e = p_[i_ + 1];
    i_ += 2;
    switch (e) {
      case 'd': return Where(IsDigit, false);
      case 'D': return Where(IsDigit, true);
      case 's': return Where(IsSpace, false);
      case 'S': return Where(IsSpace, true);
      case 'w': return Where(IsWord, false);
      case 'W': return Where(IsWord, true);
      case 't': return Only('\t');
      case 'n': return Only('\n');
      case 'r': return Only('\r');
      case 'f': return Only('\f');
      case 'v': return Only('\v');
      case '0': return Only('\0');
      case 'c':
        if (i_ < p_.size()) return Only(static_cast<unsigned char>(p_[i_++] & 0x1F));
        return {};
      case 'x':
        if (i_ + 1 < p_.size() && HexValue(p_[i_]) >= 0 && HexValue(p_[i_ + 1]) >= 0) {
          const int byte = HexValue(p_[i_]) * 16 + HexValue(p_[i_ + 1]);
          i_ += 2;
          return Only(static_cast<unsigned char>(byte));
        }
        return AllBytes();
      case 'u': return AllBytes();  // a code point: any of its bytes, as far as this goes
      default:
        if (IsWord(e)) return {};  // \b, \B, a back-reference
        return Only(static_cast<unsigned char>(e));
    }
  }

  // At '[': the bytes the class matches; all of them where an element cannot be read
  // byte by byte. Steps over it.
  ByteSet Class() {
    ++i_;
    const bool negated = i_ < p_.size() && p_[i_] == '^';
    if (negated) ++i_;
    ByteSet listed;
    bool unreadable = false;
    while (i_ < p_.size() && p_[i_] != ']') {
      const ByteSet low = ClassElement();
      if (i_ + 1 < p_.size() && p_[i_] == '-' && p_[i_ + 1] != ']') {  // a range
        ++i_;
        const ByteSet high = ClassElement();
        if (low.count() != 1 || high.count() != 1) {
          unreadable = true;
          continue;
        }
        for (size_t b = FirstOf(low); b <= FirstOf(high); ++b) listed.set(b);
        continue;
      }
      if (low.none()) unreadable = true;
      listed |= low;
    }
    ++i_;  // the ']'
    if (unreadable) return AllBytes();
    return negated ? ~listed : listed;
  }

  // One element of a class: a byte, or an escape (\b is a backspace there).
  ByteSet ClassElement() {
    if (p_[i_] != '\\') return Only(static_cast<unsigned char>(p_[i_++]));
    if (i_ + 1 < p_.size() && p_[i_ + 1] == 'b') {
      i_ += 2;
      return Only('\b');
    }
    return Escape();
  }

  static size_t FirstOf(const ByteSet& set) {
    for (size_t b = 0; b < set.size(); ++b) {
      if (set[b]) return b;
    }
    return 0;
  }

  std::string_view p_;
  size_t i_ = 0;
  int count_ = 0;
};

}  // namespace

int OverlappingRepeats(std::string_view pattern) { return Scanner(pattern).Run(); }

}  // namespace sluice::detail
