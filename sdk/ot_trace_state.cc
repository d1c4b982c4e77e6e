#include "qtrace/sdk/ot_trace_state.h"

#include <memory>

#include "qtrace/sdk/common/strings.h"

namespace qtrace {
namespace {

constexpr std::size_t kHexDigits = 14;  // 56 bits

// 1 to 14 hex digits read as the leading digits of a 14-digit number.
std::optional<std::uint64_t> ParseLeadingHex(std::string_view text) {
  if (text.empty() || text.size() > kHexDigits) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    const int digit = LowerHexDigitValue(c);
    if (digit < 0) return std::nullopt;
    value = (value << 4) | static_cast<std::uint64_t>(digit);
  }
  return value << (4 * (kHexDigits - text.size()));
}

// value (below 2^56) as exactly 14 lower-case hex digits.
std::string FourteenHexDigits(std::uint64_t value) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(kHexDigits, '0');
  for (std::size_t i = 0; i < kHexDigits; ++i) out[i] = kDigits[(value >> (4 * (kHexDigits - 1 - i))) & 0xF];
  return out;
}

void AppendSubMember(std::string& out, std::string_view member) {
  if (!out.empty()) out.push_back(';');
  out.append(member);
}

}  // namespace

OtTraceState OtTraceState::Parse(std::string_view value) {
  OtTraceState ot;
  while (!value.empty()) {
    const std::size_t semicolon = value.find(';');
    const std::string_view member = value.substr(0, semicolon);
    value.remove_prefix(semicolon == std::string_view::npos ? value.size() : semicolon + 1);
    if (member.empty()) continue;
    const std::size_t colon = member.find(':');
    const std::string_view key = member.substr(0, colon);
    const std::string_view text = colon == std::string_view::npos ? std::string_view() : member.substr(colon + 1);
    if (key == "th" && !ot.threshold) {
      if ((ot.threshold = DecodeThreshold(text))) continue;
    } else if (key == "rv" && !ot.randomness && text.size() == kHexDigits) {
      if ((ot.randomness = ParseLeadingHex(text))) continue;
    }
    AppendSubMember(ot.others, member);
  }
  return ot;
}

std::string OtTraceState::Serialize() const {
  std::string out;
  if (threshold) AppendSubMember(out, StrCat("th:", EncodeThreshold(*threshold)));
  if (randomness) AppendSubMember(out, StrCat("rv:", FourteenHexDigits(*randomness)));
  if (!others.empty()) AppendSubMember(out, others);
  return out;
}

std::string EncodeThreshold(std::uint64_t threshold) {
  if (threshold == 0) return "0";
  std::string out = FourteenHexDigits(threshold);
  out.erase(out.find_last_not_of('0') + 1);
  return out;
}

std::optional<std::uint64_t> DecodeThreshold(std::string_view text) { return ParseLeadingHex(text); }

std::uint64_t TraceIdRandomness(const TraceId& trace_id) {
  std::uint64_t r = 0;
  for (int i = 9; i < 16; ++i) r = (r << 8) | trace_id.bytes()[i];
  return r;
}

OtTraceState OtMemberOf(const TraceState& trace_state) {
  const std::optional<std::string_view> value = trace_state.Get(kOtTraceStateKey);
  return value ? OtTraceState::Parse(*value) : OtTraceState{};
}

TraceState WithOtMember(const TraceState& trace_state, const OtTraceState& ot) {
  const std::string value = ot.Serialize();
  if (value.empty()) return trace_state.Without(kOtTraceStateKey);
  // Our own sub-members are valid tracestate characters; others came from a
  // tracestate that parsed, so the value stays valid unless it outgrew 256.
  if (std::optional<TraceState> updated = trace_state.With(kOtTraceStateKey, value)) return *std::move(updated);
  return trace_state.Without(kOtTraceStateKey);
}

std::uint64_t RandomnessOf(const OtTraceState& ot, const TraceId& trace_id) {
  return ot.randomness ? *ot.randomness : TraceIdRandomness(trace_id);
}

TraceStatePtr WithoutThreshold(const TraceState& trace_state, OtTraceState ot) {
  ot.threshold.reset();
  return std::make_shared<const TraceState>(WithOtMember(trace_state, ot));
}

}  // namespace qtrace
