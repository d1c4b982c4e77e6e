// The one place that turns a configuration into a running pipeline:
// resource, sampler, span limits, record pool, processor and exporter, chosen
// by the protocol flag (grpc | http/protobuf | http/json | zipkin | console |
// none).
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/clock.h"
#include "qtrace/exporter/otlp_config.h"
#include "qtrace/sdk/config.h"
#include "qtrace/sdk/span_processor.h"
#include "qtrace/sdk/tracer_provider.h"

namespace qtrace {

// Everything a pipeline is made from: the SDK's settings and the exporter's.
struct TracingConfig {
  Config sdk;
  OtlpConfig otlp;
};

struct ResolvedTracingConfig {
  TracingConfig config;
  std::vector<std::string> warnings;  // one line each, for the log
};

// ResolveConfig (the SDK's settings, with the application's defaults) and
// ResolveOtlpConfig (the exporter's, with the application's spool
// directory) from one environment and command line.
absl::StatusOr<ResolvedTracingConfig> ResolveTracingConfig(const EnvLookup& env, const TracingFlags& flags,
                                                           const ConfigDefaults& defaults = EngineDefaults(),
                                                           absl::Time now = absl::Now(),
                                                           std::string_view default_spool_dir = {});

// The resolved configuration as one JSON object (--print-config): the SDK's
// members and "exporter"; OTLP header values redacted.
std::string TracingConfigToJson(const TracingConfig& config);

// The exporter for config.otlp.protocol; null for "none". console writes to out.
// With config.otlp.spool.dir set, OTLP and Zipkin exporters spool what they
// cannot send; a spool directory that cannot be opened is warned about and
// the exporter runs without one.
absl::StatusOr<std::unique_ptr<SpanExporter>> MakeSpanExporter(const TracingConfig& config, const Resource& resource,
                                                               std::shared_ptr<PipelineMetrics> metrics,
                                                               std::ostream& out);

// The sampler config.sdk.sampling names. For the jaeger_remote kinds it
// starts polling Jaeger in the background at once (unless the SDK is
// disabled), trusting the OTLP exporter's CA file for https://; an error for
// a malformed endpoint or an unreadable CA file.
absl::StatusOr<std::unique_ptr<Sampler>> MakeConfiguredSampler(const TracingConfig& config);

// The TracerProvider for config: OTLP exporters behind a BatchSpanProcessor,
// the console exporter behind a SimpleSpanProcessor, no processor for "none"
// or a disabled SDK. REQUIRES: console outlives the provider.
absl::StatusOr<std::unique_ptr<TracerProvider>> MakeTracerProvider(const TracingConfig& config, std::ostream& console);

}  // namespace qtrace
