// gzip (RFC 1952) for OTLP bodies: the senders compress requests, the sink
// and tests decompress them. zlib does the work.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"

namespace qtrace {

// gzip-compresses data (default level).
// level: zlib's 1 (fastest) to 9 (smallest); -1 is zlib's default (6).
absl::StatusOr<std::string> GzipCompress(std::string_view data, int level = -1);

// The body to send: body gzip-compressed into scratch when gzip is set (and
// compression works), else body itself. Shared by the exporter and the
// spool's replay, which send the same bodies.
std::string_view PayloadOf(std::string_view body, bool gzip, std::string& scratch);

// Decompresses a gzip stream. Fails on corrupt or truncated input, and when
// the output would exceed max_output bytes (a "zip bomb" guard).
absl::StatusOr<std::string> GzipDecompress(std::string_view data, std::size_t max_output);

}  // namespace qtrace
