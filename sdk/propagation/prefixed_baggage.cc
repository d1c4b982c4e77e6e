#include "qtrace/sdk/propagation/prefixed_baggage.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>

#include "qtrace/sdk/common/percent_encoding.h"
#include "qtrace/sdk/common/strings.h"

namespace qtrace {
namespace {

// Printable ASCII and tab: a header value that needs no encoding.
bool IsPlainHeaderValue(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == '\t' || (c >= 0x20 && c <= 0x7e); });
}

}  // namespace

Context ExtractPrefixedBaggage(const TextMapCarrier& carrier, std::string_view prefix,
                               BaggageValueEncoding encoding, const Context& base) {
  std::optional<Baggage> merged;
  std::size_t read = 0;
  for (std::string_view key : carrier.Keys()) {
    if (key.size() <= prefix.size() || key.substr(0, prefix.size()) != prefix) continue;
    if (read == Baggage::kMaxMembers) break;
    const std::optional<std::string_view> value = carrier.Get(key);
    if (!value) continue;
    std::optional<std::string> decoded =
        encoding == BaggageValueEncoding::kPercent ? PercentDecode(*value) : std::optional<std::string>(*value);
    if (!decoded) continue;
    if (!merged) merged = base.baggage();
    merged = merged->With(key.substr(prefix.size()), *decoded);
    ++read;
  }
  if (!merged) return base;
  return base.WithBaggage(std::make_shared<const Baggage>(std::move(*merged)));
}

void InjectPrefixedBaggage(const Baggage& baggage, std::string_view prefix, BaggageValueEncoding encoding,
                           TextMapCarrier& carrier) {
  std::string name;
  for (const Baggage::Entry& entry : baggage.entries()) {
    if (!IsToken(entry.key)) continue;
    name.assign(prefix).append(entry.key);
    if (encoding == BaggageValueEncoding::kPercent) {
      carrier.Set(name, PercentEncodeBaggageValue(entry.value));
    } else if (IsPlainHeaderValue(entry.value)) {
      carrier.Set(name, entry.value);
    }
  }
}

}  // namespace qtrace
