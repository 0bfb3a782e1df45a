#include "stages/detail/key_order.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

namespace sluice::detail {
namespace {

// A double's bits, as an unsigned integer in the double's order (NaN, canonical, last).
uint64_t OrderedBits(double d) {
  if (std::isnan(d)) return ~uint64_t{0};
  uint64_t bits = 0;
  std::memcpy(&bits, &d, sizeof bits);
  return (bits >> 63) != 0 ? ~bits : bits | uint64_t{1} << 63;
}

// What a tie between two entries' bytes leaves to do.
enum class Rest : uint8_t {
  kNone,     // nothing: the keys' encodings ended, the same
  kMore,     // the encodings go on: sort by their next 16 bytes
  kCompare,  // a number from 2^53 up ended them (ints round there): compare whole keys
};

struct Entry {
  uint64_t high = 0;  // bytes [skip, skip + 16) of the key's encoding, big-endian
  uint64_t low = 0;
  uint32_t index = 0;  // 24 bytes an entry: a sort of millions moves less
  Rest rest = Rest::kNone;

  bool BytesLess(const Entry& other) const {
    return high != other.high ? high < other.high : low < other.low;
  }
  bool SameBytes(const Entry& other) const { return high == other.high && low == other.low; }
};
static_assert(sizeof(Entry) == 24);

// Runs that still tie past this many bytes are sorted by whole keys: each step encodes the
// key from its start, and long keys alike would make it quadratic.
constexpr size_t kMaxSkip = 64;

// Bytes [skip, skip + 16) of the encoding of `key` whose byte order is the keys' order (or
// ties: a < b gives a's bytes <= b's, and equal keys equal bytes). Each value is its type's
// rank (a byte), then a bool's byte, a number's OrderedBits as a double, big-endian, or a
// string's bytes, each NUL as NUL 0xFF, then NUL NUL: a string sorts before those it
// begins, whatever follows it. Past the encoding's end, zeros.
void Encode(std::span<const Value> key, size_t skip, Entry& entry) {
  std::array<unsigned char, 16> bytes{};
  size_t at = 0;  // in the whole encoding
  bool full = false;
  const auto put = [&](unsigned char byte) {
    if (at >= skip + bytes.size()) {
      full = true;
      return;
    }
    if (at >= skip) bytes[at - skip] = byte;
    ++at;
  };
  entry.rest = Rest::kNone;
  for (const Value& value : key) {
    put(static_cast<unsigned char>(ValueTypeRank(value)));
    switch (TypeOf(value)) {
      case ValueType::kNull: break;
      case ValueType::kBool: put(std::get<bool>(value) ? 1 : 0); break;
      case ValueType::kInt:
      case ValueType::kDouble: {
        double number = 0;
        AsDouble(value, number);
        const uint64_t bits = OrderedBits(number);
        for (int shift = 56; shift >= 0; shift -= 8) put(static_cast<unsigned char>(bits >> shift));
        if (!(std::fabs(number) < 0x1p53)) entry.rest = Rest::kCompare;
        break;
      }
      case ValueType::kString:
        for (const char c : std::get<std::string>(value)) {
          if (full) break;
          put(static_cast<unsigned char>(c));
          if (c == '\0') put(0xFF);
        }
        put(0);
        put(0);
        break;
    }
    if (entry.rest == Rest::kCompare) break;
    if (full) {
      entry.rest = Rest::kMore;
      break;
    }
  }
  const auto big_endian = [&](size_t from) {
    uint64_t word = 0;
    for (size_t i = from; i < from + 8; ++i) word = word << 8 | bytes[i];
    return word;
  };
  entry.high = big_endian(0);
  entry.low = big_endian(8);
}

bool KeyLess(std::span<const Value> a, std::span<const Value> b) {
  for (size_t i = 0; i < a.size(); ++i) {
    if (const int c = CompareValues(a[i], b[i]); c != 0) return c < 0;
  }
  return false;
}

// Sorts `entries`, whose keys' encodings tie before byte `skip`, by their bytes from there.
// Whether a tie goes on (Rest) follows from the bytes so far, so a run's entries agree on it.
void SortFrom(std::span<Entry> entries, size_t skip, const KeyOf& key_of) {
  for (Entry& entry : entries) Encode(key_of(entry.index), skip, entry);
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.BytesLess(b); });
  for (auto run = entries.begin(); run != entries.end();) {
    const auto end = std::find_if(run + 1, entries.end(),
                                  [&](const Entry& entry) { return !entry.SameBytes(*run); });
    if (end - run > 1 && run->rest == Rest::kMore && skip + 16 < kMaxSkip) {
      SortFrom({run, end}, skip + 16, key_of);
    } else if (end - run > 1 && run->rest != Rest::kNone) {
      std::sort(run, end, [&](const Entry& a, const Entry& b) {
        return KeyLess(key_of(a.index), key_of(b.index));
      });
    }
    run = end;
  }
}

}  // namespace

std::vector<size_t> KeyOrder(size_t count, const KeyOf& key_of) {
  if (count > UINT32_MAX) throw std::length_error("aggregate: over 4 billion groups");
  std::vector<Entry> entries(count);
  for (size_t i = 0; i < entries.size(); ++i) entries[i].index = static_cast<uint32_t>(i);
  SortFrom(entries, 0, key_of);
  std::vector<size_t> order(entries.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = entries[i].index;
  return order;
}

}  // namespace sluice::detail
