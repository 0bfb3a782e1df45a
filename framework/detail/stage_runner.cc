#include "framework/detail/stage_runner.h"

#include <exception>
#include <new>

namespace sluice::detail {
namespace {

Verdict ProcessGuarded(StageWorker& worker, Item& item) {
  try {
    return worker.Process(item);
  } catch (const std::bad_alloc&) {
    return item.Fail(ErrorCode::kResourceExhausted, "out of memory (std::bad_alloc)");
  } catch (const std::exception& e) {
    return item.Fail(ErrorCode::kStageFailure, std::string("stage threw: ") + e.what());
  } catch (...) {
    return item.Fail(ErrorCode::kStageFailure, "stage threw a non-standard exception");
  }
}

}  // namespace

void DecorateError(Item& item, const ErrorContext& context) {
  Error& error = *item.error;
  error.stage = *context.stage;
  error.source = *context.source;
  error.line = item.line;
  error.offset = item.offset;
  if (!item.raw.empty() || item.record.empty()) {
    error.excerpt.assign(item.raw.substr(0, Error::kMaxExcerptBytes));
  } else {
    error.excerpt = item.record.ToJson().substr(0, Error::kMaxExcerptBytes);
  }
}

void ProcessBatch(StageWorker& worker, Batch& batch, const ErrorContext& context,
                  StageCounters& counters) {
  uint64_t in = 0, out = 0, filtered = 0, errors = 0, absorbed = 0;
  size_t kept = 0;
  for (size_t i = 0; i < batch.items.size(); ++i) {
    Item& item = batch.items[i];
    bool keep = true;
    if (item.ok()) {
      ++in;
      Verdict verdict = ProcessGuarded(worker, item);
      if (!item.ok()) {
        verdict = Verdict::kError;  // a Fail() wins over whatever was returned
      } else if (verdict == Verdict::kError) {
        item.Fail(ErrorCode::kInternal, "stage returned an error verdict without an error");
      }
      switch (verdict) {
        case Verdict::kPass: ++out; break;
        case Verdict::kFilter:
          ++filtered;
          keep = false;
          break;
        case Verdict::kAbsorb:
          ++out;
          ++absorbed;
          keep = false;
          break;
        case Verdict::kError:
          ++errors;
          DecorateError(item, context);
          break;
      }
    }
    if (keep) {
      if (kept != i) batch.items[kept] = std::move(item);
      ++kept;
    }
  }
  batch.items.resize(kept);
  counters.in.fetch_add(in, std::memory_order_relaxed);
  counters.out.fetch_add(out, std::memory_order_relaxed);
  counters.filtered.fetch_add(filtered, std::memory_order_relaxed);
  counters.errors.fetch_add(errors, std::memory_order_relaxed);
  counters.absorbed.fetch_add(absorbed, std::memory_order_relaxed);
}

}  // namespace sluice::detail
