// SimpleSpanProcessor: exports each span synchronously as it ends, on the
// thread that ends it. For tests and the console exporter only: on a request
// path it would make every request wait for the exporter.
//
// Thread safety: OnEnd may be called from any thread; calls into the exporter
// are serialized with a mutex.
#pragma once

#include <cstdint>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "sdk/span_processor.h"

namespace qtrace {

class SimpleSpanProcessor final : public SpanProcessor {
 public:
  explicit SimpleSpanProcessor(std::unique_ptr<SpanExporter> exporter)
      : exporter_(std::move(exporter)) {}

  void OnEnd(SpanRecordPtr record) override;
  absl::Status ForceFlush(absl::Duration timeout) override;
  absl::Status Shutdown(absl::Duration timeout) override;

  // Spans that failed to export or arrived after Shutdown.
  std::uint64_t dropped() const;

 private:
  mutable absl::Mutex mu_;
  std::unique_ptr<SpanExporter> exporter_ ABSL_GUARDED_BY(mu_);
  bool shut_down_ ABSL_GUARDED_BY(mu_) = false;
  std::uint64_t dropped_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace qtrace
