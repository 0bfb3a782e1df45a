#include "framework/detail/pipeline_impl.h"

#include <algorithm>
#include <chrono>
#include <thread>

#include "framework/detail/control_characters.h"
#include "framework/detail/error_reuse.h"
#include "framework/detail/worker_threads.h"

namespace sluice {
namespace {

using detail::TakeTurn;

const std::string kSourceErrorStage(kSourceStageName);  // for ErrorContext, which points

}  // namespace

void Pipeline::Impl::CheckQueueOptions(const QueueOptions& queue) {
  if (queue.capacity < 1) throw std::invalid_argument("queue capacity must be >= 1");
  if (queue.batch < 1) throw std::invalid_argument("queue batch must be >= 1");
  if (queue.batch_time.count() < 0) throw std::invalid_argument("queue batch_time must be >= 0");
}

// The report keys errors and metrics by stage name: an empty or repeated one, or the
// reader's, would merge stages there (the YAML loader refuses them too).
void Pipeline::Impl::CheckStageName(const std::string& name) const {
  if (name.empty()) throw std::invalid_argument("stage name must not be empty");
  if (std::string problem = detail::ControlCharacterProblem(name); !problem.empty()) {
    throw std::invalid_argument("stage name " + problem);
  }
  if (name == kSourceStageName) {
    throw std::invalid_argument(
        "stage name 'source' is taken: the report counts the reader's "
        "errors under it");
  }
  for (const auto& slot : stages_) {
    if (slot->options.name == name)
      throw std::invalid_argument("stage name '" + name + "' is used twice");
  }
}

void Pipeline::Impl::Add(StageOptions options, std::unique_ptr<Stage> stage) {
  CheckNotStarted("Add");
  if (options.workers < 1) throw std::invalid_argument("stage workers must be >= 1");
  CheckStageName(options.name);
  if (options.queue) CheckQueueOptions(*options.queue);
  if (!stage) throw std::invalid_argument("Pipeline::Add: null stage");
  auto& slot = stages_.emplace_back(std::make_unique<StageSlot>());
  slot->options = std::move(options);
  slot->stage = std::move(stage);
}

void Pipeline::Impl::SetSourceName(std::string name) {
  CheckNotOnOwnThread("SetSourceName");  // first: the flags below are the pushing thread's
  if (runs_source_.load(std::memory_order_acquire)) RefuseInput("SetSourceName");
  if (finished_) throw std::logic_error("Pipeline::SetSourceName after Finish");
  std::optional<InputCall> call;
  if (running_) {
    call.emplace(*this, "SetSourceName");
    FlushPending();  // what was pushed so far keeps the old name
  }
  if (pushed_lines_ + pushed_records_ > 0) NoteFedName();
  source_name_ = std::make_shared<const std::string>(std::move(name));
  pushed_lines_ = 0;  // a new input's lines count from 1 (a CSV header is its line 1)
  pushed_records_ = 0;
  pushed_offset_ = 0;
}

// Each stage that makes records from raw text learns which fields the stages after it
// read, so that it can skip the rest (the biggest single speed lever for JSON).
void Pipeline::Impl::ProjectFields() {
  std::vector<Stage*> chain;
  for (const auto& slot : stages_) chain.push_back(slot->stage.get());
  ProjectFieldNeeds(chain);
}

// What Start and Run (`call`) refuse before anything runs or changes (the pipeline may then
// be changed and started).
void Pipeline::Impl::CheckStages(const char* call) const {
  const std::string name = std::string("Pipeline::") + call;
  if (started_) {
    throw std::logic_error(name + (!running_ ? " after a Start that failed: a pipeline starts once"
                                   : finished_ ? " after Finish: a pipeline runs once"
                                               : " after Start: a pipeline starts once"));
  }
  if (stages_.empty()) throw std::logic_error(name + ": no stages");
  const detail::CollectorCallbacks& c = callbacks_;
  if ((c.on_result && c.encode_result) || (c.on_error && c.encode_error)) {
    throw std::logic_error(name +
                           ": set OnResult or EncodeResults, OnError or EncodeErrors, not both");
  }
  if (bool(c.encode_result) != bool(c.write_results) ||
      bool(c.encode_error) != bool(c.write_errors)) {
    throw std::logic_error(name + ": EncodeResults and EncodeErrors need an encoder and a writer");
  }
  // Only the first stage reads raw lines, so only it can say where they end.
  for (size_t i = 1; i < stages_.size(); ++i) {
    if (stages_[i]->stage->Framing().quote != '\0') {
      throw std::logic_error(name + ": stage '" + stages_[i]->options.name +
                             "' reads rows that span lines (parse_csv's multiline), so it " +
                             "must be the first stage");
    }
  }
  // No record reaches a stage after one that absorbs them all, and its Finish rows go
  // straight to the results: a stage after it could only be a mistake.
  for (size_t i = 0; i + 1 < stages_.size(); ++i) {
    if (stages_[i]->stage->AbsorbsRecords()) {
      throw std::logic_error(name + ": stage '" + stages_[i]->options.name +
                             "' absorbs its records, so it must be the last stage");
    }
  }
}

namespace {

std::string DescribeFraming(const RecordFraming& framing) {
  if (framing.quote == '\0') return "at every line break";
  return std::string("at line breaks outside quoted fields (quote ") + framing.quote +
         ", delimiter " + framing.delimiter + ")";
}

}  // namespace

void Pipeline::Impl::CheckFraming(const Source& source) const {
  const std::optional<RecordFraming> framing = source.framing();
  if (!framing || stages_.empty()) return;  // Start refuses a pipeline without stages
  const RecordFraming wanted = stages_.front()->stage->Framing();
  const bool same = framing->quote == wanted.quote &&
                    (wanted.quote == '\0' || framing->delimiter == wanted.delimiter);
  if (same) return;
  throw std::logic_error(
      "Pipeline::Run: source '" + std::string(source.name()) + "' ends records " +
      DescribeFraming(*framing) + ", but the first stage '" + stages_.front()->options.name +
      "' wants them ended " + DescribeFraming(wanted) +
      ": open the source with FileSourceOptions::framing = the stage's Framing()");
}

Progress Pipeline::Impl::progress() const {
  Progress p;
  p.read = read_.load(std::memory_order_relaxed);
  p.bytes_read = bytes_read_.load(std::memory_order_relaxed);
  p.total_bytes = total_bytes_.load(std::memory_order_relaxed);
  p.errors = errors_live_.load(std::memory_order_relaxed);
  const int64_t started = started_at_nanos_.load(std::memory_order_relaxed);
  if (started != 0) {
    p.elapsed_seconds =
        1e-9 * static_cast<double>(SteadyClock::now().time_since_epoch().count() - started);
  }
  return p;
}

void Pipeline::Impl::Start() {
  CheckStages("Start");
  started_ = true;  // from here a throw (a stage's Project or MakeWorker) leaves it unusable
  started_at_ = SteadyClock::now();
  started_at_nanos_ = started_at_.time_since_epoch().count();
  // Batches are sized where records enter; CheckQueueOptions made `batch` >= 1.
  const QueueOptions& entry = EdgeOptions(0);
  const auto max_batch = static_cast<size_t>(entry.batch);

  ProjectFields();
  FormGroups();
  batch_sizer_ = std::make_unique<detail::BatchSizer>(max_batch, entry.batch_time, groups_.size());
  reading_.by_workers = reading_.source != nullptr && groups_.front().workers > 1;  // see Run
  MakeWorkers();
  const size_t max_in_flight = MakeQueues();
  spare_batches_ = std::make_unique<detail::BatchPool>(max_batch, max_in_flight);
  pending_ = spare_batches_->Take();
  pending_limit_ = batch_sizer_->Next();
  collector_ = std::make_unique<detail::Collector>(options_.ordered, callbacks_,
                                                   static_cast<size_t>(options_.queue.capacity),
                                                   in_flight_.get(), errors_live_, *spare_batches_);
  SpawnWorkers();
  // Pushed input from here until Finish (or a stall); a run of a source takes none.
  taking_input_.store(!runs_source_.load(std::memory_order_relaxed), std::memory_order_relaxed);
}

void Pipeline::Impl::MakeWorkers() {
  for (auto& slot : stages_) {
    for (int w = 0; w < slot->options.workers; ++w) {
      slot->workers.push_back(slot->stage->MakeWorker());
      if (!slot->workers.back()) {
        throw std::logic_error("Pipeline::Start: stage '" + slot->options.name +
                               "' made no worker (MakeWorker returned null)");
      }
      slot->beats.push_back(&watchdog_.Add(slot->options.name, slot->options.stall_timeout));
    }
  }
}

// A queue in front of each stage group, and, when ordered, the semaphore that bounds the
// batches in flight. Returns how many batches can be in flight at once: what the queues,
// the workers and the collector can hold, and the one being read.
size_t Pipeline::Impl::MakeQueues() {
  int producers = 1;  // the source feeds the first queue
  size_t max_in_flight = 1;
  for (const StageGroup& group : groups_) {
    const auto capacity = static_cast<size_t>(EdgeOptions(group.first).capacity);
    stages_[group.first]->input = std::make_unique<Queue>(capacity, producers);
    max_in_flight += capacity + group.workers;
    producers = group.workers;
  }
  max_in_flight += static_cast<size_t>(options_.queue.capacity);  // the collector's queue
  if (options_.ordered) {
    in_flight_ = std::make_unique<moodycamel::LightweightSemaphore>(
        static_cast<moodycamel::LightweightSemaphore::ssize_t>(max_in_flight));
  }
  return max_in_flight;
}

void Pipeline::Impl::SpawnWorkers() {
  running_ = true;
  try {
    for (const StageGroup& group : groups_) {
      Queue* output = group.end < stages_.size() ? stages_[group.end]->input.get() : nullptr;
      for (int w = 0; w < group.workers; ++w) {
        SpawnThread([this, &group, w, output] { RunWorker(group, w, output); });
      }
    }
    watchdog_.Start(
        [this](const std::string& stage, const std::string& message) { OnStall(stage, message); });
  } catch (...) {  // no thread for a worker or the watchdog: stop the ones started
    AbandonIfRunning();
    running_ = false;
    throw;
  }
}

void Pipeline::Impl::SpawnThread(std::function<void()> body) {
  threads_.emplace_back([this, body = std::move(body)] {
    pipeline_of_this_thread_ = this;
    detail::PreparePipelineThread();
    body();
    std::lock_guard lock(threads_mutex_);
    ++threads_done_;
    thread_exited_.notify_all();
  });
}

// A worker is stuck: unblock everything else so that Finish can report it.
void Pipeline::Impl::OnStall(const std::string& stage, const std::string& message) {
  {
    std::lock_guard lock(threads_mutex_);
    stall_.emplace(stage, message);
    thread_exited_.notify_all();
  }
  Abandon();
}

// Stops the run where it is: reading ends, blocked threads wake, and what is in flight
// or reaches the collector from now on is dropped.
void Pipeline::Impl::Abandon() {
  taking_input_.store(false, std::memory_order_relaxed);
  abandoned_.store(true, std::memory_order_relaxed);
  RequestStop();  // a worker blocked in the source's Read wakes too
  for (auto& slot : stages_) {
    if (slot->input) slot->input->Abandon();
  }
  collector_->Abandon();
  if (in_flight_) in_flight_->signal(1 << 20);
}

void Pipeline::Impl::FormGroups() {
  std::vector<detail::StageShape> shapes;
  for (const auto& slot : stages_) {
    shapes.push_back(
        {.workers = slot->options.workers, .own_queue = slot->options.queue.has_value()});
  }
  groups_ = detail::FormStageGroups(shapes, AutoWorkers());
}

// `output`: the next group's queue; nullptr for the last group, which hands to the collector.
void Pipeline::Impl::RunWorker(const StageGroup& group, size_t worker_index, Queue* output) {
  const size_t group_index = static_cast<size_t>(&group - groups_.data());
  // A batch this worker reads is in its caches; one from a queue was made on another thread.
  const bool reads_source = ReadsSource(group);
  Batch batch;
  while (NextBatch(group, batch)) {
    const size_t items = batch.size();
    // Timed end to end: one clock read before the first stage and one after each, a stage's
    // end being the next one's start (a read costs tens of ns on a virtual machine).
    const SteadyClock::time_point began = SteadyClock::now();
    SteadyClock::time_point stage_began = began;
    for (size_t s = group.first; s < group.end && !batch.empty(); ++s) {
      const bool from_queue = s == group.first && !reads_source;
      stage_began =
          RunStage(*stages_[s], worker_index, batch,
                   from_queue ? detail::ItemsFrom::kAnotherThread : detail::ItemsFrom::kThisThread,
                   stage_began);
    }
    batch_sizer_->Report(group_index, items, stage_began - began);
    // Ordered mode needs every sequence number at the collector, empty batches too.
    if (batch.empty() && !options_.ordered) {
      spare_batches_->Give(std::move(batch));
    } else if (output) {
      output->Push(std::move(batch));
    } else {
      collector_->Deliver(std::move(batch));
    }
    batch = Batch();
  }
  if (output) output->ProducerDone();
}

// `began`: now, as the caller read it. Returns when the stage ended.
auto Pipeline::Impl::RunStage(StageSlot& slot, size_t worker_index, Batch& batch,
                              detail::ItemsFrom items_from, SteadyClock::time_point began)
    -> SteadyClock::time_point {
  const detail::ErrorContext context{&slot.options.name, batch.source_name.get()};
  detail::Watchdog::Beat& beat = *slot.beats[worker_index];
  const bool watched = beat.timeout.count() > 0;  // the watchdog looks at no other beat
  if (watched) beat.Begin(began);
  detail::ProcessBatch(*slot.workers[worker_index], batch, context, slot.counters,
                       watched ? &beat.items_done : nullptr, items_from);
  if (watched) beat.End();
  const SteadyClock::time_point ended = SteadyClock::now();
  slot.counters.busy_nanos.fetch_add((ended - began).count(), std::memory_order_relaxed);
  return ended;
}

bool Pipeline::Impl::NextBatch(const StageGroup& group, Batch& batch) {
  if (ReadsSource(group)) return ReadOnWorker(batch);
  return stages_[group.first]->input->Pop(batch);
}

// The worker that gets the source's turn reads a batch, then runs it through its stages
// like any other batch (see Run).
bool Pipeline::Impl::ReadOnWorker(Batch& batch) {
  {
    const std::unique_lock turn = TakeTurn(reading_.turn);
    if (!ReadBatch(batch)) return false;
  }
  Prepare(batch);  // after the turn: another worker may read meanwhile
  return true;
}

// Reads the source's next batch and numbers it; false at the end of the input, after a stop
// request, or when Read threw (Run then throws ReadError). One thread at a time.
bool Pipeline::Impl::ReadBatch(Batch& batch) {
  while (!reading_.ended && !abandoned_.load(std::memory_order_relaxed)) {
    // After a stop the source is read once more, and the input ends there: interrupted, it
    // returns at once with what it took from the input and has not handed over yet (the
    // lines a pipe gave after the last batch; a pipe cannot be read again).
    const bool last_read = stop_requested_.load(std::memory_order_acquire);
    // Wait for room before the batch gets its sequence number: a worker holding a number
    // the collector waits for must not wait itself.
    if (in_flight_) in_flight_->wait();
    batch = spare_batches_->Take();
    try {
      const detail::ErrorReuseScope reuse_errors(batch.spare_errors);  // lines it fails
      const SourceStatus status = reading_.source->Read(batch, batch_sizer_->Next());
      if (!batch.LineItemsInPlace()) {  // Seal, on a worker, would throw where none catches
        throw std::logic_error("Source::Read removed line items from its batch");
      }
      reading_.ended = status != SourceStatus::kMore || last_read;
      // A source that ignores Interrupt says kMore at the last read: that is a stop too.
      reading_.stopped_early =
          status == SourceStatus::kStopped || (last_read && status == SourceStatus::kMore);
    } catch (...) {
      reading_.failure = std::current_exception();
      reading_.ended = true;  // what it added before throwing still goes through, if it can
      if (!batch.LineItemsInPlace()) batch.Clear();  // not: it broke Batch's rule
    }
    bytes_read_.store(reading_.source->bytes_read(), std::memory_order_relaxed);
    if (!batch.empty()) {
      Number(batch);
      return true;
    }
    spare_batches_->Give(std::move(batch));
    if (in_flight_) in_flight_->signal();
  }
  return false;
}

// A batch enters the pipeline: it gets the next sequence number, and its items are counted
// as read (in input order, by one thread at a time)...
void Pipeline::Impl::Number(Batch& batch) {
  read_.fetch_add(batch.size(), std::memory_order_relaxed);
  batch.sequence = next_sequence_++;
}

// ... and its views are fixed, its input named and the source's errors completed.
void Pipeline::Impl::Prepare(Batch& batch) {
  batch.Seal();
  // A recycled batch mostly comes round under the same name (Clear keeps it): the shared
  // count, which every reading core and the collector wrote in turn, is left alone.
  if (batch.source_name != source_name_) batch.source_name = source_name_;
  const detail::ErrorContext context{&kSourceErrorStage, source_name_.get()};
  for (Item& item : batch.items) {
    if (!item.ok()) detail::DecorateError(item, context);
  }
}

// A numbered batch enters the first queue.
void Pipeline::Impl::Enter(Batch batch) {
  Prepare(batch);
  stages_.front()->input->Push(std::move(batch));
}

void Pipeline::Impl::FlushPending() {
  if (pending_.empty()) return;
  if (in_flight_) in_flight_->wait();
  Number(pending_);
  bytes_read_.store(pushed_bytes_, std::memory_order_relaxed);
  Enter(std::move(pending_));
  pending_ = spare_batches_->Take();
  pending_limit_ = batch_sizer_->Next();
}

void Pipeline::Impl::RefuseOwnThread(const char* call) {
  throw std::logic_error(std::string("Pipeline::") + call +
                         " from a callback or stage of the same pipeline: it would wait for its "
                         "own thread");
}

void Pipeline::Impl::InputCall::ThrowOverlap(const char* call) {
  throw std::logic_error(std::string("Pipeline::") + call +
                         " while another thread is in Push, Flush or SetSourceName: feed a "
                         "pipeline from one thread at a time");
}

void Pipeline::Impl::RefuseInput(const char* call) {
  if (runs_source_.load(std::memory_order_acquire)) {
    throw std::logic_error(std::string("Pipeline::") + call +
                           " with Run: a pipeline that runs a source takes no other input");
  }
  if (running_ && !finished_) {
    std::lock_guard lock(threads_mutex_);
    if (stall_) throw *stall_;
  }
  throw std::logic_error(std::string("Pipeline::") + call + " outside Start..Finish");
}

// Throws StallError after a stall; Pipeline then keeps this Impl for the stuck threads.
void Pipeline::Impl::CloseInputAndJoin() {
  stages_.front()->input->ProducerDone();
  JoinThreads();
  if (stall_) throw *stall_;
}

// Waits for every pipeline thread, or for a stall: then every thread not ended yet is
// detached (a stuck one cannot be stopped), the stuck worker's and any other still
// finishing its batch, in a callback maybe; the Impl must outlive them (Pipeline's
// destructor keeps it).
void Pipeline::Impl::JoinThreads() {
  std::unique_lock lock(threads_mutex_);
  thread_exited_.wait(lock, [this] { return threads_done_ == threads_.size() || stall_; });
  const bool stuck = stall_ && threads_done_ < threads_.size();
  lock.unlock();
  watchdog_.Stop();  // it reported the stall and ended: join it either way
  threads_left_running_ = threads_left_running_ || stuck;
  for (std::thread& t : threads_) {
    if (stuck) {
      t.detach();
    } else {
      t.join();
    }
  }
  threads_.clear();
}

// Destroyed mid-run (an exception in the caller, say): the run is abandoned, not drained,
// so that no callback runs once this returns (but see JoinThreads).
void Pipeline::Impl::AbandonIfRunning() {
  if (!running_ || finished_) return;
  finished_ = true;
  Abandon();
  JoinThreads();
}

RunReport Pipeline::Impl::Finish() {
  // Run finishes itself: a Finish from another thread would close the queues its reading
  // still feeds, and Run would wait on them for good.
  if (runs_source_.load(std::memory_order_acquire)) {
    throw std::logic_error("Pipeline::Finish with Run: Run finishes the pipeline itself");
  }
  return DrainAndReport();
}

RunReport Pipeline::Impl::DrainAndReport() {
  CheckNotOnOwnThread("Finish");
  if (!started_) throw std::logic_error("Pipeline::Finish before Start");
  if (!running_) throw std::logic_error("Pipeline::Finish after a failed Start");
  if (finished_) throw std::logic_error("Pipeline::Finish called twice");
  // Finish flushes what was pushed: not while another thread is pushing (see InputCall).
  if (in_input_call_.load(std::memory_order_relaxed)) InputCall::ThrowOverlap("Finish");
  FlushPending();
  finished_ = true;
  taking_input_.store(false, std::memory_order_relaxed);
  CloseInputAndJoin();
  if (reading_.failure) ThrowReadError();  // what was read is through
  for (auto& slot : stages_) {
    slot->stage->Finish(slot->workers, [this](Record&& row) { collector_->DeliverResult(row); });
  }
  if (collector_->failure()) std::rethrow_exception(collector_->failure());
  return MakeReport();
}

void Pipeline::Impl::ThrowReadError() const {
  RunReport report = MakeReport();
  report.stopped_early = true;
  try {
    std::rethrow_exception(reading_.failure);
  } catch (const std::exception& e) {
    // Never empty: an empty read_failure says the input could be read.
    report.read_failure = *e.what() != '\0' ? e.what() : "the source threw an empty message";
    throw ReadError(std::move(report));
  } catch (...) {
    report.read_failure = "the source threw a non-standard exception";
    throw ReadError(std::move(report));
  }
}

// With several workers in the first group, they read the source in turn (ReadOnWorker), as
// oneTBB runs a serial input filter: the worker that reads a batch runs it too, so its lines
// are still in that core's cache, and no source thread competes with the workers for the
// cores. Otherwise this thread reads and feeds the first queue, so that a single first
// worker does not spend its time reading.
RunReport Pipeline::Impl::Run(Source& source) {
  CheckStages("Run");  // before anything changes: a refused Run leaves the pipeline as it was
  CheckFraming(source);
  runs_source_.store(true, std::memory_order_release);
  source_name_ = std::make_shared<const std::string>(source.name());
  total_bytes_ = source.total_bytes();
  const RunningSource running(*this, source);
  reading_.source = &source;
  try {
    Start();  // sets reading_.by_workers
    if (!reading_.by_workers) {
      Batch batch;
      while (ReadBatch(batch)) Enter(std::move(batch));
    }
    RunReport report = DrainAndReport();  // throws ReadError once what was read has drained
    report.stopped_early = reading_.stopped_early;  // not a stop that came while draining
    return report;
  } catch (const ReadError&) {
    throw;               // drained and joined: no worker reads
  } catch (...) {        // a stall, or what Start or Enter threw
    AbandonIfRunning();  // while the source is registered: a worker waiting in Read wakes
    EndReading();
    throw;
  }
}

// Once Run returns, its caller may destroy the source: after a stall (which leaves the workers
// running) a worker may still be in Read. Interrupted, a Read returns soon: this waits for it
// (up to a second, for a source that ignores Interrupt), and no worker reads after.
// (try_lock in a loop: TSan does not see the lock try_lock_for takes.)
void Pipeline::Impl::EndReading() {
  const auto give_up = SteadyClock::now() + std::chrono::seconds(1);
  std::unique_lock turn(reading_.turn, std::try_to_lock);
  while (!turn.owns_lock() && SteadyClock::now() < give_up) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
    turn.try_lock();
  }
  if (turn.owns_lock()) reading_.ended = true;
}

