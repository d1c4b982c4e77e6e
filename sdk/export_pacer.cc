#include "qtrace/sdk/export_pacer.h"

#include <algorithm>

namespace qtrace {

std::optional<absl::Duration> ExportPacer::NextWait(std::uint64_t arrived, absl::Time now) {
  const std::optional<absl::Time> last = last_cycle_;
  const std::uint64_t since_last = arrived >= last_arrived_ ? arrived - last_arrived_ : 0;
  last_cycle_ = now;
  last_arrived_ = arrived;
  if (!last || since_last == 0 || 2 * since_last < batch_size_) return std::nullopt;
  const absl::Duration wait =
      (now - *last) * (1.5 * static_cast<double>(batch_size_) / static_cast<double>(since_last));
  if (wait > kMaxPollInterval) return std::nullopt;
  return std::max(wait, kMinPollInterval);
}

}  // namespace qtrace
