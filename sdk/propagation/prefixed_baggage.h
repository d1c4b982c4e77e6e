// Baggage as one header per entry, "<prefix><key>: <value>": Jaeger's
// "uberctx-" (values percent-encoded) and OT trace's "ot-baggage-" (values as
// they are). Shared by the two propagators.
#pragma once

#include <string_view>

#include "qtrace/sdk/context.h"
#include "qtrace/sdk/propagation/text_map.h"

namespace qtrace {

enum class BaggageValueEncoding : std::uint8_t { kPercent, kRaw };

// base with every "<prefix>*" header of carrier added to its baggage (a
// header replaces a base entry of the same key). Headers whose value does not
// decode are skipped; at most Baggage::kMaxMembers entries are read.
Context ExtractPrefixedBaggage(const TextMapCarrier& carrier, std::string_view prefix,
                               BaggageValueEncoding encoding, const Context& base);

// One "<prefix><key>" header per baggage entry. A key that is not an HTTP
// token, or a raw value that is not a printable header value, is skipped.
void InjectPrefixedBaggage(const Baggage& baggage, std::string_view prefix, BaggageValueEncoding encoding,
                           TextMapCarrier& carrier);

}  // namespace qtrace
