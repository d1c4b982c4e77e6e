// W3C Baggage: user-defined key/value pairs that travel with the context
// (header "baggage"). Values are stored decoded; the propagator encodes them.
// Immutable once built; shared through std::shared_ptr<const Baggage>.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace qtrace {

class Baggage {
 public:
  // W3C Baggage limits: what a propagator writes or accepts.
  static constexpr std::size_t kMaxMembers = 64;
  static constexpr std::size_t kMaxBytes = 8192;

  struct Entry {
    std::string key;
    std::string value;     // decoded
    std::string metadata;  // the ";property..." part as received, without the leading ';'
    friend bool operator==(const Entry&, const Entry&) = default;
  };

  Baggage() = default;

  std::optional<std::string_view> Get(std::string_view key) const;
  // A copy with key set to value (replacing an existing entry of that key).
  Baggage With(std::string_view key, std::string_view value, std::string_view metadata = {}) const;

  const std::vector<Entry>& entries() const { return entries_; }
  bool empty() const { return entries_.empty(); }

  friend bool operator==(const Baggage&, const Baggage&) = default;

 private:
  std::vector<Entry> entries_;
};

using BaggagePtr = std::shared_ptr<const Baggage>;

}  // namespace qtrace
