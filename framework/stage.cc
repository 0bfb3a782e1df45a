#include "framework/stage.h"

#include <algorithm>

namespace sluice {

FieldNeeds FieldNeeds::Only(std::initializer_list<std::string_view> names) {
  FieldNeeds needs = None();
  for (std::string_view name : names) needs.Add(FieldNames::Intern(name));
  return needs;
}

void FieldNeeds::Add(FieldId id) {
  if (all || std::find(fields.begin(), fields.end(), id) != fields.end()) return;
  fields.push_back(id);
}

void FieldNeeds::Merge(const FieldNeeds& other) {
  if (all) return;
  if (other.all) {
    *this = All();
    return;
  }
  for (FieldId id : other.fields) Add(id);
}

void ProjectFieldNeeds(std::span<Stage* const> chain) {
  FieldNeeds needed = FieldNeeds::All();
  for (size_t i = chain.size(); i-- > 0;) {
    Stage& stage = *chain[i];
    stage.Project(needed);
    if (stage.AbsorbsRecords()) {
      needed = stage.Reads();
    } else {
      needed.Merge(stage.Reads());
    }
  }
}

}  // namespace sluice
