// The bench harness: timing helpers, the size scale, and the one results table that every
// scenario adds rows to. Every figure is printed next to a baseline measured in the same
// run and the ratio between them, because absolute times drift on shared machines and
// ratios hold.
//
//   sluice::bench::Table table;
//   const double t = sluice::bench::BestSecondsInterleaved(3, {[&] { RunSomething(); }})[0];
//   table.Add({.scenario = "1 overhead", .figure = "sluice, 1 worker/stage",
//              .value = 6.2, .unit = "ns/item/hop", .baseline = "mutex queue",
//              .baseline_value = 310, .ratio = 310 / 6.2, .target = ">= 10x",
//              .verdict = sluice::bench::Meets(310 / 6.2, sluice::bench::Goal::kAtLeast, 10)});
//   table.Print(std::cout, sluice::bench::TableStyle::kText);
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <iosfwd>
#include <string>
#include <vector>

namespace sluice::bench {

/// SLUICE_BENCH_SCALE (default 1): multiplies every input size. 0.1 for a quick look.
double Scale();
/// `n` times Scale(), at least `at_least`.
size_t Scaled(double n, size_t at_least = 1);
/// SLUICE_BENCH_REPS (default 3): runs per measurement; the fastest is kept (noise from
/// other work on the machine only ever adds time).
int Reps();

inline int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// CPU time of the calling thread (user + system), in ns: unlike wall time, it does not
/// grow when other processes share the cores.
int64_t ThreadCpuNanos();

/// Wall seconds of one call of `body`.
double TimeSeconds(const std::function<void()>& body);
/// CPU seconds (user + system) of this process so far, all threads.
double ProcessCpuSeconds();

struct Timing {
  double wall_seconds = 0;  // the fastest run's
  double cpu_seconds = 0;   // the least CPU any run took (all threads of the process)
};
/// Each body's best wall and CPU seconds over `reps` rounds; every round calls each body
/// once, in order, so that a change in the machine's load hits a figure and its baselines
/// alike.
std::vector<Timing> BestInterleaved(int reps, const std::vector<std::function<void()>>& bodies);
/// As BestInterleaved, wall seconds only.
std::vector<double> BestSecondsInterleaved(int reps,
                                           const std::vector<std::function<void()>>& bodies);
/// The smallest of `values`. 0 when empty.
double Best(const std::vector<double>& values);
/// The `q` quantile (0..1) of `values`, nearest rank. 0 when empty.
double Quantile(std::vector<double> values, double q);

enum class Outcome { kPass, kMiss, kInfo };
enum class Goal { kAtMost, kAtLeast };
/// kPass when `value` is on the right side of `bound`, else kMiss.
Outcome Meets(double value, Goal goal, double bound);

struct Row {
  std::string scenario;       // "1 overhead"
  std::string figure;         // what was measured: "sluice, 2 workers/stage"
  double value = 0;           // the figure
  std::string unit;           // "ns/item/hop", "MB/s", "efficiency"
  std::string baseline{};     // what it is compared with; empty for none
  double baseline_value = 0;  // the baseline's figure, in the same unit
  double ratio = 0;           // how the figure compares (orientation given in target)
  std::string target{};       // the bar, e.g. "<= 10 ns", "ratio >= 10x"; empty: info
  Outcome verdict = Outcome::kInfo;
};

enum class TableStyle { kText, kMarkdown };

class Table {
 public:
  void Add(Row row);
  const std::vector<Row>& rows() const { return rows_; }
  void Print(std::ostream& out, TableStyle style) const;
  /// Rows that missed their target.
  int misses() const;

 private:
  std::vector<Row> rows_;
};

/// A short human form of `value`: 3 significant digits, no exponent for usual sizes.
std::string FormatNumber(double value);

}  // namespace sluice::bench
