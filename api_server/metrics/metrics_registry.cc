#include "api_server/metrics/metrics_registry.h"

#include <algorithm>
#include <cstdio>

#include "qtrace/sdk/common/strings.h"

namespace qtrace::metrics {
namespace {

std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

void Header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += StrCat("# HELP ", name, " ", help, "\n# TYPE ", name, " ", type, "\n");
}

void Sample(std::string& out, std::string_view name, std::string_view labels, std::string_view value) {
  out += name;
  if (!labels.empty()) out += StrCat("{", labels, "}");
  out += StrCat(" ", value, "\n");
}

}  // namespace

std::string LabelValue(std::string_view value) {
  std::string out = "\"";
  for (char c : value) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out.push_back(c);
  }
  out += "\"";
  return out;
}

void MetricsRegistry::Histogram::Observe(double v) {
  for (std::size_t i = 0; i < kBuckets.size(); ++i) {
    if (v <= kBuckets[i]) ++buckets[i];
  }
  ++count;
  sum += v;
}

void MetricsRegistry::RecordRequest(std::string_view method, std::string_view route, int status, double seconds) {
  const std::string route_label = route.empty() ? std::string("unmatched") : std::string(route);
  const std::string base = StrCat("method=", LabelValue(method), ",route=", LabelValue(route_label));
  const std::string with_status = StrCat(base, ",status=", LabelValue(std::to_string(status)));
  std::lock_guard<std::mutex> lock(mu_);
  ++requests_[with_status];
  request_durations_[base].Observe(seconds);
}

void MetricsRegistry::RecordQuery(std::string_view operation, std::string_view collection, double seconds, bool ok) {
  const std::string base = StrCat("operation=", LabelValue(operation), ",collection=", LabelValue(collection));
  const std::string with_outcome = StrCat(base, ",outcome=", LabelValue(ok ? "ok" : "error"));
  std::lock_guard<std::mutex> lock(mu_);
  ++queries_[with_outcome];
  query_durations_[base].Observe(seconds);
}

