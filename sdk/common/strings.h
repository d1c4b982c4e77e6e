// Small string helpers on std::string_view.
//
// Why not absl/strings: Debian 12's Abseil is built with its own
// absl::string_view (not an alias of std::string_view), so its string
// functions do not take the std::string_view our code uses everywhere. Only
// absl::Status, Mutex and Time are used from Abseil.
#pragma once

#include <charconv>
#include <concepts>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"

namespace qtrace {

// Spaces, tabs, CR and LF removed from both ends.
std::string_view Trim(std::string_view s);

// Optional white space (spaces and tabs, as HTTP header grammars define it)
// removed from both ends; CR and LF stay, so a header parser still sees them.
std::string_view TrimOws(std::string_view s);

// Every piece between separators, empty ones included ("a,,b" gives 3).
std::vector<std::string_view> Split(std::string_view s, char separator);

std::string ToLower(std::string_view s);

bool StartsWith(std::string_view s, std::string_view prefix);
bool EndsWith(std::string_view s, std::string_view suffix);

// RFC 9110 token characters (tchar): letters, digits and !#$%&'*+-.^_`|~,
// what header names, methods and baggage keys are made of.
constexpr bool IsTokenChar(char c) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos;
}
// A non-empty run of token characters.
constexpr bool IsToken(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsTokenChar(c)) return false;
  }
  return true;
}

// The value of a hexadecimal digit of either case, or -1.
constexpr int HexDigitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}
// The value of a lower-case hexadecimal digit, or -1 for anything else (W3C
// trace context ids and tracestate's "ot" member allow only lower case).
constexpr int LowerHexDigitValue(char c) { return (c >= 'A' && c <= 'F') ? -1 : HexDigitValue(c); }

// The whole text must be the number (no spaces, no trailing junk).
bool ParseInt64(std::string_view text, std::int64_t* out);
bool ParseDouble(std::string_view text, double* out);

// a == b, inline, for the short keys, names and values a span compares on the
// request path: lengths first, then 8-byte words (the last one overlapping),
// or two overlapping 4-byte words for 4-7 bytes. The library's memcmp is a
// call through the PLT, which cost more than the compare for these sizes.
inline bool SameBytes(std::string_view a, std::string_view b) noexcept {
  const std::size_t n = a.size();
  if (n != b.size()) return false;
  const char* p = a.data();
  const char* q = b.data();
  const auto word = [](const char* at, auto width) {
    decltype(width) w;
    std::memcpy(&w, at, sizeof w);
    return w;
  };
  if (n >= 8) {
    std::size_t i = 0;
    for (; i + 8 <= n; i += 8) {
      if (word(p + i, std::uint64_t{}) != word(q + i, std::uint64_t{})) return false;
    }
    return i == n || word(p + n - 8, std::uint64_t{}) == word(q + n - 8, std::uint64_t{});
  }
  if (n >= 4) {
    return word(p, std::uint32_t{}) == word(q, std::uint32_t{}) &&
           word(p + n - 4, std::uint32_t{}) == word(q + n - 4, std::uint32_t{});
  }
  for (std::size_t i = 0; i < n; ++i) {
    if (p[i] != q[i]) return false;
  }
  return true;
}

// The first max_chars characters of UTF-8 text, as a prefix that never ends
// inside a multi-byte character (a character counts as one whatever its
// byte length, as the specification's length limits count). Bytes that are
// not valid UTF-8 count one each.
inline std::string_view Utf8Prefix(std::string_view s, std::size_t max_chars) {
  if (s.size() <= max_chars) return s;  // never more characters than bytes
  std::size_t chars = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    // A byte 10xxxxxx continues the character before it.
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80 && chars++ == max_chars) return s.substr(0, i);
  }
  return s;
}

// A URL query ("a=1&b=2", without the '?') with the value of every pair whose
// key redact(key) accepts replaced by REDACTED; pairs without '=' and other
// pairs unchanged. The one redaction rule of outgoing URLs (url.full),
// incoming queries (url.query) and the database URL shown in logs.
template <class Predicate>
std::string RedactQueryValues(std::string_view query, Predicate redact) {
  std::string out;
  out.reserve(query.size());
  bool first = true;
  for (std::string_view pair : Split(query, '&')) {
    if (!first) out.push_back('&');
    first = false;
    const std::size_t eq = pair.find('=');
    if (eq != std::string_view::npos && redact(pair.substr(0, eq))) {
      out.append(pair.substr(0, eq + 1)).append("REDACTED");
    } else {
      out.append(pair);
    }
  }
  return out;
}

// A status's message as std::string_view.
inline std::string_view MessageOf(const absl::Status& status) {
  return {status.message().data(), status.message().size()};
}

namespace strings_internal {
inline void AppendPiece(std::string& out, std::string_view piece) { out.append(piece); }
inline void AppendPiece(std::string& out, const char* piece) { out.append(piece); }
inline void AppendPiece(std::string& out, const std::string& piece) { out.append(piece); }
inline void AppendPiece(std::string& out, char c) { out.push_back(c); }
template <std::integral T>
void AppendPiece(std::string& out, T value) {
  out.append(std::to_string(value));
}
void AppendPiece(std::string& out, double value);
}  // namespace strings_internal

// Concatenates strings, characters and numbers.
template <class... Parts>
std::string StrCat(const Parts&... parts) {
  std::string out;
  (strings_internal::AppendPiece(out, parts), ...);
  return out;
}

}  // namespace qtrace
