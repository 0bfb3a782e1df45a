#include "bench/throttle_stage.h"

#include <chrono>
#include <thread>

#include "bench/harness.h"

namespace sluice::bench {
namespace {

// Records let through between two looks at the clock.
constexpr uint64_t kStride = 64;

class ThrottleWorker final : public StageWorker {
 public:
  ThrottleWorker(double rate, std::shared_ptr<ThrottleStage::Pace> pace)
      : rate_(rate), pace_(std::move(pace)) {}

  Verdict Process(Item&) override {
    if (rate_ <= 0 || ++since_check_ < kStride) return Verdict::kPass;
    since_check_ = 0;
    int64_t started = pace_->started_nanos.load(std::memory_order_relaxed);
    if (started == 0) {
      const int64_t now = NowNanos();
      pace_->started_nanos.compare_exchange_strong(started, now);
      if (started == 0) started = now;
    }
    const uint64_t passed = pace_->passed.fetch_add(kStride, std::memory_order_relaxed) + kStride;
    const auto due = std::chrono::nanoseconds(
        started + static_cast<int64_t>(1e9 * static_cast<double>(passed) / rate_));
    std::this_thread::sleep_until(std::chrono::steady_clock::time_point(due));
    return Verdict::kPass;
  }

 private:
  double rate_;
  std::shared_ptr<ThrottleStage::Pace> pace_;
  uint64_t since_check_ = 0;
};

}  // namespace

std::unique_ptr<StageWorker> ThrottleStage::MakeWorker() {
  return std::make_unique<ThrottleWorker>(rate_, pace_);
}

void RegisterThrottle(StageRegistry& registry) {
  registry.Register({
      .name = "throttle",
      .summary = "passes at most `rate` records per second (bench only)",
      .keys = {"rate"},
      .make = [](const ConfigNode& stage, ConfigErrors& errors) -> std::unique_ptr<Stage> {
        double rate = 0;
        if (const ConfigNode* node = stage.Get("rate")) {
          const std::optional<double> value = node->AsNumber(errors);
          if (!value) return nullptr;
          rate = *value;
        }
        return std::make_unique<ThrottleStage>(rate);
      },
  });
}

}  // namespace sluice::bench
