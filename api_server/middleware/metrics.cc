#include "api_server/middleware/metrics.h"

#include "qtrace/sdk/clock.h"

namespace qtrace::middleware {

http::Middleware MetricsMiddleware(metrics::MetricsRegistry& registry) {
  return [&registry](http::HttpRequest& request, const http::Handler& next) {
    const std::int64_t start = MonotonicNanos();
    int status = 500;
    try {
      http::HttpResponse response = next(request);
      status = response.status;
      registry.RecordRequest(request.method, request.route, status, static_cast<double>(MonotonicNanos() - start) / 1e9);
      return response;
    } catch (...) {
      registry.RecordRequest(request.method, request.route, status, static_cast<double>(MonotonicNanos() - start) / 1e9);
      throw;
    }
  };
}

}  // namespace qtrace::middleware
