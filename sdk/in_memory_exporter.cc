#include "qtrace/sdk/in_memory_exporter.h"

namespace qtrace {

void InMemorySpanStore::Add(const SpanRecord& record) {
  std::lock_guard<std::mutex> lock(mu_);
  spans_.push_back(record);
  spans_.back().ResolveTimes();  // the copy is read field by field
}

std::vector<SpanRecord> InMemorySpanStore::Spans() const {
  std::lock_guard<std::mutex> lock(mu_);
  return spans_;
}

void InMemorySpanStore::Clear() {
  std::lock_guard<std::mutex> lock(mu_);
  spans_.clear();
}

absl::Status InMemoryExporter::Export(std::span<const SpanRecordPtr> batch) {
  if (shut_down_) return absl::FailedPreconditionError("exporter is shut down");
  for (const SpanRecordPtr& record : batch) store_->Add(*record);
  return absl::OkStatus();
}

absl::Status InMemoryExporter::Shutdown(absl::Duration) {
  shut_down_ = true;
  return absl::OkStatus();
}

}  // namespace qtrace
