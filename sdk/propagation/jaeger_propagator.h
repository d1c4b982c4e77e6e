// Jaeger's native format:
//   uber-trace-id: {trace id}:{span id}:{parent span id}:{flags}
//   uberctx-{key}: {percent-encoded baggage value}
// The ids are hex of up to 32 and 16 digits (Jaeger clients drop leading
// zeros, so shorter ids are left-padded); the parent span id is deprecated and
// ignored ("0" is what clients write); flags is one byte in hex: 0x01 sampled,
// 0x02 debug. The whole value may arrive percent-encoded (":" as "%3A").
// Inject writes "{trace}:{span}:0:{flags}" with flags 00, 01 or 03, never the
// W3C random bit (Jaeger would read 0x02 as debug).
#pragma once

#include "qtrace/sdk/propagation/text_map.h"

namespace qtrace {

class JaegerPropagator final : public TextMapPropagator {
 public:
  static constexpr std::string_view kTraceHeader = "uber-trace-id";
  static constexpr std::string_view kBaggagePrefix = "uberctx-";

  void Inject(const Context& context, TextMapCarrier& carrier) const override;
  Context Extract(const TextMapCarrier& carrier, const Context& base) const override;
  std::vector<std::string_view> Fields() const override { return {kTraceHeader}; }
};

}  // namespace qtrace
