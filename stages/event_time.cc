#include "stages/event_time.h"

#include <charconv>
#include <cmath>
#include <cstdio>

#include "stages/detail/value_checks.h"

namespace sluice {
namespace {

constexpr int64_t kMsPerDay = 86'400'000;
// Numbers below this magnitude are epoch seconds, others epoch milliseconds.
constexpr int64_t kSecondsLimit = 100'000'000'000;

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil).
constexpr int64_t DaysFromCivil(int64_t year, unsigned month, unsigned day) {
  year -= month <= 2;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const auto year_of_era = static_cast<unsigned>(year - era * 400);
  const unsigned day_of_year = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1;
  const unsigned day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + static_cast<int64_t>(day_of_era) - 719468;
}

struct CivilDate {
  int64_t year;
  unsigned month;
  unsigned day;
};

// The inverse of DaysFromCivil.
constexpr CivilDate CivilFromDays(int64_t days) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const auto day_of_era = static_cast<unsigned>(days - era * 146097);
  const unsigned year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const unsigned day_of_year =
      day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const unsigned mp = (5 * day_of_year + 2) / 153;
  const unsigned day = day_of_year - (153 * mp + 2) / 5 + 1;
  const unsigned month = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int64_t>(year_of_era) + era * 400 + (month <= 2), month, day};
}

static_assert(DaysFromCivil(1970, 1, 1) == 0);
static_assert(DaysFromCivil(0, 1, 1) * kMsPerDay == kMinEventTimeMs);
static_assert(DaysFromCivil(10000, 1, 1) * kMsPerDay - 1 == kMaxEventTimeMs);

constexpr unsigned DaysInMonth(int64_t year, unsigned month) {
  constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
  return month == 2 && leap ? 29 : kDays[month - 1];
}

// Reads RFC 3339 text left to right, remembering the first problem and where it is.
class Rfc3339Reader {
 public:
  explicit Rfc3339Reader(std::string_view text) : text_(text) {}

  std::optional<int64_t> Read(std::string* why) {
    const std::optional<int64_t> ms = ReadAll();
    if (!ms && why) *why = std::move(problem_);
    return ms;
  }

 private:
  std::optional<int64_t> ReadAll() {
    int64_t year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    if (!Digits(4, "year", year) || !Literal('-') || !Digits(2, "month", month)) return {};
    if (month < 1 || month > 12) return Fail(pos_ - 2, "month " + std::to_string(month));
    if (!Literal('-') || !Digits(2, "day", day)) return {};
    if (day < 1 || day > DaysInMonth(year, static_cast<unsigned>(month))) {
      return Fail(pos_ - 2, "day " + std::to_string(day) + " of a month with " +
                                std::to_string(DaysInMonth(year, static_cast<unsigned>(month))));
    }
    if (pos_ >= text_.size() || (text_[pos_] != 'T' && text_[pos_] != 't' && text_[pos_] != ' ')) {
      return Fail(pos_, "expected 'T' between date and time");
    }
    ++pos_;
    if (!Digits(2, "hour", hour)) return {};
    if (hour > 23) return Fail(pos_ - 2, "hour " + std::to_string(hour));
    if (!Literal(':') || !Digits(2, "minute", minute)) return {};
    if (minute > 59) return Fail(pos_ - 2, "minute " + std::to_string(minute));
    if (!Literal(':') || !Digits(2, "second", second)) return {};
    if (second > 60) return Fail(pos_ - 2, "second " + std::to_string(second));
    int64_t millis = 0;
    if (pos_ < text_.size() && text_[pos_] == '.') {
      ++pos_;
      const size_t first = pos_;
      for (int64_t scale = 100; pos_ < text_.size() && IsDigit(text_[pos_]); ++pos_, scale /= 10) {
        millis += (text_[pos_] - '0') * scale;  // scale reaches 0 past the third digit
      }
      if (pos_ == first) return Fail(pos_, "expected digits after '.'");
    }
    int64_t offset_minutes = 0;
    if (!Offset(offset_minutes)) return {};
    if (pos_ != text_.size()) return Fail(pos_, "unexpected text after the time");
    const int64_t seconds_of_day = hour * 3600 + minute * 60 + second;
    const int64_t ms =
        DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * kMsPerDay +
        seconds_of_day * 1000 + millis - offset_minutes * 60'000;
    if (ms < kMinEventTimeMs || ms > kMaxEventTimeMs) {
      problem_ = "outside years 0000..9999";
      return std::nullopt;
    }
    return ms;
  }

