#include "pipelines/spec.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <filesystem>
#include <map>

#include "framework/detail/control_characters.h"
#include "framework/metrics.h"
#include "pipelines/detail/build_stage.h"
#include "pipelines/detail/quoted.h"

namespace sluice {
namespace {

using detail::Quoted;

// An integer in [min, max], with a message that names the key and the range.
std::optional<int> ReadBoundedInt(const ConfigNode& node, std::string_view key, int64_t min,
                                  int64_t max, ConfigErrors& errors) {
  ConfigErrors type_errors;
  std::optional<int64_t> value = node.AsInt(type_errors);
  if (!value || *value < min || *value > max) {
    errors.Add(node.mark(), std::string(key) + " must be an integer from " + std::to_string(min) +
                                " to " + std::to_string(max) + ", got " + node.Describe());
    return std::nullopt;
  }
  return static_cast<int>(*value);
}

// An optional section; `key:` left empty (null) counts as absent, i.e. all defaults.
const ConfigNode* GetSection(const ConfigNode& parent, std::string_view key) {
  const ConfigNode* node = parent.Get(key);
  return node && !node->is_null() ? node : nullptr;
}

std::optional<std::string> ReadNonEmptyString(const ConfigNode& node, std::string_view key,
                                              ConfigErrors& errors) {
  std::optional<std::string> text = node.AsString(errors);
  if (text && text->empty()) {
    errors.Add(node.mark(), std::string(key) + " must not be empty");
    return std::nullopt;
  }
  return text;
}

// A stage's name: not empty, no control characters.
std::optional<std::string> ReadName(const ConfigNode& node, std::string_view key,
                                    ConfigErrors& errors) {
  std::optional<std::string> name = ReadNonEmptyString(node, key, errors);
  if (!name) return std::nullopt;
  if (std::string problem = detail::ControlCharacterProblem(*name); !problem.empty()) {
    errors.Add(node.mark(), std::string(key) + " " + problem);
    return std::nullopt;
  }
  return name;
}

// `queue: { capacity, batch, batch_time }`; keys it leaves out keep `base`'s values.
std::optional<QueueOptions> ReadQueue(const ConfigNode& node, QueueOptions base,
                                      ConfigErrors& errors) {
  const size_t before = errors.size();
  node.CheckKeys({"capacity", "batch", "batch_time"}, errors);
  if (!node.is_map()) return std::nullopt;
  if (const ConfigNode* n = node.Get("capacity")) {
    if (auto v = ReadBoundedInt(*n, "capacity", 1, kMaxQueueCapacity, errors)) base.capacity = *v;
  }
  if (const ConfigNode* n = node.Get("batch")) {
    if (auto v = ReadBoundedInt(*n, "batch", 1, kMaxQueueBatch, errors)) base.batch = *v;
  }
  if (const ConfigNode* n = node.Get("batch_time")) {
    // `off`: batches of `batch` records whatever their cost.
    if (auto time = n->AsDurationOrOff(errors)) base.batch_time = *time;
  }
  if (errors.size() > before) return std::nullopt;
  return base;
}

// `workers: N` (1..kMaxStageWorkers) or `workers: auto`.
void ReadWorkers(const ConfigNode& node, StageSpec& stage, ConfigErrors& errors) {
  if (node.is_scalar() && node.scalar() == "auto") {
    stage.workers = AutoWorkers();
    stage.auto_workers = true;
    return;
  }
  int64_t count = 0;
  const std::string& text = node.scalar();
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), count);
  const bool is_int =
      node.is_scalar() && !text.empty() && ec == std::errc() && end == text.data() + text.size();
  if (!is_int) {
    errors.Add(node.mark(), "workers must be an integer >= 1 or 'auto', got " + node.Describe());
  } else if (count < 1 || count > kMaxStageWorkers) {
    errors.Add(node.mark(), "workers must be from 1 to " + std::to_string(kMaxStageWorkers) +
                                " (or 'auto'), got " + text);
  } else {
    stage.workers = static_cast<int>(count);
  }
}

