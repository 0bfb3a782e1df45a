#include "framework/string_set.h"

#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <set>
#include <string>
#include <unordered_set>

namespace sluice {
namespace {

TEST(StringSetTest, InsertReportsNewKeysOnce) {
  StringSet set;
  EXPECT_TRUE(set.empty());
  EXPECT_FALSE(set.Contains("ada"));
  EXPECT_TRUE(set.Insert("ada"));
  EXPECT_FALSE(set.Insert("ada"));
  EXPECT_TRUE(set.Insert("bob"));
  EXPECT_TRUE(set.Contains("ada"));
  EXPECT_TRUE(set.Contains("bob"));
  EXPECT_FALSE(set.Contains("ad"));
  EXPECT_FALSE(set.Contains("adam"));
  EXPECT_EQ(set.size(), 2u);
}

TEST(StringSetTest, TellsApartShortKeysThatPackToTheSameWord) {
  // "ab", "ab\0", "ab\0\0", ... pack to one word (PackBytes): only their lengths differ.
  // Hundreds of them fill the table, so that their probes cross.
  StringSet set;
  std::vector<std::string> keys;
  for (int i = 0; i < 300; ++i) {
    std::string key = std::to_string(i);
    while (key.size() <= kPackedBytes) {
      keys.push_back(key);
      key.push_back('\0');
    }
  }
  for (const std::string& key : keys) ASSERT_TRUE(set.Insert(key)) << key.size();
  for (const std::string& key : keys) ASSERT_FALSE(set.Insert(key)) << key.size();
  EXPECT_EQ(set.size(), keys.size());
  EXPECT_FALSE(set.Contains(std::string(kPackedBytes + 1, '\0')));
  EXPECT_FALSE(set.Contains(std::string("1") + std::string(kPackedBytes, '\0')));
}

TEST(StringSetTest, TellsApartKeysThatDifferInLengthOrInOneByteAnywhere) {
  StringSet set;
  const std::string base = "abcdefghijklmnopqrstuvwxyz0123456789";  // spans every hash path
  EXPECT_TRUE(set.Insert(""));
  EXPECT_TRUE(set.Insert(std::string_view("\0", 1)));
  EXPECT_TRUE(set.Insert(std::string_view("\0\0", 2)));
  size_t expected = 3;
  for (size_t length = 1; length <= base.size(); ++length) {
    const std::string key = base.substr(0, length);
    ASSERT_TRUE(set.Insert(key)) << key;
    ++expected;
    for (size_t at = 0; at < length; ++at) {
      std::string changed = key;
      changed[at] = '#';
      ASSERT_TRUE(set.Insert(changed)) << changed;
      ++expected;
    }
  }
  EXPECT_EQ(set.size(), expected);
  EXPECT_TRUE(set.Contains(""));
  EXPECT_TRUE(set.Contains(std::string_view("\0\0", 2)));
  EXPECT_FALSE(set.Contains(std::string_view("\0\0\0", 3)));
  EXPECT_TRUE(set.Contains(base));
  EXPECT_FALSE(set.Contains(base + "!"));
}

TEST(StringSetTest, GrowsAndAgreesWithStdSetOnManyKeys) {
  StringSet set;
  std::unordered_set<std::string> reference;
  uint64_t state = 7;
  for (int i = 0; i < 100'000; ++i) {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    // Few distinct values, so that most inserts are repeats, as in a distinct count.
    const std::string key = "u" + std::to_string((state >> 33) % 20'000);
    ASSERT_EQ(set.Insert(key), reference.insert(key).second) << key;
  }
  EXPECT_EQ(set.size(), reference.size());
  for (const std::string& key : reference) ASSERT_TRUE(set.Contains(key)) << key;
  EXPECT_FALSE(set.Contains("u20000"));
}

TEST(StringSetTest, MergeAddsTheOtherSetsKeys) {
  StringSet a, b;
  for (const char* key : {"view", "click", "purchase"}) a.Insert(key);
  for (const char* key : {"click", "signup", "logout", "a much longer key than sixteen bytes"}) {
    b.Insert(key);
  }
  a.Merge(b);
  EXPECT_EQ(a.size(), 6u);
  for (const char* key :
       {"view", "click", "purchase", "signup", "logout", "a much longer key than sixteen bytes"}) {
    EXPECT_TRUE(a.Contains(key)) << key;
  }
  EXPECT_EQ(b.size(), 4u);  // untouched
}

TEST(StringSetTest, ShortKeysKeptInTheirSlotsSurviveGrowthAndMerge) {
  // Keys of up to kPackedBytes live in their slot's word alone: growing the table and
  // merging read them back from it. Every length 0..8, bytes of all values (NUL, 0xFF).
  std::mt19937 random(11);
  std::set<std::string> keys;
  while (keys.size() < 2000) {
    std::string key(random() % (kPackedBytes + 1), '\0');
    for (char& c : key)
      c = static_cast<char>(random() % 4 == 0 ? random() % 256 : 'a' + random() % 3);
    keys.insert(key);
  }
  StringSet from, into;
  for (const std::string& key : keys) ASSERT_TRUE(from.Insert(key));  // grows to 4096 slots
  into.Insert("a key longer than eight bytes");
  into.Merge(from);
  EXPECT_EQ(into.size(), keys.size() + 1);
  for (const std::string& key : keys) {
    ASSERT_TRUE(into.Contains(key)) << key.size();
    ASSERT_FALSE(into.Insert(key)) << key.size();
  }
  EXPECT_TRUE(into.Contains("a key longer than eight bytes"));
}

TEST(StringSetTest, HashSpreadsShortSimilarKeysOverTheLowBits) {
  // The table indexes by the low bits: keys like "u1".."u4096" must not pile up there,
  // whatever the process's seed. A random function fills about 2589 of 4096 buckets
  // (standard deviation 20); the hash without its last fold filled 738-3189 over 1000
  // seeds on the zero-padded ids, and under 2400 in 1 run in 20 on "u%d".
  for (const char* prefix : {"u", "user_00", "/products/"}) {
    std::set<uint64_t> buckets;
    for (int i = 0; i < 4096; ++i) {
      std::string id = std::to_string(i);
      if (std::string_view(prefix) == "user_00") id.insert(0, 4 - id.size(), '0');
      buckets.insert(HashBytes(prefix + id) & 4095);
    }
    EXPECT_GT(buckets.size(), 2400u) << prefix;
  }
}

TEST(StringSetTest, KeysBuiltToCollideWithoutTheSeedSpreadOut) {
  // Unseeded, a key whose bytes 8..15 equal the length's starting state zeroes the first
  // product, so bytes 0..7 no longer mattered: 1000 such keys had one hash (hash flooding).
  constexpr size_t kLength = 40;
  const uint64_t unseeded_state = 0x2d358dccaa6c78a5ULL ^ (kLength * 0x9e3779b97f4a7c15ULL);
  std::set<uint64_t> hashes;
  for (uint64_t i = 0; i < 1000; ++i) {
    std::string key(kLength, 'z');
    std::memcpy(key.data(), &i, sizeof i);
    std::memcpy(key.data() + 8, &unseeded_state, sizeof unseeded_state);
    hashes.insert(HashBytes(key));
  }
  EXPECT_EQ(hashes.size(), 1000u);
  // Keys whose first 8 bytes equal a public constant zeroed a product too: of the tail
  // (16 bytes), or of the first 16 of a longer key.
  for (const auto& [length, constant] :
       {std::pair{size_t{16}, 0xe7037ed1a0b428dbULL}, std::pair{kLength, 0xa0761d6478bd642fULL}}) {
    hashes.clear();
    for (uint64_t i = 0; i < 1000; ++i) {
      std::string key(length, 'z');
      std::memcpy(key.data(), &constant, sizeof constant);
      std::memcpy(key.data() + 8, &i, sizeof i);
      hashes.insert(HashBytes(key));
    }
    EXPECT_EQ(hashes.size(), 1000u) << length;
  }
}

TEST(StringSetTest, SameBytesComparesEveryByte) {
  const std::string a = "0123456789abcdefghij";
  for (size_t n = 0; n <= a.size(); ++n) {
    EXPECT_TRUE(SameBytes(a.data(), a.data(), n));
    for (size_t at = 0; at < n; ++at) {
      std::string b = a;
      b[at] = '#';
      EXPECT_FALSE(SameBytes(a.data(), b.data(), n)) << "n=" << n << " at=" << at;
    }
  }
}

}  // namespace
}  // namespace sluice
