// Span lifecycle on the request thread: start, five attributes, end, through
// the real pipeline (record pool, BatchSpanProcessor and its ring buffer, the
// exporter thread) with an exporter that discards the batches: the figure is
// what a request pays, without the network. The ratio rows sample every span
// at ratio 1.0, so they differ from the always-on row only by the sampler's
// own work (and, for the ProbabilitySampler, the `ot=th:0` trace state each
// span carries).
//
// What could flatter a figure is reported beside it: for the sampled rows,
// the share of the run's spans that the exporter received (`exported`) and
// the share the full queue dropped (`dropped`), each run flushed before its
// counts are read. A dropped span skips the queue and the exporter's work.
//
// The sampled rows are paced so that nothing is dropped: when the queue
// nears full (past the point where a span's End wakes an exporter that paces
// itself, sdk/export_pacer.h), the producing thread stops its clock and
// waits until a quarter is left (`waited` is the share of the run's wall time
// spent so; a span's own cost is what the clock keeps). `signals_per_1k` is
// how often per thousand spans an End signalled the exporter (a system call
// when the exporter was waiting). `BM_SpanSampledFlatOut` is the same span
// unpaced: there the exporter falls behind and the full queue drops spans,
// which skip the exporter's work and so flatter the figure.
// `BM_SpanSampledExporterReads` is the paced span again with an exporter that
// reads each record as the encoder does, so that the records come back to
// the request thread from the exporter's core as they do in the service.
#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <variant>

#include "benchmark/benchmark.h"
#include "qtrace/sdk/batch_span_processor.h"
#include "qtrace/sdk/probability_sampler.h"
#include "qtrace/sdk/tracer_provider.h"

namespace {

// What the benchmark's exporter does with a batch before discarding it.
//  kDiscards: nothing; it never looks inside a record, so the records stay
//    in the producer's core's cache.
//  kReads: reads each record as the OTLP encoder does (its name, every
//    attribute key and string value). The records' lines and strings are
//    then in the exporter's core's cache when the pool hands them out again,
//    as in the real pipeline, and the request thread that refills a record
//    pays to take them back.
enum class Exporter { kDiscards, kReads };

class DiscardingExporter final : public qtrace::SpanExporter {
 public:
  DiscardingExporter(std::shared_ptr<std::atomic<std::uint64_t>> received, Exporter mode)
      : received_(std::move(received)), mode_(mode) {}
  absl::Status Export(std::span<const qtrace::SpanRecordPtr> batch) override {
    benchmark::DoNotOptimize(batch.data());
    if (mode_ == Exporter::kReads) {
      std::uint64_t sum = 0;
      const auto read = [&sum](std::string_view text) {
        for (char c : text) sum += static_cast<unsigned char>(c);
      };
      for (const qtrace::SpanRecordPtr& record : batch) {
        read(record->name);
        for (const qtrace::AttributeView attribute : record->attributes) {
          read(attribute.key);
          if (const auto* text = std::get_if<std::string_view>(&attribute.value)) read(*text);
        }
      }
      benchmark::DoNotOptimize(sum);
    }
    received_->fetch_add(batch.size(), std::memory_order_relaxed);
    return absl::OkStatus();
  }
  absl::Status Shutdown(absl::Duration) override { return absl::OkStatus(); }

