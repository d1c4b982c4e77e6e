#include "sdk/attribute.h"

#include <utility>

namespace qtrace {

Attribute* AttributeList::SlotFor(std::string_view key) {
  for (std::size_t i = 0; i < size_; ++i) {
    if (items_[i].key == key) return &items_[i];
  }
  if (size_ >= count_limit_) {
    ++dropped_;
    return nullptr;
  }
  if (size_ == items_.size()) items_.emplace_back();
  Attribute& slot = items_[size_++];
  slot.key.assign(key);
  return &slot;
}

void AttributeList::Truncate(std::string& s) const {
  if (s.size() > value_length_limit_) s.resize(value_length_limit_);
}

void AttributeList::Set(std::string_view key, bool value) {
  if (Attribute* slot = SlotFor(key)) slot->value = value;
}

void AttributeList::Set(std::string_view key, std::int64_t value) {
  if (Attribute* slot = SlotFor(key)) slot->value = value;
}

void AttributeList::Set(std::string_view key, double value) {
  if (Attribute* slot = SlotFor(key)) slot->value = value;
}

void AttributeList::Set(std::string_view key, std::string_view value) {
  Attribute* slot = SlotFor(key);
  if (slot == nullptr) return;
  value = value.substr(0, value_length_limit_);
  // Assign into an existing string to reuse its capacity.
  if (auto* existing = std::get_if<std::string>(&slot->value)) {
    existing->assign(value);
  } else {
    slot->value.emplace<std::string>(value);
  }
}

void AttributeList::Set(std::string_view key, AttributeValue value) {
  Attribute* slot = SlotFor(key);
  if (slot == nullptr) return;
  if (auto* s = std::get_if<std::string>(&value)) Truncate(*s);
  if (auto* strings = std::get_if<std::vector<std::string>>(&value)) {
    for (std::string& s : *strings) Truncate(s);
  }
  slot->value = std::move(value);
}

void AttributeList::Clear() {
  size_ = 0;
  dropped_ = 0;
}

const Attribute* AttributeList::Find(std::string_view key) const {
  for (std::size_t i = 0; i < size_; ++i) {
    if (items_[i].key == key) return &items_[i];
  }
  return nullptr;
}

}  // namespace qtrace
