#include "qtrace/sdk/propagation/composite_propagator.h"

#include <algorithm>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "qtrace/sdk/propagation/b3_propagator.h"
#include "qtrace/sdk/propagation/baggage_propagator.h"
#include "qtrace/sdk/propagation/jaeger_propagator.h"
#include "qtrace/sdk/propagation/ot_trace_propagator.h"
#include "qtrace/sdk/propagation/trace_context_propagator.h"
#include "qtrace/sdk/propagation/xray_propagator.h"

namespace qtrace {
namespace {

constexpr std::string_view kNoneName = "none";
constexpr std::string_view kNames[] = {"tracecontext", "baggage", "b3", "b3multi", "jaeger", "xray", "ottrace",
                                       kNoneName};

std::unique_ptr<TextMapPropagator> MakeOne(std::string_view name) {
  if (name == "tracecontext") return std::make_unique<TraceContextPropagator>();
  if (name == "baggage") return std::make_unique<BaggagePropagator>();
  if (name == "b3") return std::make_unique<B3Propagator>(B3Propagator::Encoding::kSingleHeader);
  if (name == "b3multi") return std::make_unique<B3Propagator>(B3Propagator::Encoding::kMultiHeader);
  if (name == "jaeger") return std::make_unique<JaegerPropagator>();
  if (name == "xray") return std::make_unique<XrayPropagator>();
  if (name == "ottrace") return std::make_unique<OtTracePropagator>();
  return nullptr;
}

}  // namespace

std::span<const std::string_view> KnownPropagatorNames() { return kNames; }

bool IsKnownPropagatorName(std::string_view name) {
  return std::find(std::begin(kNames), std::end(kNames), name) != std::end(kNames);
}

std::string KnownPropagatorNamesText() {
  std::string text;
  for (std::string_view name : kNames) {
    if (!text.empty()) text += ", ";
    text += name;
  }
  return text;
}

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
    if (!IsKnownPropagatorName(lower)) {
      return absl::InvalidArgumentError(absl::StrCat("unknown propagator \"", name, "\""));
    }
    if (lower == kNoneName) none = true;
    if (std::find(wanted.begin(), wanted.end(), lower) == wanted.end()) wanted.push_back(std::move(lower));
  }

  std::vector<std::unique_ptr<TextMapPropagator>> parts;
  if (!none) {
    for (const std::string& name : wanted) parts.push_back(MakeOne(name));
  }
  // An empty composite injects and extracts nothing: that is what "none" means.
  return std::make_unique<CompositePropagator>(std::move(parts));
}

}  // namespace qtrace
