#include "api_server/service/service_options.h"

#include "qtrace/version.h"
#include "qtrace/sdk/strings.h"

namespace qtrace::service {
namespace {

absl::Status SetListen(std::string_view value, ServiceOptions& o) {
  const std::size_t colon = value.rfind(':');
  std::int64_t port = 0;
  if (colon == std::string_view::npos || !ParseInt64(value.substr(colon + 1), &port) || port < 0 || port > 65535) {
    return absl::InvalidArgumentError(StrCat("listen address '", value, "': expected HOST:PORT"));
  }
  std::string host(value.substr(0, colon));
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  o.listen_address = host.empty() ? "0.0.0.0" : host;
  o.listen_port = static_cast<std::uint16_t>(port);
  return absl::OkStatus();
}

absl::Status SetDatabase(std::string_view value, ServiceOptions& o) {
  if (!StartsWith(value, "sqlite:") && !StartsWith(value, "postgres://") && !StartsWith(value, "postgresql://")) {
    return absl::InvalidArgumentError(
        StrCat("database URL '", RedactDatabaseUrl(value), "': expected sqlite:PATH or postgres://..."));
  }
  o.database_url = std::string(value);
  return absl::OkStatus();
}

absl::Status SetMillis(std::string_view name, std::string_view value, std::int64_t& target) {
  if (!ParseInt64(value, &target) || target < 0) {
    return absl::InvalidArgumentError(StrCat(name, " '", value, "': expected milliseconds"));
  }
  return absl::OkStatus();
}

}  // namespace

std::string RedactDatabaseUrl(std::string_view url) {
  const std::size_t scheme = url.find("://");
  if (scheme == std::string_view::npos) return std::string(url);
  const std::size_t at = url.find('@', scheme);
  const std::size_t colon = url.find(':', scheme + 3);
  if (at == std::string_view::npos || colon == std::string_view::npos || colon > at) return std::string(url);
  return StrCat(url.substr(0, colon), ":REDACTED", url.substr(at));
}

absl::Status ApplyServiceFlag(std::string_view name, std::string_view value, ServiceOptions& o) {
  if (name == "listen") return SetListen(value, o);
  if (name == "database-url") return SetDatabase(value, o);
  if (name == "tracker-url") {
    o.tracker_url = std::string(value);
    while (EndsWith(o.tracker_url, "/")) o.tracker_url.pop_back();
    return absl::OkStatus();
  }
  if (name == "drain-timeout-ms") return SetMillis(name, value, o.drain_timeout_ms);
  if (name == "shutdown-timeout-ms") return SetMillis(name, value, o.shutdown_timeout_ms);
  if (name == "workers") {
    if (!ParseInt64(value, &o.workers) || o.workers < 1 || o.workers > 1024) {
      return absl::InvalidArgumentError(StrCat("workers '", value, "': expected 1 to 1024"));
    }
    return absl::OkStatus();
  }
  return absl::NotFoundError(std::string(name));
}

ConfigDefaults TracingDefaults() { return ConfigDefaults{"qa-pms-api", QTRACE_VERSION, "development"}; }

absl::StatusOr<ServiceOptions> ServiceOptionsFromEnvironment(const EnvLookup& env) {
  ServiceOptions o;
  const std::pair<std::string_view, std::string_view> vars[] = {
      {"QA_PMS_LISTEN", "listen"},
      {"DATABASE_URL", "database-url"},
      {"QA_PMS_TRACKER_URL", "tracker-url"},
      {"QA_PMS_DRAIN_TIMEOUT_MS", "drain-timeout-ms"},
      {"QA_PMS_SHUTDOWN_TIMEOUT_MS", "shutdown-timeout-ms"},
      {"QA_PMS_WORKERS", "workers"},
  };
  for (const auto& [var, flag] : vars) {
    std::optional<std::string> value = env(var);
    if (!value || Trim(*value).empty()) continue;
    if (absl::Status s = ApplyServiceFlag(flag, Trim(*value), o); !s.ok()) {
      return absl::InvalidArgumentError(StrCat(var, ": ", MessageOf(s)));
    }
  }
  return o;
}

}  // namespace qtrace::service
