// Attributes: key/value pairs on spans, events, links and the resource.
//
// A value is one of the OTLP scalar types (bool, int64, double, string) or a
// homogeneous array of one of them. AttributeList enforces the span limits: a
// count cap (new keys past it are dropped and counted; an existing key is
// overwritten in place) and a length cap applied to every string.
//
// Memory: a list is two blocks, whatever its attributes: an index of
// fixed-size entries and one byte buffer holding every key and string value
// back to back (arrays, rare, are kept aside). A record is written on a
// request thread and read cold on the exporter's core, and it is reused: one
// string per key and per value, each a heap block of its own past 15 bytes,
// made a span's attributes a dozen scattered blocks to fetch, where these
// are a few adjacent lines. Both blocks are kept when the list is cleared, so
// a record reused from a pool refills them without touching the heap.
#pragma once

#include <array>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <iterator>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "qtrace/sdk/common/strings.h"

namespace qtrace {

using AttributeValue = std::variant<bool, std::int64_t, double, std::string, std::vector<bool>,
                                    std::vector<std::int64_t>, std::vector<double>,
                                    std::vector<std::string>>;

// An attribute that owns its key and value: what callers pass in (start
// options, links, the resource's configuration) and what Find() returns.
struct Attribute {
  std::string key;
  AttributeValue value;
  friend bool operator==(const Attribute&, const Attribute&) = default;
};

// A value as a list holds it: the scalars themselves, a view of a string, or
// the array (an AttributeValue holding one of the vector alternatives). The
// alternatives' indexes are AttributeValue's for the scalars and the string.
using AttributeValueView = std::variant<bool, std::int64_t, double, std::string_view, const AttributeValue*>;

// One attribute of a list, read in place: valid until the list next changes.
struct AttributeView {
  std::string_view key;
  AttributeValueView value;
  // An owning copy.
  Attribute ToAttribute() const;
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
  // attributes on the request path.
  void Set(std::string_view key, bool value) { SetScalar(key, Type::kBool, value ? 1 : 0); }
  void Set(std::string_view key, std::int64_t value) {
    SetScalar(key, Type::kInt, static_cast<std::uint64_t>(value));
  }
  void Set(std::string_view key, int value) { Set(key, static_cast<std::int64_t>(value)); }
  void Set(std::string_view key, double value) { SetScalar(key, Type::kDouble, std::bit_cast<std::uint64_t>(value)); }
  void Set(std::string_view key, std::string_view value) {
    value = Utf8Prefix(value, value_length_limit_);
    // Room for both first: then neither write below moves the buffer, and a
    // key or value read from this list stays valid while it is copied.
    if (bytes_.size() - used_ < key.size() + value.size()) [[unlikely]]
      return SetGrowing(key, value);
    const Slot slot = EntryFor<kRoomMade>(key);
    if (slot.entry != nullptr) SetText<kRoomMade>(slot, value);
  }
  void Set(std::string_view key, const char* value) { Set(key, std::string_view(value)); }
  void Set(std::string_view key, const std::string& value) { Set(key, std::string_view(value)); }
  void Set(std::string_view key, const AttributeValue& value);
  void Set(std::string_view key, const AttributeValueView& value);

  // Empties the list and its dropped count, keeping the allocated storage.
  void Clear() {
    kept_used_ = used_ > kept_used_ ? used_ : kept_used_;
    size_ = 0;
    used_ = 0;
    garbage_ = 0;
    dropped_ = 0;
    key_lengths_ = 0;
    if (!arrays_.empty()) arrays_.clear();
    dead_arrays_ = 0;
  }
  void SetLimits(std::size_t count_limit, std::size_t value_length_limit) {
    count_limit_ = count_limit;
    value_length_limit_ = value_length_limit;
  }

  std::optional<AttributeView> FindView(std::string_view key) const;
  // An owning copy of key's attribute, for tests and cold paths.
  std::optional<Attribute> Find(std::string_view key) const;
  // key's value when it is a string / an int; empty / 0 when absent or of
  // another type.
  std::string_view GetString(std::string_view key) const;
  std::int64_t GetInt(std::string_view key) const;
  std::size_t size() const { return size_; }
  std::uint32_t dropped() const { return dropped_; }
  bool empty() const { return size_ == 0; }

  // Whether every key and string value is ASCII (so valid UTF-8): one test
  // over the byte buffer that spares an encoder a check per string.
  bool AllAscii() const;

  // Places held for arrays: the live arrays and the replaced ones (freed
  // already), which the next array set drops once they are half or more.
  std::size_t arrays_held() const { return arrays_.size(); }

  // The list's memory as blocks (start, bytes), for the cache: what an
  // encoder reads (live) and what a refill reads (kept: the spare entries and
  // bytes past the live ones too, which a refill compares before writing).
  struct Block {
    const void* start = nullptr;
    std::size_t bytes = 0;
  };
  std::array<Block, 2> LiveBlocks() const;
  std::array<Block, 2> KeptBlocks() const;