 private:
  std::shared_ptr<std::atomic<std::uint64_t>> received_;
  const Exporter mode_;
};

// One pipeline per sampling choice and what it has counted.
struct BenchPipeline {
  std::unique_ptr<qtrace::TracerProvider> provider;
  std::shared_ptr<qtrace::PipelineMetrics> metrics;
  std::shared_ptr<std::atomic<std::uint64_t>> received = std::make_shared<std::atomic<std::uint64_t>>(0);
  // Spans ended by every thread, added a chunk at a time by paced runs.
  std::atomic<std::uint64_t> ended{0};
  const qtrace::Tracer* tracer = nullptr;
  const qtrace::BatchSpanProcessor* processor = nullptr;  // owned by the provider
};

constexpr std::uint64_t kQueueSize = 2048;
constexpr std::uint64_t kBatchSize = 512;
// A paced thread looks at the queue every kPaceChunk spans of its own.
constexpr std::uint64_t kPaceChunk = 64;
// Past this many waiting, a paced thread waits. Not lower: the processor's
// producers wake a self-pacing exporter only when one batch of room is left
// (queue - batch), and a benchmark thread that waited below that would wait
// for the exporter's timer, which then counts the waits into the rate it
// paces by, slowing itself down: a loop no real request thread is in.
// Two threads' lag of a chunk each still leaves room in the queue.
constexpr std::uint64_t kPaceAbove = kQueueSize - kBatchSize + kPaceChunk;

// Waits, with the thread's clock stopped, while more than kPaceAbove spans
// wait for the exporter, until a quarter of the queue does; adds the wall time waited to
// *waited_s. False when the exporter did not drain it within a second: the
// pipeline is broken, and the run must stop (the clock is stopped while this
// waits, so a run sized by it would wait a second per chunk for hours).
bool WaitForExporter(benchmark::State& state, BenchPipeline& p, double* waited_s) {
  // Signed: `ended` lags by each thread's last partial chunk, so the
  // exporter may have received more than it says ended.
  auto waiting = [&p] {
    return static_cast<std::int64_t>(p.ended.load(std::memory_order_relaxed) -
                                     p.received->load(std::memory_order_relaxed) -
                                     p.metrics->spans_dropped_queue_full.Load());
  };
  if (waiting() <= static_cast<std::int64_t>(kPaceAbove)) return true;
  state.PauseTiming();
  const auto start = std::chrono::steady_clock::now();
  const auto give_up = start + std::chrono::seconds(1);
  bool drained = true;
  while (waiting() > static_cast<std::int64_t>(kQueueSize / 4)) {
    if (std::chrono::steady_clock::now() >= give_up) {
      drained = false;
      break;
    }
    std::this_thread::yield();
  }
  *waited_s += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  state.ResumeTiming();
  return drained;
}

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

// The real pipeline behind the discarding exporter.
void BuildPipeline(BenchPipeline& p, std::unique_ptr<qtrace::Sampler> sampler, bool keep_error_traces,
                   Exporter exporter = Exporter::kDiscards) {
  p.metrics = std::make_shared<qtrace::PipelineMetrics>();
  qtrace::TracerProviderOptions options;
  options.metrics = p.metrics;
  auto processor = std::make_unique<qtrace::BatchSpanProcessor>(
      std::make_unique<DiscardingExporter>(p.received, exporter),
      qtrace::BatchOptions{kQueueSize, kBatchSize, absl::Milliseconds(5)},
      p.metrics);
  p.processor = processor.get();
  options.processor = std::move(processor);
  options.sampler = std::move(sampler);
  options.keep_error_traces = keep_error_traces;
  p.provider = std::make_unique<qtrace::TracerProvider>(std::move(options));
  p.tracer = &p.provider->GetTracer("bench");
}

// One pipeline per sampling choice, alive for the whole program, and one
// more (always on) whose exporter reads the records.
BenchPipeline& Pipeline(Sampling sampling) {
  static BenchPipeline pipelines[kSamplingChoices];
  BenchPipeline& p = pipelines[static_cast<int>(sampling)];
  if (!p.provider) BuildPipeline(p, MakeBenchSampler(sampling), /*keep_error_traces=*/false);
  return p;
}
BenchPipeline& ReadingPipeline() {
  static BenchPipeline p;
  if (!p.provider) BuildPipeline(p, MakeBenchSampler(Sampling::kAlwaysOn), /*keep_error_traces=*/false, Exporter::kReads);
  return p;
}

enum class Pacing { kFlatOut, kNoDrops };

void SpanWithFiveAttributes(benchmark::State& state, Sampling sampling, Pacing pacing = Pacing::kNoDrops,
                            Exporter exporter = Exporter::kDiscards) {
  // Every pipeline is made before the threads of a multi-threaded run start.
  static BenchPipeline* pipelines[kSamplingChoices] = {&Pipeline(Sampling::kAlwaysOff), &Pipeline(Sampling::kAlwaysOn),
                                                       &Pipeline(Sampling::kTraceIdRatio),
                                                       &Pipeline(Sampling::kProbability)};
  static BenchPipeline* reading = &ReadingPipeline();
  BenchPipeline& pipeline = exporter == Exporter::kReads ? *reading : *pipelines[static_cast<int>(sampling)];
  const qtrace::Tracer& tracer = *pipeline.tracer;
  const bool sampled = sampling != Sampling::kAlwaysOff;
  const bool paced = sampled && pacing == Pacing::kNoDrops;
  const bool counts = sampled && state.thread_index() == 0;
  std::uint64_t received_before = 0, dropped_before = 0, signals_before = 0;
  if (counts) {
    // The previous run's spans leave first, so that they count there.
    (void)pipeline.provider->ForceFlush(absl::Seconds(10));
    received_before = pipeline.received->load();
    dropped_before = pipeline.metrics->spans_dropped_queue_full.Load();
    signals_before = pipeline.processor->producer_signals();
    // Every span of earlier runs has ended and, flushed, been received or
    // dropped: the pacing starts from an empty queue.
    pipeline.ended.store(received_before + dropped_before);
  }
  // Google Benchmark starts the threads of a run together after this setup.
  std::uint64_t chunk = 0;
  double waited_s = 0;
  const auto run_start = std::chrono::steady_clock::now();
  for (auto _ : state) {
    qtrace::Span span = tracer.StartSpan("GET /api/v1/projects/{id}", qtrace::SpanKind::kServer);
    span.SetAttribute("http.request.method", "GET")
        .SetAttribute("http.route", "/api/v1/projects/{id}")
        .SetAttribute("url.path", "/api/v1/projects/42")
        .SetAttribute("http.response.status_code", 200)
        .SetAttribute("server.port", 8080);
    span.End();
    if (paced && ++chunk == kPaceChunk) {
      chunk = 0;
      pipeline.ended.fetch_add(kPaceChunk, std::memory_order_relaxed);
      if (!WaitForExporter(state, pipeline, &waited_s)) {
        state.SkipWithError("the exporter did not drain the queue within a second");
        break;
      }
    }
  }
  state.SetItemsProcessed(state.iterations());
  if (paced) {
    const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - run_start).count();
    // Summed over the threads, then averaged: each reports its own share.
    state.counters["waited"] = benchmark::Counter(wall_s > 0 ? waited_s / wall_s : 0, benchmark::Counter::kAvgThreads);
    // Spans per second of wall time, waits included, summed over the
    // threads: what the pipeline sustained without a drop.
    state.counters["wall_rate"] = wall_s > 0 ? static_cast<double>(state.iterations()) / wall_s : 0;
  }
  if (counts) {
    // Every thread has left the loop (Google Benchmark waits for all at its
    // end), so all spans of the run have ended.
    (void)pipeline.provider->ForceFlush(absl::Seconds(10));
    const double ended = static_cast<double>(state.iterations()) * state.threads();
    state.counters["exported"] = static_cast<double>(pipeline.received->load() - received_before) / ended;
    state.counters["dropped"] =
        static_cast<double>(pipeline.metrics->spans_dropped_queue_full.Load() - dropped_before) / ended;
    // Per thousand spans, the times a span's End woke the exporter (a system
    // call on the request thread; see sdk/export_pacer.h).
    state.counters["signals_per_1k"] =
        static_cast<double>(pipeline.processor->producer_signals() - signals_before) * 1000 / ended;
  }
}

