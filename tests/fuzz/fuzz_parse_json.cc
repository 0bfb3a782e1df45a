// libFuzzer target: parse_json on arbitrary lines.
//
// Input: one option byte, then text whose '\n'-separated lines go through one worker.
//   bit 0     0: every field (no projection); 1: project to {ts, user, event, a}
//   bits 1-2  max_depth: 1024, 64, 8 or 2
// The lines themselves are any bytes: invalid UTF-8, NULs, deep nesting, huge numbers.
// Each line goes through a worker with the flat reader and one without (simdjson alone),
// which must agree on the verdict, the record and the error message.
#include <cstddef>
#include <cstdint>
#include <memory>

#include "fuzz_support.h"
#include "stages/parse_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static constexpr int kDepths[] = {1024, 64, 8, 2};
  sluice::fuzz::Input input(data, size);
  const uint8_t flags = input.TakeByte();
  const int max_depth = kDepths[(flags >> 1) & 3];
  const sluice::FieldNeeds needs =
      sluice::fuzz::NeedsFrom((flags & 1) == 0, {"ts", "user", "event", "a"});
  sluice::ParseJsonStage flat({.max_depth = max_depth});
  sluice::ParseJsonStage simdjson_only({.max_depth = max_depth, .flat_reader = false});
  flat.Project(needs);
  simdjson_only.Project(needs);
  std::unique_ptr<sluice::StageWorker> flat_worker = flat.MakeWorker();
  std::unique_ptr<sluice::StageWorker> simdjson_worker = simdjson_only.MakeWorker();
  sluice::Batch a = sluice::fuzz::LinesBatch(input.rest());
  sluice::Batch b = sluice::fuzz::LinesBatch(input.rest());
  for (size_t i = 0; i < a.items.size(); ++i) {
    sluice::Item& x = a.items[i];
    sluice::Item& y = b.items[i];
    const sluice::Verdict verdict = flat_worker->Process(x);
    sluice::fuzz::CheckItem(x, verdict);
    if (verdict != simdjson_worker->Process(y)) {
      sluice::fuzz::Violated("the flat reader and simdjson disagree on the verdict", x.raw);
    }
    if (x.record != y.record) {
      sluice::fuzz::Violated("the flat reader and simdjson made different records", x.raw);
    }
    if ((x.error == nullptr) != (y.error == nullptr) ||
        (x.error != nullptr && x.error->message != y.error->message)) {
      sluice::fuzz::Violated("the flat reader and simdjson give different errors", x.raw);
    }
  }
  return 0;
}