  class Iterator;
  Iterator begin() const;
  Iterator end() const;

 private:
  enum class Type : std::uint32_t { kBool, kInt, kDouble, kString, kArray };
  // 24 bytes.
  struct Entry {
    std::uint32_t key_offset = 0;
    std::uint32_t key_size = 0;
    // The scalar's bits; a string's offset (low half) and size (high half);
    // an array's index in arrays_.
    std::uint64_t value = 0;
    Type type = Type::kBool;
  };
  friend class Iterator;

  // An entry and whether EntryFor just made it (its value is then a kept
  // one from an earlier use, not this list's).
  struct Slot {
    Entry* entry = nullptr;
    bool is_new = false;
  };

  void SetScalar(std::string_view key, Type type, std::uint64_t bits) {
    const Slot slot = EntryFor(key);
    Entry* entry = slot.entry;
    if (entry == nullptr) return;
    // A reused record is often refilled with the very values it held (the
    // same route, method, port): leaving an equal entry unwritten keeps its
    // line clean, so the exporter's core, which read it last, keeps its copy
    // and this core need not take the line back from it to write.
    if (entry->type != type || entry->value != bits) {
      if (!slot.is_new) Retire(*entry);
      entry->type = type;
      entry->value = bits;
    }
  }

  // A live entry's value is about to be replaced: a string's bytes become
  // garbage, an array is freed and its place in arrays_ waits for reuse.
  void Retire(const Entry& e) {
    if (e.type == Type::kString) garbage_ += TextSize(e);
    if (e.type == Type::kArray) [[unlikely]]
      RetireArray(e);
  }
  void RetireArray(const Entry& e);
  // Rewrites arrays_ with the live entries' arrays only.
  void CompactArrays();

  // kRoomMade: the caller made room for the value (and the key) already.
  static constexpr bool kRoomMade = true;

  template <bool kRoomIsMade = false>
  void SetText(const Slot& slot, std::string_view value) {
    Entry& entry = *slot.entry;
    const auto size = static_cast<std::uint32_t>(value.size());
    if (!slot.is_new && entry.type == Type::kString && TextSize(entry) >= size) {
      // Overwritten in place: what the old value had past the new one's end
      // is garbage.
      char* at = bytes_.data() + static_cast<std::uint32_t>(entry.value);
      // memmove: the new value may be a piece of the old one.
      if (!SameBytes({at, size}, value)) std::memmove(at, value.data(), size);
      garbage_ += TextSize(entry) - size;
      entry.value = (entry.value & 0xffffffffu) | (std::uint64_t{size} << 32);
      return;
    }
    const std::uint32_t offset = kRoomIsMade ? PlaceInRoom(value) : Place(value);
    if (!kRoomIsMade && offset == kFull) {  // counted by Place; a live entry keeps its old value
      if (slot.is_new) --size_;
      return;
    }
    if (!slot.is_new) Retire(entry);
    const std::uint64_t bits = offset | (std::uint64_t{size} << 32);
    if (entry.type != Type::kString || entry.value != bits) {
      entry.type = Type::kString;
      entry.value = bits;
    }
  }

  // The entry for key: a live one with that key, or a new one (its key
  // written, its value left for the caller), or null when the count limit is
  // reached (the drop is counted).
  template <bool kRoomIsMade = false>
  Slot EntryFor(std::string_view key) {
    if (Entry* live = LiveEntry(key)) return {live, false};
    if (size_ >= count_limit_) {
      ++dropped_;
      return {};
    }
    const std::uint32_t key_offset = kRoomIsMade ? PlaceInRoom(key) : Place(key);
    if (!kRoomIsMade && key_offset == kFull) return {};  // counted by Place
    key_lengths_ |= LengthBit(key);
    // (An iterator compare: size() would divide by the entry's 24 bytes.)
    if (entries_.begin() + static_cast<std::ptrdiff_t>(size_) == entries_.end()) entries_.emplace_back();
    Entry& entry = entries_[size_++];
    // A record reused from the pool is usually refilled by the same code in
    // the same order: the kept entry often already says where the key went.
    if (entry.key_offset != key_offset || entry.key_size != key.size()) {
      entry.key_offset = key_offset;
      entry.key_size = static_cast<std::uint32_t>(key.size());
    }
    return {&entry, true};
  }
  // The live entry with this key, or null.
  const Entry* LiveEntry(std::string_view key) const {
    // A key is new unless a live key has its length: when none has (most of
    // a span's keys, which differ in length), the live keys are not read at
    // all.
    if ((key_lengths_ & LengthBit(key)) == 0) return nullptr;
    for (std::size_t i = 0; i < size_; ++i) {
      if (SameBytes(KeyOf(entries_[i]), key)) return &entries_[i];
    }
    return nullptr;
  }
  Entry* LiveEntry(std::string_view key) {
    return const_cast<Entry*>(static_cast<const AttributeList&>(*this).LiveEntry(key));
  }
  // This key's bit in key_lengths_.
  static std::uint64_t LengthBit(std::string_view key) { return std::uint64_t{1} << (key.size() % 64); }