void ReadReplay(const ConfigNode& node, SourceSpec& source, ConfigErrors& errors) {
  node.CheckKeys({"time_field", "speed", "max_gap"}, errors);
  if (!node.is_map()) return;
  ReplaySpec replay;
  if (const ConfigNode* f = node.Require("time_field", errors)) {
    if (auto field = ReadNonEmptyString(*f, "time_field", errors)) replay.time_field = *field;
  }
  if (const ConfigNode* s = node.Get("speed")) {
    if (std::optional<double> speed = s->AsNumber(errors)) {
      if (*speed <= 0) {
        errors.Add(s->mark(),
                   "speed must be greater than 0 (60 = sixty times the recorded "
                   "pace), got " +
                       s->scalar());
      } else {
        replay.speed = *speed;
      }
    }
  }
  if (const ConfigNode* g = node.Get("max_gap")) {
    if (auto gap = g->AsDurationOrOff(errors)) replay.max_gap = *gap;
  }
  source.replay = std::move(replay);
}

SourceSpec ReadSource(const ConfigNode& node, ConfigErrors& errors) {
  SourceSpec source;
  source.mark = node.mark();
  node.CheckKeys({"type", "path", "max_line_bytes", "replay"}, errors);
  if (!node.is_map()) return source;
  const ConfigNode* path = node.Get("path");
  source.type = path != nullptr ? SourceType::kFile : SourceType::kStdin;
  if (const ConfigNode* t = node.Get("type")) {
    if (std::optional<std::string> type = t->AsString(errors)) {
      if (*type == "stdin")
        source.type = SourceType::kStdin;
      else if (*type == "file")
        source.type = SourceType::kFile;
      else
        errors.Add(t->mark(), UnknownChoice("source type", *type, {"file", "stdin"}));
    }
  }
  if (source.type == SourceType::kFile) {
    if (!path)
      errors.Add(node.mark(), "a file source needs a 'path' (or use type: stdin)");
    else if (auto p = ReadNonEmptyString(*path, "path", errors))
      source.path = *p;
  } else if (path) {
    errors.Add(path->key_mark(), "'path' is only for type: file (this source reads stdin)");
  }
  if (const ConfigNode* m = node.Get("max_line_bytes")) {
    std::optional<int64_t> bytes = m->is_scalar() ? ParseByteSize(m->scalar()) : std::nullopt;
    if (!bytes || *bytes < 1 || *bytes > kMaxLineBytesLimit) {
      errors.Add(m->mark(),
                 "max_line_bytes must be a size from 1 byte to 1GiB, like 65536, "
                 "64KiB or 1MiB, got " +
                     m->Describe());
    } else {
      source.max_line_bytes = static_cast<size_t>(*bytes);
    }
  }
  if (const ConfigNode* r = GetSection(node, "replay")) ReadReplay(*r, source, errors);
  return source;
}

OutputSpec ReadOutput(const ConfigNode& node, ConfigErrors& errors) {
  OutputSpec output;
  node.CheckKeys({"type", "path", "format"}, errors);
  if (!node.is_map()) return output;
  const ConfigNode* path = node.Get("path");
  if (path) output.type = OutputType::kFile;
  if (const ConfigNode* t = node.Get("type")) {
    if (std::optional<std::string> type = t->AsString(errors)) {
      if (*type == "stdout")
        output.type = OutputType::kStdout;
      else if (*type == "file")
        output.type = OutputType::kFile;
      else
        errors.Add(t->mark(), UnknownChoice("output type", *type, {"stdout", "file"}));
    }
  }
  if (output.type == OutputType::kFile) {
    if (!path)
      errors.Add(node.mark(), "output type 'file' needs a 'path'");
    else if (auto p = ReadNonEmptyString(*path, "path", errors))
      output.path = *p;
    if (auto inferred = OutputFormatFromPath(output.path)) output.format = *inferred;
  } else if (path) {
    errors.Add(path->key_mark(), "'path' is only for output type: file");
  }
  if (const ConfigNode* f = node.Get("format")) {
    if (std::optional<std::string> name = f->AsString(errors)) {
      if (std::optional<OutputFormat> format = OutputFormatFromName(*name))
        output.format = *format;
      else
        errors.Add(f->mark(), UnknownChoice("output format", *name, OutputFormatNames()));
    }
  }
  return output;
}

