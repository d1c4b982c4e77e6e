#include "sdk/propagation/composite_propagator.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "sdk/propagation/baggage_propagator.h"
#include "sdk/propagation/trace_context_propagator.h"

namespace qtrace {
namespace {

constexpr std::string_view kTraceContextName = "tracecontext";
constexpr std::string_view kBaggageName = "baggage";
constexpr std::string_view kNoneName = "none";

}  // namespace

void CompositePropagator::Inject(const Context& context, TextMapCarrier& carrier) const {
  for (const auto& part : parts_) part->Inject(context, carrier);
}

Context CompositePropagator::Extract(const TextMapCarrier& carrier, const Context& base) const {
  Context context = base;
  for (const auto& part : parts_) context = part->Extract(carrier, context);
  return context;
}

std::vector<std::string_view> CompositePropagator::Fields() const {
  std::vector<std::string_view> fields;
  for (const auto& part : parts_) {
    for (std::string_view field : part->Fields()) {
      if (std::find(fields.begin(), fields.end(), field) == fields.end()) fields.push_back(field);
    }
  }
  return fields;
}

absl::StatusOr<std::unique_ptr<TextMapPropagator>> MakePropagator(const std::vector<std::string>& names) {
  // Check every name first, so that an unknown one is reported even when
  // "none" switches propagation off.
  std::vector<std::string> wanted;  // lower case, first occurrence only
  bool none = false;
  for (const std::string& name : names) {
    // OpenTelemetry reads enum-like environment values case-insensitively.
    std::string lower = absl::AsciiStrToLower(name);
    if (lower != kTraceContextName && lower != kBaggageName && lower != kNoneName) {
      return absl::InvalidArgumentError(absl::StrCat("unknown propagator \"", name, "\""));
    }
    if (lower == kNoneName) none = true;
    if (std::find(wanted.begin(), wanted.end(), lower) == wanted.end()) wanted.push_back(std::move(lower));
  }

  std::vector<std::unique_ptr<TextMapPropagator>> parts;
  if (!none) {
    for (const std::string& name : wanted) {
      if (name == kTraceContextName) parts.push_back(std::make_unique<TraceContextPropagator>());
      if (name == kBaggageName) parts.push_back(std::make_unique<BaggagePropagator>());
    }
  }
  // An empty composite injects and extracts nothing: that is what "none" means.
  return std::make_unique<CompositePropagator>(std::move(parts));
}

}  // namespace qtrace
