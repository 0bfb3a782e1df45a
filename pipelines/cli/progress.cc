#include "pipelines/cli/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>

namespace sluice::cli {
namespace {

constexpr auto kRefreshInterval = std::chrono::milliseconds(250);
constexpr const char* kEraseLine = "\r\033[K";

// 1234 -> "1234", 56789 -> "56.8k", 1250000 -> "1.25M".
std::string HumanCount(double n) {
  char text[32];
  if (n < 10'000) {
    std::snprintf(text, sizeof text, "%.0f", n);
  } else if (n < 1e6) {
    std::snprintf(text, sizeof text, "%.1fk", n / 1e3);
  } else if (n < 1e9) {
    std::snprintf(text, sizeof text, "%.2fM", n / 1e6);
  } else {
    std::snprintf(text, sizeof text, "%.2fG", n / 1e9);
  }
  return text;
}

// Columns of the terminal on stderr; a longer line would wrap and break the '\r' redraw.
size_t TerminalColumns() {
  winsize size{};
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

void WriteToStderr(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stderr);
  std::fflush(stderr);
}

}  // namespace

std::string FormatProgress(const Progress& progress, double records_per_second) {
  std::string line = "  " + HumanCount(static_cast<double>(progress.read)) + " records  " +
                     HumanCount(records_per_second) + " rec/s";
  if (progress.total_bytes > 0) {
    const double share = 100.0 * static_cast<double>(progress.bytes_read) /
                         static_cast<double>(progress.total_bytes);
    char text[32];
    std::snprintf(text, sizeof text, "  %.0f%% read", share > 100 ? 100.0 : share);
    line += text;
  }
  line += "  " + HumanCount(static_cast<double>(progress.errors)) +
          (progress.errors == 1 ? " error" : " errors");
  char elapsed[32];
  std::snprintf(elapsed, sizeof elapsed, "  %.1fs", progress.elapsed_seconds);
  line += elapsed;
  return line;
}

ProgressLine::ProgressLine(const Pipeline& pipeline, bool enabled) : pipeline_(pipeline) {
  if (enabled) redraw_.emplace(kRefreshInterval, [this] { Redraw(); });
}

ProgressLine::~ProgressLine() { Stop(); }

void ProgressLine::Stop() {
  if (!redraw_) return;
  redraw_.reset();  // joins: no redraw after this
  WriteToStderr(kEraseLine);
}

void ProgressLine::Redraw() {
  const Progress now = pipeline_.progress();
  const double interval = now.elapsed_seconds - last_seconds_;
  if (interval > 0) {
    const double recent = static_cast<double>(now.read - last_read_) / interval;
    rate_ = rate_ == 0 ? recent : 0.5 * rate_ + 0.5 * recent;  // smooths batchy reads
  }
  last_read_ = now.read;
  last_seconds_ = now.elapsed_seconds;
  std::string line = FormatProgress(now, rate_);
  const size_t columns = TerminalColumns();
  if (line.size() >= columns) line.resize(columns - 1);
  WriteToStderr(kEraseLine + line);
}

}  // namespace sluice::cli
