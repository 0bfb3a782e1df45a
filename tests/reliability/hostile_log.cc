#include "hostile_log.h"

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <utility>

namespace sluice::reliability {
namespace {

// splitmix64: the same bytes on every platform for the same seed.
class Prng {
 public:
  explicit Prng(uint64_t seed) : state_(seed) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  uint64_t Below(uint64_t n) { return Next() % n; }
  bool Chance(double p) { return static_cast<double>(Next() >> 11) < p * 9007199254740992.0; }

 private:
  uint64_t state_;
};

constexpr size_t kMiB = size_t{1} << 20;
constexpr int kDeepLevels = 10'000;
constexpr const char* kEvents[] = {"view", "click", "search", "purchase", "signup", "logout"};
// The hostile kinds cheap enough to be drawn for any line; the others sit at fixed lines.
constexpr LineKind kDrawnKinds[] = {LineKind::kInvalidUtf8,     LineKind::kNulByte,
                                    LineKind::kTruncatedJson,   LineKind::kCrlf,
                                    LineKind::kIntBeyondInt64,  LineKind::kDuplicateKeyBad,
                                    LineKind::kDuplicateKeySame};
constexpr const char* kBadUtf8[] = {"\xff", "\xc0\x80", "\xed\xa0\x80", "\xf4\x90\x80\x80",
                                    "\xe2\x82"};

// Buffered writes to a FILE*, failing loudly.
class Writer {
 public:
  explicit Writer(const std::string& path) : file_(std::fopen(path.c_str(), "wb")) {
    if (file_ == nullptr) throw std::runtime_error("cannot create " + path);
    std::setvbuf(file_, nullptr, _IOFBF, 1 << 20);
  }
  ~Writer() {
    if (file_ != nullptr) std::fclose(file_);
  }
  void Put(std::string_view text) {
    if (std::fwrite(text.data(), 1, text.size(), file_) != text.size()) Fail();
    bytes_ += text.size();
  }
  void PutRepeated(char c, size_t count) {
    const std::string chunk(64 * 1024, c);
    for (; count >= chunk.size(); count -= chunk.size()) Put(chunk);
    Put(std::string_view(chunk).substr(0, count));
  }
  void Close() {
    if (std::fclose(std::exchange(file_, nullptr)) != 0) Fail();
  }
  uint64_t bytes() const { return bytes_; }

