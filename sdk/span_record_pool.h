// SpanRecordPool: recycles span records so that, once warm, starting and
// ending a span allocates nothing. Records are taken on the request thread
// (Acquire) and given back by whoever destroys the SpanRecordPtr, normally the
// exporter thread after encoding; Reset runs there, off the request path.
//
// The free list is a RingBuffer of idle records: no lock on either side. When
// it is empty Acquire allocates a new record (counted); when it is full a
// returned record is deleted, so the pool never holds more than capacity idle
// records.
//
// Thread safety: Acquire and Release may be called from any thread.
// REQUIRES: the pool outlives every record it handed out.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "sdk/ring_buffer.h"
#include "sdk/span_record.h"

namespace qtrace {

class SpanRecordPool {
 public:
  explicit SpanRecordPool(std::size_t capacity) : free_(capacity) {}
  ~SpanRecordPool();
  SpanRecordPool(const SpanRecordPool&) = delete;
  SpanRecordPool& operator=(const SpanRecordPool&) = delete;

  // An empty record, reused when one is idle.
  SpanRecordPtr Acquire();
  // Resets record and keeps it for reuse (or deletes it when the pool is full).
  void Release(SpanRecord* record) noexcept;

  // Records made with new since the pool was created.
  std::uint64_t heap_allocations() const { return heap_allocations_.load(std::memory_order_relaxed); }
  std::size_t idle() const { return free_.SizeApprox(); }

 private:
  RingBuffer<SpanRecord*> free_;
  std::atomic<std::uint64_t> heap_allocations_{0};
};

}  // namespace qtrace
