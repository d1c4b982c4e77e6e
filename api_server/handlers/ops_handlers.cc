#include "api_server/handlers/ops_handlers.h"

#include "api_server/handlers/responses.h"
#include "api_server/json/json_value.h"
#include "qtrace/sdk/common/endpoint.h"
#include "qtrace/sdk/common/strings.h"

namespace qtrace::handlers {
namespace {

bool IsLoopback(const std::string& url) {
  auto endpoint = ParseEndpoint(std::string_view(url).substr(0, url.find('?')));
  if (!endpoint.ok()) return false;
  return endpoint->host == "localhost" || endpoint->host == "::1" || StartsWith(endpoint->host, "127.");
}

}  // namespace

void AddOpsRoutes(http::Router& router, service::QaStore& store, const metrics::MetricsRegistry& registry,
                  const PipelineMetrics& pipeline, const std::string& database_system) {
  auto health = [&store, database_system](http::HttpRequest&) {
    const absl::Status ping = store.Ping();
    JsonWriter w;
    w.BeginObject().Key("status").String(ping.ok() ? "ok" : "unavailable");
    w.Key("database").BeginObject().Key("system").String(database_system).Key("ok").Bool(ping.ok()).EndObject();
    w.EndObject();
    return JsonResponse(ping.ok() ? 200 : 503, w);
  };
  router.Add("GET", "/health", health);
  router.Add("GET", "/api/v1/health", health);
  router.Add("GET", "/metrics", [&registry, &pipeline](http::HttpRequest&) {
    http::HttpResponse r;
    r.body = registry.Render(&pipeline);
    r.SetHeader("content-type", "text/plain; version=0.0.4; charset=utf-8");
    return r;
  }, http::Execution::kInline);
}

void AddW3cTestRoute(http::Router& router, const client::TracedHttpClient& client) {
  router.Add("POST", "/test", [&client](http::HttpRequest& request) {
    absl::StatusOr<JsonValue> body = ParseJson(request.body);
    if (!body.ok() || !body->IsArray()) return ErrorResponse(400, "invalid_argument", "expected a JSON array");
    for (const JsonValue& item : *body->AsArray()) {
      const std::optional<std::string_view> url = item.GetString("url");
      const JsonValue* arguments = item.Find("arguments");
      if (!url || arguments == nullptr) return ErrorResponse(400, "invalid_argument", "each item needs url and arguments");
      if (!IsLoopback(std::string(*url))) return ErrorResponse(400, "invalid_argument", "only loopback URLs are allowed");
      JsonWriter w;
      // Re-serialize the arguments as they came.
      std::function<void(const JsonValue&)> write = [&](const JsonValue& v) {
        switch (v.type()) {
          case JsonType::kNull: w.Null(); break;
          case JsonType::kBool: w.Bool(*v.AsBool()); break;
          case JsonType::kNumber:
            if (auto i = v.AsInt()) w.Int(*i); else w.Double(*v.AsDouble());
            break;
          case JsonType::kString: w.String(*v.AsString()); break;
          case JsonType::kArray:
            w.BeginArray();
            for (const JsonValue& e : *v.AsArray()) write(e);
            w.EndArray();
            break;
          case JsonType::kObject:
            w.BeginObject();
            for (const auto& member : *v.AsObject()) {
              w.Key(member.first);
              write(member.second);
            }
            w.EndObject();
            break;
        }
      };
      write(*arguments);
      (void)client.PostJson(std::string(*url), w.str());
    }
    return http::HttpResponse::Text(200, "");
  });
}

}  // namespace qtrace::handlers
