#include "pipelines/cli/run_command.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "framework/clock.h"
#include "framework/detail/control_characters.h"
#include "framework/detail/standard_streams.h"
#include "pipelines/builder.h"
#include "pipelines/cli/interrupt.h"
#include "pipelines/cli/periodic_task.h"
#include "pipelines/cli/progress.h"
#include "stages/sinks.h"

namespace sluice::cli {
namespace {

// Without a dead-letter file, the first few error items are shown after the summary.
constexpr size_t kShownErrors = 5;
// How often streamed output (jsonl results, dead letters) is written out of its buffer.
// Writing each batch as it came instead took configs/clean_events.yaml on a 2M-line log
// from 0.605 to 0.69 s (a write(2) per 128 records, in each of two files), and made a
// write per row for aggregate results.
constexpr auto kFlushPeriod = std::chrono::milliseconds(50);

void PrintConfigErrors(const ConfigErrors& errors) {
  for (const ConfigError& error : errors.all()) std::cerr << error.ToString() << '\n';
}

OutputOptions ResolveOutput(const OutputSpec& spec, const CliArgs& args) {
  OutputOptions options{.path = spec.type == OutputType::kFile ? spec.path : "",
                        .format = spec.format};
  if (args.output) {
    options.path = *args.output;
    // A known extension of --output picks the format when --format is absent.
    if (std::optional<OutputFormat> format = OutputFormatFromPath(*args.output)) {
      options.format = *format;
    }
  }
  if (args.format) options.format = *args.format;
  return options;
}

// Whether `a` and `b` name one regular file, or will once written (a device such as
// /dev/null may take both). A path that cannot be resolved is left to fail as it opens.
bool SameRegularFile(const std::string& a, const std::string& b) {
  namespace fs = std::filesystem;
  std::error_code error_a, error_b;
  if (fs::exists(a, error_a) && fs::exists(b, error_b)) {
    return fs::equivalent(a, b, error_a) && fs::is_regular_file(a, error_a);
  }
  const fs::path resolved_a = fs::weakly_canonical(fs::absolute(a, error_a), error_a);
  const fs::path resolved_b = fs::weakly_canonical(fs::absolute(b, error_b), error_b);
  return !error_a && !error_b && resolved_a == resolved_b;
}

// Each file the run reads or writes must be its own: outputs are replaced when they open,
// so one named twice would lose what the other wrote (the input: before it is read). That
// holds for the shell's redirections too: `--input in.jsonl >> in.jsonl` would read its own
// output for ever, as `cat` refuses to. False after printing which two collide.
bool FilesAreDistinct(const PipelineSpec& spec, const CliArgs& args, const OutputOptions& output) {
  struct Named {
    const char* role;
    std::string path;  // "/dev/stdin", "/dev/stdout" or "/dev/stderr" for the standard streams
  };
  // Each standard stream by one name, whichever it was given ("-" alone, "" for the input
  // and the output).
  const auto or_stream = [](const std::string& path, const char* stream) {
    if (path == "-") return std::string(stream);
    switch (detail::StandardStreamNamed(path)) {
      case STDIN_FILENO: return std::string("/dev/stdin");
      case STDOUT_FILENO: return std::string("/dev/stdout");
      case STDERR_FILENO: return std::string("/dev/stderr");
      default: return path;
    }
  };
  const std::string input =
      args.input ? *args.input : (spec.source.type == SourceType::kStdin ? "-" : spec.source.path);
  const Named files[] = {
      {"the input", or_stream(input, "/dev/stdin")},
      {"the output", or_stream(output.path.empty() ? "-" : output.path, "/dev/stdout")},
      {"the dead letters (errors.dead_letter)", or_stream(spec.errors.dead_letter, "/dev/stdout")},
      {"the report (--report)", or_stream(args.report.value_or(""), "/dev/stdout")}};
  for (size_t i = 0; i < std::size(files); ++i) {
    for (size_t j = i + 1; j < std::size(files); ++j) {
      const Named& a = files[i];
      const Named& b = files[j];
      if (a.path.empty() || b.path.empty()) continue;
      // Two outputs on one stream would mix their lines (the input names no output stream:
      // its source refuses one).
      if (i > 0 && a.path == b.path && (a.path == "/dev/stdout" || a.path == "/dev/stderr")) {
        std::cerr << "sluice: " << a.role << " and " << b.role << " both go to " << a.path.substr(5)
                  << ": each must have its own\n";  // a pipe, a terminal
        return false;
      }
      if (!SameRegularFile(a.path, b.path)) continue;
      std::cerr << "sluice: " << a.role << " and " << b.role << " are the same file, "
                << (b.path.starts_with("/dev/std") ? a.path : b.path) << ": each must have its own"
                << (a.path.starts_with("/dev/std") || b.path.starts_with("/dev/std")
                        ? " (a shell redirection names a file too)\n"
                        : "\n");
      return false;
    }
  }
  return true;
}

// Where the run's results and error items go.
struct Sinks {
  std::unique_ptr<RecordWriter> results;
  std::unique_ptr<DeadLetterWriter> dead_letters;  // null without errors.dead_letter
  std::vector<Error> shown_errors;                 // without dead letters: the first few
  // Guards the streamed writers (jsonl results, dead letters) against FlushStreamed.
  std::mutex streamed_mutex;
  Pipeline* pipeline = nullptr;  // the one Wire wired, for StopIfBroken
  bool stop_requested = false;   // under streamed_mutex

