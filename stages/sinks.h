// Sinks: where results and error items go at the end of a pipeline.
//
//   auto out = sluice::OpenOutput({.path = "", .format = sluice::OutputFormat::kTable});
//   pipeline.OnResult([&](const sluice::Record& r) { (*out)->Write(r); });
//   // or, for jsonl, formatted on the workers in parallel:
//   pipeline.EncodeResults((*out)->encoder(), [&](std::string_view bytes, uint64_t n) {
//     (*out)->WriteEncoded(bytes, n);
//   });
//   ... run ...
//   sluice::Status written = (*out)->Close();   // table output prints here
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "framework/error.h"
#include "framework/record.h"
#include "framework/result.h"

namespace sluice {

enum class OutputFormat : uint8_t { kTable, kJsonl, kCsv };
/// The formats' names, as configs and --format write them: table, jsonl, csv.
const std::vector<std::string>& OutputFormatNames();
std::optional<OutputFormat> OutputFormatFromName(std::string_view name);  // "table" ...
/// The format a file name's extension names, in any case: .jsonl, .ndjson and .json are
/// jsonl, .csv is csv (OUT.CSV too); nullopt for any other name.
std::optional<OutputFormat> OutputFormatFromPath(std::string_view path);

struct OutputOptions {
  std::string path;  // "" or "-" = stdout
  OutputFormat format = OutputFormat::kTable;
};

/// Appends the bytes one record stands for in a format whose records stand alone (jsonl).
/// Thread-safe: workers encode in parallel (Pipeline::EncodeResults).
using RecordEncoder = void (*)(const Record& record, std::string& out);

/// Writes result records. Not thread-safe (the collector calls it from one thread).
class RecordWriter {
 public:
  virtual ~RecordWriter() = default;
  virtual void Write(const Record& record) = 0;
  /// The format's encoder, when each record's bytes stand alone (jsonl); null when the
  /// format needs every record first (table, csv).
  virtual RecordEncoder encoder() const { return nullptr; }
  /// Writes `records` records that encoder() made into `bytes`. Only when encoder() is set.
  virtual void WriteEncoded(std::string_view bytes, uint64_t records);
  /// Writes out what a streaming format (jsonl) holds in its buffer; formats that need
  /// every record first (table, csv) write nothing before Close.
  virtual void Flush() {}
  /// A write failed (a full disk, a closed pipe; Flush also notices a pipe's reader gone):
  /// the rest of the output is dropped, and Close reports why.
  virtual bool failed() const { return false; }
  /// Flushes (the table format prints its aligned table here). Reports write failures
  /// (a full disk, a closed pipe) that happened at any point.
  virtual Status Close() = 0;
  /// Records written so far.
  virtual uint64_t written() const = 0;
};
Result<std::unique_ptr<RecordWriter>> OpenOutput(const OutputOptions& options);

/// Appends error items as JSONL: {"source","line","offset","stage","code","message","raw"},
/// plus "raw_truncated" and "raw_bytes" when raw holds only the start of a long line (for
/// Encode through Pipeline::EncodeErrors: a too_large line, which the source never held).
class DeadLetterWriter {
 public:
  virtual ~DeadLetterWriter() = default;
  /// Appends `error`'s dead letter line. Thread-safe (Pipeline::EncodeErrors).
  static void Encode(const Error& error, std::string& out);
  virtual void Write(const Error& error) = 0;
  /// Writes `errors` lines that Encode made into `bytes`.
  virtual void WriteEncoded(std::string_view bytes, uint64_t errors) = 0;
  /// Writes out what is buffered.
  virtual void Flush() {}
  /// As RecordWriter::failed.
  virtual bool failed() const { return false; }
  virtual Status Close() = 0;
  virtual uint64_t written() const = 0;
};
/// Creates parent directories as needed. An existing regular file is replaced by a new one
/// with its permissions; a symlink, hard-linked file, FIFO or device is written through.
Result<std::unique_ptr<DeadLetterWriter>> OpenDeadLetters(const std::string& path);

/// Whether OpenOutput or OpenDeadLetters can open `path` ("" or "-": stdout), found
/// without replacing anything (parent directories are created). Check every output before
/// opening one: an output that cannot open then leaves the others' old contents.
Status CheckOutputPath(const std::string& path);

}  // namespace sluice
