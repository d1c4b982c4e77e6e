// otlp-sink: a local OTLP receiver for development and tests. It prints every
// trace it receives as an indented tree, can write one JSON line per span,
// and misbehaves on request (fault injection) so that exporters can be tested.
//
//   otlp-sink [--grpc HOST:PORT] [--http HOST:PORT] [--jsonl FILE] [--quiet-ms MS] [--no-tree] [--distinct]
//             [--fail-first N] [--throttle-first N] [--retry-after S] [--bad-request-first N]
//             [--delay-ms D] [--reject-spans N]
//             [--tls-cert FILE --tls-key FILE [--client-ca FILE]]
//
// Port 0 picks a free port; the chosen addresses are printed at start as
// "otlp-sink: grpc listening on HOST:PORT" and "otlp-sink: http listening on HOST:PORT".
// SIGTERM or SIGINT prints "otlp-sink: requests=R spans=S bytes=B errors=E" and exits 0;
// with --distinct the line adds "distinct=N duplicates=D" (spans seen once,
// and arrivals of a span already seen: what an at-least-once sender repeats).
#include <signal.h>

#include <cstdio>
#include <iostream>
#include <map>
#include <memory>
#include <string>

#include "api_server/http/http_server.h"
#include "api_server/http/tls_context.h"
#include "qtrace/sdk/common/strings.h"
#include "tools/otlp-sink/grpc_receiver.h"
#include "tools/otlp-sink/http_receiver.h"

namespace {

using qtrace::StrCat;

constexpr int kUsageError = 2;

struct SinkFlags {
  std::string grpc = "127.0.0.1:4317";
  std::string http = "127.0.0.1:4318";
  std::string jsonl;
  std::int64_t quiet_ms = 1000;
  bool trees = true;
  bool distinct = false;
  qtrace::sink::FaultOptions faults;
  std::string tls_cert, tls_key, client_ca;
};

constexpr std::string_view kUsage =
    "usage: otlp-sink [--grpc HOST:PORT] [--http HOST:PORT] [--jsonl FILE] [--quiet-ms MS] [--no-tree]\n"
    "                 [--distinct]\n"
    "                 [--fail-first N] [--throttle-first N] [--retry-after S] [--bad-request-first N]\n"
    "                 [--delay-ms D]\n"
    "                 [--reject-spans N] [--tls-cert FILE --tls-key FILE [--client-ca FILE]]\n";

int Usage(std::string_view error) {
  std::cerr << "otlp-sink: " << error << "\n" << kUsage;
  return kUsageError;
}

bool ParseFlags(int argc, char** argv, SinkFlags& f, std::string& error) {
  std::map<std::string_view, std::string*> strings = {{"--grpc", &f.grpc},         {"--http", &f.http},
                                                      {"--jsonl", &f.jsonl},       {"--tls-cert", &f.tls_cert},
                                                      {"--tls-key", &f.tls_key},   {"--client-ca", &f.client_ca}};
  std::map<std::string_view, std::int64_t*> numbers = {{"--quiet-ms", &f.quiet_ms},
                                                       {"--fail-first", &f.faults.fail_first},
                                                       {"--throttle-first", &f.faults.throttle_first},
                                                       {"--bad-request-first", &f.faults.bad_request_first},
                                                       {"--retry-after", &f.faults.retry_after_seconds},
                                                       {"--delay-ms", &f.faults.delay_ms},
                                                       {"--reject-spans", &f.faults.reject_spans}};
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (arg == "--no-tree") {
      f.trees = false;
      continue;
    }
    if (arg == "--distinct") {
      f.distinct = true;
      continue;
    }
    if (i + 1 >= argc) {
      error = StrCat("unknown flag or missing value: ", arg);
      return false;
    }
    const std::string_view value = argv[++i];
    if (auto s = strings.find(arg); s != strings.end()) {
      *s->second = std::string(value);
    } else if (auto n = numbers.find(arg); n != numbers.end()) {
      if (!qtrace::ParseInt64(value, n->second) || *n->second < 0) {
        error = StrCat(arg, " '", value, "': expected a non-negative integer");
        return false;
      }
    } else {
      error = StrCat("unknown flag ", arg);
      return false;
    }
  }
  if (f.tls_cert.empty() != f.tls_key.empty()) {
    error = "--tls-cert and --tls-key go together";
    return false;
  }
  return true;
}

