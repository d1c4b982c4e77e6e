// HttpReceiver: OTLP/HTTP (POST /v1/traces) on our HTTP server: protobuf
// (application/x-protobuf) and JSON (application/json) bodies, optionally
// gzip-encoded. Injected failures answer 503; throttling answers 429 with a
// Retry-After header.
#pragma once

#include "api_server/http/router.h"
#include "tools/otlp-sink/receiver.h"

namespace qtrace::sink {

// Adds the /v1/traces route to router. REQUIRES: receiver outlives the router.
void AddOtlpHttpRoutes(http::Router& router, Receiver& receiver);

}  // namespace qtrace::sink
