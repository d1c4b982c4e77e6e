// AWS X-Ray's trace header:
//   X-Amzn-Trace-Id: Root=1-{8 hex}-{24 hex};Parent={16 hex};Sampled={0|1|?}[;...]
// Root is version 1, then the trace id's first 8 hex digits (X-Ray's epoch
// seconds), then the other 24; Parent is the sender's span id. Fields are
// ";"-separated "key=value" pairs in any order, with spaces allowed around
// them; keys are case-sensitive, as AWS writes them. "Sampled=?" or no Sampled leaves the decision to us
// (SamplingHint::kDefer). Fields other than Root, Parent and Sampled (Lineage,
// Self, ...) are kept in the context and written after ours on the outgoing
// calls. A header without a valid Root and Parent is ignored.
#pragma once

#include <optional>
#include <string>

#include "qtrace/sdk/propagation/text_map.h"

namespace qtrace {

class XrayPropagator final : public TextMapPropagator {
 public:
  static constexpr std::string_view kHeader = "x-amzn-trace-id";

  void Inject(const Context& context, TextMapCarrier& carrier) const override;
  Context Extract(const TextMapCarrier& carrier, const Context& base) const override;
  std::vector<std::string_view> Fields() const override { return {kHeader}; }

  // "Root=1-...;Parent=...;Sampled=0|1" for a valid context ("" otherwise).
  static std::string FormatHeader(const SpanContext& context);
};

}  // namespace qtrace
