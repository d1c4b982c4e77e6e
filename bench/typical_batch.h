// The typical batch the benchmarks share: n server spans with the five
// attributes of an HTTP request (method, route, path, status, port), each in
// a trace of its own, about 247 bytes each once encoded.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "qtrace/sdk/ids.h"
#include "qtrace/sdk/span_record.h"

namespace qtrace::bench {

inline std::vector<SpanRecordPtr> TypicalBatch(std::size_t n, const InstrumentationScope& scope) {
  std::vector<SpanRecordPtr> spans;
  for (std::size_t i = 0; i < n; ++i) {
    SpanRecordPtr span = MakeSpanRecord();
    span->context = SpanContext(RandomTraceId(), RandomSpanId(), TraceFlags::kSampled, false);
    span->parent_span_id = RandomSpanId();
    span->name = "GET /api/projects/{id}";
    span->kind = SpanKind::kServer;
    span->start_unix_ns = 1'712'345'678'000'000'000 + static_cast<std::int64_t>(i) * 1'000'000LL;
    span->end_unix_ns = span->start_unix_ns + 250'000 + static_cast<std::int64_t>(i);
    span->attributes.Set("http.request.method", "GET");
    span->attributes.Set("http.route", "/api/projects/{id}");
    span->attributes.Set("url.path", "/api/projects/" + std::to_string(1000 + i));
    span->attributes.Set("http.response.status_code", std::int64_t{200});
    span->attributes.Set("server.port", std::int64_t{8080});
    span->scope = &scope;
    spans.push_back(std::move(span));
  }
  return spans;
}

}  // namespace qtrace::bench
