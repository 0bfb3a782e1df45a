// libFuzzer target: parse_csv on arbitrary lines, line 1 included (the header row).
//
// Input: one option byte, then text whose '\n'-separated lines go through one worker.
//   bit 0     header: true / false (forced true without columns)
//   bit 1     columns: none (names from the header row) / [ts, user, event, bytes]
//   bits 2-3  delimiter: ',' '\t' ';' '|'
//   bit 4     quote: '"' / none
//   bit 5     types: infer / string
//   bit 6     projection: every field / {user, bytes}
#include <cstddef>
#include <cstdint>

#include "fuzz_support.h"
#include "stages/parse_csv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static constexpr char kDelimiters[] = {',', '\t', ';', '|'};
  sluice::fuzz::Input input(data, size);
  const uint8_t flags = input.TakeByte();
  sluice::ParseCsvOptions options;
  const bool with_columns = (flags & 2) != 0;
  if (with_columns) options.columns = {"ts", "user", "event", "bytes"};
  options.header = !with_columns || (flags & 1) != 0;
  options.delimiter = kDelimiters[(flags >> 2) & 3];
  options.quote = (flags & 16) != 0 ? '\0' : '"';
  options.types = (flags & 32) != 0 ? sluice::ValueTyping::kString : sluice::ValueTyping::kInfer;
  if (!sluice::ValidateCsvOptions(options).empty()) {
    sluice::fuzz::Violated("the harness built invalid options",
                           sluice::ValidateCsvOptions(options));
  }
  sluice::ParseCsvStage stage(options);
  stage.Project(sluice::fuzz::NeedsFrom((flags & 64) == 0, {"user", "bytes"}));
  sluice::fuzz::RunLines(stage, input.rest());
  return 0;
}
