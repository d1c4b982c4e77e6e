// DeferredTrace: "errors are always kept". When head sampling drops a local
// root (a span whose parent is absent or in another process), the spans of
// that local subtree are still recorded, cheaply, into this per-root buffer
// instead of the export queue. When the root ends, the buffer is decided:
//   * the root ended in error (a 5xx or an exception sets error status):
//     every buffered span and the root go to the processor, marked sampled,
//     each with the attributes it held back until then
//     (Span::SetAttributesWhenKept);
//   * otherwise they are dropped (their records return to the pool).
// Spans that end after the root follow the decision.
//
// Limit: services called during the request already received the unsampled
// flag in traceparent, so their part of the trace is not exported.
//
// Thread safety: OnEnd may be called from any thread (a subtree may span a
// thread pool); a mutex guards the buffer and is never held while waiting.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

#include "absl/container/inlined_vector.h"

#include "qtrace/sdk/pipeline_metrics.h"
#include "qtrace/sdk/span_processor.h"
#include "qtrace/sdk/span_record.h"

namespace qtrace {

class DeferredTrace {
 public:
  // At most this many spans wait per root; more are dropped and counted.
  static constexpr std::size_t kMaxBufferedSpans = 1024;

  DeferredTrace(SpanId root, SpanProcessor* processor, PipelineMetrics* metrics)
      : root_(root), processor_(processor), metrics_(metrics) {}

  // Takes an ended record of this subtree.
  void OnEnd(SpanRecordPtr record);

 private:
  enum class State { kPending, kKept, kDropped };
  void Export(SpanRecordPtr record);

  const SpanId root_;
  SpanProcessor* const processor_;
  PipelineMetrics* const metrics_;
  std::mutex mu_;
  State state_ = State::kPending;          // guarded by mu_
  // A request's handful of child spans wait here without a heap allocation;
  // only a larger subtree spills to the heap.
  static constexpr std::size_t kInlineSpans = 8;
  using Records = absl::InlinedVector<SpanRecordPtr, kInlineSpans>;
  Records buffered_;                       // guarded by mu_
};

using DeferredTracePtr = std::shared_ptr<DeferredTrace>;

}  // namespace qtrace
