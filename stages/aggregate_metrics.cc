#include "stages/aggregate_metrics.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <utility>

#include "stages/detail/value_checks.h"

namespace sluice {
namespace {

using detail::IntegralValue;
constexpr double kTwo53 = 9007199254740992.0;

template <class T>
void AppendBytes(const T& value, std::string& out) {
  char bytes[sizeof(T)];
  std::memcpy(bytes, &value, sizeof(T));
  out.append(bytes, sizeof(T));
}

// Whether `candidate` should replace `current` as the min (sign -1) or max (sign 1).
bool Replaces(const Value& candidate, const Value& current, int sign) {
  if (std::holds_alternative<std::monostate>(current)) return true;
  const int c = CompareNumbers(candidate, current) * sign;
  if (c != 0) return c > 0;
  // Equal values: the int wins, so that the result does not depend on arrival order.
  return std::holds_alternative<int64_t>(candidate) && std::holds_alternative<double>(current);
}

// Adds `x` to extrema `min` and `max` when both hold a T; false (nothing done) otherwise.
template <class T>
bool AddToSameType(T x, Value& min, Value& max) {
  const T* low = std::get_if<T>(&min);
  const T* high = std::get_if<T>(&max);
  if (low == nullptr || high == nullptr) return false;
  if (x < *low) min = x;
  if (x > *high) max = x;
  return true;
}

// Writes `value` as exactly `width` digits, zeros first.
char* WriteDigits(uint64_t value, int width, char* out) {
  for (int i = width - 1; i >= 0; --i, value /= 10) out[i] = static_cast<char>('0' + value % 10);
  return out + width;
}

// `units` / 1e9, rounded once to the nearest double. Dividing the double of `units` is
// that only while `units` converts exactly (below 2^53); beyond, it would round twice
// (4611833847.0 alone summed to 4611833847.000001), so the exact decimal text is read.
double UnitsToDouble(__int128 units) {
  constexpr auto kExactInDouble = static_cast<__int128>(kTwo53);
  if (units > -kExactInDouble && units < kExactInDouble) {
    return static_cast<double>(units) / SumAccumulator::kDoubleScale;
  }
  constexpr uint64_t kBillion = 1'000'000'000, kTen18 = kBillion * kBillion;
  const unsigned __int128 magnitude =
      units < 0 ? -static_cast<unsigned __int128>(units) : static_cast<unsigned __int128>(units);
  const unsigned __int128 whole = magnitude / kBillion;  // under 2^127 / 1e9 < 1e30
  const auto high = static_cast<uint64_t>(whole / kTen18);
  const auto low = static_cast<uint64_t>(whole % kTen18);
  char text[64];  // sign, 30 digits, point, 9 digits
  char* end = text;
  if (units < 0) *end++ = '-';
  if (high > 0) {
    end = WriteDigits(low, 18, std::to_chars(end, text + sizeof text, high).ptr);
  } else {
    end = std::to_chars(end, text + sizeof text, low).ptr;
  }
  *end++ = '.';
  end = WriteDigits(static_cast<uint64_t>(magnitude % kBillion), 9, end);
  double value = 0;
  std::from_chars(text, end, value);  // rounds once, to nearest
  return value;
}

}  // namespace

std::string_view MetricKindName(MetricKind kind) {
  switch (kind) {
    case MetricKind::kCount: return "count";
    case MetricKind::kSum: return "sum";
    case MetricKind::kMean: return "mean";
    case MetricKind::kMin: return "min";
    case MetricKind::kMax: return "max";
    case MetricKind::kQuantile: return "quantile";
    case MetricKind::kDistinct: return "distinct";
  }
  return "?";
}

// ---- SumAccumulator ---------------------------------------------------------------------

void SumAccumulator::Add(double value) {
  saw_double_ = true;
  // Below 2^53 units the product holds every unit; converting through int64 is one
  // instruction, where double -> __int128 is a library call.
  if (std::fabs(value) < kTwo53 / kDoubleScale) {
    fixed_ += static_cast<int64_t>(std::nearbyint(value * kDoubleScale));
    return;
  }
  // Beyond, value * 1e9 would round to 53 bits (4611833847.0 became 4611833847.000001):
  // the whole part scales exactly in integers, and the fraction on its own (both exact).
  const double whole = std::trunc(value);
  fixed_ += static_cast<__int128>(static_cast<int64_t>(whole)) * 1'000'000'000 +
            static_cast<int64_t>(std::nearbyint((value - whole) * kDoubleScale));
}

void SumAccumulator::Merge(const SumAccumulator& other) {
  ints_ += other.ints_;
  fixed_ += other.fixed_;
  saw_double_ = saw_double_ || other.saw_double_;
}

double SumAccumulator::Total() const {
  if (!saw_double_) return static_cast<double>(ints_);
  // One exact integer of 1e-9 units when it fits, so that the result is rounded once
  // rather than once per part.
  __int128 units = 0;
  if (!__builtin_mul_overflow(ints_, static_cast<__int128>(1'000'000'000), &units) &&
      !__builtin_add_overflow(units, fixed_, &units)) {
    return UnitsToDouble(units);
  }
  return static_cast<double>(ints_) + static_cast<double>(fixed_) / kDoubleScale;
}

Value SumAccumulator::Sum() const {
  if (!saw_double_ && ints_ >= std::numeric_limits<int64_t>::min() &&
      ints_ <= std::numeric_limits<int64_t>::max()) {
    return Value{static_cast<int64_t>(ints_)};
  }
  return Value{Total()};
}

double SumAccumulator::Mean(uint64_t count) const {
  if (count == 0) return std::numeric_limits<double>::quiet_NaN();
  // The exact total over the count, as two integers: Total() / count rounded twice, and
  // 0.1 + 0.2 + 0.3 came out 0.19999999999999998.
  __int128 numerator = ints_;
  __int128 denominator = count;
  if (saw_double_ &&
      (__builtin_mul_overflow(ints_, static_cast<__int128>(1'000'000'000), &numerator) ||
       __builtin_add_overflow(numerator, fixed_, &numerator) ||
       __builtin_mul_overflow(denominator, static_cast<__int128>(1'000'000'000), &denominator))) {
    return Total() / static_cast<double>(count);  // a total past 2^127 units
  }
  constexpr auto kExactInDouble = static_cast<__int128>(kTwo53);
  if (numerator > -kExactInDouble && numerator < kExactInDouble && denominator < kExactInDouble) {
    return static_cast<double>(numerator) / static_cast<double>(denominator);  // one rounding
  }
  // With x86-64's long double, 64 bits of quotient, then 53: one unit in the last place off
  // only where the quotient falls within about 2^-63 of a midpoint between two doubles
  // (where long double is a double, rounded twice, as before).
  return static_cast<double>(static_cast<long double>(numerator) /
                             static_cast<long double>(denominator));
}

// ---- ExtremaAccumulator -----------------------------------------------------------------

void ExtremaAccumulator::Add(const Value& value) {
  // Most values meet extrema of their own type: compare them directly. (Zeros take the
  // general path, which makes -0.0 and 0.0 one zero.)
  if (const double* d = std::get_if<double>(&value); d != nullptr && *d != 0) {
    if (AddToSameType(*d, min_, max_)) return;
  } else if (const int64_t* i = std::get_if<int64_t>(&value)) {
    if (AddToSameType(*i, min_, max_)) return;
  }
  if (const double* d = std::get_if<double>(&value); d && *d == 0 && std::signbit(*d)) {
    Add(Value{0.0});  // one zero: -0.0 and 0.0 must not make the result order-dependent
    return;
  }
  if (Replaces(value, min_, -1)) min_ = value;
  if (Replaces(value, max_, 1)) max_ = value;
}

void ExtremaAccumulator::Merge(const ExtremaAccumulator& other) {
  if (std::holds_alternative<std::monostate>(other.min_)) return;
  if (Replaces(other.min_, min_, -1)) min_ = other.min_;
  if (Replaces(other.max_, max_, 1)) max_ = other.max_;
}

// ---- DistinctAccumulator ----------------------------------------------------------------

void DistinctAccumulator::KeyOf(const Value& value, std::string& key) {
  key.clear();
  switch (TypeOf(value)) {
    case ValueType::kNull: key += 'n'; break;
    case ValueType::kBool: key += std::get<bool>(value) ? "b1" : "b0"; break;
    case ValueType::kInt:
      key += 'i';
      AppendBytes(std::get<int64_t>(value), key);
      break;
    case ValueType::kDouble: {
      const double d = std::get<double>(value);
      if (std::optional<int64_t> whole = IntegralValue(d)) {
        key += 'i';
        AppendBytes(*whole, key);
      } else {
        key += 'd';
        AppendBytes(std::isnan(d) ? std::numeric_limits<double>::quiet_NaN() : d, key);
      }
      break;
    }
    case ValueType::kString:  // Add counts strings by their bytes, in strings_
      break;
  }
}

void DistinctAccumulator::Add(const Value& value, std::string& scratch) {
  if (const auto* text = std::get_if<std::string>(&value)) {
    strings_.Insert(*text);  // the common case, without building a key
    return;
  }
  KeyOf(value, scratch);
  others_.Insert(scratch);
}

void DistinctAccumulator::Merge(DistinctAccumulator&& other) {
  const auto merge = [](StringSet& into, StringSet& from) {
    if (into.size() < from.size()) std::swap(into, from);  // insert the smaller one
    into.Merge(from);
  };
  merge(strings_, other.strings_);
  merge(others_, other.others_);
}

// ---- MetricPlan -------------------------------------------------------------------------

MetricPlan::MetricPlan(std::vector<MetricSpec> metrics) : metrics_(std::move(metrics)) {
  for (const MetricSpec& metric : metrics_) {
    output_ids_.push_back(FieldNames::Intern(metric.name));
    if (metric.kind == MetricKind::kCount) {
      metric_slot_.push_back(-1);
      continue;
    }
    Input* input = nullptr;
    for (Input& existing : inputs_) {
      if (existing.field == metric.field) input = &existing;
    }
    if (input == nullptr) {
      input = &inputs_.emplace_back();
      input->id = FieldNames::Intern(metric.field);
      input->field = metric.field;
      input->metric = metric.name;
    }
    if (metric.kind != MetricKind::kDistinct && input->numeric_metric.empty()) {
      input->numeric_metric = metric.name;
    }
    int* slot = nullptr;
    int* slots = nullptr;
    switch (metric.kind) {
      case MetricKind::kSum:
      case MetricKind::kMean:
        if (input->summed_metric.empty()) input->summed_metric = metric.name;
        slot = &input->sum, slots = &sums_;
        break;
      case MetricKind::kMin:
      case MetricKind::kMax: slot = &input->extrema, slots = &extrema_; break;
      case MetricKind::kQuantile: slot = &input->sketch, slots = &sketches_; break;
      case MetricKind::kDistinct: slot = &input->distinct, slots = &distincts_; break;
      case MetricKind::kCount: break;
    }
    if (*slot < 0) *slot = (*slots)++;
    metric_slot_.push_back(*slot);
  }
}

std::optional<MetricInputError> MetricPlan::Gather(const Record& record,
                                                   std::span<const Value*> values) const {
  for (size_t i = 0; i < inputs_.size(); ++i) {
    const Input& input = inputs_[i];
    const Value* value = record.Find(input.id);
    values[i] = value;
    if (value == nullptr) {
      return MetricInputError{
          ErrorCode::kMissingField,
          "missing field '" + input.field + "' (needed by metric '" + input.metric + "')"};
    }
    if (input.numeric_metric.empty()) continue;
    if (const double* d = std::get_if<double>(value)) {
      if (!std::isfinite(*d)) {
        return MetricInputError{
            ErrorCode::kOutOfRange,
            "field '" + input.field + "': expected a finite number for metric '" +
                input.numeric_metric + "', got " + detail::DescribeValue(*value)};
      }
      if (!input.summed_metric.empty() && !SumAccumulator::CanAdd(*d)) {
        std::string number;
        detail::AppendShortJson(*value, number);
        return MetricInputError{ErrorCode::kOutOfRange,
                                "field '" + input.field + "': " + number +
                                    " is beyond +-1e18, the range metric '" + input.summed_metric +
                                    "' sums exactly"};
      }
    } else if (!std::holds_alternative<int64_t>(*value)) {
      return MetricInputError{ErrorCode::kWrongType,
                              "field '" + input.field + "': expected a number for metric '" +
                                  input.numeric_metric + "', got " + detail::DescribeValue(*value)};
    }
  }
  return std::nullopt;
}

}  // namespace sluice
