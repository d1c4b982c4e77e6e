#include "qtrace/sdk/span_record.h"

#include "qtrace/sdk/clock.h"

namespace qtrace {

void SpanRecord::Reset() {
  context = SpanContext();
  parent_span_id = SpanId();
  parent_is_remote = false;
  name.clear();
  kind = SpanKind::kInternal;
  start_unix_ns = end_unix_ns = start_ticks = end_ticks = 0;
  attributes.Clear();
  events.clear();
  dropped_events = 0;
  links.clear();
  dropped_links = 0;
  status = StatusCode::kUnset;
  status_message.clear();
  scope = nullptr;
  deferred.reset();
}

void SpanRecord::ResolveTimes() {
  if (start_unix_ns == 0 && start_ticks != 0) start_unix_ns = WallFromTicks(start_ticks);
  if (end_unix_ns == 0 && end_ticks != 0) end_unix_ns = start_unix_ns + TicksToNanos(end_ticks - start_ticks);
}

}  // namespace qtrace
