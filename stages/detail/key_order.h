// Internal: the order of an aggregate's rows, by key under CompareValues, column by column.
// An aggregate may hold millions of groups, each key in a block of its own on the heap: a
// sort that compared whole keys took a cache miss or two per comparison. This one sorts
// 16-byte prefixes of an order-keeping encoding of the keys, read once per key, and goes
// on to the next 16 bytes only within runs that tie.
#pragma once

#include <cstddef>
#include <functional>
#include <span>
#include <vector>

#include "framework/value.h"

namespace sluice::detail {

/// Key i's values, for i in 0 .. count - 1 (called several times for a key).
using KeyOf = std::function<std::span<const Value>(size_t i)>;

/// 0 .. count - 1, ordered by key: the first values under CompareValues, then the second,
/// and so on. Keys are canonical (no -0.0 beside 0) and of one length; keys that compare
/// equal come in any order.
std::vector<size_t> KeyOrder(size_t count, const KeyOf& key_of);

}  // namespace sluice::detail
