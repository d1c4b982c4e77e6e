// Percent-encoding (RFC 3986 section 2.1) for W3C Baggage values,
// OTEL_RESOURCE_ATTRIBUTES and OTEL_EXPORTER_OTLP_HEADERS.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace qtrace {

// Decodes %XX sequences (either hex case). nullopt for a '%' not followed by
// two hex digits. Other characters are copied as they are.
std::optional<std::string> PercentDecode(std::string_view in);

// Encodes every byte outside the W3C baggage-octet set (and '%') as %XX.
std::string PercentEncodeBaggageValue(std::string_view in);

}  // namespace qtrace
