// Whole files read into memory: certificates, keys, fixtures. Not for the
// request path.
#pragma once

#include <string>

#include "absl/status/statusor.h"

namespace qtrace {

// path's bytes, or InvalidArgument naming the path when it cannot be opened
// or read to the end.
absl::StatusOr<std::string> ReadFile(const std::string& path);

}  // namespace qtrace
