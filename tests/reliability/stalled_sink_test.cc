// Issue 4, item 7: a sink blocked for 5 s, through the real `sluice` binary. The input
// arrives through a FIFO fed by this test and the results leave through another FIFO that
// the test does not read for 5 s. While the sink is blocked the source must stop taking
// input within what the queues hold; afterwards every record arrives, the flow returns to
// its normal pace, and the peak memory is that of an unblocked run.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <iostream>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "reliability_support.h"

namespace sluice::reliability {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr uint64_t kLines = 300000;  // about 39 MB; an unblocked run takes ~0.2 s
constexpr int kCapacity = 8;         // batches per queue, small so that the bound is tight
constexpr int kBatch = 128;          // clean_events.yaml's batch
constexpr auto kSinkBlocked = 5s;

double SecondsSince(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

// Writes `text` into a FIFO, counting the bytes the reader (sluice's source) has taken.
// Non-blocking with poll and a deadline, so that a reader that never opens or stops
// reading cannot hang the test; it ends when all is written or the reader has gone.
class FifoFeeder {
 public:
  FifoFeeder(std::string path, std::string text)
      : path_(std::move(path)), text_(std::move(text)), thread_([this] { Feed(); }) {}
  ~FifoFeeder() { thread_.join(); }
  uint64_t written() const { return written_.load(); }

 private:
  void Feed() {
    int fd = -1;
    const auto deadline = Clock::now() + 60s;
    while (fd < 0 && Clock::now() < deadline) {
      fd = open(path_.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);  // ENXIO until a reader
      if (fd < 0) std::this_thread::sleep_for(1ms);
    }
    if (fd < 0) return;
    while (written_ < text_.size() && Clock::now() < deadline) {
      const ssize_t n = write(fd, text_.data() + written_, text_.size() - written_);
      if (n > 0) {
        written_ += static_cast<uint64_t>(n);
      } else if (n < 0 && errno != EAGAIN && errno != EINTR) {
        break;
      } else {
        pollfd ready{.fd = fd, .events = POLLOUT, .revents = 0};
        poll(&ready, 1, 50);
      }
    }
    close(fd);
  }

  const std::string path_;
  const std::string text_;
  std::atomic<uint64_t> written_{0};
  std::thread thread_;
};

struct StalledRun {
  Child child;
  std::optional<ReportCounts> report;
  uint64_t input_taken_early = 0;    // input bytes taken halfway through the block
  uint64_t input_taken_blocked = 0;  // ... and at its end
  uint64_t output_lines = 0;
  double seconds_after_release = 0;  // from unblocking the sink to the output's end
};

// Counts the lines read from a FIFO opened with O_NONBLOCK until its writer closes it. A
// zero read means the end only once a writer has connected, which poll reports (POLLIN or
// POLLHUP) and not before; the deadline keeps a writer that never comes from hanging it.
uint64_t CountLinesUntilClosed(int fd) {
  const auto deadline = Clock::now() + 60s;
  std::vector<char> buffer(1 << 16);
  uint64_t lines = 0;
  while (Clock::now() < deadline) {
    pollfd ready{.fd = fd, .events = POLLIN, .revents = 0};
    if (poll(&ready, 1, 100) <= 0) continue;
    const ssize_t n = read(fd, buffer.data(), buffer.size());
    if (n == 0) break;
    for (ssize_t i = 0; i < n; ++i) lines += buffer[i] == '\n';
  }
  return lines;
}

// Runs clean_events.yaml from `input_path` (a FIFO fed with `log`) to the FIFO at
// `output_path`, whose reader starts reading after `block`.
StalledRun RunWithSinkBlockedFor(const TempDir& dir, const std::string& log,
                                 Clock::duration block) {
  const std::string input_path = dir.File("in.fifo"), output_path = dir.File("out.fifo");
  unlink(input_path.c_str());
  unlink(output_path.c_str());
  if (mkfifo(input_path.c_str(), 0600) != 0 || mkfifo(output_path.c_str(), 0600) != 0) {
    ADD_FAILURE() << "mkfifo failed";
    return {};
  }
  // Opened before sluice starts, so that its open for writing does not wait for us.
  const int output_fd = open(output_path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  StalledRun run;
  std::thread sluice([&] {
    run.child = RunSluice(
        {"run", "configs/clean_events.yaml", "--input", "-", "--output", output_path, "--format",
         "jsonl", "--quiet", "--report", dir.File("report.json"), "--set",
         "queue.capacity=" + std::to_string(kCapacity),
         // The watchdog watches stuck stages; waiting on a full queue is not being stuck.
         "--set", "stages.parse.stall_timeout=1s", "--set", "stages.validate.stall_timeout=1s",
         "--set", "errors.dead_letter=" + dir.File("dead.jsonl")},
        {.stdin_path = input_path});
  });
  {
    FifoFeeder feeder(input_path, log);
    std::this_thread::sleep_for(block / 2);
    run.input_taken_early = feeder.written();
    std::this_thread::sleep_for(block - block / 2);
    run.input_taken_blocked = feeder.written();

    const auto released = Clock::now();
    run.output_lines = CountLinesUntilClosed(output_fd);
    run.seconds_after_release = SecondsSince(released);
  }
  sluice.join();
  close(output_fd);
  run.report = ParseReport(ReadFile(dir.File("report.json")));
  return run;
}

TEST(StalledSink, FiveSecondBlockStopsTheSourceLosesNothingAndRecovers) {
  signal(SIGPIPE, SIG_IGN);  // a sluice that quits early must fail the test, not kill it
  TempDir dir("stalled");
  const std::string log_path = dir.File("log.jsonl");
  ASSERT_EQ(RunChild({SLUICE_GEN_PATH, "--lines", std::to_string(kLines), "--bad-ratio", "0.01",
                      "--seed", "7", "--out", log_path})
                .exit_code,
            0);
  const std::string log = ReadFile(log_path);
  size_t longest_line = 0;
  for (const std::string& line : SplitLines(log)) {
    longest_line = std::max(longest_line, line.size());
  }

  const StalledRun baseline = RunWithSinkBlockedFor(dir, log, 0s);
  const StalledRun stalled = RunWithSinkBlockedFor(dir, log, kSinkBlocked);

  for (const StalledRun* run : {&baseline, &stalled}) {
    ASSERT_EQ(run->child.exit_code, 0) << run->child.err;
    ASSERT_TRUE(run->report.has_value());
    EXPECT_TRUE(run->report->balanced);
    EXPECT_EQ(run->report->totals.read, kLines);
    EXPECT_EQ(run->output_lines, run->report->totals.ok);
  }
  EXPECT_EQ(stalled.report->totals.ok, baseline.report->totals.ok);
  EXPECT_EQ(stalled.report->totals.errors, baseline.report->totals.errors);

  // The source stopped: no input was taken in the second half of the block, and what was
  // taken fits in the pipeline. Ordered mode admits at most one batch per queue slot and
  // per worker, plus the one the source fills (framework/detail/pipeline_impl.cc, max_in_flight);
  // on top come the source's 128 KiB read block and the pipes' and the writer's buffers.
  EXPECT_EQ(stalled.input_taken_early, stalled.input_taken_blocked) << "the source kept reading";
  constexpr uint64_t kBatchesInFlight = 1 + (kCapacity + 2) * 2 + kCapacity + 1;
  const uint64_t bound = kBatchesInFlight * kBatch * (longest_line + 1) + (3u << 20);
  EXPECT_LE(stalled.input_taken_blocked, bound);
  EXPECT_LT(stalled.input_taken_blocked, log.size() / 4);

  // The flow returns: the rest arrives at a pace comparable to an unblocked run (loose,
  // since this machine is shared), and the block did not cost memory.
  const double baseline_rate = kLines / baseline.seconds_after_release;
  const double recovered_rate = kLines / stalled.seconds_after_release;
  std::cout << "[figures] sink blocked 5 s: input taken " << stalled.input_taken_blocked << " of "
            << log.size() << " bytes (bound " << bound << "); records/s unblocked "
            << static_cast<uint64_t>(baseline_rate) << ", after the block "
            << static_cast<uint64_t>(recovered_rate) << "; peak RSS "
            << stalled.child.max_rss_bytes / 1024 << " KiB (unblocked "
            << baseline.child.max_rss_bytes / 1024 << " KiB)\n";
  EXPECT_GE(recovered_rate, 0.2 * baseline_rate);
  EXPECT_LE(stalled.child.max_rss_bytes, baseline.child.max_rss_bytes + (8u << 20))
      << "baseline peak " << baseline.child.max_rss_bytes;
}

}  // namespace
}  // namespace sluice::reliability
