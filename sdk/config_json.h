// The SDK's configuration as JSON members, for writers that add members of
// their own to the same object (the exporter's --print-config adds
// "exporter"). Inside the build, not installed: JsonWriter is not public.
#pragma once

#include <cstdint>

#include "absl/time/time.h"
#include "qtrace/sdk/common/json_writer.h"
#include "qtrace/sdk/config.h"

namespace qtrace {

// A duration as the variables spell it: milliseconds, 0 for no limit.
inline std::int64_t JsonMillis(absl::Duration d) {
  return d == absl::InfiniteDuration() ? 0 : absl::ToInt64Milliseconds(d);
}

// Every member of ConfigToJson's object, into an object the caller opened.
void WriteConfigMembers(JsonWriter& w, const Config& config);

}  // namespace qtrace
