#include "qtrace/sdk/clock.h"

#if defined(__x86_64__)
#include <x86intrin.h>
#endif

#include <atomic>
#include <fstream>
#include <mutex>
#include <string>

namespace qtrace {
namespace {

// The TSC path is x86-64 only; every other processor reads the monotonic
// clock (CMakeLists.txt says which processors are supported).
bool KernelReportsInvariantTsc() {
#if !defined(__x86_64__)
  return false;
#endif
  std::ifstream cpuinfo("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpuinfo, line)) {
    if (line.rfind("flags", 0) != 0) continue;
    const auto has = [&](const char* flag) { return (line + " ").find(std::string(" ") + flag + " ") != std::string::npos; };
    return has("constant_tsc") && has("nonstop_tsc");
  }
  return false;
}

// The clock state: the calibration base (kept for the whole process so that
// the tick rate is measured over a growing baseline) and the current anchor,
// published with a sequence lock so that readers see a consistent triple.
class SpanClock {
 public:
  SpanClock() : use_tsc_(KernelReportsInvariantTsc()) {
    base_ticks_ = Ticks();
    base_mono_ = MonotonicNanos();
    if (use_tsc_) {
      // A first rate over 2 ms; RefreshClockAnchor refines it.
      std::int64_t mono = base_mono_;
      while (mono - base_mono_ < 2'000'000) mono = MonotonicNanos();
      const std::int64_t ticks = Ticks();
      ns_per_tick_.store(static_cast<double>(mono - base_mono_) / static_cast<double>(ticks - base_ticks_),
                         std::memory_order_relaxed);
    }
    Publish(Ticks(), WallNanos(), ns_per_tick_.load(std::memory_order_relaxed));
  }

  bool use_tsc() const { return use_tsc_; }

  std::int64_t Ticks() const {
#if defined(__x86_64__)
    if (use_tsc_) return static_cast<std::int64_t>(__rdtsc());
#endif
    return MonotonicNanos();
  }

  double ns_per_tick() const { return ns_per_tick_.load(std::memory_order_relaxed); }

  std::int64_t WallFrom(std::int64_t ticks) const {
    while (true) {
      const std::uint32_t before = sequence_.load(std::memory_order_acquire);
      if (before & 1) continue;  // a refresh is writing
      // Acquire loads pair with Publish's release stores (see there); no
      // fence, because ThreadSanitizer does not model fences.
      const std::int64_t anchor_ticks = anchor_ticks_.load(std::memory_order_acquire);
      const std::int64_t anchor_wall = anchor_wall_.load(std::memory_order_acquire);
      const double rate = ns_per_tick_.load(std::memory_order_acquire);
      if (sequence_.load(std::memory_order_relaxed) != before) continue;
      return anchor_wall + static_cast<std::int64_t>(static_cast<double>(ticks - anchor_ticks) * rate);
    }
  }

  void Refresh() {
    std::lock_guard<std::mutex> lock(writer_);
    const std::int64_t ticks = Ticks();
    const std::int64_t mono = MonotonicNanos();
    const std::int64_t wall = WallNanos();
    double rate = ns_per_tick_.load(std::memory_order_relaxed);
    if (use_tsc_ && ticks > base_ticks_ && mono - base_mono_ > 100'000'000) {
      rate = static_cast<double>(mono - base_mono_) / static_cast<double>(ticks - base_ticks_);
    }
    Publish(ticks, wall, rate);
  }

 private:
  // The sequence lock under the C++ memory model (not only x86's):
  //  * each field is stored with release, so a reader whose acquire load
  //    sees a new field value also sees the odd sequence stored before it,
  //    and its second sequence read (sequenced after) cannot return the
  //    older even value: the mixed triple is retried;
  //  * the final increment is a release that the reader's first acquire load
  //    pairs with: a reader that starts after a publish sees all of it.
  // On x86 release stores are plain stores, so this costs nothing there.
  void Publish(std::int64_t ticks, std::int64_t wall, double rate) {
    sequence_.fetch_add(1, std::memory_order_relaxed);  // odd: writing (writers hold writer_)
    anchor_ticks_.store(ticks, std::memory_order_release);
    anchor_wall_.store(wall, std::memory_order_release);
    ns_per_tick_.store(rate, std::memory_order_release);
    sequence_.fetch_add(1, std::memory_order_release);  // even: done
  }

  const bool use_tsc_;
  std::int64_t base_ticks_ = 0;
  std::int64_t base_mono_ = 0;
  std::atomic<double> ns_per_tick_{1.0};
  std::atomic<std::uint32_t> sequence_{0};
  std::atomic<std::int64_t> anchor_ticks_{0};
  std::atomic<std::int64_t> anchor_wall_{0};
  std::mutex writer_;
};

SpanClock& Clock() {
  static SpanClock clock;
  return clock;
}

}  // namespace

std::int64_t SpanTicks() { return Clock().Ticks(); }

std::int64_t TicksToNanos(std::int64_t ticks) {
  if (ticks <= 0) return 0;
  return static_cast<std::int64_t>(static_cast<double>(ticks) * Clock().ns_per_tick());
}

std::int64_t WallFromTicks(std::int64_t ticks) { return Clock().WallFrom(ticks); }

void RefreshClockAnchor() { Clock().Refresh(); }

bool SpanClockUsesTsc() { return Clock().use_tsc(); }

}  // namespace qtrace
