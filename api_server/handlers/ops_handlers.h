// Operational routes: GET /health (and /api/v1/health), which checks the
// database; GET /metrics in the Prometheus text format; and, when enabled,
// POST /test for the W3C Trace Context test harness.
#pragma once

#include "api_server/client/http_client.h"
#include "api_server/http/router.h"
#include "api_server/metrics/metrics_registry.h"
#include "api_server/service/qa_store.h"
#include "qtrace/sdk/pipeline_metrics.h"

namespace qtrace::handlers {

// REQUIRES: everything passed outlives the router.
void AddOpsRoutes(http::Router& router, service::QaStore& store, const metrics::MetricsRegistry& registry,
                  const PipelineMetrics& pipeline, const std::string& database_system);

// POST /test: a JSON array of {"url": ..., "arguments": [...]}; for each, in
// order, POSTs arguments to url as a child of this request's span. Loopback
// URLs only.
void AddW3cTestRoute(http::Router& router, const client::TracedHttpClient& client);

}  // namespace qtrace::handlers
