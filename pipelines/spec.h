// PipelineSpec: a pipeline config as plain structs, checked. ParsePipelineSpec reads a
// ConfigNode tree (see yaml_loader.h), reports EVERY problem at file:line:column (unknown
// keys with "did you mean", wrong types, bad ranges, unknown stage types, stage-specific
// errors from a dry run of each stage factory), and only then returns a spec.
// docs/config.md documents every key.
//
//   sluice::ConfigErrors errors;
//   auto root = sluice::LoadYamlFile("pipe.yaml", errors);
//   std::optional<sluice::PipelineSpec> spec;
//   if (root.ok()) spec = sluice::ParsePipelineSpec(*root, registry, errors);
//   if (!spec) { std::cerr << errors.ToString(); return 2; }
//   for (const sluice::StageSpec& s : spec->stages) std::cout << s.name << " x" << s.workers;
//
// The YAML it reads:
//
//   pipeline: clickstream                 # optional; defaults to the file's stem
//   source: { type: file, path: in.jsonl, max_line_bytes: 1MiB,
//             replay: { time_field: ts, speed: 60 } }
//   stages:
//     - { name: parse, type: parse_json, workers: auto, queue: { capacity: 64 } }
//   queue: { capacity: 16, batch: 1024 }
//   ordered: false
//   output: { type: file, path: out/result.csv, format: csv }
//   errors: { dead_letter: out/errors.jsonl, max_error_ratio: 0.5 }
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "framework/config_node.h"
#include "framework/pipeline.h"
#include "framework/stage_registry.h"
#include "stages/sinks.h"

namespace sluice {

/// Bounds on numbers a config may hold; larger ones are reported as errors.
inline constexpr int kMaxStageWorkers = 1024;
inline constexpr int kMaxQueueCapacity = 1 << 16;  // batches per edge
inline constexpr int kMaxQueueBatch = 1 << 16;     // records per batch
inline constexpr int64_t kMaxLineBytesLimit = int64_t{1} << 30;

enum class SourceType : uint8_t { kFile, kStdin };

struct ReplaySpec {
  std::string time_field;                // the field holding each record's event time
  double speed = 1.0;                    // > 0; 60 replays sixty times faster than recorded
  std::chrono::milliseconds max_gap{0};  // the most a line jumping ahead waits; 0: no limit
};

struct SourceSpec {
  SourceType type = SourceType::kFile;
  std::string path;                         // kFile only
  size_t max_line_bytes = size_t{1} << 20;  // 1 MiB
  std::optional<ReplaySpec> replay;
  ConfigMark mark;  // of the `source:` map
};

struct StageSpec {
  std::string name;                   // unique; defaults to the type when `name:` is absent
  std::string type;                   // a StageRegistry name
  int workers = 1;                    // resolved: `auto` is AutoWorkers()
  bool auto_workers = false;          // the config said `workers: auto`
  std::optional<QueueOptions> queue;  // override for this stage's input edge
  std::chrono::milliseconds stall_timeout{0};  // a worker stuck longer fails the run; 0: off
  ConfigNode node;                             // the whole stage map, for the stage's factory
  ConfigMark mark;                             // of the stage map
  bool absorbs_records = false;         // its stage ends every record (an aggregate): it is last
  StageInput input = StageInput::kAny;  // what its records must hold (parsed or not)
};

enum class OutputType : uint8_t { kStdout, kFile };

struct OutputSpec {
  OutputType type = OutputType::kStdout;
  std::string path;  // kFile only
  OutputFormat format = OutputFormat::kTable;
};

struct ErrorsSpec {
  std::string dead_letter;       // JSONL file for error items; "" = none
  double max_error_ratio = 1.0;  // a run whose errors/read exceeds this fails; 1.0 = never
};

struct PipelineSpec {
  std::string name;
  std::string file;  // the config file it came from (marks' file)
  SourceSpec source;
  std::vector<StageSpec> stages;
  QueueOptions queue;  // defaults for every edge
  bool ordered = false;
  OutputSpec output;
  ErrorsSpec errors;
  /// After SIGINT/SIGTERM, how long `sluice run` may drain before it exits regardless.
  std::chrono::milliseconds shutdown_timeout{std::chrono::seconds(10)};

  /// The options Pipeline's constructor takes.
  PipelineOptions pipeline_options() const;
};

/// Checks `root` (a whole pipeline config) against the schema and `registry`, and returns
/// the spec, or nullopt after adding every problem to `errors`. Calls each stage type's
/// factory once (a dry run, result discarded) so that stage-specific errors surface here.
/// Errors already in `errors` on entry are kept and do not affect the result.
std::optional<PipelineSpec> ParsePipelineSpec(const ConfigNode& root, const StageRegistry& registry,
                                              ConfigErrors& errors);

/// Stage types known to absorb their input and emit only at end of stream ("aggregate"),
/// so that nothing may follow them even when their factory fails. Any stage whose
/// Stage::AbsorbsRecords() is true (learnt from the dry run) must be last too.
bool IsTerminalStageType(std::string_view type);

/// "1MiB", "64KiB", "512KB", "4096", "2 MiB" -> bytes; nullopt when malformed.
/// Units: B, KB/MB/GB (powers of 1000), KiB/MiB/GiB (powers of 1024).
std::optional<int64_t> ParseByteSize(std::string_view text);

}  // namespace sluice
