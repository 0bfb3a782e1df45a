#include "pipelines/cli/interrupt.h"

#include <pthread.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "pipelines/cli/exit_code.h"

namespace sluice::cli {
namespace {

constexpr auto kPollPeriod = std::chrono::milliseconds(50);

[[noreturn]] void ExitNow(const std::string& message) {
  std::fputs(("\nsluice: " + message + "\n").c_str(), stderr);
  std::fflush(stderr);
  std::_Exit(ToInt(ExitCode::kInterrupted));  // no destructors: threads may be mid-run
}

}  // namespace

InterruptHandler::InterruptHandler(Pipeline& pipeline, std::chrono::milliseconds shutdown_timeout)
    : pipeline_(pipeline), shutdown_timeout_(shutdown_timeout) {
  sigemptyset(&signals_);
  sigaddset(&signals_, SIGINT);
  sigaddset(&signals_, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals_, &previous_mask_);
  thread_ = std::thread([this] { Loop(); });
}

InterruptHandler::~InterruptHandler() {
  Disarm();
  if (thread_.joinable()) thread_.join();
  // A signal that came after Disarm stays pending: drop it rather than die of it now.
  const timespec no_wait{0, 0};
  while (sigtimedwait(&signals_, nullptr, &no_wait) > 0) {
  }
  pthread_sigmask(SIG_SETMASK, &previous_mask_, nullptr);
}

void InterruptHandler::Disarm() {
  // Wake the waiting thread now, with a signal only it takes, rather than let it sleep out
  // its poll period: the run's exit waits for it (50 ms on every run before). SIGTERM is
  // blocked on every thread and only sigtimedwait takes it, so it kills nothing.
  if (!disarmed_.exchange(true) && thread_.joinable()) {
    // NOLINTNEXTLINE(bugprone-bad-signal-to-kill-thread)
    pthread_kill(thread_.native_handle(), SIGTERM);
  }
}

void InterruptHandler::Loop() {
  const timespec poll{0, std::chrono::nanoseconds(kPollPeriod).count()};
  std::chrono::steady_clock::time_point deadline{};
  while (!disarmed_.load()) {
    const int signal = sigtimedwait(&signals_, nullptr, &poll);
    if (disarmed_.load()) return;
    if (signal > 0) {
      const char* name = signal == SIGINT ? "SIGINT" : "SIGTERM";
      if (!outputs_open_.load()) {
        ExitNow(std::string(name) + " while the outputs were opening: exiting now, nothing read");
      }
      if (interrupted_.exchange(true)) ExitNow(std::string("second ") + name + ": exiting now");
      std::fprintf(stderr,
                   "\nsluice: %s: stopping the input, then writing what was read (again to "
                   "exit now)\n",
                   name);
      deadline = std::chrono::steady_clock::now() + shutdown_timeout_;
      pipeline_.RequestStop();
    }
    if (interrupted_.load() && !drained_.load() && std::chrono::steady_clock::now() > deadline) {
      ExitNow("still draining after shutdown_timeout (" +
              std::to_string(shutdown_timeout_.count()) + " ms): exiting now");
    }
  }
}

}  // namespace sluice::cli
