// qa-pms-api: the QA project-management service, traced by qtrace.
//
// Start-up: resolve the configuration (environment, then flags), build the
// tracing pipeline, open the database (SQLite by default, PostgreSQL for a
// postgres:// URL), mount the middleware (request id → tracing → metrics) and
// the routes, and serve until SIGTERM or SIGINT. Shutdown: stop accepting,
// let in-flight requests finish (drain timeout), then flush the tracer
// (shutdown timeout), exit 0.
#include <signal.h>

#include <iostream>
#include <memory>
#include <string>
#include <string_view>

#include "api_server/client/http_client.h"
#include "api_server/db/postgres_database.h"
#include "api_server/db/schema.h"
#include "api_server/db/sqlite_database.h"
#include "api_server/db/tracing_database.h"
#include "api_server/handlers/ops_handlers.h"
#include "api_server/handlers/qa_handlers.h"
#include "api_server/http/http_server.h"
#include "api_server/metrics/metrics_registry.h"
#include "api_server/middleware/metrics.h"
#include "api_server/middleware/request_id.h"
#include "api_server/middleware/tracing.h"
#include "api_server/service/logger.h"
#include "api_server/service/service_options.h"
#include "qtrace/exporter/tracing_setup.h"
#include "qtrace/version.h"
#include "qtrace/sdk/diagnostics.h"
#include "qtrace/sdk/common/json_writer.h"
#include "qtrace/sdk/propagation/composite_propagator.h"
#include "qtrace/sdk/common/strings.h"

namespace {

using qtrace::StrCat;
constexpr int kUsageError = 2;

void PrintUsage() {
  std::cout << "usage: qa-pms-api [--print-config] [--listen HOST:PORT] [--database-url URL] [--tracker-url URL]\n"
               "                  [--drain-timeout-ms MS] [--shutdown-timeout-ms MS] [--workers N]\n"
               "                  [--w3c-test-endpoint]\n"
               "                  [--otlp-protocol grpc|http/protobuf|http/json|zipkin|console|none] [--otlp-endpoint URL]\n"
               "                  [--sampling-ratio R] [--environment NAME] [--log-level debug|info|warn|error]\n"
               "Every setting also comes from the environment (OTEL_*, QA_PMS_*, DATABASE_URL); flags win.\n";
}

struct CommandLine {
  bool print_config = false;
  bool help = false;
  qtrace::TracingFlags tracing;
  qtrace::service::ServiceOptions service;
};

// "--name value" or "--name=value"; tracing flags first, then service flags.
absl::Status ParseCommandLine(int argc, char** argv, CommandLine& out) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--print-config") { out.print_config = true; continue; }
    if (arg == "--help" || arg == "-h") { out.help = true; continue; }
    if (arg == "--w3c-test-endpoint") { out.service.w3c_test_endpoint = true; continue; }
    if (!qtrace::StartsWith(arg, "--")) return absl::InvalidArgumentError(StrCat("unexpected argument '", arg, "'"));
    arg.remove_prefix(2);
    std::string_view name = arg;
    std::string value;
    if (const std::size_t eq = arg.find('='); eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      value = std::string(arg.substr(eq + 1));
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      return absl::InvalidArgumentError(StrCat("flag --", name, " needs a value"));
    }
    if (qtrace::ParseTracingFlag(name, value, out.tracing)) continue;
    absl::Status s = qtrace::service::ApplyServiceFlag(name, value, out.service);
    if (s.code() == absl::StatusCode::kNotFound) return absl::InvalidArgumentError(StrCat("unknown flag --", name));
    if (!s.ok()) return s;
  }
  return absl::OkStatus();
}

std::string ServiceJson(const qtrace::service::ServiceOptions& o) {
  qtrace::JsonWriter w;
  w.BeginObject().Key("listen").String(StrCat(o.listen_address, ":", static_cast<int>(o.listen_port)));
  w.Key("database_url").String(qtrace::service::RedactDatabaseUrl(o.database_url));
  w.Key("tracker_url").String(qtrace::client::RedactUrl(o.tracker_url)).Key("drain_timeout_ms").Int(o.drain_timeout_ms);
  w.Key("shutdown_timeout_ms").Int(o.shutdown_timeout_ms).Key("workers").Int(o.workers);
  w.Key("w3c_test_endpoint").Bool(o.w3c_test_endpoint).EndObject();
  return w.str();
}

absl::StatusOr<std::unique_ptr<qtrace::db::Database>> OpenDatabase(const std::string& url) {
  if (qtrace::StartsWith(url, "sqlite:")) {
    auto db = qtrace::db::SqliteDatabase::Open(url.substr(7));
    if (!db.ok()) return db.status();
    return std::unique_ptr<qtrace::db::Database>(std::move(*db));
  }
  auto db = qtrace::db::PostgresDatabase::Connect(url);
  if (!db.ok()) return db.status();
  return std::unique_ptr<qtrace::db::Database>(std::move(*db));
}

int Fatal(std::string_view message) {
  qtrace::service::Log(qtrace::LogLevel::kError, message);
  return kUsageError;
}

}  // namespace

