// Misuse an embedder can fall into, met with a clear error instead of a hang or corrupted
// memory: calls from the pipeline's own threads, pushes from two threads at once, and a
// line too long for a batch.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "framework/pipeline.h"

namespace sluice {
namespace {

using namespace std::chrono_literals;
using testing::HasSubstr;
using testing::ThrowsMessage;

// Passes every item but lines "fail..."; the item of line "hang" waits until `release` is
// set. With a `pipeline`, each worker pushes into it (which it must not).
class Probe : public Stage {
 public:
  explicit Probe(std::atomic<bool>* release = nullptr, Pipeline* pipeline = nullptr)
      : release_(release), pipeline_(pipeline) {}
  std::unique_ptr<StageWorker> MakeWorker() override {
    struct Worker : StageWorker {
      std::atomic<bool>* release;
      Pipeline* pipeline;
      Verdict Process(Item& item) override {
        while (item.raw == "hang" && !release->load()) std::this_thread::sleep_for(1ms);
        if (pipeline != nullptr) pipeline->Push("from a worker");
        if (item.raw.starts_with("fail")) return item.Fail(ErrorCode::kInvalidInput, "failed");
        return Verdict::kPass;
      }
    };
    auto worker = std::make_unique<Worker>();
    worker->release = release_;
    worker->pipeline = pipeline_;
    return worker;
  }

 private:
  std::atomic<bool>* release_;
  Pipeline* pipeline_;
};

TEST(PipelineMisuseTest, FinishFromACallbackThrowsInsteadOfWaitingForItsOwnThread) {
  Pipeline pipeline;
  pipeline.Add({.name = "probe"}, std::make_unique<Probe>());
  int calls = 0;
  pipeline.OnResult([&](const Record&) {
    ++calls;
    pipeline.Finish();  // would join the thread it runs on
  });
  pipeline.Start();
  pipeline.Push("a");
  pipeline.Push("b");
  // The callback's exception stops the callbacks, and Finish rethrows it.
  EXPECT_THAT([&] { pipeline.Finish(); },
              ThrowsMessage<std::logic_error>(
                  HasSubstr("Pipeline::Finish from a callback or stage of the same pipeline")));
  EXPECT_EQ(calls, 1);
}

TEST(PipelineMisuseTest, FlushAndSetSourceNameFromACallbackThrow) {
  for (const bool flush : {true, false}) {
    Pipeline pipeline;
    pipeline.Add({.name = "probe"}, std::make_unique<Probe>());
    std::string message;
    pipeline.OnResult([&](const Record&) {
      try {
        flush ? pipeline.Flush() : pipeline.SetSourceName("other");
      } catch (const std::logic_error& e) {
        message = e.what();
      }
    });
    pipeline.Start();
    pipeline.Push("a");
    EXPECT_EQ(pipeline.Finish().totals.ok, 1u);
    EXPECT_THAT(message, HasSubstr(std::string("Pipeline::") + (flush ? "Flush" : "SetSourceName") +
                                   " from a callback or stage of the same pipeline"));
  }
}

TEST(PipelineMisuseTest, PushFromAStageWorkerFailsThatItem) {
  Pipeline pipeline;
  std::atomic<bool> release{true};
  pipeline.Add({.name = "probe"}, std::make_unique<Probe>(&release, &pipeline));
  std::vector<std::string> messages;
  pipeline.OnError([&](const Error& e) { messages.push_back(e.message); });
  pipeline.Start();
  pipeline.Push("a");
  const RunReport report = pipeline.Finish();
  EXPECT_EQ(report.totals.read, 1u);
  EXPECT_EQ(report.totals.errors, 1u);
  ASSERT_EQ(messages.size(), 1u);
  EXPECT_THAT(messages[0], HasSubstr("Pipeline::Push from a callback or stage"));
}

// The state of thread `tid` in /proc ('S': asleep, here waiting for room in the queue).
char ThreadState(pid_t tid) {
  std::ifstream stat("/proc/self/task/" + std::to_string(tid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const size_t name_end = text.rfind(')');  // the name may hold spaces
  return name_end == std::string::npos || name_end + 2 >= text.size() ? '?' : text[name_end + 2];
}

TEST(PipelineMisuseTest, APushWhileAnotherThreadIsInPushIsRefused) {
  // One batch in the queue and one record held by the worker: the third Push waits.
  Pipeline pipeline({.queue = {.capacity = 1, .batch = 1, .batch_time = 0us}});
  std::atomic<bool> release{false};
  pipeline.Add({.name = "probe"}, std::make_unique<Probe>(&release));
  pipeline.Start();
  std::atomic<pid_t> pusher_tid{0};
  std::thread pusher([&] {
    pipeline.Push("hang");
    pipeline.Push("queued");
    pusher_tid = gettid();
    pipeline.Push("waits for room");
  });
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while ((pusher_tid == 0 || ThreadState(pusher_tid) != 'S') &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(1ms);
  }
  ASSERT_EQ(ThreadState(pusher_tid), 'S') << "the third Push never waited";
  EXPECT_THAT([&] { pipeline.Push("second thread"); },
              ThrowsMessage<std::logic_error>(HasSubstr(
                  "Pipeline::Push while another thread is in Push, Flush or SetSourceName")));
  EXPECT_THAT([&] { pipeline.Flush(); }, ThrowsMessage<std::logic_error>(HasSubstr("Flush while")));
  EXPECT_THAT([&] { pipeline.Finish(); },
              ThrowsMessage<std::logic_error>(HasSubstr("Finish while another thread")));
  release = true;
  pusher.join();
  const RunReport report = pipeline.Finish();
  EXPECT_EQ(report.totals.read, 3u);
  EXPECT_EQ(report.totals.ok, 3u);
}

TEST(PipelineMisuseTest, ALineTooLongForABatchThrowsAndIsNotCounted) {
  // Pages that read as zeros and take no memory until written: the line is never copied.
  const size_t length = Batch::kMaxTextBytes + 1;
  void* pages =
      mmap(nullptr, length, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (pages == MAP_FAILED) GTEST_SKIP() << "no 4 GiB of address space (overcommit off?)";
  const std::string_view huge(static_cast<const char*>(pages), length);

  Pipeline pipeline;
  pipeline.Add({.name = "probe"}, std::make_unique<Probe>());
  std::vector<Error> errors;
  pipeline.OnError([&](const Error& e) { errors.push_back(e); });
  pipeline.Start();
  pipeline.Push("before");
  EXPECT_THAT([&] { pipeline.Push(huge); },
              ThrowsMessage<std::length_error>(HasSubstr("over 4 GiB")));
  pipeline.Push("fail after");
  const RunReport report = pipeline.Finish();
  munmap(pages, length);
  EXPECT_EQ(report.totals.read, 2u);
  EXPECT_EQ(report.bytes_read, std::string("before\nfail after\n").size());
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].line, 2u);  // the long line took no number
  EXPECT_EQ(errors[0].offset, std::string("before\n").size());
}

}  // namespace
}  // namespace sluice
