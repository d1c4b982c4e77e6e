// SpanRecord: everything a span holds, from start to export. The Span handle
// (sdk/span.h) writes it on the request thread; once the span ends the record
// is handed to the SpanProcessor and belongs to the export pipeline, which
// encodes it and gives it back for reuse.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "qtrace/sdk/attribute.h"
#include "qtrace/sdk/pending_attributes.h"
#include "qtrace/sdk/span_context.h"

namespace qtrace {

enum class SpanKind : std::uint8_t { kInternal = 1, kServer = 2, kClient = 3, kProducer = 4, kConsumer = 5 };
enum class StatusCode : std::uint8_t { kUnset = 0, kOk = 1, kError = 2 };

// The library that made the span: a Tracer's name and version.
struct InstrumentationScope {
  std::string name;
  std::string version;
};

struct SpanEvent {
  std::string name;
  std::int64_t time_unix_ns = 0;
  AttributeList attributes;
};

struct SpanLink {
  SpanContext context;
  AttributeList attributes;
};

class DeferredTrace;

struct SpanRecord {
  // Empties every field but the name (which the next span sets: see
  // span_record.cc) and keeps the storage (strings, attribute blocks), so
  // that a record reused from the pool refills without heap allocation.
  void Reset();
  // The span's wall-clock times as they are exported: explicit ones (given to
  // StartSpan or End) as given, clock-timed ones mapped from the tick
  // readings through the span clock's current anchor (clock.h). The request
  // thread only reads the counter; exporters call this as they encode, and it
  // only reads the record, so that the times come out right whichever
  // processor, ours or a user's, handed the record over.
  struct WallTimes {
    std::int64_t start_unix_ns = 0;
    std::int64_t end_unix_ns = 0;  // 0: not ended
  };
  WallTimes Times() const;
  // Stores Times() in start_unix_ns and end_unix_ns, for a copy that is read
  // field by field (InMemorySpanStore). Idempotent.
  void ResolveTimes();

  SpanContext context;
  SpanId parent_span_id;  // invalid for a root span
  bool parent_is_remote = false;
  std::string name;
  SpanKind kind = SpanKind::kInternal;
  // Explicit wall-clock times; 0 where the span clock timed the span (see
  // Times()) until ResolveTimes fills them in.
  std::int64_t start_unix_ns = 0;
  std::int64_t end_unix_ns = 0;
  // Span clock ticks at start and end; 0 when not read (an explicit start
  // still reads the start ticks: an end from the clock adds the duration).
  // Not exported.
  std::int64_t start_ticks = 0;
  std::int64_t end_ticks = 0;
  AttributeList attributes;
  std::vector<SpanEvent> events;
  std::uint32_t dropped_events = 0;
  std::vector<SpanLink> links;
  std::uint32_t dropped_links = 0;
  StatusCode status = StatusCode::kUnset;
  std::string status_message;
  // Owned by the TracerProvider, which outlives every record it hands out.
  const InstrumentationScope* scope = nullptr;
  // Set when head sampling dropped the local root: the record waits in this
  // buffer until the root's outcome is known (see deferred_trace.h).
  std::shared_ptr<DeferredTrace> deferred;
  // Attributes that wait for such a record to be kept (Span::
  // SetAttributesWhenKept); DeferredTrace sets them before it exports it.
  PendingAttributes pending_attributes;
};

class SpanRecordPool;

// Destroying a SpanRecordPtr gives the record back to its pool (or deletes it
// when it came from the heap).
struct SpanRecordDeleter {
  SpanRecordPool* pool = nullptr;
  void operator()(SpanRecord* record) const noexcept;
};
using SpanRecordPtr = std::unique_ptr<SpanRecord, SpanRecordDeleter>;

// A record from the heap rather than a pool (tests, tools).
inline SpanRecordPtr MakeSpanRecord() { return SpanRecordPtr(new SpanRecord(), SpanRecordDeleter{}); }

}  // namespace qtrace
