#include "qtrace/sdk/pipeline_metrics.h"

namespace qtrace {

std::string_view ToString(ExportFailure failure) {
  switch (failure) {
    case ExportFailure::kUnavailable: return "unavailable";
    case ExportFailure::kRejected: return "rejected";
    case ExportFailure::kPartialSuccess: return "partial_success";
    case ExportFailure::kTooLarge: return "too_large";
    case ExportFailure::kShutdown: return "shutdown";
    case ExportFailure::kCount: break;
  }
  return "unknown";
}

std::string_view ToString(SpoolDrop drop) {
  switch (drop) {
    case SpoolDrop::kQuota: return "quota";
    case SpoolDrop::kAge: return "age";
    case SpoolDrop::kWriteFailed: return "write_failed";
    case SpoolDrop::kRejected: return "rejected";
    case SpoolDrop::kUnreplayable: return "unreplayable";
    case SpoolDrop::kCorrupt: return "corrupt";
    case SpoolDrop::kCount: break;
  }
  return "unknown";
}

std::uint64_t PipelineMetrics::FailedTotal() const {
  std::uint64_t total = 0;
  for (const auto& c : spans_failed) total += c.load(std::memory_order_relaxed);
  return total;
}

}  // namespace qtrace
