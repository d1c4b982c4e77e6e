// The OTLP encoder on the exporter thread: a 512-span batch (the default
// batch size) of typical server spans — a ~20-character name, five
// attributes, a parent, no events — encoded
//   - by OtlpEncoder::EncodeProtobuf and EncodeJson (exporter/otlp_encoder.h);
//   - by libprotobuf, side by side: the same request built with the generated
//     classes and serialized with SerializeToString, fresh per batch on the
//     heap (what an exporter built on generated classes does), on an Arena,
//     and serialization alone of a request built beforehand.
// items/s is spans/s; bytes/s is the size of the encoded request.
//
//   build/release/bench/encoder_benchmark --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <google/protobuf/arena.h>

#include <random>
#include <string>
#include <vector>

#include "benchmark/benchmark.h"
#include "qtrace/exporter/otlp_encoder.h"
#include "bench/typical_batch.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace {

namespace otlp = ::opentelemetry::proto;
using Request = otlp::collector::trace::v1::ExportTraceServiceRequest;

constexpr int kBatch = 512;

const qtrace::InstrumentationScope kScope{"qtrace.http.server", "0.1.0"};

qtrace::Resource BenchResource() {
  qtrace::Resource resource;
  resource.Set("service.name", std::string("qa-pms-api"))
      .Set("service.version", std::string("0.1.0"))
      .Set("telemetry.sdk.name", std::string("qtrace"))
      .Set("telemetry.sdk.language", std::string("cpp"))
      .Set("host.name", std::string("bench-host"));
  return resource;
}

const std::vector<qtrace::SpanRecordPtr>& TypicalBatch() {
  static const std::vector<qtrace::SpanRecordPtr> batch = qtrace::bench::TypicalBatch(kBatch, kScope);
  return batch;
}

