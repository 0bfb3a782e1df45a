// YAML loader: text -> sluice::ConfigNode, every node and key marked with its 1-based
// line:column, safe on hostile input (bounded time, memory and stack).
//
//   sluice::ConfigErrors errors;
//   sluice::Result<sluice::ConfigNode> root = sluice::LoadYamlFile("pipe.yaml", errors);
//   if (!root.ok()) { std::cerr << errors.ToString(); return 2; }   // "pipe.yaml:3:7: ..."
//   const sluice::ConfigNode* stages = root->Get("stages");
//
// What is refused, each with a positioned error (never a crash, never a long stall):
// files over YamlLimits::max_file_bytes (before parsing), bytes that are not UTF-8 or NUL,
// nesting deeper than max_depth (flow `[[[...` and block indentation are pre-scanned,
// because yaml-cpp's parser recurses), alias expansion beyond max_nodes or
// max_expanded_bytes (billion laughs, with many small nodes or a few big strings),
// an alias inside its own anchor (cycle), duplicate map keys (at the second key),
// non-scalar map keys, several documents in one file, and every yaml-cpp parse error.
//
// Scalars keep their text: `workers: 2` is the scalar "2" (ConfigNode::AsInt converts).
// A plain `~`, `null`, or an empty value is a null node; a quoted "null" is a string.
// yaml-cpp is private to sluice_pipelines: no yaml-cpp type appears here.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "framework/config_node.h"
#include "framework/result.h"

namespace sluice {

struct YamlLimits {
  size_t max_file_bytes = size_t{8} << 20;       // larger configs are refused unread
  int max_depth = 64;                            // nested maps/lists, the root being depth 1
  size_t max_nodes = 100'000;                    // nodes after alias expansion
  size_t max_expanded_bytes = size_t{64} << 20;  // scalar text after alias expansion
};

/// Whether the text of a plain (unquoted) scalar means null: empty, ~, null, Null, NULL.
inline bool IsPlainYamlNull(std::string_view text) {
  return text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL";
}

/// Reads and parses `path`. Every problem goes to `errors` (file:line:column: message);
/// on failure the returned Error (kInvalidInput) holds the same problems, one per line.
/// An empty document gives a null root node.
Result<ConfigNode> LoadYamlFile(const std::string& path, ConfigErrors& errors,
                                const YamlLimits& limits = {});

/// As LoadYamlFile, for text held in memory; `file_name` is used in the marks.
Result<ConfigNode> LoadYamlString(std::string_view text, const std::string& file_name,
                                  ConfigErrors& errors, const YamlLimits& limits = {});

/// As LoadYamlFile and LoadYamlString, for a config that is checked further: the tree is
/// returned also when the loader could read past its problems (a duplicate or empty map
/// key, a key that is no string, a bad merge: the tree then lacks that value), so that the later
/// checks can report theirs too, as `sluice validate` does. Every problem is in `errors`; nullopt
/// when the text could not be read to its end.
std::optional<ConfigNode> ReadYamlFile(const std::string& path, ConfigErrors& errors,
                                       const YamlLimits& limits = {});
std::optional<ConfigNode> ReadYamlString(std::string_view text, const std::string& file_name,
                                         ConfigErrors& errors, const YamlLimits& limits = {});

}  // namespace sluice
