#include "qtrace/sdk/propagation/baggage_propagator.h"

#include <algorithm>
#include <memory>
#include <optional>

#include "qtrace/sdk/common/percent_encoding.h"
#include "qtrace/sdk/common/strings.h"

namespace qtrace {
namespace {

// W3C Baggage: a header holds at most 180 list members; later ones are ignored
// rather than rejecting the whole header.
constexpr std::size_t kMaxExtractedMembers = 180;

// baggage-octet = %x21 / %x23-2B / %x2D-3A / %x3C-5B / %x5D-7E
bool IsBaggageOctet(char c) {
  return c >= 0x21 && c <= 0x7E && c != '"' && c != ',' && c != ';' && c != '\\';
}

// Properties are kept as an opaque string and written back verbatim, so they
// must not be able to break the header: printable ASCII and tabs, no ",".
bool IsSafeMetadata(std::string_view s) {
  return std::all_of(s.begin(), s.end(),
                     [](char c) { return c == '\t' || (c >= 0x20 && c <= 0x7E && c != ','); });
}

// Parses one list member: key OWS "=" OWS value *( OWS ";" OWS property ).
// nullopt when the member is malformed, so that the caller skips it alone.
std::optional<Baggage::Entry> ParseMember(std::string_view member) {
  std::string_view metadata;
  if (const std::size_t semicolon = member.find(';'); semicolon != std::string_view::npos) {
    metadata = TrimOws(member.substr(semicolon + 1));
    member = member.substr(0, semicolon);
  }
  const std::size_t eq = member.find('=');
  if (eq == std::string_view::npos) return std::nullopt;
  const std::string_view key = TrimOws(member.substr(0, eq));
  const std::string_view raw_value = TrimOws(member.substr(eq + 1));
  if (!IsToken(key)) return std::nullopt;
  if (!std::all_of(raw_value.begin(), raw_value.end(), IsBaggageOctet)) return std::nullopt;
  std::optional<std::string> value = PercentDecode(raw_value);
  if (!value) return std::nullopt;
  return Baggage::Entry{std::string(key), std::move(*value), std::string(metadata)};
}

// key "=" encoded-value [";" metadata], or nullopt for an entry that cannot be
// written as a valid member (it was set through the API with a bad key).
std::optional<std::string> FormatMember(const Baggage::Entry& entry) {
  if (!IsToken(entry.key) || !IsSafeMetadata(entry.metadata)) return std::nullopt;
  std::string member = entry.key;
  member += '=';
  member += PercentEncodeBaggageValue(entry.value);
  if (!entry.metadata.empty()) {
    member += ';';
    member += entry.metadata;
  }
  return member;
}

}  // namespace

Baggage BaggagePropagator::Parse(std::string_view header) {
  Baggage baggage;
  std::size_t members_seen = 0;
  std::size_t start = 0;
  while (start <= header.size() && members_seen < kMaxExtractedMembers) {
    std::size_t comma = header.find(',', start);
    if (comma == std::string_view::npos) comma = header.size();
    const std::string_view member = TrimOws(header.substr(start, comma - start));
    start = comma + 1;
    if (member.empty()) continue;
    ++members_seen;  // malformed members count too: the limit is on the header
    if (std::optional<Baggage::Entry> entry = ParseMember(member)) {
      baggage = baggage.With(entry->key, entry->value, entry->metadata);
    }
  }
  return baggage;
}

std::string BaggagePropagator::Serialize(const Baggage& baggage) {
  std::string header;
  std::size_t members = 0;
  for (const Baggage::Entry& entry : baggage.entries()) {
    if (members == Baggage::kMaxMembers) break;
    const std::optional<std::string> member = FormatMember(entry);
    if (!member) continue;
    const std::size_t separator = header.empty() ? 0 : 1;
    // Skip a member that would overflow, but keep trying: a later, shorter one
    // may still fit.
    if (header.size() + separator + member->size() > Baggage::kMaxBytes) continue;
    if (separator) header += ',';
    header += *member;
    ++members;
  }
  return header;
}

void BaggagePropagator::Inject(const Context& context, TextMapCarrier& carrier) const {
  const Baggage& baggage = context.baggage();
  if (baggage.empty()) return;
  const std::string header = Serialize(baggage);
  if (!header.empty()) carrier.Set(kBaggage, header);
}

Context BaggagePropagator::Extract(const TextMapCarrier& carrier, const Context& base) const {
  const std::optional<std::string_view> header = carrier.Get(kBaggage);
  if (!header) return base;
  const Baggage received = Parse(*header);
  if (received.empty()) return base;

  // Header entries replace the base's entries of the same key.
  Baggage merged = base.baggage();
  for (const Baggage::Entry& entry : received.entries()) {
    merged = merged.With(entry.key, entry.value, entry.metadata);
  }
  return base.WithBaggage(std::make_shared<const Baggage>(std::move(merged)));
}

}  // namespace qtrace
