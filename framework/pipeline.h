// Pipeline: a chain of stages, each with its own workers, joined by bounded queues of
// batches; every item ends at one collector that calls your callbacks. Adjacent stages
// with the same worker count and no queue options of their own share threads when the
// shared threads still number at least the cores: a batch then runs through them one
// after the other on one thread, with no queue between them.
//
// Built from YAML by pipelines/ (see pipelines/builder.h), or in code:
//
//   sluice::Pipeline pipeline({.name = "clicks", .queue = {.capacity = 64, .batch = 256}});
//   pipeline.Add({.name = "parse", .workers = 2}, std::make_unique<sluice::ParseJsonStage>());
//   pipeline.Add({.name = "check", .workers = 1}, std::make_unique<MyCheck>());
//   pipeline.OnResult([](const sluice::Record& r) { ... })   // called from one thread at a time
//           .OnError([](const sluice::Error& e) { ... });
//   pipeline.Start();
//   for (auto& line : lines) pipeline.Push(line);            // from one thread
//   sluice::RunReport report = pipeline.Finish();            // drains, joins, reports
//
// or, with a Source: `sluice::RunReport report = pipeline.Run(source);`
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "framework/clock.h"
#include "framework/error.h"
#include "framework/metrics.h"
#include "framework/record.h"
#include "framework/source.h"
#include "framework/stage.h"

namespace sluice {

struct QueueOptions {
  // Batches an edge holds before its producers block. Small on purpose: a few batches
  // per worker keep them fed, and batches that stay in cache are cheaper than a backlog
  // (docs/benchmark-history.md: 1024 ran 12% slower with 15x the memory on the replay).
  int capacity = 16;
  // Records per batch, at most. Each batch costs a hand-off, and on a shared core often a
  // thread switch (a few us); 1024 makes that under 5 ns a record (docs/benchmark-history.md).
  int batch = 1024;
  // The work a batch aims at in the slowest stage: where records cost more than
  // batch_time / batch each, batches are cut smaller, so that they spread evenly over the
  // workers (100 us records in batches of 1024 are 100 ms each: a long tail). Measured
  // as the pipeline runs; zero: every batch gets `batch` records.
  std::chrono::microseconds batch_time{1000};
  // Pipeline's constructor and Add throw std::invalid_argument for a capacity or batch
  // under 1 or a negative batch_time.
};

struct StageOptions {
  std::string name{};
  int workers = 1;  // >= 1; see AutoWorkers()
  /// Overrides the pipeline's queue options for this stage's input edge; set, it also
  /// keeps a queue (and separate threads) between this stage and the one before. Batches
  /// are cut where records enter, so `batch` and `batch_time` count on the first stage
  /// only; on a later stage only `capacity` does (the YAML loader refuses the others there).
  std::optional<QueueOptions> queue = std::nullopt;
  /// A worker busy on one record for longer than this fails the run with StallError
  /// instead of hanging it (a batch of many slow records is progress). The watchdog looks
  /// every quarter of it, so a stuck record is caught after 1 to 1.5 times it. Zero: off.
  /// It watches the stage's own work, not the callbacks, encoders and writers at the end.
  std::chrono::milliseconds stall_timeout{0};
};

/// Thrown by Finish/Run when a stage's worker exceeded its stall_timeout. The stuck
/// threads cannot be stopped: they are detached and the pipeline's internals are kept
/// alive for them until the process ends (the Pipeline is then unusable); exit soon. Run
/// throws it once no worker is in its source's Read, so that the source may be destroyed;
/// a Read that ignores Interrupt and blocks on is waited for a second at most where the
/// workers read (Run's own thread waits for its own Read), and such a source must then
/// outlive the stuck threads.
class StallError : public std::runtime_error {
 public:
  StallError(std::string stage, const std::string& message)
      : std::runtime_error(message), stage_(std::move(stage)) {}
  const std::string& stage() const { return stage_; }

 private:
  std::string stage_;
};

/// Thrown by Run when the source's Read throws (an input that fails partway: a reset
/// connection, a disk error), or breaks Batch's rule (a line item removed: a logic_error). What was
/// read before went through the stages and reached the callbacks, and report() accounts for it:
/// stopped_early, read_failure set, no rows of the stages' Finish (an aggregate of part of the
/// input would pass for the whole). what() is read_failure: the source's exception's message; that
/// exception is nested (std::rethrow_if_nested).
class ReadError : public std::runtime_error, public std::nested_exception {
 public:
  /// Call from the handler that caught the source's exception: it is the one nested.
  explicit ReadError(RunReport report)
      : std::runtime_error(report.read_failure),
        report_(std::make_shared<const RunReport>(std::move(report))) {}
  const RunReport& report() const { return *report_; }

