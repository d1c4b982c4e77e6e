#include "qtrace/sdk/diagnostics.h"

#include <cstdio>

#include "qtrace/sdk/common/strings.h"

namespace qtrace {
namespace {

DiagnosticHandler& Handler() {
  static DiagnosticHandler handler;
  return handler;
}

LogLevel& Level() {
  static LogLevel level = LogLevel::kInfo;
  return level;
}

}  // namespace

void SetDiagnosticHandler(DiagnosticHandler handler) { Handler() = std::move(handler); }
void SetDiagnosticLevel(LogLevel level) { Level() = level; }

void Diagnose(LogLevel level, std::string_view message) {
  if (level < Level()) return;
  if (Handler()) {
    Handler()(level, message);
    return;
  }
  std::fprintf(stderr, "qtrace %.*s: %.*s\n", static_cast<int>(ToString(level).size()), ToString(level).data(),
               static_cast<int>(message.size()), message.data());
}

void RateLimitedDiagnostic::Report(LogLevel level, std::string_view message) {
  const absl::Time now = absl::Now();
  if (now - last_ < interval_) {
    ++suppressed_;
    return;
  }
  if (suppressed_ > 0) {
    Diagnose(level, StrCat(message, " (", suppressed_, " similar messages held back)"));
  } else {
    Diagnose(level, message);
  }
  suppressed_ = 0;
  last_ = now;
}

std::string_view ToString(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "info";
}

}  // namespace qtrace
