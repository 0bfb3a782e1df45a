// Internal: the state and the threads behind a Pipeline (framework/pipeline.h), which only
// forwards to it. Start builds the stage groups, queues and workers; Push and a Source feed
// the first queue; Finish drains, joins and reports.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "framework/bounded_queue.h"
#include "framework/detail/batch_pool.h"
#include "framework/detail/batch_sizer.h"
#include "framework/detail/collector.h"
#include "framework/detail/stage_groups.h"
#include "framework/detail/stage_runner.h"
#include "framework/detail/watchdog.h"
#include "framework/pipeline.h"

namespace sluice {
namespace detail {

struct StageSlot {
  StageOptions options;
  std::unique_ptr<Stage> stage;
  std::vector<std::unique_ptr<StageWorker>> workers;
  std::vector<Watchdog::Beat*> beats;          // one per worker
  std::unique_ptr<BoundedQueue<Batch>> input;  // null when the stage is fused with the one before
  StageCounters counters;
};

}  // namespace detail

class Pipeline::Impl {
 public:
  using Queue = BoundedQueue<Batch>;
  using SteadyClock = std::chrono::steady_clock;
  using StageGroup = detail::StageGroup;
  using StageSlot = detail::StageSlot;

  explicit Impl(PipelineOptions options) : options_(std::move(options)) {
    CheckQueueOptions(options_.queue);
  }

  // The callbacks, for OnResult and the like to set: before Start only.
  detail::CollectorCallbacks& CallbacksToSet(const char* call) {
    CheckNotStarted(call);
    return callbacks_;
  }
  static void CheckQueueOptions(const QueueOptions& queue);
  void Add(StageOptions options, std::unique_ptr<Stage> stage);

  void Start();
  void SetSourceName(std::string name);
  void Push(std::string_view line) {
    const InputCall call(*this, "Push");
    // Long lines: the pending batch goes on before its text would pass the limit.
    if (line.size() > Batch::kMaxTextBytes - pending_.text_bytes()) FlushPending();
    pending_.AddLine(line, pushed_lines_ + 1, pushed_offset_);  // throws for a line over it
    ++pushed_lines_;
    pushed_offset_ += line.size() + 1;  // as in a file: the line and its end
    pushed_bytes_ += line.size() + 1;
    if (pending_.size() >= pending_limit_) FlushPending();
  }
  void Push(Record&& record) {  // by reference: a record moved once less per push
    const InputCall call(*this, "Push");
    // Numbered, so that its errors say which record failed; lines count apart.
    pending_.AddRecord(std::move(record), ++pushed_records_);
    if (pending_.size() >= pending_limit_) FlushPending();
  }
  void Flush() {
    const InputCall call(*this, "Flush");
    FlushPending();
  }
  RunReport Finish();
  RunReport Run(Source& source);
  void RequestStop();
  void AbandonIfRunning();
  bool threads_left_running() const { return threads_left_running_; }
  Progress progress() const;

 private:
  PipelineOptions options_;
  detail::CollectorCallbacks callbacks_;
  // Shared with the batches that enter under it: a batch's errors name the input it came
  // from, also when SetSourceName changes the name while earlier batches are in flight.
  std::shared_ptr<const std::string> source_name_ = std::make_shared<const std::string>("push");
  std::atomic<bool> stop_requested_{false};
  std::atomic<bool> abandoned_{false};    // what is read from now on is dropped: read no more
  std::atomic<bool> runs_source_{false};  // Run was called (and passed its checks)
  // Push, Flush and SetSourceName are welcome: started in push mode, not finished, no stall.
  // One flag, as Push checks it for every record.
  std::atomic<bool> taking_input_{false};
  std::atomic<bool> in_input_call_{false};  // see InputCall
  std::atomic<uint64_t> read_{0};
  std::atomic<uint64_t> bytes_read_{0};
  std::atomic<uint64_t> total_bytes_{0};
  std::atomic<uint64_t> errors_live_{0};
  std::atomic<int64_t> started_at_nanos_{0};  // for progress(), read from other threads
  std::unique_ptr<detail::Collector> collector_;
  SteadyClock::time_point started_at_;

  void CheckNotStarted(const char* call) const {
    if (started_) throw std::logic_error(std::string("Pipeline::") + call + " after Start");
  }
  QueueOptions EdgeOptions(size_t stage_index) const {
    return stages_[stage_index]->options.queue.value_or(options_.queue);
  }
  // Push, Flush and SetSourceName while running: after a stall (the only abandon before
  // Finish) what is pushed would be dropped, so the call fails instead.
  void CheckTakingInput(const char* call) {
    if (!taking_input_.load(std::memory_order_relaxed)) [[unlikely]]
      RefuseInput(call);
  }
  [[noreturn]] void RefuseInput(const char* call);
  // Finish, Push and the like from a callback or stage of this pipeline would wait for the
  // very thread that calls them: they throw std::logic_error instead.
  void CheckNotOnOwnThread(const char* call) const {
    if (pipeline_of_this_thread_ == this) [[unlikely]]
      RefuseOwnThread(call);
  }
  [[noreturn]] static void RefuseOwnThread(const char* call);
  static inline thread_local const Impl* pipeline_of_this_thread_ = nullptr;  // SpawnThread
  // Push, Flush and SetSourceName, which share pending_: checks that this thread may feed
  // the pipeline, that it takes input, and that no other thread is in one of them. That
  // last check is a plain load and store, cheap enough for every Push: it catches most
  // overlapping calls (which would corrupt pending_), not every one.
  class InputCall {
   public:
    InputCall(Impl& impl, const char* call) : busy_(impl.in_input_call_) {
      impl.CheckNotOnOwnThread(call);
      impl.CheckTakingInput(call);
      if (busy_.load(std::memory_order_relaxed)) [[unlikely]]
        ThrowOverlap(call);
      busy_.store(true, std::memory_order_relaxed);
    }
    InputCall(const InputCall&) = delete;
    InputCall& operator=(const InputCall&) = delete;
    ~InputCall() { busy_.store(false, std::memory_order_relaxed); }

