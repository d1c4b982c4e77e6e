#include "tools/otlp-sink/receiver.h"

#include <algorithm>
#include <cstdio>
#include <thread>

#include "absl/time/clock.h"
#include "qtrace/sdk/common/strings.h"

namespace qtrace::sink {

Outcome Receiver::Handle(const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& request,
                         std::string_view transport, std::int64_t bytes) {
  counters_.requests.fetch_add(1, std::memory_order_relaxed);
  counters_.bytes.fetch_add(bytes, std::memory_order_relaxed);
  if (faults_.options().delay_ms > 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(faults_.options().delay_ms));
  }
  Outcome outcome;
  outcome.action = faults_.Next();
  if (outcome.action != FaultAction::kAccept) {
    counters_.errors.fetch_add(1, std::memory_order_relaxed);
    outcome.message = outcome.action == FaultAction::kUnavailable ? "injected failure (--fail-first)"
                      : outcome.action == FaultAction::kThrottle  ? "injected throttling (--throttle-first)"
                                                                  : "injected bad request (--bad-request-first)";
    // One line per injected fault, with its time, so that tests can measure
    // how long a client waited before retrying.
    std::printf("otlp-sink: %s at %lld\n", outcome.message.c_str(),
                static_cast<long long>(absl::ToUnixNanos(absl::Now())));
    std::fflush(stdout);
    return outcome;
  }
  const std::int64_t spans = collector_.Add(request, transport);
  counters_.spans.fetch_add(spans, std::memory_order_relaxed);
  outcome.rejected_spans = std::min(spans, faults_.options().reject_spans);
  if (outcome.rejected_spans > 0) outcome.message = StrCat("rejected ", outcome.rejected_spans, " spans (--reject-spans)");
  return outcome;
}

void Receiver::CountBadRequest(std::int64_t bytes) {
  counters_.requests.fetch_add(1, std::memory_order_relaxed);
  counters_.bytes.fetch_add(bytes, std::memory_order_relaxed);
  counters_.errors.fetch_add(1, std::memory_order_relaxed);
}

}  // namespace qtrace::sink