  // Appends text to the byte buffer and returns its offset; leaves bytes
  // already equal (a refill's) unwritten. kFull past 4 GiB (counted dropped).
  static constexpr std::uint32_t kFull = std::numeric_limits<std::uint32_t>::max();
  std::uint32_t Place(std::string_view text) {
    if (bytes_.size() - used_ < text.size()) [[unlikely]]
      return PlaceGrowing(text);
    return PlaceInRoom(text);
  }
  // Place where the room is known to be there.
  std::uint32_t PlaceInRoom(std::string_view text) {
    const std::size_t n = text.size();
    char* at = bytes_.data() + used_;
    if (!SameBytes({at, n}, text)) std::memcpy(at, text.data(), n);
    const std::uint32_t offset = used_;
    used_ += static_cast<std::uint32_t>(n);
    return offset;
  }
  // Place when the buffer has no room: makes room first.
  std::uint32_t PlaceGrowing(std::string_view text);
  // Set of a string when the buffer has no room for key and value.
  void SetGrowing(std::string_view key, std::string_view value);
  // Makes room for n more bytes (compacting or growing the buffer); false
  // past 4 GiB, counted dropped.
  bool MakeRoom(std::size_t n);
  // Whether text points into this list's bytes (read from it), which a
  // growing buffer would move from under it.
  bool Aliases(std::string_view text) const {
    const char* p = text.data();
    return !bytes_.empty() && std::less_equal<>()(bytes_.data(), p) && std::less<>()(p, bytes_.data() + bytes_.size());
  }
  // Rewrites the byte buffer without the bytes overwritten values left.
  void Compact();

  std::string_view KeyOf(const Entry& e) const { return {bytes_.data() + e.key_offset, e.key_size}; }
  static std::uint32_t TextSize(const Entry& e) { return static_cast<std::uint32_t>(e.value >> 32); }
  std::string_view TextOf(const Entry& e) const {
    return {bytes_.data() + static_cast<std::uint32_t>(e.value), TextSize(e)};
  }
  AttributeView ViewOf(const Entry& e) const {
    // Inline: an encoder reads every attribute of every span through it, and
    // the compiler can then merge this switch with the encoder's own.
    AttributeView view{KeyOf(e), false};
    switch (e.type) {
      case Type::kBool: view.value.emplace<0>(e.value != 0); break;
      case Type::kInt: view.value.emplace<1>(static_cast<std::int64_t>(e.value)); break;
      case Type::kDouble: view.value.emplace<2>(std::bit_cast<double>(e.value)); break;
      case Type::kString: view.value.emplace<3>(TextOf(e)); break;
      case Type::kArray: view.value.emplace<4>(&arrays_[e.value]); break;
    }
    return view;
  }

  // entries_[0, size_) are live; the rest are kept from an earlier use.
  std::vector<Entry> entries_;
  // Keys and string values; bytes_[0, used_) are live or garbage (garbage_
  // of them: values since overwritten), the rest kept from an earlier use.
  std::vector<char> bytes_;
  std::vector<AttributeValue> arrays_;
  // Arrays in arrays_ no live entry holds (replaced by another value).
  std::size_t dead_arrays_ = 0;
  std::size_t size_ = 0;
  std::uint32_t used_ = 0;
  std::uint32_t garbage_ = 0;
  // used_ when the list was last cleared: what a refill will read again.
  std::uint32_t kept_used_ = 0;
  // Bit (length % 64) set for the length of every live key (see LiveEntry);
  // a bit set for no live key only costs a look at the live keys.
  std::uint64_t key_lengths_ = 0;
  std::uint32_t dropped_ = 0;
  std::size_t count_limit_ = 128;
  std::size_t value_length_limit_ = kUnlimited;
};

class AttributeList::Iterator {
 public:
  using iterator_category = std::forward_iterator_tag;
  using value_type = AttributeView;
  using difference_type = std::ptrdiff_t;
  using pointer = void;
  using reference = AttributeView;

  Iterator() = default;
  AttributeView operator*() const { return list_->ViewOf(*entry_); }
  Iterator& operator++() {
    ++entry_;
    return *this;
  }
  Iterator operator++(int) {
    Iterator before = *this;
    ++entry_;
    return before;
  }
  friend bool operator==(const Iterator&, const Iterator&) = default;

 private:
  friend class AttributeList;
  Iterator(const AttributeList* list, const Entry* entry) : list_(list), entry_(entry) {}
  const AttributeList* list_ = nullptr;
  const Entry* entry_ = nullptr;
};

inline AttributeList::Iterator AttributeList::begin() const { return Iterator(this, entries_.data()); }
inline AttributeList::Iterator AttributeList::end() const { return Iterator(this, entries_.data() + size_); }

}  // namespace qtrace
