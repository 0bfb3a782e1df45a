// Command-line parsing for `sluice`, by hand (no dependency). Flags take their value as
// the next argument or after '=' (`--input x` or `--input=x`); `-` is a value (stdin or
// stdout), not a flag. A misspelt flag or command is a usage error with a "did you mean".
//
//   std::vector<std::string_view> argv = {"run", "configs/clickstream.yaml", "--quiet"};
//   sluice::Result<sluice::cli::CliArgs> args = sluice::cli::ParseArgs(argv);
//   if (!args.ok()) { std::cerr << args.error().message; return 2; }
//   args->command == sluice::cli::Command::kRun;
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "framework/result.h"
#include "stages/sinks.h"

namespace sluice::cli {

enum class Command : uint8_t { kRun, kValidate, kStages, kHelp, kVersion };

/// "run", "validate", "stages", "help", "version".
std::string_view CommandName(Command command);

struct CliArgs {
  Command command = Command::kHelp;
  /// For kHelp: the command whose help was asked for (`sluice run --help`); nullopt for
  /// the general help.
  std::optional<Command> help_for;
  std::string config;                  // run, validate: the pipeline YAML
  std::optional<std::string> input;    // run: --input PATH|-
  std::optional<std::string> output;   // run: --output PATH|-
  std::optional<OutputFormat> format;  // run: --format table|jsonl|csv
  std::optional<std::string> report;   // run: --report FILE.json
  std::vector<std::string> sets;       // run, validate: --set PATH=VALUE, in order
  bool quiet = false;                  // run: no progress line, no summary
};

/// Parses the arguments after the program name. A usage problem is an Error
/// (kInvalidInput) whose message says what is wrong, e.g. "unknown flag '--ouput' for
/// 'sluice run' (did you mean '--output'?)".
Result<CliArgs> ParseArgs(std::span<const std::string_view> argv);

}  // namespace sluice::cli
