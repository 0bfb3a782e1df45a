#include "pipelines/cli/help.h"

namespace sluice::cli {
namespace {

constexpr const char* kExitCodes = R"(Exit codes:
  0  success
  1  runtime failure (an I/O error reading input, an unexpected exception)
  2  config or usage error (every config problem is printed as file:line:column)
  3  the error ratio (errors / records read) exceeded errors.max_error_ratio;
     the output, dead letters and report are still written
  4  output failure: results, dead letters or the --report file could not be written
  5  a stage stalled (a worker exceeded its stall_timeout); the message names it
130  interrupted (SIGINT/SIGTERM): input stopped, what was read drained and written;
     a second signal, or shutdown_timeout passing, exits at once
)";

constexpr const char* kGeneral = R"(sluice: replay event logs through a YAML pipeline of stages.

Usage:
  sluice run CONFIG [--input PATH|-] [--output PATH|-] [--format table|jsonl|csv]
                    [--report FILE.json] [--set PATH=VALUE ...] [--quiet]
  sluice validate CONFIG [--set PATH=VALUE ...]
  sluice stages
  sluice help [COMMAND]      sluice --help|-h [COMMAND]      sluice COMMAND --help|-h
  sluice --version|-V|version

Commands:
  run        run a pipeline: results to the output, the run summary to stderr
  validate   check a config and report every problem, without running it
  stages     list the stage types a config may use

)";

constexpr const char* kRun = R"(Usage: sluice run CONFIG [flags]

Runs the pipeline in CONFIG over its source (or --input). Results go to the config's
output (or --output/--format); error items go to errors.dead_letter when set; the run
summary goes to stderr. While stderr is a terminal a progress line shows records/s,
the share of the input read and the errors so far.

Flags:
  --input PATH|-      read PATH (or stdin for '-') instead of the config's source
  --output PATH|-     write results to PATH (or stdout for '-') instead of the
                      config's output; a .jsonl/.ndjson/.json/.csv name picks the
                      format unless --format is given
  --format FORMAT     table, jsonl or csv
  --report FILE.json  write the run report (totals, per-stage figures, errors by
                      stage and code) as JSON; '-' is stdout (results elsewhere)
  --set PATH=VALUE    edit the config before it is checked; repeatable, e.g.
                      --set stages.parse.workers=4  --set queue.batch=512
                      --set ordered=true  --set errors.dead_letter=bad.jsonl
  -q, --quiet         no progress line and no run summary
  -h, --help          this help

)";

constexpr const char* kValidate = R"(Usage: sluice validate CONFIG [--set PATH=VALUE ...]

Checks CONFIG (with the --set edits applied) without running it: the YAML, every key
and value, the stage types and each stage's own options. Prints every problem as
"file:line:column: message" and exits 2, or prints a one-line summary and exits 0:
  configs/clickstream.yaml: ok (3 stages: parse x2 -> validate x2 -> aggregate x2)

)";

constexpr const char* kStages = R"(Usage: sluice stages

Lists the stage types a config's `type:` may name, with their own keys.

)";

}  // namespace

std::string HelpText(std::optional<Command> command) {
  std::string text;
  switch (command.value_or(Command::kHelp)) {
    case Command::kRun: text = kRun; break;
    case Command::kValidate: text = kValidate; break;
    case Command::kStages: text = kStages; break;
    case Command::kHelp:
    case Command::kVersion: text = kGeneral; break;
  }
  if (!command || *command == Command::kRun) {
    text += kExitCodes;
  } else {
    text.pop_back();  // the texts end in a blank line for the exit codes that follow
  }
  return text;
}

std::string VersionText() { return std::string("sluice ") + SLUICE_VERSION + "\n"; }

}  // namespace sluice::cli
