// Span lifecycle on the request thread: start, five attributes, end, through
// the real pipeline (record pool, BatchSpanProcessor and its ring buffer, the
// exporter thread) with an exporter that discards the batches: the figure is
// what a request pays, without the network.
#include <memory>

#include "benchmark/benchmark.h"
#include "sdk/batch_span_processor.h"
#include "sdk/tracer_provider.h"

namespace {

class DiscardingExporter final : public qtrace::SpanExporter {
 public:
  absl::Status Export(std::span<const qtrace::SpanRecordPtr> batch) override {
    benchmark::DoNotOptimize(batch.data());
    return absl::OkStatus();
  }
  absl::Status Shutdown(absl::Duration) override { return absl::OkStatus(); }
};

// One provider per sampling choice, alive for the whole program.
const qtrace::Tracer& BenchTracer(bool sampled) {
  static std::unique_ptr<qtrace::TracerProvider> providers[2];
  std::unique_ptr<qtrace::TracerProvider>& p = providers[sampled ? 1 : 0];
  if (!p) {
    auto metrics = std::make_shared<qtrace::PipelineMetrics>();
    qtrace::TracerProviderOptions options;
    options.metrics = metrics;
    options.processor = std::make_unique<qtrace::BatchSpanProcessor>(
        std::make_unique<DiscardingExporter>(), qtrace::BatchOptions{2048, 512, absl::Milliseconds(5)}, metrics);
    options.sampler = sampled ? qtrace::MakeAlwaysOnSampler() : qtrace::MakeAlwaysOffSampler();
    p = std::make_unique<qtrace::TracerProvider>(std::move(options));
  }
  return p->GetTracer("bench");
}

void SpanWithFiveAttributes(benchmark::State& state, bool sampled) {
  static const qtrace::Tracer* tracers[2] = {&BenchTracer(false), &BenchTracer(true)};
  const qtrace::Tracer& tracer = *tracers[sampled ? 1 : 0];
  for (auto _ : state) {
    qtrace::Span span = tracer.StartSpan("GET /api/v1/projects/{id}", qtrace::SpanKind::kServer);
    span.SetAttribute("http.request.method", "GET")
        .SetAttribute("http.route", "/api/v1/projects/{id}")
        .SetAttribute("url.path", "/api/v1/projects/42")
        .SetAttribute("http.response.status_code", 200)
        .SetAttribute("server.port", 8080);
    span.End();
  }
  state.SetItemsProcessed(state.iterations());
}

void BM_SpanSampled(benchmark::State& state) { SpanWithFiveAttributes(state, true); }
void BM_SpanUnsampled(benchmark::State& state) { SpanWithFiveAttributes(state, false); }

BENCHMARK(BM_SpanSampled)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_SpanUnsampled)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
