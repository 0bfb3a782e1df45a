#include "framework/field_names.h"

#include <deque>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <unordered_map>

namespace sluice {
namespace {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// Names live in a deque (stable addresses) so that Name() views stay valid for good.
struct Table {
  std::shared_mutex mutex;
  std::deque<std::string> names;
  std::unordered_map<std::string_view, FieldId, StringHash, std::equal_to<>> ids;
};

Table& GetTable() {
  static Table* table = new Table();  // never destroyed: ids outlive static destructors
  return *table;
}

}  // namespace

std::optional<FieldId> FieldNames::Find(std::string_view name) {
  Table& t = GetTable();
  std::shared_lock lock(t.mutex);
  auto it = t.ids.find(name);
  if (it == t.ids.end()) return std::nullopt;
  return it->second;
}

std::optional<FieldId> FieldNames::TryIntern(std::string_view name) {
  if (auto id = Find(name)) return id;
  Table& t = GetTable();
  std::unique_lock lock(t.mutex);
  if (auto it = t.ids.find(name); it != t.ids.end()) return it->second;
  if (t.names.size() >= kMaxFields) return std::nullopt;
  const auto id = static_cast<FieldId>(t.names.size());
  t.names.emplace_back(name);
  t.ids.emplace(t.names.back(), id);
  return id;
}

FieldId FieldNames::Intern(std::string_view name) {
  if (auto id = TryIntern(name)) return *id;
  throw std::length_error("too many distinct field names (limit " +
                          std::to_string(kMaxFields) + ")");
}

std::string_view FieldNames::Name(FieldId id) {
  Table& t = GetTable();
  std::shared_lock lock(t.mutex);
  return id < t.names.size() ? std::string_view(t.names[id]) : std::string_view("?");
}

}  // namespace sluice
