#include "pipelines/cli/args.h"

#include <array>
#include <utility>

#include "framework/config_node.h"

namespace sluice::cli {
namespace {

enum class Flag : uint8_t { kInput, kOutput, kFormat, kReport, kSet, kQuiet, kHelp };

struct FlagSpec {
  Flag flag;
  std::string_view name;        // "--input"
  std::string_view short_name;  // "-q", or ""
  bool takes_value;
};

constexpr FlagSpec kInputFlag{Flag::kInput, "--input", "", true};
constexpr FlagSpec kOutputFlag{Flag::kOutput, "--output", "", true};
constexpr FlagSpec kFormatFlag{Flag::kFormat, "--format", "", true};
constexpr FlagSpec kReportFlag{Flag::kReport, "--report", "", true};
constexpr FlagSpec kSetFlag{Flag::kSet, "--set", "", true};
constexpr FlagSpec kQuietFlag{Flag::kQuiet, "--quiet", "-q", false};
constexpr FlagSpec kHelpFlag{Flag::kHelp, "--help", "-h", false};

constexpr std::array kRunFlags = {kInputFlag, kOutputFlag, kFormatFlag, kReportFlag,
                                  kSetFlag,   kQuietFlag,  kHelpFlag};
constexpr std::array kValidateFlags = {kSetFlag, kHelpFlag};
constexpr std::array kStagesFlags = {kHelpFlag};

std::span<const FlagSpec> FlagsOf(Command command) {
  switch (command) {
    case Command::kRun: return kRunFlags;
    case Command::kValidate: return kValidateFlags;
    case Command::kStages: return kStagesFlags;
    case Command::kHelp:
    case Command::kVersion: break;
  }
  return {};
}

constexpr std::array<std::pair<std::string_view, Command>, 5> kCommands = {{
    {"run", Command::kRun},
    {"validate", Command::kValidate},
    {"stages", Command::kStages},
    {"help", Command::kHelp},
    {"version", Command::kVersion},
}};

Error UsageError(std::string message) {
  return Error{.code = ErrorCode::kInvalidInput, .message = std::move(message)};
}

std::string WithSuggestion(std::string message, std::string_view word,
                           const std::vector<std::string>& candidates) {
  std::string suggestion = DidYouMean(word, candidates);
  if (!suggestion.empty()) message += " (did you mean '" + suggestion + "'?)";
  return message;
}

std::optional<Command> FindCommand(std::string_view word) {
  for (const auto& [name, command] : kCommands) {
    if (name == word) return command;
  }
  return std::nullopt;
}

Result<Command> ParseCommand(std::string_view word) {
  if (std::optional<Command> command = FindCommand(word)) return *command;
  std::vector<std::string> names;
  names.reserve(kCommands.size());
  for (const auto& entry : kCommands) names.emplace_back(entry.first);
  return UsageError(WithSuggestion("unknown command '" + std::string(word) + "'", word, names));
}

const FlagSpec* FindFlag(std::span<const FlagSpec> flags, std::string_view word) {
  for (const FlagSpec& spec : flags) {
    if (spec.name == word || (!spec.short_name.empty() && spec.short_name == word)) return &spec;
  }
  return nullptr;
}

Error UnknownFlag(Command command, std::string_view word, std::span<const FlagSpec> flags) {
  std::vector<std::string> names;
  for (const FlagSpec& spec : flags) names.emplace_back(spec.name);
  return UsageError(WithSuggestion("unknown flag '" + std::string(word) + "' for 'sluice " +
                                       std::string(CommandName(command)) + "'",
                                   word, names));
}

// Stores `value` for `spec` into `args`; an Error for a bad or repeated value.
Status StoreFlag(const FlagSpec& spec, std::string_view value, CliArgs& args) {
  auto set_once = [&](std::optional<std::string>& slot) -> Status {
    if (slot) return UsageError(std::string(spec.name) + " given twice");
    slot = std::string(value);
    return Status::Ok();
  };
  switch (spec.flag) {
    case Flag::kInput: return set_once(args.input);
    case Flag::kOutput: return set_once(args.output);
    case Flag::kReport: return set_once(args.report);
    case Flag::kFormat: {
      if (args.format) return UsageError("--format given twice");
      args.format = OutputFormatFromName(value);
      if (!args.format) {
        return UsageError(UnknownChoice("--format", value, OutputFormatNames()));
      }
      return Status::Ok();
    }
    case Flag::kSet: args.sets.emplace_back(value); return Status::Ok();
    case Flag::kQuiet: args.quiet = true; return Status::Ok();
    case Flag::kHelp:
      args.help_for = args.command;
      args.command = Command::kHelp;
      return Status::Ok();
  }
  return Status::Ok();
}

// Parses the arguments after the command word.
Result<CliArgs> ParseCommandArgs(Command command, std::span<const std::string_view> rest) {
  CliArgs args;
  args.command = command;
  const std::span<const FlagSpec> flags = FlagsOf(command);
  std::vector<std::string_view> positionals;
  for (size_t i = 0; i < rest.size(); ++i) {
    const std::string_view word = rest[i];
    if (word.size() < 2 || word[0] != '-') {  // "-" alone is a value (stdin/stdout)
      positionals.push_back(word);
      continue;
    }
    const size_t equals = word.find('=');
    const std::string_view flag_word = word.substr(0, equals);
    const FlagSpec* spec = FindFlag(flags, flag_word);
    if (spec == nullptr) return UnknownFlag(command, flag_word, flags);
    std::string_view value;
    if (spec->takes_value) {
      if (equals != std::string_view::npos) {
        value = word.substr(equals + 1);
      } else if (i + 1 < rest.size()) {
        value = rest[++i];
      } else {
        return UsageError(std::string(spec->name) + " needs a value");
      }
      if (value.empty()) return UsageError(std::string(spec->name) + " needs a value");
    } else if (equals != std::string_view::npos) {
      return UsageError(std::string(spec->name) + " takes no value");
    }
    if (Status stored = StoreFlag(*spec, value, args); !stored.ok()) return stored.error();
  }
  if (args.command == Command::kHelp) return args;  // `--help` wins over the rest

  const bool wants_config = command == Command::kRun || command == Command::kValidate;
  const std::string name(CommandName(command));
  if (wants_config && positionals.empty()) {
    return UsageError("'sluice " + name + "' needs a CONFIG file");
  }
  const size_t allowed = wants_config ? 1 : 0;
  if (positionals.size() > allowed) {
    return UsageError("unexpected argument '" + std::string(positionals[allowed]) +
                      "' for 'sluice " + name + "'");
  }
  if (wants_config) args.config = std::string(positionals[0]);
  return args;
}

}  // namespace

std::string_view CommandName(Command command) {
  for (const auto& [name, value] : kCommands) {
    if (value == command) return name;
  }
  return "?";
}

Result<CliArgs> ParseArgs(std::span<const std::string_view> argv) {
  CliArgs args;
  if (argv.empty()) return args;  // plain `sluice`: the general help
  const std::string_view first = argv[0];
  // --help and --version (-h, -V) are the commands help and version.
  std::string_view word = first;
  if (word == "--help" || word == "-h") word = "help";
  if (word == "--version" || word == "-V") word = "version";
  if (word.size() > 1 && word[0] == '-') {
    return UsageError(WithSuggestion(
        "unknown flag '" + std::string(first) + "' (expected a command: run, validate, stages)",
        first, {"--help", "--version"}));
  }
  SLUICE_ASSIGN_OR_RETURN(const Command command, ParseCommand(word));
  if (command == Command::kVersion) {
    if (argv.size() > 1) {
      return UsageError("'sluice " + std::string(first) + "' takes no arguments");
    }
    args.command = command;
    return args;
  }
  if (command == Command::kHelp) {  // `sluice help [COMMAND]`
    if (argv.size() > 2) {
      return UsageError("'sluice " + std::string(first) + "' takes at most one COMMAND");
    }
    if (argv.size() == 2) {
      SLUICE_ASSIGN_OR_RETURN(const Command topic, ParseCommand(argv[1]));
      if (topic != Command::kHelp && topic != Command::kVersion) args.help_for = topic;
    }
    return args;
  }
  return ParseCommandArgs(command, argv.subspan(1));
}

}  // namespace sluice::cli
