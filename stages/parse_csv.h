// parse_csv: one CSV row per line -> a Record (RFC 4180 quoting; rows may span lines with
// `multiline: true`).
//
// YAML:
//   - name: parse
//     type: parse_csv
//     columns: [ts, user, bytes]   # optional when header: true
//     header: true                 # line 1 is a header row (default true)
//     delimiter: ","               # one character; "\t" or "tab" for TSV
//     quote: "\""                  # one character, or "" for no quoting
//     types: infer                 # infer | string (see text_values.h)
//     multiline: false             # true: quoted fields may hold line breaks
//
// In code:
//   pipeline.Add({.name = "parse", .workers = 2},
//                std::make_unique<sluice::ParseCsvStage>(sluice::ParseCsvOptions{
//                    .columns = {"ts", "user", "bytes"}, .header = false}));
//
// The header row. Workers parse lines in parallel, so the worker that meets line 1 is
// not necessarily the first to run:
//  - with `columns:` the names are known up front and nothing is shared; when header is
//    also true, line 1 is dropped as the header (Verdict::kFilter, counted as filtered)
//    once it has the right number of columns: `columns:` renames the file's header.
//  - without `columns:` (header must then be true) the names come from line 1, through a
//    slot shared by the stage's workers: the worker that parses line 1 fills it, and a
//    worker that meets a later line first waits for it (line 1 is in the first batch, so
//    the wait is short). A worker never waits when the stage has a single worker (it
//    meets line 1 first), nor when line 1 has already been found bad, here or before (the
//    source failed it, e.g. too long: StageWorker::PassOver); its rows then fail with "no
//    valid header row". When line 1 never reaches the stage (a stage before filtered it)
//    the wait gives up after kHeaderWait and the row fails. Give `columns:` when the
//    input's line numbers do not start at 1.
//
// Values: unquoted fields are typed by `types` (infer: "42" -> int, "" -> null, ...);
// quoted fields are always strings ("" quoted is the empty string), which is how a CSV
// file keeps "42" or "true" as text (an unquoted 007 is text already: see text_values.h). No
// trimming: " 42" is the string " 42". A quote inside an unquoted field is kept literally.
//
// Line breaks: by default every line is a row, as in any line-based log. With `multiline:
// true` a quoted field may hold line breaks (as sluice's own csv output writes them): the
// stage tells the source (Framing), which hands each row over whole, numbered by its first
// line. A quote left open then runs to the end of the input (as one too_large row when that
// is over max_line_bytes). In code, open the file source with `.framing = stage.Framing()`:
// Pipeline::Run refuses one that ends rows otherwise. A pushed line is a row as pushed, line
// breaks and all (Pipeline::Push frames nothing).
//
// Errors (kInvalidInput): the shared line checks (line_checks.h); "expected N columns,
// got M"; "unterminated quoted field starting at column N"; "unexpected character after
// closing quote at column N"; header problems ("header row: duplicate column 'a'").
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "framework/field_names.h"
#include "framework/stage.h"
#include "framework/stage_registry.h"
#include "stages/text_values.h"

namespace sluice {

struct ParseCsvOptions {
  std::vector<std::string> columns = {};  // empty: read the names from line 1 (header must be true)
  bool header = true;                     // line 1 is a header row
  char delimiter = ',';
  char quote = '"';  // '\0': no quoting
  ValueTyping types = ValueTyping::kInfer;
  bool multiline = false;  // quoted fields may hold line breaks (see Framing); needs a quote
};

namespace detail {
struct CsvHeaderSlot;  // the header shared by a stage's workers (parse_csv.cc)
}

class ParseCsvStage : public Stage {
 public:
  /// How long a worker waits for another worker to parse line 1 before failing a row.
  static constexpr std::chrono::seconds kHeaderWait{10};

  /// `options` must be valid (see ValidateCsvOptions); the constructor throws
  /// std::invalid_argument otherwise.
  explicit ParseCsvStage(ParseCsvOptions options);
  ~ParseCsvStage() override;

  std::unique_ptr<StageWorker> MakeWorker() override;
  FieldNeeds Reads() const override { return FieldNeeds::None(); }
  StageInput Input() const override { return StageInput::kRawLines; }
  /// With `multiline`, rows end only at line breaks outside quoted fields.
  RecordFraming Framing() const override;
  /// Materialize only `needed.fields` unless `needed.all` (every row is still checked).
  void Project(const FieldNeeds& needed) override;

  const ParseCsvOptions& options() const { return options_; }

 private:
  ParseCsvOptions options_;
  FieldNeeds needed_ = FieldNeeds::All();
  std::shared_ptr<detail::CsvHeaderSlot> header_slot_;
};

/// What is wrong with `options` ("" when nothing): no columns without a header, empty or
/// duplicate column names, delimiter equal to the quote or to '\0', multiline without a quote
/// or with a CR or LF as the quote or the delimiter.
std::string ValidateCsvOptions(const ParseCsvOptions& options);

/// Registers type `parse_csv` (keys: columns, header, delimiter, quote, types, multiline).
void RegisterParseCsv(StageRegistry& registry);

}  // namespace sluice