void BM_SpanSampled(benchmark::State& state) { SpanWithFiveAttributes(state, Sampling::kAlwaysOn); }
void BM_SpanSampledFlatOut(benchmark::State& state) {
  SpanWithFiveAttributes(state, Sampling::kAlwaysOn, Pacing::kFlatOut);
}
// The same span, the exporter reading every record as the encoder does.
void BM_SpanSampledExporterReads(benchmark::State& state) {
  SpanWithFiveAttributes(state, Sampling::kAlwaysOn, Pacing::kNoDrops, Exporter::kReads);
}
void BM_SpanUnsampled(benchmark::State& state) { SpanWithFiveAttributes(state, Sampling::kAlwaysOff); }
void BM_SpanSampledByTraceIdRatio(benchmark::State& state) {
  SpanWithFiveAttributes(state, Sampling::kTraceIdRatio);
}
void BM_SpanSampledByProbability(benchmark::State& state) {
  SpanWithFiveAttributes(state, Sampling::kProbability);
}

BENCHMARK(BM_SpanSampled)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_SpanSampledFlatOut)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_SpanSampledExporterReads)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_SpanUnsampled)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_SpanSampledByTraceIdRatio)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_SpanSampledByProbability)->Threads(1)->Threads(2)->UseRealTime();

// A request that head sampling dropped while errors are always kept: a server
// span and two children (a database and a client span), five attributes
// each, recorded into the root's buffer and discarded when the root ends
// without an error. This is what 90 % of requests pay at 10 % sampling; none
// of it reaches the queue or the exporter. Per request (three spans).
void BM_RequestDroppedButKeptForErrors(benchmark::State& state) {
  static BenchPipeline pipeline;
  if (!pipeline.provider) BuildPipeline(pipeline, qtrace::MakeTraceIdRatioSampler(0.0), /*keep_error_traces=*/true);
  const qtrace::Tracer& tracer = *pipeline.tracer;
  auto five_attributes = [](qtrace::Span& span) {
    span.SetAttribute("http.request.method", "GET")
        .SetAttribute("http.route", "/api/v1/projects/{id}")
        .SetAttribute("url.path", "/api/v1/projects/42")
        .SetAttribute("http.response.status_code", 200)
        .SetAttribute("server.port", 8080);
  };
  const std::uint64_t received_before = pipeline.received->load();
  for (auto _ : state) {
    qtrace::Span root = tracer.StartSpan("GET /api/v1/projects/{id}", qtrace::SpanKind::kServer);
    five_attributes(root);
    const qtrace::Context inside = root.ContextOver(qtrace::Context());
    qtrace::StartSpanOptions child;
    child.parent = &inside;
    for (qtrace::SpanKind kind : {qtrace::SpanKind::kClient, qtrace::SpanKind::kClient}) {
      qtrace::Span span = tracer.StartSpan("SELECT projects", kind, child);
      five_attributes(span);
    }
    root.End();
  }
  state.SetItemsProcessed(state.iterations());
  (void)pipeline.provider->ForceFlush(absl::Seconds(10));
  // Nothing may reach the exporter: a figure that exported would measure
  // another path.
  state.counters["exported"] = static_cast<double>(pipeline.received->load() - received_before);
}
BENCHMARK(BM_RequestDroppedButKeptForErrors)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