  // A streamed writer that failed drops the rest of its output: stop reading, as SIGINT
  // does, instead of running on for nothing (a paced replay or a quiet input piped into
  // `head` would wait for their next line). Under streamed_mutex.
  void StopIfBroken() {
    if (stop_requested || !(results->failed() || (dead_letters && dead_letters->failed()))) return;
    stop_requested = true;
    pipeline->RequestStop();
  }

  bool streams() const { return results->encoder() != nullptr || dead_letters != nullptr; }
  // From another thread: writes out what the streamed writers buffer.
  void FlushStreamed() {
    std::lock_guard lock(streamed_mutex);
    if (results->encoder()) results->Flush();
    if (dead_letters) dead_letters->Flush();
    StopIfBroken();
  }

  // JSONL results and dead letters are encoded on the workers, in parallel.
  void Wire(Pipeline& pipeline) {
    this->pipeline = &pipeline;
    if (RecordEncoder encoder = results->encoder()) {
      pipeline.EncodeResults(encoder, [this](std::string_view bytes, uint64_t records) {
        std::lock_guard lock(streamed_mutex);
        results->WriteEncoded(bytes, records);
        StopIfBroken();
      });
    } else {
      pipeline.OnResult([this](const Record& record) { results->Write(record); });
    }
    if (dead_letters) {
      pipeline.EncodeErrors(&DeadLetterWriter::Encode,
                            [this](std::string_view bytes, uint64_t errors) {
                              std::lock_guard lock(streamed_mutex);
                              dead_letters->WriteEncoded(bytes, errors);
                              StopIfBroken();
                            });
    } else {
      pipeline.OnError([this](const Error& error) {
        if (shown_errors.size() < kShownErrors) shown_errors.push_back(error);
      });
    }
  }
};

// Opens the writers into `sinks` (which holds a mutex, so it does not move); false after
// printing why one could not be opened.
bool OpenSinks(const PipelineSpec& spec, const CliArgs& args, Sinks& sinks) {
  const OutputOptions output = ResolveOutput(spec.output, args);
  const std::string& dead_letters = spec.errors.dead_letter;
  const auto failed = [](const char* what, const Error& error) {
    std::cerr << "sluice: " << what << ": " << error.message << '\n';
    return false;
  };
  // Every path is checked before any file is replaced (the report's too, written at the
  // end): a dead-letter path that could not open used to leave the output emptied. "" and
  // "-" (stdout, or no dead letters or report) pass.
  for (const auto& [what, path] : {std::pair<const char*, std::string>{"output", output.path},
                                   {"dead letters", dead_letters},
                                   {"report", args.report.value_or("")}}) {
    if (Status checked = CheckOutputPath(path); !checked.ok()) return failed(what, checked.error());
  }
  Result<std::unique_ptr<RecordWriter>> results = OpenOutput(output);
  if (!results.ok()) return failed("output", results.error());
  sinks.results = std::move(*results);
  if (!dead_letters.empty()) {
    Result<std::unique_ptr<DeadLetterWriter>> dead = OpenDeadLetters(dead_letters);
    if (!dead.ok()) return failed("dead letters", dead.error());
    sinks.dead_letters = std::move(*dead);
  }
  return true;
}

// Closes both writers (the table prints here); reports every failure.
ExitCode CloseSinks(Sinks& sinks) {
  ExitCode code = ExitCode::kOk;
  if (Status closed = sinks.results->Close(); !closed.ok()) {
    std::cerr << "sluice: " << closed.error().message << '\n';
    code = ExitCode::kOutputFailure;
  }
  if (sinks.dead_letters) {
    if (Status closed = sinks.dead_letters->Close(); !closed.ok()) {
      std::cerr << "sluice: dead letters: " << closed.error().message << '\n';
      code = ExitCode::kOutputFailure;
    }
  }
  return code;
}

void PrintShownErrors(const std::vector<Error>& shown, uint64_t total_errors) {
  if (shown.empty()) return;
  std::cerr << (total_errors > shown.size() ? "first " + std::to_string(shown.size()) + " of "
                                            : std::string())
            << total_errors << (total_errors == 1 ? " error" : " errors")
            << " (set errors.dead_letter to keep them all):\n";
  for (const Error& error : shown) std::cerr << "  " << error.ToString() << '\n';
}

// `json` (RunReport::ToJson, which ends its last line) to the file at `path`, or to stdout
// for "-", or to the standard stream it names.
Status WriteReportFile(const std::string& path, const std::string& json) {
  auto fail = [&](int error_number) {
    return Error{.code = ErrorCode::kInvalidInput,
                 .message = "writing report " + path + ": " + std::strerror(error_number)};
  };
  const int stream = path == "-" ? STDOUT_FILENO : detail::StandardStreamNamed(path);
  const bool to_stream = stream == STDOUT_FILENO || stream == STDERR_FILENO;
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (!to_stream && !parent.empty()) {
    std::error_code ignored;  // a failure shows in fopen below
    std::filesystem::create_directories(parent, ignored);
  }
  std::FILE* file = !to_stream                ? std::fopen(path.c_str(), "w")
                    : stream == STDOUT_FILENO ? stdout
                                              : stderr;
  if (file == nullptr) return fail(errno);
  const bool written = std::fwrite(json.data(), 1, json.size(), file) == json.size();
  const int write_errno = errno;
  if ((to_stream ? std::fflush(file) : std::fclose(file)) != 0) return fail(errno);
  if (!written) return fail(write_errno);
  return Status::Ok();
}

// What PrepareRun makes: the checked config, its pipeline and its open source. The pipeline
// is declared last, so that it is destroyed first: mid-run, it stops its workers, which read
// the source.
struct PreparedRun {
  std::optional<PipelineSpec> spec;
  std::unique_ptr<Source> source;
  std::unique_ptr<Pipeline> pipeline;
};

// Loads and checks the config, builds the pipeline and opens the source; kOk, or the exit
// code after printing why not.
ExitCode PrepareRun(const CliArgs& args, const StageRegistry& registry, PreparedRun& run) {
  ConfigErrors errors;
  run.spec = LoadPipelineSpec(args.config, registry, args.sets, errors);
  if (run.spec) run.pipeline = BuildPipeline(*run.spec, registry, errors);
  if (!run.pipeline) {
    PrintConfigErrors(errors);
    return ExitCode::kUsage;
  }
  const PipelineSpec& spec = *run.spec;
  if (!FilesAreDistinct(spec, args, ResolveOutput(spec.output, args))) return ExitCode::kUsage;
  Result<std::unique_ptr<Source>> source =
      OpenSpecSource(spec, registry, args.input, SystemClock::Instance());
  if (!source.ok()) {
    std::cerr << "sluice: " << source.error().message << '\n';
    return ExitCode::kRuntimeFailure;
  }
  run.source = std::move(*source);
  return ExitCode::kOk;
}

// Opens the writers (replacing the output files) and wires them to the pipeline; false
// after printing why one could not be opened.
bool OpenOutputs(const PreparedRun& run, const CliArgs& args, Sinks& sinks) {
  if (!OpenSinks(*run.spec, args, sinks)) return false;
  sinks.Wire(*run.pipeline);
  const bool reads_stdin =
      args.input ? *args.input == "-" || detail::StandardStreamNamed(*args.input) == STDIN_FILENO
                 : run.spec->source.type == SourceType::kStdin;
  if (reads_stdin && !args.quiet && isatty(STDIN_FILENO) == 1) {  // else it would wait mutely
    std::cerr << "sluice: reading lines from the terminal; end with Ctrl-D (or give --input)\n";
  }
  return true;
}

// Runs the pipeline with the progress line and the streamed writers' periodic flush. An
// input that fails partway ends the run as a stop does, with its read_failure. A stall ends
// the process here: the stuck worker cannot be stopped, and the results are incomplete.
RunReport RunWithProgress(PreparedRun& run, Sinks& sinks, const CliArgs& args) {
  ProgressLine progress(*run.pipeline, !args.quiet && isatty(STDERR_FILENO) == 1);
  std::optional<PeriodicTask> flush;  // stopped before the sinks close
  if (sinks.streams()) flush.emplace(kFlushPeriod, [&sinks] { sinks.FlushStreamed(); });
  try {
    return run.pipeline->Run(*run.source);
  } catch (const ReadError& failed) {
    return failed.report();
  } catch (const StallError& stall) {
    progress.Stop();
    std::fprintf(stderr, "sluice: %s\n", stall.what());
    std::fflush(stderr);
    std::_Exit(ToInt(ExitCode::kStalled));
  }
}  // the progress line is erased before anything else reaches stderr

// Closes the writers, prints the summary, writes --report and checks the error ratio; the
// exit code of what failed (an output failure outranks a read failure, which outranks the
// error ratio).
ExitCode Conclude(RunReport& report, Sinks& sinks, const PipelineSpec& spec, const CliArgs& args) {
  if (!report.read_failure.empty()) {
    std::string printable;  // the file's name may hold control characters
    detail::AppendEscapingControls(report.read_failure, printable);
    std::cerr << "sluice: " << printable << '\n';
  }
  ExitCode code = CloseSinks(sinks);
  report.results = sinks.results->written();  // what reached the output, not just the writer
  if (!args.quiet) {
    std::cerr << report.ToText();
    PrintShownErrors(sinks.shown_errors, report.totals.errors);
  }
  if (args.report) {
    if (Status written = WriteReportFile(*args.report, report.ToJson()); !written.ok()) {
      std::cerr << "sluice: " << written.error().message << '\n';
      code = ExitCode::kOutputFailure;
    }
  }
  if (report.error_ratio() > spec.errors.max_error_ratio) {
    // 4 digits, or as many as tell the ratio from the limit (0.5 against 0.49999).
    const auto digits = [](double value, int precision) {
      char text[32];
      std::snprintf(text, sizeof text, "%.*g", precision, value);
      return std::string(text);
    };
    int precision = 4;
    while (precision < 17 && digits(report.error_ratio(), precision) ==
                                 digits(spec.errors.max_error_ratio, precision)) {
      ++precision;
    }
    std::cerr << "sluice: error ratio " << digits(report.error_ratio(), precision) << " ("
              << report.totals.errors << " of " << report.totals.read
              << " records) exceeds errors.max_error_ratio "
              << digits(spec.errors.max_error_ratio, precision) << '\n';
    if (code == ExitCode::kOk) code = ExitCode::kErrorRatioExceeded;
  }
  if (!report.read_failure.empty() && code != ExitCode::kOutputFailure) {
    code = ExitCode::kRuntimeFailure;
  }
  return code;
}

}  // namespace

ExitCode RunCommand(const CliArgs& args, const StageRegistry& registry) {
  Sinks sinks;  // outlives the pipeline, whose callbacks write to it
  PreparedRun run;
  if (const ExitCode failed = PrepareRun(args, registry, run); failed != ExitCode::kOk) {
    return failed;
  }
  // From before the output files are replaced until they and the report are written: a
  // signal then stops the run, and what was read is written, never half of it.
  InterruptHandler interrupts(*run.pipeline, run.spec->shutdown_timeout);
  if (!OpenOutputs(run, args, sinks)) return ExitCode::kOutputFailure;
  interrupts.OutputsOpen();
  RunReport report = RunWithProgress(run, sinks, args);
  interrupts.Drained();
  ExitCode code = Conclude(report, sinks, *run.spec, args);
  interrupts.Disarm();
  if (interrupts.interrupted() && code != ExitCode::kOutputFailure) code = ExitCode::kInterrupted;
  return code;
}

// The config is read once: it may be a pipe (`sluice validate <(...)`), which reads empty
// a second time.
ExitCode ValidateCommand(const CliArgs& args, const StageRegistry& registry) {
  ConfigErrors problems;
  const std::optional<PipelineSpec> spec =
      LoadPipelineSpec(args.config, registry, args.sets, problems);
  if (!spec || !problems.empty()) {
    PrintConfigErrors(problems);
    std::cerr << args.config << ": " << problems.size()
              << (problems.size() == 1 ? " problem\n" : " problems\n");
    return ExitCode::kUsage;
  }
  std::string chain;
  for (const StageSpec& stage : spec->stages) {
    if (!chain.empty()) chain += " -> ";
    chain += stage.name + " x" + std::to_string(stage.workers);
  }
  std::cout << args.config << ": ok (" << spec->stages.size()
            << (spec->stages.size() == 1 ? " stage: " : " stages: ") << chain << ")\n";
  return ExitCode::kOk;
}

}  // namespace sluice::cli
