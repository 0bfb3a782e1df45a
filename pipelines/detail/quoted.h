// Internal to pipelines/: 'text' in single quotes, for error messages.
#pragma once

#include <string>
#include <string_view>

namespace sluice::detail {

// Built by appending: GCC 12's -Wrestrict misfires on "'" + std::string(s) + "'".
inline std::string Quoted(std::string_view text) {
  std::string quoted;
  quoted.reserve(text.size() + 2);
  quoted.append(1, '\'').append(text).append(1, '\'');
  return quoted;
}

}  // namespace sluice::detail
