// Config: every setting of the span SDK, resolved once at start-up from the
// environment and then from command-line flags over it. Where spans are
// exported to (OTEL_EXPORTER_*, OTEL_TRACES_EXPORTER) is the exporter's
// configuration: exporter/otlp_config.h.
//
// Resolution rules (the README has the full table):
//  * An invalid value gives one warning naming the variable and the value, and
//    the default is used, as the OpenTelemetry specification asks.
//  * A value that would leave the service unable to work as asked (a flag
//    with a bad value) is an error: the caller prints it and exits with code 2.
//  * Sampling ratio: --sampling-ratio, then OTEL_TRACES_SAMPLER_ARG (for the
//    ratio samplers), then OTEL_SAMPLING_RATIO, then the environment's default
//    (development 1.0, staging 0.5, production 0.1).
//  * The ratio sampler: the one OTEL_TRACES_SAMPLER names; otherwise
//    parentbased_traceidratio or parentbased_probability as
//    QTRACE_RATIO_SAMPLER says (see SamplingConfig).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "qtrace/sdk/attribute.h"
#include "qtrace/sdk/diagnostics.h"
#include "qtrace/sdk/id_generator.h"
#include "qtrace/sdk/sampler.h"
#include "qtrace/sdk/span_limits.h"

namespace qtrace {

std::string_view ToString(SamplerKind kind);
std::string_view ToString(IdGeneratorKind kind);

struct BatchConfig {
  absl::Duration schedule_delay = absl::Milliseconds(5000);
  absl::Duration export_timeout = absl::Milliseconds(30000);
  std::size_t max_queue_size = 2048;
  std::size_t max_export_batch_size = 512;
  // Encoded batches the exporter thread hands to its sending thread before it
  // waits for an answer (QTRACE_EXPORT_MAX_PENDING_BATCHES); 1 sends on the
  // exporter thread itself.
  std::size_t max_pending_batches = 4;
};

// The Jaeger remote sampler (OTEL_TRACES_SAMPLER=jaeger_remote or
// parentbased_jaeger_remote), from OTEL_TRACES_SAMPLER_ARG:
// "endpoint=...,pollingIntervalMs=...,initialSamplingRate=...".
struct JaegerRemoteConfig {
  // Jaeger's gRPC sampling service (api_v2.SamplingManager): http:// for
  // plaintext, https:// for TLS (trusting OTEL_EXPORTER_OTLP_CERTIFICATE
  // when set, else the system roots).
  std::string endpoint = "http://localhost:14250";
  absl::Duration polling_interval = absl::Seconds(60);
  double initial_sampling_rate = 0.001;  // until the first strategy arrives
};

struct SamplingConfig {
  SamplerKind kind = SamplerKind::kParentBasedTraceIdRatio;
  double ratio = 1.0;
  std::string ratio_source = "default for development";  // which setting gave the ratio
  // Which ratio sampler a ratio gets when OTEL_TRACES_SAMPLER does not name
  // one (QTRACE_RATIO_SAMPLER: auto, probability or traceidratio; auto is
  // traceidratio before 2027-01-01 UTC and probability from that day, when
  // the specification lets SDKs replace the deprecated TraceIdRatioBased).
  bool default_ratio_is_probability = false;
  std::string ratio_sampler_source = "QTRACE_RATIO_SAMPLER=auto, before 2027-01-01";
  JaegerRemoteConfig jaeger_remote;
};

// What an application says of itself when the environment does not: the
// service's name, version and deployment environment. The engine's own
// defaults (EngineDefaults) are the specification's: service.name is
// "unknown_service:<executable>", and no version or environment is set
// (an unset environment samples like development, at ratio 1.0).
struct ConfigDefaults {
  std::string service_name;
  std::string service_version;  // empty: no service.version attribute
  std::string environment;      // empty: no deployment.environment.name
};
ConfigDefaults EngineDefaults();

struct Config {
  bool sdk_disabled = false;
  std::string service_name;     // see ConfigDefaults
  std::string service_version;  // empty: not set
  std::string environment;      // empty: not set
  std::vector<Attribute> resource_attributes;  // from OTEL_RESOURCE_ATTRIBUTES
  SamplingConfig sampling;
  // Export a head-dropped local subtree when its root ends in error
  // (QTRACE_KEEP_ERROR_TRACES, default true; see sdk/deferred_trace.h).
  bool keep_error_traces = true;
  // ... also when a remote parent said "unsampled" (orphan subtrees in the
  // backend; QTRACE_KEEP_ERROR_TRACES_UNDER_UNSAMPLED_PARENT, default false).
  bool keep_error_traces_under_unsampled_parent = false;
  std::vector<std::string> propagators = {"tracecontext", "baggage"};
  // Where new trace ids come from (QTRACE_ID_GENERATOR: random, or xray for
  // ids AWS X-Ray accepts).
  IdGeneratorKind id_generator = IdGeneratorKind::kRandom;
  BatchConfig batch;
  SpanLimits limits;
  LogLevel log_level = LogLevel::kInfo;
};

// Command-line flags that override the environment. Flag values are explicit,
// so a bad one is an error rather than a warning. One set for the whole
// command line: the two --otlp-* flags are read by the exporter's
// configuration (exporter/otlp_config.h), the rest by the SDK's.
struct TracingFlags {
  std::optional<std::string> otlp_protocol;  // --otlp-protocol
  std::optional<std::string> otlp_endpoint;  // --otlp-endpoint
  std::optional<std::string> sampling_ratio;  // --sampling-ratio
  std::optional<std::string> environment;    // --environment
  std::optional<std::string> log_level;      // --log-level
};

// Stores the flag if name (without the leading dashes) is one of the tracing
// flags above; returns false for any other name.
bool ParseTracingFlag(std::string_view name, std::string_view value, TracingFlags& flags);

// Reads one environment variable; nullopt when unset.
using EnvLookup = std::function<std::optional<std::string>(std::string_view)>;
EnvLookup ProcessEnvironment();

struct ResolvedConfig {
  Config config;
  std::vector<std::string> warnings;  // one line each, for the log
};

// now decides what QTRACE_RATIO_SAMPLER=auto means (tests pass a fixed day).
// defaults fill what neither the flags nor the environment set.
absl::StatusOr<ResolvedConfig> ResolveConfig(const EnvLookup& env, const TracingFlags& flags,
                                             const ConfigDefaults& defaults, absl::Time now = absl::Now());
// The same with the engine's defaults.
absl::StatusOr<ResolvedConfig> ResolveConfig(const EnvLookup& env, const TracingFlags& flags,
                                             absl::Time now = absl::Now());

// True from 2027-01-01 UTC: the day QTRACE_RATIO_SAMPLER=auto switches the
// default ratio sampler from traceidratio to probability.
bool ProbabilityIsDefaultAt(absl::Time now);

// The resolved configuration as a JSON object, OTLP header values redacted.
std::string ConfigToJson(const Config& config);

}  // namespace qtrace
