#include "api_server/service/logger.h"

#include <unistd.h>

#include <atomic>
#include <ctime>

#include "qtrace/sdk/context.h"
#include "qtrace/sdk/common/json_writer.h"

namespace qtrace::service {
namespace {

std::atomic<LogLevel> g_level{LogLevel::kInfo};
thread_local std::string_view t_request_id;

std::string Timestamp() {
  timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  std::tm tm{};
  gmtime_r(&ts.tv_sec, &tm);
  char buf[40];
  const std::size_t n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::snprintf(buf + n, sizeof buf - n, ".%03ldZ", ts.tv_nsec / 1000000);
  return buf;
}

}  // namespace

void SetLogLevel(LogLevel level) { g_level.store(level, std::memory_order_relaxed); }

void Log(LogLevel level, std::string_view message) {
  if (level < g_level.load(std::memory_order_relaxed)) return;
  JsonWriter w;
  w.BeginObject();
  w.Key("time").String(Timestamp());
  w.Key("level").String(ToString(level));
  w.Key("message").String(message);
  const SpanContext& span = CurrentContextRef().span_context();
  if (span.IsValid()) {
    w.Key("trace_id").String(span.trace_id().ToHex());
    w.Key("span_id").String(span.span_id().ToHex());
  }
  if (!t_request_id.empty()) w.Key("request_id").String(t_request_id);
  w.EndObject();
  std::string line = w.str();
  line.push_back('\n');
  [[maybe_unused]] ssize_t n = write(STDERR_FILENO, line.data(), line.size());
}

RequestLogScope::RequestLogScope(std::string_view request_id) : previous_(t_request_id) { t_request_id = request_id; }
RequestLogScope::~RequestLogScope() { t_request_id = previous_; }

}  // namespace qtrace::service