std::string MetricsRegistry::Render(const PipelineMetrics* p) const {
  std::string out;
  auto histogram = [&](std::string_view name, std::string_view help, const std::map<std::string, Histogram>& h) {
    Header(out, name, "histogram", help);
    for (const auto& [labels, hist] : h) {
      for (std::size_t i = 0; i < kBuckets.size(); ++i) {
        Sample(out, StrCat(name, "_bucket"), StrCat(labels, ",le=", LabelValue(Number(kBuckets[i]))),
               std::to_string(hist.buckets[i]));
      }
      Sample(out, StrCat(name, "_bucket"), StrCat(labels, ",le=\"+Inf\""), std::to_string(hist.count));
      Sample(out, StrCat(name, "_sum"), labels, Number(hist.sum));
      Sample(out, StrCat(name, "_count"), labels, std::to_string(hist.count));
    }
  };
  {
    std::lock_guard<std::mutex> lock(mu_);
    Header(out, "http_server_requests_total", "counter", "HTTP requests answered, by method, route and status.");
    for (const auto& [labels, n] : requests_) Sample(out, "http_server_requests_total", labels, std::to_string(n));
    histogram("http_server_request_duration_seconds", "Time to answer an HTTP request.", request_durations_);
    Header(out, "db_client_queries_total", "counter", "Database queries, by operation, table and outcome.");
    for (const auto& [labels, n] : queries_) Sample(out, "db_client_queries_total", labels, std::to_string(n));
    histogram("db_client_query_duration_seconds", "Time a database query took.", query_durations_);
  }
  if (p == nullptr) return out;
  // The tracer's own counters (OpenTelemetry SDK self-metrics names, with
  // dots as underscores).
  Header(out, "otel_sdk_span_started_total", "counter", "Spans started, by sampling result.");
  Sample(out, "otel_sdk_span_started_total", "otel_span_sampling_result=\"RECORD_AND_SAMPLE\"",
         std::to_string(p->spans_started_sampled.Load()));
  Sample(out, "otel_sdk_span_started_total", "otel_span_sampling_result=\"DROP\"",
         std::to_string(p->spans_started_unsampled.Load()));
  Header(out, "otel_sdk_processor_span_processed_total", "counter",
         "Spans handed to the batch processor; error_type says why one was dropped.");
  const std::uint64_t dropped_full = p->spans_dropped_queue_full.Load();
  const std::uint64_t dropped_shutdown = p->spans_dropped_shutdown.load();
  const std::uint64_t processed = p->spans_processed.Load();
  Sample(out, "otel_sdk_processor_span_processed_total", "error_type=\"\"",
         std::to_string(processed - std::min(processed, dropped_full + dropped_shutdown)));
  Sample(out, "otel_sdk_processor_span_processed_total", "error_type=\"queue_full\"", std::to_string(dropped_full));
  Sample(out, "otel_sdk_processor_span_processed_total", "error_type=\"shutdown\"", std::to_string(dropped_shutdown));
  Header(out, "qtrace_spans_kept_for_error_total", "counter",
         "Spans exported although head sampling dropped them, because their local root ended in error.");
  Sample(out, "qtrace_spans_kept_for_error_total", "", std::to_string(p->spans_kept_for_error.load()));
  Header(out, "qtrace_spans_dropped_error_buffer_full_total", "counter",
         "Spans dropped because a request that head sampling dropped made more than the errors-always-kept "
         "buffer holds while waiting for its outcome.");
  Sample(out, "qtrace_spans_dropped_error_buffer_full_total", "",
         std::to_string(p->spans_dropped_error_buffer_full.load()));
  Header(out, "otel_sdk_processor_span_queue_size", "gauge", "Spans waiting in the export queue.");
  Sample(out, "otel_sdk_processor_span_queue_size", "", std::to_string(p->queue_size.load()));
  Header(out, "otel_sdk_processor_span_queue_capacity", "gauge", "Capacity of the export queue.");
  Sample(out, "otel_sdk_processor_span_queue_capacity", "", std::to_string(p->queue_capacity.load()));
  Header(out, "otel_sdk_exporter_span_exported_total", "counter",
         "Spans the exporter handled; error_type says why one was not exported.");
  Sample(out, "otel_sdk_exporter_span_exported_total", "error_type=\"\"", std::to_string(p->spans_exported.load()));
  for (std::size_t i = 0; i < static_cast<std::size_t>(ExportFailure::kCount); ++i) {
    const auto failure = static_cast<ExportFailure>(i);
    Sample(out, "otel_sdk_exporter_span_exported_total", StrCat("error_type=", LabelValue(ToString(failure))),
           std::to_string(p->Failed(failure)));
  }
  Header(out, "otel_sdk_exporter_retries_total", "counter", "Export attempts that were retries.");
  Sample(out, "otel_sdk_exporter_retries_total", "", std::to_string(p->export_retries.load()));
  Header(out, "otel_sdk_exporter_requests_total", "counter", "Export requests sent, retries included.");
  Sample(out, "otel_sdk_exporter_requests_total", "", std::to_string(p->export_batches.load()));
  Header(out, "otel_sdk_exporter_sent_bytes_total", "counter", "Bytes of export requests sent.");
  Sample(out, "otel_sdk_exporter_sent_bytes_total", "", std::to_string(p->export_bytes.load()));
  RenderSpool(out, *p);
  return out;
}

void MetricsRegistry::RenderSpool(std::string& out, const PipelineMetrics& p) {
  Header(out, "qtrace_spool_spans_spooled_total", "counter",
         "Spans written to the on-disk spool because the backend was down or shutdown ran out of time.");
  Sample(out, "qtrace_spool_spans_spooled_total", "", std::to_string(p.spans_spooled.load()));
  Header(out, "qtrace_spool_spans_replayed_total", "counter",
         "Spans sent from the spool and accepted (also counted as exported).");
  Sample(out, "qtrace_spool_spans_replayed_total", "", std::to_string(p.spans_replayed.load()));
  Header(out, "qtrace_spool_spans_dropped_total", "counter",
         "Spans that left the spool without being sent; error_type says why.");
  for (std::size_t i = 0; i < static_cast<std::size_t>(SpoolDrop::kCount); ++i) {
    const auto reason = static_cast<SpoolDrop>(i);
    Sample(out, "qtrace_spool_spans_dropped_total", StrCat("error_type=", LabelValue(ToString(reason))),
           std::to_string(p.SpoolDropped(reason)));
  }
  Header(out, "qtrace_spool_corrupt_records_total", "counter", "Spool records found damaged and skipped.");
  Sample(out, "qtrace_spool_corrupt_records_total", "", std::to_string(p.spool_corrupt_records.load()));
  Header(out, "qtrace_spool_bytes", "gauge", "Size of the spool's files on disk.");
  Sample(out, "qtrace_spool_bytes", "", std::to_string(p.spool_bytes.load()));
}

}  // namespace qtrace::metrics
