// libFuzzer target: parse_kv on arbitrary lines.
//
// Input: one option byte, then text whose '\n'-separated lines go through one worker.
//   bit 0     as: fields / key_value
//   bits 1-2  separators: [":", "="], ["="], [":"], ["=>", ":"]
//   bit 3     pair_delimiter: blanks / ","
//   bit 4     types: infer / string
//   bit 5     projection (fields layout): every field / {user, event}
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "stages/parse_kv.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::vector<std::string> kSeparators[] = {{":", "="}, {"="}, {":"}, {"=>", ":"}};
  sluice::fuzz::Input input(data, size);
  const uint8_t flags = input.TakeByte();
  sluice::ParseKvOptions options;
  options.layout = (flags & 1) != 0 ? sluice::KvLayout::kKeyValue : sluice::KvLayout::kFields;
  options.separators = kSeparators[(flags >> 1) & 3];
  options.pair_delimiter = (flags & 8) != 0 ? "," : "";
  options.types = (flags & 16) != 0 ? sluice::ValueTyping::kString : sluice::ValueTyping::kInfer;
  if (!sluice::ValidateKvOptions(options).empty()) {
    sluice::fuzz::Violated("the harness built invalid options", sluice::ValidateKvOptions(options));
  }
  sluice::ParseKvStage stage(options);
  stage.Project(sluice::fuzz::NeedsFrom((flags & 32) == 0, {"user", "event", "key", "value"}));
  sluice::fuzz::RunLines(stage, input.rest());
  return 0;
}
