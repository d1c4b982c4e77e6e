// ExportPacer: how the exporter thread waits between two export cycles.
//
// Waking the exporter from a request thread is a system call (a futex wake,
// and on a virtual machine an interrupt to the other processor) that cost the
// request thread about 10 ns per span amortized over a batch of 512 here,
// a tenth of the span's price. So while spans keep coming at a steady rate,
// the exporter wakes on its own timer instead, when one and a half batches
// have come at the rate it last saw, and the request threads do not signal it;
// they signal only when the queue nears full (a burst faster than that rate)
// or, once the rate has dropped and the exporter waits parked, when a batch
// is ready (see BatchSpanProcessor).
//
// The pacer only decides; it reads no clock and owns no thread, so it is
// tested with made-up times. Used by the exporter thread only.
#pragma once

#include <cstdint>
#include <optional>

#include "absl/time/time.h"

namespace qtrace {

class ExportPacer {
 public:
  // Longest wait on the timer. A slower flow parks the exporter and pays a
  // signal per batch, fewer than 750 a second, against the memory a
  // pacing exporter costs (it lets half a batch more wait, and a wait that
  // overshoots lets more: records the pool then keeps).
  static constexpr absl::Duration kMaxPollInterval = absl::Milliseconds(2);
  // Shortest wait on the timer (a batch per about 13 µs): a faster flow is
  // one the exporter does not keep up with anyway.
  static constexpr absl::Duration kMinPollInterval = absl::Microseconds(20);

  // REQUIRES: batch_size > 0.
  explicit ExportPacer(std::uint64_t batch_size) : batch_size_(batch_size) {}

  // At the end of a cycle: `arrived` counts every span offered to the queue
  // so far (queued or dropped), `now` is the time. Returns how long to wait
  // before the next cycle on the exporter's own timer, or nullopt to park
  // until signalled: on the first cycle, and when less than half a batch
  // arrived since the last one or the wait would be longer than
  // kMaxPollInterval.
  //
  // The wait is the time one and a half batches take at the rate since the
  // last cycle, not one: spans that come in bursts (a batch per burst, say)
  // would otherwise have the timer fire, in phase, just before each burst,
  // find nothing, and park.
  std::optional<absl::Duration> NextWait(std::uint64_t arrived, absl::Time now);

 private:
  const std::uint64_t batch_size_;
  std::uint64_t last_arrived_ = 0;
  std::optional<absl::Time> last_cycle_;
};

}  // namespace qtrace
