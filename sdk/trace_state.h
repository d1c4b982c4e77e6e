// W3C tracestate: an ordered list of vendor key/value pairs carried beside
// traceparent. Immutable once built; shared between a span and its children
// through std::shared_ptr<const TraceState> so that a child copies a pointer,
// not strings.
//
// Grammar (W3C Trace Context Level 2, section 3.3):
//   key      = ( lcalpha / DIGIT ) 0*255( keychar )
//   keychar  = lcalpha / DIGIT / "_" / "-" / "*" / "/" / "@"
//   value    = 0*255(chr) nblk-chr ; chr = %x20 / nblk-chr
//   nblk-chr = %x21-2B / %x2D-3C / %x3E-7E
// Level 1 split keys into a simple key (lower-case letter first) and a
// "tenant@system" key with length limits on both halves; Level 2 keeps only
// the outer rules: at most 256 characters, a letter or digit first, "@"
// anywhere after it, any number of times. Every Level 1 key is still valid.
// Members are separated by "," with optional spaces and tabs around them;
// empty members are allowed and ignored; at most 32 members. A key that
// repeats no longer invalidates the header: the first (left-most, most
// recent) member is kept and the later ones are dropped.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace qtrace {

class TraceState {
 public:
  static constexpr std::size_t kMaxMembers = 32;

  TraceState() = default;

  // Parses a tracestate header value (several header lines already joined with
  // ","). Returns nullopt when any member breaks the grammar or more than 32
  // distinct members remain: the W3C rule is then to discard the whole value.
  // A repeated key keeps its first member. An empty or all-whitespace header
  // gives an empty TraceState.
  static std::optional<TraceState> Parse(std::string_view header);

  static bool IsValidKey(std::string_view key);
  static bool IsValidValue(std::string_view value);

  // The header value, members in order, joined with ",".
  std::string Serialize() const;

  std::optional<std::string_view> Get(std::string_view key) const;

  // A copy with key set to value and moved to the front (the W3C rule for the
  // vendor that updates its entry). Returns nullopt for an invalid key or value.
  // When the list would exceed 32 members the right-most member is dropped.
  std::optional<TraceState> With(std::string_view key, std::string_view value) const;

  // A copy without key's member (the same members when there is none).
  TraceState Without(std::string_view key) const;

  const std::vector<std::pair<std::string, std::string>>& members() const { return members_; }
  bool empty() const { return members_.empty(); }

  friend bool operator==(const TraceState&, const TraceState&) = default;

 private:
  std::vector<std::pair<std::string, std::string>> members_;
};

using TraceStatePtr = std::shared_ptr<const TraceState>;

}  // namespace qtrace
