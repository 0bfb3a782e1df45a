// Helpers for the parse stage tests: run lines through one worker of a stage, build
// stage configs with positions, and read fields by name.
//
//   sluice::ParseJsonStage stage;
//   ParsedLines out = ParseLines(stage, {R"({"a":1})", "oops"});
//   EXPECT_EQ(out.verdicts[0], sluice::Verdict::kPass);
//   EXPECT_EQ(FieldOf(out.items()[0], "a"), sluice::Value(int64_t{1}));
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "framework/config_node.h"
#include "framework/item.h"
#include "framework/stage.h"
#include "framework/stage_registry.h"

namespace sluice::parse_test {

/// The outcome of running lines through one worker: the batch (which owns the raw text
/// and the items) and one verdict per line.
struct ParsedLines {
  Batch batch;
  std::vector<Verdict> verdicts;
  const std::vector<Item>& items() const { return batch.items; }
  const Item& item(size_t i) const { return batch.items[i]; }
  /// The error message of item i, or "" when it did not fail.
  std::string message(size_t i) const {
    return batch.items[i].error ? batch.items[i].error->message : "";
  }
  std::optional<ErrorCode> code(size_t i) const {
    if (!batch.items[i].error) return std::nullopt;
    return batch.items[i].error->code;
  }
};

/// Runs `lines` (numbered from `first_line`) through `worker`, in order.
inline ParsedLines ParseLinesWith(StageWorker& worker, const std::vector<std::string>& lines,
                                  uint64_t first_line = 1) {
  ParsedLines out;
  uint64_t offset = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    out.batch.AddLine(lines[i], first_line + i, offset);
    offset += lines[i].size() + 1;
  }
  out.batch.Seal();
  for (Item& item : out.batch.items) out.verdicts.push_back(worker.Process(item));
  return out;
}

/// Runs `lines` through a new worker of `stage`.
inline ParsedLines ParseLines(Stage& stage, const std::vector<std::string>& lines) {
  std::unique_ptr<StageWorker> worker = stage.MakeWorker();
  return ParseLinesWith(*worker, lines);
}

/// The value of field `name` in `item`'s record, or nullopt when absent.
inline std::optional<Value> FieldOf(const Item& item, std::string_view name) {
  std::optional<FieldId> id = FieldNames::Find(name);
  if (!id) return std::nullopt;
  const Value* value = item.record.Find(*id);
  if (value == nullptr) return std::nullopt;
  return *value;
}

/// Field names of `item`'s record, in order.
inline std::vector<std::string> FieldNamesOf(const Item& item) {
  std::vector<std::string> names;
  for (const Field& field : item.record.fields()) names.emplace_back(FieldNames::Name(field.id));
  return names;
}

inline ConfigMark Mark(int line, int column) { return ConfigMark{"test.yaml", line, column}; }

/// A stage map `{name: parse, type: <type>}` at test.yaml:1:3; options go on lines 3...
class StageConfig {
 public:
  explicit StageConfig(std::string type) : node_(ConfigNode::Map(Mark(1, 3))) {
    node_.Set("name", ConfigNode::Scalar("parse", Mark(1, 9)), Mark(1, 3));
    node_.Set("type", ConfigNode::Scalar(std::move(type), Mark(2, 9)), Mark(2, 3));
  }
  /// Adds `key: value` on the next line: key at column 3, value at column 20.
  StageConfig& Set(std::string key, std::string value) {
    ++line_;
    node_.Set(std::move(key), ConfigNode::Scalar(std::move(value), Mark(line_, 20)),
              Mark(line_, 3));
    return *this;
  }
  /// Adds `key: [items...]` on the next line (items at columns 21, 31, ...).
  StageConfig& SetList(std::string key, const std::vector<std::string>& items) {
    ++line_;
    ConfigNode list = ConfigNode::List(Mark(line_, 20));
    int column = 21;
    for (const std::string& item : items) {
      list.Append(ConfigNode::Scalar(item, Mark(line_, column)));
      column += 10;
    }
    node_.Set(std::move(key), std::move(list), Mark(line_, 3));
    return *this;
  }
  /// Adds `key: {}` (a map where a scalar belongs).
  StageConfig& SetMap(std::string key) {
    ++line_;
    node_.Set(std::move(key), ConfigNode::Map(Mark(line_, 20)), Mark(line_, 3));
    return *this;
  }
  const ConfigNode& node() const { return node_; }
  int last_line() const { return line_; }

 private:
  ConfigNode node_;
  int line_ = 2;
};

/// Builds a stage of `type` from `config` through `registry`, its keys checked first as the
/// pipeline loader checks them. `errors` collects problems; nullptr when there are any.
inline std::unique_ptr<Stage> Build(const StageRegistry& registry, const StageConfig& config,
                                    ConfigErrors& errors) {
  const ConfigNode* type = config.node().Get("type");
  const StageType* stage_type = registry.Find(type->scalar());
  if (stage_type == nullptr) return nullptr;
  const size_t errors_before = errors.size();
  stage_type->CheckKeys(config.node(), errors);
  std::unique_ptr<Stage> stage = stage_type->make(config.node(), errors);
  return errors.size() == errors_before ? std::move(stage) : nullptr;
}

/// Every error as "file:line:column: message", one per line.
inline std::string AllErrors(const ConfigErrors& errors) { return errors.ToString(); }

}  // namespace sluice::parse_test
