#include "pipelines/builder.h"

#include <exception>
#include <utility>

#include "pipelines/detail/build_stage.h"
#include "pipelines/detail/quoted.h"
#include "pipelines/overrides.h"
#include "pipelines/yaml_loader.h"
#include "stages/event_time.h"
#include "stages/paced_source.h"
#include "stages/sources.h"

namespace sluice {
namespace {

using detail::Quoted;

// Makes one stage with its factory; nullptr after reporting why it could not.
std::unique_ptr<Stage> MakeStage(const StageSpec& spec, const StageRegistry& registry,
                                 ConfigErrors& errors) {
  const StageType* type = registry.Find(spec.type);
  if (!type) {
    errors.Add(spec.mark, "unknown stage type " + Quoted(spec.type));
    return nullptr;
  }
  return detail::BuildStage(*type, spec, errors);
}

// Reads event times for the replay pacer: runs a private worker of the first stage,
// projected to the time field, on a scratch copy of each raw line. Called from the source
// thread only; the scratch item keeps its record's capacity between lines.
class EventTimeReader {
 public:
  EventTimeReader(std::unique_ptr<Stage> stage, FieldId field)
      : stage_(std::move(stage)), worker_(stage_->MakeWorker()), field_(field) {}

  std::optional<int64_t> Read(const Item& item) {
    if (!item.ok()) return std::nullopt;  // failed lines (too long, say) pass at once
    scratch_.record.Clear();
    if (!item.from_line()) scratch_.record = item.record;
    scratch_.raw = item.raw;
    scratch_.line = item.line;
    scratch_.offset = item.offset;
    scratch_.error.reset();
    try {
      if (worker_->Process(scratch_) == Verdict::kError) return std::nullopt;
    } catch (...) {
      return std::nullopt;  // the pipeline's own worker will report this line
    }
    const Value* value = scratch_.record.Find(field_);
    return value ? EventTimeMs(*value) : std::nullopt;
  }

