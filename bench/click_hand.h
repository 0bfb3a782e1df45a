// The hand-written replay baselines of scenario 4: what a programmer would write instead of
// a sluice pipeline for configs/clickstream.yaml (parse_json -> validate -> aggregate by
// event), with the same checks and the same accumulators, so that the rows must come out
// identical.
//
//   sluice::bench::ClickTotals totals = sluice::bench::RunHandSimdjson("clicks.jsonl");
//   sluice::bench::ClickTotals totals = sluice::bench::RunHandTbb("clicks.jsonl", /*threads=*/2);
//   sluice::bench::ClickTotals totals = sluice::bench::RunHandSplit("clicks.jsonl", /*threads=*/2);
//   std::cout << totals.rows_jsonl;   // one JSON object per event, sorted by event
//
// Checks per line, in sluice's order: blank line, NUL byte, JSON (simdjson on-demand, in
// place; its stage 1 validates UTF-8), a top-level object with nothing after it; then the
// config's rules: ts int, user string, event string in {view, click, purchase, signup,
// logout, search}, latency_ms number (|x| < 1e18 for the mean), bytes int in 0..10000000.
// Duplicate keys: the last one wins, as in parse_json. Accumulators per event: count,
// sum of bytes, min/max/mean/p99 of latency_ms, distinct users, with sluice's own
// SumAccumulator, ExtremaAccumulator and QuantileSketch (the arithmetic is not what is
// compared; the pipeline around it is).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace sluice::bench {

struct ClickTotals {
  uint64_t read = 0;       // lines
  uint64_t ok = 0;         // aggregated
  uint64_t errors = 0;     // rejected by a check
  std::string rows_jsonl;  // the aggregate rows, one JSON object per line
};

/// One thread, one on-demand parser, the file read in 1 MiB blocks.
ClickTotals RunHandSimdjson(const std::string& path);

/// oneTBB parallel_pipeline: a serial reader cuts the file into 1024-line chunks, a
/// parallel filter runs the same per-line code into thread-local state, combined at the end.
ClickTotals RunHandTbb(const std::string& path, int threads);

/// The file cut into `threads` parts of about equal bytes, at line starts, each read by
/// (a)'s loop on a thread of its own, combined at the end: no pipeline, no hand-offs, so
/// what (a)'s per-line work makes on `threads` threads of this machine.
ClickTotals RunHandSplit(const std::string& path, int threads);

}  // namespace sluice::bench
