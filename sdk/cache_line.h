// The cache-line size that the SDK's concurrent structures pad and align to,
// so that data written by different threads never shares a line.
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

}  // namespace qtrace
