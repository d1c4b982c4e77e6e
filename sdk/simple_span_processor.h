// SimpleSpanProcessor: exports each span synchronously as it ends, on the
// thread that ends it. For tests and the console exporter only: on a request
// path it would make every request wait for the exporter.
//
// Thread safety: OnEnd may be called from any thread; calls into the exporter
// are serialized with a mutex.
#pragma once

#include <cstdint>
#include <memory>

#include <mutex>
#include "qtrace/sdk/span_processor.h"

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
  mutable std::mutex mu_;
  std::unique_ptr<SpanExporter> exporter_;  // guarded by mu_
  bool shut_down_ = false;  // guarded by mu_
  std::uint64_t dropped_ = 0;  // guarded by mu_
};

}  // namespace qtrace
