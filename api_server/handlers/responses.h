// JSON answers shared by the handlers: errors as
// {"error":{"code":"not_found","message":"..."}} with the matching status.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "absl/status/status.h"
#include "api_server/http/http_response.h"
#include "qtrace/sdk/common/json_writer.h"

namespace qtrace::handlers {

http::HttpResponse ErrorResponse(int status, std::string_view code, std::string_view message);
// NotFound → 404, AlreadyExists/FailedPrecondition → 409, InvalidArgument → 400,
// Unavailable → 503, anything else 500 (with a generic message).
http::HttpResponse ErrorFromStatus(const absl::Status& status);
http::HttpResponse JsonResponse(int status, const JsonWriter& body);

// A positive 64-bit id from a path parameter.
std::optional<std::int64_t> ParseId(std::string_view text);

}  // namespace qtrace::handlers
