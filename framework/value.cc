#include "framework/value.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>

namespace sluice {
namespace {

// The shortest form that reads back as the same double, and reads back as a double: a
// whole number keeps a ".0" (1.0, -0.0), so that what sluice writes stays the type it was
// (validate's `type: int` refuses 1.0).
void AppendDouble(double d, std::string& out) {
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

void AppendJsonString(std::string_view text, std::string& out) {
  static constexpr char kHex[] = "0123456789abcdef";
  // What each byte becomes: 0 itself; 'u' \u00XX; 'x' a UTF-8 sequence to check; else a
  // backslash and that letter.
  static constexpr auto kEscape = [] {
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
  // Written through a pointer, not appended a run and an escape at a time: a JSON line has
  // a quote every few bytes, and runs that write every record or error out spend much of
  // their output time here (docs/benchmark-history.md). Room for the string as it is first: most
  // names and values need no escape.
  size_t start = out.size();
  out.resize(start + text.size() + 2);
  char* p = out.data() + start;
  *p++ = '"';
  size_t i = 0;
  while (i < text.size() && kEscape[static_cast<unsigned char>(text[i])] == 0) *p++ = text[i++];
  if (i < text.size()) {  // room for the worst case of the rest: 6 bytes a byte
    start = static_cast<size_t>(p - out.data());
    out.resize(start + 6 * (text.size() - i) + 1);
    p = out.data() + start;
  }
  for (; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    const char escape = kEscape[c];
    if (escape == 0) {
      *p++ = static_cast<char>(c);
    } else if (escape == 'u') {
      const char escaped[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
      p = std::copy_n(escaped, sizeof escaped, p);
    } else if (escape != 'x') {
      *p++ = '\\';
      *p++ = escape;
    } else if (const size_t length = Utf8SequenceLength(text, i); length == 0) {
      p = std::copy_n("\xEF\xBF\xBD", 3, p);  // U+FFFD keeps the output valid JSON
    } else {
      p = std::copy_n(text.data() + i, length, p);
      i += length - 1;
    }
  }
  *p++ = '"';
  out.resize(static_cast<size_t>(p - out.data()));
}

void AppendJson(const Value& v, std::string& out) {
  switch (TypeOf(v)) {
    case ValueType::kNull: out += "null"; break;
    case ValueType::kBool: out += std::get<bool>(v) ? "true" : "false"; break;
    case ValueType::kInt: out += std::to_string(std::get<int64_t>(v)); break;
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

int CompareValues(const Value& a, const Value& b) {
  const auto rank = [](const Value& v) {
    switch (TypeOf(v)) {
      case ValueType::kNull: return 0;
      case ValueType::kBool: return 1;
      case ValueType::kInt:
      case ValueType::kDouble: return 2;
      case ValueType::kString: return 3;
    }
    return 4;
  };
  const int ra = rank(a), rb = rank(b);
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