  bool Offset(int64_t& offset_minutes) {
    if (pos_ >= text_.size()) return Fail(pos_, "expected 'Z' or a +HH:MM offset"), false;
    const char c = text_[pos_];
    if (c == 'Z' || c == 'z') return ++pos_, true;
    if (c != '+' && c != '-') return Fail(pos_, "expected 'Z' or a +HH:MM offset"), false;
    ++pos_;
    int64_t hours = 0, minutes = 0;
    if (!Digits(2, "offset hours", hours) || !Literal(':') ||
        !Digits(2, "offset minutes", minutes)) {
      return false;
    }
    if (hours > 23 || minutes > 59) return Fail(pos_ - 5, "offset out of range"), false;
    offset_minutes = (c == '-' ? -1 : 1) * (hours * 60 + minutes);
    return true;
  }

  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }

  bool Digits(int count, const char* what, int64_t& out) {
    out = 0;
    for (int i = 0; i < count; ++i, ++pos_) {
      if (pos_ >= text_.size() || !IsDigit(text_[pos_])) {
        return Fail(pos_, std::string("expected ") + std::to_string(count) + "-digit " + what),
               false;
      }
      out = out * 10 + (text_[pos_] - '0');
    }
    return true;
  }

  bool Literal(char c) {
    if (pos_ < text_.size() && text_[pos_] == c) return ++pos_, true;
    return Fail(pos_, std::string("expected '") + c + "'"), false;
  }

  std::nullopt_t Fail(size_t at, std::string what) {
    if (problem_.empty()) problem_ = std::move(what) + " at character " + std::to_string(at + 1);
    return std::nullopt;
  }

  std::string_view text_;
  size_t pos_ = 0;
  std::string problem_;
};

std::optional<int64_t> InRange(int64_t ms) {
  if (ms < kMinEventTimeMs || ms > kMaxEventTimeMs) return std::nullopt;
  return ms;
}

std::optional<int64_t> FromInt(int64_t number) {
  if (number > -kSecondsLimit && number < kSecondsLimit) return InRange(number * 1000);
  return InRange(number);
}

// Half the gap between |x| and the next double up: how far a decimal read into x may be.
double HalfUlp(double x) {
  const double magnitude = std::fabs(x);
  return (std::nextafter(magnitude, HUGE_VAL) - magnitude) / 2;
}

std::optional<int64_t> FromDouble(double number) {
  if (!std::isfinite(number)) return std::nullopt;
  const bool seconds = std::fabs(number) < static_cast<double>(kSecondsLimit);
  const double ms = seconds ? number * 1000 : number;
  if (ms < static_cast<double>(kMinEventTimeMs) || ms >= static_cast<double>(kMaxEventTimeMs) + 1) {
    return std::nullopt;
  }
  // Towards the past, so that a time just before a window's end stays in that window. But
  // seconds with 3 decimals are whole milliseconds that binary holds only nearly, and the
  // product may land beside them (1.001 * 1000 = 1000.9999999999999, -2.007 * 1000 =
  // -2007.0000000000002): within what reading the decimal and multiplying can be off by,
  // the nearest one is meant.
  const double nearest = std::nearbyint(ms);
  const bool meant = seconds && std::fabs(ms - nearest) <= 1000 * HalfUlp(number) + HalfUlp(ms);
  return InRange(static_cast<int64_t>(meant ? nearest : std::floor(ms)));
}

