#include "framework/string_set.h"

#include <algorithm>
#include <random>
#include <utility>

namespace sluice {

uint64_t string_set_detail::RandomSeed() {
  std::random_device device;
  return uint64_t{device()} << 32 ^ device();
}

void StringSet::Merge(const StringSet& other) {
  for (const Slot& slot : other.slots_) {
    if (slot.length_plus_one != 0) Insert(other.KeyAt(slot));
  }
}

void StringSet::Grow() {
  // Small to start: an aggregate keeps a set per group, and most groups see few values.
  const size_t size = std::max<size_t>(4, slots_.size() * 2);
  const std::vector<Slot> old = std::exchange(slots_, std::vector<Slot>(size));
  const size_t mask = slots_.size() - 1;
  for (const Slot& slot : old) {
    if (slot.length_plus_one == 0) continue;
    size_t i = ProbeOf(KeyAt(slot)).hash & mask;
    while (slots_[i].length_plus_one != 0) i = (i + 1) & mask;
    slots_[i] = slot;
  }
}

}  // namespace sluice
