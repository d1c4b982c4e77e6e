#include "api_server/db/database.h"

#include "absl/strings/cord.h"

namespace qtrace::db {
namespace {

constexpr char kResponseCodeUrl[] = "type.qtrace.dev/db.response.status_code";

}  // namespace

absl::Status WithResponseCode(absl::Status status, std::string_view code) {
  if (!status.ok() && !code.empty()) status.SetPayload(kResponseCodeUrl, absl::Cord(std::string(code)));
  return status;
}

std::optional<std::string> ResponseCodeOf(const absl::Status& status) {
  const auto payload = status.GetPayload(kResponseCodeUrl);  // absl::optional in Debian 12
  if (!payload) return std::nullopt;
  return std::string(*payload);
}

}  // namespace qtrace::db
