// sluice_bench: runs the issue-3 scenarios and prints one table of figures, baselines,
// ratios, targets and verdicts.
//
//   sluice_bench                              # every scenario
//   sluice_bench --scenarios 1,2 --markdown   # some, as a Markdown table
//   SLUICE_BENCH_SCALE=0.2 sluice_bench       # smaller inputs, for a quick look
//
// Scenarios 4-6 run the sluice CLI and gen_clickstream of the same build, and keep the
// generated logs in BUILD/bench-data between runs; --sluice, --gen and --data override them. The
// same binary also runs the hand-written replay baselines and the memory scenario's child (see
// subcommands.h); the scenarios start it as a separate process so that each is timed and measured
// whole.
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <iostream>
#include <set>
#include <string>
#include <thread>

#include "bench/scenarios.h"
#include "bench/subcommands.h"
#include "bench/work.h"

namespace {

struct Args {
  std::set<int> scenarios{1, 2, 3, 4, 5, 6};
  bool markdown = false;
  sluice::bench::ReplaySetup replay;
};

[[noreturn]] void Usage(const std::string& problem) {
  if (!problem.empty()) std::cerr << "sluice_bench: " << problem << "\n";
  std::cerr << "usage: sluice_bench [--scenarios 1,2,...] [--markdown] [--sluice PATH] "
               "[--gen PATH] [--data DIR]\n"
               "       sluice_bench hand-simdjson FILE | hand-tbb FILE THREADS | "
               "hand-split FILE THREADS | replay-breakdown CONFIG FILE\n"
               "       sluice_bench mem-child CONFIG FILE RATE | "
               "profile-overhead WORKERS ITEMS [push|source [BATCH]] | "
               "profile-spin MICROS ITEMS [push|source]\n"
               "env: SLUICE_BENCH_SCALE (input sizes, default 1), SLUICE_BENCH_REPS (rounds, "
               "default 3)\n";
  std::exit(problem.empty() ? 0 : 2);
}

std::set<int> ParseScenarios(const std::string& list) {
  std::set<int> out;
  size_t at = 0;
  while (at < list.size()) {
    const size_t comma = std::min(list.find(',', at), list.size());
    const int n = std::atoi(list.substr(at, comma - at).c_str());
    if (n < 1 || n > 6) Usage("scenarios are 1..6, got '" + list + "'");
    out.insert(n);
    at = comma + 1;
  }
  return out;
}

Args ParseArgs(int argc, char** argv) {
  Args args;
  args.replay.self = "/proc/self/exe";
  args.replay.sluice = SLUICE_BENCH_CLI;
  args.replay.generator = SLUICE_BENCH_GEN;
  args.replay.data_dir = SLUICE_BENCH_DATA;
  args.replay.config = std::string(SLUICE_BENCH_SOURCE_DIR) + "/configs/clickstream.yaml";
  args.replay.throttled_config =
      std::string(SLUICE_BENCH_SOURCE_DIR) + "/bench/clickstream_throttled.yaml";
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--help" || flag == "-h") Usage("");
    if (flag == "--markdown") {
      args.markdown = true;
      continue;
    }
    if (i + 1 >= argc) Usage("missing value after " + flag);
    const std::string value = argv[++i];
    if (flag == "--scenarios") {
      args.scenarios = ParseScenarios(value);
    } else if (flag == "--sluice") {
      args.replay.sluice = value;
    } else if (flag == "--gen") {
      args.replay.generator = value;
    } else if (flag == "--data") {
      args.replay.data_dir = value;
    } else {
      Usage("unknown flag " + flag);
    }
  }
  return args;
}

// "Intel(R) Xeon(R) ..." from /proc/cpuinfo, and the load average when we start: a busy
// machine skews every figure, ratios included.
std::string MachineLine() {
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line, model = "unknown CPU";
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("model name", 0) == 0) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  }
  std::ifstream loadavg("/proc/loadavg");
  std::string load1;
  loadavg >> load1;
  return std::to_string(std::thread::hardware_concurrency()) + " cores, " + model +
         ", load average " + load1 + " at start";
}

}  // namespace

int main(int argc, char** argv) {
  if (argc >= 2 && sluice::bench::IsSubcommand(argv[1])) {
    return sluice::bench::SubcommandMain(argc - 1, argv + 1);
  }
  const Args args = ParseArgs(argc, argv);
  namespace b = sluice::bench;
  std::cerr << "sluice_bench: " << MachineLine() << "\nsluice_bench: scale " << b::Scale() << ", "
            << b::Reps() << " runs per figure (fastest kept), spin "
            << b::FormatNumber(b::SpinIterationsPerMicro()) << " iterations/us\n";
  b::Table table;
  try {
    const auto run = [&](int n, const char* name, auto body) {
      if (args.scenarios.count(n) == 0) return;
      std::cerr << "sluice_bench: scenario " << n << " (" << name << ")...\n";
      body();
    };
    run(1, "per-item overhead", [&] { b::RunOverhead(table); });
    run(2, "scaling", [&] { b::RunScaling(table); });
    run(3, "skew", [&] { b::RunSkew(table); });
    run(4, "replay", [&] { b::RunReplay(table, args.replay); });
    run(5, "bounded memory", [&] { b::RunBoundedMemory(table, args.replay); });
    run(6, "error-heavy input", [&] { b::RunErrorHeavy(table, args.replay); });
  } catch (const std::exception& e) {
    std::cerr << "sluice_bench: failed: " << e.what() << "\n";
    table.Print(std::cout, args.markdown ? b::TableStyle::kMarkdown : b::TableStyle::kText);
    return 1;
  }
  table.Print(std::cout, args.markdown ? b::TableStyle::kMarkdown : b::TableStyle::kText);
  std::cout << table.misses() << " of " << table.rows().size()
            << " rows missed their target. Ratio > 1: sluice better (baseline time / sluice "
               "time, sluice MB/s / baseline MB/s); latency rows: latency / item cost; memory "
               "rows: peak / bound; the row of (c) against (a): (c)'s speed-up.\n";
  return 0;
}
