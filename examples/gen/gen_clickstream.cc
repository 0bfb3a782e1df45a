// gen_clickstream: writes a deterministic clickstream event log (JSON lines), or with --kv a
// key:value metrics log, with a chosen share of bad lines. The same flags give the same
// bytes on every platform: the PRNG is splitmix64 and every number is formatted from
// integers (no std::random distributions, no floating-point printing).
//
//   gen_clickstream --lines 5000 --bad-ratio 0.03 --seed 1 --out examples/data/clickstream.jsonl
//   gen_clickstream --kv --lines 300 --bad-ratio 0.1 --seed 1 --out examples/data/kv_metrics.log
//   gen_clickstream --lines 10000000 | sluice run configs/clickstream.yaml --input -
//
// Good clickstream lines (~125 bytes):
//   {"ts":1700000000123,"user":"u42","event":"click","latency_ms":23.5,"bytes":5120,
//    "path":"/products/1234","ua":"curl/8.4.0"}
// ts grows by 5-44 ms per line, and one line in ten is up to 49 ms late (out of order).
// Bad lines rotate through eight kinds: invalid JSON, a missing field, a wrong type
// ("bytes":"abc"), bytes out of range (negative or >= 1e10), an unknown event, an empty
// line, an invalid UTF-8 byte (0xFF), a NUL byte.
//
// --kv lines are "users:42", "latency:150", "errors:3" with values 1..99999; bad ones are
// "invalid" (no colon), a value of 0, a value over 999999, or an empty line.
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace {

// splitmix64 (Steele, Lea, Flood 2014): tiny, fast, and the same everywhere.
class SplitMix64 {
 public:
  explicit SplitMix64(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  /// Uniform in [0, n) (the modulo bias is irrelevant at these sizes).
  uint64_t Below(uint64_t n) { return Next() % n; }
  /// True with probability `p`, compared on 53-bit integers so that it is exact.
  bool Chance(double p) {
    return static_cast<double>(Next() >> 11) < p * 9007199254740992.0;  // 2^53
  }

 private:
  uint64_t state_;
};

struct Options {
  uint64_t lines = 1000;
  double bad_ratio = 0.0;
  uint64_t seed = 1;
  std::string out = "-";
  bool kv = false;
};

enum class BadKind : uint8_t {
  kInvalidJson,
  kMissingField,
  kWrongType,
  kOutOfRange,
  kUnknownEvent,
  kEmptyLine,
  kInvalidUtf8,
  kNulByte,
};
constexpr int kBadKinds = 8;

struct Event {
  int64_t ts;
  uint64_t user;
  std::string_view event;
  uint64_t latency_tenths;
  int64_t bytes;
  std::string path;
  std::string_view ua;
};

constexpr std::array<std::string_view, 5> kUserAgents = {
    "curl/8.4.0", "Mozilla/5.0 (X11; Linux x86_64)", "Mozilla/5.0 (iPhone)", "okhttp/4.12.0",
    "python-requests/2.31"};
constexpr std::array<std::string_view, 6> kWords = {"shoes", "lamp",  "coffee",
                                                    "desk",  "cable", "tent"};

std::string_view PickEvent(SplitMix64& rng) {
  const uint64_t roll = rng.Below(100);  // view 50%, click 25%, search 12%, then 5/4/4
  if (roll < 50) return "view";
  if (roll < 75) return "click";
  if (roll < 87) return "search";
  if (roll < 92) return "purchase";
  if (roll < 96) return "signup";
  return "logout";
}

std::string PickPath(SplitMix64& rng, std::string_view event) {
  if (event == "search") return "/search?q=" + std::string(kWords[rng.Below(kWords.size())]);
  if (event == "purchase") return "/checkout";
  if (event == "signup") return "/account/new";
  if (event == "logout") return "/logout";
  switch (rng.Below(5)) {
    case 0: return "/";
    case 1: return "/cart";
    case 2: return "/help";
    default: return "/products/" + std::to_string(1000 + rng.Below(9000));
  }
}

Event MakeEvent(SplitMix64& rng, int64_t& clock_ms) {
  clock_ms += 5 + static_cast<int64_t>(rng.Below(40));
  Event e;
  e.ts = clock_ms - (rng.Below(10) == 0 ? static_cast<int64_t>(rng.Below(50)) : 0);
  // Lower ids are busier: the smaller of two draws.
  e.user = 1 + std::min(rng.Below(500), rng.Below(500));
  e.event = PickEvent(rng);
  e.latency_tenths = rng.Below(100) == 0 ? 10000 + rng.Below(40000) : 5 + rng.Below(3000);
  e.bytes = 200 + static_cast<int64_t>(rng.Below(200000));
  e.path = PickPath(rng, e.event);
  e.ua = kUserAgents[rng.Below(kUserAgents.size())];
  return e;
}

// Appends `"key":`, with a comma unless it is the first key after the brace.
void AppendKey(std::string& line, std::string_view key) {
  line += line.size() > 1 ? ",\"" : "\"";
  line += key;
  line += "\":";
}

std::string FormatEvent(const Event& e, int skip_field) {
  std::string line = "{";
  if (skip_field != 0) AppendKey(line, "ts"), line += std::to_string(e.ts);
  if (skip_field != 1) AppendKey(line, "user"), line += "\"u" + std::to_string(e.user) + '"';
  if (skip_field != 2) AppendKey(line, "event"), line += '"' + std::string(e.event) + '"';
  AppendKey(line, "latency_ms");
  line += std::to_string(e.latency_tenths / 10) + '.' + std::to_string(e.latency_tenths % 10);
  if (skip_field != 3) AppendKey(line, "bytes"), line += std::to_string(e.bytes);
  AppendKey(line, "path");
  line += '"' + e.path + '"';
  AppendKey(line, "ua");
  line += '"' + std::string(e.ua) + '"';
  line += '}';
  return line;
}

std::string BadClickLine(SplitMix64& rng, Event e, BadKind kind) {
  switch (kind) {
    case BadKind::kInvalidJson: {
      std::string line = FormatEvent(e, -1);
      switch (rng.Below(3)) {
        case 0: return line.substr(0, line.size() / 2);                        // cut short
        case 1: return line.substr(0, line.size() - 1) + ",}";                 // trailing comma
        default: return line.replace(line.find("\"user\":"), 7, "\"user\"=");  // no colon
      }
    }
    case BadKind::kMissingField: return FormatEvent(e, static_cast<int>(rng.Below(4)));
    case BadKind::kWrongType: {
      std::string line = FormatEvent(e, -1);
      const size_t at = line.find("\"bytes\":") + 8;
      return line.replace(at, line.find(',', at) - at, "\"abc\"");
    }
    case BadKind::kOutOfRange:
      e.bytes = rng.Below(2) == 0 ? -1 - static_cast<int64_t>(rng.Below(1000))
                                  : 10000000000 + static_cast<int64_t>(rng.Below(1000));
      return FormatEvent(e, -1);
    case BadKind::kUnknownEvent:
      e.event = rng.Below(2) == 0 ? "hover" : "scroll";
      return FormatEvent(e, -1);
    case BadKind::kEmptyLine: return "";
    case BadKind::kInvalidUtf8: e.ua = "Mozilla/5.0 (\xFFPhone)"; return FormatEvent(e, -1);
    case BadKind::kNulByte: e.path.insert(e.path.size() / 2, 1, '\0'); return FormatEvent(e, -1);
  }
  return "";
}

std::string KvLine(SplitMix64& rng, bool bad) {
  static constexpr std::array<std::string_view, 3> kKeys = {"users", "latency", "errors"};
  const std::string key(kKeys[rng.Below(kKeys.size())]);
  if (!bad) return key + ':' + std::to_string(1 + rng.Below(99999));
  switch (rng.Below(4)) {
    case 0: return "invalid";
    case 1: return key + ":0";
    case 2: return key + ':' + std::to_string(1000000 + rng.Below(9000000));
    default: return "";
  }
}

[[noreturn]] void Usage(const char* problem) {
  if (problem != nullptr) std::fprintf(stderr, "gen_clickstream: %s\n", problem);
  std::fprintf(stderr,
               "usage: gen_clickstream --lines N [--bad-ratio R] [--seed S] [--out PATH] "
               "[--kv]\n");
  std::exit(problem != nullptr ? 2 : 0);
}

uint64_t ParseCount(const char* text, const char* flag) {
  char* end = nullptr;
  errno = 0;
  const unsigned long long value = std::strtoull(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || text[0] == '-') {
    Usage((std::string(flag) + " wants a non-negative integer, got '" + text + "'").c_str());
  }
  return value;
}

Options ParseArgs(int argc, char** argv) {
  Options options;
  bool have_lines = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view flag = argv[i];
    if (flag == "--help" || flag == "-h") Usage(nullptr);
    if (flag == "--kv") {
      options.kv = true;
      continue;
    }
    if (i + 1 >= argc) Usage(("missing value after " + std::string(flag)).c_str());
    const char* value = argv[++i];
    if (flag == "--lines") {
      options.lines = ParseCount(value, "--lines");
      have_lines = true;
    } else if (flag == "--seed") {
      options.seed = ParseCount(value, "--seed");
    } else if (flag == "--out") {
      options.out = value;
    } else if (flag == "--bad-ratio") {
      char* end = nullptr;
      options.bad_ratio = std::strtod(value, &end);
      if (end == value || *end != '\0' || !(options.bad_ratio >= 0 && options.bad_ratio <= 1)) {
        Usage(("--bad-ratio wants a number in 0..1, got '" + std::string(value) + "'").c_str());
      }
    } else {
      Usage(("unknown flag " + std::string(flag)).c_str());
    }
  }
  if (!have_lines) Usage("--lines is required");
  return options;
}

}  // namespace

