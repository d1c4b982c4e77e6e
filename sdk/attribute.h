// Attributes: key/value pairs on spans, events, links and the resource.
//
// A value is one of the OTLP scalar types (bool, int64, double, string) or a
// homogeneous array of one of them. AttributeList enforces the span limits: a
// count cap (new keys past it are dropped and counted; an existing key is
// overwritten in place) and a length cap applied to every string.
//
// Memory: the list keeps its storage when cleared, so a record reused from a
// pool re-fills the same vectors and strings without touching the heap.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "qtrace/sdk/common/strings.h"

namespace qtrace {

using AttributeValue = std::variant<bool, std::int64_t, double, std::string, std::vector<bool>,
                                    std::vector<std::int64_t>, std::vector<double>,
                                    std::vector<std::string>>;

struct Attribute {
  std::string key;
  AttributeValue value;
  friend bool operator==(const Attribute&, const Attribute&) = default;
};

class AttributeList {
 public:
  static constexpr std::size_t kUnlimited = std::numeric_limits<std::size_t>::max();

  AttributeList() = default;
  AttributeList(std::size_t count_limit, std::size_t value_length_limit)
      : count_limit_(count_limit), value_length_limit_(value_length_limit) {}

  // Sets key to value, truncating strings to the length limit. An existing key
  // is overwritten; a new key past the count limit is dropped and counted.
  // The scalar and string setters are inline: a span sets a handful of
  // attributes on the request path, and a reused record usually finds the
  // slot it needs kept with the right key and the right type.
  void Set(std::string_view key, bool value) { SetScalar(key, value); }
  void Set(std::string_view key, std::int64_t value) { SetScalar(key, value); }
  void Set(std::string_view key, int value) { SetScalar(key, static_cast<std::int64_t>(value)); }
  void Set(std::string_view key, double value) { SetScalar(key, value); }
  void Set(std::string_view key, std::string_view value) {
    Attribute* slot = SlotFor(key);
    if (slot == nullptr) return;
    value = Utf8Prefix(value, value_length_limit_);
    // Assign into an existing string to reuse its capacity, and not at all
    // when it already holds this value (see SetScalar).
    if (auto* existing = std::get_if<std::string>(&slot->value)) {
      if (!SameBytes(*existing, value)) existing->assign(value);
    } else {
      slot->value.emplace<std::string>(value);
    }
  }
  void Set(std::string_view key, const char* value) { Set(key, std::string_view(value)); }
  void Set(std::string_view key, const std::string& value) { Set(key, std::string_view(value)); }
  void Set(std::string_view key, AttributeValue value);

  // Empties the list and its dropped count, keeping the allocated storage.
  void Clear();
  void SetLimits(std::size_t count_limit, std::size_t value_length_limit) {
    count_limit_ = count_limit;
    value_length_limit_ = value_length_limit;
  }

  const Attribute* Find(std::string_view key) const;
  // key's value when it is a string / an int; empty / 0 when absent or of
  // another type.
  std::string_view GetString(std::string_view key) const;
  std::int64_t GetInt(std::string_view key) const;
  std::span<const Attribute> items() const { return {items_.data(), size_}; }
  // Every slot kept, the spare ones past size() too: what a refill reads.
  std::span<const Attribute> storage() const { return {items_.data(), items_.size()}; }
  std::size_t size() const { return size_; }
  std::uint32_t dropped() const { return dropped_; }
  bool empty() const { return size_ == 0; }

  auto begin() const { return items_.begin(); }
  auto end() const { return items_.begin() + static_cast<std::ptrdiff_t>(size_); }

 private:
  template <class T>
  void SetScalar(std::string_view key, T value) {
    Attribute* slot = SlotFor(key);
    if (slot == nullptr) return;
    // A reused record is often refilled with the very values it held (the
    // same route, method, port): leaving an equal value unwritten keeps its
    // line clean, so the exporter's core, which read it last, keeps its copy
    // and this core need not take the line back from it to write.
    if (T* same = std::get_if<T>(&slot->value)) {
      if (!(*same == value)) *same = value;
    } else {
      slot->value = value;
    }
  }

  // The slot for key: the existing one, a reused one past size_, or null when
  // the count limit is reached (the drop is counted).
  Attribute* SlotFor(std::string_view key) {
    // A key is new unless a live key has its length: when none has (most of
    // a span's keys, which differ in length), the live keys are not read at
    // all. Otherwise lengths first, so that most keys differ without
    // comparing bytes (std::string == string_view compares bytes first).
    const std::uint64_t length_bit = std::uint64_t{1} << (key.size() % 64);
    if ((key_lengths_ & length_bit) != 0) {
      for (std::size_t i = 0; i < size_; ++i) {
        if (SameBytes(items_[i].key, key)) return &items_[i];
      }
    }
    key_lengths_ |= length_bit;  // also when the key is dropped: a bit may be set for no live key
    if (size_ >= count_limit_ || size_ == items_.size()) return NewSlot(key);
    Attribute& slot = items_[size_++];
    // A record reused from the pool is usually refilled by the same code in
    // the same order: the kept key is often already the right one.
    if (!SameBytes(slot.key, key)) slot.key.assign(key);
    return &slot;
  }
  // SlotFor past the kept storage: grows it, or drops and counts at the limit.
  Attribute* NewSlot(std::string_view key);
  void Truncate(std::string& s) const;

  // items_[0, size_) are live; items_[size_, items_.size()) are spare storage
  // kept from an earlier use so that refilling does not allocate.
  std::vector<Attribute> items_;
  std::size_t size_ = 0;
  // Bit (length % 64) set for the length of every live key (see SlotFor).
  std::uint64_t key_lengths_ = 0;
  std::uint32_t dropped_ = 0;
  std::size_t count_limit_ = 128;
  std::size_t value_length_limit_ = kUnlimited;
};

}  // namespace qtrace
