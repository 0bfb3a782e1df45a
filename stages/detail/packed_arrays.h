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
    const Offsets offsets = OffsetsOf(counts_);
    if (offsets[kTypes] == 0) return;
    data_ = static_cast<std::byte*>(::operator new (offsets[kTypes], std::align_val_t{kAlign}));
    ConstructAll(offsets, std::index_sequence_for<Ts...>{});
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
    std::apply([](auto... arrays) { (std::destroy(arrays.begin(), arrays.end()), ...); }, all());
    ::operator delete (data_, std::align_val_t{kAlign});
  }

  /// Every array (empty after a move): one pass over the counts for code that uses several.
  std::tuple<std::span<Ts>...> all() { return All<Ts...>(std::index_sequence_for<Ts...>{}); }
  std::tuple<std::span<const Ts>...> all() const {
    return All<const Ts...>(std::index_sequence_for<Ts...>{});
  }
  template <size_t I>
  std::span<Type<I>> get() {
    return std::get<I>(all());
  }
  template <size_t I>
  std::span<const Type<I>> get() const {
    return std::get<I>(all());
  }

 private:
  static constexpr size_t kAlign = std::max({alignof(Ts)...});
  using Offsets = std::array<size_t, kTypes + 1>;  // where each array starts, then the end

  // Each array starts where the one before ends, rounded up to kAlign.
  static Offsets OffsetsOf(const Counts& counts) {
    constexpr std::array<size_t, kTypes> kSizes = {sizeof(Ts)...};
    Offsets offsets{};
    for (size_t i = 0; i < kTypes; ++i) {
      offsets[i + 1] = offsets[i] + (counts[i] * kSizes[i] + kAlign - 1) / kAlign * kAlign;
    }
    return offsets;
  }
  // An empty array has no object to launder: it gets an empty span.
  template <class T>
  std::span<T> ArrayAt(size_t offset, size_t count) const {
    if (count == 0) return {};
    return {std::launder(reinterpret_cast<T*>(data_ + offset)), count};
  }
  template <class... Us, size_t... I>  // Us: Ts, or const Ts
  std::tuple<std::span<Us>...> All(std::index_sequence<I...>) const {
    if (data_ == nullptr) return {};
    const Offsets offsets = OffsetsOf(counts_);
    return {ArrayAt<Us>(offsets[I], counts_[I])...};
  }
  template <size_t... I>
  void ConstructAll(const Offsets& offsets, std::index_sequence<I...>) {
    (std::uninitialized_value_construct_n(reinterpret_cast<Ts*>(data_ + offsets[I]), counts_[I]),
     ...);
  }
  void Swap(PackedArrays& other) noexcept {
    std::swap(data_, other.data_);
    std::swap(counts_, other.counts_);
  }

  std::byte* data_ = nullptr;
  Counts counts_{};
};

}  // namespace sluice::detail
