#include "framework/bounded_queue.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <numeric>
#include <thread>
#include <vector>

namespace sluice {
namespace {

using namespace std::chrono_literals;

TEST(BoundedQueueTest, PopsWhatWasPushedThenReportsClosed) {
  BoundedQueue<int> queue(4, 1);
  queue.Push(1);
  queue.Push(2);
  queue.ProducerDone();
  int v = 0;
  ASSERT_TRUE(queue.Pop(v));
  int w = 0;
  ASSERT_TRUE(queue.Pop(w));
  EXPECT_EQ(v + w, 3);
  EXPECT_FALSE(queue.Pop(v));
  EXPECT_FALSE(queue.Pop(v));  // stays closed
}

TEST(BoundedQueueTest, ProducerBlocksWhenFullUntilAConsumerTakesOne) {
  BoundedQueue<int> queue(2, 1);
  queue.Push(1);
  queue.Push(2);
  std::atomic<bool> third_pushed{false};
  std::thread producer([&] {
    queue.Push(3);
    third_pushed = true;
  });
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(third_pushed.load()) << "a full queue must block its producer";
  EXPECT_EQ(queue.depth(), 2);
  int v = 0;
  ASSERT_TRUE(queue.Pop(v));
  producer.join();
  EXPECT_TRUE(third_pushed.load());
  EXPECT_EQ(queue.peak_depth(), 2);
}

// Woken for every slot freed, a fast producer would take a core from its consumers once per
// item; it waits for half the queue instead.
TEST(BoundedQueueTest, ProducerThatFoundItFullWaitsUntilHalfIsFree) {
  BoundedQueue<int> queue(8, 1);
  for (int i = 0; i < 8; ++i) queue.Push(i);
  std::atomic<bool> ninth_pushed{false};
  std::thread producer([&] {
    queue.Push(8);
    ninth_pushed = true;
  });
  std::this_thread::sleep_for(30ms);  // the producer finds the queue full
  int v = 0;
  for (int taken = 1; taken <= 3; ++taken) {
    ASSERT_TRUE(queue.Pop(v));
    std::this_thread::sleep_for(30ms);
    EXPECT_FALSE(ninth_pushed.load()) << "woken with " << queue.depth() << " of 8 queued";
  }
  ASSERT_TRUE(queue.Pop(v));  // 4 of 8: half free
  producer.join();
  EXPECT_TRUE(ninth_pushed.load());
  EXPECT_EQ(queue.depth(), 5);
}

TEST(BoundedQueueTest, AllProducersWaitingForHalfWakeAndStayBounded) {
  BoundedQueue<int> queue(4, 3);
  for (int i = 0; i < 4; ++i) queue.Push(i);
  std::atomic<int> pushed{0};
  std::vector<std::thread> producers;
  for (int p = 0; p < 2; ++p) {
    producers.emplace_back([&] {
      queue.Push(9);
      ++pushed;
    });
  }
  std::this_thread::sleep_for(30ms);
  int v = 0;
  ASSERT_TRUE(queue.Pop(v));
  ASSERT_TRUE(queue.Pop(v));  // 2 of 4: both wake, and both fit
  for (auto& t : producers) t.join();
  EXPECT_EQ(pushed.load(), 2);
  EXPECT_EQ(queue.depth(), 4);
  EXPECT_EQ(queue.peak_depth(), 4);
}

TEST(BoundedQueueTest, AbandonReleasesAProducerWaitingForHalf) {
  BoundedQueue<int> queue(4, 1);
  for (int i = 0; i < 4; ++i) queue.Push(i);
  std::atomic<int> result{-1};
  std::thread producer([&] { result = queue.Push(4) ? 1 : 0; });
  std::this_thread::sleep_for(30ms);
  EXPECT_EQ(result.load(), -1);
  queue.Abandon();
  producer.join();
  EXPECT_EQ(result.load(), 0) << "an abandoned queue drops the item";
}

TEST(BoundedQueueTest, TryPopTakesWhatIsReadyAndNeverBlocks) {
  BoundedQueue<int> queue(2, 1);
  int v = 0;
  EXPECT_FALSE(queue.TryPop(v));
  queue.Push(7);
  ASSERT_TRUE(queue.TryPop(v));
  EXPECT_EQ(v, 7);
  EXPECT_FALSE(queue.TryPop(v));
  queue.Push(8);
  queue.Push(9);
  ASSERT_TRUE(queue.TryPop(v));  // frees a slot: a third push does not block
  queue.Push(10);
  EXPECT_EQ(queue.depth(), 2);
  queue.Abandon();
  EXPECT_FALSE(queue.TryPop(v));
}

TEST(BoundedQueueTest, ConsumersBlockUntilCloseThenAllWake) {
  BoundedQueue<int> queue(8, 2);
  std::atomic<int> finished{0};
  std::vector<std::thread> consumers;
  for (int i = 0; i < 4; ++i) {
    consumers.emplace_back([&] {
      int v = 0;
      while (queue.Pop(v)) {
      }
      ++finished;
    });
  }
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(finished.load(), 0);
  queue.ProducerDone();
  std::this_thread::sleep_for(20ms);
  EXPECT_EQ(finished.load(), 0) << "one producer is still open";
  queue.ProducerDone();
  for (auto& t : consumers) t.join();
  EXPECT_EQ(finished.load(), 4);
}

TEST(BoundedQueueTest, ManyProducersAndConsumersLoseNothingAndStayBounded) {
  constexpr int kProducers = 4, kConsumers = 3, kPerProducer = 20000, kCapacity = 7;
  BoundedQueue<int64_t> queue(kCapacity, kProducers);
  std::atomic<int64_t> sum{0}, count{0};
  std::vector<std::thread> threads;
  for (int p = 0; p < kProducers; ++p) {
    threads.emplace_back([&, p] {
      for (int i = 0; i < kPerProducer; ++i) queue.Push(int64_t{p} * kPerProducer + i);
      queue.ProducerDone();
    });
  }
  for (int c = 0; c < kConsumers; ++c) {
    threads.emplace_back([&] {
      int64_t v = 0;
      while (queue.Pop(v)) {
        sum += v;
        ++count;
      }
    });
  }
  for (auto& t : threads) t.join();
  const int64_t n = int64_t{kProducers} * kPerProducer;
  EXPECT_EQ(count.load(), n);
  EXPECT_EQ(sum.load(), n * (n - 1) / 2);
  EXPECT_LE(queue.peak_depth(), kCapacity);
  EXPECT_EQ(queue.depth(), 0);
}

TEST(BoundedQueueTest, CapacityOneStillFlows) {
  BoundedQueue<int> queue(1, 1);
  std::thread producer([&] {
    for (int i = 0; i < 1000; ++i) queue.Push(i);
    queue.ProducerDone();
  });
  int v = 0, expected = 0;
  while (queue.Pop(v)) EXPECT_EQ(v, expected++);  // one producer keeps FIFO
  producer.join();
  EXPECT_EQ(expected, 1000);
  EXPECT_EQ(queue.peak_depth(), 1);
}

}  // namespace
}  // namespace sluice
