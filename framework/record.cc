#include "framework/record.h"

namespace sluice {

const Value* Record::Find(FieldId id) const {
  for (const Field& f : fields_) {
    if (f.id == id) return &f.value;
  }
  return nullptr;
}

Value* Record::Find(FieldId id) {
  for (Field& f : fields_) {
    if (f.id == id) return &f.value;
  }
  return nullptr;
}

void Record::Set(FieldId id, Value value) {
  if (Value* existing = Find(id)) {
    *existing = std::move(value);
  } else {
    fields_.push_back({id, std::move(value)});
  }
}

void Record::AppendJson(std::string& out) const {
  out.push_back('{');
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendJsonString(FieldNames::Name(fields_[i].id), out);
    out.push_back(':');
    sluice::AppendJson(fields_[i].value, out);
  }
  out.push_back('}');
}

std::string Record::ToJson() const {
  std::string out;
  AppendJson(out);
  return out;
}

bool operator==(const Record& a, const Record& b) {
  if (a.fields_.size() != b.fields_.size()) return false;
  for (size_t i = 0; i < a.fields_.size(); ++i) {
    if (a.fields_[i].id != b.fields_[i].id || a.fields_[i].value != b.fields_[i].value) return false;
  }
  return true;
}

}  // namespace sluice
