#include "bench/click_hand.h"

#include <fcntl.h>
#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/parallel_pipeline.h>
#include <oneapi/tbb/task_arena.h>
#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <exception>
#include <memory>
#include <stdexcept>
#include <thread>
#include <unordered_set>
#include <vector>

#include "framework/field_names.h"
#include "framework/record.h"
#include "stages/aggregate_metrics.h"
#include "stages/detail/simdjson_number.h"
#include "stages/quantile_sketch.h"

namespace sluice::bench {
namespace {

namespace od = simdjson::ondemand;
using simdjson::error_code;

// The config's one_of list; an event's index here is its slot in the per-event state.
constexpr std::array<std::string_view, 6> kEvents = {"view",   "click",  "purchase",
                                                     "signup", "logout", "search"};
constexpr size_t kPadding = simdjson::SIMDJSON_PADDING;
constexpr size_t kChunkLines = 1024;

enum class Kind : uint8_t { kAbsent, kInt, kDouble, kString, kOther };
struct Slot {
  Kind kind = Kind::kAbsent;
  int64_t i = 0;
  double d = 0;
  std::string_view s{};  // valid until the next line is parsed
};
enum Wanted { kTs, kUser, kEvent, kLatency, kBytes, kWantedCount };
constexpr std::array<std::string_view, kWantedCount> kWantedNames = {"ts", "user", "event",
                                                                     "latency_ms", "bytes"};

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

struct EventStats {
  uint64_t count = 0;
  SumAccumulator bytes;
  SumAccumulator latency;
  ExtremaAccumulator latency_extrema;
  QuantileSketch latency_sketch;
  std::unordered_set<std::string, StringHash, std::equal_to<>> users;

  void Merge(EventStats& other) {
    count += other.count;
    bytes.Merge(other.bytes);
    latency.Merge(other.latency);
    if (other.count > 0) {
      latency_extrema.Merge(other.latency_extrema);
      latency_sketch.Merge(other.latency_sketch);
    }
    users.merge(other.users);
  }
};

// A value as parse_json would make it, reduced to what the rules look at.
error_code ReadSlot(od::value value, Slot& slot) {
  od::json_type type;
  SIMDJSON_TRY(value.type().get(type));
  switch (type) {
    case od::json_type::number: {
      const std::string_view token = value.raw_json_token();
      od::number number;
      if (value.get_number().get(number) == simdjson::SUCCESS) {
        if (number.is_int64()) {
          slot.i = number.get_int64();
          slot.kind = Kind::kInt;
        } else {
          slot.d = detail::DoubleOf(number, token);  // as parse_json reads it
          slot.kind = Kind::kDouble;
        }
        return simdjson::SUCCESS;
      }
      SIMDJSON_TRY(value.get_double().get(slot.d));  // integers past uint64
      slot.kind = Kind::kDouble;
      return simdjson::SUCCESS;
    }
    case od::json_type::string:
      SIMDJSON_TRY(value.get_string().get(slot.s));
      slot.kind = Kind::kString;
      return simdjson::SUCCESS;
    case od::json_type::boolean: {
      bool flag = false;
      SIMDJSON_TRY(value.get_bool().get(flag));
      slot.kind = Kind::kOther;
      return simdjson::SUCCESS;
    }
    case od::json_type::null: {
      bool is_null = false;
      SIMDJSON_TRY(value.is_null().get(is_null));
      if (!is_null) return simdjson::N_ATOM_ERROR;
      slot.kind = Kind::kOther;
      return simdjson::SUCCESS;
    }
    case od::json_type::object: {  // parse_json keeps nested values as their JSON text
      od::object object;
      SIMDJSON_TRY(value.get_object().get(object));
      SIMDJSON_TRY(object.raw_json().get(slot.s));
      slot.kind = Kind::kString;
      return simdjson::SUCCESS;
    }
    case od::json_type::array: {
      od::array array;
      SIMDJSON_TRY(value.get_array().get(array));
      SIMDJSON_TRY(array.raw_json().get(slot.s));
      slot.kind = Kind::kString;
      return simdjson::SUCCESS;
    }
  }
  return simdjson::INCORRECT_TYPE;
}

int WantedIndex(std::string_view key) {
  for (int k = 0; k < kWantedCount; ++k) {
    if (kWantedNames[k] == key) return k;
  }
  return -1;
}

int EventIndex(std::string_view event) {
  for (int k = 0; k < static_cast<int>(kEvents.size()); ++k) {
    if (kEvents[k] == event) return k;
  }
  return -1;
}

class ClickAggregator {
 public:
  /// `readable`: bytes readable from `line` on (at least its size + SIMDJSON_PADDING).
  void AddLine(std::string_view line, size_t readable) {
    ++read_;
    std::array<Slot, kWantedCount> slots{};
    if (!Parse(line, readable, slots) || !Accumulate(slots)) {
      ++errors_;
      return;
    }
    ++ok_;
  }

