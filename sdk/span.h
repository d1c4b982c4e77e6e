// Span: the RAII handle a caller holds while an operation runs. Starting one
// (Tracer::StartSpan) reads the clock and makes ids; destroying or End()ing it
// reads the clock again and hands the record to the SpanProcessor.
//
// A span that the sampler dropped (or that the SDK made while disabled) is
// non-recording: every setter is a cheap no-op, but context() is still valid so
// that propagation keeps working.
//
// Thread safety: one Span is used by one thread at a time (move it to hand it
// over). REQUIRES: the TracerProvider outlives every Span it started.
#pragma once

#include <cstdint>
#include <exception>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

#include "qtrace/sdk/context.h"
#include "qtrace/sdk/span_limits.h"
#include "qtrace/sdk/span_processor.h"
#include "qtrace/sdk/span_record.h"

namespace qtrace {

class Span {
 public:
  Span() = default;  // non-recording with an invalid context
  // A non-recording span that carries context (dropped by the sampler).
  explicit Span(SpanContext context) : context_(std::move(context)) {}
  // A recording span: its context is the record's.
  Span(SpanRecordPtr record, SpanProcessor* processor, const SpanLimits* limits);

  ~Span() { End(); }
  Span(Span&& other) noexcept = default;
  Span& operator=(Span&& other) noexcept;
  Span(const Span&) = delete;
  Span& operator=(const Span&) = delete;

  [[nodiscard]] bool IsRecording() const { return record_ != nullptr; }
  const SpanContext& context() const { return record_ ? record_->context : context_; }

  // Attribute setters; strings are copied into the record.
  template <class T>
  Span& SetAttribute(std::string_view key, const T& value) {
    if (record_) record_->attributes.Set(key, value);
    return *this;
  }

  // Attributes an exported span needs that a span recorded only in case its
  // request fails need not cost until it does (pending_attributes.h). For
  // such a span fill(attributes, source) runs only if the span is kept: when
  // its local root ends in error, or at its own end if that comes later. Any
  // other recording span runs it now, and so does a span already holding a
  // fill. source is copied (trivially copyable, at most 64 bytes); what it
  // points to must stay valid until both the span and its local root have
  // ended. A kept span gets these attributes last, so fill should set keys
  // the span does not set itself. fill must not throw: it may run as a span
  // ends, in a destructor.
  template <class Source>
  Span& SetAttributesWhenKept(void (*fill)(AttributeList&, const Source&), const Source& source) {
    static_assert(PendingAttributes::kHoldable<Source>, "a held source is trivially copyable and at most 64 bytes");
    if (!record_) return *this;
    if (record_->deferred == nullptr || record_->pending_attributes) {
      fill(record_->attributes, source);
    } else {
      record_->pending_attributes.Hold(fill, source);
    }
    return *this;
  }

  // Adds a timestamped event (time 0 means now). Past the event limit the
  // event is dropped and counted.
  Span& AddEvent(std::string_view name, std::initializer_list<Attribute> attributes = {},
                 std::int64_t time_unix_ns = 0);
  // Links this span to another span's context. An invalid context is ignored.
  Span& AddLink(const SpanContext& linked, std::initializer_list<Attribute> attributes = {}) {
    return AddLink(linked, std::span<const Attribute>(attributes.begin(), attributes.size()));
  }
  Span& AddLink(const SpanContext& linked, std::span<const Attribute> attributes);

  // Status rules of the specification: Ok is final; Unset never replaces a
  // status already set; a description is kept only with Error.
  Span& SetStatus(StatusCode code, std::string_view description = {});
  Span& UpdateName(std::string_view name);

  // Adds an "exception" event with exception.type and exception.message. Does
  // not set the status: the caller decides whether the exception is an error.
  Span& RecordException(std::string_view type, std::string_view message);
  Span& RecordException(const std::exception& e);

  // Ends the span (idempotent). end_unix_ns 0 means now; the duration then
  // comes from the monotonic clock.
  void End(std::int64_t end_unix_ns = 0);

  // Makes this span the current one on this thread until the Scope ends, so
  // that spans started meanwhile become its children.
  [[nodiscard]] Scope Activate() const { return ContextOver(CurrentContextRef()).Attach(); }
  // base with this span as the active one (for Attach on another thread).
  Context ContextOver(const Context& base) const {
    return base.WithSpanContext(context()).WithDeferred(record_ ? record_->deferred : nullptr);
  }

  // Read access for instrumentation that decides on what it already wrote
  // (null when not recording). A span timed by the span clock holds tick
  // readings: its wall-clock times are record()->Times().
  const SpanRecord* record() const { return record_.get(); }

 private:
  // The context when not recording; a recording span reads its record's and
  // copies it here only as it ends (End). Copying it at the start read the
  // trace id back right after it was stored in two halves, a load the
  // processor cannot forward from its store buffer (about 6 ns a span).
  SpanContext context_;
  SpanRecordPtr record_;
  SpanProcessor* processor_ = nullptr;
  const SpanLimits* limits_ = nullptr;
};

// The exception's dynamic type, demangled ("std::runtime_error"): what
// exception.type and the conventions' error.type carry.
std::string ExceptionTypeName(const std::exception& e);

}  // namespace qtrace
