// ProtoWriter: the protobuf wire format, written straight into a std::string.
//
// The OTLP encoder (exporter/otlp_encoder.h) uses it on the exporter thread to
// turn span records into an ExportTraceServiceRequest without building
// generated message objects first. It knows wire types, not schemas: which
// fields to write, and whether a zero value is omitted (proto3), is the
// caller's decision.
//
// Output buffer. Writes go through a raw pointer into the string's own storage:
// the string's size is kept ahead of the written bytes (see Grow) and
// trimmed to the written size by Finish(). A field write checks the room once
// (Ensure) and then stores bytes without further checks, which is what makes a
// field a handful of instructions instead of one std::string::append per
// piece. Growing costs a zero-fill (std::string::resize; C++20 has no
// resize_and_overwrite), so a writer that replaces the string's content
// (kOverwrite) first reuses the bytes already there as room: an encoder that
// reuses its output string neither allocates nor zero-fills once it has grown
// to the batch size.
//
// Nested messages (length-delimited, length first) are written in place:
// BeginMessage() writes the tag and reserves a guess of the length's varint
// size, the caller writes the content, EndMessage() writes the minimal varint
// length into the reservation and, only when the guess was wrong, moves the
// content by the difference (1 to 4 bytes). Why not compute sizes first (what
// libprotobuf's ByteSizeLong + cached sizes do)? That walks every nested
// message twice and needs somewhere to keep the sizes; here each byte is
// produced once, and a right guess (an array attribute under 128 bytes, a
// span of 128 bytes to 16 KiB, a batch of 16 KiB to 2 MiB) costs nothing. A
// wrong guess costs one memmove of that message, far cheaper than encoding
// it. Where a length is known before the content is written (a scalar
// KeyValue, a string), the caller writes it directly with LengthDelimited()
// and nothing moves.
//
// Not thread-safe; one writer per output string at a time.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace qtrace {

// A growable window over the tail of a std::string. Shared by ProtoWriter and
// the OTLP/JSON writer.
class OutputBuffer {
 public:
  struct OverwriteTag {};
  static constexpr OverwriteTag kOverwrite{};

  // Appends after out's current content.
  explicit OutputBuffer(std::string& out);
  // Replaces out's content: writes from its start, over the bytes already
  // there; Finish() trims out to what was written.
  OutputBuffer(std::string& out, OverwriteTag);
  ~OutputBuffer() { Finish(); }
  OutputBuffer(const OutputBuffer&) = delete;
  OutputBuffer& operator=(const OutputBuffer&) = delete;

  // Trims the string to what was written. Idempotent; writing after Finish()
  // is allowed (the next write grows the string again).
  void Finish() {
    if (out_.size() != size()) out_.resize(size());
  }

  // Bytes in the string so far, counting its content before this writer.
  std::size_t size() const { return static_cast<std::size_t>(cur_ - base_); }

  // Makes room for n more bytes; the Unchecked writes below may then store up
  // to n bytes.
  void Ensure(std::size_t n) {
    if (static_cast<std::size_t>(end_ - cur_) < n) Grow(n);
  }

  void Append(const void* data, std::size_t n) {
    Ensure(n);
    AppendUnchecked(data, n);
  }
  void Append(std::string_view s) { Append(s.data(), s.size()); }
  void AppendByte(char c) {
    Ensure(1);
    *cur_++ = c;
  }

  void AppendUnchecked(const void* data, std::size_t n) {
    if (n != 0) std::memcpy(cur_, data, n);  // data may be null when n == 0
    cur_ += n;
  }
  void AppendByteUnchecked(char c) { *cur_++ = c; }

  // The write position, for writers that format in place (at most the number
  // of bytes last Ensure()d), and its advance.
  char* cursor() { return cur_; }
  void Advance(std::size_t n) { cur_ += n; }
  char* data_at(std::size_t offset) { return base_ + offset; }
  // Moves the write position to offset: back, or forward within what was last
  // Ensure()d.
  void SetSize(std::size_t offset) { cur_ = base_ + offset; }

 private:
  void Grow(std::size_t n);

  std::string& out_;
  char* base_ = nullptr;
  char* cur_ = nullptr;
  char* end_ = nullptr;
};

class ProtoWriter : public OutputBuffer {
 public:
  enum WireType : std::uint32_t { kVarint = 0, kFixed64 = 1, kLengthDelimited = 2, kFixed32 = 5 };