 private:
  std::unique_ptr<Stage> stage_;
  std::unique_ptr<StageWorker> worker_;
  FieldId field_;
  Item scratch_;
};

// `first`: the spec's first stage, built for this reader alone (nullptr when it could not
// be built: `errors` says why).
Result<EventTimeFn> MakeEventTimeFn(const PipelineSpec& spec, std::unique_ptr<Stage> first,
                                    const ConfigErrors& errors) {
  const std::string& field = spec.source.replay->time_field;
  if (spec.stages.empty()) {
    return Error{.code = ErrorCode::kInvalidInput,
                 .message = "replay needs a first stage that reads " + Quoted(field)};
  }
  if (!first) return errors.ToError();
  first->Project(FieldNeeds::Only({std::string_view(field)}));
  auto reader = std::make_shared<EventTimeReader>(std::move(first), FieldNames::Intern(field));
  return EventTimeFn([reader](const Item& item) { return reader->Read(item); });
}

// `root` as the loader could read it; `errors` past `first_error` are the loader's. Its
// problems and the overrides' do not stop the checks, so that one run reports them all.
std::optional<PipelineSpec> CheckLoaded(std::optional<ConfigNode> root, size_t first_error,
                                        const StageRegistry& registry,
                                        std::span<const std::string> overrides,
                                        ConfigErrors& errors) {
  if (!root) {
    errors.SortFrom(first_error);
    return std::nullopt;
  }
  ApplyOverrides(*root, overrides, errors);  // a failed one leaves the tree as it was
  const bool load_or_overrides_failed = errors.size() > first_error;
  std::optional<PipelineSpec> spec = ParsePipelineSpec(*root, registry, errors);
  errors.SortFrom(first_error);  // the loader's problems among the checks'
  if (load_or_overrides_failed) return std::nullopt;
  return spec;
}

}  // namespace

std::optional<PipelineSpec> LoadPipelineSpec(const std::string& path, const StageRegistry& registry,
                                             std::span<const std::string> overrides,
                                             ConfigErrors& errors) {
  const size_t first_error = errors.size();
  return CheckLoaded(ReadYamlFile(path, errors), first_error, registry, overrides, errors);
}

std::optional<PipelineSpec> LoadPipelineSpecString(std::string_view yaml,
                                                   const std::string& file_name,
                                                   const StageRegistry& registry,
                                                   std::span<const std::string> overrides,
                                                   ConfigErrors& errors) {
  const size_t first_error = errors.size();
  return CheckLoaded(ReadYamlString(yaml, file_name, errors), first_error, registry, overrides,
                     errors);
}

std::unique_ptr<Pipeline> BuildPipeline(const PipelineSpec& spec, const StageRegistry& registry,
                                        ConfigErrors& errors) {
  auto pipeline = std::make_unique<Pipeline>(spec.pipeline_options());
  bool complete = true;
  for (const StageSpec& stage_spec : spec.stages) {
    std::unique_ptr<Stage> stage = MakeStage(stage_spec, registry, errors);
    if (!stage) {
      complete = false;
      continue;
    }
    pipeline->Add({.name = stage_spec.name,
                   .workers = stage_spec.workers,
                   .queue = stage_spec.queue,
                   .stall_timeout = stage_spec.stall_timeout},
                  std::move(stage));
  }
  if (!complete) return nullptr;
  return pipeline;
}

Result<std::unique_ptr<Source>> OpenSpecSource(const PipelineSpec& spec,
                                               const StageRegistry& registry,
                                               const std::optional<std::string>& input_override,
                                               Clock& clock) {
  FileSourceOptions options{.path = spec.source.type == SourceType::kStdin ? "-" : spec.source.path,
                            .max_line_bytes = spec.source.max_line_bytes};
  if (input_override) options.path = *input_override;
  // Where records end is the first stage's to say (parse_csv's multiline). A copy of it,
  // built once here, also reads the event times of a replay. Unless replaying, a first
  // stage that cannot be built is BuildPipeline's to report.
  ConfigErrors errors;
  std::unique_ptr<Stage> first =
      spec.stages.empty() ? nullptr : MakeStage(spec.stages.front(), registry, errors);
  if (first) options.framing = first->Framing();
  SLUICE_ASSIGN_OR_RETURN(std::unique_ptr<Source> source, OpenFileSource(options));
  if (!spec.source.replay) return source;
  SLUICE_ASSIGN_OR_RETURN(EventTimeFn event_time_ms,
                          MakeEventTimeFn(spec, std::move(first), errors));
  return MakePacedSource(
      std::move(source),
      {.speed = spec.source.replay->speed, .max_gap = spec.source.replay->max_gap},
      std::move(event_time_ms), clock);
}

namespace {

Result<std::unique_ptr<Pipeline>> BuildOrJoinErrors(const std::optional<PipelineSpec>& spec,
                                                    const StageRegistry& registry,
                                                    ConfigErrors& errors) {
  std::unique_ptr<Pipeline> pipeline;
  if (spec) pipeline = BuildPipeline(*spec, registry, errors);
  if (!pipeline) return errors.ToError();
  return pipeline;
}

}  // namespace

Result<std::unique_ptr<Pipeline>> LoadPipeline(const std::string& yaml_path,
                                               const StageRegistry& registry) {
  ConfigErrors errors;
  return BuildOrJoinErrors(LoadPipelineSpec(yaml_path, registry, {}, errors), registry, errors);
}

Result<std::unique_ptr<Pipeline>> LoadPipelineString(std::string_view yaml,
                                                     const std::string& file_name,
                                                     const StageRegistry& registry) {
  ConfigErrors errors;
  return BuildOrJoinErrors(LoadPipelineSpecString(yaml, file_name, registry, {}, errors), registry,
                           errors);
}

ConfigErrors ValidateConfigFile(const std::string& path, const StageRegistry& registry,
                                std::span<const std::string> overrides) {
  ConfigErrors errors;
  (void)LoadPipelineSpec(path, registry, overrides, errors);
  return errors;
}

}  // namespace sluice
