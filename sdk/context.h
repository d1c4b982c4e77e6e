// Context: what a unit of work knows of its trace: the active span's
// SpanContext and the baggage. Each thread has a current Context; a Scope makes
// another one current and restores the previous on destruction.
//
// To carry work across threads, capture a Context on one thread and attach it
// on the other:
//
//   qtrace::Context ctx = qtrace::Context::Current();
//   pool.Submit([ctx] {
//     qtrace::Scope scope = ctx.Attach();
//     auto span = tracer.StartSpan("work");  // child of the captured span
//   });
//
// Thread safety: a Context is an immutable value and may be copied between
// threads; the "current" slot is thread-local and touched only by its thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>

#include "qtrace/sdk/baggage.h"
#include "qtrace/sdk/span_context.h"

namespace qtrace {

class Scope;
class DeferredTrace;

// What a propagator can say about sampling besides a parent's sampled flag:
//   kDeny, kAccept  a decision received without ids (B3 "b3: 0", "b3: 1",
//                   or X-B3-Sampled alone): it binds the new root started
//                   under this context;
//   kDebug          B3's and Jaeger's debug flag (sampled, and "keep it"):
//                   with ids it rides along so that the B3 and Jaeger
//                   propagators write it on the outgoing calls, without ids
//                   it samples the new root;
//   kDefer          a parent whose sender left the decision to us (B3 ids
//                   without a sampling state, X-Ray "Sampled=?" or no
//                   Sampled): our root sampler decides on its trace id.
enum class SamplingHint : std::uint8_t { kNone, kDeny, kAccept, kDebug, kDefer };

class Context {
 public:
  Context() = default;

  // A copy of this thread's current context (empty when nothing is attached).
  static Context Current();

  Context WithSpanContext(SpanContext span_context) const {
    Context copy = *this;
    copy.span_context_ = std::move(span_context);
    return copy;
  }
  Context WithBaggage(BaggagePtr baggage) const {
    Context copy = *this;
    copy.baggage_ = std::move(baggage);
    return copy;
  }

  Context WithDeferred(std::shared_ptr<DeferredTrace> deferred) const {
    Context copy = *this;
    copy.deferred_ = std::move(deferred);
    return copy;
  }
  Context WithSamplingHint(SamplingHint hint) const {
    Context copy = *this;
    copy.sampling_hint_ = hint;
    return copy;
  }
  // The fields of a received X-Amzn-Trace-Id other than Root, Parent and
  // Sampled (Lineage, Self, a vendor's own), ";"-joined as they came, so that
  // the X-Ray propagator passes them on to the next hop.
  Context WithXrayExtraFields(std::shared_ptr<const std::string> fields) const {
    Context copy = *this;
    copy.xray_extra_fields_ = std::move(fields);
    return copy;
  }
  // The buffer of an unsampled local root whose spans wait for its outcome
  // (null when the active span is sampled or there is none).
  const std::shared_ptr<DeferredTrace>& deferred() const { return deferred_; }

  // The active span's context; invalid when there is none.
  const SpanContext& span_context() const { return span_context_; }
  SamplingHint sampling_hint() const { return sampling_hint_; }
  // Null when none were received.
  const std::shared_ptr<const std::string>& xray_extra_fields() const { return xray_extra_fields_; }
  // Never null: absent baggage reads as the shared empty one.
  const Baggage& baggage() const;
  const BaggagePtr& baggage_ptr() const { return baggage_; }

  // Makes this context current on the calling thread until the Scope ends.
  [[nodiscard]] Scope Attach() const;

 private:
  SpanContext span_context_;
  BaggagePtr baggage_;
  std::shared_ptr<DeferredTrace> deferred_;
  std::shared_ptr<const std::string> xray_extra_fields_;
  SamplingHint sampling_hint_ = SamplingHint::kNone;
};

// RAII: restores the previously current Context when destroyed. Scopes nest and
// must end in reverse order on the thread that made them; they cannot be copied
// or moved to another thread.
class Scope {
 public:
  explicit Scope(Context context);
  ~Scope();
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;
  Scope(Scope&&) = delete;
  Scope& operator=(Scope&&) = delete;

 private:
  Context previous_;
};

// The current context of this thread without a copy (for the span start path).
const Context& CurrentContextRef();

}  // namespace qtrace
