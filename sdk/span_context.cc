#include "qtrace/sdk/span_context.h"

namespace qtrace {

const TraceState& SpanContext::trace_state() const {
  static const TraceState kEmpty;
  return trace_state_ ? *trace_state_ : kEmpty;
}

}  // namespace qtrace