 private:
  [[noreturn]] void Fail() { throw std::runtime_error("writing the hostile log failed"); }
  std::FILE* file_;
  uint64_t bytes_ = 0;
};

// Fields of a good event, without the braces: "ts":...,"user":...,...
std::string GoodFields(Prng& prng, uint64_t line) {
  return "\"ts\":" + std::to_string(1'700'000'000'000 + line * 10) + ",\"user\":\"u" +
         std::to_string(1 + prng.Below(500)) + "\",\"event\":\"" + kEvents[prng.Below(6)] +
         "\",\"latency_ms\":" + std::to_string(prng.Below(3000)) + "." +
         std::to_string(prng.Below(10)) + ",\"bytes\":" + std::to_string(prng.Below(200'000));
}

// A line of `kind` whose size is set by the caller (padding), for the long kinds.
void WritePadded(Writer& out, Prng& prng, uint64_t line, size_t total_length) {
  const std::string head = "{" + GoodFields(prng, line) + ",\"pad\":\"";
  out.Put(head);
  out.PutRepeated('x', total_length - head.size() - 2);
  out.Put("\"}");
}

void WriteDeep(Writer& out, Prng& prng, uint64_t line, std::string_view field) {
  const std::string fields = GoodFields(prng, line);
  if (field == "user") {  // replaces the read field "user" with the nested value
    out.Put("{\"ts\":1,\"event\":\"view\",\"latency_ms\":1,\"bytes\":1,\"user\":");
  } else {
    out.Put("{" + fields + ",\"" + std::string(field) + "\":");
  }
  out.PutRepeated('[', kDeepLevels);
  out.PutRepeated(']', kDeepLevels);
  out.Put("}");
}

// Writes line `line` (1-based) of `kind`, with its line end.
void WriteLine(Writer& out, Prng& prng, uint64_t line, LineKind kind) {
  switch (kind) {
    case LineKind::kGood:
    case LineKind::kNoFinalNewline: out.Put("{" + GoodFields(prng, line) + "}"); break;
    case LineKind::kInvalidUtf8:
      out.Put("{" + GoodFields(prng, line) + ",\"ua\":\"curl" + kBadUtf8[prng.Below(5)] + "\"}");
      break;
    case LineKind::kNulByte:
      out.Put("{" + GoodFields(prng, line) + ",\"path\":\"/a");
      out.Put(std::string_view("\0", 1));
      out.Put("b\"}");
      break;
    case LineKind::kTruncatedJson: {
      const std::string good = "{" + GoodFields(prng, line) + "}";
      out.Put(std::string_view(good).substr(0, 1 + prng.Below(good.size() - 2)));
      break;
    }
    case LineKind::kDeepNesting: WriteDeep(out, prng, line, "user"); break;
    case LineKind::kDeepUnreadField: WriteDeep(out, prng, line, "extra"); break;
    case LineKind::kLineUnder1MiB: WritePadded(out, prng, line, kMiB - 64); break;
    case LineKind::kLineOver1MiB: WritePadded(out, prng, line, kMiB + 1); break;
    case LineKind::kLine64MiB: WritePadded(out, prng, line, 64 * kMiB); break;
    case LineKind::kCrlf: out.Put("{" + GoodFields(prng, line) + "}\r"); break;
    case LineKind::kIntBeyondInt64:
      out.Put(
          "{\"ts\":1,\"user\":\"u1\",\"event\":\"view\",\"latency_ms\":1,"
          "\"bytes\":99999999999999999999}");
      break;
    case LineKind::kDuplicateKeyBad:
      out.Put("{" + GoodFields(prng, line) + ",\"bytes\":-5}");
      break;
    case LineKind::kDuplicateKeySame:
      out.Put("{" + GoodFields(prng, line) + ",\"event\":\"click\"}");
      break;
  }
  if (kind != LineKind::kNoFinalNewline) out.Put("\n");
}

// The kinds of every line: drawn ones at random, the expensive ones spread evenly.
std::vector<LineKind> PlanKinds(const HostileLogOptions& options, Prng& prng) {
  std::vector<LineKind> kinds(options.lines, LineKind::kGood);
  for (LineKind& kind : kinds) {
    if (prng.Chance(options.hostile_ratio)) kind = kDrawnKinds[prng.Below(std::size(kDrawnKinds))];
  }
  auto spread = [&](LineKind kind, uint64_t count, uint64_t phase) {
    for (uint64_t i = 0; i < count; ++i) {
      kinds[(options.lines * (2 * i + 1) / (2 * count) + phase) % options.lines] = kind;
    }
  };
  spread(LineKind::kDeepNesting, options.deep_lines, 1);
  spread(LineKind::kDeepUnreadField, options.deep_lines, 2);
  spread(LineKind::kLineUnder1MiB, options.mib_lines, 3);
  spread(LineKind::kLineOver1MiB, options.mib_lines, 4);
  if (options.line_64mib) kinds[options.lines / 2 + 5] = LineKind::kLine64MiB;
  kinds.back() = LineKind::kNoFinalNewline;
  return kinds;
}

}  // namespace

std::string_view LineKindName(LineKind kind) {
  switch (kind) {
    case LineKind::kGood: return "good";
    case LineKind::kInvalidUtf8: return "invalid UTF-8";
    case LineKind::kNulByte: return "NUL byte";
    case LineKind::kTruncatedJson: return "truncated JSON";
    case LineKind::kDeepNesting: return "10k-deep nesting (read field)";
    case LineKind::kDeepUnreadField: return "10k-deep nesting (unread field)";
    case LineKind::kLineUnder1MiB: return "line just under 1 MiB";
    case LineKind::kLineOver1MiB: return "line 1 MiB + 1";
    case LineKind::kLine64MiB: return "64 MiB line";
    case LineKind::kCrlf: return "CRLF ending";
    case LineKind::kIntBeyondInt64: return "integer beyond int64";
    case LineKind::kDuplicateKeyBad: return "duplicate key (last invalid)";
    case LineKind::kDuplicateKeySame: return "duplicate key (both valid)";
    case LineKind::kNoFinalNewline: return "no final newline";
  }
  return "?";
}

Expected ExpectedFor(LineKind kind) {
  switch (kind) {
    case LineKind::kGood:
    case LineKind::kDeepUnreadField:  // skipped values are only checked for balance
    case LineKind::kLineUnder1MiB:
    case LineKind::kCrlf:
    case LineKind::kDuplicateKeySame:
    case LineKind::kNoFinalNewline: return {};
    case LineKind::kInvalidUtf8:
    case LineKind::kNulByte: return {true, "parse", ErrorCode::kInvalidEncoding};
    case LineKind::kTruncatedJson:
    case LineKind::kDeepNesting: return {true, "parse", ErrorCode::kInvalidInput};
    case LineKind::kLineOver1MiB:
    case LineKind::kLine64MiB: return {true, "source", ErrorCode::kTooLarge};
    case LineKind::kIntBeyondInt64: return {true, "validate", ErrorCode::kWrongType};
    case LineKind::kDuplicateKeyBad: return {true, "validate", ErrorCode::kOutOfRange};
  }
  return {true, "?", ErrorCode::kInternal};
}

HostileLog WriteHostileLog(const std::string& path, const HostileLogOptions& options) {
  if (options.lines < 16) throw std::invalid_argument("a hostile log needs at least 16 lines");
  Prng prng(options.seed);
  HostileLog log;
  log.kinds = PlanKinds(options, prng);
  Writer out(path);
  for (uint64_t i = 0; i < log.kinds.size(); ++i) {
    const LineKind kind = log.kinds[i];
    WriteLine(out, prng, i + 1, kind);
    ++log.per_kind[kind];
    if (kind != LineKind::kGood) ++log.hostile;
    (ExpectedFor(kind).error ? log.expected_errors : log.expected_ok) += 1;
  }
  out.Close();
  log.bytes = out.bytes();
  return log;
}

}  // namespace sluice::reliability
