// Internal: the bytes a JSON string cannot hold as they are ('"', '\\', control characters)
// or that need a UTF-8 check (past ASCII), found 8 at a time. Shared by AppendJsonString,
// which escapes them, and the flat JSON reader, which stops its strings at them.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>

namespace sluice::detail {

// Words are loaded little-endian: a text's first byte is a word's lowest.
static_assert(std::endian::native == std::endian::little);

/// The 8 bytes at `p` as one word.
inline uint64_t LoadWord(const char* p) {
  uint64_t word;
  std::memcpy(&word, p, sizeof word);
  return word;
}

/// The high bit of each byte of `word` that is '"', '\\', below 0x20 or past ASCII. Exact
/// for the lowest such byte (a borrow carries only upwards, so it may flag a byte after a
/// flagged one, never one before): countr_zero(stops) / 8 is the first one's index.
inline uint64_t JsonStopBytes(uint64_t word) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHighs = 0x8080808080808080ULL;
  const auto zero_bytes = [](uint64_t x) { return (x - kOnes) & ~x & kHighs; };
  return zero_bytes(word ^ (kOnes * '"')) | zero_bytes(word ^ (kOnes * '\\')) |
         ((word - kOnes * 0x20) & ~word & kHighs) | (word & kHighs);
}

}  // namespace sluice::detail
