#include "api_server/handlers/responses.h"

#include "qtrace/sdk/common/strings.h"

namespace qtrace::handlers {

http::HttpResponse ErrorResponse(int status, std::string_view code, std::string_view message) {
  JsonWriter w;
  w.BeginObject().Key("error").BeginObject().Key("code").String(code).Key("message").String(message);
  w.EndObject().EndObject();
  return http::HttpResponse::Json(status, w.str());
}

http::HttpResponse ErrorFromStatus(const absl::Status& status) {
  const std::string_view message = MessageOf(status);
  switch (status.code()) {
    case absl::StatusCode::kNotFound: return ErrorResponse(404, "not_found", message);
    case absl::StatusCode::kAlreadyExists: return ErrorResponse(409, "conflict", "a resource with that name already exists");
    case absl::StatusCode::kFailedPrecondition: return ErrorResponse(409, "conflict", "the referenced resource is gone");
    case absl::StatusCode::kInvalidArgument: return ErrorResponse(400, "invalid_argument", message);
    case absl::StatusCode::kUnavailable: return ErrorResponse(503, "unavailable", "the database is unavailable");
    default: return ErrorResponse(500, "internal", "internal error");
  }
}

http::HttpResponse JsonResponse(int status, const JsonWriter& body) { return http::HttpResponse::Json(status, body.str()); }

std::optional<std::int64_t> ParseId(std::string_view text) {
  std::int64_t id = 0;
  if (text.empty() || text.front() == '+' || !ParseInt64(text, &id) || id <= 0) return std::nullopt;
  return id;
}

}  // namespace qtrace::handlers
