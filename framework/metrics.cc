#include "framework/metrics.h"

#include <cstdio>

#include "framework/detail/control_characters.h"
#include "framework/value.h"

namespace sluice {
namespace {

std::string Fixed(double value, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, value);
  return buf;
}

std::string Json(std::string_view text) {
  std::string out;
  AppendJsonString(text, out);
  return out;
}

// For the terminal: a file name in a message may hold control characters.
std::string Printable(std::string_view text) {
  std::string out;
  detail::AppendEscapingControls(text, out);
  return out;
}

std::string PadLeft(const std::string& s, size_t width) {
  return s.size() >= width ? s : std::string(width - s.size(), ' ') + s;
}

std::string PadRight(const std::string& s, size_t width) {
  return s.size() >= width ? s : s + std::string(width - s.size(), ' ');
}

}  // namespace

double StageReport::records_per_busy_second() const {
  return busy_seconds > 0 ? static_cast<double>(in) / busy_seconds : 0.0;
}

std::string RunReport::ToJson() const {
  const double rate = wall_seconds > 0 ? totals.read / wall_seconds : 0.0;
  std::string out = "{\n  \"pipeline\": " + Json(pipeline) + ",\n  \"source\": " + Json(source);
  out += ",\n  \"totals\": {\"read\": " + std::to_string(totals.read) +
         ", \"ok\": " + std::to_string(totals.ok) +
         ", \"filtered\": " + std::to_string(totals.filtered) +
         ", \"errors\": " + std::to_string(totals.errors) + "}";
  out += ",\n  \"balanced\": " + std::string(balanced() ? "true" : "false");
  out += ",\n  \"bytes_read\": " + std::to_string(bytes_read);
  out += ",\n  \"results\": " + std::to_string(results);
  out += ",\n  \"wall_seconds\": " + Fixed(wall_seconds, 6);
  out += ",\n  \"records_per_second\": " + Fixed(rate, 1);
  out += ",\n  \"stopped_early\": " + std::string(stopped_early ? "true" : "false");
  out += ",\n  \"read_failure\": " + (read_failure.empty() ? "null" : Json(read_failure));
  out += ",\n  \"errors_by_stage\": {";
  bool first_stage = true;
  for (const auto& [stage, codes] : errors_by_stage) {
    out += std::string(first_stage ? "" : ",") + "\n    " + Json(stage) + ": {";
    bool first_code = true;
    for (const auto& [code, n] : codes) {
      out += std::string(first_code ? "" : ", ") + Json(code) + ": " + std::to_string(n);
      first_code = false;
    }
    out += "}";
    first_stage = false;
  }
  out += errors_by_stage.empty() ? "}" : "\n  }";
  out += ",\n  \"stages\": [";
  for (size_t i = 0; i < stages.size(); ++i) {
    const StageReport& s = stages[i];
    out += std::string(i ? "," : "") + "\n    {\"name\": " + Json(s.name) +
           ", \"workers\": " + std::to_string(s.workers) + ", \"in\": " + std::to_string(s.in) +
           ", \"out\": " + std::to_string(s.out) + ", \"filtered\": " + std::to_string(s.filtered) +
           ", \"errors\": " + std::to_string(s.errors) +
           ", \"busy_seconds\": " + Fixed(s.busy_seconds, 6) +
           ", \"peak_queue_depth\": " + std::to_string(s.peak_queue_depth) +
           ", \"records_per_busy_second\": " + Fixed(s.records_per_busy_second(), 1) + "}";
  }
  out += stages.empty() ? "]\n}\n" : "\n  ]\n}\n";
  return out;
}

std::string RunReport::ToText() const {
  const std::vector<std::string> header = {
      "stage", "workers", "in", "out", "filtered", "errors", "busy s", "peak queue", "rec/busy s"};
  std::vector<std::vector<std::string>> rows = {header};
  for (const StageReport& s : stages) {
    rows.push_back({s.name, std::to_string(s.workers), std::to_string(s.in), std::to_string(s.out),
                    std::to_string(s.filtered), std::to_string(s.errors), Fixed(s.busy_seconds, 3),
                    std::to_string(s.peak_queue_depth), Fixed(s.records_per_busy_second(), 0)});
  }
  std::vector<size_t> widths(header.size(), 0);
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], row[c].size());
  }
  std::string out;
  for (const auto& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) {
      out += c == 0 ? PadRight(row[c], widths[c]) : "  " + PadLeft(row[c], widths[c]);
    }
    out += '\n';
  }
  const double rate = wall_seconds > 0 ? totals.read / wall_seconds : 0.0;
  out += "read " + std::to_string(totals.read) + " = ok " + std::to_string(totals.ok) +
         " + filtered " + std::to_string(totals.filtered) + " + errors " +
         std::to_string(totals.errors) + (balanced() ? "  (balanced)" : "  (NOT BALANCED)") + "\n";
  out += std::to_string(results) + " result rows; " + Fixed(wall_seconds, 3) + " s, " +
         Fixed(rate, 0) + " records/s, " + Fixed(bytes_read / 1e6, 1) + " MB read" +
         (!read_failure.empty() ? " (stopped early: " + Printable(read_failure) + ")"
          : stopped_early       ? " (stopped early)"
                                : "") +
         "\n";
  for (const auto& [stage, codes] : errors_by_stage) {
    out += "errors in " + stage + ":";
    for (const auto& [code, n] : codes) out += " " + code + "=" + std::to_string(n);
    out += '\n';
  }
  return out;
}

}  // namespace sluice
