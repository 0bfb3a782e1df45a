// `sluice`: the command-line front end. Dispatches to the commands; see docs/cli.md.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <exception>
#include <iomanip>
#include <iostream>
#include <new>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "framework/stage_registry.h"
#include "pipelines/cli/args.h"
#include "pipelines/cli/exit_code.h"
#include "pipelines/cli/help.h"
#include "pipelines/cli/run_command.h"
#include "stages/builtin.h"

namespace sluice::cli {
namespace {

ExitCode ListStages(const StageRegistry& registry) {
  const std::vector<std::string> names = registry.Names();
  size_t width = 0;
  for (const std::string& name : names) width = std::max(width, name.size());
  std::cout << "Stage types (type: NAME in a config):\n";
  for (const std::string& name : names) {
    const StageType* type = registry.Find(name);
    std::cout << "  " << std::left << std::setw(static_cast<int>(width)) << name << "  "
              << type->summary << '\n';
    if (type->keys.empty()) continue;
    std::cout << "  " << std::string(width, ' ') << "  keys:";
    for (const std::string& key : type->keys) std::cout << ' ' << key;
    std::cout << '\n';
  }
  std::cout << "Every stage also takes: name, type, workers (N or auto), queue, stall_timeout.\n";
  return ExitCode::kOk;
}

// A standard stream closed at start (`sluice run ... <&-`) would hand its number to the
// next file opened: a config read as stdin, results written to where stdout was. /dev/null
// opened the wrong way round holds the number, so that using the stream fails with EBADF
// as it would have (gnulib's stdopen does the same). `/dev/stdin` by name reads fd 0 too
// (OpenFileSource), not /dev/null anew.
void HoldClosedStandardStreams() {
  for (const int fd : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) {
    if (::fcntl(fd, F_GETFD) >= 0 || errno != EBADF) continue;
    const int held = ::open("/dev/null", fd == STDIN_FILENO ? O_WRONLY : O_RDONLY);
    if (held >= 0 && held != fd) ::close(held);  // cannot happen: open takes the lowest
  }
}

ExitCode Dispatch(const CliArgs& args) {
  StageRegistry registry;
  RegisterBuiltinStages(registry);
  switch (args.command) {
    case Command::kRun: return RunCommand(args, registry);
    case Command::kValidate: return ValidateCommand(args, registry);
    case Command::kStages: return ListStages(registry);
    case Command::kHelp: std::cout << HelpText(args.help_for); return ExitCode::kOk;
    case Command::kVersion: std::cout << VersionText(); return ExitCode::kOk;
  }
  return ExitCode::kUsage;
}

}  // namespace
}  // namespace sluice::cli

int main(int argc, char** argv) {
  using sluice::cli::ExitCode;
  sluice::cli::HoldClosedStandardStreams();
  // A closed pipe (`sluice run ... | head`) must surface as EPIPE from write(), which the
  // sinks report, not as a silent death by SIGPIPE.
  std::signal(SIGPIPE, SIG_IGN);
  const std::vector<std::string_view> words(argv + (argc > 0 ? 1 : 0), argv + argc);
  if (words.empty()) {  // no command: a usage error, with the usage
    std::cerr << sluice::cli::HelpText(std::nullopt);
    return ToInt(ExitCode::kUsage);
  }
  sluice::Result<sluice::cli::CliArgs> args = sluice::cli::ParseArgs(words);
  if (!args.ok()) {
    std::cerr << "sluice: " << args.error().message << "\nRun 'sluice --help' for usage.\n";
    return ToInt(ExitCode::kUsage);
  }
  try {
    return ToInt(sluice::cli::Dispatch(*args));
  } catch (const std::bad_alloc&) {
    std::cerr << "sluice: out of memory\n";
  } catch (const std::exception& e) {
    std::cerr << "sluice: " << e.what() << '\n';
  }
  return ToInt(ExitCode::kRuntimeFailure);
}
