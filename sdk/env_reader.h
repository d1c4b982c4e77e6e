// EnvReader: reads configuration variables and collects warnings, with the
// specification's rules for empty values, booleans and integers. One instance
// per resolution; shared by the SDK's configuration (sdk/config.cc) and the
// exporter's (exporter/otlp_config.cc). Inside the build, not installed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/time/time.h"
#include "qtrace/sdk/common/strings.h"
#include "qtrace/sdk/config.h"

namespace qtrace {

class EnvReader {
 public:
  EnvReader(const EnvLookup& env, std::vector<std::string>& warnings) : env_(env), warnings_(warnings) {}

  // The value, trimmed; nullopt when unset or empty (the specification treats
  // an empty value as unset).
  std::optional<std::string> Get(std::string_view name) const {
    std::optional<std::string> value = env_(name);
    if (!value) return std::nullopt;
    std::string trimmed(Trim(*value));
    if (trimmed.empty()) return std::nullopt;
    return trimmed;
  }

  // The first of names that is set (the _TRACES_ form first).
  std::optional<std::pair<std::string_view, std::string>> First(
      std::initializer_list<std::string_view> names) const {
    for (std::string_view name : names) {
      if (auto value = Get(name)) return std::make_pair(name, *value);
    }
    return std::nullopt;
  }

  void Warn(std::string_view name, std::string_view value, std::string_view why) {
    warnings_.push_back(StrCat("invalid ", name, "='", value, "': ", why));
  }

  // "true"/"false" in any case; anything else warns and gives fallback.
  bool Bool(std::string_view name, bool fallback) {
    auto value = Get(name);
    if (!value) return fallback;
    const std::string lower = ToLower(*value);
    if (lower == "true") return true;
    if (lower == "false") return false;
    Warn(name, *value, StrCat("expected true or false; using ", fallback ? "true" : "false"));
    return fallback;
  }

  // A non-negative integer no larger than max; otherwise warns and gives fallback.
  std::int64_t Integer(std::string_view name, std::int64_t fallback, std::int64_t min = 0,
                       std::int64_t max = INT64_MAX) {
    auto value = Get(name);
    if (!value) return fallback;
    std::int64_t parsed = 0;
    if (!ParseInt64(*value, &parsed) || parsed < min || parsed > max) {
      Warn(name, *value, StrCat("expected an integer from ", min, " to ", max, "; using ", fallback));
      return fallback;
    }
    return parsed;
  }

  std::size_t Limit(std::initializer_list<std::string_view> names, std::size_t fallback) {
    for (std::string_view name : names) {
      if (Get(name)) return static_cast<std::size_t>(Integer(name, static_cast<std::int64_t>(fallback)));
    }
    return fallback;
  }

 private:
  const EnvLookup& env_;
  std::vector<std::string>& warnings_;
};

// The specification (configuration/common.md): a timeout of 0 means no limit.
inline absl::Duration TimeoutOrUnlimited(std::int64_t ms) {
  return ms == 0 ? absl::InfiniteDuration() : absl::Milliseconds(ms);
}

}  // namespace qtrace
