// libFuzzer target: parse_json on arbitrary lines.
//
// Input: one option byte, then text whose '\n'-separated lines go through one worker.
//   bit 0     0: every field (no projection); 1: project to {ts, user, event, a}
//   bits 1-2  max_depth: 1024, 64, 8 or 2
// The lines themselves are any bytes: invalid UTF-8, NULs, deep nesting, huge numbers.
#include <cstddef>
#include <cstdint>

#include "fuzz_support.h"
#include "stages/parse_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static constexpr int kDepths[] = {1024, 64, 8, 2};
  sluice::fuzz::Input input(data, size);
  const uint8_t flags = input.TakeByte();
  sluice::ParseJsonStage stage({.max_depth = kDepths[(flags >> 1) & 3]});
  stage.Project(sluice::fuzz::NeedsFrom((flags & 1) == 0, {"ts", "user", "event", "a"}));
  sluice::fuzz::RunLines(stage, input.rest());
  return 0;
}
