#include "qtrace/sdk/span_record_pool.h"

#include <algorithm>

#include "qtrace/sdk/cache_line.h"

namespace qtrace {
namespace {

std::atomic<std::uint64_t> g_next_pool_id{1};

void DeleteAll(SpanRecordBundle& bundle) noexcept {
  for (std::size_t i = bundle.first; i < bundle.size; ++i) delete bundle.records[i];
  bundle.size = bundle.first = 0;
}

// Set once this thread's bundles are destroyed (thread exit; for the main
// thread, before static objects such as a global TracerProvider go). A plain
// bool outlives them: the pool then hands records over one at a time.
thread_local bool t_bundles_gone = false;

// One of a thread's two bundles (taking, returning), with the pool it is for.
struct ThreadBundle {
  ~ThreadBundle() {
    DeleteAll(bundle);
    t_bundles_gone = true;
  }
  // Makes this the bundle of pool `id`, dropping records of another pool.
  SpanRecordBundle& For(std::uint64_t id) noexcept {
    if (pool_id != id) {
      DeleteAll(bundle);
      pool_id = id;
    }
    return bundle;
  }
  std::uint64_t pool_id = 0;
  SpanRecordBundle bundle;
};

thread_local ThreadBundle t_taking;
thread_local ThreadBundle t_returning;

// A refill reads a kept record one attribute at a time, each read after the
// last (an entry, then the kept bytes it compares, then the next entry), and
// a record comes back from the exporter's core, which read it last: each of
// those reads waits a whole trip to the other core's cache. Asked for here
// all at once (the name, the attributes' entries and bytes), those trips
// overlap instead. At most kMaxRefillLines of each block: a record that
// once held a long value need not bring it all back.
constexpr std::size_t kMaxRefillLines = 16;

void PrefetchRefill(const SpanRecord& record) noexcept {
  __builtin_prefetch(record.name.data());
  for (const AttributeList::Block& block : record.attributes.KeptBlocks()) {
    PrefetchLines(block.start, std::min(block.bytes, kMaxRefillLines * kCacheLineSize));
  }
}

// The record after this one: its own lines (not yet its attributes' blocks
// or its name, which need those lines read first), so that its reset's
// reads hit.
void PrefetchRecordLines(const SpanRecord& record) noexcept { PrefetchLines(&record, sizeof(SpanRecord)); }

}  // namespace

void SpanRecordDeleter::operator()(SpanRecord* record) const noexcept {
  if (pool != nullptr) {
    pool->Release(record);
  } else {
    delete record;
  }
}

SpanRecordPool::SpanRecordPool(std::size_t capacity)
    : bundles_(std::max<std::size_t>(1, (capacity + kBundleSize - 1) / kBundleSize)),
      id_(g_next_pool_id.fetch_add(1, std::memory_order_relaxed)) {}

SpanRecordPool::~SpanRecordPool() {
  SpanRecordBundle bundle;
  while (bundles_.TryPop(bundle)) DeleteAll(bundle);
  // This thread's own bundles too; other threads drop theirs when they end or
  // next use a pool.
  if (t_bundles_gone) return;
  if (t_taking.pool_id == id_) DeleteAll(t_taking.bundle);
  if (t_returning.pool_id == id_) DeleteAll(t_returning.bundle);
}

SpanRecord* SpanRecordPool::NewRecord() {
  heap_allocations_.fetch_add(1, std::memory_order_relaxed);
  return new SpanRecord();
}

SpanRecordPtr SpanRecordPool::Acquire() {
  if (t_bundles_gone) return SpanRecordPtr(NewRecord(), SpanRecordDeleter{this});  // never reused: empty
  // A record this thread gave back itself, the newest first: it is still in
  // this core's cache. Those are the records that never left the request
  // thread: a request that head sampling dropped and that was recorded only
  // in case it failed (nine in ten at 10 % sampling), a span recorded but
  // not sampled, a span the full queue dropped. Taken through the shared
  // ring instead, they came back cold, after up to a bundle of others.
  SpanRecordBundle& own = t_returning.For(id_);
  if (own.size > own.first) {
    SpanRecord* record = own.records[--own.size];
    record->Reset();
    return SpanRecordPtr(record, SpanRecordDeleter{this});
  }
  SpanRecordBundle& mine = t_taking.For(id_);
  if (mine.first == mine.size) {
    mine.first = mine.size = 0;
    (void)bundles_.TryPop(mine);  // untouched (still empty) when none is idle
  }
  // In the order they were given back: the first is the longest idle, the
  // least likely to be still in the other core's cache.
  SpanRecord* record = mine.first < mine.size ? mine.records[mine.first++] : NewRecord();
  PrefetchRefill(*record);
  if (mine.first < mine.size) PrefetchRecordLines(*mine.records[mine.first]);
  // Emptied here, on the thread about to fill it, and not by the exporter as
  // it gives the record back: the exporter then only reads a record's lines,
  // and the writes land on lines this thread is about to write anyway.
  record->Reset();
  return SpanRecordPtr(record, SpanRecordDeleter{this});
}

void SpanRecordPool::Release(SpanRecord* record) noexcept {
  // The one field that must not wait for reuse: it keeps a request's
  // errors-always-kept buffer alive.
  if (record->deferred) record->deferred.reset();
  if (t_bundles_gone) {
    SpanRecordBundle single;
    single.records[0] = record;
    single.size = 1;
    if (!bundles_.TryPush(single)) DeleteAll(single);
    return;
  }
  SpanRecordBundle& back = t_returning.For(id_);
  back.records[back.size++] = record;
  if (back.size < kBundleSize) return;
  if (!bundles_.TryPush(back)) DeleteAll(back);  // the pool is full
  back.size = 0;
}

}  // namespace qtrace
