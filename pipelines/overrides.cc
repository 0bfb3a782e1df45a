#include "pipelines/overrides.h"

#include <algorithm>
#include <charconv>
#include <vector>

#include "pipelines/detail/quoted.h"
#include "pipelines/yaml_loader.h"

namespace sluice {
namespace {

using detail::Quoted;

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t dot = path.find('.', start);
    parts.push_back(path.substr(start, dot == std::string_view::npos ? dot : dot - start));
    if (dot == std::string_view::npos) return parts;
    start = dot + 1;
  }
}

std::optional<size_t> ParseIndex(std::string_view text) {
  size_t index = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), index);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return index;
}

// The name a stage answers to: its `name:`, or its `type:` when it has none.
std::string StageName(const ConfigNode& stage) {
  for (const char* key : {"name", "type"}) {
    const ConfigNode* n = stage.Get(key);
    if (n && n->is_scalar()) return n->scalar();
  }
  return "";
}

// `node` with ConfigMark::order set throughout: a flow VALUE's marks are positions in it.
ConfigNode WithOrder(const ConfigNode& node, int order) {
  ConfigMark mark = node.mark();
  mark.order = order;
  switch (node.kind()) {
    case ConfigNode::Kind::kNull: return ConfigNode::Null(mark);
    case ConfigNode::Kind::kScalar: return ConfigNode::Scalar(node.scalar(), mark);
    case ConfigNode::Kind::kList: {
      ConfigNode list = ConfigNode::List(mark);
      for (const ConfigNode& item : node.children()) list.Append(WithOrder(item, order));
      return list;
    }
    case ConfigNode::Kind::kMap: break;
  }
  ConfigNode map = ConfigNode::Map(mark);
  for (const ConfigNode& entry : node.children()) {
    ConfigMark key_mark = entry.key_mark();
    key_mark.order = order;
    map.Set(entry.key(), WithOrder(entry, order), key_mark);
  }
  return map;
}

class OverrideApplier {
 public:
  OverrideApplier(std::string_view assignment, int order, ConfigErrors& errors)
      : mark_{.file = "--set " + std::string(assignment), .order = order}, errors_(errors) {}

  const ConfigMark& mark() const { return mark_; }

  // Walks `path` from `root`, creating missing map keys, and puts `value` at its end.
  bool Assign(ConfigNode& root, const std::vector<std::string_view>& path, ConfigNode value) {
    ConfigNode* node = &root;
    for (size_t i = 0; i + 1 < path.size(); ++i) {
      node = Step(*node, path, i, /*create=*/true);
      if (!node) return false;
    }
    const std::string_view last = path.back();
    if (node->is_null()) *node = ConfigNode::Map(mark_);
    if (node->is_map()) {
      node->Set(std::string(last), std::move(value), mark_);
      return true;
    }
    ConfigNode* target = Step(*node, path, path.size() - 1, /*create=*/false);
    if (!target) return false;
    *target = std::move(value);  // a list item: no key to keep
    return true;
  }

 private:
  std::string Prefix(const std::vector<std::string_view>& path, size_t end) const {
    std::string text;
    for (size_t i = 0; i < end; ++i) {
      if (i > 0) text += '.';
      text += path[i];
    }
    return text.empty() ? "the root" : Quoted(text);
  }

  // The child of `node` named path[i]; nullptr after reporting why there is none.
  ConfigNode* Step(ConfigNode& node, const std::vector<std::string_view>& path, size_t i,
                   bool create) {
    const std::string_view part = path[i];
    if (node.is_null()) node = ConfigNode::Map(mark_);
    if (node.is_map()) {
      if (ConfigNode* child = node.GetMutable(part)) {
        // A null entry (`queue:` left empty) becomes a map; Set keeps its key.
        if (child->is_null())
          return &node.Set(std::string(part), ConfigNode::Map(mark_), child->key_mark());
        return child;
      }
      if (!create) return nullptr;
      return &node.Set(std::string(part), ConfigNode::Map(mark_), mark_);
    }
    if (node.is_list()) {
      const bool stages = i == 1 && path[0] == "stages";
      return stages ? FindStage(node, part) : FindItem(node, path, i);
    }
    errors_.Add(mark_, "cannot set " + Quoted(part) + " inside " + Prefix(path, i) + ": it holds " +
                           node.Describe() + ", not a map");
    return nullptr;
  }

