#include "api_server/middleware/request_id.h"

#include "api_server/service/logger.h"
#include "qtrace/sdk/ids.h"

namespace qtrace::middleware {

bool IsAcceptableRequestId(std::string_view id) {
  if (id.empty() || id.size() > 128) return false;
  for (char c : id) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

http::Middleware RequestIdMiddleware() {
  return [](http::HttpRequest& request, const http::Handler& next) {
    const std::optional<std::string_view> given = request.Header("x-request-id");
    request.request_id = given && IsAcceptableRequestId(*given) ? std::string(*given) : RandomUuidV4();
    service::RequestLogScope log_scope(request.request_id);
    http::HttpResponse response = next(request);
    response.SetHeader("x-request-id", request.request_id);
    return response;
  };
}

}  // namespace qtrace::middleware