ErrorsSpec ReadErrors(const ConfigNode& node, ConfigErrors& errors) {
  ErrorsSpec spec;
  node.CheckKeys({"dead_letter", "max_error_ratio"}, errors);
  if (!node.is_map()) return spec;
  if (const ConfigNode* d = node.Get("dead_letter")) {
    if (auto path = ReadNonEmptyString(*d, "dead_letter", errors)) spec.dead_letter = *path;
  }
  if (const ConfigNode* r = node.Get("max_error_ratio")) {
    if (std::optional<double> ratio = r->AsNumber(errors)) {
      if (*ratio < 0 || *ratio > 1) {
        errors.Add(r->mark(),
                   "max_error_ratio must be from 0 to 1 (1 = never fail), got " + r->scalar());
      } else {
        spec.max_error_ratio = *ratio;
      }
    }
  }
  return spec;
}

// What a built-in stage type reads, for a stage whose own options failed (no dry run told),
// so that a misplaced validate or a second parser is reported beside its option problems.
StageInput BuiltinStageInput(std::string_view type) {
  for (std::string_view parser : {"parse_json", "parse_csv", "parse_kv", "parse_regex"}) {
    if (type == parser) return StageInput::kRawLines;
  }
  if (type == "validate" || IsTerminalStageType(type)) return StageInput::kRecords;
  return StageInput::kAny;
}

// Builds the stage once and throws it away, so that its own checks run at validate time
// (problems the checks here reported already, as a custom factory may check keys too, are
// not repeated: ConfigErrors::Add). Records whether the stage absorbs its records (nothing
// may follow it) and what they must hold.
void DryRunFactory(const StageType& type, StageSpec& stage, ConfigErrors& errors) {
  if (std::unique_ptr<Stage> built = detail::BuildStage(type, stage, errors)) {
    stage.absorbs_records = built->AbsorbsRecords();
    stage.input = built->Input();
  } else {
    stage.input = BuiltinStageInput(stage.type);
  }
}

// The stage's type from the registry (nullptr after reporting why not), with the entry's
// keys checked against it.
const StageType* ReadStageType(const ConfigNode& node, const StageRegistry& registry,
                               StageSpec& stage, ConfigErrors& errors) {
  const StageType* type = nullptr;
  if (const ConfigNode* t = node.Require("type", errors)) {
    if (auto name = ReadNonEmptyString(*t, "type", errors)) {
      stage.type = *name;
      type = registry.Find(*name);
      if (!type) errors.Add(t->mark(), UnknownChoice("stage type", *name, registry.Names()));
    }
  }
  if (type) {
    type->CheckKeys(node, errors);
    return type;
  }
  // An unknown type's own keys are unknown too: report only a key no type has (a misspelt
  // `workers`, say) rather than hide it behind the type's error.
  StageType any_type;
  for (const std::string& name : registry.Names()) {
    const std::vector<std::string>& type_keys = registry.Find(name)->keys;
    any_type.keys.insert(any_type.keys.end(), type_keys.begin(), type_keys.end());
  }
  any_type.CheckKeys(node, errors);
  return nullptr;
}

// The stage's `name`, or its type's when it has none (or a refused one).
void ReadStageName(const ConfigNode& node, StageSpec& stage, ConfigErrors& errors) {
  stage.name = stage.type;
  if (const ConfigNode* n = node.Get("name")) {
    if (auto name = ReadName(*n, "name", errors)) {
      if (name->find('.') != std::string::npos) {
        errors.Add(n->mark(), "a stage name may not contain '.' (--set uses it as a separator)");
      }
      stage.name = *name;
    }
  }
  if (stage.name == kSourceStageName) {  // by its name, or by its type (an embedder's)
    const ConfigNode* at = node.Get("name") ? node.Get("name") : node.Get("type");
    errors.Add(at ? at->mark() : node.mark(),
               "the stage name 'source' is taken: the report counts the errors the reader "
               "finds (a line too long, say) under it");
  }
}

// One `- name: ... type: ...` entry. Returns nullopt when it is not even a map.
std::optional<StageSpec> ReadStage(const ConfigNode& node, const StageRegistry& registry,
                                   const QueueOptions& default_queue, ConfigErrors& errors) {
  if (!node.is_map()) {
    errors.Add(node.mark(), "a stage must be a map with at least a 'type', got " + node.Describe());
    return std::nullopt;
  }
  StageSpec stage;
  stage.node = node;
  stage.mark = node.mark();
  const StageType* type = ReadStageType(node, registry, stage, errors);
  ReadStageName(node, stage, errors);
  if (const ConfigNode* w = node.Get("workers")) ReadWorkers(*w, stage, errors);
  if (const ConfigNode* q = GetSection(node, "queue"))
    stage.queue = ReadQueue(*q, default_queue, errors);
  if (const ConfigNode* t = node.Get("stall_timeout")) {
    if (auto timeout = t->AsDurationOrOff(errors)) stage.stall_timeout = *timeout;
  }
  if (type) DryRunFactory(*type, stage, errors);
  return stage;
}

