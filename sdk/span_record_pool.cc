#include "sdk/span_record_pool.h"

namespace qtrace {

void SpanRecordDeleter::operator()(SpanRecord* record) const noexcept {
  if (pool != nullptr) {
    pool->Release(record);
  } else {
    delete record;
  }
}

void SpanRecord::Reset() {
  context = SpanContext();
  parent_span_id = SpanId();
  parent_is_remote = false;
  name.clear();
  kind = SpanKind::kInternal;
  start_unix_ns = end_unix_ns = start_ticks = 0;
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

SpanRecordPool::~SpanRecordPool() {
  SpanRecord* record = nullptr;
  while (free_.TryPop(record)) delete record;
}

SpanRecordPtr SpanRecordPool::Acquire() {
  SpanRecord* record = nullptr;
  if (!free_.TryPop(record)) {
    record = new SpanRecord();
    heap_allocations_.fetch_add(1, std::memory_order_relaxed);
  }
  return SpanRecordPtr(record, SpanRecordDeleter{this});
}

void SpanRecordPool::Release(SpanRecord* record) noexcept {
  record->Reset();
  if (!free_.TryPush(record)) delete record;
}

}  // namespace qtrace
