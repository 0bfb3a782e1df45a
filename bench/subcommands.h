// sluice_bench's child modes: the scenarios re-run this binary as a separate process for
// each thing that is timed or measured whole (a process per run, as `sluice run` is).
//
//   sluice_bench hand-simdjson FILE           # baseline (a): rows on stdout, totals on stderr
//   sluice_bench hand-tbb FILE THREADS        # baseline (b)
//   sluice_bench hand-split FILE THREADS      # (c): (a) on each part of the file at once
//   sluice_bench mem-child CONFIG FILE RATE   # scenario 5: the YAML pipeline with a throttle
//   sluice_bench profile-overhead WORKERS N [push|source [BATCH]]  # scenario 1's run alone
//   sluice_bench replay-breakdown CONFIG FILE # per-phase CPU per line, one thread, no queues
//
// Totals and measurements go to stderr as `key=value` lines (see ParseKeyValues).
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace sluice::bench {

bool IsSubcommand(std::string_view name);
/// argv[0] is the subcommand's name.
int SubcommandMain(int argc, char** argv);

/// The `key=value` lines of `text` (other lines ignored).
std::map<std::string, std::string> ParseKeyValues(const std::string& text);

}  // namespace sluice::bench