 private:
  std::shared_ptr<const RunReport> report_;  // shared: an exception's copies must not throw
};

struct PipelineOptions {
  std::string name = "pipeline";
  QueueOptions queue{};
  /// Deliver results and errors in input order (sequence numbers + a bounded reorder
  /// buffer at the collector). Otherwise they arrive as workers finish them.
  bool ordered = false;
};

/// Live figures for progress lines; read while the pipeline runs.
struct Progress {
  uint64_t read = 0;
  uint64_t bytes_read = 0;
  uint64_t total_bytes = 0;  // 0 when unknown
  uint64_t errors = 0;       // errors that reached the collector so far
  double elapsed_seconds = 0;
};

/// Appends one item's output bytes to `out` (a JSON line, say). Runs on the worker that
/// finished the item's batch, while other workers do the same: it must not change shared
/// state.
using ResultEncoder = std::function<void(const Record& record, std::string& out)>;
using ErrorEncoder = std::function<void(const Error& error, std::string& out)>;
/// Gets the bytes a batch's items were encoded into and how many items they hold; one
/// batch at a time, never concurrently, in input order when the pipeline is ordered.
using EncodedWriter = std::function<void(std::string_view bytes, uint64_t items)>;

/// Worker count for `workers: auto`: the CPUs this process may use (at least 1): its
/// affinity mask (taskset, a cpuset), and no more than a cgroup v2 CPU limit allows (a
/// container's `--cpus`, rounded up). Idle workers park, so only the busy stages' workers
/// compete for them.
int AutoWorkers();

/// Lifecycle: Add and the callbacks, then Start, then Push/Flush, then Finish; or Run.
/// Calls out of that order throw std::logic_error; a Start or Run refused so, before it
/// began, leaves the pipeline as it was. A pipeline that Runs a source takes no Push, Flush
/// or SetSourceName (from another thread: they throw). Objects your callbacks and stages use
/// must stay alive until Finish or Run returns, or the Pipeline is destroyed (declaring them
/// before it does that).
class Pipeline {
 public:
  explicit Pipeline(PipelineOptions options = {});
  /// Destroying a started pipeline without Finish abandons the run (an exception in the
  /// caller, say): reading stops, what is in flight and what was pushed but not flushed is
  /// dropped, and no callback runs once the destructor returns; it waits for the workers
  /// to end their current batch. After a stall (stall_timeout) the workers are left
  /// running, as Finish leaves them: one may still be finishing a batch's callbacks.
  ~Pipeline();
  Pipeline(const Pipeline&) = delete;
  Pipeline& operator=(const Pipeline&) = delete;

  /// Appends a stage. Before Start only. A stage that absorbs its records (an aggregate)
  /// must be the last: Start throws otherwise. Throws std::invalid_argument for workers
  /// under 1, a null stage, bad queue options (as the constructor), or a name that is empty,
  /// already taken, kSourceStageName (the report keys errors and metrics by it) or holds a
  /// control character (the summary prints it).
  Pipeline& Add(StageOptions options, std::unique_ptr<Stage> stage);
  /// Called for each result: a record that came through every stage, or a result row of
  /// an aggregate at the end. Never called concurrently. Before Start only, as the three
  /// below. A callback that throws stops all callbacks (results and errors still count)
  /// and Finish rethrows its exception once the run has drained, with no report.
  /// Callbacks run on the pipeline's threads (an aggregate's rows at the end, on the thread
  /// that calls Finish): they must not call Push, Flush, SetSourceName, Finish or Run,
  /// which would wait for those threads (they throw std::logic_error, as from a stage).
  Pipeline& OnResult(std::function<void(const Record&)> callback);
  /// Called for each error item, with its stage, position and excerpt. Never concurrently
  /// with itself or OnResult. The Error is valid during the call only (copy what you keep):
  /// its memory is reused for a later error.
  Pipeline& OnError(std::function<void(const Error&)> callback);
  /// Instead of OnResult, for output that is bytes: each result is encoded on the worker
  /// that made it, so that formatting runs on every worker rather than one at a time at
  /// the collector, and `write` gets each batch's bytes. Aggregate rows at the end go the
  /// same way. A pipeline has OnResult or EncodeResults, not both (Start throws).
  Pipeline& EncodeResults(ResultEncoder encode, EncodedWriter write);
  /// As EncodeResults, for error items instead of OnError. The encoder sees the whole raw
  /// line as Error::excerpt (the batch still holds it), not just its first 256 bytes; a
  /// line the source cut (over its max_line_bytes) and a pushed record's JSON stay cut,
  /// with Error::raw_bytes.
  Pipeline& EncodeErrors(ErrorEncoder encode, EncodedWriter write);

