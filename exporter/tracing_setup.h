// The one place that turns a Config into a running pipeline: resource,
// sampler, span limits, record pool, processor and exporter, chosen by the
// protocol flag (grpc | http/protobuf | http/json | console | none).
#pragma once

#include <memory>
#include <ostream>

#include "absl/status/statusor.h"
#include "qtrace/sdk/config.h"
#include "qtrace/sdk/span_processor.h"
#include "qtrace/sdk/tracer_provider.h"

namespace qtrace {

// The exporter for config.otlp.protocol; null for "none". console writes to out.
absl::StatusOr<std::unique_ptr<SpanExporter>> MakeSpanExporter(const Config& config, const Resource& resource,
                                                               std::shared_ptr<PipelineMetrics> metrics,
                                                               std::ostream& out);

// The sampler config.sampling names. For the jaeger_remote kinds it starts
// polling Jaeger in the background at once (unless the SDK is disabled); an
// error for a malformed endpoint or an unreadable CA file.
absl::StatusOr<std::unique_ptr<Sampler>> MakeConfiguredSampler(const Config& config);

// The TracerProvider for config: OTLP exporters behind a BatchSpanProcessor,
// the console exporter behind a SimpleSpanProcessor, no processor for "none"
// or a disabled SDK. REQUIRES: console outlives the provider.
absl::StatusOr<std::unique_ptr<TracerProvider>> MakeTracerProvider(const Config& config, std::ostream& console);

}  // namespace qtrace
