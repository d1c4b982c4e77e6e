// Tracer: starts spans for one instrumentation scope. Obtained from
// TracerProvider::GetTracer and valid as long as the provider lives.
//
// Thread safety: StartSpan may be called from any thread at once; it takes no
// lock.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string_view>

#include "qtrace/sdk/context.h"
#include "qtrace/sdk/sampler.h"
#include "qtrace/sdk/span.h"

namespace qtrace {

struct TracerState;  // shared with the provider, see tracer_provider.h

struct StartSpanOptions {
  // The parent; null means the calling thread's current context.
  const Context* parent = nullptr;
  // Start a new trace even when a parent is current.
  bool new_root = false;
  // 0 means now.
  std::int64_t start_unix_ns = 0;
  // Attributes and links known at start: the sampler sees them (the
  // specification's ShouldSample takes them), and a recording span keeps
  // them. Leave them empty on the hot path unless a sampler needs them.
  std::span<const Attribute> attributes;
  std::span<const StartLink> links;
};

class Tracer {
 public:
  Tracer(const TracerState* state, InstrumentationScope scope)
      : state_(state), scope_(std::move(scope)) {}
  Tracer(const Tracer&) = delete;
  Tracer& operator=(const Tracer&) = delete;

  // Starts a span as a child of the parent context (see StartSpanOptions). The
  // sampler decides whether it records; either way the returned span carries a
  // valid context (or the parent's, when the SDK is disabled).
  Span StartSpan(std::string_view name, SpanKind kind = SpanKind::kInternal,
                 const StartSpanOptions& options = {}) const;

  const InstrumentationScope& scope() const { return scope_; }

 private:
  const TracerState* state_;
  InstrumentationScope scope_;
};

}  // namespace qtrace