  /// Starts the workers and the collector. Push-mode input follows. Throws
  /// std::logic_error, with the pipeline unchanged, for: a second Start (or Start after
  /// Run), no stages, OnResult with EncodeResults (or OnError with EncodeErrors), an
  /// encoder without its writer, a stage after one that absorbs its records, and a
  /// multiline parse_csv that is not the first stage. Throws what a stage's Project or
  /// MakeWorker throws, and std::logic_error for a null worker from MakeWorker; the
  /// pipeline is then unusable (destroy it).
  void Start();
  /// Input name used in error positions for the items pushed after it ("push" by
  /// default): to feed several files, set each one's name before pushing its lines; each
  /// one's lines count from 1. From the pushing thread (one thread at a time, as Push);
  /// while running it first flushes what was pushed under the old name. After Finish it
  /// throws std::logic_error.
  void SetSourceName(std::string name);
  /// Feeds one raw line (for a parse stage), numbered for error positions (1, 2, ...), its
  /// offset the one it would have in a file of the lines pushed (each line and its end).
  /// From one thread at a time, as Flush and SetSourceName: a call while another thread is
  /// in one of them corrupts the pending batch (it is caught most of the time, not always:
  /// std::logic_error). Blocks when the queue is full. Once a stall (stall_timeout) has
  /// stopped the run it takes nothing more: it throws the StallError, as Flush and
  /// SetSourceName do. A line of 4 GiB or more throws std::length_error (and is not
  /// counted); the batch of lines before a long one goes on early, so that a batch's text
  /// stays below that.
  void Push(std::string_view line);
  /// Feeds one record that needs no parsing. Records are numbered 1, 2, ... under each
  /// source name, apart from lines, so that a record's error says which one it was
  /// ("push:3: ...": the third record).
  void Push(Record record);
  /// Hands on what was pushed so far without waiting for a full batch (`batch` records):
  /// call it when the input pauses and the records should not wait. From the pushing thread
  /// (one thread at a time, as Push). Throws StallError after a stall, as Push does.
  void Flush();
  /// Flushes, closes the input, waits for every stage to drain, runs the stages' Finish in
  /// order (their rows go to OnResult, past any later stage), and returns the account. A
  /// Stage::Finish that throws ends it there: the later stages' Finish does not run, and
  /// the exception comes out instead of a report. Not with Run, which finishes itself
  /// (std::logic_error; to end a Run early, RequestStop), nor from a callback or stage, nor
  /// while another thread is in Push (std::logic_error).
  RunReport Finish();

  /// Start + read `source` to its end (or until RequestStop) + Finish. When the first stage
  /// has several workers they read the source themselves, one at a time, each then running
  /// its batch (oneTBB's serial input filter); else this thread reads. A Read that throws
  /// ends the run: what was read goes through the stages and reaches the callbacks, then
  /// Run throws ReadError, with the report of what was read, without running the stages'
  /// Finish (no aggregate rows).
  /// Throws as Start does, and std::logic_error when the source's framing (where its lines
  /// end, Source::framing) differs from the one the first stage needs (Stage::Framing).
  RunReport Run(Source& source);
  /// Asks Run to stop reading: the source is interrupted (Source::Interrupt) and read once
  /// more, for what it took from the input and has not handed over; a paced source's wait
  /// is cut short. What was read is drained and reported as usual, with stopped_early set
  /// (unless the input had ended already). Before Run, it makes Run read only what the
  /// source holds already. Thread-safe. For Run only: pushed input ends where the pushing
  /// thread calls Finish.
  void RequestStop();

  /// The counts so far, for a progress line. From any thread; zeros before Start.
  Progress progress() const;

 private:
  class Impl;
  void KeepStalledInternals();
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice
