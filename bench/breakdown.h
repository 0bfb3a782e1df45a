// `sluice_bench replay-breakdown CONFIG FILE`: the per-line CPU of each phase of a YAML
// pipeline run in one thread without queues, next to the hand-written loop (see
// breakdown.cc). Prints key=value lines on stderr.
#pragma once

#include <string>

namespace sluice::bench {

int ReplayBreakdownMain(const std::string& config, const std::string& input);

}  // namespace sluice::bench
