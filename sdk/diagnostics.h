// Diagnostics: how the SDK reports its own trouble (export failures, drops,
// bad configuration). One process-wide handler, set once at start-up by the
// service (it writes JSON log lines); the default writes plain lines to
// stderr. Never called on the request path: drops are counted there and
// reported from the exporter thread.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace qtrace {

enum class LogLevel : std::uint8_t { kDebug, kInfo, kWarn, kError };
std::string_view ToString(LogLevel level);

using DiagnosticHandler = std::function<void(LogLevel level, std::string_view message)>;

// REQUIRES: called before any pipeline thread starts (not synchronized).
void SetDiagnosticHandler(DiagnosticHandler handler);
// Messages below level are discarded.
void SetDiagnosticLevel(LogLevel level);

void Diagnose(LogLevel level, std::string_view message);

// Repeated trouble (export failures) without log spam: the first message goes
// out at once, later ones at most once per interval, each saying how many were
// held back since the last. Thread safety: one thread at a time.
class RateLimitedDiagnostic {
 public:
  explicit RateLimitedDiagnostic(absl::Duration interval = absl::Seconds(10)) : interval_(interval) {}
  void Report(LogLevel level, std::string_view message);
  std::uint64_t suppressed() const { return suppressed_; }

 private:
  const absl::Duration interval_;
  absl::Time last_ = absl::InfinitePast();
  std::uint64_t suppressed_ = 0;
};

}  // namespace qtrace