    [[noreturn]] static void ThrowOverlap(const char* call);

   private:
    std::atomic<bool>& busy_;
  };
  void CheckStageName(const std::string& name) const;
  void CheckStages(const char* call) const;
  void CheckFraming(const Source& source) const;  // Run's source against the first stage
  void ProjectFields();
  void FormGroups();
  void MakeWorkers();
  size_t MakeQueues();
  void SpawnWorkers();
  void RunWorker(const StageGroup& group, size_t worker_index, Queue* output);
  SteadyClock::time_point RunStage(StageSlot& slot, size_t worker_index, Batch& batch,
                                   detail::ItemsFrom items_from, SteadyClock::time_point began);
  void SpawnThread(std::function<void()> body);
  void OnStall(const std::string& stage, const std::string& message);
  void Enter(Batch batch);
  void Number(Batch& batch);
  void Prepare(Batch& batch);
  // Whether `group`'s workers read the source themselves (the first group, with 2 workers
  // or more), rather than take batches from a queue.
  bool ReadsSource(const StageGroup& group) const {
    return group.first == 0 && reading_.by_workers;
  }
  bool NextBatch(const StageGroup& group, Batch& batch);
  bool ReadOnWorker(Batch& batch);
  bool ReadBatch(Batch& batch);
  void EndReading();
  RunReport DrainAndReport();  // Finish's work, for Finish and Run
  void FlushPending();
  void CloseInputAndJoin();
  void Abandon();
  void JoinThreads();
  RunReport MakeReport() const;
  // The ReadError of reading_.failure, with the report of what was read.
  [[noreturn]] void ThrowReadError() const;
  void NoteFedName();  // input was pushed under source_name_
  std::string FedNames() const;

  std::vector<std::unique_ptr<StageSlot>> stages_;
  std::vector<StageGroup> groups_;
  std::unique_ptr<moodycamel::LightweightSemaphore> in_flight_;  // ordered mode only
  std::vector<std::thread> threads_;
  std::unique_ptr<detail::BatchPool> spare_batches_;
  std::unique_ptr<detail::BatchSizer> batch_sizer_;
  detail::Watchdog watchdog_;
  std::mutex threads_mutex_;  // guards the three below
  std::condition_variable thread_exited_;
  size_t threads_done_ = 0;
  std::optional<StallError> stall_;
  // The source Run reads, for RequestStop to interrupt, from when Run starts until it ends.
  class RunningSource {
   public:
    RunningSource(Impl& impl, Source& source) : impl_(impl) { Set(&source); }
    RunningSource(const RunningSource&) = delete;
    RunningSource& operator=(const RunningSource&) = delete;
    ~RunningSource() { Set(nullptr); }

   private:
    void Set(Source* source) {
      std::lock_guard lock(impl_.source_mutex_);
      impl_.running_source_ = source;
      // A stop asked for before Run: its one read must not wait for input either.
      if (source != nullptr && impl_.stop_requested_.load(std::memory_order_acquire)) {
        source->Interrupt();
      }
    }
    Impl& impl_;
  };
  std::mutex source_mutex_;  // guards running_source_ against RequestStop
  Source* running_source_ = nullptr;
  // The source Run reads (see Run).
  struct Reading {
    Source* source = nullptr;
    bool by_workers = false;     // the first group's workers read it, else Run's thread
    std::mutex turn;             // whose turn it is to read, when the workers do
    bool ended = false;          // guarded by `turn` as the ones below
    bool stopped_early = false;  // the last read left input (see ReadBatch)
    std::exception_ptr failure;  // what Read threw
  } reading_;
  Batch pending_;
  size_t pending_limit_ = QueueOptions{}.batch;  // records pending_ gets (batch_sizer_)
  uint64_t next_sequence_ = 0;
  std::vector<std::string> fed_names_;  // names pushed under before (NoteFedName), once each
  uint64_t pushed_lines_ = 0;           // pushed under the source name: Item::line of each
  uint64_t pushed_records_ = 0;         // likewise for records
  uint64_t pushed_bytes_ = 0;           // published to bytes_read_ per batch
  uint64_t pushed_offset_ = 0;          // of the next pushed line in its input (SetSourceName)
  bool threads_left_running_ = false;   // a stall: JoinThreads detached the threads it found
  bool started_ = false;                // Start was called (it may have thrown)
  bool running_ = false;   // Start got as far as starting threads: Finish has work to do
  bool finished_ = false;  // Finish ran, or the run was abandoned
};

}  // namespace sluice
