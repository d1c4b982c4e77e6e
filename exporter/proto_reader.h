// ProtoReader: the protobuf wire format, read field by field from one
// message's bytes, without generated classes.
//
// The exporter reads only small answers this way: an OTLP export response's
// partial success, a gRPC status's RetryInfo, a Jaeger sampling strategy. It
// knows wire types, not schemas: the caller matches field numbers and wire
// types and descends into a nested message by reading its bytes with a new
// ProtoReader. Malformed input (a truncated varint or length, an unknown wire
// type) stops the reader; failed() then tells it apart from the end.
//
// Not thread-safe; the bytes must outlive the reader and the fields it returns.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace qtrace {

class ProtoReader {
 public:
  enum WireType : std::uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };
  static constexpr std::uint64_t kMaxFieldNumber = (std::uint64_t{1} << 29) - 1;

  // One field as read. Only the member of its wire type is set.
  struct Field {
    std::uint32_t number = 0;
    std::uint32_t wire_type = 0;
    std::uint64_t varint = 0;   // kVarint
    std::uint64_t fixed = 0;    // kFixed64 and kFixed32 (little-endian decoded)
    std::string_view bytes;     // kLengthDelimited: a string, bytes or a nested message

    bool Is(std::uint32_t n, WireType type) const { return number == n && wire_type == type; }
    // A double field's value (kFixed64).
    double AsDouble() const { return std::bit_cast<double>(fixed); }
  };

  explicit ProtoReader(std::string_view bytes) : data_(bytes) {}

  // Reads the next field into out. false at the end or on malformed input.
  bool Next(Field& out) {
    if (pos_ >= data_.size() || failed_) return false;
    const std::uint64_t tag = Varint();
    // Field numbers run from 1 to 2^29 - 1; anything else is malformed (and
    // would otherwise alias a small number once cut to 32 bits).
    if (failed_ || (tag >> 3) == 0 || (tag >> 3) > kMaxFieldNumber) {
      failed_ = true;
      return false;
    }
    out = Field{};
    out.number = static_cast<std::uint32_t>(tag >> 3);
    out.wire_type = static_cast<std::uint32_t>(tag & 7);
    switch (out.wire_type) {
      case kVarint: out.varint = Varint(); break;
      case kFixed64: out.fixed = LittleEndian(8); break;
      case kFixed32: out.fixed = LittleEndian(4); break;
      case kLengthDelimited: {
        const std::uint64_t length = Varint();
        if (failed_ || length > data_.size() - pos_) {
          failed_ = true;
          return false;
        }
        out.bytes = data_.substr(pos_, static_cast<std::size_t>(length));
        pos_ += static_cast<std::size_t>(length);
        break;
      }
      default: failed_ = true; return false;
    }
    return !failed_;
  }

  // True when reading stopped at malformed input rather than at the end.
  bool failed() const { return failed_; }

 private:
  std::uint64_t Varint() {
    std::uint64_t value = 0;
    for (int shift = 0; shift < 64 && pos_ < data_.size(); shift += 7) {
      const auto byte = static_cast<std::uint8_t>(data_[pos_++]);
      value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
      if ((byte & 0x80) == 0) return value;
    }
    failed_ = true;
    return 0;
  }

  std::uint64_t LittleEndian(std::size_t n) {
    if (n > data_.size() - pos_) {
      failed_ = true;
      return 0;
    }
    std::uint64_t value = 0;
    for (std::size_t i = 0; i < n; ++i) value |= static_cast<std::uint64_t>(static_cast<std::uint8_t>(data_[pos_ + i])) << (8 * i);
    pos_ += n;
    return value;
  }

  std::string_view data_;
  std::size_t pos_ = 0;
  bool failed_ = false;
};

}  // namespace qtrace