void CheckUniqueStageNames(const std::vector<StageSpec>& stages, ConfigErrors& errors) {
  std::map<std::string, ConfigMark, std::less<>> first_mark;
  for (const StageSpec& stage : stages) {
    if (stage.name.empty()) continue;
    const ConfigNode* name_node = stage.node.Get("name");
    // A refused name (reported) left the stage its type's: it clashes with no other.
    if (name_node && !(name_node->is_scalar() && name_node->scalar() == stage.name)) continue;
    const ConfigMark& mark = name_node ? name_node->mark() : stage.mark;
    auto [first, inserted] = first_mark.emplace(stage.name, mark);
    if (!inserted) {
      std::string message = "duplicate stage name " + Quoted(stage.name) + " (first at " +
                            first->second.ToString() + ")";
      if (!name_node) message += "; give each stage its own 'name'";
      errors.Add(mark, std::move(message));
    }
  }
}

// Batches keep the text their records point into, so they are sized once, on entry.
void CheckBatchSizingOnFirstStage(const std::vector<StageSpec>& stages, ConfigErrors& errors) {
  for (size_t i = 1; i < stages.size(); ++i) {
    const ConfigNode* queue = stages[i].node.Get("queue");
    for (const char* key : {"batch", "batch_time"}) {
      if (const ConfigNode* sizing = queue ? queue->Get(key) : nullptr) {
        errors.Add(sizing->key_mark(), "queue." + std::string(key) +
                                           " can only be set on the first stage (or for the "
                                           "whole pipeline): batches are sized where records "
                                           "enter and keep that size");
      }
    }
  }
}

void CheckAbsorbingStageIsLast(const std::vector<StageSpec>& stages, ConfigErrors& errors) {
  for (size_t i = 0; i + 1 < stages.size(); ++i) {
    const StageSpec& stage = stages[i];
    // By its type too, for an aggregate whose own options failed (no dry run told).
    if (stage.absorbs_records || IsTerminalStageType(stage.type)) {
      errors.Add(stage.mark, "stage " + Quoted(stage.name) + " (" + stage.type +
                                 ") must be the last stage: it absorbs every record and emits "
                                 "only at end of stream, but " +
                                 Quoted(stages[i + 1].name) + " follows it");
    }
  }
}

// A YAML pipeline's records start as raw lines: the first stage must not need parsed fields,
// and a second parser would throw the first one's record away (parsers replace the record).
void CheckStageInputs(const std::vector<StageSpec>& stages, ConfigErrors& errors) {
  const StageSpec* parser = nullptr;
  for (const StageSpec& stage : stages) {
    const ConfigNode* type_node = stage.node.Get("type");
    const ConfigMark& mark = type_node ? type_node->mark() : stage.mark;
    const std::string named = "stage " + Quoted(stage.name) + " (" + stage.type + ")";
    if (&stage == &stages.front() && stage.input == StageInput::kRecords) {
      errors.Add(mark, named +
                           " reads parsed fields, but the first stage gets raw input lines: put "
                           "a parser (parse_json, parse_csv, parse_kv or parse_regex) before it");
    }
    if (stage.input != StageInput::kRawLines) continue;
    if (parser) {
      errors.Add(mark, named + " parses the raw line again, replacing the record that " +
                           Quoted(parser->name) + " (" + parser->type +
                           ") made: a pipeline has one parser");
    } else {
      parser = &stage;
    }
  }
}

