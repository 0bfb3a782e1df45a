// libFuzzer target: parse_regex, both its pattern translator and its matching.
//
// Input: one option byte, then:
//   bit 7 = 1: the first line is a PATTERN: it goes through TranslatePattern and Create
//     (compiling it with std::regex), which must fail cleanly or give named groups that
//     are unique and numbered in range. Nothing is matched with it: a hostile pattern can
//     backtrack for ever, and patterns come from the config's author, not the input.
//   bit 7 = 0: the rest is lines matched, through one worker, by a fixed pattern:
//     bits 0-1  pattern: access log / key=value with optional groups / back-reference /
//               alternation with (?P<name>) groups
//     bit 2     search: false / true
//     bit 3     types: infer / string
//     bit 4     projection: every group / {user, status}
#include <cstddef>
#include <cstdint>
#include <set>
#include <string>

#include "fuzz_support.h"
#include "stages/parse_regex.h"

namespace {

constexpr const char* kPatterns[] = {
    (R"re((?<ip>\S+) \S+ (?<user>\S+) \[(?<ts>[^\]]+)\] )re"  // one pattern in two parts
     R"re("(?<request>[^"]*)" (?<status>\d+) (?<bytes>\d+|-))re"),
    R"re(user=(?<user>\w+)( event=(?<event>[a-z]+))?( ms=(?<ms>-?\d+(\.\d+)?))?)re",
    R"re((?<user>\w+):(?<tag>\w+):\k<tag>(?<status>\d*))re",
    R"re((?:(?P<user>[a-z]+)@(?P<host>[a-z.]+)|id(?P<status>\d{1,6}))(?P=user)?)re",
};

void CheckPattern(std::string_view pattern) {
  sluice::Result<sluice::TranslatedPattern> translated = sluice::TranslatePattern(pattern);
  if (!translated.ok()) {
    if (translated.error().message.empty()) sluice::fuzz::Violated("no reason", pattern);
    return;
  }
  const sluice::TranslatedPattern& t = *translated;
  if (t.names.empty() || t.names.size() != t.group_numbers.size()) {
    sluice::fuzz::Violated("translated names and group numbers disagree", pattern);
  }
  if (std::set<std::string>(t.names.begin(), t.names.end()).size() != t.names.size()) {
    sluice::fuzz::Violated("duplicate group names accepted", pattern);
  }
  auto stage = sluice::ParseRegexStage::Create({.pattern = std::string(pattern)});
  if (!stage.ok() && stage.error().message.empty()) sluice::fuzz::Violated("no reason", pattern);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  sluice::fuzz::Input input(data, size);
  const uint8_t flags = input.TakeByte();
  if ((flags & 128) != 0) {
    const std::string_view pattern = input.TakeLine();
    if (pattern.size() <= 256) CheckPattern(pattern);  // longer ones only slow the search
    return 0;
  }
  sluice::ParseRegexStage stage(
      {.pattern = kPatterns[flags & 3],
       .search = (flags & 4) != 0,
       .types = (flags & 8) != 0 ? sluice::ValueTyping::kString : sluice::ValueTyping::kInfer});
  stage.Project(sluice::fuzz::NeedsFrom((flags & 16) == 0, {"user", "status"}));
  sluice::fuzz::RunLines(stage, input.rest());
  return 0;
}
