// A test stage whose records are slow: each worker sleeps `per_item` on every record, then
// passes it.
//
//   pipeline.Add({.name = "slow"}, std::make_unique<SlowStage>(std::chrono::milliseconds(10)));
#pragma once

#include <chrono>
#include <memory>
#include <thread>

#include "framework/stage.h"

namespace sluice::testing_stages {

class SlowStage : public Stage {
 public:
  explicit SlowStage(std::chrono::microseconds per_item) : per_item_(per_item) {}
  std::unique_ptr<StageWorker> MakeWorker() override {
    struct Worker : StageWorker {
      std::chrono::microseconds per_item;
      Verdict Process(Item&) override {
        std::this_thread::sleep_for(per_item);
        return Verdict::kPass;
      }
    };
    auto worker = std::make_unique<Worker>();
    worker->per_item = per_item_;
    return worker;
  }

 private:
  std::chrono::microseconds per_item_;
};

}  // namespace sluice::testing_stages
