#include "qtrace/sdk/common/percent_encoding.h"

#include <cstdint>

#include "qtrace/sdk/common/strings.h"

namespace qtrace {
namespace {

// W3C Baggage: baggage-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E,
// i.e. printable ASCII except space, '"', ',', ';' and '\'. '%' is a
// baggage-octet but is encoded too, or decoding would misread it.
bool IsBaggageOctetKeptAsIs(std::uint8_t c) {
  if (c < 0x21 || c > 0x7E) return false;
  return c != '"' && c != ',' && c != ';' && c != '\\' && c != '%';
}

}  // namespace

std::optional<std::string> PercentDecode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out += in[i];
      continue;
    }
    if (in.size() - i < 3) return std::nullopt;  // '%' needs two digits after it
    const int hi = HexDigitValue(in[i + 1]);
    const int lo = HexDigitValue(in[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out += static_cast<char>(hi << 4 | lo);
    i += 2;
  }
  return out;
}

std::string PercentEncodeBaggageValue(std::string_view in) {
  // Upper-case hex: RFC 3986 section 2.1 says producers should use it.
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(in.size());
  for (char c : in) {
    const auto byte = static_cast<std::uint8_t>(c);
    if (IsBaggageOctetKeptAsIs(byte)) {
      out += c;
    } else {
      out += '%';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xF];
    }
  }
  return out;
}

}  // namespace qtrace
