// Shared by scenarios 4-6: the generated logs, and one whole-process run of `sluice run`
// or of a hand-written baseline, with its totals and aggregate rows.
//
//   const std::string log = EnsureLog(setup, Scaled(2e6), /*bad_ratio=*/0);
//   ReplayResult sluice = RunSluiceReplay(setup, log, "clean");
//   ReplayResult hand = RunHandReplay(setup, log, HandKind::kSimdjson);
//   SameResults(sluice, hand);   // rows and read/ok/errors identical
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "bench/scenarios.h"

namespace sluice::bench {

/// The path of a clickstream log of `lines` lines with `bad_ratio` bad ones (seed 7),
/// generated under setup.data_dir the first time and reused afterwards.
std::string EnsureLog(const ReplaySetup& setup, size_t lines, double bad_ratio);

struct ReplayResult {
  double seconds = 0;      // wall time of the whole process
  double cpu_seconds = 0;  // its user + system time, all threads
  long max_rss_kib = 0;
  uint64_t read = 0, ok = 0, errors = 0;
  std::string rows;    // the aggregate rows, JSONL
  std::string detail;  // child's stderr key=values, for scenario 5
};

/// `sluice run configs/clickstream.yaml --input LOG --format jsonl --output ... --quiet
/// --report ...`, dead letters to the data dir. `tag` names the run's output files.
/// Throws when the process fails.
ReplayResult RunSluiceReplay(const ReplaySetup& setup, const std::string& log,
                             const std::string& tag);

/// (a) one thread, (b) oneTBB over 1024-line chunks, (c) the file split between the cores.
enum class HandKind { kSimdjson, kTbb, kSplit };
/// A hand-written baseline (click_hand.h), as a separate process of this binary.
ReplayResult RunHandReplay(const ReplaySetup& setup, const std::string& log, HandKind kind);

/// Each run's fastest result over `reps` rounds, every round calling each run once in
/// order (interleaved, so that a change in the machine's load hits all alike).
std::vector<ReplayResult> BestRunsInterleaved(
    int reps, const std::vector<std::function<ReplayResult()>>& runs);

/// Rows byte-identical and the same read/ok/errors.
bool SameResults(const ReplayResult& a, const ReplayResult& b);

/// MB/s (10^6 bytes) of `log` read in `seconds`.
double MegabytesPerSecond(const std::string& log, double seconds);

}  // namespace sluice::bench
