// ConsoleExporter: one readable line per span on an output stream (stdout by
// default), for development and for OTEL_TRACES_EXPORTER=console:
//
//   <trace id> <span id> <- <parent id or "root"> SERVER "GET /x" 1.234ms OK {http.route=/x, ...}
#pragma once

#include <ostream>

#include "qtrace/sdk/span_processor.h"

namespace qtrace {

class ConsoleExporter final : public SpanExporter {
 public:
  // REQUIRES: out outlives the exporter.
  explicit ConsoleExporter(std::ostream& out) : out_(out) {}

  absl::Status Export(std::span<const SpanRecordPtr> batch) override;
  absl::Status Shutdown(absl::Duration timeout) override;

  // The line for one span, without the newline.
  static std::string FormatSpan(const SpanRecord& span);

 private:
  std::ostream& out_;
  bool shut_down_ = false;
};

}  // namespace qtrace
