#include "api_server/service/service_options.h"

#include <algorithm>

#include "qtrace/version.h"
#include "qtrace/sdk/common/strings.h"

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
  // The authority ends at the path or the query; its user info at the last
  // '@' in it (a password may hold a raw '@'), its password after the first
  // ':' of the user info.
  const std::size_t start = scheme + 3;
  const std::size_t end = std::min(url.size(), url.find_first_of("/?", start));
  const std::string_view authority = url.substr(start, end - start);
  std::string out(url.substr(0, start));
  const std::size_t at = authority.rfind('@');
  const std::size_t colon = authority.find(':');
  if (at != std::string_view::npos && colon < at) {
    out.append(authority.substr(0, colon)).append(":REDACTED").append(authority.substr(at));
  } else {
    out.append(authority);
  }
  // libpq also takes the password as a query parameter.
  const std::string_view rest = url.substr(end);
  const std::size_t q = rest.find('?');
  out.append(rest.substr(0, q));
  if (q == std::string_view::npos) return out;
  out.push_back('?');
  out.append(RedactQueryValues(rest.substr(q + 1), [](std::string_view key) { return key == "password"; }));
  return out;
}

std::string DefaultSpoolDir(std::string_view database_url) {
  if (!StartsWith(database_url, "sqlite:")) return "";
  const std::string_view path = database_url.substr(7);
  if (path.empty() || path == ":memory:") return "";
  const std::size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return "spool";
  return StrCat(path.substr(0, slash == 0 ? 1 : slash), slash == 0 ? "" : "/", "spool");
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
