// The cache-line size that the SDK's concurrent structures pad and align to,
// so that data written by different threads never shares a line, and the
// one helper that asks the cache for a block's lines ahead of reading them.
//
// Why a constant and not std::hardware_destructive_interference_size: GCC
// warns (-Winterference-size) that its value may differ between compiler
// versions and flags, which would change the layout of installed types
// (ShardedCounter, in the public pipeline_metrics.h). 64 bytes is the line of
// every x86-64 and of the common 64-bit ARM cores.
#pragma once

#include <cstddef>

namespace qtrace {

inline constexpr std::size_t kCacheLineSize = 64;

// Asks for every line of [start, start + bytes) without waiting for any:
// for memory about to be read that another core wrote last (span records).
inline void PrefetchLines(const void* start, std::size_t bytes) noexcept {
  const char* p = static_cast<const char*>(start);
  for (std::size_t offset = 0; offset < bytes; offset += kCacheLineSize) __builtin_prefetch(p + offset);
}

}  // namespace qtrace
