// Source: where a pipeline's input lines come from (a file, stdin, a paced replay).
//
//   class VectorSource : public sluice::Source {
//     std::vector<std::string> lines_; size_t next_ = 0;
//    public:
//     std::string_view name() const override { return "memory"; }
//     sluice::SourceStatus Read(sluice::Batch& batch, size_t max_items) override {
//       while (batch.size() < max_items && next_ < lines_.size())
//         batch.AddLine(lines_[next_], next_ + 1, 0), ++next_;
//       return next_ < lines_.size() ? sluice::SourceStatus::kMore : sluice::SourceStatus::kEnd;
//     }
//   };
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "framework/item.h"

namespace sluice {

// What a Read leaves after it; in each case the batch may hold items.
enum class SourceStatus : uint8_t {
  kMore,     // more input may follow
  kEnd,      // input exhausted
  kStopped,  // Interrupt ended the input before its end: later reads add nothing
};

/// Where a line-reading source (OpenFileSource) ends a record. By default every line break
/// ends one. With a quote, CSV's quoting (RFC 4180, as parse_csv reads it) decides: a line
/// break inside a quoted field (one that starts with `quote`, at the record's start or after
/// a `delimiter`; a doubled quote inside stands for one) belongs to the record, which comes
/// as one item numbered by its first line.
struct RecordFraming {
  char quote = '\0';  // '\0': every line break ends a record
  char delimiter = ',';
};

/// Read by one thread at a time, never concurrently: Pipeline::Run's thread, or the first
/// stage's workers in turn (see Pipeline::Run); so Read may be called from different threads.
class Source {
 public:
  virtual ~Source() = default;
  /// Input name for error positions: a path, "stdin".
  virtual std::string_view name() const = 0;
  /// Appends up to `max_items` items to `batch` with Batch::AddLine. A line that cannot
  /// become a record (too long, say) is added and failed with Item::Fail. Blocks until at
  /// least one item is added or the input ends.
  virtual SourceStatus Read(Batch& batch, size_t max_items) = 0;
  /// Where this source ends its records, when it says (OpenFileSource's sources do);
  /// nullopt: it does not say. Pipeline::Run refuses a source whose framing is not the
  /// first stage's (Stage::Framing): rows cut at quoted line breaks would fail one by one.
  virtual std::optional<RecordFraming> framing() const { return std::nullopt; }
  /// Bytes of input consumed so far, and in all when known (0 when not): for progress.
  virtual uint64_t bytes_read() const { return 0; }
  virtual uint64_t total_bytes() const { return 0; }
  /// Asks a Read that may block for long (a paced replay waiting for the next event time)
  /// to return soon with kStopped (kEnd if the input ended first). Called by
  /// Pipeline::RequestStop (from any thread; from Run's, when the stop came before Run).
  /// Unless the Read in progress returns kStopped or kEnd, the pipeline then reads once
  /// more, and only once, so that what the source took from its input and has not handed
  /// over yet (lines a pipe gave, which cannot be read again; messages a network read took)
  /// still goes through: that last Read should hand over all of it, past max_items if need
  /// be (FileSource and the paced source do), and not block. What it keeps is lost. The
  /// run's report says stopped_early unless the last Read returned kEnd. A stall (or the
  /// pipeline's destruction mid-run) interrupts the source too: a Read that blocks on
  /// regardless keeps a stalled Run from throwing (StallError) for up to a second when the
  /// first stage's workers read, and until it returns when Run's own thread reads.
  virtual void Interrupt() {}
};

}  // namespace sluice
