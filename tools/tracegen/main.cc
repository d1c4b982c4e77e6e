// tracegen: makes traces with our SDK and exports them with the configured
// protocol, to check a pipeline end to end and to drive export benchmarks.
//
//   tracegen [--count N] [--threads T] [--depth D] [--fanout F] [--attributes A]
//            [--span generic|http-server] [--rate SPANS_PER_S] [--shutdown-timeout-ms MS]
//            [--otlp-protocol P] [--otlp-endpoint URL] [--sampling-ratio R] ...
//
// --span http-server makes every root the span bench/peers/ makes with other
// SDKs: "GET /api/v1/projects/{id}", kind server, three string attributes and
// two integer ones (--attributes then applies to children only).
//
// Every OTEL_* variable applies as in qa-pms-api. At exit it prints one line:
//   tracegen: created=C exported=E dropped=D failed=F elapsed_s=S rate=R spans/s
// and exits 0 when every sampled span was exported, 1 otherwise.
#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include "qtrace/exporter/tracing_setup.h"
#include "qtrace/sdk/common/strings.h"

namespace {

struct Shape {
  std::int64_t count = 10000;
  std::int64_t threads = 1;
  std::int64_t depth = 3;
  std::int64_t fanout = 2;
  std::int64_t attributes = 5;
  std::int64_t rate = 0;  // spans per second over all threads; 0: as fast as possible
  std::int64_t shutdown_timeout_ms = 10000;
  bool http_server_roots = false;  // --span http-server
};

constexpr std::string_view kUsage =
    "usage: tracegen [--count N] [--threads T] [--depth D] [--fanout F] [--attributes A]\n"
    "                [--span generic|http-server] [--rate SPANS_PER_S] [--shutdown-timeout-ms MS]\n"
    "                [--otlp-protocol P] [--otlp-endpoint URL] [--sampling-ratio R] [other tracing flags]\n"
    "Makes traces with the qtrace SDK and exports them as OTEL_* and the flags say; prints\n"
    "  tracegen: created=C sampled=S exported=E dropped=D failed=F elapsed_s=T rate=R spans/s\n"
    "and exits 0 when every sampled span was exported, 1 otherwise, 2 on a usage error.\n"
    "--span http-server: each root is GET /api/v1/projects/{id} (server) with http.request.method,\n"
    "http.route, url.path, http.response.status_code and server.port.\n";

bool ParseArgs(int argc, char** argv, Shape& shape, qtrace::TracingFlags& flags, std::string& error) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--help" || arg == "-h") {
      std::cout << kUsage;
      std::exit(0);
    }
    if (!qtrace::StartsWith(arg, "--") || i + 1 >= argc) {
      error = qtrace::StrCat("bad argument ", arg);
      return false;
    }
    const std::string_view name = arg.substr(2);
    const std::string_view value = argv[++i];
    if (qtrace::ParseTracingFlag(name, value, flags)) continue;
    if (name == "span") {
      if (value != "generic" && value != "http-server") {
        error = qtrace::StrCat("bad flag --span ", value, ": expected generic or http-server");
        return false;
      }
      shape.http_server_roots = value == "http-server";
      continue;
    }
    std::int64_t* slot = name == "count" ? &shape.count
                         : name == "threads" ? &shape.threads
                         : name == "depth" ? &shape.depth
                         : name == "fanout" ? &shape.fanout
                         : name == "attributes" ? &shape.attributes
                         : name == "rate" ? &shape.rate
                         : name == "shutdown-timeout-ms" ? &shape.shutdown_timeout_ms
                                                          : nullptr;
    if (slot == nullptr || !qtrace::ParseInt64(value, slot) || *slot < 0) {
      error = qtrace::StrCat("bad flag --", name, " ", value);
      return false;
    }
  }
  if (shape.threads < 1 || shape.depth < 1) {
    error = "--threads and --depth must be at least 1";
    return false;
  }
  return true;
}

constexpr std::string_view kAttributeKeys[] = {"app.attr.0", "app.attr.1", "app.attr.2", "app.attr.3",
                                               "app.attr.4", "app.attr.5", "app.attr.6", "app.attr.7"};

// Paces one thread to its share of the rate.
class Pacer {
 public:
  explicit Pacer(double spans_per_second)
      : interval_(spans_per_second > 0 ? std::chrono::duration<double>(1.0 / spans_per_second)
                                       : std::chrono::duration<double>(0)),
        next_(std::chrono::steady_clock::now()) {}
  void Wait() {
    if (interval_.count() == 0) return;
    next_ += std::chrono::duration_cast<std::chrono::steady_clock::duration>(interval_);
    std::this_thread::sleep_until(next_);
  }

 private:
  std::chrono::duration<double> interval_;
  std::chrono::steady_clock::time_point next_;
};

std::int64_t MakeChildren(const qtrace::Tracer& tracer, const Shape& shape, const qtrace::Span& span,
                          int level, std::int64_t budget, Pacer& pacer);

