// api_server/openapi.json describes every route the service registers, with
// the same method and path template, and nothing that does not exist.
#include <set>

#include "api_server/client/http_client.h"
#include "api_server/db/sqlite_database.h"
#include "api_server/handlers/ops_handlers.h"
#include "api_server/handlers/qa_handlers.h"
#include "api_server/json/json_value.h"
#include "gtest/gtest.h"
#include "qtrace/sdk/common/file.h"
#include "qtrace/sdk/propagation/composite_propagator.h"
#include "qtrace/sdk/common/strings.h"
#include "qtrace/sdk/tracer_provider.h"

namespace qtrace {
namespace {

std::string Upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'a' && c <= 'z' ? c - 32 : c);
  return out;
}

TEST(OpenApiTest, EveryRouteIsDescribedAndNothingElse) {
  auto db = db::SqliteDatabase::Open(":memory:");
  ASSERT_TRUE(db.ok());
  service::QaStore store(**db);
  TracerProvider provider(TracerProviderOptions{});
  auto propagator = MakePropagator({"tracecontext"});
  ASSERT_TRUE(propagator.ok());
  client::TracedHttpClient client(provider.GetTracer("t"), **propagator, absl::Seconds(1));
  metrics::MetricsRegistry registry;
  http::Router router;
  handlers::AddOpsRoutes(router, store, registry, provider.metrics(), "sqlite");
  handlers::AddQaRoutes(router, store, client, "");
  handlers::AddW3cTestRoute(router, client);

  absl::StatusOr<std::string> text = ReadFile(std::string(QTRACE_SOURCE_DIR) + "/api_server/openapi.json");
  ASSERT_TRUE(text.ok()) << text.status();
  auto spec = ParseJson(*text);
  ASSERT_TRUE(spec.ok()) << spec.status();
  const JsonValue* paths = spec->Find("paths");
  ASSERT_NE(paths, nullptr);

  std::set<std::string> described;
  for (const auto& [path, operations] : *paths->AsObject()) {
    for (const auto& [method, operation] : *operations.AsObject()) described.insert(StrCat(Upper(method), " ", path));
  }
  std::set<std::string> registered;
  for (const auto& [method, path] : router.Routes()) registered.insert(StrCat(method, " ", path));
  for (const std::string& route : registered) EXPECT_TRUE(described.count(route)) << route << " is not in openapi.json";
  for (const std::string& route : described) EXPECT_TRUE(registered.count(route)) << route << " is described but not served";
  EXPECT_GE(registered.size(), 17u);
}

}  // namespace
}  // namespace qtrace
