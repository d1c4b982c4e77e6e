#include "qtrace/sdk/simple_span_processor.h"

namespace qtrace {

void SimpleSpanProcessor::OnEnd(SpanRecordPtr record) {
  std::lock_guard<std::mutex> lock(mu_);
  if (shut_down_) {
    ++dropped_;
    return;
  }
  if (!exporter_->Export({&record, 1}).ok()) ++dropped_;
}

absl::Status SimpleSpanProcessor::ForceFlush(absl::Duration) {
  return absl::OkStatus();  // nothing is ever pending: every span was exported in OnEnd
}

absl::Status SimpleSpanProcessor::Shutdown(absl::Duration timeout) {
  std::lock_guard<std::mutex> lock(mu_);
  if (shut_down_) return absl::FailedPreconditionError("span processor already shut down");
  shut_down_ = true;
  return exporter_->Shutdown(timeout);
}

std::uint64_t SimpleSpanProcessor::dropped() const {
  std::lock_guard<std::mutex> lock(mu_);
  return dropped_;
}

}  // namespace qtrace
