// Tiny stage types for the pipelines/ tests, registered in a test's own registry so that
// these tests depend on no built-in stage.
//
//   parse_json  (fake) "k=v k=v" -> fields; digits become ints; projection honoured.
//   require     keys {field, min}: fails records without `field`, or with it below `min`.
//   aggregate   keys {group_by}: absorbs records, emits {count: N} at the end.
//   count_all   the same under another name (absorbing, known only from the stage).
//   explode     keys {boom}: its factory throws when boom is true (an int when it is
//               not_an_exception).
#pragma once

#include <algorithm>
#include <atomic>
#include <charconv>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "framework/config_node.h"
#include "framework/stage.h"
#include "framework/stage_registry.h"

namespace sluice::test {

// Counts the fake parser's projections, so that tests can see the replay reader project,
// and the parsers made (a registry factory may have side effects: each build counts).
inline std::atomic<int> fake_parse_projections{0};
inline std::atomic<int> fake_parse_builds{0};

class FakeParse : public Stage {
  struct Worker : StageWorker {
    FieldNeeds needs;
    Verdict Process(Item& item) override {
      if (item.raw.empty()) return item.Fail(ErrorCode::kInvalidInput, "empty line");
      std::string_view rest = item.raw;
      while (!rest.empty()) {
        const size_t space = rest.find(' ');
        std::string_view pair = rest.substr(0, space);
        rest = space == std::string_view::npos ? std::string_view() : rest.substr(space + 1);
        const size_t equals = pair.find('=');
        if (equals == std::string_view::npos) {
          return item.Fail(ErrorCode::kInvalidInput, "expected k=v in '" + std::string(pair) + "'");
        }
        const FieldId id = FieldNames::Intern(pair.substr(0, equals));
        if (!needs.all &&
            std::find(needs.fields.begin(), needs.fields.end(), id) == needs.fields.end()) {
          continue;
        }
        const std::string_view text = pair.substr(equals + 1);
        int64_t number = 0;
        const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
        if (ec == std::errc() && end == text.data() + text.size() && !text.empty()) {
          item.record.Set(id, number);
        } else {
          item.record.Set(id, std::string(text));
        }
      }
      return Verdict::kPass;
    }
  };

 public:
  std::unique_ptr<StageWorker> MakeWorker() override {
    auto worker = std::make_unique<Worker>();
    worker->needs = needs_;
    return worker;
  }
  void Project(const FieldNeeds& needed) override {
    needs_ = needed;
    ++fake_parse_projections;
  }

 private:
  FieldNeeds needs_ = FieldNeeds::All();
};

class FakeRequire : public Stage {
 public:
  FakeRequire(std::string field, int64_t min) : field_(std::move(field)), min_(min) {}
  std::unique_ptr<StageWorker> MakeWorker() override {
    struct Worker : StageWorker {
      FieldId field;
      std::string name;
      int64_t min;
      Verdict Process(Item& item) override {
        const Value* v = item.record.Find(field);
        if (!v) return item.Fail(ErrorCode::kMissingField, "missing '" + name + "'");
        const int64_t* i = std::get_if<int64_t>(v);
        if (i && *i < min) return item.Fail(ErrorCode::kOutOfRange, name + " below min");
        return Verdict::kPass;
      }
    };
    auto worker = std::make_unique<Worker>();
    worker->field = FieldNames::Intern(field_);
    worker->name = field_;
    worker->min = min_;
    return worker;
  }
  FieldNeeds Reads() const override { return FieldNeeds::Only({field_}); }

 private:
  std::string field_;
  int64_t min_;
};

class FakeCount : public Stage {
  struct Worker : StageWorker {
    int64_t count = 0;
    Verdict Process(Item&) override {
      ++count;
      return Verdict::kAbsorb;
    }
  };

 public:
  std::unique_ptr<StageWorker> MakeWorker() override { return std::make_unique<Worker>(); }
  FieldNeeds Reads() const override { return FieldNeeds::None(); }
  bool AbsorbsRecords() const override { return true; }
  void Finish(std::span<const std::unique_ptr<StageWorker>> workers, const RowSink& emit) override {
    int64_t total = 0;
    for (const auto& w : workers) total += static_cast<const Worker&>(*w).count;
    Record row;
    row.Set(FieldNames::Intern("count"), total);
    emit(std::move(row));
  }
};

inline void RegisterFakeStages(StageRegistry& registry) {
  registry.Register({
      .name = "parse_json",
      .summary = "fake: k=v pairs",
      .keys = {},
      .make = [](const ConfigNode&, ConfigErrors&) -> std::unique_ptr<Stage> {
        ++fake_parse_builds;
        return std::make_unique<FakeParse>();
      },
  });
  registry.Register({
      .name = "require",
      .summary = "fails records without a field",
      .keys = {"field", "min"},
      .make = [](const ConfigNode& stage, ConfigErrors& errors) -> std::unique_ptr<Stage> {
        const ConfigNode* field = stage.Require("field", errors);
        std::optional<std::string> name = field ? field->AsString(errors) : std::nullopt;
        std::optional<int64_t> min = int64_t{INT64_MIN};
        if (const ConfigNode* m = stage.Get("min")) min = m->AsInt(errors);
        if (!name || !min) return nullptr;
        return std::make_unique<FakeRequire>(*name, *min);
      },
  });
  registry.Register({
      .name = "aggregate",
      .summary = "fake: counts records",
      .keys = {"group_by"},
      .make = [](const ConfigNode&, ConfigErrors&) -> std::unique_ptr<Stage> {
        return std::make_unique<FakeCount>();
      },
  });
  registry.Register({
      .name = "count_all",
      .summary = "fake: counts records",
      .keys = {},
      .make = [](const ConfigNode&, ConfigErrors&) -> std::unique_ptr<Stage> {
        return std::make_unique<FakeCount>();
      },
  });
  registry.Register({
      .name = "explode",
      .summary = "its factory throws on boom: true",
      .keys = {"boom"},
      .make = [](const ConfigNode& stage, ConfigErrors& errors) -> std::unique_ptr<Stage> {
        const ConfigNode* boom = stage.Get("boom");
        if (boom && boom->is_scalar() && boom->scalar() == "not_an_exception") throw 42;
        if (boom && boom->AsBool(errors).value_or(false)) throw std::runtime_error("kaboom");
        return std::make_unique<FakeParse>();
      },
  });
}

}  // namespace sluice::test
