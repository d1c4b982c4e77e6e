// InMemoryExporter: keeps exported spans in memory, for tests and for tools
// that inspect what the SDK produced. The exporter hands out a shared store so
// that a test can read the spans after the provider took ownership of the
// exporter.
#pragma once

#include <memory>
#include <vector>

#include <mutex>
#include "qtrace/sdk/span_processor.h"

namespace qtrace {

class InMemorySpanStore {
 public:
  void Add(const SpanRecord& record);
  // Copies of everything exported so far, in export order.
  std::vector<SpanRecord> Spans() const;
  void Clear();

 private:
  mutable std::mutex mu_;
  std::vector<SpanRecord> spans_;  // guarded by mu_
};

class InMemoryExporter final : public SpanExporter {
 public:
  explicit InMemoryExporter(std::shared_ptr<InMemorySpanStore> store) : store_(std::move(store)) {}

  absl::Status Export(std::span<const SpanRecordPtr> batch) override;
  absl::Status Shutdown(absl::Duration timeout) override;

 private:
  std::shared_ptr<InMemorySpanStore> store_;
  bool shut_down_ = false;
};

}  // namespace qtrace
