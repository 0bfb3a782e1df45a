#include "pipelines/cli/periodic_flush.h"

#include <utility>

namespace sluice::cli {

PeriodicFlush::PeriodicFlush(std::chrono::milliseconds period, std::function<void()> flush)
    : period_(period), flush_(std::move(flush)), thread_([this] { Loop(); }) {}

PeriodicFlush::~PeriodicFlush() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_one();
  thread_.join();
}

void PeriodicFlush::Loop() {
  std::unique_lock lock(mutex_);
  while (!wake_.wait_for(lock, period_, [this] { return stop_; })) {
    lock.unlock();
    flush_();
    lock.lock();
  }
}

}  // namespace sluice::cli
