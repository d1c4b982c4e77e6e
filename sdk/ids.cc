#include "qtrace/sdk/ids.h"

#include <pthread.h>
#include <sys/random.h>

#include <atomic>
#include <cstring>

#include "qtrace/sdk/common/strings.h"

namespace qtrace {
namespace {

// Bumped in every forked child; each thread's generator compares it with the
// generation it was seeded in and reseeds when they differ.
std::atomic<std::uint64_t> g_fork_generation{1};

void OnFork() { g_fork_generation.fetch_add(1, std::memory_order_relaxed); }

std::uint64_t Rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

// xoshiro256**: fast, 256 bits of state, statistically strong enough for ids
// (not for secrets). Seeded from getrandom; falls back to address and time
// entropy through splitmix64 if the syscall is unavailable.
class ThreadIdGenerator {
 public:
  std::uint64_t Next() {
    if (seeded_generation_ != g_fork_generation.load(std::memory_order_relaxed)) Seed();
    const std::uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }

 private:
  void Seed() {
    static const int registered = pthread_atfork(nullptr, nullptr, &OnFork);
    (void)registered;
    seeded_generation_ = g_fork_generation.load(std::memory_order_relaxed);
    std::uint8_t* raw = reinterpret_cast<std::uint8_t*>(s_);
    std::size_t filled = 0;
    while (filled < sizeof(s_)) {
      const ssize_t n = getrandom(raw + filled, sizeof(s_) - filled, 0);
      if (n <= 0) break;
      filled += static_cast<std::size_t>(n);
    }
    if (filled < sizeof(s_)) {
      std::uint64_t x = reinterpret_cast<std::uintptr_t>(this) ^
                        static_cast<std::uint64_t>(__builtin_ia32_rdtsc());
      for (auto& word : s_) {  // splitmix64
        x += 0x9e3779b97f4a7c15ULL;
        std::uint64_t z = x;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        word = z ^ (z >> 31);
      }
    }
    if ((s_[0] | s_[1] | s_[2] | s_[3]) == 0) s_[0] = 1;  // the one forbidden state
  }

  std::uint64_t s_[4] = {0, 0, 0, 0};
  std::uint64_t seeded_generation_ = 0;
};

ThreadIdGenerator& Generator() {
  thread_local ThreadIdGenerator generator;
  return generator;
}

template <class IdType>
IdType RandomId() {
  static_assert(IdType::kSize % 8 == 0, "ids are whole 64-bit words");
  std::array<std::uint8_t, IdType::kSize> bytes;
  auto& gen = Generator();
  std::uint64_t any_bit = 0;  // all-zero is the invalid id: draw again (about never)
  do {
    any_bit = 0;
    for (std::size_t i = 0; i < bytes.size(); i += 8) {
      const std::uint64_t word = gen.Next();
      any_bit |= word;
      std::memcpy(bytes.data() + i, &word, 8);
    }
  } while (any_bit == 0);
  return IdType(bytes);
}

}  // namespace

bool ParseLowerHex(std::string_view hex, std::uint8_t* out, std::size_t out_size) {
  if (hex.size() != 2 * out_size) return false;
  for (std::size_t i = 0; i < out_size; ++i) {
    const int hi = LowerHexDigitValue(hex[2 * i]);
    const int lo = LowerHexDigitValue(hex[2 * i + 1]);
    if (hi < 0 || lo < 0) return false;
    out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
  }
  return true;
}

void WriteLowerHex(const std::uint8_t* bytes, std::size_t size, char* out) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (std::size_t i = 0; i < size; ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 0xf];
  }
}

template <std::size_t N, class Tag>
std::optional<Id<N, Tag>> Id<N, Tag>::FromHex(std::string_view hex) {
  std::array<std::uint8_t, N> bytes;
  if (!ParseLowerHex(hex, bytes.data(), N)) return std::nullopt;
  return Id(bytes);
}

template <std::size_t N, class Tag>
void Id<N, Tag>::ToHex(char* out) const {
  WriteLowerHex(bytes_.data(), N, out);
}

template <std::size_t N, class Tag>
std::string Id<N, Tag>::ToHex() const {
  std::string out(kHexSize, '0');
  ToHex(out.data());
  return out;
}

template <std::size_t N, class Tag>
bool Id<N, Tag>::IsValid() const {
  // Word by word (ids are 8 or 16 bytes): this runs several times per span.
  static_assert(N % 8 == 0, "ids are whole 64-bit words");
  std::uint64_t any_bit = 0;
  for (std::size_t i = 0; i < N; i += 8) {
    std::uint64_t word;
    std::memcpy(&word, bytes_.data() + i, 8);
    any_bit |= word;
  }
  return any_bit != 0;
}

template class Id<16, TraceIdTag>;
template class Id<8, SpanIdTag>;

TraceId RandomTraceId() { return RandomId<TraceId>(); }

std::string RandomUuidV4() {
  std::array<std::uint8_t, 16> b = RandomTraceId().bytes();
  b[6] = static_cast<std::uint8_t>((b[6] & 0x0f) | 0x40);  // version 4
  b[8] = static_cast<std::uint8_t>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
  char hex[32];
  WriteLowerHex(b.data(), b.size(), hex);
  const std::string_view h(hex, 32);
  std::string id;
  id.reserve(36);
  id.append(h.substr(0, 8)).append("-").append(h.substr(8, 4)).append("-").append(h.substr(12, 4)).append("-");
  id.append(h.substr(16, 4)).append("-").append(h.substr(20));
  return id;
}
SpanId RandomSpanId() { return RandomId<SpanId>(); }

}  // namespace qtrace
