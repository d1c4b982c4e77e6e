// Propagators move a Context in and out of a message's headers (a "text map").
// The carrier hides the message type: our HTTP server's request headers, the
// libcurl header list of an outgoing call, a std::map in tests.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "qtrace/sdk/context.h"

namespace qtrace {

class TextMapCarrier {
 public:
  virtual ~TextMapCarrier() = default;
  // The value of a header, looked up case-insensitively. When a header appears
  // more than once the carrier joins the values with "," (RFC 9110 5.3).
  virtual std::optional<std::string_view> Get(std::string_view key) const = 0;
  // Sets (replaces) a header. Keys are passed in lower case.
  virtual void Set(std::string_view key, std::string_view value) = 0;
  // Every header name present, lower case, each once: the propagators that
  // carry baggage as one header per entry (Jaeger "uberctx-", OT trace
  // "ot-baggage-") look for a prefix. A carrier used only to inject may keep
  // the default.
  virtual std::vector<std::string_view> Keys() const { return {}; }
};

class TextMapPropagator {
 public:
  virtual ~TextMapPropagator() = default;
  // Writes the parts of context this propagator owns into carrier. Writes
  // nothing for an invalid span context or empty baggage.
  virtual void Inject(const Context& context, TextMapCarrier& carrier) const = 0;
  // Returns base with the parts read from carrier. Never throws: a missing or
  // malformed header leaves base as it is.
  virtual Context Extract(const TextMapCarrier& carrier, const Context& base) const = 0;
  // The header names this propagator reads and writes.
  virtual std::vector<std::string_view> Fields() const = 0;
};

}  // namespace qtrace
