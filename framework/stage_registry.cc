#include "framework/stage_registry.h"

namespace sluice {

void StageType::CheckKeys(const ConfigNode& stage, ConfigErrors& errors) const {
  std::vector<std::string> allowed(std::begin(kCommonStageKeys), std::end(kCommonStageKeys));
  allowed.insert(allowed.end(), keys.begin(), keys.end());
  stage.CheckKeys(allowed, errors);
}

void StageRegistry::Register(StageType type) {
  std::string name = type.name;
  types_.insert_or_assign(std::move(name), std::move(type));
}

const StageType* StageRegistry::Find(std::string_view name) const {
  auto it = types_.find(name);
  return it == types_.end() ? nullptr : &it->second;
}

std::vector<std::string> StageRegistry::Names() const {
  std::vector<std::string> names;
  for (const auto& [name, type] : types_) names.push_back(name);
  return names;
}

}  // namespace sluice