int main(int argc, char** argv) {
  const Options options = ParseArgs(argc, argv);
  std::FILE* out = options.out == "-" ? stdout : std::fopen(options.out.c_str(), "wb");
  if (out == nullptr) {
    std::fprintf(stderr, "gen_clickstream: cannot open %s: %s\n", options.out.c_str(),
                 std::strerror(errno));
    return 1;
  }
  SplitMix64 rng(options.seed);
  int64_t clock_ms = 1700000000000;  // 2023-11-14T22:13:20Z
  std::string buffer;
  for (uint64_t n = 0; n < options.lines; ++n) {
    const bool bad = rng.Chance(options.bad_ratio);
    if (options.kv) {
      buffer += KvLine(rng, bad);
    } else {
      const Event event = MakeEvent(rng, clock_ms);
      buffer += bad ? BadClickLine(rng, event, static_cast<BadKind>(rng.Below(kBadKinds)))
                    : FormatEvent(event, -1);
    }
    buffer += '\n';
    if (buffer.size() >= (1 << 16)) {
      if (std::fwrite(buffer.data(), 1, buffer.size(), out) != buffer.size()) break;
      buffer.clear();
    }
  }
  std::fwrite(buffer.data(), 1, buffer.size(), out);
  if (std::ferror(out) != 0 || std::fflush(out) != 0 || (out != stdout && std::fclose(out) != 0)) {
    std::fprintf(stderr, "gen_clickstream: writing %s: %s\n", options.out.c_str(),
                 std::strerror(errno));
    return 1;
  }
  return 0;
}
