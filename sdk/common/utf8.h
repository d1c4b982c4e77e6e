// UTF-8: validation and repair, one rule for every part of the repository
// (the OTLP and JSON encoders, the JSON writer, the service's JSON parser).
//
// Well-formed means Unicode's definition (section 3.9, table 3-7): no
// overlong forms, no surrogates, nothing past U+10FFFF. A repaired string has
// each maximal ill-formed subpart replaced by one U+FFFD, as Unicode
// recommends and as protobuf and JSON readers expect of a string field.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace qtrace {

// The length of the well-formed UTF-8 sequence at s[0] (1 to 4), or 0 when it
// is ill-formed; then *bad is the length of its maximal subpart (at least 1),
// the bytes one U+FFFD replaces. REQUIRES: n >= 1.
std::size_t Utf8SequenceLength(const unsigned char* s, std::size_t n, std::size_t* bad);

// Whether every byte is ASCII: a few unconditional loads and one test, fast
// for the short strings spans are made of (keys, routes, methods). Inline:
// the encoders ask it of every string they write.
inline bool IsAscii(std::string_view text) {
  const char* p = text.data();
  const std::size_t n = text.size();
  auto load8 = [](const char* at) {
    std::uint64_t word;
    std::memcpy(&word, at, 8);
    return word;
  };
  auto load4 = [](const char* at) {
    std::uint32_t word;
    std::memcpy(&word, at, 4);
    return std::uint64_t{word};
  };
  std::uint64_t bits = 0;
  if (n >= 8) {
    for (std::size_t i = 0; i + 8 <= n; i += 8) bits |= load8(p + i);
    bits |= load8(p + n - 8);  // the tail, overlapping
  } else if (n >= 4) {
    bits = load4(p) | load4(p + n - 4);
  } else if (n > 0) {
    bits = static_cast<unsigned char>(p[0]) | static_cast<unsigned char>(p[n / 2]) |
           static_cast<unsigned char>(p[n - 1]);
  }
  return (bits & 0x8080808080808080ULL) == 0;
}

// Text with bytes of 0x80 and up: whether they form valid UTF-8.
bool IsValidNonAsciiUtf8(std::string_view text);

inline bool IsValidUtf8(std::string_view text) { return IsAscii(text) || IsValidNonAsciiUtf8(text); }

// text with every ill-formed sequence replaced by U+FFFD, written to scratch
// (cleared first); returns a view of scratch.
std::string_view SanitizeUtf8(std::string_view text, std::string& scratch);

// text itself when it is valid UTF-8 (no copy), else its repaired copy in
// scratch.
inline std::string_view ValidUtf8(std::string_view text, std::string& scratch) {
  if (IsValidUtf8(text)) [[likely]]
    return text;
  return SanitizeUtf8(text, scratch);
}

}  // namespace qtrace
