// A TracerProvider that exports synchronously into memory, for SDK tests.
#pragma once

#include <memory>

#include "qtrace/sdk/in_memory_exporter.h"
#include "qtrace/sdk/simple_span_processor.h"
#include "qtrace/sdk/tracer_provider.h"

namespace qtrace::testutil {

struct TestProvider {
  explicit TestProvider(SpanLimits limits = {}, std::unique_ptr<Sampler> sampler = nullptr, bool enabled = true,
                        bool keep_error_traces = false)
      : store(std::make_shared<InMemorySpanStore>()),
        provider(Options(store, limits, std::move(sampler), enabled, keep_error_traces)) {}

  Tracer& tracer() { return provider.GetTracer("test-scope", "1.2.3"); }

  static TracerProviderOptions Options(const std::shared_ptr<InMemorySpanStore>& store, SpanLimits limits,
                                       std::unique_ptr<Sampler> sampler, bool enabled, bool keep_error_traces) {
    TracerProviderOptions options;
    options.keep_error_traces = keep_error_traces;
    options.processor = std::make_unique<SimpleSpanProcessor>(std::make_unique<InMemoryExporter>(store));
    options.limits = limits;
    options.sampler = std::move(sampler);
    options.enabled = enabled;
    return options;
  }

  std::shared_ptr<InMemorySpanStore> store;
  TracerProvider provider;
};

}  // namespace qtrace::testutil
