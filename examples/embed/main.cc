// embed_etl: a small ETL service that embeds sluice. It registers a custom stage type
// (`redact`: replaces a field with a salted hash), loads a YAML pipeline that uses it,
// builds the same pipeline in code, pushes its own lines and records, and receives
// results and error items through callbacks.
//
//   embed_etl [CONFIG]   (default: the etl.yaml beside main.cc)
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>

#include "pipelines/builder.h"
#include "stages/builtin.h"
#include "stages/validate.h"

namespace {

// The custom stage: per record, one field lookup and an in-place rewrite of the string.
class RedactStage final : public sluice::Stage {
 public:
  RedactStage(std::string field, std::string salt)
      : field_(sluice::FieldNames::Intern(field)),
        field_name_(std::move(field)),
        salt_(std::move(salt)) {}

  std::unique_ptr<sluice::StageWorker> MakeWorker() override {
    return std::make_unique<Worker>(field_, field_name_, salt_);
  }
  // The one field it reads; parse stages before it still keep the fields that the stages
  // after it, or the output, need.
  sluice::FieldNeeds Reads() const override {
    sluice::FieldNeeds needs = sluice::FieldNeeds::None();
    needs.Add(field_);
    return needs;
  }

 private:
  struct Worker final : sluice::StageWorker {
    Worker(sluice::FieldId field, std::string name, std::string salt)
        : field(field), name(std::move(name)), salt(std::move(salt)) {}
    sluice::Verdict Process(sluice::Item& item) override {
      auto* text = std::get_if<std::string>(item.record.Find(field));
      if (text == nullptr) {
        return item.Fail(sluice::ErrorCode::kWrongType, "field '" + name + "': expected a string");
      }
      uint64_t hash = 14695981039346656037ull;  // FNV-1a over salt + value
      for (const std::string* part : {&salt, text}) {
        for (unsigned char c : *part) hash = (hash ^ c) * 1099511628211ull;
      }
      char hex[17];
      std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
      text->assign(hex);
      return sluice::Verdict::kPass;
    }
    sluice::FieldId field;
    std::string name;  // per-worker copies: workers share nothing
    std::string salt;
  };

  sluice::FieldId field_;
  std::string field_name_;
  std::string salt_;
};

// `type: redact` with keys `field` (required) and `salt`; every problem is positioned. The
// loader checks the stage's keys (these and the ones every stage takes) before `make`.
void RegisterRedact(sluice::StageRegistry& registry) {
  registry.Register({
      .name = "redact",
      .summary = "replaces a string field with a salted 64-bit hash",
      .keys = {"field", "salt"},
      .make = [](const sluice::ConfigNode& stage,
                 sluice::ConfigErrors& errors) -> std::unique_ptr<sluice::Stage> {
        std::optional<std::string> field;
        if (const sluice::ConfigNode* f = stage.Require("field", errors))
          field = f->AsString(errors);
        std::optional<std::string> salt = std::string();
        if (const sluice::ConfigNode* s = stage.Get("salt")) salt = s->AsString(errors);
        if (!field || !salt) return nullptr;
        return std::make_unique<RedactStage>(*field, *salt);
      },
  });
}

// Feeds the same input to any pipeline: raw lines (parsed by its first stage) and records.
void PushInput(sluice::Pipeline& pipeline, bool with_lines) {
  if (with_lines) {
    pipeline.Push(R"({"user":"ada","bytes":512,"event":"view"})");
    pipeline.Push(R"({"user":"grace","bytes":2048,"event":"click"})");
    pipeline.Push(R"({"user":"linus","bytes":-1})");  // fails check: bytes below 0
    pipeline.Push(R"({"user":"ken", "bytes":)");      // fails parse: truncated JSON
  }
  for (const char* user : {"margaret", "barbara"}) {  // records made in code, no parsing
    sluice::Record record;
    record.Set(sluice::FieldNames::Intern("user"), std::string(user));
    record.Set(sluice::FieldNames::Intern("bytes"), int64_t{100});
    pipeline.Push(std::move(record));
  }
}

// Runs `pipeline` over PushInput; prints results, errors and a one-line account.
bool RunService(const char* label, sluice::Pipeline& pipeline, bool with_lines) {
  uint64_t results = 0;
  uint64_t errors = 0;
  pipeline.OnResult([&](const sluice::Record& record) {
    ++results;
    std::cout << "  result: " << record.ToJson() << '\n';
  });
  pipeline.OnError([&](const sluice::Error& error) {
    ++errors;
    std::cout << "  error:  " << error.ToString() << '\n';
  });
  pipeline.Start();
  pipeline.SetSourceName("embed");
  PushInput(pipeline, with_lines);
  const sluice::RunReport report = pipeline.Finish();
  std::cout << label << ": read " << report.totals.read << ", results " << results << ", errors "
            << errors << (report.balanced() ? " (balanced)" : " (UNBALANCED)") << '\n';
  return report.balanced() && results + errors == report.totals.read;
}

}  // namespace

#ifndef EMBED_ETL_DEFAULT_CONFIG  // built without this example's CMakeLists.txt
#define EMBED_ETL_DEFAULT_CONFIG "etl.yaml"
#endif

int main(int argc, char** argv) {
  // The default is the etl.yaml beside this file, wherever the binary runs (CMakeLists.txt).
  const std::string config = argc > 1 ? argv[1] : EMBED_ETL_DEFAULT_CONFIG;
  sluice::StageRegistry registry;  // the service's own environment: built-ins + redact
  sluice::RegisterBuiltinStages(registry);
  RegisterRedact(registry);

  // 1. From YAML: one call loads, checks and builds.
  sluice::Result<std::unique_ptr<sluice::Pipeline>> loaded = sluice::LoadPipeline(config, registry);
  if (!loaded.ok()) {
    std::cerr << loaded.error().message << '\n';
    return 2;
  }
  bool ok = RunService("yaml pipeline", **loaded, /*with_lines=*/true);

  // 2. The same checks and redaction built in code, fed records only.
  sluice::ValidateOptions rules;
  rules.rules.push_back({.field = "user", .type = sluice::FieldType::kString, .required = true});
  rules.rules.push_back({.field = "bytes",
                         .type = sluice::FieldType::kInt,
                         .required = true,
                         .min = sluice::Value{int64_t{0}}});
  sluice::Pipeline in_code(
      {.name = "embed_etl_code", .queue = {.capacity = 16, .batch = 64}, .ordered = true});
  in_code.Add({.name = "check"}, std::make_unique<sluice::ValidateStage>(std::move(rules)))
      .Add({.name = "redact", .workers = 2}, std::make_unique<RedactStage>("user", "embed-demo"));
  ok = RunService("code pipeline", in_code, /*with_lines=*/false) && ok;
  return ok ? 0 : 1;
}
