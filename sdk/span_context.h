// SpanContext: the part of a span that crosses process boundaries (W3C
// traceparent + tracestate): trace id, span id, trace flags, tracestate, and
// whether it was received from another process.
#pragma once

#include <cstdint>
#include <utility>

#include "qtrace/sdk/ids.h"
#include "qtrace/sdk/trace_state.h"

namespace qtrace {

// The W3C trace-flags byte. Only bit 0 (sampled) is defined in Level 1; bit 1
// (random trace id) in Level 2. Other bits are kept as received.
struct TraceFlags {
  static constexpr std::uint8_t kSampled = 0x01;
  static constexpr std::uint8_t kRandom = 0x02;
};

class SpanContext {
 public:
  SpanContext() = default;  // invalid: no parent
  SpanContext(TraceId trace_id, SpanId span_id, std::uint8_t flags, bool is_remote,
              TraceStatePtr trace_state = nullptr)
      : trace_id_(trace_id),
        span_id_(span_id),
        flags_(flags),
        is_remote_(is_remote),
        trace_state_(std::move(trace_state)) {}

  const TraceId& trace_id() const { return trace_id_; }
  const SpanId& span_id() const { return span_id_; }
  std::uint8_t flags() const { return flags_; }
  bool is_remote() const { return is_remote_; }
  [[nodiscard]] bool IsValid() const { return trace_id_.IsValid() && span_id_.IsValid(); }
  [[nodiscard]] bool IsSampled() const { return (flags_ & TraceFlags::kSampled) != 0; }

  // Never null: an absent tracestate reads as the shared empty one.
  const TraceState& trace_state() const;
  const TraceStatePtr& trace_state_ptr() const { return trace_state_; }

 private:
  TraceId trace_id_;
  SpanId span_id_;
  std::uint8_t flags_ = 0;
  bool is_remote_ = false;
  TraceStatePtr trace_state_;
};

}  // namespace qtrace
