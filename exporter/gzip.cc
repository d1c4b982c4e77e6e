#include "qtrace/exporter/gzip.h"

#include <zlib.h>

#include "qtrace/sdk/common/strings.h"

namespace qtrace {
namespace {

constexpr int kGzipWindowBits = 15 + 16;  // 15-bit window, gzip wrapper

}  // namespace

absl::StatusOr<std::string> GzipCompress(std::string_view data, int level) {
  z_stream stream{};
  if (deflateInit2(&stream, level, Z_DEFLATED, kGzipWindowBits, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    return absl::InternalError("deflateInit2 failed");
  }
  std::string out(deflateBound(&stream, static_cast<uLong>(data.size())), '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int rc = deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  if (rc != Z_STREAM_END) return absl::InternalError("gzip compression did not finish");
  return out;
}

std::string_view PayloadOf(std::string_view body, bool gzip, std::string& scratch) {
  if (!gzip) return body;
  absl::StatusOr<std::string> gz = GzipCompress(body);
  if (!gz.ok()) return body;
  scratch = std::move(*gz);
  return scratch;
}

absl::StatusOr<std::string> GzipDecompress(std::string_view data, std::size_t max_output) {
  z_stream stream{};
  if (inflateInit2(&stream, kGzipWindowBits) != Z_OK) return absl::InternalError("inflateInit2 failed");
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  std::string out;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    if (out.size() >= max_output) {
      inflateEnd(&stream);
      return absl::ResourceExhaustedError(StrCat("gzip body inflates past ", max_output, " bytes"));
    }
    const std::size_t old_size = out.size();
    const std::size_t chunk = std::min<std::size_t>(64 * 1024, max_output - old_size);
    out.resize(old_size + chunk);
    stream.next_out = reinterpret_cast<Bytef*>(out.data() + old_size);
    stream.avail_out = static_cast<uInt>(chunk);
    rc = inflate(&stream, Z_NO_FLUSH);
    out.resize(old_size + chunk - stream.avail_out);
    if (rc == Z_BUF_ERROR && stream.avail_in == 0) break;  // truncated input
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) break;
  }
  inflateEnd(&stream);
  if (rc != Z_STREAM_END) return absl::InvalidArgumentError("corrupt or truncated gzip body");
  return out;
}

}  // namespace qtrace
