// Internal: a number read with simdjson's on-demand get_number(), as a double, mended for
// the simdjson that Debian 12 ships. parse_json and the benchmarks' hand-written loops use
// it, so that both read every number alike.
//
//   ondemand::number number;
//   const std::string_view token = value.raw_json_token();  // before reading the value
//   if (value.get_number().get(number) == simdjson::SUCCESS && !number.is_int64()) {
//     double d = detail::DoubleOf(number, token);
//   }
#pragma once

#include <simdjson.h>

#include <charconv>
#include <cstddef>
#include <string_view>
#include <system_error>

namespace sluice::detail {

/// `number` as a double. simdjson 3.0 (Debian 12's) reads some decimals of 19 digits or
/// more as 0 through get_number() (simdjson issue 2099, fixed in 3.1): such a 0 is read
/// again from `token`, the number's text, by from_chars, which rounds correctly.
inline double DoubleOf(const simdjson::ondemand::number& number, std::string_view token) {
  constexpr size_t kMostDigitsReadRight = 18;
  const double value = number.as_double();
  if (value != 0 || token.size() <= kMostDigitsReadRight) return value;
  size_t digits = 0;
  for (const char c : token) {
    if (c == 'e' || c == 'E' || c == ' ' || c == '\t' || c == '\r' || c == '\n') break;
    digits += c >= '0' && c <= '9';
  }
  double reread = 0;
  if (digits > kMostDigitsReadRight &&
      std::from_chars(token.data(), token.data() + token.size(), reread).ec == std::errc()) {
    return reread;
  }
  return value;
}

}  // namespace sluice::detail
