// ProgressLine: while a pipeline runs, one line on stderr refreshed ~4 times a second
// with the record rate, the share of the input read and the errors so far; erased when
// the run ends, so that the summary that follows starts on a clean line.
//
//   sluice::cli::ProgressLine progress(pipeline, isatty(STDERR_FILENO) && !quiet);
//   sluice::RunReport report = pipeline.Run(source);
//   progress.Stop();   // also done by the destructor (when Run throws)
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "framework/pipeline.h"
#include "pipelines/cli/periodic_task.h"

namespace sluice::cli {

/// "  1.25M records  412k rec/s  37% read  12 errors  3.1s": the progress text.
/// `records_per_second` is the recent rate; the share is left out when the total is unknown.
std::string FormatProgress(const Progress& progress, double records_per_second);

class ProgressLine {
 public:
  /// Refreshes the line from `pipeline.progress()` in a thread of its own when `enabled`;
  /// does nothing otherwise. `pipeline` must outlive this object (or its Stop).
  ProgressLine(const Pipeline& pipeline, bool enabled);
  ~ProgressLine();
  ProgressLine(const ProgressLine&) = delete;
  ProgressLine& operator=(const ProgressLine&) = delete;

  /// Stops the refreshing and erases the line. Idempotent.
  void Stop();

 private:
  void Redraw();

  const Pipeline& pipeline_;
  uint64_t last_read_ = 0;  // at the last redraw, for the recent rate
  double last_seconds_ = 0;
  double rate_ = 0;
  std::optional<PeriodicTask> redraw_;  // last: it runs Redraw, which reads the above
};

}  // namespace sluice::cli
