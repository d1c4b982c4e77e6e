#include "qtrace/sdk/span_record.h"

#include "qtrace/sdk/clock.h"

namespace qtrace {

void SpanRecord::Reset() {
  // Each field is written only when it is not already empty: a record's lines
  // were last read on the exporter's core, and a line written here must be
  // taken back from there first, while one only read stays shared.
  const auto clear = [](auto& field, const auto& empty) {
    if (!(field == empty)) field = empty;
  };
  context = SpanContext();
  clear(parent_span_id, SpanId());
  clear(parent_is_remote, false);
  // The name is left for the next span to overwrite: Tracer::StartSpan
  // always sets one, and when it is the same name (the same route) its
  // buffer is then never written at all.
  clear(kind, SpanKind::kInternal);
  start_unix_ns = end_unix_ns = start_ticks = end_ticks = 0;
  attributes.Clear();
  if (!events.empty()) events.clear();
  clear(dropped_events, 0u);
  if (!links.empty()) links.clear();
  clear(dropped_links, 0u);
  clear(status, StatusCode::kUnset);
  if (!status_message.empty()) status_message.clear();
  clear(scope, static_cast<const InstrumentationScope*>(nullptr));
  if (deferred) deferred.reset();
  if (pending_attributes) pending_attributes.Drop();
}

SpanRecord::WallTimes SpanRecord::Times() const {
  WallTimes times{start_unix_ns, end_unix_ns};
  if (times.start_unix_ns == 0 && start_ticks != 0) times.start_unix_ns = WallFromTicks(start_ticks);
  if (times.end_unix_ns == 0 && end_ticks != 0) {
    times.end_unix_ns = times.start_unix_ns + TicksToNanos(end_ticks - start_ticks);
  }
  return times;
}

void SpanRecord::ResolveTimes() {
  const WallTimes times = Times();
  start_unix_ns = times.start_unix_ns;
  end_unix_ns = times.end_unix_ns;
}

}  // namespace qtrace