  void Merge(ClickAggregator& other) {
    read_ += other.read_;
    ok_ += other.ok_;
    errors_ += other.errors_;
    for (size_t e = 0; e < events_.size(); ++e) events_[e].Merge(other.events_[e]);
  }

  ClickTotals Totals() const {
    ClickTotals totals{.read = read_, .ok = ok_, .errors = errors_, .rows_jsonl = {}};
    std::array<size_t, kEvents.size()> order{};
    for (size_t e = 0; e < order.size(); ++e) order[e] = e;
    std::sort(order.begin(), order.end(),
              [](size_t a, size_t b) { return kEvents[a] < kEvents[b]; });
    for (size_t e : order) {
      const EventStats& s = events_[e];
      if (s.count == 0) continue;
      Record row;
      row.Append(FieldNames::Intern("event"), std::string(kEvents[e]));
      row.Append(FieldNames::Intern("count"), static_cast<int64_t>(s.count));
      row.Append(FieldNames::Intern("sum_bytes"), s.bytes.Sum());
      row.Append(FieldNames::Intern("min_latency"), s.latency_extrema.min());
      row.Append(FieldNames::Intern("max_latency"), s.latency_extrema.max());
      row.Append(FieldNames::Intern("mean_latency"), s.latency.Mean(s.count));
      row.Append(FieldNames::Intern("p99_latency"), s.latency_sketch.Quantile(0.99));
      row.Append(FieldNames::Intern("users"), static_cast<int64_t>(s.users.size()));
      totals.rows_jsonl += row.ToJson();
      totals.rows_jsonl += '\n';
    }
    return totals;
  }

 private:
  // parse_json's checks: no blank line, no NUL byte, valid JSON and UTF-8 (simdjson's
  // stage 1), one object and nothing after it; the wanted keys' values read.
  bool Parse(std::string_view line, size_t readable, std::array<Slot, kWantedCount>& slots) {
    if (std::memchr(line.data(), '\0', line.size()) != nullptr) return false;
    od::document document;
    if (parser_.iterate(line.data(), line.size(), readable).get(document)) return false;
    od::object object;
    if (document.get_object().get(object)) return false;
    for (auto field_result : object) {
      od::field field;
      if (std::move(field_result).get(field)) return false;
      std::string_view key;
      if (field.unescaped_key().get(key)) return false;
      const int wanted = WantedIndex(key);
      if (wanted < 0) continue;  // skipped unparsed, as with parse_json's projection
      if (ReadSlot(field.value(), slots[wanted])) return false;
    }
    const char* after = nullptr;  // only an error (the end) means nothing follows the object
    return document.current_location().get(after) != simdjson::SUCCESS;
  }

  // The config's validate rules, then the aggregate's input checks, then the sums.
  bool Accumulate(const std::array<Slot, kWantedCount>& slots) {
    if (slots[kTs].kind != Kind::kInt) return false;
    if (slots[kUser].kind != Kind::kString) return false;
    if (slots[kEvent].kind != Kind::kString) return false;
    const int event = EventIndex(slots[kEvent].s);
    if (event < 0) return false;
    const Slot& latency = slots[kLatency];
    if (latency.kind != Kind::kInt && latency.kind != Kind::kDouble) return false;
    const Slot& bytes = slots[kBytes];
    if (bytes.kind != Kind::kInt || bytes.i < 0 || bytes.i > 10'000'000) return false;
    if (latency.kind == Kind::kDouble && !SumAccumulator::CanAdd(latency.d)) return false;

    EventStats& stats = events_[static_cast<size_t>(event)];
    ++stats.count;
    stats.bytes.Add(bytes.i);
    if (latency.kind == Kind::kInt) {
      stats.latency.Add(latency.i);
      stats.latency_extrema.Add(Value{latency.i});
      stats.latency_sketch.Add(static_cast<double>(latency.i));
    } else {
      stats.latency.Add(latency.d);
      stats.latency_extrema.Add(Value{latency.d});
      stats.latency_sketch.Add(latency.d);
    }
    if (stats.users.find(slots[kUser].s) == stats.users.end()) {
      stats.users.emplace(slots[kUser].s);
    }
    return true;
  }

