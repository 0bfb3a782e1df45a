// Builder: PipelineSpec -> runnable Pipeline and its Source; plus the one-call entry
// points for embedders and the CLI.
//
//   sluice::StageRegistry registry;
//   sluice::RegisterBuiltinStages(registry);        // stages/builtin.h
//
//   // Embedders: one call, errors joined into one message (LoadPipelineString for text).
//   auto pipeline = sluice::LoadPipeline("configs/clickstream.yaml", registry);
//   if (!pipeline.ok()) { std::cerr << pipeline.error().message << '\n'; return 2; }
//   (*pipeline)->OnResult([](const sluice::Record& r) { ... });
//
//   // The CLI: load + --set overrides + checks, then build, open the source, run.
//   sluice::ConfigErrors errors;
//   std::vector<std::string> sets = {"stages.parse.workers=2"};
//   std::optional<sluice::PipelineSpec> spec =
//       sluice::LoadPipelineSpec("pipe.yaml", registry, sets, errors);
//   if (!spec) { std::cerr << errors.ToString(); return 2; }
//   std::unique_ptr<sluice::Pipeline> p = sluice::BuildPipeline(*spec, registry, errors);
//   if (!p) { std::cerr << errors.ToString(); return 2; }
//   auto source = sluice::OpenSpecSource(*spec, registry, /*input_override=*/std::nullopt);
//   if (!source.ok()) { std::cerr << source.error().message << '\n'; return 1; }
//   p->OnResult(...);  // spec->output and spec->errors say where results and errors go
//   sluice::RunReport report = p->Run(**source);
//
//   // Every problem, as `sluice validate` lists them; none when the config is good.
//   sluice::ConfigErrors problems = sluice::ValidateConfigFile("pipe.yaml", registry, sets);
#pragma once

#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "framework/clock.h"
#include "framework/config_node.h"
#include "framework/pipeline.h"
#include "framework/result.h"
#include "framework/source.h"
#include "framework/stage_registry.h"
#include "pipelines/spec.h"

namespace sluice {

/// Loads `path`, applies `overrides` ("PATH=VALUE", see overrides.h) and checks the result
/// (ParsePipelineSpec). nullopt after reporting every problem to `errors`.
std::optional<PipelineSpec> LoadPipelineSpec(const std::string& path, const StageRegistry& registry,
                                             std::span<const std::string> overrides,
                                             ConfigErrors& errors);

/// As LoadPipelineSpec for YAML text in memory; `file_name` is used in error marks.
std::optional<PipelineSpec> LoadPipelineSpecString(std::string_view yaml,
                                                   const std::string& file_name,
                                                   const StageRegistry& registry,
                                                   std::span<const std::string> overrides,
                                                   ConfigErrors& errors);

/// Makes each stage with its registry factory and adds it with its workers and queue.
/// The pipeline has no callbacks yet (set OnResult / OnError). nullptr after reporting to
/// `errors` when a stage type is missing from `registry` or its factory fails.
std::unique_ptr<Pipeline> BuildPipeline(const PipelineSpec& spec, const StageRegistry& registry,
                                        ConfigErrors& errors);

/// Opens the spec's source: its file, or stdin; `input_override` (the CLI's --input PATH,
/// "-" for stdin) replaces it. Its records end where the first stage's Framing says (CSV
/// rows with quoted line breaks under parse_csv's `multiline`). With `replay:`, wraps it in a paced
/// source whose event time is read from each raw line by a private worker of the FIRST stage
/// (projected to the time field) and EventTimeMs (stages/event_time.h); lines without a readable
/// time pass at once, paced by `clock`, which must outlive the source. `registry` must be
/// the one the spec was checked against.
Result<std::unique_ptr<Source>> OpenSpecSource(const PipelineSpec& spec,
                                               const StageRegistry& registry,
                                               const std::optional<std::string>& input_override,
                                               Clock& clock = SystemClock::Instance());

/// Load + check + build, for embedders. On failure the Error (kInvalidInput) holds every
/// problem, "file:line:column: message", one per line. The pipeline is the config's name,
/// stages, queues and `ordered`: its `source`, `output`, `errors` (the dead-letter file,
/// max_error_ratio) and `shutdown_timeout` are the CLI's to act on and are not read here;
/// to act on them too, call LoadPipelineSpec and BuildPipeline and read them from the spec.
Result<std::unique_ptr<Pipeline>> LoadPipeline(const std::string& yaml_path,
                                               const StageRegistry& registry);
/// As LoadPipeline for YAML text in memory (a config embedded in the service, or read from
/// its own configuration store); `file_name` names it in the error marks.
///
///   auto pipeline = sluice::LoadPipelineString(
///       "stages: [ { type: parse_json }, { type: validate, rules: { user: {required: true} } } ]",
///       "inline.yaml", registry);
Result<std::unique_ptr<Pipeline>> LoadPipelineString(std::string_view yaml,
                                                     const std::string& file_name,
                                                     const StageRegistry& registry);

/// Every problem of `path` with `overrides` applied, as `sluice validate` lists them: load,
/// checks, and the stage factories' dry runs. Empty when the config is good. (LoadPipelineSpec
/// gives the same problems and the spec.) With the embedder's registry, it checks configs
/// that use its own stage types, which `sluice validate` does not know.
ConfigErrors ValidateConfigFile(const std::string& path, const StageRegistry& registry,
                                std::span<const std::string> overrides = {});

}  // namespace sluice