// A sign and digits, whether or not they fit int64 ("99999999999999999999999").
bool LooksLikeInteger(std::string_view text) {
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) text.remove_prefix(1);
  return !text.empty() && text.find_first_not_of("0123456789") == std::string_view::npos;
}

// A decimal integer string that fits int64 ("1704067200", "-5", "+5"); else nullopt.
std::optional<int64_t> IntegerText(std::string_view text) {
  if (!LooksLikeInteger(text)) return std::nullopt;
  if (text[0] == '+') text.remove_prefix(1);
  int64_t number = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
  if (ec != std::errc()) return std::nullopt;  // out of range
  return number;
}

Error WrongType(std::string message) {
  return Error{.code = ErrorCode::kWrongType, .message = std::move(message)};
}

std::string Quoted(std::string_view text) {
  std::string out;
  detail::AppendShortJson(Value{std::string(text.substr(0, 80))}, out);
  return out;
}

}  // namespace

std::optional<int64_t> ParseRfc3339Ms(std::string_view text, std::string* why) {
  return Rfc3339Reader(text).Read(why);
}

std::optional<int64_t> EventTimeMs(const Value& value) {
  switch (TypeOf(value)) {
    case ValueType::kInt: return FromInt(std::get<int64_t>(value));
    case ValueType::kDouble: return FromDouble(std::get<double>(value));
    case ValueType::kString: {
      const std::string& text = std::get<std::string>(value);
      if (std::optional<int64_t> number = IntegerText(text)) return FromInt(*number);
      return ParseRfc3339Ms(text);
    }
    default: return std::nullopt;
  }
}

Result<int64_t> ReadEventTimeMs(const Value& value) {
  if (std::optional<int64_t> ms = EventTimeMs(value)) return *ms;
  switch (TypeOf(value)) {
    case ValueType::kInt:
    case ValueType::kDouble:
      return WrongType(detail::DescribeValue(value) + " is not an epoch time in years 0000..9999");
    case ValueType::kString: {
      const std::string& text = std::get<std::string>(value);
      if (LooksLikeInteger(text)) {
        return WrongType(Quoted(text) + " is not an epoch time in years 0000..9999");
      }
      std::string why;
      ParseRfc3339Ms(text, &why);
      return WrongType(Quoted(text) + " is not an RFC 3339 time: " + why);
    }
    default:
      return WrongType("expected an epoch time or an RFC 3339 string, got " +
                       detail::DescribeValue(value));
  }
}

void AppendRfc3339Utc(int64_t epoch_ms, std::string& out) {
  // Floor division, so that times before 1970 land in the right day and second.
  int64_t days = epoch_ms / kMsPerDay;
  int64_t ms_of_day = epoch_ms % kMsPerDay;
  if (ms_of_day < 0) ms_of_day += kMsPerDay, --days;
  const CivilDate date = CivilFromDays(days);
  const auto seconds_of_day = static_cast<int>(ms_of_day / 1000);
  const auto millis = static_cast<int>(ms_of_day % 1000);
  char buffer[64];
  int n = std::snprintf(
      buffer, sizeof buffer, "%s%04lld-%02u-%02uT%02d:%02d:%02d", date.year < 0 ? "-" : "",
      static_cast<long long>(date.year < 0 ? -date.year : date.year), date.month, date.day,
      seconds_of_day / 3600, seconds_of_day / 60 % 60, seconds_of_day % 60);
  if (millis != 0) n += std::snprintf(buffer + n, sizeof buffer - n, ".%03d", millis);
  out.append(buffer, static_cast<size_t>(n));
  out += 'Z';
}

std::string FormatRfc3339Utc(int64_t epoch_ms) {
  std::string out;
  AppendRfc3339Utc(epoch_ms, out);
  return out;
}

}  // namespace sluice
