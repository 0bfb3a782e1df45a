// `sluice run CONFIG ...` and `sluice validate CONFIG ...`: the commands that take a
// pipeline config. Each prints its own messages and returns the process exit code.
//
//   sluice::StageRegistry registry;
//   sluice::RegisterBuiltinStages(registry);
//   return sluice::cli::ToInt(sluice::cli::RunCommand(args, registry));
#pragma once

#include "framework/stage_registry.h"
#include "pipelines/cli/args.h"
#include "pipelines/cli/exit_code.h"

namespace sluice::cli {

/// Loads, checks and runs `args.config`: results to the output, error items to the dead
/// letters, the summary to stderr (unless --quiet), the report to --report.
ExitCode RunCommand(const CliArgs& args, const StageRegistry& registry);

/// Checks `args.config` without running it; every problem to stderr (kUsage), or
/// "CONFIG: ok (N stages: parse x2 -> ...)" to stdout (kOk).
ExitCode ValidateCommand(const CliArgs& args, const StageRegistry& registry);

}  // namespace sluice::cli
