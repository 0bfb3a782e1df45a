// InterruptHandler: what SIGINT and SIGTERM do during `sluice run`.
//
// The first signal stops the source; what was read drains through the stages, and the
// output, dead letters and report are written as usual (the report says stopped_early and
// still balances); the run then exits with 130. If draining takes longer than
// shutdown_timeout, or a second signal comes, the process exits at once with 130. Once the
// run has drained, a signal only changes the exit code: what is being written is finished,
// however long that takes (a second signal still exits at once).
//
//   InterruptHandler interrupts(pipeline, spec.shutdown_timeout);  // before any thread starts
//   OpenOutputs();                               // a signal here exits at once
//   interrupts.OutputsOpen();
//   RunReport report = pipeline.Run(source);
//   interrupts.Drained();                        // no deadline for the writing
//   WriteOutputs(report);                        // still covered: a signal cannot cut it
//   interrupts.Disarm();
//   if (interrupts.interrupted()) return ExitCode::kInterrupted;
//
// The signals are blocked in every thread and taken by a thread of its own with sigwait,
// so no work happens in a signal handler.
#pragma once

#include <signal.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "framework/pipeline.h"

namespace sluice::cli {

class InterruptHandler {
 public:
  /// Blocks SIGINT and SIGTERM in this thread (threads started later inherit that) and
  /// starts the thread that waits for them.
  InterruptHandler(Pipeline& pipeline, std::chrono::milliseconds shutdown_timeout);
  /// Disarms, then restores this thread's signal mask.
  ~InterruptHandler();
  InterruptHandler(const InterruptHandler&) = delete;
  InterruptHandler& operator=(const InterruptHandler&) = delete;

  /// The outputs are open: a signal stops the run from now on. Before, it exits at once
  /// (130), nothing read: an output may wait in open(2) for its reader (a FIFO), where no
  /// stop reaches it.
  void OutputsOpen() { outputs_open_.store(true); }
  /// The run has drained (Run or Finish returned): shutdown_timeout no longer applies.
  void Drained() { drained_.store(true); }
  /// The run is over: no more signals are taken, and no shutdown deadline applies.
  void Disarm();
  bool interrupted() const { return interrupted_.load(); }

 private:
  void Loop();

  Pipeline& pipeline_;
  const std::chrono::milliseconds shutdown_timeout_;
  sigset_t signals_;
  sigset_t previous_mask_;
  std::atomic<bool> outputs_open_{false};
  std::atomic<bool> interrupted_{false};
  std::atomic<bool> drained_{false};
  std::atomic<bool> disarmed_{false};
  std::thread thread_;
};

}  // namespace sluice::cli
