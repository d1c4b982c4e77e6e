#include "qtrace/sdk/propagation/padded_ids.h"

#include <algorithm>
#include <array>

#include "qtrace/sdk/common/strings.h"

namespace qtrace {
namespace {

char LowerHex(char c) { return (c >= 'A' && c <= 'F') ? static_cast<char>(c - 'A' + 'a') : c; }

template <class IdType>
std::optional<IdType> FromPaddedHex(std::string_view hex) {
  if (hex.empty() || hex.size() > IdType::kHexSize || !IsHexText(hex)) return std::nullopt;
  std::array<char, IdType::kHexSize> padded;
  padded.fill('0');
  std::transform(hex.begin(), hex.end(), padded.end() - static_cast<std::ptrdiff_t>(hex.size()), LowerHex);
  std::optional<IdType> id = IdType::FromHex(std::string_view(padded.data(), padded.size()));
  if (!id || !id->IsValid()) return std::nullopt;
  return id;
}

}  // namespace

bool IsHexText(std::string_view text) { return std::all_of(text.begin(), text.end(), [](char c) { return HexDigitValue(c) >= 0; }); }

std::string CompactTraceIdHex(const TraceId& trace_id) {
  std::string hex = trace_id.ToHex();
  if (hex.compare(0, 16, "0000000000000000") == 0) hex.erase(0, 16);
  return hex;
}

std::optional<TraceId> TraceIdFromPaddedHex(std::string_view hex) { return FromPaddedHex<TraceId>(hex); }
std::optional<SpanId> SpanIdFromPaddedHex(std::string_view hex) { return FromPaddedHex<SpanId>(hex); }

}  // namespace qtrace
