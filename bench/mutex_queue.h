// The textbook baseline: a bounded queue of single items behind one mutex and two
// condition variables, closed when its last producer is done. What a fan-out/fan-in
// pipeline looks like when every item is handed over on its own.
//
//   sluice::bench::MutexQueue<Item> queue(/*capacity=*/1024, /*producers=*/2);
//   producer: queue.Push(std::move(item)); ... queue.ProducerDone();
//   consumer: Item item; while (queue.Pop(item)) Handle(item);
#pragma once

#include <condition_variable>
#include <cstddef>
#include <mutex>
#include <vector>

namespace sluice::bench {

template <class T>
class MutexQueue {
 public:
  MutexQueue(size_t capacity, int producers) : slots_(capacity), producers_(producers) {}

  void Push(T value) {
    std::unique_lock lock(mutex_);
    not_full_.wait(lock, [&] { return size_ < slots_.size(); });
    slots_[(head_ + size_) % slots_.size()] = std::move(value);
    ++size_;
    lock.unlock();
    not_empty_.notify_one();
  }

  bool Pop(T& out) {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [&] { return size_ != 0 || closed_; });
    if (size_ == 0) return false;
    out = std::move(slots_[head_]);
    head_ = (head_ + 1) % slots_.size();
    --size_;
    lock.unlock();
    not_full_.notify_one();
    return true;
  }

  void ProducerDone() {
    std::lock_guard lock(mutex_);
    if (--producers_ == 0) {
      closed_ = true;
      not_empty_.notify_all();
    }
  }

 private:
  std::mutex mutex_;
  std::condition_variable not_empty_;
  std::condition_variable not_full_;
  std::vector<T> slots_;  // a ring: no allocation per item, so only the hand-off is measured
  size_t head_ = 0;       // the oldest item
  size_t size_ = 0;
  int producers_;
  bool closed_ = false;
};

}  // namespace sluice::bench
