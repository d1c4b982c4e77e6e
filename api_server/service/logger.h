// Log: one JSON object per line on stderr, with the trace and span ids of the
// current span and the request id of the current request, so that a log line
// leads to its trace:
//
//   {"time":"2026-11-24T10:00:00.123Z","level":"info","message":"...",
//    "trace_id":"...","span_id":"...","request_id":"..."}
//
// Thread safety: any thread; a line is written with one write(2).
#pragma once

#include <string_view>

#include "qtrace/sdk/config.h"

namespace qtrace::service {

void SetLogLevel(LogLevel level);
void Log(LogLevel level, std::string_view message);

// The request id that Log adds while a request is handled on this thread.
class RequestLogScope {
 public:
  explicit RequestLogScope(std::string_view request_id);
  ~RequestLogScope();
  RequestLogScope(const RequestLogScope&) = delete;
  RequestLogScope& operator=(const RequestLogScope&) = delete;

 private:
  std::string_view previous_;
};

}  // namespace qtrace::service
