#include "framework/pipeline.h"

#include <algorithm>
#include <mutex>
#include <thread>
#include <vector>

#include "framework/detail/pipeline_impl.h"
#include "framework/detail/usable_cpus.h"

namespace sluice {

int AutoWorkers() {
  int cpus = detail::AffinityCpus();
  if (cpus <= 0) cpus = static_cast<int>(std::thread::hardware_concurrency());
  if (const int quota = detail::QuotaCpus(); quota > 0) cpus = std::min(cpus, quota);
  return std::max(1, cpus);
}

Pipeline::Pipeline(PipelineOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Pipeline::~Pipeline() {
  impl_->AbandonIfRunning();
  if (impl_->threads_left_running()) KeepStalledInternals();
}

Pipeline& Pipeline::Add(StageOptions options, std::unique_ptr<Stage> stage) {
  impl_->Add(std::move(options), std::move(stage));
  return *this;
}
Pipeline& Pipeline::OnResult(std::function<void(const Record&)> callback) {
  impl_->CallbacksToSet("OnResult").on_result = std::move(callback);
  return *this;
}
Pipeline& Pipeline::OnError(std::function<void(const Error&)> callback) {
  impl_->CallbacksToSet("OnError").on_error = std::move(callback);
  return *this;
}
Pipeline& Pipeline::EncodeResults(ResultEncoder encode, EncodedWriter write) {
  detail::CollectorCallbacks& callbacks = impl_->CallbacksToSet("EncodeResults");
  callbacks.encode_result = std::move(encode);
  callbacks.write_results = std::move(write);
  return *this;
}
Pipeline& Pipeline::EncodeErrors(ErrorEncoder encode, EncodedWriter write) {
  detail::CollectorCallbacks& callbacks = impl_->CallbacksToSet("EncodeErrors");
  callbacks.encode_error = std::move(encode);
  callbacks.write_errors = std::move(write);
  return *this;
}
void Pipeline::Start() { impl_->Start(); }
void Pipeline::SetSourceName(std::string name) { impl_->SetSourceName(std::move(name)); }
void Pipeline::Push(std::string_view line) { impl_->Push(line); }
void Pipeline::Push(Record record) { impl_->Push(std::move(record)); }
void Pipeline::Flush() { impl_->Flush(); }
// After a stall, stuck threads still use the Impl: it moves here when the Pipeline is
// destroyed (not before: other threads may still ask it for progress) and lives on, reachable
// (so that leak checkers see it kept on purpose), until the process ends.
void Pipeline::KeepStalledInternals() {
  static std::mutex mutex;
  static auto* stalled = new std::vector<std::unique_ptr<Impl>>();
  std::lock_guard lock(mutex);
  stalled->push_back(std::move(impl_));
}

RunReport Pipeline::Finish() { return impl_->Finish(); }
RunReport Pipeline::Run(Source& source) { return impl_->Run(source); }
void Pipeline::RequestStop() { impl_->RequestStop(); }

Progress Pipeline::progress() const { return impl_->progress(); }

}  // namespace sluice
