#include "framework/field_names.h"

#include <array>
#include <atomic>
#include <deque>
#include <mutex>
#include <shared_mutex>
#include <stdexcept>
#include <string>
#include <unordered_map>

#include "framework/string_set.h"
#include "framework/value.h"

namespace sluice {
namespace {

struct StringHash {  // seeded (HashBytes): names come from the input
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return HashBytes(s); }
};

// Names live in a deque (stable addresses) so that Name() views stay valid for good.
// Name() and JsonName() run once per field of every record written out, on the workers
// that encode output at once (Pipeline::EncodeResults) or at the collector. They read
// without a lock, through chunks of pointers to the names that Intern publishes (under the
// lock) before it returns their ids, and that never move.
constexpr uint32_t kChunkSize = 4096;

struct NameEntry {
  std::string text;
  std::string json;  // quoted and escaped once, not per record written
};

struct Table {
  using Chunk = std::array<std::atomic<const NameEntry*>, kChunkSize>;

  std::shared_mutex mutex;
  std::deque<NameEntry> names;
  std::unordered_map<std::string_view, FieldId, StringHash, std::equal_to<>> ids;
  std::array<std::atomic<Chunk*>, FieldNames::kMaxFields / kChunkSize> chunks{};
};

Table& GetTable() {
  static Table* table = new Table();  // never destroyed: ids outlive static destructors
  return *table;
}

const NameEntry* Lookup(FieldId id) {
  if (id >= FieldNames::kMaxFields) return nullptr;
  const Table::Chunk* chunk = GetTable().chunks[id / kChunkSize].load(std::memory_order_acquire);
  return chunk ? (*chunk)[id % kChunkSize].load(std::memory_order_acquire) : nullptr;
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
  NameEntry& entry = t.names.emplace_back(NameEntry{.text = std::string(name), .json = {}});
  AppendJsonString(name, entry.json);
  t.ids.emplace(entry.text, id);
  std::atomic<Table::Chunk*>& chunk = t.chunks[id / kChunkSize];
  if (id % kChunkSize == 0) chunk.store(new Table::Chunk{}, std::memory_order_release);
  (*chunk.load(std::memory_order_relaxed))[id % kChunkSize].store(&entry,
                                                                  std::memory_order_release);
  return id;
}

FieldId FieldNames::Intern(std::string_view name) {
  if (auto id = TryIntern(name)) return *id;
  throw std::length_error("too many distinct field names (limit " + std::to_string(kMaxFields) +
                          ")");
}

std::string_view FieldNames::Name(FieldId id) {
  const NameEntry* name = Lookup(id);
  return name ? std::string_view(name->text) : std::string_view("?");
}

std::string_view FieldNames::JsonName(FieldId id) {
  const NameEntry* name = Lookup(id);
  return name ? std::string_view(name->json) : std::string_view(R"("?")");
}

}  // namespace sluice
