// Caps on what one span may hold (OpenTelemetry specification, "Span Limits").
// Defaults are the specification's; OTEL_SPAN_*_LIMIT, OTEL_EVENT_*, OTEL_LINK_*
// and OTEL_ATTRIBUTE_*_LIMIT set them (see sdk/config.h). What goes over a limit
// is dropped and counted in the span's dropped_* fields, which are exported.
#pragma once

#include <cstddef>

#include "qtrace/sdk/attribute.h"

namespace qtrace {

struct SpanLimits {
  std::size_t attribute_count = 128;
  std::size_t attribute_value_length = AttributeList::kUnlimited;
  std::size_t event_count = 128;
  std::size_t link_count = 128;
  std::size_t attributes_per_event = 128;
  std::size_t attributes_per_link = 128;
};

}  // namespace qtrace
