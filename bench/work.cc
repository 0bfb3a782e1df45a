#include "bench/work.h"

#include <algorithm>

#include "bench/harness.h"
#include "framework/field_names.h"
#include "framework/record.h"

namespace sluice::bench {
namespace {

class NoopWorker final : public StageWorker {
 public:
  Verdict Process(Item& item) override {
    KeepAlive(&item);
    return Verdict::kPass;
  }
};

class SpinWorker final : public StageWorker {
 public:
  SpinWorker(SpinCost cost, FieldId index_field) : cost_(cost), index_field_(index_field) {}

  Verdict Process(Item& item) override {
    int64_t index = 0;
    if (cost_.per_item != nullptr) {
      const Value* value = item.record.Find(index_field_);
      const int64_t* as_int = value ? std::get_if<int64_t>(value) : nullptr;
      if (as_int == nullptr) return item.Fail(ErrorCode::kMissingField, "no int field 'i'");
      index = *as_int;
    }
    SpinAfterPrevious(SpinIterations(cost_, index));
    return Verdict::kPass;
  }

 private:
  SpinCost cost_;
  FieldId index_field_;
};

}  // namespace

uint64_t Spin(uint64_t iterations, uint64_t seed) {
  uint64_t x = seed | 1;
  for (uint64_t i = 0; i < iterations; ++i) {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    asm volatile("" : "+r"(x));  // one dependent round per iteration, never vectorized
  }
  return x;
}

double SpinIterationsPerMicro() {
  static const double per_micro = [] {
    constexpr uint64_t kIterations = 5'000'000;
    double best = 1e9;
    for (int run = 0; run < 7; ++run) {
      best = std::min(best, TimeSeconds([] { KeepAlive(Spin(kIterations, 7)); }));
    }
    return static_cast<double>(kIterations) / (best * 1e6);
  }();
  return per_micro;
}

SourceStatus RecordSource::Read(Batch& batch, size_t max_items) {
  const size_t room = max_items - std::min(max_items, batch.size());
  const size_t end = next_ + std::min(items_ - next_, room);
  for (; next_ < end; ++next_) {
    Record record;
    if (indexed_) record.Append(IndexField(), static_cast<int64_t>(next_));
    batch.AddRecord(std::move(record));
  }
  return next_ < items_ ? SourceStatus::kMore : SourceStatus::kEnd;
}

std::unique_ptr<StageWorker> NoopStage::MakeWorker() { return std::make_unique<NoopWorker>(); }

std::unique_ptr<StageWorker> SpinStage::MakeWorker() {
  return std::make_unique<SpinWorker>(cost_, IndexField());
}

FieldNeeds SpinStage::Reads() const {
  return cost_.per_item ? FieldNeeds::Only({"i"}) : FieldNeeds::None();
}

FieldId IndexField() {
  static const FieldId id = FieldNames::Intern("i");
  return id;
}

}  // namespace sluice::bench
