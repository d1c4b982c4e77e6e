// W3C Baggage (header "baggage"):
//   baggage-string = list-member 0*179( OWS "," OWS list-member )
//   list-member    = key OWS "=" OWS value *( OWS ";" OWS property )
// keys are RFC 7230 tokens; values are percent-decoded on extract and
// percent-encoded on inject. A malformed member is skipped, the rest kept. On
// inject, members beyond 64 or past 8192 bytes are left out.
#pragma once

#include <string>

#include "qtrace/sdk/propagation/text_map.h"

namespace qtrace {

class BaggagePropagator final : public TextMapPropagator {
 public:
  static constexpr std::string_view kBaggage = "baggage";

  void Inject(const Context& context, TextMapCarrier& carrier) const override;
  Context Extract(const TextMapCarrier& carrier, const Context& base) const override;
  std::vector<std::string_view> Fields() const override { return {kBaggage}; }

  static Baggage Parse(std::string_view header);
  static std::string Serialize(const Baggage& baggage);
};

}  // namespace qtrace
