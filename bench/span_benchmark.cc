// Span lifecycle on the request thread: start, five attributes, end, through
// the real pipeline (record pool, BatchSpanProcessor and its ring buffer, the
// exporter thread) with an exporter that discards the batches: the figure is
// what a request pays, without the network. The ratio rows sample every span
// at ratio 1.0, so they differ from the always-on row only by the sampler's
// own work (and, for the ProbabilitySampler, the `ot=th:0` trace state each
// span carries).
#include <memory>

#include "benchmark/benchmark.h"
#include "sdk/batch_span_processor.h"
#include "sdk/probability_sampler.h"
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

enum class Sampling { kAlwaysOff, kAlwaysOn, kTraceIdRatio, kProbability };
constexpr int kSamplingChoices = 4;

std::unique_ptr<qtrace::Sampler> MakeBenchSampler(Sampling sampling) {
  switch (sampling) {
    case Sampling::kAlwaysOff: return qtrace::MakeAlwaysOffSampler();
    case Sampling::kAlwaysOn: return qtrace::MakeAlwaysOnSampler();
    case Sampling::kTraceIdRatio: return qtrace::MakeTraceIdRatioSampler(1.0);
    case Sampling::kProbability: return qtrace::MakeProbabilitySampler(1.0);
  }
  return nullptr;
}

// One provider per sampling choice, alive for the whole program.
const qtrace::Tracer& BenchTracer(Sampling sampling) {
  static std::unique_ptr<qtrace::TracerProvider> providers[kSamplingChoices];
  std::unique_ptr<qtrace::TracerProvider>& p = providers[static_cast<int>(sampling)];
  if (!p) {
    auto metrics = std::make_shared<qtrace::PipelineMetrics>();
    qtrace::TracerProviderOptions options;
    options.metrics = metrics;
    options.processor = std::make_unique<qtrace::BatchSpanProcessor>(
        std::make_unique<DiscardingExporter>(), qtrace::BatchOptions{2048, 512, absl::Milliseconds(5)}, metrics);
    options.sampler = MakeBenchSampler(sampling);
    p = std::make_unique<qtrace::TracerProvider>(std::move(options));
  }
  return p->GetTracer("bench");
}

void SpanWithFiveAttributes(benchmark::State& state, Sampling sampling) {
  // Every provider is made before the threads of a multi-threaded run start.
  static const qtrace::Tracer* tracers[kSamplingChoices] = {
      &BenchTracer(Sampling::kAlwaysOff), &BenchTracer(Sampling::kAlwaysOn),
      &BenchTracer(Sampling::kTraceIdRatio), &BenchTracer(Sampling::kProbability)};
  const qtrace::Tracer& tracer = *tracers[static_cast<int>(sampling)];
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

void BM_SpanSampled(benchmark::State& state) { SpanWithFiveAttributes(state, Sampling::kAlwaysOn); }
void BM_SpanUnsampled(benchmark::State& state) { SpanWithFiveAttributes(state, Sampling::kAlwaysOff); }
void BM_SpanSampledByTraceIdRatio(benchmark::State& state) {
  SpanWithFiveAttributes(state, Sampling::kTraceIdRatio);
}
void BM_SpanSampledByProbability(benchmark::State& state) {
  SpanWithFiveAttributes(state, Sampling::kProbability);
}

BENCHMARK(BM_SpanSampled)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_SpanUnsampled)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_SpanSampledByTraceIdRatio)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_SpanSampledByProbability)->Threads(1)->Threads(2)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
