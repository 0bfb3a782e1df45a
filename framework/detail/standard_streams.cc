#include "framework/detail/standard_streams.h"

#include <unistd.h>

#include <filesystem>
#include <string>

namespace sluice::detail {

int StandardStreamNamed(std::string_view path) {
  const std::string normal = std::filesystem::path(path).lexically_normal().string();
  const std::string own_fds = "/proc/" + std::to_string(::getpid()) + "/fd/";
  static constexpr std::string_view kNames[] = {"/dev/stdin", "/dev/stdout", "/dev/stderr"};
  for (int fd = 0; fd < 3; ++fd) {
    const std::string number = std::to_string(fd);
    if (normal == kNames[fd] || normal == "/dev/fd/" + number ||
        normal == "/proc/self/fd/" + number || normal == own_fds + number) {
      return fd;
    }
  }
  return -1;
}

}  // namespace sluice::detail
