#include "framework/detail/usable_cpus.h"

#include <sched.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

namespace sluice::detail {

int AffinityCpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 0;
  return CPU_COUNT(&set);
}

int CpusOfQuota(std::string_view cpu_max) {
  const size_t space = cpu_max.find(' ');
  if (space == std::string_view::npos) return 0;
  const std::string_view quota_text = cpu_max.substr(0, space);
  std::string_view period_text = cpu_max.substr(space + 1);
  while (!period_text.empty() && (period_text.back() == '\n' || period_text.back() == ' ')) {
    period_text.remove_suffix(1);
  }
  long long quota = 0, period = 0;  // "max" fails to parse: no limit
  const auto [quota_end, quota_error] =
      std::from_chars(quota_text.data(), quota_text.data() + quota_text.size(), quota);
  const auto [period_end, period_error] =
      std::from_chars(period_text.data(), period_text.data() + period_text.size(), period);
  if (quota_error != std::errc() || period_error != std::errc() ||
      quota_end != quota_text.data() + quota_text.size() ||
      period_end != period_text.data() + period_text.size() || quota <= 0 || period <= 0) {
    return 0;
  }
  const long long cpus = quota / period + (quota % period != 0 ? 1 : 0);
  return static_cast<int>(std::min<long long>(cpus, std::numeric_limits<int>::max()));
}

int QuotaCpus() {
  // cgroup v2: one line "0::/path" in /proc/self/cgroup; limits may sit on any group above.
  std::ifstream self("/proc/self/cgroup");
  std::string line, path;
  while (std::getline(self, line)) {
    if (line.rfind("0::", 0) == 0) path = line.substr(3);
  }
  if (path.empty()) return 0;
  int tightest = 0;
  for (;;) {
    std::ifstream file("/sys/fs/cgroup" + (path == "/" ? std::string() : path) + "/cpu.max");
    std::stringstream text;
    text << file.rdbuf();
    if (const int cpus = CpusOfQuota(text.str()); cpus > 0 && (tightest == 0 || cpus < tightest)) {
      tightest = cpus;
    }
    if (path == "/") return tightest;
    const size_t slash = path.rfind('/');
    path = slash == 0 || slash == std::string::npos ? "/" : path.substr(0, slash);
  }
}

}  // namespace sluice::detail
