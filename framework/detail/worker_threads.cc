#include "framework/detail/worker_threads.h"

#include <pthread.h>
#include <sched.h>

#include <chrono>
#include <csignal>

namespace sluice::detail {

// Pipeline threads hand batches to each other through semaphores. Under the default
// policy a woken thread preempts the one that woke it, so on a busy machine every hand-off
// becomes a context switch (ping-pong per batch). SCHED_BATCH marks them as throughput
// work: a wake-up no longer preempts, and the woken thread runs at the next tick or when a
// core frees up. Needs no privileges; failure is harmless. Process signals are left to the
// application's threads: a library's workers must not take a SIGINT meant for the app.
void PreparePipelineThread() {
  sched_param param{};
  param.sched_priority = 0;
  pthread_setschedparam(pthread_self(), SCHED_BATCH, &param);
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
}

// Takes the source's turn to read (see Pipeline::Run). A turn lasts one batch's read,
// tens of microseconds, and a parked thread takes about as long again to wake, with its core
// idle meanwhile: the replay kept 1.8 of its 2 cores busy when waiters parked at once, 1.95
// when they spun first. The spin is bounded, for turns that block (a pipe, a paced replay).
std::unique_lock<std::mutex> TakeTurn(std::mutex& turn) {
  constexpr auto kMaxSpin = std::chrono::microseconds(200);
  std::unique_lock lock(turn, std::try_to_lock);
  if (lock.owns_lock()) return lock;  // no clock read for a free turn
  const auto give_up = std::chrono::steady_clock::now() + kMaxSpin;
  while (!lock.try_lock()) {
    if (std::chrono::steady_clock::now() > give_up) {
      lock.lock();
      break;
    }
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
  }
  return lock;
}

}  // namespace sluice::detail
