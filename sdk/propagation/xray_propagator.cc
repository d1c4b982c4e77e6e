#include "qtrace/sdk/propagation/xray_propagator.h"

#include <memory>

#include "qtrace/sdk/ids.h"
#include "qtrace/sdk/common/strings.h"

namespace qtrace {
namespace {

constexpr std::string_view kRootKey = "Root";
constexpr std::string_view kParentKey = "Parent";
constexpr std::string_view kSampledKey = "Sampled";
// "1-" + 8 + "-" + 24
constexpr std::size_t kRootSize = 35;
constexpr std::size_t kEpochDigits = 8;

std::optional<TraceId> ParseRoot(std::string_view root) {
  if (root.size() != kRootSize || root.substr(0, 2) != "1-" || root[2 + kEpochDigits] != '-') {
    return std::nullopt;
  }
  std::string hex;
  hex.reserve(TraceId::kHexSize);
  hex.append(root.substr(2, kEpochDigits)).append(root.substr(3 + kEpochDigits));
  std::optional<TraceId> id = TraceId::FromHex(hex);
  if (!id || !id->IsValid()) return std::nullopt;
  return id;
}

}  // namespace

std::string XrayPropagator::FormatHeader(const SpanContext& context) {
  if (!context.IsValid()) return {};
  const std::string trace = context.trace_id().ToHex();
  std::string out;
  out.reserve(80);
  out.append(kRootKey).append("=1-").append(std::string_view(trace).substr(0, kEpochDigits));
  out.append("-").append(std::string_view(trace).substr(kEpochDigits));
  out.append(";").append(kParentKey).append("=").append(context.span_id().ToHex());
  out.append(";").append(kSampledKey).append(context.IsSampled() ? "=1" : "=0");
  return out;
}

void XrayPropagator::Inject(const Context& context, TextMapCarrier& carrier) const {
  if (!context.span_context().IsValid()) return;
  std::string value = FormatHeader(context.span_context());
  if (const auto& extra = context.xray_extra_fields(); extra && !extra->empty()) {
    value.append(";").append(*extra);
  }
  carrier.Set(kHeader, value);
}

Context XrayPropagator::Extract(const TextMapCarrier& carrier, const Context& base) const {
  const std::optional<std::string_view> header = carrier.Get(kHeader);
  if (!header) return base;
  std::optional<TraceId> trace_id;
  std::optional<SpanId> span_id;
  SamplingHint hint = SamplingHint::kDefer;
  bool sampled = false;
  std::string extra;

  std::string_view rest = *header;
  while (!rest.empty()) {
    const std::size_t semicolon = rest.find(';');
    const std::string_view field = TrimOws(rest.substr(0, semicolon));
    rest = semicolon == std::string_view::npos ? std::string_view() : rest.substr(semicolon + 1);
    if (field.empty()) continue;
    const std::size_t eq = field.find('=');
    if (eq == std::string_view::npos) return base;  // not a key=value list
    const std::string_view key = TrimOws(field.substr(0, eq));
    const std::string_view value = TrimOws(field.substr(eq + 1));
    if (key == kRootKey) {
      trace_id = ParseRoot(value);
      if (!trace_id) return base;
    } else if (key == kParentKey) {
      span_id = SpanId::FromHex(value);
      if (!span_id || !span_id->IsValid()) return base;
    } else if (key == kSampledKey) {
      if (value == "1") {
        hint = SamplingHint::kNone;
        sampled = true;
      } else if (value == "0") {
        hint = SamplingHint::kNone;
      } else if (value != "?") {
        return base;
      }
    } else {
      if (!extra.empty()) extra.push_back(';');
      extra.append(field);
    }
  }
  if (!trace_id || !span_id) return base;
  Context context =
      base.WithSpanContext(SpanContext(*trace_id, *span_id, sampled ? TraceFlags::kSampled : 0, /*is_remote=*/true))
          .WithSamplingHint(hint);
  return context.WithXrayExtraFields(extra.empty() ? nullptr : std::make_shared<const std::string>(std::move(extra)));
}

}  // namespace qtrace