int main(int argc, char** argv) {
  const qtrace::EnvLookup env = qtrace::ProcessEnvironment();
  CommandLine cli;
  absl::StatusOr<qtrace::service::ServiceOptions> from_env = qtrace::service::ServiceOptionsFromEnvironment(env);
  if (!from_env.ok()) return Fatal(qtrace::MessageOf(from_env.status()));
  cli.service = *from_env;
  if (absl::Status s = ParseCommandLine(argc, argv, cli); !s.ok()) {
    qtrace::service::Log(qtrace::LogLevel::kError, qtrace::MessageOf(s));
    PrintUsage();
    return kUsageError;
  }
  if (cli.help) {
    PrintUsage();
    return 0;
  }
  absl::StatusOr<qtrace::ResolvedTracingConfig> resolved =
      qtrace::ResolveTracingConfig(env, cli.tracing, qtrace::service::TracingDefaults(), absl::Now(),
                                   qtrace::service::DefaultSpoolDir(cli.service.database_url));
  if (!resolved.ok()) return Fatal(qtrace::MessageOf(resolved.status()));
  const qtrace::TracingConfig& tracing = resolved->config;
  const qtrace::Config& config = tracing.sdk;
  qtrace::service::SetLogLevel(config.log_level);
  for (const std::string& warning : resolved->warnings) qtrace::service::Log(qtrace::LogLevel::kWarn, warning);
  if (cli.print_config) {
    std::cout << "{\"tracing\":" << qtrace::TracingConfigToJson(tracing) << ",\"service\":" << ServiceJson(cli.service) << "}"
              << std::endl;
    return 0;
  }

  // Signals go to sigwait below; every thread started from here inherits the mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  qtrace::SetDiagnosticLevel(config.log_level);
  qtrace::SetDiagnosticHandler([](qtrace::LogLevel level, std::string_view m) { qtrace::service::Log(level, m); });
  auto provider = qtrace::MakeTracerProvider(tracing, std::cout);
  if (!provider.ok()) return Fatal(qtrace::MessageOf(provider.status()));
  auto propagator = qtrace::MakePropagator(config.propagators);
  if (!propagator.ok()) return Fatal(qtrace::MessageOf(propagator.status()));
  const qtrace::Tracer& http_tracer = (*provider)->GetTracer("qa-pms-api.http", QTRACE_VERSION);
  const qtrace::Tracer& db_tracer = (*provider)->GetTracer("qa-pms-api.db", QTRACE_VERSION);
  const qtrace::Tracer& client_tracer = (*provider)->GetTracer("qa-pms-api.client", QTRACE_VERSION);

  auto database = OpenDatabase(cli.service.database_url);
  if (!database.ok()) return Fatal(qtrace::MessageOf(database.status()));
  if (absl::Status s = qtrace::db::CreateSchema(**database); !s.ok()) return Fatal(qtrace::MessageOf(s));
  qtrace::metrics::MetricsRegistry registry;
  qtrace::db::TracingDatabase traced_db(**database, db_tracer,
                                        [&registry](std::string_view op, std::string_view table, double s, bool ok) {
                                          registry.RecordQuery(op, table, s, ok);
                                        });
  qtrace::service::QaStore store(traced_db);
  qtrace::client::TracedHttpClient client(client_tracer, **propagator, absl::Seconds(5));

  qtrace::http::Router router;
  router.Use(qtrace::middleware::RequestIdMiddleware());
  router.Use(qtrace::middleware::TracingMiddleware(http_tracer, **propagator));
  router.Use(qtrace::middleware::MetricsMiddleware(registry));
  qtrace::handlers::AddOpsRoutes(router, store, registry, (*provider)->metrics(), (*database)->info().system);
  qtrace::handlers::AddQaRoutes(router, store, client, cli.service.tracker_url);
  if (cli.service.w3c_test_endpoint) qtrace::handlers::AddW3cTestRoute(router, client);

  qtrace::http::ServerOptions server_options;
  server_options.address = cli.service.listen_address;
  server_options.port = cli.service.listen_port;
  server_options.io_threads = 2;
  server_options.worker_threads = static_cast<int>(cli.service.workers);
  qtrace::http::HttpServer server(server_options, router);
  if (absl::Status s = server.Start(); !s.ok()) return Fatal(qtrace::MessageOf(s));
  qtrace::service::Log(qtrace::LogLevel::kInfo,
                       StrCat("qa-pms-api ", QTRACE_VERSION, " listening on ", cli.service.listen_address, ":",
                              static_cast<int>(server.port()), " (database ", (*database)->info().system,
                              ", exporter ", qtrace::ToString(tracing.otlp.protocol), ")"));
  std::cout << "qa-pms-api: listening on " << cli.service.listen_address << ":" << server.port() << std::endl;

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  qtrace::service::Log(qtrace::LogLevel::kInfo, StrCat("signal ", signal_number, ": draining"));
  const bool drained = server.Stop(absl::Milliseconds(cli.service.drain_timeout_ms));
  if (!drained) qtrace::service::Log(qtrace::LogLevel::kWarn, "drain timeout: some requests were cut off");
  const absl::Status flushed = (*provider)->Shutdown(absl::Milliseconds(cli.service.shutdown_timeout_ms));
  const qtrace::PipelineMetrics& m = (*provider)->metrics();
  qtrace::service::Log(flushed.ok() ? qtrace::LogLevel::kInfo : qtrace::LogLevel::kWarn,
                       StrCat("stopped: spans exported ", m.spans_exported.load(), ", dropped ",
                              m.spans_dropped_queue_full.Load() + m.spans_dropped_shutdown.load() +
                                  m.spans_dropped_error_buffer_full.load(),
                              ", failed ",
                              m.FailedTotal(), flushed.ok() ? "" : StrCat(" (", qtrace::MessageOf(flushed), ")")));
  return 0;
}
