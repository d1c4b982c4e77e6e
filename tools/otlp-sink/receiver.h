// Receiver: what both transports share once a request is decoded: the fault
// plan, the collector, and the counters printed in the summary line.
//
// Thread safety: Handle may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"
#include "tools/otlp-sink/fault_plan.h"
#include "tools/otlp-sink/trace_collector.h"

namespace qtrace::sink {

struct ReceiverCounters {
  std::atomic<std::int64_t> requests{0};
  std::atomic<std::int64_t> spans{0};
  std::atomic<std::int64_t> bytes{0};
  std::atomic<std::int64_t> errors{0};  // refused: faults injected, bad bodies
};

struct Outcome {
  FaultAction action = FaultAction::kAccept;
  std::int64_t rejected_spans = 0;  // partial success to report
  std::string message;
};

class Receiver {
 public:
  Receiver(FaultPlan& faults, TraceCollector& collector) : faults_(faults), collector_(collector) {}

  // Applies the fault plan, then records the spans of an accepted request.
  // bytes is the size as received (compressed when it was).
  Outcome Handle(const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& request,
                 std::string_view transport, std::int64_t bytes);
  // A request that could not be decoded.
  void CountBadRequest(std::int64_t bytes);

  const ReceiverCounters& counters() const { return counters_; }
  const FaultOptions& fault_options() const { return faults_.options(); }

 private:
  FaultPlan& faults_;
  TraceCollector& collector_;
  ReceiverCounters counters_;
};

}  // namespace qtrace::sink
