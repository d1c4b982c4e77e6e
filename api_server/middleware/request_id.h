// Request id middleware (first in the chain): accepts a client's x-request-id
// when it is 1 to 128 visible ASCII characters, otherwise makes a UUIDv4;
// echoes it in the response and makes it the request's log and span id.
#pragma once

#include <string>
#include <string_view>

#include "api_server/http/router.h"

namespace qtrace::middleware {

bool IsAcceptableRequestId(std::string_view id);

http::Middleware RequestIdMiddleware();

}  // namespace qtrace::middleware
