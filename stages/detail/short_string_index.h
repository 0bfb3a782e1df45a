// Internal: a few short strings (event names, levels, verbs) mapped to small numbers, found
// with one multiply, one load and one compare. Validate's one_of and aggregate's group
// keys use it in front of their general tables.
//
//   detail::ShortStringIndex events;
//   if (!events.Add("view", 0) || !events.Add("click", 1)) ...  // does not fit: use a hash table
//   events.Find("click");                                       // 1;  events.Find("scroll"): -1
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "framework/string_set.h"

namespace sluice::detail {

/// Up to kMaxEntries strings of up to kMaxBytes bytes each, each with a value >= 0. A string
/// is packed into one word, and a multiplier chosen as entries are added sends every entry
/// to its own slot of a small table: a lookup reads one slot and compares it, without a
/// probe loop and without a branch on which entry it is (which entry a record holds is
/// random, so a search that stops at its match mispredicts).
class ShortStringIndex {
 public:
  static constexpr size_t kMaxEntries = 16;
  static constexpr size_t kMaxBytes = kPackedBytes;

  /// Maps `s` to `value` (>= 0). False, with nothing changed, when `s` is too long, the
  /// index is full, or no multiplier tried gives the entries a slot each. Adding a string
  /// already there keeps its first value and returns true.
  bool Add(std::string_view s, int32_t value) {
    if (s.size() > kMaxBytes || value < 0) return false;
    if (Find(s) >= 0) return true;
    if (count_ == kMaxEntries) return false;
    entries_[count_] = Slot{PackBytes(s), static_cast<uint32_t>(s.size() + 1), value};
    for (uint64_t seed = 1; seed <= kTries; ++seed) {
      if (Place(count_ + 1, Multiplier(seed))) {
        ++count_;
        return true;
      }
    }
    Place(count_, multiplier_);  // put back the layout that worked
    return false;
  }

  /// The value of `s`, or -1.
  int32_t Find(std::string_view s) const {
    if (s.size() > kMaxBytes) return -1;
    const uint64_t word = PackBytes(s);
    const Slot& slot = slots_[SlotOf(word, s.size(), multiplier_)];
    const bool match = (slot.word == word) & (slot.length_plus_one == s.size() + 1);
    return match ? slot.value : -1;
  }
  bool Contains(std::string_view s) const { return Find(s) >= 0; }
  size_t size() const { return count_; }

 private:
  static constexpr size_t kSlotBits = 6;  // 64 slots for at most 16 entries
  static constexpr uint64_t kTries = 256;

  struct Slot {
    uint64_t word = 0;
    uint32_t length_plus_one = 0;  // 0: empty
    int32_t value = -1;
  };

  static size_t SlotOf(uint64_t word, size_t length, uint64_t multiplier) {
    return static_cast<size_t>(((word ^ length) * multiplier) >> (64 - kSlotBits));
  }
  static uint64_t Multiplier(uint64_t seed) {  // splitmix64 of the seed, made odd
    uint64_t x = seed * 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return (x ^ (x >> 31)) | 1;
  }
  // Lays out the first `count` entries with `multiplier`; false on a shared slot.
  bool Place(size_t count, uint64_t multiplier) {
    slots_.fill(Slot{});
    for (size_t i = 0; i < count; ++i) {
      Slot& slot = slots_[SlotOf(entries_[i].word, entries_[i].length_plus_one - 1, multiplier)];
      if (slot.length_plus_one != 0) return false;
      slot = entries_[i];
    }
    multiplier_ = multiplier;
    return true;
  }

  std::array<Slot, size_t{1} << kSlotBits> slots_{};
  std::array<Slot, kMaxEntries> entries_{};  // in the order added
  size_t count_ = 0;
  uint64_t multiplier_ = 1;
};

}  // namespace sluice::detail
