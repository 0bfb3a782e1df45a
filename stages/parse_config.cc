#include "stages/parse_config.h"

namespace sluice {

std::optional<ValueTyping> ReadValueTyping(const ConfigNode& stage, std::string_view key,
                                           ValueTyping fallback, ConfigErrors& errors) {
  const ConfigNode* node = stage.Get(key);
  if (node == nullptr) return fallback;
  std::optional<std::string> name = node->AsString(errors);
  if (!name) return std::nullopt;
  std::optional<ValueTyping> typing = ValueTypingFromName(*name);
  if (!typing) {
    errors.Add(node->mark(),
               std::string(key) + ": expected 'infer' or 'string', got '" + *name + "'");
  }
  return typing;
}

std::optional<bool> ReadBool(const ConfigNode& stage, std::string_view key, bool fallback,
                             ConfigErrors& errors) {
  const ConfigNode* node = stage.Get(key);
  if (node == nullptr) return fallback;
  return node->AsBool(errors);
}

std::optional<std::string> ReadString(const ConfigNode& stage, std::string_view key,
                                      std::string fallback, ConfigErrors& errors) {
  const ConfigNode* node = stage.Get(key);
  if (node == nullptr) return fallback;
  return node->AsString(errors);
}

std::optional<char> ReadChar(const ConfigNode& stage, std::string_view key, char fallback,
                             bool allow_empty, ConfigErrors& errors) {
  const ConfigNode* node = stage.Get(key);
  if (node == nullptr) return fallback;
  std::optional<std::string> text = node->AsString(errors);
  if (!text) return std::nullopt;
  if (text->size() == 1) return (*text)[0];
  if (*text == "\\t" || *text == "tab") return '\t';
  if (text->empty() && allow_empty) return '\0';
  errors.Add(node->mark(), std::string(key) + ": expected one ASCII character" +
                               (allow_empty ? " (or \"\" for none)" : "") + ", got '" + *text +
                               "'");
  return std::nullopt;
}

std::optional<std::string> ReadFieldName(const ConfigNode& stage, std::string_view key,
                                         std::string fallback, ConfigErrors& errors) {
  const ConfigNode* node = stage.Get(key);
  if (node == nullptr) return fallback;
  std::optional<std::string> name = node->AsString(errors);
  if (name && name->empty()) {
    errors.Add(node->mark(), std::string(key) + ": a field name must not be empty");
    return std::nullopt;
  }
  return name;
}

}  // namespace sluice
