// BoundedQueue: a multi-producer multi-consumer queue with a hard capacity, blocking
// producers when full (backpressure) and consumers when empty, and channel-close
// semantics: it closes when its last producer says it is done, and consumers drain what
// is left before Pop returns false.
//
// moodycamel::ConcurrentQueue is lock-free but unbounded (its capacity is a minimum), so a
// semaphore of free slots bounds it; a second semaphore counts ready items. Blocked threads
// spin briefly, then park in the kernel (no long spinning: on 2 cores it steals the core
// of the thread that would make progress). A producer that finds the queue full parks
// until half of it is free, then fills it in one go: woken for every slot freed, a
// producer faster than its consumers would take a core from them once per item (twice
// the context switches of a whole pipeline). No FIFO order across producers.
//
//   sluice::BoundedQueue<Batch> queue(/*capacity=*/64, /*producers=*/2);
//   // producer threads:  queue.Push(std::move(batch)); ... queue.ProducerDone();
//   // consumer threads:  Batch b; while (queue.Pop(b)) Handle(b);
#pragma once

#include <concurrentqueue.h>
#include <lightweightsemaphore.h>  // after concurrentqueue.h: it needs its macros

#include <atomic>
#include <cstdint>
#include <thread>

namespace sluice {

template <class T>
class BoundedQueue {
 public:
  /// Spins before parking: about a microsecond, enough to catch a hand-off in progress.
  static constexpr int kSpinsBeforeParking = 512;

  BoundedQueue(size_t capacity, int producers)
      : queue_(capacity),
        free_slots_(static_cast<moodycamel::LightweightSemaphore::ssize_t>(capacity),
                    kSpinsBeforeParking),
        ready_(0, kSpinsBeforeParking),
        room_(0, kSpinsBeforeParking),
        producers_(producers),
        capacity_(capacity),
        low_water_(static_cast<int64_t>(capacity / 2)) {}

  /// Blocks while the queue is full (then until it is half empty). Must not be called after
  /// this producer's ProducerDone. Returns false, dropping `item`, once the queue is abandoned.
  bool Push(T item) {
    if (!free_slots_.tryWait()) {
      WaitForLowWater();
      free_slots_.wait();
    }
    if (abandoned_.load(std::memory_order_acquire)) {
      free_slots_.signal();  // keep other blocked producers moving out
      return false;
    }
    // Counted before it is visible, so that a consumer seeing "closed and 0" knows all is taken.
    const int64_t depth = depth_.fetch_add(1, std::memory_order_acq_rel) + 1;
    int64_t peak = peak_depth_.load(std::memory_order_relaxed);
    while (depth > peak && !peak_depth_.compare_exchange_weak(peak, depth)) {
    }
    queue_.enqueue(std::move(item));
    ready_.signal();
    return true;
  }

  /// Blocks until an item is ready (true) or the queue is closed and drained (false).
  bool Pop(T& out) {
    ready_.wait();
    return TakeReady(out);
  }

  /// Takes an item if one is ready now (true); never blocks.
  bool TryPop(T& out) { return ready_.tryWait() && TakeReady(out); }

  /// One producer is finished; the last one closes the queue.
  void ProducerDone() {
    if (producers_.fetch_sub(1, std::memory_order_acq_rel) == 1) Close();
  }

  /// Closes at once: consumers drain what is queued, then Pop returns false.
  void Close() {
    closed_.store(true, std::memory_order_release);
    ready_.signal();  // each consumer that wakes on it passes it on
  }

  /// Gives up on the queue (a stage stalled): blocked and later Push and Pop calls return
  /// false at once; what is queued is dropped with the queue.
  void Abandon() {
    abandoned_.store(true);  // sequentially consistent, as in WaitForLowWater
    free_slots_.signal();    // each woken producer passes the wake-up on
    room_.signal(waiting_for_room_.load());
    ready_.signal();
  }

  size_t capacity() const { return capacity_; }
  /// Items queued now (approximate while threads run).
  int64_t depth() const { return depth_.load(std::memory_order_relaxed); }
  /// The most items that were ever queued at once.
  int64_t peak_depth() const { return peak_depth_.load(std::memory_order_relaxed); }

 private:
  /// Parks a producer that found the queue full until the consumers have taken it down to
  /// low_water_ (TakeReady wakes it) or it is abandoned. Only a hint: free_slots_ still
  /// bounds the queue, so a stale wake-up costs a wait on it, never an item too many.
  void WaitForLowWater() {
    // Registered, then checked, while TakeReady and Abandon change depth_ and abandoned_,
    // then look for waiters: all sequentially consistent, so that one side sees the other.
    waiting_for_room_.fetch_add(1);
    if (depth_.load() > low_water_ && !abandoned_.load()) room_.wait();
    waiting_for_room_.fetch_sub(1);
  }

  /// After taking a ready token: the item (true), or false when abandoned or closed.
  bool TakeReady(T& out) {
    while (true) {
      if (abandoned_.load(std::memory_order_acquire)) {
        ready_.signal();
        return false;
      }
      if (queue_.try_dequeue(out)) {
        const int64_t depth = depth_.fetch_sub(1) - 1;
        free_slots_.signal();
        if (depth == low_water_) {
          if (const int waiting = waiting_for_room_.load(); waiting > 0) {
            room_.signal(waiting);
          }
        }
        return true;
      }
      if (closed_.load(std::memory_order_acquire) && depth_.load(std::memory_order_acquire) == 0) {
        ready_.signal();  // pass the wake-up on to the next consumer
        return false;
      }
      // A token without a visible item: an enqueue is finishing, or we took a close token
      // while items remain for others. Either resolves within a few instructions.
      std::this_thread::yield();
    }
  }

  moodycamel::ConcurrentQueue<T> queue_;
  moodycamel::LightweightSemaphore free_slots_;
  moodycamel::LightweightSemaphore ready_;
  moodycamel::LightweightSemaphore room_;  // wakes producers parked in WaitForLowWater
  std::atomic<int> waiting_for_room_{0};
  std::atomic<int> producers_;
  std::atomic<bool> closed_{false};
  std::atomic<bool> abandoned_{false};
  std::atomic<int64_t> depth_{0};
  std::atomic<int64_t> peak_depth_{0};
  size_t capacity_;
  int64_t low_water_;  // a full queue's producers park until it is down to this
};

}  // namespace sluice