  // Where a nested message's length goes.
  struct Mark {
    std::size_t length_offset;
    std::uint32_t reserved;
  };

  using OutputBuffer::OutputBuffer;

  static constexpr std::size_t VarintSize(std::uint64_t v) {
    return static_cast<std::size_t>(std::bit_width(v | 1) + 6) / 7;
  }
  static constexpr std::uint32_t MakeTag(std::uint32_t field, WireType type) { return (field << 3) | type; }
  static constexpr std::size_t TagSize(std::uint32_t field) { return VarintSize(MakeTag(field, kVarint)); }
  // Bytes of a length-delimited field whose content is length bytes.
  static constexpr std::size_t LengthDelimitedSize(std::uint32_t field, std::size_t length) {
    return TagSize(field) + VarintSize(length) + length;
  }

  // Stores v at p, returns the end. p must have room for VarintSize(v) bytes.
  static char* PutVarint(char* p, std::uint64_t v) {
    while (v >= 0x80) {
      *p++ = static_cast<char>(v | 0x80);
      v >>= 7;
    }
    *p++ = static_cast<char>(v);
    return p;
  }

  void VarintUnchecked(std::uint64_t v) { Advance(static_cast<std::size_t>(PutVarint(cursor(), v) - cursor())); }
  void Varint(std::uint64_t v) {
    Ensure(10);
    VarintUnchecked(v);
  }
  void Tag(std::uint32_t field, WireType type) { Varint(MakeTag(field, type)); }

  // Scalar fields, always written (omitting a proto3 default is the caller's
  // choice: a oneof member, for one, must be written even when zero).
  void VarintField(std::uint32_t field, std::uint64_t v) {
    Ensure(15);
    VarintUnchecked(MakeTag(field, kVarint));
    VarintUnchecked(v);
  }
  void Int64Field(std::uint32_t field, std::int64_t v) { VarintField(field, static_cast<std::uint64_t>(v)); }
  void BoolField(std::uint32_t field, bool v) { VarintField(field, v ? 1 : 0); }
  void Fixed32Field(std::uint32_t field, std::uint32_t v) {
    Ensure(9);
    VarintUnchecked(MakeTag(field, kFixed32));
    PutLittleEndian(v);
  }
  void Fixed64Field(std::uint32_t field, std::uint64_t v) {
    Ensure(13);
    VarintUnchecked(MakeTag(field, kFixed64));
    PutLittleEndian(v);
  }
  void DoubleField(std::uint32_t field, double v) { Fixed64Field(field, std::bit_cast<std::uint64_t>(v)); }

  // bytes and string fields (a string's bytes must be UTF-8; not checked here).
  void BytesField(std::uint32_t field, const void* data, std::size_t n) {
    Ensure(15 + n);
    VarintUnchecked(MakeTag(field, kLengthDelimited));
    VarintUnchecked(n);
    AppendUnchecked(data, n);
  }
  void StringField(std::uint32_t field, std::string_view s) { BytesField(field, s.data(), s.size()); }

  // The tag and length of a length-delimited field whose content the caller
  // then writes: exactly length bytes.
  void LengthDelimited(std::uint32_t field, std::size_t length) {
    Ensure(15);
    VarintUnchecked(MakeTag(field, kLengthDelimited));
    VarintUnchecked(length);
  }

  // A nested message of unknown length: the tag, then `reserved` bytes (1 to
  // 5) kept for the length. Close it with EndMessage(); nested messages close
  // innermost first.
  Mark BeginMessage(std::uint32_t field, std::uint32_t reserved) {
    Ensure(10);
    VarintUnchecked(MakeTag(field, kLengthDelimited));
    const Mark mark{size(), reserved};
    Advance(reserved);
    return mark;
  }
  void EndMessage(Mark mark) {
    const std::size_t length = size() - mark.length_offset - mark.reserved;
    if (VarintSize(length) != mark.reserved) Resize(mark, length);
    PutVarint(data_at(mark.length_offset), length);
  }

 private:
  template <class T>
  void PutLittleEndian(T v) {
    if constexpr (std::endian::native == std::endian::big) {
      for (std::size_t i = 0; i < sizeof v; ++i) AppendByteUnchecked(static_cast<char>(v >> (8 * i)));
    } else {
      AppendUnchecked(&v, sizeof v);
    }
  }

  // Moves the content of a message whose length does not fit its reservation.
  void Resize(Mark mark, std::size_t length);
};

}  // namespace qtrace
