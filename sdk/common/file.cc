#include "qtrace/sdk/common/file.h"

#include <fstream>
#include <sstream>

#include "qtrace/sdk/common/strings.h"

namespace qtrace {

absl::StatusOr<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(StrCat("cannot open '", path, "'"));
  std::ostringstream bytes;
  bytes << in.rdbuf();
  // rdbuf() stops quietly on a read error: check the stream afterwards.
  if (in.bad() || !bytes) return absl::InvalidArgumentError(StrCat("cannot read '", path, "'"));
  return std::move(bytes).str();
}

}  // namespace qtrace