void BM_OtlpEncoderProtobuf(benchmark::State& state) {
  const qtrace::OtlpEncoder encoder(BenchResource());
  const auto& spans = TypicalBatch();
  std::string out;
  for (auto _ : state) {
    encoder.EncodeProtobuf(spans, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(out.size()));
}
BENCHMARK(BM_OtlpEncoderProtobuf);

void BM_OtlpEncoderJson(benchmark::State& state) {
  const qtrace::OtlpEncoder encoder(BenchResource());
  const auto& spans = TypicalBatch();
  std::string out;
  for (auto _ : state) {
    encoder.EncodeJson(spans, out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(out.size()));
}
BENCHMARK(BM_OtlpEncoderJson);

// ---------------------------------------------------------------------------
// libprotobuf, for comparison: the same request through generated classes.

void SetAttributes(google::protobuf::RepeatedPtrField<otlp::common::v1::KeyValue>* out,
                   const qtrace::AttributeList& attributes) {
  for (const qtrace::AttributeView attribute : attributes) {
    otlp::common::v1::KeyValue* kv = out->Add();
    kv->set_key(attribute.key.data(), attribute.key.size());
    otlp::common::v1::AnyValue* value = kv->mutable_value();
    if (const auto* s = std::get_if<std::string_view>(&attribute.value)) {
      value->set_string_value(s->data(), s->size());
    } else if (const auto* i = std::get_if<std::int64_t>(&attribute.value)) {
      value->set_int_value(*i);
    } else if (const auto* d = std::get_if<double>(&attribute.value)) {
      value->set_double_value(*d);
    } else if (const auto* b = std::get_if<bool>(&attribute.value)) {
      value->set_bool_value(*b);
    }  // arrays: not in the typical batch
  }
}

template <class IdType>
void SetId(std::string* out, const IdType& id) {
  out->assign(reinterpret_cast<const char*>(id.bytes().data()), IdType::kSize);
}

void BuildRequest(Request* request, const qtrace::Resource& resource,
                  const std::vector<qtrace::SpanRecordPtr>& spans) {
  otlp::trace::v1::ResourceSpans* resource_spans = request->add_resource_spans();
  SetAttributes(resource_spans->mutable_resource()->mutable_attributes(), resource.attributes());
  otlp::trace::v1::ScopeSpans* scope_spans = resource_spans->add_scope_spans();
  scope_spans->mutable_scope()->set_name(kScope.name);
  scope_spans->mutable_scope()->set_version(kScope.version);
  for (const qtrace::SpanRecordPtr& record : spans) {
    otlp::trace::v1::Span* span = scope_spans->add_spans();
    SetId(span->mutable_trace_id(), record->context.trace_id());
    SetId(span->mutable_span_id(), record->context.span_id());
    if (record->parent_span_id.IsValid()) SetId(span->mutable_parent_span_id(), record->parent_span_id);
    span->set_flags(record->context.flags() | 0x100u | (record->parent_is_remote ? 0x200u : 0u));
    span->set_name(record->name);
    span->set_kind(static_cast<otlp::trace::v1::Span::SpanKind>(record->kind));
    span->set_start_time_unix_nano(static_cast<std::uint64_t>(record->start_unix_ns));
    span->set_end_time_unix_nano(static_cast<std::uint64_t>(record->end_unix_ns));
    SetAttributes(span->mutable_attributes(), record->attributes);
    span->mutable_status()->set_code(static_cast<otlp::trace::v1::Status::StatusCode>(record->status));
  }
}

void BM_LibprotobufBuildAndSerialize(benchmark::State& state) {
  const qtrace::Resource resource = BenchResource();
  const auto& spans = TypicalBatch();
  std::string out;
  {
    // The same bytes as ours, or the comparison means nothing.
    Request request;
    BuildRequest(&request, resource, spans);
    request.SerializeToString(&out);
    std::string ours;
    qtrace::OtlpEncoder(resource).EncodeProtobuf(spans, ours);
    if (ours != out) state.SkipWithError("libprotobuf and OtlpEncoder bytes differ");
  }
  for (auto _ : state) {
    Request request;
    BuildRequest(&request, resource, spans);
    request.SerializeToString(&out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(out.size()));
}
BENCHMARK(BM_LibprotobufBuildAndSerialize);

void BM_LibprotobufArenaBuildAndSerialize(benchmark::State& state) {
  const qtrace::Resource resource = BenchResource();
  const auto& spans = TypicalBatch();
  std::string out;
  google::protobuf::ArenaOptions options;
  options.start_block_size = 256 << 10;
  for (auto _ : state) {
    google::protobuf::Arena arena(options);
    Request* request = google::protobuf::Arena::CreateMessage<Request>(&arena);
    BuildRequest(request, resource, spans);
    request->SerializeToString(&out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(out.size()));
}
BENCHMARK(BM_LibprotobufArenaBuildAndSerialize);

void BM_LibprotobufSerializeOnly(benchmark::State& state) {
  Request request;
  BuildRequest(&request, BenchResource(), TypicalBatch());
  std::string out;
  for (auto _ : state) {
    request.SerializeToString(&out);
    benchmark::DoNotOptimize(out.data());
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(out.size()));
}
BENCHMARK(BM_LibprotobufSerializeOnly);

// The service's server span (fourteen attributes, as the HTTP middleware sets
// them), encoded from records the encoder's core has in cache (`warm`: the
// same batch every iteration) and from records it has not touched for a
// while (`cold`: one of enough batches that their records, about 60 MB,
// exceed every cache before a batch comes round again, and are shuffled
// across batches). On the exporter thread, records arrive cold: the request
// threads wrote them on the other core, and the pool hands out the
// longest-idle record first.
std::vector<qtrace::SpanRecordPtr> ServiceSpanBatch(int seed) {
  std::vector<qtrace::SpanRecordPtr> spans;
  spans.reserve(kBatch);
  const qtrace::TraceId trace_id = qtrace::RandomTraceId();
  for (int i = 0; i < kBatch; ++i) {
    qtrace::SpanRecordPtr span = qtrace::MakeSpanRecord();
    span->context = qtrace::SpanContext(trace_id, qtrace::RandomSpanId(), qtrace::TraceFlags::kSampled, false);
    span->name = "GET /api/v1/projects/{id}";
    span->kind = qtrace::SpanKind::kServer;
    span->start_unix_ns = 1'712'345'678'000'000'000 + i * 1'000'000LL;
    span->end_unix_ns = span->start_unix_ns + 250'000 + i;
    qtrace::AttributeList& a = span->attributes;
    a.Set("http.request.method", "GET");
    a.Set("url.path", "/api/v1/projects/" + std::to_string(1000 + i + seed));
    a.Set("url.scheme", "http");
    a.Set("server.address", "127.0.0.1");
    a.Set("server.port", std::int64_t{8080});
    a.Set("network.protocol.version", "1.1");
    a.Set("network.peer.address", "127.0.0.1");
    a.Set("network.peer.port", std::int64_t{40000 + i});
    a.Set("client.address", "127.0.0.1");
    a.Set("user_agent.original", "qa-tour/1.0 (node 20)");
    a.Set("http.route", "/api/v1/projects/{id}");
    a.Set("http.request_id", "req-" + std::to_string(seed * kBatch + i) + "-0123456789abcdef");
    a.Set("http.response.status_code", std::int64_t{200});
    a.Set("app.tenant", "default");
    span->scope = &kScope;
    spans.push_back(std::move(span));
  }
  return spans;
}

void BM_OtlpEncoderServiceSpans(benchmark::State& state) {
  const bool cold = state.range(0) != 0;
  const int batches = cold ? 96 : 1;
  std::vector<std::vector<qtrace::SpanRecordPtr>> all;
  all.reserve(batches);
  for (int b = 0; b < batches; ++b) all.push_back(ServiceSpanBatch(b));
  if (cold) {
    // Records made one after another sit one after another in memory, which
    // the hardware prefetcher streams; a pool's records come back in no such
    // order. Shuffle them across batches (fixed seed).
    std::mt19937 random(42);
    for (std::size_t i = all.size() * kBatch - 1; i > 0; --i) {
      const std::size_t j = std::uniform_int_distribution<std::size_t>(0, i)(random);
      std::swap(all[i / kBatch][i % kBatch], all[j / kBatch][j % kBatch]);
    }
  }
  const qtrace::OtlpEncoder encoder(BenchResource());
  std::string out;
  std::size_t next = 0;
  for (auto _ : state) {
    encoder.EncodeProtobuf(all[next], out);
    benchmark::DoNotOptimize(out.data());
    next = (next + 1) % all.size();
  }
  state.SetItemsProcessed(state.iterations() * kBatch);
  state.SetLabel(cold ? "cold" : "warm");
}
BENCHMARK(BM_OtlpEncoderServiceSpans)->Arg(0)->Arg(1);

}  // namespace

BENCHMARK_MAIN();
