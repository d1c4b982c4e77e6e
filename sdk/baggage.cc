#include "qtrace/sdk/baggage.h"

namespace qtrace {

std::optional<std::string_view> Baggage::Get(std::string_view key) const {
  for (const Entry& entry : entries_) {
    if (entry.key == key) return std::string_view(entry.value);
  }
  return std::nullopt;
}

Baggage Baggage::With(std::string_view key, std::string_view value, std::string_view metadata) const {
  Baggage result = *this;
  for (Entry& entry : result.entries_) {
    if (entry.key == key) {
      // Replace in place so that the order of the other entries, and hence of
      // the injected header, does not depend on which ones were updated.
      entry.value = std::string(value);
      entry.metadata = std::string(metadata);
      return result;
    }
  }
  result.entries_.push_back(Entry{std::string(key), std::string(value), std::string(metadata)});
  return result;
}

}  // namespace qtrace
