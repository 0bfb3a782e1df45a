#include "stages/detail/key_order.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace sluice::detail {
namespace {

// Every way two keys can tie in the encoding's bytes and differ after them: ints past 2^53
// beside their doubles, strings that others begin, NUL and 0xFF bytes, strings alike past
// the first 16 bytes and past the 64 after which whole keys are compared.
std::vector<Value> TrickyValues() {
  const int64_t big = int64_t{1} << 53;
  const std::string long_start(90, 'x');
  return {Value{},
          Value{false},
          Value{true},
          Value{big},
          Value{big + 1},
          Value{static_cast<double>(big + 2)},
          Value{std::numeric_limits<int64_t>::max()},
          Value{std::numeric_limits<int64_t>::max() - 1},
          Value{std::numeric_limits<int64_t>::min()},
          Value{-0.5},
          Value{int64_t{7}},
          Value{7.5},
          Value{std::numeric_limits<double>::infinity()},
          Value{std::numeric_limits<double>::quiet_NaN()},
          Value{std::string()},
          Value{std::string("a")},
          Value{std::string("a\0", 2)},
          Value{std::string("a\0\xff", 3)},
          Value{std::string("a\xff")},
          Value{std::string("ab")},
          Value{std::string("sixteen bytes ab")},
          Value{std::string("sixteen bytes abc")},
          Value{long_start + "1"},
          Value{long_start + "0"},
          Value{long_start}};
}

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
  const std::vector<Value> values = TrickyValues();
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
