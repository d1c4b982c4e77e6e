#include "api_server/http/router.h"

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace qtrace::http {
namespace {

struct Outcome {
  HttpRequest request;
  Router::Match match;
  HttpResponse response;
};

// What the server does: Find, then Dispatch.
Outcome Serve(const Router& router, std::string method, std::string target) {
  Outcome out;
  out.request.method = std::move(method);
  out.request.target = std::move(target);
  out.match = router.Find(out.request);
  out.response = router.Dispatch(out.request, out.match);
  return out;
}

HttpResponse Named(std::string name) { return HttpResponse::Text(200, name); }

Handler Answer(std::string name) {
  return [name](HttpRequest&) { return Named(name); };
}

TEST(RouterTest, MatchesLiteralRoute) {
  Router router;
  router.Add("GET", "/hello", Answer("hello"));
  const Outcome o = Serve(router, "GET", "/hello");
  ASSERT_NE(o.match.handler, nullptr);
  EXPECT_EQ(o.response.status, 200);
  EXPECT_EQ(o.response.body, "hello");
  EXPECT_EQ(o.request.route, "/hello");
  EXPECT_TRUE(o.request.params.empty());
}

TEST(RouterTest, RootRoute) {
  Router router;
  router.Add("GET", "/", Answer("root"));
  router.Add("GET", "/x", Answer("x"));
  EXPECT_EQ(Serve(router, "GET", "/").response.body, "root");
  EXPECT_EQ(Serve(router, "GET", "/x").response.body, "x");
  EXPECT_EQ(Serve(router, "GET", "/y").response.status, 404);
}

TEST(RouterTest, ParametersAreDecodedAndInOrder) {
  Router router;
  router.Add("GET", "/api/v1/projects/{id}/cases/{case_id}", [](HttpRequest& r) {
    return HttpResponse::Text(200, std::string(r.Param("id")) + "|" + std::string(r.Param("case_id")));
  });
  const Outcome o = Serve(router, "GET", "/api/v1/projects/my%20project/cases/42");
  ASSERT_NE(o.match.handler, nullptr);
  EXPECT_EQ(o.response.body, "my project|42");
  EXPECT_EQ(o.request.route, "/api/v1/projects/{id}/cases/{case_id}");
  const std::vector<std::pair<std::string, std::string>> expected = {{"id", "my project"}, {"case_id", "42"}};
  EXPECT_EQ(o.request.params, expected);
  EXPECT_EQ(o.request.Param("missing"), "");
}

TEST(RouterTest, ParameterDecodesEncodedSlashAndUtf8) {
  Router router;
  router.Add("GET", "/files/{name}", [](HttpRequest& r) { return HttpResponse::Text(200, r.Param("name")); });
  EXPECT_EQ(Serve(router, "GET", "/files/a%2Fb").response.body, "a/b");
  EXPECT_EQ(Serve(router, "GET", "/files/caf%C3%A9").response.body, "caf\xc3\xa9");
  EXPECT_EQ(Serve(router, "GET", "/files/a+b").response.body, "a+b");  // '+' is not a space in a path
}

TEST(RouterTest, ParameterWithBadPercentEncodingIsKeptAsIs) {
  Router router;
  router.Add("GET", "/files/{name}", [](HttpRequest& r) { return HttpResponse::Text(200, r.Param("name")); });
  EXPECT_EQ(Serve(router, "GET", "/files/100%").response.body, "100%");
  EXPECT_EQ(Serve(router, "GET", "/files/%zz").response.body, "%zz");
}

TEST(RouterTest, ParameterNeedsOneNonEmptySegment) {
  Router router;
  router.Add("GET", "/projects/{id}/cases", Answer("cases"));
  EXPECT_EQ(Serve(router, "GET", "/projects/7/cases").response.status, 200);
  EXPECT_EQ(Serve(router, "GET", "/projects//cases").response.status, 404);
  EXPECT_EQ(Serve(router, "GET", "/projects/a/b/cases").response.status, 404);
  EXPECT_EQ(Serve(router, "GET", "/projects/7").response.status, 404);
  EXPECT_EQ(Serve(router, "GET", "/projects/7/cases/extra").response.status, 404);
}

TEST(RouterTest, QueryIsNotPartOfTheMatch) {
  Router router;
  router.Add("GET", "/items/{id}", [](HttpRequest& r) {
    return HttpResponse::Text(200, std::string(r.Param("id")) + " " + std::string(r.query()));
  });
  const Outcome o = Serve(router, "GET", "/items/5?expand=true&x=%20");
  EXPECT_EQ(o.response.body, "5 expand=true&x=%20");
  EXPECT_EQ(o.request.route, "/items/{id}");
}

TEST(RouterTest, FirstMatchingRouteWins) {
  Router router;
  router.Add("GET", "/items/special", Answer("special"));
  router.Add("GET", "/items/{id}", Answer("by id"));
  EXPECT_EQ(Serve(router, "GET", "/items/special").response.body, "special");
  EXPECT_EQ(Serve(router, "GET", "/items/other").response.body, "by id");
  EXPECT_EQ(Serve(router, "GET", "/items/other").request.route, "/items/{id}");
}

TEST(RouterTest, UnknownPathIs404WithJsonError) {
  Router router;
  router.Add("GET", "/hello", Answer("hello"));
  const Outcome o = Serve(router, "GET", "/nope");
  EXPECT_EQ(o.match.handler, nullptr);
  EXPECT_EQ(o.response.status, 404);
  EXPECT_EQ(o.response.Header("content-type"), "application/json");
  EXPECT_EQ(o.response.body, R"({"error":{"code":"not_found","message":"no such route"}})");
  EXPECT_EQ(o.request.route, "");
  EXPECT_FALSE(o.response.Header("allow").has_value());
}

TEST(RouterTest, EmptyRouterAnswers404) {
  Router router;
  EXPECT_EQ(Serve(router, "GET", "/").response.status, 404);
  EXPECT_TRUE(router.Routes().empty());
}

TEST(RouterTest, WrongMethodIs405WithAllow) {
  Router router;
  router.Add("GET", "/projects/{id}", Answer("get"));
  router.Add("PUT", "/projects/{id}", Answer("put"));
  router.Add("GET", "/projects/special", Answer("special"));  // same path, same method: listed once; HEAD comes with GET
  router.Add("DELETE", "/projects/{id}/cases", Answer("other path"));
  const Outcome o = Serve(router, "DELETE", "/projects/special");
  EXPECT_EQ(o.match.handler, nullptr);
  EXPECT_EQ(o.response.status, 405);
  EXPECT_EQ(o.response.Header("allow"), "GET, HEAD, PUT");
  EXPECT_EQ(o.response.Header("content-type"), "application/json");
  EXPECT_EQ(o.response.body, R"({"error":{"code":"method_not_allowed","message":"method not allowed here"}})");
  EXPECT_EQ(o.request.route, "");
  EXPECT_TRUE(o.request.params.empty());
}

TEST(RouterTest, MethodsAreCaseSensitive) {
  Router router;
  router.Add("GET", "/hello", Answer("hello"));
  const Outcome o = Serve(router, "get", "/hello");
  EXPECT_EQ(o.response.status, 405);
  EXPECT_EQ(o.response.Header("allow"), "GET, HEAD");
}

TEST(RouterTest, HeadMatchesGet) {
  Router router;
  router.Add("GET", "/items/{id}", [](HttpRequest& r) { return HttpResponse::Text(200, r.method); });
  router.Add("POST", "/submit", Answer("post"));
  const Outcome o = Serve(router, "HEAD", "/items/3");
  ASSERT_NE(o.match.handler, nullptr);
  EXPECT_EQ(o.response.status, 200);
  EXPECT_EQ(o.response.body, "HEAD");  // the handler sees the real method
  EXPECT_EQ(o.request.route, "/items/{id}");
  EXPECT_EQ(o.request.Param("id"), "3");

  // HEAD does not match anything but GET.
  const Outcome post_only = Serve(router, "HEAD", "/submit");
  EXPECT_EQ(post_only.response.status, 405);
  EXPECT_EQ(post_only.response.Header("allow"), "POST");
}

TEST(RouterTest, ExplicitHeadRoute) {
  Router router;
  router.Add("HEAD", "/h", Answer("head"));
  EXPECT_EQ(Serve(router, "HEAD", "/h").response.body, "head");
  EXPECT_EQ(Serve(router, "GET", "/h").response.status, 405);
}

TEST(RouterTest, TrailingSlashIsADistinctPath) {
  Router router;
  router.Add("GET", "/dir", Answer("no slash"));
  router.Add("GET", "/other/", Answer("slash"));
  EXPECT_EQ(Serve(router, "GET", "/dir").response.body, "no slash");
  EXPECT_EQ(Serve(router, "GET", "/dir/").response.status, 404);
  EXPECT_EQ(Serve(router, "GET", "/other/").response.body, "slash");
  EXPECT_EQ(Serve(router, "GET", "/other").response.status, 404);

  router.Add("GET", "/dir/", Answer("with slash"));
  EXPECT_EQ(Serve(router, "GET", "/dir/").response.body, "with slash");
  EXPECT_EQ(Serve(router, "GET", "/dir/").request.route, "/dir/");
  EXPECT_EQ(Serve(router, "GET", "/dir").response.body, "no slash");
}

TEST(RouterTest, ParameterDoesNotMatchTrailingEmptySegment) {
  Router router;
  router.Add("GET", "/items/{id}", Answer("item"));
  EXPECT_EQ(Serve(router, "GET", "/items/").response.status, 404);
  EXPECT_EQ(Serve(router, "GET", "/items/1/").response.status, 404);
}

TEST(RouterTest, FindClearsStaleRouteAndParams) {
  Router router;
  router.Add("GET", "/a/{x}", Answer("a"));
  HttpRequest request;
  request.method = "GET";
  request.target = "/a/1";
  ASSERT_NE(router.Find(request).handler, nullptr);
  EXPECT_EQ(request.route, "/a/{x}");
  request.target = "/b";
  EXPECT_EQ(router.Find(request).handler, nullptr);
  EXPECT_EQ(request.route, "");
}

TEST(RouterTest, ExecutionIsReported) {
  Router router;
  router.Add("GET", "/inline", Answer("i"), Execution::kInline);
  router.Add("GET", "/blocking", Answer("b"), Execution::kBlocking);
  router.Add("GET", "/default", Answer("d"));
  EXPECT_EQ(Serve(router, "GET", "/inline").match.execution, Execution::kInline);
  EXPECT_EQ(Serve(router, "GET", "/blocking").match.execution, Execution::kBlocking);
  EXPECT_EQ(Serve(router, "GET", "/default").match.execution, Execution::kBlocking);
}

TEST(RouterTest, MiddlewareRunsInOrderFirstAddedOutermost) {
  Router router;
  std::vector<std::string> trace;
  router.Add("GET", "/x", [&trace](HttpRequest&) {
    trace.push_back("handler");
    return HttpResponse::Text(200, "x");
  });
  for (std::string name : {"first", "second", "third"}) {
    router.Use([&trace, name](HttpRequest& r, const Handler& next) {
      trace.push_back(name + " before");
      HttpResponse response = next(r);
      trace.push_back(name + " after");
      response.headers.emplace_back("x-mw", name);
      return response;
    });
  }
  const Outcome o = Serve(router, "GET", "/x");
  const std::vector<std::string> expected = {"first before", "second before", "third before", "handler",
                                             "third after",  "second after",  "first after"};
  EXPECT_EQ(trace, expected);
  // Innermost adds its header first.
  ASSERT_EQ(o.response.headers.size(), 4u);
  EXPECT_EQ(o.response.headers[1].second, "third");
  EXPECT_EQ(o.response.headers[2].second, "second");
  EXPECT_EQ(o.response.headers[3].second, "first");
}

TEST(RouterTest, MiddlewareSeesRouteAndCanChangeTheRequest) {
  Router router;
  std::string seen_route;
  router.Add("GET", "/items/{id}", [](HttpRequest& r) { return HttpResponse::Text(200, r.peer_address); });
  router.Use([&seen_route](HttpRequest& r, const Handler& next) {
    seen_route = r.route;
    r.peer_address = "set by middleware";
    return next(r);
  });
  EXPECT_EQ(Serve(router, "GET", "/items/1").response.body, "set by middleware");
  EXPECT_EQ(seen_route, "/items/{id}");
}

TEST(RouterTest, MiddlewareAlsoWrapsUnmatchedRequests) {
  Router router;
  router.Add("GET", "/x", Answer("x"));
  std::vector<std::pair<std::string, int>> seen;  // route, status
  router.Use([&seen](HttpRequest& r, const Handler& next) {
    HttpResponse response = next(r);
    seen.emplace_back(r.route, response.status);
    return response;
  });
  EXPECT_EQ(Serve(router, "GET", "/missing").response.status, 404);
  EXPECT_EQ(Serve(router, "POST", "/x").response.status, 405);
  const std::vector<std::pair<std::string, int>> expected = {{"", 404}, {"", 405}};
  EXPECT_EQ(seen, expected);
}

TEST(RouterTest, MiddlewareCanAnswerWithoutCallingNext) {
  Router router;
  int handler_calls = 0;
  int inner_calls = 0;
  router.Add("GET", "/secret", [&handler_calls](HttpRequest&) {
    ++handler_calls;
    return HttpResponse::Text(200, "secret");
  });
  router.Use([](HttpRequest& r, const Handler& next) {
    if (!r.Header("authorization")) return HttpResponse::Json(401, R"({"error":"unauthorized"})");
    return next(r);
  });
  router.Use([&inner_calls](HttpRequest& r, const Handler& next) {
    ++inner_calls;
    return next(r);
  });

  const Outcome denied = Serve(router, "GET", "/secret");
  EXPECT_EQ(denied.response.status, 401);
  EXPECT_EQ(handler_calls, 0);
  EXPECT_EQ(inner_calls, 0);

  HttpRequest request;
  request.method = "GET";
  request.target = "/secret";
  request.headers.emplace_back("authorization", "Bearer x");
  const Router::Match match = router.Find(request);
  EXPECT_EQ(router.Dispatch(request, match).status, 200);
  EXPECT_EQ(handler_calls, 1);
  EXPECT_EQ(inner_calls, 1);
}

TEST(RouterTest, HandlerThatThrowsGives500) {
  Router router;
  router.Add("GET", "/boom", [](HttpRequest&) -> HttpResponse { throw std::runtime_error("boom"); });
  router.Add("GET", "/odd", [](HttpRequest&) -> HttpResponse { throw 42; });
  for (const char* path : {"/boom", "/odd"}) {
    SCOPED_TRACE(path);
    const Outcome o = Serve(router, "GET", path);
    EXPECT_EQ(o.response.status, 500);
    EXPECT_EQ(o.response.Header("content-type"), "application/json");
    EXPECT_EQ(o.response.body, R"({"error":{"code":"internal","message":"internal error"}})");
  }
}

TEST(RouterTest, MiddlewareSeesTheExceptionBefore500) {
  Router router;
  router.Add("GET", "/boom", [](HttpRequest&) -> HttpResponse { throw std::runtime_error("boom"); });
  std::string recorded;
  router.Use([&recorded](HttpRequest& r, const Handler& next) {
    try {
      return next(r);
    } catch (const std::exception& e) {
      recorded = e.what();
      throw;
    }
  });
  EXPECT_EQ(Serve(router, "GET", "/boom").response.status, 500);
  EXPECT_EQ(recorded, "boom");
}

TEST(RouterTest, MiddlewareThatThrowsGives500) {
  Router router;
  router.Add("GET", "/x", Answer("x"));
  router.Use([](HttpRequest&, const Handler&) -> HttpResponse { throw std::logic_error("middleware"); });
  EXPECT_EQ(Serve(router, "GET", "/x").response.status, 500);
}

TEST(RouterTest, RoutesListsAllInOrder) {
  Router router;
  router.Add("GET", "/a", Answer("a"));
  router.Add("POST", "/a", Answer("a"));
  router.Add("GET", "/b/{id}", Answer("b"), Execution::kInline);
  router.Add("DELETE", "/b/{id}", Answer("b"));
  router.Use([](HttpRequest& r, const Handler& next) { return next(r); });
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"GET", "/a"}, {"POST", "/a"}, {"GET", "/b/{id}"}, {"DELETE", "/b/{id}"}};
  EXPECT_EQ(router.Routes(), expected);
}

}  // namespace
}  // namespace qtrace::http
