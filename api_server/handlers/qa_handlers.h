// The QA project-management API under /api/v1: projects, test cases, test
// runs with their results and summary, and the sync that reports a run's
// failed cases to the external issue tracker.
#pragma once

#include <string>

#include "api_server/client/http_client.h"
#include "api_server/http/router.h"
#include "api_server/service/qa_store.h"

namespace qtrace::handlers {

// REQUIRES: store and client outlive the router. tracker_url may be empty
// (then sync answers 503).
void AddQaRoutes(http::Router& router, service::QaStore& store, const client::TracedHttpClient& client,
                 std::string tracker_url);

}  // namespace qtrace::handlers
