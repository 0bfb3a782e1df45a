#include "stages/detail/short_string_index.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sluice::detail {
namespace {

TEST(ShortStringIndexTest, FindsWhatWasAddedAndNothingElse) {
  ShortStringIndex index;
  EXPECT_EQ(index.Find("view"), -1);  // empty
  EXPECT_EQ(index.Find(""), -1);
  const std::vector<std::string> events = {"view",   "click",  "purchase",
                                           "signup", "logout", "search"};
  for (size_t i = 0; i < events.size(); ++i) {
    ASSERT_TRUE(index.Add(events[i], static_cast<int32_t>(i))) << events[i];
  }
  EXPECT_EQ(index.size(), events.size());
  for (size_t i = 0; i < events.size(); ++i) EXPECT_EQ(index.Find(events[i]), int32_t(i));
  for (const char* other : {"", "v", "vie", "views", "View", "purchas", "purchase!", "searcH"}) {
    EXPECT_EQ(index.Find(other), -1) << other;
  }
}

TEST(ShortStringIndexTest, TellsApartEveryLengthAndEveryByte) {
  // Strings of 0-8 bytes, and each with one byte changed, cover both ways a string is
  // packed (under 4 bytes: chosen bytes; 4-8: two overlapping reads).
  const std::string base = "abcdefgh";
  for (size_t length = 0; length <= base.size(); ++length) {
    ShortStringIndex index;
    const std::string key = base.substr(0, length);
    ASSERT_TRUE(index.Add(key, 7));
    EXPECT_EQ(index.Find(key), 7);
    for (size_t at = 0; at < length; ++at) {
      std::string changed = key;
      changed[at] = '#';
      EXPECT_EQ(index.Find(changed), -1) << changed;
    }
    EXPECT_EQ(index.Find(key + "h"), -1);
    if (length > 0) {
      EXPECT_EQ(index.Find(key.substr(0, length - 1)), -1);
    }
  }
  ShortStringIndex repeats;  // "a", "aa", "aaa" share packed bytes; their lengths differ
  ASSERT_TRUE(repeats.Add("a", 1));
  ASSERT_TRUE(repeats.Add("aa", 2));
  ASSERT_TRUE(repeats.Add("aaa", 3));
  EXPECT_EQ(repeats.Find("a"), 1);
  EXPECT_EQ(repeats.Find("aa"), 2);
  EXPECT_EQ(repeats.Find("aaa"), 3);
  EXPECT_EQ(repeats.Find(std::string_view("a\0a", 3)), -1);
  for (int c = 0; c < 256; ++c) {  // some of these land on the one entry's slot
    ShortStringIndex one;
    ASSERT_TRUE(one.Add(std::string(1, static_cast<char>(c)), 0));
    EXPECT_EQ(one.Find(std::string(2, static_cast<char>(c))), -1) << c;
    EXPECT_EQ(one.Find(std::string(3, static_cast<char>(c))), -1) << c;
  }
}

TEST(ShortStringIndexTest, RefusesWhatDoesNotFitAndKeepsWhatItHas) {
  ShortStringIndex index;
  EXPECT_FALSE(index.Add("ninechars", 0));  // over kMaxBytes
  EXPECT_FALSE(index.Add("a", -1));         // values are >= 0
  EXPECT_EQ(index.size(), 0u);
  for (size_t i = 0; i < ShortStringIndex::kMaxEntries; ++i) {
    ASSERT_TRUE(index.Add("k" + std::to_string(i), static_cast<int32_t>(i)));
  }
  EXPECT_TRUE(index.Add("k3", 99));  // already there: keeps its first value
  EXPECT_EQ(index.Find("k3"), 3);
  EXPECT_FALSE(index.Add("one more", 16));  // full
  EXPECT_EQ(index.size(), ShortStringIndex::kMaxEntries);
  for (size_t i = 0; i < ShortStringIndex::kMaxEntries; ++i) {
    EXPECT_EQ(index.Find("k" + std::to_string(i)), static_cast<int32_t>(i));
  }
  EXPECT_EQ(index.Find("one more"), -1);
}

}  // namespace
}  // namespace sluice::detail
