// TraceCollector: everything the sink received. It writes one JSON line per
// span (--jsonl) as requests arrive, and prints each trace as an indented
// tree once no span of it has arrived for the quiet period (or at exit).
//
// Thread safety: all methods may be called from any thread.
#pragma once

#include <cstdint>
#include <fstream>
#include <map>
#include <ostream>
#include <string>
#include <unordered_set>
#include <thread>
#include <vector>

#include <condition_variable>
#include <mutex>
#include "absl/time/time.h"
#include "opentelemetry/proto/collector/trace/v1/trace_service.pb.h"

namespace qtrace::sink {

struct CollectorOptions {
  std::string jsonl_path;  // empty: no JSON lines
  bool print_trees = true;
  // Remember every (trace id, span id) seen, to count distinct spans and
  // duplicates (an at-least-once sender may send a batch twice).
  bool count_distinct = false;
  absl::Duration quiet_period = absl::Seconds(1);
};

class TraceCollector {
 public:
  // REQUIRES: out outlives the collector.
  TraceCollector(CollectorOptions options, std::ostream& out);
  // Prints what is pending and stops the printer thread.
  ~TraceCollector();

  // Records an accepted request that came over transport ("grpc",
  // "http/protobuf", "http/json"). Returns its span count.
  std::int64_t Add(const opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest& request,
                   std::string_view transport);

  // Prints every pending trace now.
  void FlushTrees();

  // With count_distinct: spans seen once, and arrivals of a span seen before.
  std::int64_t distinct() const;
  std::int64_t duplicates() const;

 private:
  struct SpanLine {
    std::string span_id;
    std::string parent_span_id;
    std::string text;  // what the tree shows for this span
  };
  struct PendingTrace {
    std::vector<SpanLine> spans;
    absl::Time last_arrival;
  };

  void PrintLoop();
  void PrintTrace(const std::string& trace_id, const PendingTrace& trace); // REQUIRES: mu_ held

  const CollectorOptions options_;
  std::ostream& out_;
  std::unordered_set<std::string> seen_;  // trace id + span id bytes; guarded by mu_
  std::int64_t duplicates_ = 0;           // guarded by mu_
  mutable std::mutex mu_;
  std::condition_variable stop_;
  std::ofstream jsonl_;  // guarded by mu_
  std::map<std::string, PendingTrace> pending_;  // guarded by mu_
  bool stopping_ = false;  // guarded by mu_
  std::thread printer_;
};

}  // namespace qtrace::sink
