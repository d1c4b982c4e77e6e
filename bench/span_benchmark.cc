// Span lifecycle on the request thread: start, five attributes, end. The
// processor here only counts and frees records, so the figure is the SDK's own
// cost (ids, clock, sampler, record, attributes), not an exporter's.
#include <atomic>
#include <memory>

#include "benchmark/benchmark.h"
#include "sdk/tracer_provider.h"

namespace {

class CountingProcessor final : public qtrace::SpanProcessor {
 public:
  void OnEnd(qtrace::SpanRecordPtr record) override {
    benchmark::DoNotOptimize(record.get());
    ended_.fetch_add(1, std::memory_order_relaxed);
  }
  absl::Status ForceFlush(absl::Duration) override { return absl::OkStatus(); }
  absl::Status Shutdown(absl::Duration) override { return absl::OkStatus(); }

 private:
  std::atomic<std::uint64_t> ended_{0};
};

qtrace::TracerProvider& Provider(bool sampled) {
  static qtrace::TracerProvider* providers[2] = {nullptr, nullptr};
  qtrace::TracerProvider*& p = providers[sampled ? 1 : 0];
  if (p == nullptr) {
    qtrace::TracerProviderOptions options;
    options.processor = std::make_unique<CountingProcessor>();
    options.sampler = sampled ? qtrace::MakeAlwaysOnSampler() : qtrace::MakeAlwaysOffSampler();
    static std::unique_ptr<qtrace::TracerProvider> owned[2];
    owned[sampled ? 1 : 0] = std::make_unique<qtrace::TracerProvider>(std::move(options));
    p = owned[sampled ? 1 : 0].get();
  }
  return *p;
}

void SpanWithFiveAttributes(benchmark::State& state, bool sampled) {
  static qtrace::Tracer* tracers[2] = {&Provider(false).GetTracer("bench"), &Provider(true).GetTracer("bench")};
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