  od::parser parser_;
  std::array<EventStats, kEvents.size()> events_;
  uint64_t read_ = 0, ok_ = 0, errors_ = 0;
};

// Reads a file in blocks into a buffer with simdjson's padding after it.
class BlockFile {
 public:
  explicit BlockFile(const std::string& path) : fd_(::open(path.c_str(), O_RDONLY)) {
    if (fd_ < 0) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
    ::posix_fadvise(fd_, 0, 0, POSIX_FADV_SEQUENTIAL);
  }
  ~BlockFile() { ::close(fd_); }
  BlockFile(const BlockFile&) = delete;
  BlockFile& operator=(const BlockFile&) = delete;

  /// Appends up to `room` bytes at `into`; 0 at the end of the file (or of its range).
  size_t Read(char* into, size_t room) {
    room = std::min(room, left_);
    while (true) {
      const ssize_t n = ::read(fd_, into, room);
      if (n >= 0) {
        left_ -= static_cast<size_t>(n);
        return static_cast<size_t>(n);
      }
      if (errno != EINTR) throw std::runtime_error(std::string("read: ") + std::strerror(errno));
    }
  }
  /// Reads only the `bytes` bytes from `offset` on.
  void Limit(size_t offset, size_t bytes) {
    if (::lseek(fd_, static_cast<off_t>(offset), SEEK_SET) < 0) {
      throw std::runtime_error(std::string("lseek: ") + std::strerror(errno));
    }
    left_ = bytes;
  }
  /// The file's size; a regular file's only (others may have no size to split by).
  size_t Size() const {
    struct stat status {};
    if (::fstat(fd_, &status) != 0) {
      throw std::runtime_error(std::string("fstat: ") + std::strerror(errno));
    }
    if (!S_ISREG(status.st_mode)) throw std::runtime_error("not a regular file");
    return static_cast<size_t>(status.st_size);
  }
  /// Where the first line starting at or after `offset` starts (the size when none does).
  size_t LineStartFrom(size_t offset) const {
    if (offset == 0) return 0;
    std::array<char, 4096> window;
    for (size_t at = offset - 1;;) {  // a '\n' just before `offset` makes it a line start
      const ssize_t n = ::pread(fd_, window.data(), window.size(), static_cast<off_t>(at));
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) throw std::runtime_error(std::string("pread: ") + std::strerror(errno));
      if (n == 0) return Size();
      if (const void* newline = std::memchr(window.data(), '\n', static_cast<size_t>(n))) {
        return at + static_cast<size_t>(static_cast<const char*>(newline) - window.data()) + 1;
      }
      at += static_cast<size_t>(n);
    }
  }

 private:
  int fd_;
  size_t left_ = SIZE_MAX;  // bytes Read may still return
};

constexpr size_t kBlockBytes = 1 << 20;

// Calls `on_line(line, readable)` for each line `file` reads, parsing in place.
template <class OnLine>
void ForEachLine(BlockFile& file, OnLine on_line) {
  std::vector<char> buffer(kBlockBytes + kPadding);
  size_t filled = 0;
  bool at_end = false;
  while (!at_end) {
    if (filled + kPadding == buffer.size()) buffer.resize(buffer.size() * 2);  // a long line
    const size_t got = file.Read(buffer.data() + filled, buffer.size() - kPadding - filled);
    at_end = got == 0;
    filled += got;
    size_t start = 0;
    while (const void* newline = std::memchr(buffer.data() + start, '\n', filled - start)) {
      const size_t end = static_cast<const char*>(newline) - buffer.data();
      on_line(std::string_view(buffer.data() + start, end - start), buffer.size() - start);
      start = end + 1;
    }
    if (at_end && start < filled) {
      on_line(std::string_view(buffer.data() + start, filled - start), buffer.size() - start);
      start = filled;
    }
    std::memmove(buffer.data(), buffer.data() + start, filled - start);
    filled -= start;
  }
}

// A run of whole lines copied out of the file, with padding after the last.
struct Chunk {
  std::unique_ptr<char[]> text;
  size_t size = 0;
  size_t capacity = 0;
};

// Cuts a file into chunks of up to kChunkLines lines (the serial input of the TBB baseline).
class ChunkReader {
 public:
  explicit ChunkReader(const std::string& path) : file_(path), buffer_(kBlockBytes + kPadding) {}

  /// False at the end of the file.
  bool Next(Chunk& chunk) {
    size_t lines = 0;
    size_t scan = start_;  // one past the last whole line taken
    while (lines < kChunkLines) {
      if (const void* newline = std::memchr(buffer_.data() + scan, '\n', filled_ - scan)) {
        scan = static_cast<const char*>(newline) - buffer_.data() + 1;
        ++lines;
        continue;
      }
      if (at_end_) {
        scan = filled_;  // a last line without a newline
        break;
      }
      const size_t taken = scan - start_;
      Refill();
      scan = start_ + taken;
    }
    if (scan == start_) return false;
    chunk.size = scan - start_;
    chunk.capacity = chunk.size + kPadding;
    chunk.text = std::make_unique_for_overwrite<char[]>(chunk.capacity);
    std::memcpy(chunk.text.get(), buffer_.data() + start_, chunk.size);
    start_ = scan;
    return true;
  }

