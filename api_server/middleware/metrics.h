// Metrics middleware (last in the chain, inside the server span): counts each
// request by method, route and status, and times it.
#pragma once

#include "api_server/http/router.h"
#include "api_server/metrics/metrics_registry.h"

namespace qtrace::middleware {

// REQUIRES: registry outlives the router.
http::Middleware MetricsMiddleware(metrics::MetricsRegistry& registry);

}  // namespace qtrace::middleware
