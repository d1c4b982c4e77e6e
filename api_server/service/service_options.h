// The service's own settings (the tracing ones live in sdk/config.h), from
// the environment and then flags:
//
//   --listen HOST:PORT      QA_PMS_LISTEN        127.0.0.1:8080
//   --database-url URL      DATABASE_URL         sqlite:./data/qa-pms.db
//                                                (postgres://user:pw@host:port/db for PostgreSQL,
//                                                 sqlite::memory: for a throwaway database)
//   --tracker-url URL       QA_PMS_TRACKER_URL   unset (sync answers 503)
//   --drain-timeout-ms MS   QA_PMS_DRAIN_TIMEOUT_MS     10000
//   --shutdown-timeout-ms MS QA_PMS_SHUTDOWN_TIMEOUT_MS 5000  (tracer flush at exit)
//   --workers N             QA_PMS_WORKERS       16
//   --w3c-test-endpoint     off                   (POST /test for the W3C harness)
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "qtrace/sdk/config.h"

namespace qtrace::service {

struct ServiceOptions {
  std::string listen_address = "127.0.0.1";
  std::uint16_t listen_port = 8080;
  std::string database_url = "sqlite:./data/qa-pms.db";
  std::string tracker_url;
  std::int64_t drain_timeout_ms = 10000;
  std::int64_t shutdown_timeout_ms = 5000;
  std::int64_t workers = 16;
  bool w3c_test_endpoint = false;
};

// Reads the QA_PMS_* variables and DATABASE_URL.
absl::StatusOr<ServiceOptions> ServiceOptionsFromEnvironment(const EnvLookup& env);
// Applies one flag (name without dashes). NotFound when the name is not a
// service flag; InvalidArgument for a bad value.
absl::Status ApplyServiceFlag(std::string_view name, std::string_view value, ServiceOptions& options);

// The service's identity where OTEL_SERVICE_NAME, OTEL_SERVICE_VERSION,
// OTEL_ENVIRONMENT and OTEL_RESOURCE_ATTRIBUTES say nothing: qa-pms-api, the
// project's version, development (so 100 % sampling by default; production
// gives 10 %).
ConfigDefaults TracingDefaults();

// The database URL without its password, for logs and --print-config.
std::string RedactDatabaseUrl(std::string_view url);

// The spool directory the service uses when QTRACE_SPOOL_DIR is unset: beside
// a SQLite database file, spool/ in its folder ("sqlite:./data/qa-pms.db" →
// "./data/spool"). An in-memory or PostgreSQL database gives the service no
// data directory of its own: no spool unless QTRACE_SPOOL_DIR names one.
std::string DefaultSpoolDir(std::string_view database_url);

}  // namespace qtrace::service