  ConfigNode* FindStage(ConfigNode& stages, std::string_view name) {
    std::vector<std::string> names;
    for (ConfigNode& stage : stages.mutable_children()) {
      if (StageName(stage) == name) return &stage;
      names.push_back(StageName(stage));
    }
    if (std::optional<size_t> index = ParseIndex(name); index && *index < names.size()) {
      return &stages.mutable_children()[*index];
    }
    std::string message = "no stage named " + Quoted(name);
    if (std::string near = DidYouMean(name, names); !near.empty()) {
      message += " (did you mean " + Quoted(near) + "?)";
    } else {
      message += " (stages:";
      for (const std::string& n : names) message += " " + n;
      message += ")";
    }
    errors_.Add(mark_, std::move(message));
    return nullptr;
  }

  ConfigNode* FindItem(ConfigNode& list, const std::vector<std::string_view>& path, size_t i) {
    std::optional<size_t> index = ParseIndex(path[i]);
    if (index && *index < list.children().size()) return &list.mutable_children()[*index];
    errors_.Add(mark_, Prefix(path, i) + " is a list of " + std::to_string(list.children().size()) +
                           " items: select one by a 0-based index, not " + Quoted(path[i]));
    return nullptr;
  }

  ConfigMark mark_;
  ConfigErrors& errors_;
};

// `order`: the assignment's place among those given, from 1 (ConfigMark::order).
void ApplyOverrideAt(ConfigNode& root, std::string_view assignment, int order,
                     ConfigErrors& errors) {
  OverrideApplier applier(assignment, order, errors);
  const size_t equals = assignment.find('=');
  if (equals == std::string_view::npos) {
    errors.Add(applier.mark(), "expected PATH=VALUE, like stages.parse.workers=4");
    return;
  }
  const std::string_view path_text = assignment.substr(0, equals);
  const std::string_view value_text = assignment.substr(equals + 1);
  const std::vector<std::string_view> path = SplitPath(path_text);
  if (std::any_of(path.begin(), path.end(), [](std::string_view p) { return p.empty(); })) {
    errors.Add(applier.mark(),
               "the path " + Quoted(path_text) + " has an empty part: expected keys joined by '.'");
    return;
  }
  // As in the file: `queue=` or `ordered=null` is null, which sections read as absent.
  ConfigNode value = IsPlainYamlNull(value_text)
                         ? ConfigNode::Null(applier.mark())
                         : ConfigNode::Scalar(std::string(value_text), applier.mark());
  // Flow collections and quoted scalars read as YAML: `quote=""` is the empty string, as
  // `quote: ""` is in the file (an empty VALUE is null). A lone quote stays one character
  // (`quote='`), as a value that only starts with a quote stays its text.
  const bool flow = value_text.starts_with('{') || value_text.starts_with('[');
  const bool quoted = value_text.size() >= 2 &&
                      (value_text.front() == '"' || value_text.front() == '\'') &&
                      value_text.back() == value_text.front();
  if (flow || quoted) {
    ConfigErrors value_errors;
    Result<ConfigNode> parsed = LoadYamlString(value_text, applier.mark().file, value_errors);
    for (ConfigError error : value_errors.all()) {
      error.mark.order = order;
      if (value_text.starts_with('[')) {  // a regex's character class, most likely
        error.message +=
            " (a value that starts with '[' is read as YAML: to set it as text, quote it in "
            "single quotes, KEY='[a-z]+', which keep backslashes as they are)";
      }
      errors.Add(error.mark, std::move(error.message));
    }
    if (!parsed.ok()) return;
    value = WithOrder(*parsed, order);
  }
  // Edit a copy so that a failed override leaves the tree as it was.
  ConfigNode edited = root;
  if (applier.Assign(edited, path, std::move(value))) root = std::move(edited);
}

}  // namespace

void ApplyOverrides(ConfigNode& root, std::span<const std::string> assignments,
                    ConfigErrors& errors) {
  for (size_t i = 0; i < assignments.size(); ++i) {
    ApplyOverrideAt(root, assignments[i], static_cast<int>(i) + 1, errors);
  }
}

}  // namespace sluice
