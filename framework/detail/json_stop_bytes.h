// Internal: the bytes a JSON string cannot hold as they are ('"', '\\', control characters)
// or that need a UTF-8 check (past ASCII), found 8 or 16 at a time. Shared by
// AppendJsonString, which escapes them, and the flat JSON reader, which stops its strings at
// them.
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

/// The stops among the 16 bytes at `p`, exact for every byte (JsonStopBytes is exact for
/// the first only): bit k is byte k.
struct JsonStops16 {
  uint32_t quote_or_backslash;  // escaped as a backslash and the byte itself
  uint32_t other;               // below 0x20 or past ASCII
};

inline JsonStops16 FindJsonStops16(const char* p) {
  // GCC's vector extension: SSE2 on x86-64, and portable. A signed byte past ASCII is
  // negative, so `< 0x20` takes those and the control characters at once.
  using Bytes = signed char __attribute__((vector_size(16)));
  Bytes bytes;
  std::memcpy(&bytes, p, sizeof bytes);
  const auto high_bits = [](Bytes flags) {  // a flag byte is 0 or -1: its high bit, per byte
    constexpr uint64_t kHighs = 0x8080808080808080ULL;
    constexpr uint64_t kGather = 0x0002040810204081ULL;  // byte k's high bit to bit 56 + k
    uint64_t halves[2];
    std::memcpy(halves, &flags, sizeof halves);
    return static_cast<uint32_t>(((halves[0] & kHighs) * kGather) >> 56 |
                                 ((halves[1] & kHighs) * kGather) >> 56 << 8);
  };
  return {.quote_or_backslash = high_bits((bytes == '"') | (bytes == '\\')),
          .other = high_bits(bytes < 0x20)};
}

}  // namespace sluice::detail
