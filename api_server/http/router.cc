#include "api_server/http/router.h"

#include <algorithm>
#include <exception>

#include "qtrace/sdk/common/percent_encoding.h"
#include "qtrace/sdk/common/strings.h"

namespace qtrace::http {
namespace {

// "/a/b/" gives {"a", "b", ""}: a trailing slash is a distinct path.
std::vector<std::string_view> PathSegments(std::string_view path) {
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  return Split(path, '/');
}

bool IsParameter(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

}  // namespace

void Router::Add(std::string_view method, std::string_view path_template, Handler handler, Execution execution) {
  Route route{std::string(method), std::string(path_template), {}, std::move(handler), execution};
  for (std::string_view s : PathSegments(path_template)) route.segments.emplace_back(s);
  routes_.push_back(std::move(route));
}

void Router::Use(Middleware middleware) { middleware_.push_back(std::move(middleware)); }

bool Router::Matches(const Route& route, const std::vector<std::string_view>& segments,
                     std::vector<std::pair<std::string, std::string>>* params) {
  if (route.segments.size() != segments.size()) return false;
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const std::string& pattern = route.segments[i];
    if (IsParameter(pattern)) {
      if (segments[i].empty()) return false;
    } else if (pattern != segments[i]) {
      return false;
    }
  }
  if (params == nullptr) return true;
  params->clear();
  for (std::size_t i = 0; i < segments.size(); ++i) {
    const std::string& pattern = route.segments[i];
    if (!IsParameter(pattern)) continue;
    std::optional<std::string> decoded = PercentDecode(segments[i]);
    params->emplace_back(pattern.substr(1, pattern.size() - 2), decoded ? *decoded : std::string(segments[i]));
  }
  return true;
}

Router::Match Router::Find(HttpRequest& request) const {
  const std::vector<std::string_view> segments = PathSegments(request.path());
  request.route.clear();
  for (const Route& route : routes_) {
    if (route.method != request.method && !(request.method == "HEAD" && route.method == "GET")) continue;
    if (!Matches(route, segments, &request.params)) continue;
    request.route = route.path_template;
    return Match{&route.handler, route.execution};
  }
  return Match{};
}

HttpResponse Router::Unmatched(const HttpRequest& request) const {
  const std::vector<std::string_view> segments = PathSegments(request.path());
  std::vector<std::string_view> methods;
  for (const Route& route : routes_) {
    if (!Matches(route, segments, nullptr)) continue;
    if (std::find(methods.begin(), methods.end(), route.method) == methods.end()) methods.push_back(route.method);
    if (route.method == "GET" && std::find(methods.begin(), methods.end(), "HEAD") == methods.end()) {
      methods.push_back("HEAD");  // HEAD is answered wherever GET is
    }
  }
  std::string allow;
  for (std::string_view m : methods) {
    if (!allow.empty()) allow.append(", ");
    allow.append(m);
  }
  if (allow.empty()) {
    return HttpResponse::Json(404, R"({"error":{"code":"not_found","message":"no such route"}})");
  }
  HttpResponse response =
      HttpResponse::Json(405, R"({"error":{"code":"method_not_allowed","message":"method not allowed here"}})");
  response.SetHeader("allow", allow);
  return response;
}

HttpResponse Router::RunChain(std::size_t index, HttpRequest& request, const Match& match) const {
  if (index == middleware_.size()) return match.handler != nullptr ? (*match.handler)(request) : Unmatched(request);
  // The continuation captures one pointer so that std::function keeps it
  // inline (no allocation per middleware per request).
  struct Continuation {
    const Router* router;
    const Match* match;
    std::size_t next_index;
  } continuation{this, &match, index + 1};
  const Handler next = [c = &continuation](HttpRequest& r) { return c->router->RunChain(c->next_index, r, *c->match); };
  return middleware_[index](request, next);
}

HttpResponse Router::Dispatch(HttpRequest& request, const Match& match) const {
  try {
    return RunChain(0, request, match);
  } catch (...) {
    // A handler must not take the server down; the tracing middleware has
    // already recorded the exception on the span.
    return HttpResponse::Json(500, R"({"error":{"code":"internal","message":"internal error"}})");
  }
}

std::vector<std::pair<std::string, std::string>> Router::Routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Route& route : routes_) out.emplace_back(route.method, route.path_template);
  return out;
}

}  // namespace qtrace::http
