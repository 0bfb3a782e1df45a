#include "framework/value.h"

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "framework/detail/control_characters.h"
#include "framework/detail/json_stop_bytes.h"

namespace sluice {
namespace {

void AppendInt(int64_t i, std::string& out) {
  char buf[24];
  out.append(buf, std::to_chars(buf, buf + sizeof buf, i).ptr);
}

// What to_chars writes for `d` when that is a decimal with at most 3 digits after the
// point, made from an integer: logs' doubles are mostly such numbers (76.0, 22.3), and
// to_chars' search for the shortest form costs about 600 instructions a number. False,
// writing nothing, for any other number.
bool AppendShortDecimal(double d, std::string& out) {
  static constexpr double kScales[] = {1, 10, 100, 1000};
  // Below 1e9, d's spacing is under 2^-23: a decimal n / 10^k that reads back as d has
  // |n - d * 10^k| <= 10^k * spacing / 2 < 0.5, so n is the integer nearest d * 10^k, the
  // only candidate at that scale; the first scale with one that reads back gives the
  // fewest digits, as to_chars' shortest form has.
  if (!(std::fabs(d) < 1e9)) return false;  // NaN too
  for (int decimals = 0; decimals < 4; ++decimals) {
    const double scaled = std::fabs(d) * kScales[decimals];
    const auto n = static_cast<uint64_t>(std::nearbyint(scaled));
    if (static_cast<double>(n) / kScales[decimals] != std::fabs(d)) continue;
    char digits[24];
    const auto length =
        static_cast<int>(std::to_chars(digits, digits + sizeof digits, n).ptr - digits);
    int significant = length;
    while (significant > 1 && digits[significant - 1] == '0') --significant;
    // to_chars takes the exponent form ("1e+06", "1e-04") when it is shorter; here the
    // exponent has two digits.
    const int fixed_length = decimals == 0 ? length : std::max(length - decimals, 1) + 1 + decimals;
    if (fixed_length > significant + (significant > 1 ? 1 : 0) + 4) return false;
    if (std::signbit(d)) out += '-';
    if (decimals == 0) {
      out.append(digits, static_cast<size_t>(length));
      out += ".0";  // reads back as a double, not an int (see AppendDouble)
    } else if (length > decimals) {
      out.append(digits, static_cast<size_t>(length - decimals));
      out += '.';
      out.append(digits + length - decimals, static_cast<size_t>(decimals));
    } else {
      out += "0.";
      out.append(static_cast<size_t>(decimals - length), '0');
      out.append(digits, static_cast<size_t>(length));
    }
    return true;
  }
  return false;
}

// The shortest form that reads back as the same double, and reads back as a double: a
// whole number keeps a ".0" (1.0, -0.0), so that what sluice writes stays the type it was
// (validate's `type: int` refuses 1.0).
void AppendDouble(double d, std::string& out) {
  if (AppendShortDecimal(d, out)) return;
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  if (ec != std::errc()) return;
  out.append(buf, end);
  if (std::string_view(buf, end - buf).find_first_of(".en") == std::string_view::npos) out += ".0";
}

}  // namespace

size_t Utf8SequenceLength(std::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char b0 = byte(i);
  if (b0 < 0x80) return 1;
  size_t length = 0;
  unsigned char low = 0x80, high = 0xBF;  // range of the second byte
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    length = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    length = 3;
    if (b0 == 0xE0) low = 0xA0;
    if (b0 == 0xED) high = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    length = 4;
    if (b0 == 0xF0) low = 0x90;
    if (b0 == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (i + length > s.size()) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (size_t k = 2; k < length; ++k) {
    if ((byte(i + k) & 0xC0) != 0x80) return 0;
  }
  return length;
}

std::string_view TypeName(ValueType type) {
  switch (type) {
    case ValueType::kNull: return "null";
    case ValueType::kBool: return "bool";
    case ValueType::kInt: return "int";
    case ValueType::kDouble: return "double";
    case ValueType::kString: return "string";
  }
  return "unknown";
}

bool AsDouble(const Value& v, double& out) {
  if (const auto* i = std::get_if<int64_t>(&v)) {
    out = static_cast<double>(*i);
    return true;
  }
  if (const auto* d = std::get_if<double>(&v)) {
    out = *d;
    return true;
  }
  return false;
}

namespace {

// What each byte becomes in a JSON string: 0 itself; 'u' \u00XX; 'x' a UTF-8 sequence to
// check; else a backslash and that letter.
constexpr auto kJsonEscape = [] {
  std::array<char, 256> escape{};
  for (int c = 0; c < 0x20; ++c) escape[c] = 'u';
  for (int c = 0x80; c < 0x100; ++c) escape[c] = 'x';
  escape['"'] = '"';
  escape['\\'] = '\\';
  escape['\n'] = 'n';
  escape['\r'] = 'r';
  escape['\t'] = 't';
  return escape;
}();

// Where the first byte at or after `at` that needs an escape (or a UTF-8 check) is, or
// text.size(): 8 bytes a step. Inlined: most strings written are a few bytes, and a call
// for each cost more than the steps saved (callgrind, jsonl output of the clean events).
[[gnu::always_inline]] inline size_t NextEscape(std::string_view text, size_t at) {
  for (; at + 8 <= text.size(); at += 8) {
    if (const uint64_t flags = detail::JsonStopBytes(detail::LoadWord(text.data() + at))) {
      return at + static_cast<size_t>(std::countr_zero(flags)) / 8;
    }
  }
  while (at < text.size() && kJsonEscape[static_cast<unsigned char>(text[at])] == 0) ++at;
  return at;
}

// Writes text[i], a byte kJsonEscape flags, at `p` as JSON wants it (a UTF-8 sequence
// whole); returns how many bytes of `text` it took.
size_t WriteEscaped(std::string_view text, size_t i, char*& p) {
  static constexpr char kHex[] = "0123456789abcdef";
  const unsigned char c = static_cast<unsigned char>(text[i]);
  const char escape = kJsonEscape[c];
  if (escape == 'u') {
    const char escaped[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
    p = std::copy_n(escaped, sizeof escaped, p);
    return 1;
  }
  if (escape != 'x') {
    *p++ = '\\';
    *p++ = escape;
    return 1;
  }
  const size_t length = Utf8SequenceLength(text, i);
  if (length == 0) {
    p = std::copy_n("\xEF\xBF\xBD", 3, p);  // U+FFFD keeps the output valid JSON
    return 1;
  }
  if (detail::ControlCharacterBytes(text, i) == 2) {  // C1: a terminal would act on it
    const unsigned code_point = detail::ControlCodePoint(text, i, 2);
    const char escaped[] = {'\\', 'u', '0', '0', kHex[code_point >> 4], kHex[code_point & 0xF]};
    p = std::copy_n(escaped, sizeof escaped, p);
    return 2;
  }
  p = std::copy_n(text.data() + i, length, p);
  return length;
}

// Escapes text[i, end) at `p`: a UTF-8 sequence that starts before `end` is taken whole, up
// to 3 bytes past it, so `p` needs room for 6 * (end - i + 3) bytes. Returns where it
// stopped. A raw JSON line (a dead letter's) has a quote every few bytes: a 16-byte chunk's
// quotes are escaped in one pass over its mask, each run stored 16 bytes wide (the room
// allows it, and the next store writes over the excess): 1.5x faster on JSON lines than a
// step per escape (round bfa9db6..d0c7747). Chunks are read only where 32 bytes are left, as
// a run's store reads up to 16 bytes past the chunk.
size_t EscapeRange(std::string_view text, size_t i, size_t end, char*& p) {
  while (i + 32 <= end) {
    const char* chunk = text.data() + i;
    const detail::JsonStops16 stops = detail::FindJsonStops16(chunk);
    if (stops.other != 0) {  // up to the first stop, then that byte alone
      const auto run =
          static_cast<size_t>(std::countr_zero(stops.quote_or_backslash | stops.other));
      std::memcpy(p, chunk, 16);
      p += run;
      i += run;
      i += WriteEscaped(text, i, p);
      continue;
    }
    size_t from = 0;
    for (uint32_t quotes = stops.quote_or_backslash; quotes != 0; quotes &= quotes - 1) {
      const auto at = static_cast<size_t>(std::countr_zero(quotes));
      std::memcpy(p, chunk + from, 16);
      p += at - from;
      *p++ = '\\';
      *p++ = chunk[at];
      from = at + 1;
    }
    std::memcpy(p, chunk + from, 16);
    p += 16 - from;
    i += 16;
  }
  while (i < end) {
    const size_t next = NextEscape(text.substr(0, end), i);
    p = std::copy_n(text.data() + i, next - i, p);
    i = next;
    if (i < end) i += WriteEscaped(text, i, p);
  }
  return i;
}

// AppendJsonString writes what follows the first escape through a pointer into room for the
// worst case (6 bytes a byte), not appended a run and an escape at a time (a JSON line has a
// quote every few bytes: docs/benchmark-history.md); 64 KiB of it at a time, so that a huge
// string (a 100 MB line in a dead letter) does not make room for 6 times its size at once.
constexpr size_t kEscapedPieceBytes = size_t{64} << 10;

}  // namespace

void AppendJsonString(std::string_view text, std::string& out) {
  // Most names and values need no escape: found by a scan that writes nothing, they are
  // copied whole.
  size_t i = NextEscape(text, 0);
  if (i == text.size()) {
    out += '"';
    out += text;
    out += '"';
    return;
  }
  size_t written = out.size();
  for (bool first = true; i < text.size(); first = false) {
    const size_t end = std::min(text.size(), i + kEscapedPieceBytes);
    // Room for the piece's worst case, the closing quote, and first the opening quote and
    // the run before the first escape.
    out.resize(written + (first ? 1 + i : 0) + 6 * (end - i + 3) + 1);
    char* p = out.data() + written;
    if (first) {
      *p++ = '"';
      p = std::copy_n(text.data(), i, p);
    }
    i = EscapeRange(text, i, end, p);
    written = static_cast<size_t>(p - out.data());
  }
  out[written] = '"';
  out.resize(written + 1);
}

void AppendJson(const Value& v, std::string& out) {
  switch (TypeOf(v)) {
    case ValueType::kNull: out += "null"; break;
    case ValueType::kBool: out += std::get<bool>(v) ? "true" : "false"; break;
    case ValueType::kInt: AppendInt(std::get<int64_t>(v), out); break;
    case ValueType::kDouble: {
      const double d = std::get<double>(v);
      if (std::isfinite(d)) {
        AppendDouble(d, out);
      } else {
        out += "null";  // JSON has no NaN or infinity
      }
      break;
    }
    case ValueType::kString: AppendJsonString(std::get<std::string>(v), out); break;
  }
}

void AppendText(const Value& v, std::string& out) {
  switch (TypeOf(v)) {
    case ValueType::kNull: break;
    case ValueType::kString: out += std::get<std::string>(v); break;
    case ValueType::kDouble: AppendDouble(std::get<double>(v), out); break;
    default: AppendJson(v, out); break;
  }
}

int ValueTypeRank(const Value& v) {
  switch (TypeOf(v)) {
    case ValueType::kNull: return 0;
    case ValueType::kBool: return 1;
    case ValueType::kInt:
    case ValueType::kDouble: return 2;
    case ValueType::kString: return 3;
  }
  return 4;
}

int CompareValues(const Value& a, const Value& b) {
  const int ra = ValueTypeRank(a), rb = ValueTypeRank(b);
  if (ra != rb) return ra < rb ? -1 : 1;
  switch (ra) {
    case 0: return 0;
    case 1: return static_cast<int>(std::get<bool>(a)) - static_cast<int>(std::get<bool>(b));
    case 2: return CompareNumbers(a, b);
    default: {
      const int c = std::get<std::string>(a).compare(std::get<std::string>(b));
      return c < 0 ? -1 : c > 0 ? 1 : 0;
    }
  }
}

}  // namespace sluice
