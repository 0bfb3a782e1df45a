#include "stages/detail/packed_arrays.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <utility>

namespace sluice::detail {
namespace {

// Counts the live objects, to see every element made and destroyed once.
struct Tracked {
  static inline int live = 0;
  Tracked() noexcept { ++live; }
  Tracked(const Tracked&) = delete;
  ~Tracked() { --live; }
  std::string text = "a string long enough to live on the heap";
};

struct alignas(16) Wide {
  __int128 value = 7;
};

TEST(PackedArraysTest, MakesEachArrayAlignedAndDestroysItOnce) {
  {
    PackedArrays<char, Tracked, Wide> parts({3, 2, 5});
    ASSERT_EQ(parts.get<0>().size(), 3u);
    ASSERT_EQ(parts.get<1>().size(), 2u);
    ASSERT_EQ(parts.get<2>().size(), 5u);
    EXPECT_EQ(Tracked::live, 2);
    for (const Wide& wide : parts.get<2>()) {
      EXPECT_EQ(reinterpret_cast<uintptr_t>(&wide) % 16, 0u);
      EXPECT_EQ(wide.value, 7);
    }
    EXPECT_EQ(parts.get<0>()[2], '\0');  // value-initialised
    parts.get<1>()[1].text = "changed";
    const auto [chars, tracked, wides] = parts.all();
    EXPECT_EQ(chars.data(), parts.get<0>().data());
    EXPECT_EQ(tracked.data(), parts.get<1>().data());
    EXPECT_EQ(wides.data(), parts.get<2>().data());
    EXPECT_EQ(wides.size(), 5u);

    PackedArrays<char, Tracked, Wide> moved(std::move(parts));
    EXPECT_EQ(Tracked::live, 2);
    EXPECT_EQ(moved.get<1>()[1].text, "changed");
    EXPECT_TRUE(parts.get<1>().empty());  // NOLINT(bugprone-use-after-move): documented empty

    PackedArrays<char, Tracked, Wide> other({0, 1, 0});
    EXPECT_EQ(Tracked::live, 3);
    other = std::move(moved);  // other's own element goes
    EXPECT_EQ(Tracked::live, 2);
    EXPECT_EQ(other.get<1>()[1].text, "changed");
  }
  EXPECT_EQ(Tracked::live, 0);
}

TEST(PackedArraysTest, NoElementsNoAllocation) {
  const PackedArrays<Tracked, Wide> none({0, 0});
  EXPECT_TRUE(none.get<0>().empty());
  EXPECT_TRUE(none.get<1>().empty());
  EXPECT_EQ(Tracked::live, 0);
}

}  // namespace
}  // namespace sluice::detail
