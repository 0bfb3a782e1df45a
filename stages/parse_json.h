// parse_json: one JSON object per line -> a Record, with simdjson's on-demand API, or, for
// the common line whose values are all scalars (no escapes, no nesting), with a one-pass
// reader of its own (detail/flat_json.h) that gives the same records and errors.
//
// YAML:
//   - name: parse
//     type: parse_json
//     workers: 2
//     max_depth: 64        # optional; nesting deeper than this fails the record (default 1024)
//
// In code:
//   pipeline.Add({.name = "parse", .workers = 2},
//                std::make_unique<sluice::ParseJsonStage>(sluice::ParseJsonOptions{}));
//
// Values: an integer that fits int64 -> int64_t; a larger integer -> double (it keeps its
// magnitude, loses digits beyond 2^53); other numbers -> double; strings -> std::string
// (unescaped); true/false -> bool; null -> null (std::monostate); a nested object or array
// -> std::string holding its raw JSON text, as written in the line (inner whitespace kept).
// Duplicate keys: the last one wins, at the position of the first.
//
// Projection: when Project() says later stages read only some fields, only those keys'
// values are materialized; the values of other keys are skipped without being parsed
// (the main speed lever). Skipped values are only checked for structure (balanced
// brackets, closed strings, valid UTF-8), not fully validated, so a line whose bad part
// lies inside a skipped value passes; every value that is kept is fully validated,
// nested ones included, and must not nest deeper than max_depth.
//
// Errors (kInvalidInput unless noted): the shared line checks (line_checks.h: empty line,
// NUL byte, invalid UTF-8 -> kInvalidEncoding); "expected a JSON object"; "invalid JSON at
// column N: <reason>" (a line cut short: "the line ends inside the object opened at
// column 1", N one past its end; trailing text: "unexpected content after the JSON
// object"); "too many distinct field names" (kResourceExhausted) when FieldNames is full.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "framework/field_names.h"
#include "framework/stage.h"
#include "framework/stage_registry.h"

namespace sluice {

struct ParseJsonOptions {
  /// Deepest nesting of a kept value (the top-level object is level 1). Kept values are
  /// validated recursively, so this also bounds stack use; at most kMaxDepthLimit.
  int max_depth = 1024;
  static constexpr int kMaxDepthLimit = 4096;
  /// Lines whose values are all scalars (strings without escapes, numbers, true, false,
  /// null) are read by a one-pass reader of their own, which gives up on anything else and
  /// leaves the line to simdjson; records and errors are the same either way. False sends
  /// every line to simdjson (for comparing the two; not a YAML key).
  bool flat_reader = true;
};

class ParseJsonStage : public Stage {
 public:
  explicit ParseJsonStage(ParseJsonOptions options = {});

  std::unique_ptr<StageWorker> MakeWorker() override;
  /// Parse stages read no record fields (they make them).
  FieldNeeds Reads() const override { return FieldNeeds::None(); }
  StageInput Input() const override { return StageInput::kRawLines; }
  /// Materialize only `needed.fields` unless `needed.all`.
  void Project(const FieldNeeds& needed) override;

  const ParseJsonOptions& options() const { return options_; }

 private:
  ParseJsonOptions options_;
  FieldNeeds needed_ = FieldNeeds::All();
};

/// Registers type `parse_json` (keys: max_depth).
void RegisterParseJson(StageRegistry& registry);

}  // namespace sluice
