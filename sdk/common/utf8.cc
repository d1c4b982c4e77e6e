#include "qtrace/sdk/common/utf8.h"

#include <cstdint>
#include <cstring>

namespace qtrace {

std::size_t Utf8SequenceLength(const unsigned char* s, std::size_t n, std::size_t* bad) {
  const unsigned c = s[0];
  if (c < 0x80) return 1;
  std::size_t length;
  unsigned lo = 0x80, hi = 0xBF;  // the range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    length = 2;
  } else if (c == 0xE0) {
    length = 3, lo = 0xA0;  // no overlong forms
  } else if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) {
    length = 3;
  } else if (c == 0xED) {
    length = 3, hi = 0x9F;  // no surrogates
  } else if (c == 0xF0) {
    length = 4, lo = 0x90;  // no overlong forms
  } else if (c >= 0xF1 && c <= 0xF3) {
    length = 4;
  } else if (c == 0xF4) {
    length = 4, hi = 0x8F;  // nothing past U+10FFFF
  } else {
    *bad = 1;
    return 0;
  }
  for (std::size_t i = 1; i < length; ++i) {
    if (i >= n || s[i] < lo || s[i] > hi) {
      *bad = i;
      return 0;
    }
    lo = 0x80, hi = 0xBF;
  }
  return length;
}

bool IsValidNonAsciiUtf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    if (s[i] < 0x80) {
      ++i;
      continue;
    }
    std::size_t bad;
    const std::size_t length = Utf8SequenceLength(s + i, n - i, &bad);
    if (length == 0) return false;
    i += length;
  }
  return true;
}

std::string_view SanitizeUtf8(std::string_view text, std::string& scratch) {
  scratch.clear();
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t bad = 0;
    const std::size_t length = Utf8SequenceLength(s + i, text.size() - i, &bad);
    if (length != 0) {
      scratch.append(text.data() + i, length);
      i += length;
    } else {
      scratch.append("\xEF\xBF\xBD");
      i += bad;
    }
  }
  return scratch;
}

}  // namespace qtrace
