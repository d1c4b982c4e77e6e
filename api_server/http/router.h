// Router: maps (method, path) to a handler through path templates such as
// "/api/v1/projects/{id}/cases/{case_id}". A "{name}" segment matches one
// non-empty path segment; its percent-decoded value lands in request.params.
// The matched template is written to request.route (it becomes http.route).
//
// Unmatched paths get 404; a path that matches with another method gets 405
// with an Allow header. Both still go through the middleware, with an empty
// route, so that they are traced and counted like any other request.
//
// Thread safety: build the router before the server starts; Dispatch is then
// read-only and may run on many threads at once.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "api_server/http/http_request.h"
#include "api_server/http/http_response.h"

namespace qtrace::http {

using Handler = std::function<HttpResponse(HttpRequest&)>;
// A middleware wraps the rest of the chain: it may act before and after
// calling next, or answer without calling it.
using Middleware = std::function<HttpResponse(HttpRequest&, const Handler& next)>;

// Where a handler may run. kInline handlers never block (no I/O, no locks held
// long) and run on the event loop; kBlocking ones run on the worker pool.
enum class Execution { kInline, kBlocking };

class Router {
 public:
  void Add(std::string_view method, std::string_view path_template, Handler handler,
           Execution execution = Execution::kBlocking);
  // Middleware run in the order added, outermost first, around every request.
  void Use(Middleware middleware);

  struct Match {
    const Handler* handler = nullptr;  // null: 404 or 405
    Execution execution = Execution::kInline;
  };
  // Fills request.route and request.params. Cheap; runs on the event loop.
  Match Find(HttpRequest& request) const;

  // Runs the middleware chain and the matched handler (or the 404/405 answer).
  // Exceptions from handlers become 500. REQUIRES: Find was called on request.
  HttpResponse Dispatch(HttpRequest& request, const Match& match) const;

  // Every registered (method, template) pair, for documentation checks.
  std::vector<std::pair<std::string, std::string>> Routes() const;

 private:
  struct Route {
    std::string method;
    std::string path_template;
    std::vector<std::string> segments;  // "{id}" kept as is
    Handler handler;
    Execution execution;
  };

  static bool Matches(const Route& route, const std::vector<std::string_view>& segments,
                      std::vector<std::pair<std::string, std::string>>* params);
  HttpResponse Unmatched(const HttpRequest& request) const;
  HttpResponse RunChain(std::size_t index, HttpRequest& request, const Match& match) const;

  std::vector<Route> routes_;
  std::vector<Middleware> middleware_;
};

}  // namespace qtrace::http
