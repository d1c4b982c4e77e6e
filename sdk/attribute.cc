#include "qtrace/sdk/attribute.h"

#include <algorithm>
#include <utility>

#include "qtrace/sdk/common/utf8.h"

namespace qtrace {
namespace {

// Offsets are 32-bit, and the largest is kFull's.
constexpr std::size_t kMaxBytes = std::numeric_limits<std::uint32_t>::max() - 1;

void TruncateStrings(AttributeValue& value, std::size_t limit) {
  const auto truncate = [limit](std::string& s) { s.resize(Utf8Prefix(s, limit).size()); };
  if (auto* s = std::get_if<std::string>(&value)) truncate(*s);
  if (auto* strings = std::get_if<std::vector<std::string>>(&value)) {
    for (std::string& s : *strings) truncate(s);
  }
}

}  // namespace

Attribute AttributeView::ToAttribute() const {
  Attribute a{std::string(key), {}};
  switch (value.index()) {
    case 0: a.value = *std::get_if<bool>(&value); break;
    case 1: a.value = *std::get_if<std::int64_t>(&value); break;
    case 2: a.value = *std::get_if<double>(&value); break;
    case 3: a.value = std::string(*std::get_if<std::string_view>(&value)); break;
    default: a.value = **std::get_if<const AttributeValue*>(&value); break;
  }
  return a;
}

void AttributeList::Set(std::string_view key, const AttributeValue& value) {
  switch (value.index()) {
    case 0: return Set(key, *std::get_if<bool>(&value));
    case 1: return Set(key, *std::get_if<std::int64_t>(&value));
    case 2: return Set(key, *std::get_if<double>(&value));
    case 3: return Set(key, std::string_view(*std::get_if<std::string>(&value)));
    default: break;
  }
  // An array: a copy of its own, kept beside the byte buffer.
  AttributeValue copy = value;
  TruncateStrings(copy, value_length_limit_);
  const Slot slot = EntryFor(key);
  Entry* entry = slot.entry;
  if (entry == nullptr) return;
  if (!slot.is_new && entry->type == Type::kArray) {
    arrays_[entry->value] = std::move(copy);
    return;
  }
  if (!slot.is_new) Retire(*entry);
  if (dead_arrays_ > 0 && dead_arrays_ >= arrays_.size() / 2) CompactArrays();
  arrays_.push_back(std::move(copy));
  entry->type = Type::kArray;
  entry->value = arrays_.size() - 1;
}

void AttributeList::Set(std::string_view key, const AttributeValueView& value) {
  switch (value.index()) {
    case 0: return Set(key, *std::get_if<bool>(&value));
    case 1: return Set(key, *std::get_if<std::int64_t>(&value));
    case 2: return Set(key, *std::get_if<double>(&value));
    case 3: return Set(key, *std::get_if<std::string_view>(&value));
    default: return Set(key, **std::get_if<const AttributeValue*>(&value));
  }
}

void AttributeList::SetGrowing(std::string_view key, std::string_view value) {
  // What needs no room is done without growing the buffer: a new key past
  // the count limit is dropped, a shorter string overwrites in place.
  Entry* live = LiveEntry(key);
  if (live == nullptr && size_ >= count_limit_) {
    ++dropped_;
    return;
  }
  if (live != nullptr && live->type == Type::kString && TextSize(*live) >= value.size()) {
    return SetText<kRoomMade>(Slot{live, false}, value);
  }
  // Copies of what points into the buffer, which is about to move.
  std::string key_copy;
  std::string value_copy;
  if (Aliases(key)) key = key_copy.assign(key);
  if (Aliases(value)) value = value_copy.assign(value);
  if (!MakeRoom((live != nullptr ? 0 : key.size()) + value.size())) return;
  const Slot slot = EntryFor<kRoomMade>(key);
  if (slot.entry != nullptr) SetText<kRoomMade>(slot, value);
}

std::uint32_t AttributeList::PlaceGrowing(std::string_view text) {
  std::string copy;
  if (Aliases(text)) text = copy.assign(text);
  if (!MakeRoom(text.size())) return kFull;
  return Place(text);
}

bool AttributeList::MakeRoom(std::size_t n) {
  // Values overwritten with longer ones leave their old bytes behind; they
  // are dropped when they are half of what the buffer would have to grow for.
  if (garbage_ > used_ / 2 || used_ + n > kMaxBytes) Compact();
  if (used_ + n > kMaxBytes) {
    ++dropped_;
    return false;
  }
  if (bytes_.size() - used_ < n) {
    bytes_.resize(std::min(kMaxBytes, std::max({std::size_t{used_} + n, bytes_.size() * 2, std::size_t{256}})));
  }
  return true;
}

void AttributeList::RetireArray(const Entry& e) {
  arrays_[e.value] = AttributeValue();  // frees the array now
  ++dead_arrays_;
}

void AttributeList::CompactArrays() {
  std::vector<AttributeValue> live;
  live.reserve(arrays_.size() - dead_arrays_);
  for (std::size_t i = 0; i < size_; ++i) {
    Entry& e = entries_[i];
    if (e.type != Type::kArray) continue;
    live.push_back(std::move(arrays_[e.value]));
    e.value = live.size() - 1;
  }
  arrays_.swap(live);
  dead_arrays_ = 0;
}

void AttributeList::Compact() {
  std::vector<char> kept(bytes_.size());
  std::uint32_t used = 0;
  const auto keep = [&](std::uint32_t offset, std::uint32_t size) {
    if (size != 0) std::memcpy(kept.data() + used, bytes_.data() + offset, size);  // both may be null at 0
    const std::uint32_t moved_to = used;
    used += size;
    return moved_to;
  };
  for (std::size_t i = 0; i < size_; ++i) {
    Entry& e = entries_[i];
    e.key_offset = keep(e.key_offset, e.key_size);
    if (e.type == Type::kString) {
      const std::uint32_t size = TextSize(e);
      e.value = keep(static_cast<std::uint32_t>(e.value), size) | (std::uint64_t{size} << 32);
    }
  }
  bytes_.swap(kept);
  used_ = used;
  garbage_ = 0;
}

std::optional<AttributeView> AttributeList::FindView(std::string_view key) const {
  const Entry* e = LiveEntry(key);
  if (e == nullptr) return std::nullopt;
  return ViewOf(*e);
}

std::optional<Attribute> AttributeList::Find(std::string_view key) const {
  const std::optional<AttributeView> view = FindView(key);
  if (!view) return std::nullopt;
  return view->ToAttribute();
}

std::string_view AttributeList::GetString(std::string_view key) const {
  const Entry* e = LiveEntry(key);
  return e != nullptr && e->type == Type::kString ? TextOf(*e) : std::string_view();
}

std::int64_t AttributeList::GetInt(std::string_view key) const {
  const Entry* e = LiveEntry(key);
  return e != nullptr && e->type == Type::kInt ? static_cast<std::int64_t>(e->value) : 0;
}

bool AttributeList::AllAscii() const { return IsAscii({bytes_.data(), used_}); }

std::array<AttributeList::Block, 2> AttributeList::LiveBlocks() const {
  return {Block{entries_.data(), size_ * sizeof(Entry)}, Block{bytes_.data(), used_}};
}

std::array<AttributeList::Block, 2> AttributeList::KeptBlocks() const {
  return {Block{entries_.data(), entries_.size() * sizeof(Entry)},
          Block{bytes_.data(), std::min<std::size_t>(bytes_.size(), std::max(used_, kept_used_))}};
}

}  // namespace qtrace
