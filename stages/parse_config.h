// Config helpers shared by the parse stages' factories (parse_json, parse_csv, parse_kv,
// parse_regex): the options they have in common. Every helper reports its problems to
// ConfigErrors with the node's position and returns nullopt, so that a factory reads every
// option and reports every problem at once. (The loader checks the stage's keys:
// StageType::CheckKeys.)
//
//   std::optional<sluice::ValueTyping> typing =
//       sluice::ReadValueTyping(stage, "types", sluice::ValueTyping::kInfer, errors);
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "framework/config_node.h"
#include "stages/text_values.h"

namespace sluice {

/// `key` as ValueTyping ("infer" | "string"); `fallback` when absent; nullopt on error.
std::optional<ValueTyping> ReadValueTyping(const ConfigNode& stage, std::string_view key,
                                           ValueTyping fallback, ConfigErrors& errors);

/// `key` as a bool; `fallback` when absent; nullopt on error.
std::optional<bool> ReadBool(const ConfigNode& stage, std::string_view key, bool fallback,
                             ConfigErrors& errors);

/// `key` as a string; `fallback` when absent; nullopt on error.
std::optional<std::string> ReadString(const ConfigNode& stage, std::string_view key,
                                      std::string fallback, ConfigErrors& errors);

/// `key` as a single character: one byte, or the escapes "\t" / "tab" for a tab. An empty
/// string gives '\0' (meaning "none") when `allow_empty`. `fallback` when absent.
std::optional<char> ReadChar(const ConfigNode& stage, std::string_view key, char fallback,
                             bool allow_empty, ConfigErrors& errors);

/// `key` as a field name: a non-empty string. `fallback` when absent.
std::optional<std::string> ReadFieldName(const ConfigNode& stage, std::string_view key,
                                         std::string fallback, ConfigErrors& errors);

}  // namespace sluice
