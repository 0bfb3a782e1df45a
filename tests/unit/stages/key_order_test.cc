#include "stages/detail/key_order.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "unit/stages/aggregate_test_util.h"

namespace sluice::detail {
namespace {

std::string Json(const std::vector<Value>& key) {
  std::string out;
  for (const Value& value : key) AppendJson(value, out += ' ');
  return out;
}

bool KeyLess(const std::vector<Value>& a, const std::vector<Value>& b) {
  for (size_t i = 0; i < a.size(); ++i) {
    if (const int c = CompareValues(a[i], b[i]); c != 0) return c < 0;
  }
  return false;
}

TEST(KeyOrderTest, OrdersKeysAsCompareValuesDoesColumnByColumn) {
  const std::vector<Value> values = aggregate_test::KeysThatTieInPrefixes();
  std::mt19937_64 random(3);
  for (const size_t columns : {1, 2, 3}) {
    std::vector<std::vector<Value>> keys(4000);
    for (std::vector<Value>& key : keys) {
      for (size_t c = 0; c < columns; ++c) key.push_back(values[random() % values.size()]);
    }
    const std::vector<size_t> order =
        KeyOrder(keys.size(), [&](size_t i) { return std::span<const Value>(keys[i]); });

    std::vector<size_t> sorted = order;
    std::sort(sorted.begin(), sorted.end());
    for (size_t i = 0; i < sorted.size(); ++i) ASSERT_EQ(sorted[i], i) << "not a permutation";
    for (size_t i = 1; i < order.size(); ++i) {
      ASSERT_FALSE(KeyLess(keys[order[i]], keys[order[i - 1]]))
          << columns << " columns, at " << i << ":" << Json(keys[order[i - 1]]) << " then"
          << Json(keys[order[i]]);
    }
  }
}

TEST(KeyOrderTest, NoKeysAndEmptyKeys) {
  EXPECT_TRUE(KeyOrder(0, [](size_t) { return std::span<const Value>(); }).empty());
  EXPECT_EQ(KeyOrder(3, [](size_t) { return std::span<const Value>(); }).size(), 3u);
}

}  // namespace
}  // namespace sluice::detail