// "HOST:PORT" → (host, port); the host may be "[::1]".
bool SplitHostPort(const std::string& address, std::string& host, std::uint16_t& port) {
  const std::size_t colon = address.rfind(':');
  if (colon == std::string::npos) return false;
  host = address.substr(0, colon);
  if (host.size() > 2 && host.front() == '[') host = host.substr(1, host.size() - 2);
  std::int64_t p = 0;
  if (!qtrace::ParseInt64(std::string_view(address).substr(colon + 1), &p) || p < 0 || p > 65535) return false;
  port = static_cast<std::uint16_t>(p);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 2 && (std::string_view(argv[1]) == "--help" || std::string_view(argv[1]) == "-h")) {
    std::cout << kUsage;
    return 0;
  }
  SinkFlags flags;
  std::string error;
  if (!ParseFlags(argc, argv, flags, error)) return Usage(error);

  // Signals are taken by sigwait below; every thread started from here on
  // inherits the blocked mask.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  qtrace::sink::FaultPlan faults(flags.faults);
  qtrace::sink::CollectorOptions collector_options;
  collector_options.jsonl_path = flags.jsonl;
  collector_options.print_trees = flags.trees;
  collector_options.quiet_period = absl::Milliseconds(flags.quiet_ms);
  collector_options.count_distinct = flags.distinct;
  auto collector = std::make_unique<qtrace::sink::TraceCollector>(collector_options, std::cout);
  qtrace::sink::Receiver receiver(faults, *collector);

  const bool tls = !flags.tls_cert.empty();
  qtrace::sink::GrpcTls grpc_tls{flags.tls_cert, flags.tls_key, flags.client_ca};
  auto grpc = qtrace::sink::GrpcReceiver::Start(flags.grpc, tls ? &grpc_tls : nullptr, receiver);
  if (!grpc.ok()) return Usage(qtrace::MessageOf(grpc.status()));

  qtrace::http::Router router;
  qtrace::sink::AddOtlpHttpRoutes(router, receiver);
  qtrace::http::ServerOptions server_options;
  if (!SplitHostPort(flags.http, server_options.address, server_options.port)) {
    return Usage(StrCat("--http '", flags.http, "': expected HOST:PORT"));
  }
  server_options.limits.max_body_bytes = 64 * 1024 * 1024;
  server_options.worker_threads = 4;
  if (tls) {
    auto context = qtrace::http::TlsServerContext::Create(flags.tls_cert, flags.tls_key, flags.client_ca);
    if (!context.ok()) return Usage(qtrace::MessageOf(context.status()));
    server_options.tls = *context;
  }
  qtrace::http::HttpServer http(server_options, router);
  if (absl::Status s = http.Start(); !s.ok()) return Usage(qtrace::MessageOf(s));

  std::string grpc_host = flags.grpc.substr(0, flags.grpc.rfind(':'));
  std::cout << "otlp-sink: grpc listening on " << grpc_host << ":" << (*grpc)->port() << "\n"
            << "otlp-sink: http listening on " << flags.http.substr(0, flags.http.rfind(':')) << ":" << http.port()
            << std::endl;

  int signal_number = 0;
  sigwait(&signals, &signal_number);

  http.Stop(absl::Seconds(2));
  (*grpc)->Shutdown(absl::Seconds(2));
  const std::int64_t distinct = collector->distinct();
  const std::int64_t duplicates = collector->duplicates();
  collector.reset();  // prints the traces still pending
  const auto& c = receiver.counters();
  std::cout << "otlp-sink: requests=" << c.requests.load() << " spans=" << c.spans.load()
            << " bytes=" << c.bytes.load() << " errors=" << c.errors.load();
  if (flags.distinct) std::cout << " distinct=" << distinct << " duplicates=" << duplicates;
  std::cout << std::endl;
  return 0;
}