std::vector<StageSpec> ReadStages(const ConfigNode& node, const StageRegistry& registry,
                                  const QueueOptions& default_queue, ConfigErrors& errors) {
  std::vector<StageSpec> stages;
  if (!node.is_list()) {
    errors.Add(node.mark(), "stages must be a list of stages, got " + node.Describe());
    return stages;
  }
  if (node.children().empty()) {
    errors.Add(node.mark(), "stages is empty: a pipeline needs at least one stage");
    return stages;
  }
  for (const ConfigNode& item : node.children()) {
    if (auto stage = ReadStage(item, registry, default_queue, errors)) {
      stages.push_back(std::move(*stage));
    }
  }
  CheckUniqueStageNames(stages, errors);
  CheckBatchSizingOnFirstStage(stages, errors);
  CheckAbsorbingStageIsLast(stages, errors);
  CheckStageInputs(stages, errors);
  return stages;
}

std::string DefaultName(const std::string& file) {
  std::string stem = std::filesystem::path(file).stem().string();
  return stem.empty() ? "pipeline" : stem;
}

}  // namespace

PipelineOptions PipelineSpec::pipeline_options() const {
  return PipelineOptions{.name = name, .queue = queue, .ordered = ordered};
}

bool IsTerminalStageType(std::string_view type) { return type == "aggregate"; }

std::optional<int64_t> ParseByteSize(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  int64_t amount = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), amount);
  if (ec != std::errc() || end == text.data() || amount < 0) return std::nullopt;
  std::string unit(end, text.data() + text.size());
  unit.erase(0, unit.find_first_not_of(' '));
  std::transform(unit.begin(), unit.end(), unit.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  static const std::pair<std::string_view, int64_t> kUnits[] = {
      {"", 1},
      {"b", 1},
      {"kb", 1000},
      {"kib", int64_t{1} << 10},
      {"mb", 1000000},
      {"mib", int64_t{1} << 20},
      {"gb", 1000000000},
      {"gib", int64_t{1} << 30},
  };
  for (const auto& [name, scale] : kUnits) {
    if (unit != name) continue;
    if (amount > INT64_MAX / scale) return std::nullopt;
    return amount * scale;
  }
  return std::nullopt;
}

namespace {

std::optional<PipelineSpec> ParseSpecUnsorted(const ConfigNode& root, const StageRegistry& registry,
                                              ConfigErrors& errors) {
  const size_t before = errors.size();
  PipelineSpec spec;
  spec.file = root.mark().file;
  if (!root.is_map()) {
    errors.Add(root.mark(),
               "a pipeline config must be a map with at least 'stages', got " + root.Describe());
    return std::nullopt;
  }
  root.CheckKeys(
      {"pipeline", "source", "stages", "queue", "ordered", "output", "errors", "shutdown_timeout"},
      errors);
  spec.name = DefaultName(spec.file);
  if (const ConfigNode* n = root.Get("pipeline")) {
    if (auto name = ReadNonEmptyString(*n, "pipeline", errors)) spec.name = *name;
  }
  if (const ConfigNode* q = GetSection(root, "queue")) {
    if (auto queue = ReadQueue(*q, QueueOptions{}, errors)) spec.queue = *queue;
  }
  if (const ConfigNode* o = root.Get("ordered")) {
    if (std::optional<bool> ordered = o->AsBool(errors)) spec.ordered = *ordered;
  }
  if (const ConfigNode* t = root.Get("shutdown_timeout")) {
    if (auto timeout = t->AsDuration(errors)) spec.shutdown_timeout = *timeout;
  }
  if (const ConfigNode* s = GetSection(root, "source")) {
    spec.source = ReadSource(*s, errors);
  } else {  // as most line tools read: embedders and `--input` need none
    spec.source.type = SourceType::kStdin;
    spec.source.mark = root.mark();
  }
  if (const ConfigNode* s = root.Require("stages", errors)) {
    spec.stages = ReadStages(*s, registry, spec.queue, errors);
  }
  if (const ConfigNode* o = GetSection(root, "output")) spec.output = ReadOutput(*o, errors);
  if (const ConfigNode* e = GetSection(root, "errors")) spec.errors = ReadErrors(*e, errors);
  if (errors.size() > before) return std::nullopt;
  return spec;
}

}  // namespace

std::optional<PipelineSpec> ParsePipelineSpec(const ConfigNode& root, const StageRegistry& registry,
                                              ConfigErrors& errors) {
  const size_t first_error = errors.size();
  std::optional<PipelineSpec> spec = ParseSpecUnsorted(root, registry, errors);
  errors.SortFrom(first_error);
  return spec;
}

}  // namespace sluice
