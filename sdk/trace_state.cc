#include "qtrace/sdk/trace_state.h"

#include <algorithm>

#include "qtrace/sdk/common/strings.h"

namespace qtrace {
namespace {

constexpr std::size_t kMaxKeySize = 256;
constexpr std::size_t kMaxValueSize = 256;

bool IsLcAlpha(char c) { return c >= 'a' && c <= 'z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The characters allowed after the first one of a key (Level 2 adds "@").
bool IsKeyChar(char c) {
  return IsLcAlpha(c) || IsDigit(c) || c == '_' || c == '-' || c == '*' || c == '/' || c == '@';
}

// nblk-chr = %x21-2B / %x2D-3C / %x3E-7E: printable ASCII except space, ","
// and "=", which would break the list and member syntax.
bool IsNonBlankValueChar(char c) {
  return c >= 0x21 && c <= 0x7E && c != ',' && c != '=';
}

}  // namespace

bool TraceState::IsValidKey(std::string_view key) {
  if (key.empty() || key.size() > kMaxKeySize) return false;
  if (!IsLcAlpha(key.front()) && !IsDigit(key.front())) return false;
  return std::all_of(key.begin() + 1, key.end(), IsKeyChar);
}

bool TraceState::IsValidValue(std::string_view value) {
  if (value.empty() || value.size() > kMaxValueSize) return false;
  // chr = %x20 / nblk-chr, and the last one must not be blank.
  if (!IsNonBlankValueChar(value.back())) return false;
  return std::all_of(value.begin(), value.end(),
                     [](char c) { return c == ' ' || IsNonBlankValueChar(c); });
}

std::optional<TraceState> TraceState::Parse(std::string_view header) {
  TraceState result;
  std::size_t start = 0;
  while (start <= header.size()) {
    std::size_t comma = header.find(',', start);
    if (comma == std::string_view::npos) comma = header.size();
    const std::string_view member = TrimOws(header.substr(start, comma - start));
    start = comma + 1;
    if (member.empty()) continue;  // ",," and whitespace-only members are allowed

    // No OWS around "=": the member is exactly key "=" value.
    const std::size_t eq = member.find('=');
    if (eq == std::string_view::npos) return std::nullopt;
    const std::string_view key = member.substr(0, eq);
    const std::string_view value = member.substr(eq + 1);
    if (!IsValidKey(key) || !IsValidValue(value)) return std::nullopt;
    if (result.Get(key).has_value()) continue;  // a repeat: the first one stays
    if (result.members_.size() == kMaxMembers) return std::nullopt;
    result.members_.emplace_back(key, value);
  }
  return result;
}

std::string TraceState::Serialize() const {
  std::string out;
  for (const auto& [key, value] : members_) {
    if (!out.empty()) out += ',';
    out.append(key).append("=").append(value);
  }
  return out;
}

std::optional<std::string_view> TraceState::Get(std::string_view key) const {
  for (const auto& [k, v] : members_) {
    if (k == key) return std::string_view(v);
  }
  return std::nullopt;
}

std::optional<TraceState> TraceState::With(std::string_view key, std::string_view value) const {
  if (!IsValidKey(key) || !IsValidValue(value)) return std::nullopt;
  TraceState result;
  result.members_.reserve(std::min(members_.size() + 1, kMaxMembers));
  result.members_.emplace_back(key, value);
  for (const auto& member : members_) {
    if (result.members_.size() == kMaxMembers) break;  // drop from the right
    if (member.first != key) result.members_.push_back(member);
  }
  return result;
}

TraceState TraceState::Without(std::string_view key) const {
  TraceState result;
  for (const auto& member : members_) {
    if (member.first != key) result.members_.push_back(member);
  }
  return result;
}

}  // namespace qtrace
