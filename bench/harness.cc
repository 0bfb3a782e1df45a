#include "bench/harness.h"

#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <ostream>

namespace sluice::bench {
namespace {

double EnvDouble(const char* name, double fallback) {
  const char* text = std::getenv(name);
  if (text == nullptr || *text == '\0') return fallback;
  char* end = nullptr;
  const double value = std::strtod(text, &end);
  return (end != text && value > 0) ? value : fallback;
}

const char* OutcomeName(Outcome verdict) {
  switch (verdict) {
    case Outcome::kPass: return "PASS";
    case Outcome::kMiss: return "MISS";
    case Outcome::kInfo: return "info";
  }
  return "";
}

struct Cells {
  std::string scenario, figure, value, baseline, base_value, ratio, target, verdict;
};

Cells MakeCells(const Row& row) {
  const bool has_baseline = !row.baseline.empty();
  return {row.scenario,
          row.figure,
          FormatNumber(row.value) + " " + row.unit,
          has_baseline ? row.baseline : "-",
          has_baseline ? FormatNumber(row.baseline_value) : "-",
          row.ratio > 0 ? FormatNumber(row.ratio) + "x" : "-",
          row.target.empty() ? "-" : row.target,
          OutcomeName(row.verdict)};
}

}  // namespace

double Scale() {
  static const double scale = EnvDouble("SLUICE_BENCH_SCALE", 1.0);
  return scale;
}

size_t Scaled(double n, size_t at_least) {
  return std::max(at_least, static_cast<size_t>(std::llround(n * Scale())));
}

int Reps() {
  static const int reps = static_cast<int>(EnvDouble("SLUICE_BENCH_REPS", 3));
  return std::max(1, reps);
}

int64_t ThreadCpuNanos() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<int64_t>(now.tv_sec) * 1'000'000'000 + now.tv_nsec;
}

double TimeSeconds(const std::function<void()>& body) {
  const int64_t begin = NowNanos();
  body();
  return static_cast<double>(NowNanos() - begin) * 1e-9;
}

double ProcessCpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  const auto seconds = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) * 1e-6;
  };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

std::vector<Timing> BestInterleaved(int reps, const std::vector<std::function<void()>>& bodies) {
  std::vector<Timing> best(bodies.size());
  for (int round = 0; round < reps; ++round) {
    for (size_t b = 0; b < bodies.size(); ++b) {
      const double cpu_before = ProcessCpuSeconds();
      const double wall = TimeSeconds(bodies[b]);
      const double cpu = ProcessCpuSeconds() - cpu_before;
      if (round == 0 || wall < best[b].wall_seconds) best[b].wall_seconds = wall;
      if (round == 0 || cpu < best[b].cpu_seconds) best[b].cpu_seconds = cpu;
    }
  }
  return best;
}

std::vector<double> BestSecondsInterleaved(int reps,
                                           const std::vector<std::function<void()>>& bodies) {
  std::vector<double> wall;
  for (const Timing& t : BestInterleaved(reps, bodies)) wall.push_back(t.wall_seconds);
  return wall;
}

double Best(const std::vector<double>& values) {
  return values.empty() ? 0 : *std::min_element(values.begin(), values.end());
}

double Quantile(std::vector<double> values, double q) {
  if (values.empty()) return 0;
  const size_t rank = std::min(values.size() - 1,
                               static_cast<size_t>(std::ceil(q * values.size())) - (q > 0 ? 1 : 0));
  std::nth_element(values.begin(), values.begin() + static_cast<ptrdiff_t>(rank), values.end());
  return values[rank];
}

Outcome Meets(double value, Goal goal, double bound) {
  const bool ok = goal == Goal::kAtMost ? value <= bound : value >= bound;
  return ok ? Outcome::kPass : Outcome::kMiss;
}

std::string FormatNumber(double value) {
  char text[64];
  const double magnitude = std::fabs(value);
  if (magnitude >= 1000 || magnitude == 0) {
    std::snprintf(text, sizeof text, "%.0f", value);
  } else if (magnitude >= 100) {
    std::snprintf(text, sizeof text, "%.1f", value);
  } else if (magnitude >= 1) {
    std::snprintf(text, sizeof text, "%.2f", value);
  } else {
    std::snprintf(text, sizeof text, "%.3f", value);
  }
  return text;
}

void Table::Add(Row row) { rows_.push_back(std::move(row)); }

int Table::misses() const {
  return static_cast<int>(std::count_if(rows_.begin(), rows_.end(),
                                        [](const Row& r) { return r.verdict == Outcome::kMiss; }));
}

void Table::Print(std::ostream& out, TableStyle style) const {
  const Cells header{"#",     "figure", "value", "baseline", "baseline value",
                     "ratio", "target", "result"};
  std::vector<Cells> cells{header};
  for (const Row& row : rows_) cells.push_back(MakeCells(row));
  auto fields = [](const Cells& c) {
    return std::vector<const std::string*>{&c.scenario,   &c.figure, &c.value,  &c.baseline,
                                           &c.base_value, &c.ratio,  &c.target, &c.verdict};
  };
  std::vector<size_t> widths(8, 0);
  for (const Cells& c : cells) {
    const auto f = fields(c);
    for (size_t i = 0; i < f.size(); ++i) widths[i] = std::max(widths[i], f[i]->size());
  }
  for (size_t r = 0; r < cells.size(); ++r) {
    const auto f = fields(cells[r]);
    for (size_t i = 0; i < f.size(); ++i) {
      if (style == TableStyle::kMarkdown) {
        out << "| " << *f[i] << ' ';
      } else {
        out << *f[i] << std::string(widths[i] - f[i]->size() + 2, ' ');
      }
    }
    out << (style == TableStyle::kMarkdown ? "|\n" : "\n");
    if (r == 0) {
      for (size_t i = 0; i < widths.size(); ++i) {
        if (style == TableStyle::kMarkdown) {
          out << "|---";
        } else {
          out << std::string(widths[i], '-') << "  ";
        }
      }
      out << (style == TableStyle::kMarkdown ? "|\n" : "\n");
    }
  }
}

}  // namespace sluice::bench
