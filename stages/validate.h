// ValidateStage: checks fields against declared rules; a record that breaks one becomes
// an error item (or, with on_invalid: drop, is filtered).
//
// In YAML:
//
//   - name: validate
//     type: validate
//     on_invalid: error            # error (default) | drop: count the record as filtered
//     rules:
//       ts:         { type: int, required: true }
//       user:       { type: string, required: true, min_length: 1, max_length: 64 }
//       event:      { type: string, one_of: [view, click, purchase] }
//       bytes:      { type: int, min: 0, max: 10000000 }
//       latency_ms: number         # shorthand for { type: number }
//
// In code:
//
//   sluice::ValidateOptions options;
//   options.rules.push_back({.field = "bytes", .type = sluice::FieldType::kInt,
//                            .required = true, .min = sluice::Value{int64_t{0}}});
//   auto stage = std::make_unique<sluice::ValidateStage>(std::move(options));
//
// Rule keys:
//   type        int | number | string | bool. "int" accepts int values only, never a
//               double, not even an integral one (1.0); "number" accepts ints and doubles.
//               Without a type a rule only checks presence.
//   required    default false: an absent optional field passes every check. A field that
//               is present but null counts as present (and fails any type).
//   min, max    inclusive bounds for int and number fields, compared exactly (an int
//               bound against int values never goes through double). NaN fails a bound.
//   one_of      allowed values: compared as strings for string fields, numerically for
//               numbers (1 and 1.0 are equal), as true/false for bools.
//   min_length, max_length   inclusive length bounds for strings, in UTF-8 characters.
//   pattern     an ECMAScript regular expression (std::regex) that must match somewhere
//               in a string field; anchor it with ^...$ to match the whole value. Slower
//               than the other checks (about a microsecond per value). std::regex
//               recurses once per character matched, so values longer than
//               kMaxPatternInputBytes fail (kOutOfRange) instead of being matched; and it
//               backtracks, so avoid nested quantifiers like (a+)+, which take exponential
//               time on some inputs.
//
// Rules are checked in declared order, and the checks of a rule in this order: presence
// (required), type, min/max, min_length/max_length, one_of, pattern. The first failure is
// reported:
//   kMissingField  missing required field 'ts'
//   kWrongType     field 'bytes': expected int, got string "abc"
//   kOutOfRange    field 'bytes': 20000000 is above max 10000000
//                  field 'user': length 70 is above max_length 64
//                  field 'user': 2000 bytes is too long to match a pattern (at most 1024)
//   kNotAllowed    field 'event': "hover" is not one of view, click, purchase
//                  field 'user': "a b" does not match pattern ^[a-z]+$
//
// Per record, a passing record costs one field lookup and a few comparisons per rule and
// allocates nothing. Reads() is exactly the rule fields.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "framework/stage.h"
#include "framework/stage_registry.h"
#include "framework/value.h"

namespace sluice {

enum class FieldType : uint8_t { kAny, kInt, kNumber, kString, kBool };

/// "any", "int", "number", "string", "bool".
std::string_view FieldTypeName(FieldType type);

/// The longest string value a `pattern` is matched against (std::regex's recursion would
/// overflow the stack on values of some ten thousand characters).
inline constexpr size_t kMaxPatternInputBytes = 1024;

struct FieldRule {
  std::string field;
  FieldType type = FieldType::kAny;
  bool required = false;
  std::optional<Value> min = {};  // an int or a double; numeric types only
  std::optional<Value> max = {};
  /// Allowed values: strings for string fields, ints or doubles for numbers, bools for bool.
  std::vector<Value> one_of = {};
  std::optional<uint64_t> min_length = {};  // strings only
  std::optional<uint64_t> max_length = {};
  std::optional<std::string> pattern = {};  // strings only; ECMAScript syntax
};

enum class OnInvalid : uint8_t {
  kError,  // the record becomes an error item
  kDrop,   // the record is dropped and counted as filtered (Verdict::kFilter)
};

struct ValidateOptions {
  std::vector<FieldRule> rules;
  OnInvalid on_invalid = OnInvalid::kError;
};

/// Problems with `options`, one message each (empty when valid): a bound on a
/// non-numeric type, min above max, a one_of value of the wrong type, a bad pattern...
std::vector<std::string> CheckValidateOptions(const ValidateOptions& options);

class ValidateStage final : public Stage {
 public:
  /// Throws std::invalid_argument listing CheckValidateOptions' problems, if any.
  explicit ValidateStage(ValidateOptions options);
  ~ValidateStage() override;

  std::unique_ptr<StageWorker> MakeWorker() override;
  FieldNeeds Reads() const override;
  StageInput Input() const override { return StageInput::kRecords; }
  const ValidateOptions& options() const { return options_; }

  struct Compiled;  // the rules with FieldIds, sets and regexes ready; shared with workers

 private:
  ValidateOptions options_;
  std::shared_ptr<const Compiled> compiled_;
};

/// Registers `type: validate` (keys: rules, on_invalid).
void RegisterValidate(StageRegistry& registry);

}  // namespace sluice
