#include "qtrace/sdk/attribute.h"

#include <utility>

namespace qtrace {

Attribute* AttributeList::NewSlot(std::string_view key) {
  if (size_ >= count_limit_) {
    ++dropped_;
    return nullptr;
  }
  Attribute& slot = items_.emplace_back();
  ++size_;
  slot.key.assign(key);
  return &slot;
}

void AttributeList::Truncate(std::string& s) const {
  s.resize(Utf8Prefix(s, value_length_limit_).size());
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
  key_lengths_ = 0;
}

const Attribute* AttributeList::Find(std::string_view key) const {
  for (std::size_t i = 0; i < size_; ++i) {
    if (std::string_view(items_[i].key) == key) return &items_[i];
  }
  return nullptr;
}

std::string_view AttributeList::GetString(std::string_view key) const {
  const Attribute* a = Find(key);
  const std::string* s = a != nullptr ? std::get_if<std::string>(&a->value) : nullptr;
  return s != nullptr ? std::string_view(*s) : std::string_view();
}

std::int64_t AttributeList::GetInt(std::string_view key) const {
  const Attribute* a = Find(key);
  const std::int64_t* i = a != nullptr ? std::get_if<std::int64_t>(&a->value) : nullptr;
  return i != nullptr ? *i : 0;
}

}  // namespace qtrace