 private:
  // Moves the unread bytes to the front and reads more after them.
  void Refill() {
    std::memmove(buffer_.data(), buffer_.data() + start_, filled_ - start_);
    filled_ -= start_;
    start_ = 0;
    if (filled_ + kPadding == buffer_.size()) buffer_.resize(buffer_.size() * 2);  // a long line
    const size_t got = file_.Read(buffer_.data() + filled_, buffer_.size() - kPadding - filled_);
    at_end_ = got == 0;
    filled_ += got;
  }

  BlockFile file_;
  std::vector<char> buffer_;
  size_t start_ = 0, filled_ = 0;
  bool at_end_ = false;
};

void ForEachLineOf(const Chunk& chunk, ClickAggregator& aggregator) {
  const char* text = chunk.text.get();
  size_t start = 0;
  while (start < chunk.size) {
    const void* newline = std::memchr(text + start, '\n', chunk.size - start);
    const size_t end = newline ? static_cast<const char*>(newline) - text : chunk.size;
    aggregator.AddLine(std::string_view(text + start, end - start), chunk.capacity - start);
    start = end + 1;
  }
}

}  // namespace

ClickTotals RunHandSimdjson(const std::string& path) {
  auto aggregator = std::make_unique<ClickAggregator>();
  BlockFile file(path);
  ForEachLine(file,
              [&](std::string_view line, size_t readable) { aggregator->AddLine(line, readable); });
  return aggregator->Totals();
}

ClickTotals RunHandSplit(const std::string& path, int threads) {
  auto parts = static_cast<size_t>(std::max(threads, 1));
  std::vector<size_t> starts;  // each part's first line; the last entry is the file's end
  {
    const BlockFile file(path);
    const size_t size = file.Size();
    if (size == 0) parts = 1;  // empty, or of no size it knows (/proc): read it whole
    for (size_t k = 0; k < parts; ++k) {
      starts.push_back(
          std::max(file.LineStartFrom(k * size / parts), starts.empty() ? 0 : starts.back()));
    }
    starts.push_back(size == 0 ? SIZE_MAX : size);
  }
  std::vector<std::unique_ptr<ClickAggregator>> locals(parts);
  std::vector<std::exception_ptr> failures(parts);
  {
    std::vector<std::jthread> workers;  // joined at the end of this block, thrown or not
    for (size_t k = 0; k < parts; ++k) {
      workers.emplace_back([&, k] {
        try {
          locals[k] = std::make_unique<ClickAggregator>();
          BlockFile file(path);
          file.Limit(starts[k], starts[k + 1] - starts[k]);
          ForEachLine(file, [&](std::string_view line, size_t readable) {
            locals[k]->AddLine(line, readable);
          });
        } catch (...) {
          failures[k] = std::current_exception();
        }
      });
    }
  }
  for (const std::exception_ptr& failure : failures) {
    if (failure) std::rethrow_exception(failure);
  }
  ClickAggregator total;
  for (const auto& local : locals) total.Merge(*local);
  return total.Totals();
}

ClickTotals RunHandTbb(const std::string& path, int threads) {
  using oneapi::tbb::filter_mode;
  oneapi::tbb::task_arena arena(threads);
  oneapi::tbb::enumerable_thread_specific<ClickAggregator> locals;
  ChunkReader reader(path);
  arena.execute([&] {
    oneapi::tbb::parallel_pipeline(
        4 * static_cast<size_t>(threads),
        oneapi::tbb::make_filter<void, Chunk*>(filter_mode::serial_in_order,
                                               [&](oneapi::tbb::flow_control& control) -> Chunk* {
                                                 auto chunk = std::make_unique<Chunk>();
                                                 if (!reader.Next(*chunk)) {
                                                   control.stop();
                                                   return nullptr;
                                                 }
                                                 return chunk.release();
                                               }) &
            oneapi::tbb::make_filter<Chunk*, void>(filter_mode::parallel, [&](Chunk* raw) {
              const std::unique_ptr<Chunk> chunk(raw);
              ForEachLineOf(*chunk, locals.local());
            }));
  });
  ClickAggregator total;
  for (ClickAggregator& local : locals) total.Merge(local);
  return total.Totals();
}

}  // namespace sluice::bench
