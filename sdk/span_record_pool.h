// SpanRecordPool: recycles span records so that, once warm, starting and
// ending a span allocates nothing. Records are taken on the request thread
// (Acquire) and given back by whoever destroys the SpanRecordPtr, normally the
// exporter thread after encoding. Reset runs in Acquire, on the thread that
// fills the record next: the exporter only reads a record, so its lines are
// not pulled over to the exporter's core and back for the reset.
//
// Records travel between threads in bundles of kBundleSize, not one by one:
// each thread takes from a bundle of its own and gives back into another of
// its own, and only a full or empty bundle goes through the shared lock-free
// RingBuffer: one ring operation (a slot the other core wrote last) per
// kBundleSize spans instead of one per span on each side.
//
//  1. Acquire takes a record this thread gave back itself when there is one
//     (its returning bundle, newest first: still in this core's cache);
//     otherwise from this thread's taking bundle, in the order the records were
//     given back (the longest idle first: the least likely to be still in
//     the other core's cache; taking the newest first cost 60 ns a span
//     here); when it is empty, pops a full bundle; when none is idle,
//     allocates a record (counted). It then asks the cache, at once, for
//     every block the refill will read (the record's kept keys and string
//     values) and for the next record's lines: records come back from the
//     exporter's core, and read one after another those blocks cost a
//     cross-core trip each (bench/README.md, 2026-12-06).
//  2. Release drops the record's hold on its errors-always-kept buffer and
//     puts the record into this thread's returning bundle; a full
//     one is pushed to the ring, or its records deleted when the ring is full,
//     so the pool never keeps more than its capacity (rounded up to whole
//     bundles) plus two bundles per thread.
//  3. A thread's bundles belong to one pool at a time (the last it used);
//     records a thread still holds when it ends, or when it moves to another
//     pool, are deleted then.
//
// Thread safety: Acquire and Release may be called from any thread.
// REQUIRES: the pool outlives every record it handed out.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "qtrace/sdk/ring_buffer.h"
#include "qtrace/sdk/span_record.h"

namespace qtrace {

// Idle records moved between threads as one value (internal to the pool).
struct SpanRecordBundle {
  static constexpr std::size_t kCapacity = 32;
  std::array<SpanRecord*, kCapacity> records{};
  std::size_t size = 0;   // records[0, size) were filled
  std::size_t first = 0;  // records[first, size) are still there
};

class SpanRecordPool {
 public:
  static constexpr std::size_t kBundleSize = SpanRecordBundle::kCapacity;

  // capacity: idle records kept in the shared ring.
  explicit SpanRecordPool(std::size_t capacity);
  ~SpanRecordPool();
  SpanRecordPool(const SpanRecordPool&) = delete;
  SpanRecordPool& operator=(const SpanRecordPool&) = delete;

  // An empty record, reused when one is idle.
  SpanRecordPtr Acquire();
  // Keeps record for reuse, reset by the Acquire that takes it (or deletes it
  // when the pool is full).
  void Release(SpanRecord* record) noexcept;

  // Records made with new since the pool was created.
  std::uint64_t heap_allocations() const { return heap_allocations_.load(std::memory_order_relaxed); }
  // At most this many idle records in the shared ring (each bundle counted as
  // full; the threads' own bundles not counted).
  std::size_t idle() const { return bundles_.SizeApprox() * kBundleSize; }

 private:
  SpanRecord* NewRecord();  // counted in heap_allocations_

  RingBuffer<SpanRecordBundle> bundles_;
  // Tells the threads' bundles which pool they belong to; never reused, unlike
  // an address.
  const std::uint64_t id_;
  std::atomic<std::uint64_t> heap_allocations_{0};
};

}  // namespace qtrace
