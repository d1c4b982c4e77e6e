#include "qtrace/sdk/resource.h"

#include "qtrace/sdk/common/percent_encoding.h"
#include "qtrace/sdk/common/strings.h"

namespace qtrace {

std::string_view Resource::GetString(std::string_view key) const { return attributes_.GetString(key); }

std::vector<Attribute> ParseResourceAttributes(std::string_view text,
                                               std::vector<std::string>* warnings) {
  std::vector<Attribute> out;
  for (std::string_view entry : Split(text, ',')) {
    if (Trim(entry).empty()) continue;
    const std::size_t eq = entry.find('=');
    const std::string_view key = Trim(entry.substr(0, eq));
    if (eq == std::string_view::npos || key.empty()) {
      warnings->push_back(StrCat("OTEL_RESOURCE_ATTRIBUTES: skipping entry '", entry,
                                       "': expected key=value"));
      continue;
    }
    std::optional<std::string> value =
        PercentDecode(Trim(entry.substr(eq + 1)));
    if (!value) {
      warnings->push_back(StrCat("OTEL_RESOURCE_ATTRIBUTES: skipping entry '", entry,
                                       "': bad percent-encoding"));
      continue;
    }
    out.push_back(Attribute{std::string(key), std::move(*value)});
  }
  return out;
}

}  // namespace qtrace
