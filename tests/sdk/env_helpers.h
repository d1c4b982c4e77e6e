// What the configuration tests share: an environment from a map, and a look
// for a warning about one variable.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "qtrace/sdk/config.h"

namespace qtrace::testutil {

inline EnvLookup MapEnv(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](std::string_view name) -> std::optional<std::string> {
    auto it = vars.find(std::string(name));
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

// Whether a resolution (anything with a `warnings` list of lines) warned
// about text, a variable's name or its name and value.
template <class Resolved>
bool HasWarningAbout(const Resolved& resolved, std::string_view text) {
  for (const std::string& w : resolved.warnings) {
    if (w.find(text) != std::string::npos) return true;
  }
  return false;
}

}  // namespace qtrace::testutil
