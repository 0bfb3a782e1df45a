// StringSet: a set of byte strings (short ones in their slots, the rest in one arena), for
// per-record lookups on hot paths (distinct counts, one_of lists). HashBytes, SameBytes and
// PackBytes are the inline hash, equality and short-key packing it uses, shared with other
// per-record tables (group keys, parsers' key lookup).
//
//   sluice::StringSet users;
//   users.Insert("ada");        // true: new
//   users.Insert("ada");        // false
//   users.Contains("bob");      // false;  users.size() == 1
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string_view>
#include <vector>

namespace sluice {

namespace string_set_detail {
inline uint64_t Load8(const char* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
inline uint32_t Load4(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
uint64_t RandomSeed();  // from std::random_device

// The 128-bit product of a and b, folded to 64 bits (wyhash's mixing step).
inline uint64_t MultiplyFold(uint64_t a, uint64_t b) {
  const unsigned __int128 product = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(product) ^ static_cast<uint64_t>(product >> 64);
}
}  // namespace string_set_detail

/// A random number drawn once per process, mixed into the hashes of the tables that input
/// fills (distinct values, group keys): without it, input built to collide (hash flooding)
/// made them quadratic. The same for every table of the process, so that tables merge.
inline uint64_t HashSeed() {
  static const uint64_t seed = string_set_detail::RandomSeed();
  return seed;
}

/// A fast hash of `bytes` for in-memory tables (seeded by HashSeed: not stable across runs,
/// not cryptographic). Inline: keys on hot paths are a few bytes, where std::hash's
/// out-of-line murmur call cost more than the lookup around it.
inline uint64_t HashBytes(std::string_view bytes) {
  using namespace string_set_detail;
  const char* p = bytes.data();
  size_t n = bytes.size();
  // The seed in both factors of each product: input cannot zero either one.
  const uint64_t seed = HashSeed();
  uint64_t state = seed ^ 0x2d358dccaa6c78a5ULL ^ (n * 0x9e3779b97f4a7c15ULL);
  for (; n > 16; p += 16, n -= 16) {
    state = MultiplyFold(Load8(p) ^ seed ^ 0xa0761d6478bd642fULL, Load8(p + 8) ^ state);
  }
  uint64_t a = 0, b = 0;
  if (n >= 8) {
    a = Load8(p), b = Load8(p + n - 8);  // overlapping when n < 16
  } else if (n >= 4) {
    a = Load4(p), b = Load4(p + n - 4);
  } else if (n > 0) {
    const auto byte = [p](size_t k) { return uint64_t{static_cast<unsigned char>(p[k])}; };
    a = byte(0) << 16 | byte(n / 2) << 8 | byte(n - 1);
  }
  const uint64_t mixed =
      MultiplyFold(a ^ seed ^ 0xe7037ed1a0b428dbULL, b ^ state ^ 0x8ebc6af09c88c6e3ULL);
  // One more fold, as wyhash ends: the low bits of that product come mostly of the low bits
  // of its factors, and with some seeds keys like "user_000001".."user_004096" filled only
  // 738 of 4096 buckets (a random function fills about 2589).
  return MultiplyFold(mixed, seed ^ 0x9e3779b97f4a7c15ULL);
}

/// Whether `a` and `b` hold the same `n` bytes. Inline fixed-size loads: for the short keys
/// of hot lookups they beat a call to memcmp.
inline bool SameBytes(const char* a, const char* b, size_t n) {
  using namespace string_set_detail;
  if (n >= 8) {
    for (size_t i = 0; i + 8 < n; i += 8) {
      if (Load8(a + i) != Load8(b + i)) return false;
    }
    return Load8(a + n - 8) == Load8(b + n - 8);  // the last 8, overlapping
  }
  if (n >= 4) return Load4(a) == Load4(b) && Load4(a + n - 4) == Load4(b + n - 4);
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

/// The bytes of `s` (at most kPackedBytes) in one word, read without going past its end:
/// two strings of one length pack to the same word only when their bytes are the same.
/// Short keys compare as one word this way, without a byte loop or a memcmp call.
constexpr size_t kPackedBytes = 8;
inline uint64_t PackBytes(std::string_view s) {
  using namespace string_set_detail;
  const char* p = s.data();
  const size_t n = s.size();
  if (n >= 4) {  // bytes [0, 4) and [n - 4, n), overlapping where n < 8
    return uint64_t{Load4(p)} | uint64_t{Load4(p + n - 4)} << (8 * (n - 4));
  }
  if (n == 0) return 0;
  const auto byte = [p](size_t k) { return uint64_t{static_cast<unsigned char>(p[k])}; };
  return byte(0) | byte(n / 2) << 8 | byte(n - 1) << 16;  // every byte of n <= 3
}

/// Open addressing over 16-byte slots, at most 3/4 full. A key of up to kPackedBytes lives in
/// its slot as its packed word (PackBytes keeps every byte): a lookup of one reads nothing
/// else, and a set of short keys (an aggregate's distinct users, one set per group) makes
/// no allocation but its slots. Longer keys lie back to back in one arena, so they cost
/// their bytes plus 21-43 (a node set costs a 64-byte node, and a heap block for keys over
/// 15 bytes). At most 4 GiB of keys in all (Insert throws std::length_error beyond). Not
/// thread-safe; no removal.
class StringSet {
 public:
  /// Adds `key`; true when it was not there yet.
  bool Insert(std::string_view key) {
    if (key.size() >= UINT32_MAX) throw std::length_error("StringSet: key over 4 GiB");
    const Probe probe = ProbeOf(key);
    size_t i = FindSlot(key, probe);
    if (i != kNotFound && slots_[i].length_plus_one != 0) return false;
    if ((size_ + 1) * 4 > slots_.size() * 3) {
      Grow();
      i = FindSlot(key, probe);
    }
    if (arena_.size() + key.size() > UINT32_MAX) {
      throw std::length_error("StringSet: keys over 4 GiB in all");
    }
    slots_[i] = Slot{.offset = static_cast<uint32_t>(arena_.size()),
                     .length_plus_one = static_cast<uint32_t>(key.size() + 1),
                     .check = probe.check};
    if (key.size() > kPackedBytes) arena_.insert(arena_.end(), key.begin(), key.end());
    ++size_;
    return true;
  }
  bool Contains(std::string_view key) const {
    const size_t i = FindSlot(key, ProbeOf(key));
    return i != kNotFound && slots_[i].length_plus_one != 0;
  }
  /// Adds every key of `other`.
  void Merge(const StringSet& other);
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }

 private:
  struct Slot {
    uint32_t offset = 0;           // of a longer key in arena_
    uint32_t length_plus_one = 0;  // 0: an empty slot
    uint64_t check = 0;            // a short key's packed word (the key), a longer one's hash
  };
  struct Probe {
    uint64_t hash;   // where the search starts
    uint64_t check;  // what a slot holding the key has in Slot::check
  };
  static constexpr size_t kNotFound = static_cast<size_t>(-1);

  static Probe ProbeOf(std::string_view key) {
    if (key.size() <= kPackedBytes) {
      const uint64_t word = PackBytes(key);
      return {
          string_set_detail::MultiplyFold(word ^ key.size() ^ HashSeed(), 0x9e3779b97f4a7c15ULL),
          word};
    }
    const uint64_t hash = HashBytes(key);
    return {hash, hash};
  }
  // The slot holding `key`, or the empty slot where it would go; kNotFound when the table
  // has no slots yet.
  size_t FindSlot(std::string_view key, Probe probe) const {
    if (slots_.empty()) return kNotFound;
    const size_t mask = slots_.size() - 1;
    for (size_t i = probe.hash & mask;; i = (i + 1) & mask) {
      const Slot& slot = slots_[i];
      if (slot.length_plus_one == 0) return i;
      if (slot.check == probe.check && slot.length_plus_one == key.size() + 1 &&
          (key.size() <= kPackedBytes ||
           SameBytes(arena_.data() + slot.offset, key.data(), key.size()))) {
        return i;
      }
    }
  }
  std::string_view KeyAt(const Slot& slot) const {
    const size_t length = slot.length_plus_one - size_t{1};
    // PackBytes puts byte k of the key in byte k of the word (little-endian).
    static_assert(std::endian::native == std::endian::little);
    if (length <= kPackedBytes) return {reinterpret_cast<const char*>(&slot.check), length};
    return {arena_.data() + slot.offset, length};
  }
  void Grow();

  std::vector<Slot> slots_;  // a power of two, at most 3/4 full
  std::vector<char> arena_;
  size_t size_ = 0;
};

}  // namespace sluice
