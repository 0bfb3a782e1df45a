// Internal: arrays of several types in one allocation, for objects that are many and small,
// as an aggregate's groups are: one allocation each instead of one per type, and their parts
// side by side in memory (one cache miss brings the next part near).
//
//   detail::PackedArrays<SumAccumulator, QuantileSketch> parts({2, 1});  // 2 sums, 1 sketch
//   parts.get<0>()[1].Add(int64_t{5});
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <new>
#include <span>
#include <tuple>
#include <type_traits>
#include <utility>

namespace sluice::detail {

template <class... Ts>
class PackedArrays {
  static_assert((std::is_nothrow_default_constructible_v<Ts> && ...),
                "a part whose construction throws would need unwinding");

 public:
  static constexpr size_t kTypes = sizeof...(Ts);
  template <size_t I>
  using Type = std::tuple_element_t<I, std::tuple<Ts...>>;
  using Counts = std::array<uint16_t, kTypes>;

  PackedArrays() = default;
  /// counts[i] default-constructed elements of the i-th type; nothing allocated when all
  /// counts are 0.
  explicit PackedArrays(Counts counts) : counts_(counts) {
    const size_t bytes = Offset<kTypes>();
    if (bytes == 0) return;
    data_ = static_cast<std::byte*>(::operator new (bytes, std::align_val_t{kAlign}));
    ConstructAll(std::index_sequence_for<Ts...>{});
  }
  PackedArrays(PackedArrays&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), counts_(other.counts_) {}
  PackedArrays& operator=(PackedArrays&& other) noexcept {
    PackedArrays(std::move(other)).Swap(*this);
    return *this;
  }
  PackedArrays(const PackedArrays&) = delete;
  PackedArrays& operator=(const PackedArrays&) = delete;
  ~PackedArrays() {
    if (data_ == nullptr) return;
    DestroyAll(std::index_sequence_for<Ts...>{});
    ::operator delete (data_, std::align_val_t{kAlign});
  }

  /// Every array, as get<I>() gives each: for code that uses several (one pass over the
  /// counts instead of one each).
  std::tuple<std::span<Ts>...> all() { return All(std::index_sequence_for<Ts...>{}); }

  template <size_t I>
  std::span<Type<I>> get() {
    if (data_ == nullptr) return {};
    return {std::launder(reinterpret_cast<Type<I>*>(data_ + Offset<I>())), counts_[I]};
  }
  template <size_t I>
  std::span<const Type<I>> get() const {
    if (data_ == nullptr) return {};
    return {std::launder(reinterpret_cast<const Type<I>*>(data_ + Offset<I>())), counts_[I]};
  }

 private:
  static constexpr size_t kAlign = std::max({alignof(Ts)...});

  // Bytes before the I-th array: the ones before it, each rounded up to kAlign.
  template <size_t I>
  size_t Offset() const {
    constexpr std::array<size_t, kTypes> kSizes = {sizeof(Ts)...};
    size_t offset = 0;
    for (size_t i = 0; i < I; ++i) {
      offset += (counts_[i] * kSizes[i] + kAlign - 1) / kAlign * kAlign;
    }
    return offset;
  }
  template <size_t... I>
  std::tuple<std::span<Ts>...> All(std::index_sequence<I...>) {
    if (data_ == nullptr) return {};
    constexpr std::array<size_t, kTypes> kSizes = {sizeof(Ts)...};
    std::array<size_t, kTypes> offsets{};
    for (size_t i = 1; i < kTypes; ++i) {
      offsets[i] = offsets[i - 1] + (counts_[i - 1] * kSizes[i - 1] + kAlign - 1) / kAlign * kAlign;
    }
    return {std::span<Ts>(std::launder(reinterpret_cast<Ts*>(data_ + offsets[I])), counts_[I])...};
  }
  template <size_t... I>
  void ConstructAll(std::index_sequence<I...>) {
    (std::uninitialized_value_construct_n(reinterpret_cast<Type<I>*>(data_ + Offset<I>()),
                                          counts_[I]),
     ...);
  }
  template <size_t... I>
  void DestroyAll(std::index_sequence<I...>) {
    (std::destroy(get<I>().begin(), get<I>().end()), ...);
  }
  void Swap(PackedArrays& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(counts_, other.counts_);
  }

  std::byte* data_ = nullptr;
  Counts counts_{};
};

}  // namespace sluice::detail
