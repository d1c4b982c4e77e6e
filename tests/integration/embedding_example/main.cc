// Tracing a C++ service with the installed engine: the README's embedding
// guide, built by the test command against `cmake --install`'s output alone.
// The pipeline comes from the OTEL_* environment (endpoint, protocol, sampler).
#include <iostream>
#include <thread>

#include "qtrace/exporter/tracing_setup.h"

int main() {
  auto resolved = qtrace::ResolveTracingConfig(qtrace::ProcessEnvironment(), {}, {.service_name = "checkout"});
  if (!resolved.ok()) {
    std::cerr << resolved.status() << "\n";
    return 1;
  }
  auto provider = qtrace::MakeTracerProvider(resolved->config, std::cout);
  if (!provider.ok()) {
    std::cerr << provider.status() << "\n";
    return 1;
  }
  qtrace::Tracer& tracer = (*provider)->GetTracer("checkout", "1.0.0");

  {
    qtrace::Span request = tracer.StartSpan("GET /cart", qtrace::SpanKind::kServer);
    request.SetAttribute("http.request.method", "GET").SetAttribute("http.route", "/cart");
    qtrace::Scope active = request.Activate();  // spans started here are its children
    { qtrace::Span load = tracer.StartSpan("load cart"); }
    // Work on another thread: capture the context here, attach it there.
    std::thread worker([&tracer, context = qtrace::Context::Current()] {
      qtrace::Scope attached = context.Attach();
      qtrace::Span price = tracer.StartSpan("price items");
    });
    worker.join();
  }  // spans end when their handles go

  // Exports what is queued, then stops the exporter; bounded by the timeout.
  const absl::Status shutdown = (*provider)->Shutdown(absl::Seconds(5));
  std::cout << "shutdown: " << shutdown << "\n";
  return shutdown.ok() ? 0 : 1;
}