// The source is interrupted before the flag is set: a read that sees the flag is the last,
// and must find the source interrupted, to hand over all it holds (Source::Interrupt).
void Pipeline::Impl::RequestStop() {
  std::lock_guard lock(source_mutex_);
  if (running_source_) running_source_->Interrupt();
  stop_requested_.store(true, std::memory_order_release);
}

void Pipeline::Impl::NoteFedName() {
  if (std::find(fed_names_.begin(), fed_names_.end(), *source_name_) == fed_names_.end()) {
    fed_names_.push_back(*source_name_);
  }
}

// The input's name; for pushed input fed under several names, each once, in order.
std::string Pipeline::Impl::FedNames() const {
  std::vector<std::string> names = fed_names_;
  const bool fed_current = pushed_lines_ + pushed_records_ > 0;
  if ((fed_current || names.empty()) &&
      std::find(names.begin(), names.end(), *source_name_) == names.end()) {
    names.push_back(*source_name_);
  }
  std::string joined;
  for (const std::string& name : names) joined += (joined.empty() ? "" : ", ") + name;
  return joined;
}

RunReport Pipeline::Impl::MakeReport() const {
  RunReport report;
  report.pipeline = options_.name;
  report.source = FedNames();
  report.bytes_read = bytes_read_.load();
  report.wall_seconds = std::chrono::duration<double>(SteadyClock::now() - started_at_).count();
  report.totals.read = read_.load();
  report.totals.errors = collector_->errors();
  report.totals.ok = collector_->ok();
  report.results = collector_->results();
  for (const auto& slot : stages_) {
    const detail::StageCounters& c = slot->counters;
    report.totals.ok += c.absorbed.load();
    report.totals.filtered += c.filtered.load();
    report.stages.push_back({
        .name = slot->options.name,
        .workers = slot->options.workers,
        .in = c.in.load(),
        .out = c.out.load(),
        .filtered = c.filtered.load(),
        .errors = c.errors.load(),
        .busy_seconds = static_cast<double>(c.busy_nanos.load()) * 1e-9,
        .peak_queue_depth = slot->input ? static_cast<uint64_t>(slot->input->peak_depth()) : 0,
    });
  }
  for (const auto& [stage, counts] : collector_->errors_by_stage()) {
    for (int code = 0; code < kErrorCodeCount; ++code) {
      if (counts[code] > 0) {
        report.errors_by_stage[stage][std::string(ErrorCodeName(static_cast<ErrorCode>(code)))] =
            counts[code];
      }
    }
  }
  return report;
}

}  // namespace sluice