// Makes one subtree under the current span; returns spans made.
std::int64_t MakeTree(const qtrace::Tracer& tracer, const Shape& shape, int level, std::int64_t budget, Pacer& pacer) {
  if (budget <= 0) return 0;
  pacer.Wait();
  if (level == 0 && shape.http_server_roots) {
    qtrace::Span span = tracer.StartSpan("GET /api/v1/projects/{id}", qtrace::SpanKind::kServer);
    span.SetAttribute("http.request.method", "GET")
        .SetAttribute("http.route", "/api/v1/projects/{id}")
        .SetAttribute("url.path", "/api/v1/projects/42")
        .SetAttribute("http.response.status_code", 200)
        .SetAttribute("server.port", 8080);
    return 1 + MakeChildren(tracer, shape, span, level, budget, pacer);
  }
  qtrace::Span span = tracer.StartSpan(level == 0 ? "tracegen.root" : "tracegen.child",
                                       level == 0 ? qtrace::SpanKind::kServer : qtrace::SpanKind::kInternal);
  for (std::int64_t a = 0; a < shape.attributes; ++a) {
    span.SetAttribute(kAttributeKeys[a % 8], a % 2 == 0 ? std::int64_t{a * 1000} : std::int64_t{level});
  }
  return 1 + MakeChildren(tracer, shape, span, level, budget, pacer);
}

// The children of span, made while it is current; returns spans made.
std::int64_t MakeChildren(const qtrace::Tracer& tracer, const Shape& shape, const qtrace::Span& span, int level,
                          std::int64_t budget, Pacer& pacer) {
  std::int64_t made = 0;
  if (level + 1 < shape.depth) {
    qtrace::Scope scope = span.Activate();
    for (std::int64_t f = 0; f < shape.fanout && made + 1 < budget; ++f) {
      made += MakeTree(tracer, shape, level + 1, budget - 1 - made, pacer);
    }
  }
  return made;
}


}  // namespace

int main(int argc, char** argv) {
  Shape shape;
  qtrace::TracingFlags flags;
  std::string error;
  if (!ParseArgs(argc, argv, shape, flags, error)) {
    std::cerr << "tracegen: " << error << "\n" << kUsage;
    return 2;
  }
  qtrace::ConfigDefaults defaults = qtrace::EngineDefaults();
  defaults.service_name = "tracegen";
  auto resolved = qtrace::ResolveTracingConfig(qtrace::ProcessEnvironment(), flags, defaults);
  if (!resolved.ok()) {
    std::cerr << "tracegen: " << qtrace::MessageOf(resolved.status()) << "\n";
    return 2;
  }
  for (const std::string& w : resolved->warnings) std::cerr << "tracegen: warning: " << w << "\n";
  auto provider = qtrace::MakeTracerProvider(resolved->config, std::cout);
  if (!provider.ok()) {
    std::cerr << "tracegen: " << qtrace::MessageOf(provider.status()) << "\n";
    return 2;
  }
  const qtrace::Tracer& tracer = (*provider)->GetTracer("tracegen", "0.1.0");

  std::atomic<std::int64_t> created{0};
  const auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (std::int64_t t = 0; t < shape.threads; ++t) {
    threads.emplace_back([&, t] {
      const std::int64_t share = shape.count / shape.threads + (t < shape.count % shape.threads ? 1 : 0);
      Pacer pacer(static_cast<double>(shape.rate) / static_cast<double>(shape.threads));
      std::int64_t made = 0;
      while (made < share) made += MakeTree(tracer, shape, 0, share - made, pacer);
      created.fetch_add(made);
    });
  }
  for (std::thread& t : threads) t.join();
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  const absl::Status shutdown = (*provider)->Shutdown(absl::Milliseconds(shape.shutdown_timeout_ms));
  const qtrace::PipelineMetrics& m = (*provider)->metrics();
  const std::uint64_t sampled = m.spans_started_sampled.Load();
  const std::uint64_t exported = m.spans_exported.load();
  const std::uint64_t dropped = m.spans_dropped_queue_full.Load() + m.spans_dropped_shutdown.load();
  std::cout << "tracegen: created=" << created.load() << " sampled=" << sampled << " exported=" << exported
            << " dropped=" << dropped << " failed=" << m.FailedTotal() << " elapsed_s=" << elapsed
            << " rate=" << static_cast<std::int64_t>(static_cast<double>(created.load()) / elapsed) << " spans/s"
            << std::endl;
  if (!shutdown.ok()) std::cerr << "tracegen: shutdown: " << qtrace::MessageOf(shutdown) << "\n";
  const bool console_or_none = resolved->config.otlp.protocol == qtrace::ExportProtocol::kConsole ||
                               resolved->config.otlp.protocol == qtrace::ExportProtocol::kNone;
  return console_or_none || exported == sampled ? 0 : 1;
}
