// MetricsRegistry: the service's counters and histograms, written out in the
// Prometheus text exposition format for GET /metrics (checked by
// `promtool check metrics` in the tests).
//
// Thread safety: every method may be called from any thread. One short mutex
// per update; the request path touches it once per request and once per
// query, never while the exporter holds it.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "qtrace/sdk/pipeline_metrics.h"

namespace qtrace::metrics {

class MetricsRegistry {
 public:
  void RecordRequest(std::string_view method, std::string_view route, int status, double seconds);
  void RecordQuery(std::string_view operation, std::string_view collection, double seconds, bool ok);

  // The exposition text; tracer counters come from pipeline (may be null).
  std::string Render(const PipelineMetrics* pipeline) const;

 private:
  // The spool's series (exporter/spool.h), appended to out.
  static void RenderSpool(std::string& out, const PipelineMetrics& pipeline);
  static constexpr std::array<double, 12> kBuckets = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                      0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
  struct Histogram {
    std::array<std::uint64_t, kBuckets.size()> buckets{};
    std::uint64_t count = 0;
    double sum = 0;
    void Observe(double v);
  };

  mutable std::mutex mu_;
  // Keyed by the rendered label set, e.g. method="GET",route="/x",status="200".
  std::map<std::string, std::uint64_t> requests_;         // guarded by mu_
  std::map<std::string, Histogram> request_durations_;    // guarded by mu_
  std::map<std::string, std::uint64_t> queries_;          // guarded by mu_
  std::map<std::string, Histogram> query_durations_;      // guarded by mu_
};

// A Prometheus label value, escaped.
std::string LabelValue(std::string_view value);

}  // namespace qtrace::metrics
