// The texts of `sluice --help`, `sluice COMMAND --help` and `sluice --version`.
#pragma once

#include <optional>
#include <string>

#include "pipelines/cli/args.h"

namespace sluice::cli {

/// The general help (nullopt) or one command's help, ending in a newline.
std::string HelpText(std::optional<Command> command);

/// "sluice 0.1.0\n".
std::string VersionText();

}  // namespace sluice::cli
