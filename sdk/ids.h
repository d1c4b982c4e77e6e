// Trace and span identifiers, and the generator that makes them.
//
// An id is a fixed array of bytes; all zero means "invalid" (W3C Trace Context).
// Hex conversion uses lower case only, as traceparent requires.
//
// Thread safety: ids are plain values. RandomTraceId()/RandomSpanId() use a
// per-thread generator and take no lock.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace qtrace {

template <std::size_t N, class Tag>
class Id {
 public:
  static constexpr std::size_t kSize = N;
  static constexpr std::size_t kHexSize = 2 * N;

  constexpr Id() = default;  // the invalid (all-zero) id
  constexpr explicit Id(const std::array<std::uint8_t, N>& bytes) : bytes_(bytes) {}

  // Parses exactly kHexSize lower-case hex digits. Returns nullopt for any other
  // length or character (upper case included). An all-zero id parses: callers
  // that need a valid id check IsValid().
  static std::optional<Id> FromHex(std::string_view hex);

  // Writes kHexSize lower-case hex digits to out (no terminator).
  void ToHex(char* out) const;
  std::string ToHex() const;

  [[nodiscard]] bool IsValid() const;
  const std::array<std::uint8_t, N>& bytes() const { return bytes_; }

  friend bool operator==(const Id&, const Id&) = default;

 private:
  std::array<std::uint8_t, N> bytes_{};
};

struct TraceIdTag;
struct SpanIdTag;
using TraceId = Id<16, TraceIdTag>;
using SpanId = Id<8, SpanIdTag>;

// Random ids from a per-thread xoshiro256** generator seeded from the OS
// (getrandom) on first use in each thread, and reseeded in a forked child so
// that parent and child never share a sequence. Never returns an invalid id.
TraceId RandomTraceId();
SpanId RandomSpanId();

// A random UUIDv4 ("xxxxxxxx-xxxx-4xxx-[89ab]xxx-xxxxxxxxxxxx") from the same
// generator: service.instance.id, request ids.
std::string RandomUuidV4();

// Parses/writes hex; exposed for the propagators and the encoders.
bool ParseLowerHex(std::string_view hex, std::uint8_t* out, std::size_t out_size);
void WriteLowerHex(const std::uint8_t* bytes, std::size_t size, char* out);

}  // namespace qtrace
