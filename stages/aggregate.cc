#include "stages/aggregate.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <unordered_set>
#include <utility>

#include "framework/string_set.h"
#include "stages/detail/group_state.h"
#include "stages/detail/key_order.h"
#include "stages/detail/short_string_index.h"
#include "stages/detail/value_checks.h"
#include "stages/event_time.h"

namespace sluice {

struct AggregateStage::Shared {
  explicit Shared(const AggregateOptions& options) : plan(options.metrics) {}
  MetricPlan plan;
  std::vector<FieldId> group_ids;
  bool windowed = false;
  FieldId time_id = 0;
  std::string time_field;
  int64_t width_ms = 0;
  FieldId window_start_id = 0;
};

namespace {

using detail::IntegralValue;
const Value kNullValue;
constexpr std::string_view kWindowStartField = "window_start";  // a windowed row's first field

// ---- Group keys: canonical values, hashing, equality, order --------------------------

// The value a group stores: integral doubles become ints (1.0 groups with 1), every NaN
// the same NaN.
Value Canonical(const Value& value) {
  if (const double* d = std::get_if<double>(&value)) {
    if (std::optional<int64_t> whole = IntegralValue(*d)) return Value{*whole};
    if (std::isnan(*d)) return Value{std::numeric_limits<double>::quiet_NaN()};
  }
  return value;
}

uint64_t Mix(uint64_t x) {  // splitmix64's finalizer
  x ^= x >> 30;
  x *= 0xbf58476d1ce4e5b9ULL;
  x ^= x >> 27;
  x *= 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

// Equal for values that Canonical maps to the same value.
uint64_t HashOf(const Value& value) {
  switch (TypeOf(value)) {
    case ValueType::kNull: return 0x6e756c6c;
    case ValueType::kBool: return std::get<bool>(value) ? 0x74727565 : 0x66616c73;
    case ValueType::kInt: return Mix(static_cast<uint64_t>(std::get<int64_t>(value)));
    case ValueType::kDouble: {
      const double d = std::get<double>(value);
      if (std::optional<int64_t> whole = IntegralValue(d))
        return Mix(static_cast<uint64_t>(*whole));
      if (std::isnan(d)) return 0x4e614e;
      uint64_t bits = 0;
      std::memcpy(&bits, &d, sizeof bits);
      return Mix(bits ^ 0x5bd1e995);
    }
    case ValueType::kString: return HashBytes(std::get<std::string>(value));
  }
  return 0;
}

uint64_t HashKey(std::span<const Value* const> key) {
  uint64_t hash = HashSeed() ^ 0x243f6a8885a308d3ULL;  // Mix alone can be inverted
  for (const Value* value : key) hash = Mix(hash * 31 + HashOf(*value));
  return hash;
}

// Whether `value` groups with `stored` (a canonical value).
bool SameGroupValue(const Value& stored, const Value& value) {
  switch (TypeOf(stored)) {
    case ValueType::kInt:
      if (const double* d = std::get_if<double>(&value)) {
        return IntegralValue(*d) == std::get<int64_t>(stored);
      }
      break;
    case ValueType::kDouble:
      if (const double* d = std::get_if<double>(&value)) {
        return *d == std::get<double>(stored) ||
               (std::isnan(*d) && std::isnan(std::get<double>(stored)));
      }
      return false;
    case ValueType::kString:
      // SameBytes, not std::string's ==: group keys are short, and a memcmp call per
      // record cost more than the rest of the comparison.
      if (const std::string* s = std::get_if<std::string>(&value)) {
        const std::string& key = std::get<std::string>(stored);
        return s->size() == key.size() && SameBytes(s->data(), key.data(), key.size());
      }
      return false;
    default: break;
  }
  return stored == value;
}

// Frees what `value` holds now, leaving it empty (moved from).
template <class T>
void Release(T& value) {
  const T released = std::move(value);
}

struct Group {
  uint64_t hash = 0;
  detail::GroupState state;  // its key, canonical: [window start,] group_by values
};

// Open addressing over a dense vector of groups: a probe reads the slot array alone until
// a slot's tag (the hash's high half) matches, since touching a group is a cache miss once
// there are many; the key is compared only on a full hash match.
class GroupTable {
 public:
  Group* Find(uint64_t hash, std::span<const Value* const> key) {
    if (slots_.empty()) return nullptr;
    const size_t mask = slots_.size() - 1;
    const uint32_t tag = TagOf(hash);
    for (size_t i = hash & mask; slots_[i].group != 0; i = (i + 1) & mask) {
      if (slots_[i].tag != tag) continue;
      Group& group = groups_[slots_[i].group - 1];
      if (group.hash == hash && Matches(group.state.key(), key)) return &group;
    }
    return nullptr;
  }

  /// The group of `key` when that is one short string (an event name, a status) held by
  /// one of the first 16 such groups: found without hashing. Else nullptr, and Find decides.
  Group* FindShort(std::span<const Value* const> key) {
    if (key.size() != 1) return nullptr;
    const auto* text = std::get_if<std::string>(key[0]);
    if (text == nullptr) return nullptr;
    const int32_t index = short_keys_.Find(*text);
    return index < 0 ? nullptr : &groups_[static_cast<size_t>(index)];
  }

  /// Adds a group that Find did not find. Invalidates pointers to groups.
  Group& Insert(uint64_t hash, detail::GroupState state) {
    if ((groups_.size() + 1) * 4 > slots_.size() * 3) Grow();
    groups_.push_back(Group{.hash = hash, .state = std::move(state)});
    Place(hash, static_cast<uint32_t>(groups_.size()));
    const std::span<const Value> stored = groups_.back().state.key();
    if (stored.size() == 1) {
      if (const auto* text = std::get_if<std::string>(&stored[0])) {
        short_keys_.Add(*text, static_cast<int32_t>(groups_.size() - 1));  // if it fits
      }
    }
    return groups_.back();
  }

  std::vector<Group>& groups() { return groups_; }
  size_t size() const { return groups_.size(); }

 private:
  static bool Matches(std::span<const Value> stored, std::span<const Value* const> key) {
    for (size_t i = 0; i < stored.size(); ++i) {
      if (!SameGroupValue(stored[i], *key[i])) return false;
    }
    return true;
  }

  // A slot's tag is the hash's high half; its low bits pick the slot.
  static uint32_t TagOf(uint64_t hash) { return static_cast<uint32_t>(hash >> 32); }

  void Place(uint64_t hash, uint32_t group) {
    const size_t mask = slots_.size() - 1;
    size_t i = hash & mask;
    while (slots_[i].group != 0) i = (i + 1) & mask;
    slots_[i] = Slot{.group = group, .tag = TagOf(hash)};
  }

  void Grow() {
    if (groups_.size() >= std::numeric_limits<uint32_t>::max() / 2) {
      throw std::length_error("aggregate: too many groups");
    }
    slots_.assign(std::max<size_t>(16, slots_.size() * 2), Slot{});
    for (size_t g = 0; g < groups_.size(); ++g) {
      Place(groups_[g].hash, static_cast<uint32_t>(g + 1));
    }
  }

  struct Slot {
    uint32_t group = 0;  // 0: empty; else 1 + index into groups_
    uint32_t tag = 0;
  };
  std::vector<Group> groups_;
  std::vector<Slot> slots_;
  detail::ShortStringIndex short_keys_;  // single short string keys -> index into groups_
};

int64_t WindowStart(int64_t ms, int64_t width) {
  int64_t windows = ms / width;
  if (ms % width < 0) --windows;  // floor, for times before 1970
  return windows * width;
}

class AggregateWorker final : public StageWorker {
 public:
  explicit AggregateWorker(std::shared_ptr<const AggregateStage::Shared> shared)
      : shared_(std::move(shared)),
        key_(shared_->group_ids.size() + (shared_->windowed ? 1 : 0)),
        inputs_(shared_->plan.inputs().size()) {}

  Verdict Process(Item& item) override {
    const AggregateStage::Shared& s = *shared_;
    size_t k = 0;
    if (s.windowed) {
      const Value* time = item.record.Find(s.time_id);
      if (time == nullptr) {
        return item.Fail(ErrorCode::kMissingField,
                         "missing field '" + s.time_field + "' (the window's time field)");
      }
      std::optional<int64_t> ms = EventTimeMs(*time);
      if (!ms) {
        return item.Fail(ErrorCode::kWrongType,
                         "field '" + s.time_field + "': " + ReadEventTimeMs(*time).error().message);
      }
      const int64_t start = WindowStart(*ms, s.width_ms);
      if (start < kMinEventTimeMs) {  // a window over a time early in year 0000
        return item.Fail(ErrorCode::kOutOfRange,
                         "field '" + s.time_field + "': " + FormatRfc3339Utc(*ms) +
                             " falls in a window that starts before year 0000, which RFC 3339 "
                             "cannot write");
      }
      window_start_ = start;
      key_[k++] = &window_start_;
    }
    for (FieldId id : s.group_ids) {
      const Value* value = item.record.Find(id);
      key_[k++] = value ? value : &kNullValue;
    }
    if (std::optional<MetricInputError> bad = s.plan.Gather(item.record, inputs_)) {
      return item.Fail(bad->code, std::move(bad->message));
    }
    Group* group = table_.FindShort(key_);
    if (group == nullptr) {
      const uint64_t hash = HashKey(key_);
      group = table_.Find(hash, key_);
      if (group == nullptr) {
        detail::GroupState state(s.plan, key_.size());
        const std::span<Value> key = state.key();
        for (size_t i = 0; i < key_.size(); ++i) key[i] = Canonical(*key_[i]);
        group = &table_.Insert(hash, std::move(state));
      }
    }
    group->state.Add(s.plan, inputs_, scratch_);
    return Verdict::kAbsorb;
  }

  GroupTable TakeTable() { return std::exchange(table_, GroupTable()); }

 private:
  std::shared_ptr<const AggregateStage::Shared> shared_;
  GroupTable table_;
  // Per-record scratch, reused so that an existing group costs no allocation.
  std::vector<const Value*> key_;
  std::vector<const Value*> inputs_;
  Value window_start_;
  std::string scratch_;
};

// Adds every group of `from` to `into`.
void MergeInto(GroupTable& into, GroupTable& from) {
  std::vector<const Value*> key;
  for (Group& group : from.groups()) {
    key.clear();
    for (const Value& value : group.state.key()) key.push_back(&value);
    if (Group* existing = into.Find(group.hash, key)) {
      existing->state.Merge(std::move(group.state));
    } else {
      into.Insert(group.hash, std::move(group.state));
    }
  }
}

}  // namespace

std::vector<std::string> CheckAggregateOptions(const AggregateOptions& options) {
  std::vector<std::string> problems;
  std::unordered_set<std::string_view> outputs;
  const auto claim = [&](const std::string& name, const char* what) {
    if (name.empty()) {
      problems.push_back(std::string(what) + " with an empty name");
    } else if (!outputs.insert(name).second) {
      problems.push_back(std::string(what) + " '" + name + "' repeats an output field name");
    }
  };
  if (options.window) {
    outputs.insert(kWindowStartField);
    if (options.window->time_field.empty()) problems.push_back("window without a time_field");
    if (options.window->tumbling.count() <= 0) problems.push_back("window of zero width");
  }
  for (const std::string& field : options.group_by) claim(field, "group_by field");
  if (options.metrics.empty()) problems.push_back("no metrics");
  for (const MetricSpec& metric : options.metrics) {
    claim(metric.name, "metric");
    if (metric.kind != MetricKind::kCount && metric.field.empty()) {
      problems.push_back("metric '" + metric.name + "' has no field");
    }
    if (metric.kind == MetricKind::kQuantile && !(metric.quantile >= 0 && metric.quantile <= 1)) {
      problems.push_back("metric '" + metric.name + "': quantile outside 0..1");
    }
  }
  return problems;
}

AggregateStage::AggregateStage(AggregateOptions options) : options_(std::move(options)) {
  if (std::vector<std::string> problems = CheckAggregateOptions(options_); !problems.empty()) {
    std::string message = "invalid aggregate options:";
    for (const std::string& p : problems) message += "\n  " + p;
    throw std::invalid_argument(message);
  }
  auto shared = std::make_shared<Shared>(options_);
  for (const std::string& field : options_.group_by) {
    shared->group_ids.push_back(FieldNames::Intern(field));
  }
  if (options_.window) {
    shared->windowed = true;
    shared->time_field = options_.window->time_field;
    shared->time_id = FieldNames::Intern(shared->time_field);
    shared->width_ms = options_.window->tumbling.count();
    shared->window_start_id = FieldNames::Intern(kWindowStartField);
  }
  shared_ = std::move(shared);
}

AggregateStage::~AggregateStage() = default;

std::unique_ptr<StageWorker> AggregateStage::MakeWorker() {
  return std::make_unique<AggregateWorker>(shared_);
}

FieldNeeds AggregateStage::Reads() const {
  FieldNeeds needs = FieldNeeds::None();
  for (FieldId id : shared_->group_ids) needs.Add(id);
  for (const MetricPlan::Input& input : shared_->plan.inputs()) needs.Add(input.id);
  if (shared_->windowed) needs.Add(shared_->time_id);
  return needs;
}

void AggregateStage::Finish(std::span<const std::unique_ptr<StageWorker>> workers,
                            const RowSink& emit) {
  std::vector<GroupTable> tables;
  for (const std::unique_ptr<StageWorker>& worker : workers) {
    auto* ours = dynamic_cast<AggregateWorker*>(worker.get());
    if (ours == nullptr) throw std::logic_error("aggregate: Finish got a worker it did not make");
    tables.push_back(ours->TakeTable());
  }
  if (tables.empty()) return;
  // Merge into the largest table: fewer groups to move. The result does not depend on it.
  auto largest = std::max_element(tables.begin(), tables.end(),
                                  [](const auto& a, const auto& b) { return a.size() < b.size(); });
  GroupTable merged = std::move(*largest);
  for (GroupTable& table : tables) {
    if (&table != &*largest) MergeInto(merged, table);
  }

  std::vector<Group>& groups = merged.groups();
  const auto key_of = [&](size_t g) { return std::as_const(groups[g].state).key(); };
  const Shared& s = *shared_;
  for (const size_t g : detail::KeyOrder(groups.size(), key_of)) {
    Group& group = groups[g];
    const std::span<Value> key = group.state.key();
    Record row;
    row.Reserve(key.size() + s.plan.metrics().size());
    size_t k = 0;
    if (s.windowed) row.Append(s.window_start_id, FormatRfc3339Utc(std::get<int64_t>(key[k++])));
    for (FieldId id : s.group_ids) row.Append(id, std::move(key[k++]));
    group.state.AppendResults(s.plan, row);
    emit(std::move(row));
    Release(group);  // its key and accumulators go now, not after the last row
  }
}

// ---- Config -------------------------------------------------------------------------

namespace {

struct KindAndQuantile {
  MetricKind kind;
  double quantile = 0;
};

// "sum", "p99", "p99.9", ...; nullopt for anything else.
std::optional<KindAndQuantile> ParseKind(std::string_view text) {
  for (MetricKind kind : {MetricKind::kCount, MetricKind::kSum, MetricKind::kMean, MetricKind::kMin,
                          MetricKind::kMax, MetricKind::kDistinct}) {
    if (text == MetricKindName(kind)) return KindAndQuantile{kind};
  }
  if (text.size() < 2 || text[0] != 'p') return std::nullopt;
  const std::string_view digits = text.substr(1);
  // Digits with an optional inner point: from_chars alone would take "p.5" and "p5.".
  const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
  if (digits.find_first_not_of("0123456789.") != std::string_view::npos ||
      !is_digit(digits.front()) || !is_digit(digits.back()))
    return std::nullopt;
  double percent = 0;
  const auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), percent);
  if (ec != std::errc() || end != digits.data() + digits.size() || percent > 100)
    return std::nullopt;
  return KindAndQuantile{MetricKind::kQuantile, percent / 100};
}

std::string UnknownKindMessage(const std::string& kind) {
  std::string message = "unknown metric '" + kind +
                        "'; expected count, sum, mean, min, max, distinct or a percentile "
                        "like p50, p90, p95, p99";
  static const std::vector<std::pair<std::string_view, std::string_view>> kHints = {
      {"avg", "mean"},
      {"average", "mean"},
      {"median", "p50"},
      {"unique", "distinct"},
      {"count_distinct", "distinct"},
      {"total", "sum"}};
  // A percentile past p100 (p101, p999) is no typo of p50: say the range instead.
  double percent = 0;
  const std::string_view digits = std::string_view(kind).substr(1);
  if (kind.size() > 1 && kind[0] == 'p' &&
      std::from_chars(digits.data(), digits.data() + digits.size(), percent).ptr ==
          digits.data() + digits.size() &&
      percent > 100) {
    return message + " (a percentile goes from p0 to p100: p99.9, not p999)";
  }
  std::string near = DidYouMean(
      kind, {"count", "sum", "mean", "min", "max", "distinct", "p50", "p90", "p95", "p99"});
  for (const auto& [hint, meant] : kHints) {
    if (kind == hint) near = meant;
  }
  if (!near.empty()) message += " (did you mean '" + near + "'?)";
  return message;
}

// One `name: count` or `name: { KIND: FIELD }` entry.
std::optional<MetricSpec> ReadMetric(const ConfigNode& node, ConfigErrors& errors) {
  MetricSpec spec{.name = node.key()};
  const std::string in = "metric '" + spec.name + "': ";
  if (node.is_scalar()) {
    std::optional<KindAndQuantile> kind = ParseKind(node.scalar());
    if (kind && kind->kind == MetricKind::kCount) return spec;
    errors.Add(node.mark(),
               in + (kind ? node.scalar() + " needs a field: write { " + node.scalar() + ": FIELD }"
                          : UnknownKindMessage(node.scalar())));
    return std::nullopt;
  }
  if (!node.is_map() || node.children().size() != 1) {
    errors.Add(
        node.mark(),
        in + "expected `count` or one entry like { sum: bytes }, got " + node.Describe() +
            (node.is_map() ? " of " + std::to_string(node.children().size()) + " entries" : ""));
    return std::nullopt;
  }
  const ConfigNode& entry = node.children().front();
  std::optional<KindAndQuantile> kind = ParseKind(entry.key());
  if (!kind) {
    errors.Add(entry.key_mark(), in + UnknownKindMessage(entry.key()));
    return std::nullopt;
  }
  if (kind->kind == MetricKind::kCount) {
    errors.Add(entry.key_mark(), in + "count takes no field: write `" + spec.name + ": count`");
    return std::nullopt;
  }
  if (!entry.is_scalar()) {  // `max:` or a list: say which metric, as for `max` alone
    errors.Add(entry.mark(), in + entry.key() + " needs one field name: write { " + entry.key() +
                                 ": FIELD }, got " + entry.Describe());
    return std::nullopt;
  }
  std::optional<std::string> field = entry.AsString(errors);
  if (!field) return std::nullopt;
  if (field->empty()) {
    errors.Add(entry.mark(), in + "the field name is empty");
    return std::nullopt;
  }
  spec.kind = kind->kind;
  spec.quantile = kind->quantile;
  spec.field = std::move(*field);
  return spec;
}

std::optional<AggregateWindow> ReadWindow(const ConfigNode& node, ConfigErrors& errors) {
  const size_t errors_before = errors.size();
  node.CheckKeys({"time_field", "tumbling"}, errors);
  if (!node.is_map()) return std::nullopt;
  AggregateWindow window;
  if (const ConfigNode* field = node.Require("time_field", errors)) {
    const size_t errors_before_field = errors.size();
    window.time_field = field->AsString(errors).value_or("");
    if (window.time_field.empty() && errors.size() == errors_before_field) {
      errors.Add(field->mark(), "time_field is empty");
    }
  }
  if (const ConfigNode* tumbling = node.Require("tumbling", errors)) {
    if (auto width = tumbling->AsDuration(errors)) {
      window.tumbling = *width;
      if (width->count() < 1) errors.Add(tumbling->mark(), "a window is at least 1ms wide");
    }
  }
  if (errors.size() != errors_before) return std::nullopt;
  return window;
}

// group_by: a field or a list of fields, each once, none named as the window's row field.
std::vector<std::string> ReadGroupBy(const ConfigNode& node, bool windowed, ConfigErrors& errors) {
  std::vector<std::string> fields;
  if (node.is_null()) return fields;
  std::optional<std::vector<std::string>> names = node.AsStringList(errors);
  if (!names) return fields;
  for (size_t i = 0; i < names->size(); ++i) {
    const ConfigMark& mark = node.is_list() ? node.children()[i].mark() : node.mark();
    const std::string& name = (*names)[i];
    if (name.empty()) {
      errors.Add(mark, "group_by field name is empty");
    } else if (std::find(fields.begin(), fields.end(), name) != fields.end()) {
      errors.Add(mark, "group_by lists '" + name + "' twice");
    } else if (windowed && name == kWindowStartField) {
      errors.Add(mark,
                 "group_by field 'window_start' has the name of a row field; rows need "
                 "distinct field names");
    } else {
      fields.push_back(name);
    }
  }
  return fields;
}

std::unique_ptr<Stage> MakeAggregateFromConfig(const ConfigNode& stage, ConfigErrors& errors) {
  const size_t errors_before = errors.size();
  AggregateOptions options;
  if (const ConfigNode* group_by = stage.Get("group_by")) {
    options.group_by = ReadGroupBy(*group_by, stage.Get("window") != nullptr, errors);
  }
  if (const ConfigNode* window = stage.Get("window")) options.window = ReadWindow(*window, errors);
  if (const ConfigNode* metrics = stage.Require("metrics", errors)) {
    if (!metrics->is_map() || metrics->children().empty()) {
      errors.Add(metrics->mark(),
                 "metrics must be a non-empty map like { count: count, "
                 "p99_latency: { p99: latency_ms } }, got " +
                     (metrics->is_map() ? "an empty one" : metrics->Describe()));
    }
    for (const ConfigNode& child :
         metrics->is_map() ? metrics->children() : std::vector<ConfigNode>{}) {
      const std::string& name = child.key();
      const bool clash = std::find(options.group_by.begin(), options.group_by.end(), name) !=
                             options.group_by.end() ||
                         (options.window && name == kWindowStartField);
      if (name.empty()) {
        errors.Add(child.key_mark(), "metric name is empty");
      } else if (clash) {
        errors.Add(child.key_mark(),
                   "metric '" + name + "' has the name of a " +
                       (name == kWindowStartField ? "row field" : "group_by field") +
                       "; rows need distinct field names");
      } else if (std::any_of(options.metrics.begin(), options.metrics.end(),
                             [&](const MetricSpec& m) { return m.name == name; })) {
        errors.Add(child.key_mark(), "a second metric named '" + name + "'");
      } else if (std::optional<MetricSpec> metric = ReadMetric(child, errors)) {
        options.metrics.push_back(std::move(*metric));
      }
    }
  }
  if (errors.size() != errors_before) return nullptr;
  // Anything the positioned checks above missed, so that the constructor cannot throw.
  if (std::vector<std::string> problems = CheckAggregateOptions(options); !problems.empty()) {
    for (const std::string& problem : problems) errors.Add(stage.mark(), problem);
    return nullptr;
  }
  return std::make_unique<AggregateStage>(std::move(options));
}

}  // namespace

void RegisterAggregate(StageRegistry& registry) {
  registry.Register({
      .name = "aggregate",
      .summary = "groups records (optionally by tumbling event-time window) and computes "
                 "count, sum, mean, min, max, percentiles and distinct counts",
      .keys = {"group_by", "window", "metrics"},
      .make = MakeAggregateFromConfig,
  });
}

}  // namespace sluice
