// SpanProcessor: where a span goes when it starts and ends. The TracerProvider
// calls OnEnd on the thread that ended the span, so an implementation must
// return quickly and never block on I/O (the batch processor queues; the
// simple processor exports synchronously and is meant for tests and the
// console).
//
// SpanExporter: turns finished records into bytes somewhere (OTLP, console,
// memory). Called by one processor thread at a time.
#pragma once

#include <span>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "qtrace/sdk/span_record.h"

namespace qtrace {

class SpanExporter {
 public:
  virtual ~SpanExporter() = default;
  // Exports a batch. OK when the backend accepted it; otherwise the reason.
  // REQUIRES: calls are not concurrent.
  virtual absl::Status Export(std::span<const SpanRecordPtr> batch) = 0;
  // Waits, at most timeout, until every batch given to Export has been sent
  // or has failed, and returns the first failure since the last Flush. For
  // an exporter whose Export returns before its batch is sent (one with a
  // sending thread); others return OK at once.
  virtual absl::Status Flush(absl::Duration /*timeout*/) { return absl::OkStatus(); }
  // Flushes and releases resources; later Export calls fail. Returns within
  // timeout.
  virtual absl::Status Shutdown(absl::Duration timeout) = 0;
  // Called from another thread while Export may be running: stop waiting
  // (retry back-off) and give up on sends in flight as soon as possible, so
  // that a shutdown deadline holds. Export then returns promptly with an error.
  virtual void Interrupt() {}
};

class SpanProcessor {
 public:
  virtual ~SpanProcessor() = default;
  // Takes ownership of a finished, sampled span. Never blocks. (A span timed
  // by the span clock carries tick readings, not wall times: read them with
  // SpanRecord::Times().)
  virtual void OnEnd(SpanRecordPtr record) = 0;
  // Exports everything ended before the call. OK when all of it was exported
  // within timeout; otherwise DeadlineExceeded or the export error.
  virtual absl::Status ForceFlush(absl::Duration timeout) = 0;
  // Flushes, then stops; spans ended afterwards are dropped and counted.
  // Returns within timeout.
  virtual absl::Status Shutdown(absl::Duration timeout) = 0;
};

}  // namespace qtrace
