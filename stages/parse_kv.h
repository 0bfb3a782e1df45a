// parse_kv: key/value lines -> a Record. Two layouts:
//
//   as: fields     (default)  "user=ada event=click ms=15" -> {user:"ada", event:"click", ms:15}
//   as: key_value             "users:42" -> {key:"users", value:42}  (one pair per line; the
//                             key goes to `key_field`, the value to `value_field`)
//
// YAML:
//   - name: parse
//     type: parse_kv
//     as: key_value            # fields | key_value
//     separators: [":", "="]   # between a key and its value (default [":", "="])
//     pair_delimiter: ","      # between pairs (default: runs of spaces and tabs)
//     key_field: metric        # key_value layout only (default "key")
//     value_field: amount      # key_value layout only (default "value")
//     types: infer             # infer | string (see text_values.h)
//
// In code:
//   pipeline.Add({.name = "parse"}, std::make_unique<sluice::ParseKvStage>(
//                                       sluice::ParseKvOptions{.layout =
//                                       sluice::KvLayout::kKeyValue}));
//
// A pair splits at the earliest separator in it (the longest one when several start
// there), so "url=http://x" is {url:"http://x"} and "at=12:30" is {at:"12:30"}. Keys are
// strings; blanks around keys and values are trimmed. A value may be double-quoted
// (logfmt style: msg="login failed"): it may then hold delimiters, \" and \\ stand for "
// and \, and it stays a string. Unquoted values are typed like CSV's (`types`).
// In key_value layout the whole line is the one pair: the value is the rest of the line
// after the separator ("note: a b" -> {key:"note", value:"a b"}).
// Duplicate keys (fields layout): the last one wins. Projection: in the fields layout only
// the keys later stages read are kept.
//
// Errors (kInvalidInput): the shared line checks (line_checks.h); "expected key:value or
// key=value at column N" (a pair without a separator; the text follows the separators);
// "empty key at column N"; "unterminated quoted value starting at column N"; "unexpected
// character after closing quote at column N".
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "framework/stage.h"
#include "framework/stage_registry.h"
#include "stages/text_values.h"

namespace sluice {

enum class KvLayout : uint8_t {
  kFields,    // each pair is a field named by its key
  kKeyValue,  // the line's one pair becomes two fields: key_field and value_field
};

struct ParseKvOptions {
  std::vector<std::string> separators = {":", "="};
  std::string pair_delimiter = "";  // "" = runs of spaces and tabs
  KvLayout layout = KvLayout::kFields;
  std::string key_field = "key";
  std::string value_field = "value";
  ValueTyping types = ValueTyping::kInfer;
};

/// What is wrong with `options` ("" when nothing), every option at fault, joined by "; ":
/// no separators, an empty one, one that holds a blank, a quote or the pair delimiter, a
/// quote in the pair delimiter, empty or equal key/value field names.
std::string ValidateKvOptions(const ParseKvOptions& options);

class ParseKvStage : public Stage {
 public:
  /// `options` must be valid (ValidateKvOptions); throws std::invalid_argument otherwise.
  explicit ParseKvStage(ParseKvOptions options = {});

  std::unique_ptr<StageWorker> MakeWorker() override;
  FieldNeeds Reads() const override { return FieldNeeds::None(); }
  StageInput Input() const override { return StageInput::kRawLines; }
  void Project(const FieldNeeds& needed) override;

  const ParseKvOptions& options() const { return options_; }

 private:
  ParseKvOptions options_;
  FieldNeeds needed_ = FieldNeeds::All();
};

/// Registers type `parse_kv` (keys: as, separators, pair_delimiter, key_field,
/// value_field, types).
void RegisterParseKv(StageRegistry& registry);

}  // namespace sluice
