// A list of propagators applied in order (OTEL_PROPAGATORS). Extract runs each
// on the result of the previous one; Inject runs all.
#pragma once

#include <memory>
#include <span>
#include <string_view>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "qtrace/sdk/propagation/text_map.h"

namespace qtrace {

class CompositePropagator final : public TextMapPropagator {
 public:
  explicit CompositePropagator(std::vector<std::unique_ptr<TextMapPropagator>> parts)
      : parts_(std::move(parts)) {}

  void Inject(const Context& context, TextMapCarrier& carrier) const override;
  Context Extract(const TextMapCarrier& carrier, const Context& base) const override;
  std::vector<std::string_view> Fields() const override;

 private:
  std::vector<std::unique_ptr<TextMapPropagator>> parts_;
};

// The OTEL_PROPAGATORS names we know, in the specification's spelling:
// tracecontext, baggage, b3 (single header), b3multi, jaeger, xray, ottrace,
// none.
std::span<const std::string_view> KnownPropagatorNames();
// name in lower case.
bool IsKnownPropagatorName(std::string_view name);
// "tracecontext, baggage, b3, ..." for messages.
std::string KnownPropagatorNamesText();

// Builds the propagator named by OTEL_PROPAGATORS values, in their order:
// Inject writes every format, Extract applies them in turn, so that when a
// request carries several formats the last one listed wins. "none" anywhere
// gives a propagator that does nothing. An unknown name is an InvalidArgument
// error (the configuration has already warned about and removed unknown names
// before this is called).
absl::StatusOr<std::unique_ptr<TextMapPropagator>> MakePropagator(const std::vector<std::string>& names);

}  // namespace qtrace
