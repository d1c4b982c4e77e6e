#include "qtrace/exporter/tracing_setup.h"

#include <algorithm>

#include "qtrace/exporter/console_exporter.h"
#include "qtrace/exporter/grpc_sender.h"
#include "qtrace/exporter/http_sender.h"
#include "qtrace/exporter/jaeger_sampling_client.h"
#include "qtrace/exporter/otlp_exporter.h"
#include "qtrace/exporter/zipkin_encoder.h"
#include "qtrace/sdk/batch_span_processor.h"
#include "qtrace/sdk/common/json_writer.h"
#include "qtrace/sdk/common/strings.h"
#include "qtrace/sdk/config_json.h"
#include "qtrace/sdk/jaeger_remote_sampler.h"
#include "qtrace/sdk/resource_detector.h"
#include "qtrace/sdk/simple_span_processor.h"

namespace qtrace {

absl::StatusOr<ResolvedTracingConfig> ResolveTracingConfig(const EnvLookup& env, const TracingFlags& flags,
                                                           const ConfigDefaults& defaults, absl::Time now,
                                                           std::string_view default_spool_dir) {
  absl::StatusOr<ResolvedConfig> sdk = ResolveConfig(env, flags, defaults, now);
  if (!sdk.ok()) return sdk.status();
  ResolvedTracingConfig out;
  out.config.sdk = std::move(sdk->config);
  out.warnings = std::move(sdk->warnings);
  absl::StatusOr<OtlpConfig> otlp = ResolveOtlpConfig(env, flags, out.warnings, default_spool_dir);
  if (!otlp.ok()) return otlp.status();
  out.config.otlp = std::move(*otlp);
  return out;
}

std::string TracingConfigToJson(const TracingConfig& config) {
  const OtlpConfig& o = config.otlp;
  JsonWriter w;
  w.BeginObject();
  WriteConfigMembers(w, config.sdk);
  w.Key("exporter").BeginObject();
  w.Key("protocol").String(ToString(o.protocol));
  w.Key("endpoint").String(o.endpoint);
  // Header values usually hold API keys.
  w.Key("headers").BeginObject();
  for (const auto& header : o.headers) w.Key(header.first).String("<redacted>");
  w.EndObject();
  w.Key("timeout_ms").Int(JsonMillis(o.timeout));
  w.Key("compression").String(o.compression == Compression::kGzip ? "gzip" : "none");
  w.Key("certificate").String(o.certificate_file);
  w.Key("client_key").String(o.client_key_file);
  w.Key("client_certificate").String(o.client_certificate_file);
  w.Key("insecure").Bool(o.insecure);
  w.Key("spool").BeginObject();
  w.Key("dir").String(o.spool.dir);
  w.Key("max_bytes").Int(static_cast<std::int64_t>(o.spool.max_bytes));
  w.Key("max_age_s").Int(absl::ToInt64Seconds(o.spool.max_age));
  w.EndObject();
  w.EndObject();
  w.EndObject();
  return w.str();
}

namespace {

// The sender for an OTLP or Zipkin protocol (one per thread that sends: the
// exporter's and the spool replay's).
absl::StatusOr<std::unique_ptr<Sender>> MakeSender(const OtlpConfig& o) {
  switch (o.protocol) {
    case ExportProtocol::kGrpc: {
      GrpcSenderOptions g{o.endpoint, o.insecure, o.compression == Compression::kGzip, o.headers,
                          o.certificate_file, o.client_certificate_file, o.client_key_file, o.timeout};
      auto grpc = GrpcSender::Create(std::move(g));
      if (!grpc.ok()) return grpc.status();
      return std::unique_ptr<Sender>(std::move(*grpc));
    }
    case ExportProtocol::kHttpProtobuf:
    case ExportProtocol::kHttpJson: {
      const bool json = o.protocol == ExportProtocol::kHttpJson;
      HttpSenderOptions h{o.endpoint, json, o.compression == Compression::kGzip, o.headers, o.certificate_file,
                          o.client_certificate_file, o.client_key_file, o.timeout};
      auto http = HttpSender::Create(std::move(h));
      if (!http.ok()) return http.status();
      return std::unique_ptr<Sender>(std::move(*http));
    }
    case ExportProtocol::kZipkin: {
      HttpSenderOptions h{o.endpoint, /*json=*/true, /*gzip=*/false, {}, "", "", "", o.timeout};
      auto http = HttpSender::Create(std::move(h));
      if (!http.ok()) return http.status();
      return std::unique_ptr<Sender>(std::move(*http));
    }
    case ExportProtocol::kConsole:
    case ExportProtocol::kNone:
      break;
  }
  return absl::InvalidArgumentError(StrCat("no sender for protocol ", ToString(o.protocol)));
}

// The spool and its replay sender when o.spool.dir is set; a spool that
// cannot be opened is warned about (the exporter then drops what it cannot
// send, as without a spool).
SpoolSetup MakeSpoolSetup(const OtlpConfig& o, const std::shared_ptr<PipelineMetrics>& metrics) {
  SpoolSetup setup;
  if (o.spool.dir.empty()) return setup;
  SpoolOptions options;
  options.dir = o.spool.dir;
  options.max_bytes = o.spool.max_bytes;
  options.max_age = o.spool.max_age;
  // Sixteen segments or more fit in the quota, so that reaching it drops a
  // sixteenth of the spool, not all of it.
  options.segment_bytes = std::clamp<std::uint64_t>(o.spool.max_bytes / 16, std::uint64_t{64} << 10, std::uint64_t{8} << 20);
  absl::StatusOr<std::unique_ptr<Spool>> spool = Spool::Open(options, metrics);
  absl::StatusOr<std::unique_ptr<Sender>> sender = MakeSender(o);
  if (!spool.ok() || !sender.ok()) {
    Diagnose(LogLevel::kWarn, StrCat("span spool off: ", MessageOf(!spool.ok() ? spool.status() : sender.status()),
                                     "; spans that cannot be exported are dropped and counted"));
    return setup;
  }
  setup.spool = std::move(*spool);
  setup.replay_sender = std::move(*sender);
  setup.replay.send_timeout = o.timeout == absl::InfiniteDuration() ? absl::Seconds(30) : o.timeout;
  return setup;
}

}  // namespace

absl::StatusOr<std::unique_ptr<SpanExporter>> MakeSpanExporter(const TracingConfig& config, const Resource& resource,
                                                               std::shared_ptr<PipelineMetrics> metrics,
                                                               std::ostream& out) {
  const OtlpConfig& o = config.otlp;
  if (o.protocol == ExportProtocol::kNone) return std::unique_ptr<SpanExporter>();
  if (o.protocol == ExportProtocol::kConsole) return std::unique_ptr<SpanExporter>(std::make_unique<ConsoleExporter>(out));
  OtlpExporterOptions options;
  options.export_timeout = config.sdk.batch.export_timeout;
  options.max_pending_batches = config.sdk.batch.max_pending_batches;
  if (o.protocol == ExportProtocol::kHttpProtobuf || o.protocol == ExportProtocol::kHttpJson) {
    options.encoding = o.protocol == ExportProtocol::kHttpJson ? OtlpEncoding::kJson : OtlpEncoding::kProtobuf;
    options.gzip_body = o.compression == Compression::kGzip;
  }
  if (o.protocol == ExportProtocol::kZipkin) {
    // Zipkin's v2 JSON over HTTP, with the same batching, retries, spool and
    // accounting as OTLP.
    auto zipkin = std::make_shared<const ZipkinEncoder>(resource);
    options.encode = [zipkin](std::span<const SpanRecordPtr> spans, std::string& out) { zipkin->Encode(spans, out); };
  }
  absl::StatusOr<std::unique_ptr<Sender>> sender = MakeSender(o);
  if (!sender.ok()) return sender.status();
  return std::unique_ptr<SpanExporter>(std::make_unique<OtlpExporter>(resource, std::move(*sender), options, metrics,
                                                                      MakeSpoolSetup(o, metrics)));
}

absl::StatusOr<std::unique_ptr<Sampler>> MakeConfiguredSampler(const TracingConfig& config) {
  const SamplingConfig& s = config.sdk.sampling;
  // A disabled SDK never asks its sampler: no poller, no connection.
  if (!IsJaegerRemoteKind(s.kind) || config.sdk.sdk_disabled) return MakeSampler(s.kind, s.ratio);
  // The sampling service is usually the Jaeger collector the spans go to, so
  // an https:// endpoint trusts the same CA file as the OTLP exporter.
  const JaegerRemoteConfig& r = s.jaeger_remote;
  auto client = JaegerSamplingClient::Create({r.endpoint, /*insecure=*/false, config.otlp.certificate_file, "", ""},
                                             config.sdk.service_name);
  if (!client.ok()) return client.status();
  JaegerRemoteSamplerOptions options;
  options.source = *std::move(client);
  options.polling_interval = r.polling_interval;
  options.initial_sampling_rate = r.initial_sampling_rate;
  return MakeSampler(s.kind, s.ratio, std::make_unique<JaegerRemoteSampler>(std::move(options)));
}

absl::StatusOr<std::unique_ptr<TracerProvider>> MakeTracerProvider(const TracingConfig& config, std::ostream& console) {
  const Config& sdk = config.sdk;
  TracerProviderOptions options;
  options.resource = DetectResource(sdk);
  auto sampler = MakeConfiguredSampler(config);
  if (!sampler.ok()) return sampler.status();
  options.sampler = *std::move(sampler);
  options.id_generator = MakeIdGenerator(sdk.id_generator);
  options.limits = sdk.limits;
  options.enabled = !sdk.sdk_disabled;
  options.keep_error_traces = sdk.keep_error_traces;
  options.keep_error_traces_under_unsampled_parent = sdk.keep_error_traces_under_unsampled_parent;
  options.metrics = std::make_shared<PipelineMetrics>();
  options.record_pool_size = sdk.batch.max_queue_size + sdk.batch.max_export_batch_size + 256;
  if (options.enabled) {
    auto exporter = MakeSpanExporter(config, options.resource, options.metrics, console);
    if (!exporter.ok()) return exporter.status();
    if (*exporter != nullptr) {
      if (config.otlp.protocol == ExportProtocol::kConsole) {
        options.processor = std::make_unique<SimpleSpanProcessor>(std::move(*exporter));
      } else {
        BatchOptions batch{sdk.batch.max_queue_size, sdk.batch.max_export_batch_size, sdk.batch.schedule_delay};
        options.processor = std::make_unique<BatchSpanProcessor>(std::move(*exporter), batch, options.metrics);
      }
    }
  }
  return std::make_unique<TracerProvider>(std::move(options));
}

}  // namespace qtrace
