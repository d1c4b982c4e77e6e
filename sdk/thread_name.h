// Names the SDK's own threads, so that `top -H`, `perf` and /proc show which
// thread is the exporter ("qtrace-export"), which sends its encoded batches
// ("qtrace-send") and which polls for a sampling strategy
// ("qtrace-sampling"); bench/overhead.sh reads the export's CPU by those
// names.
#pragma once

#include <pthread.h>

namespace qtrace {

// name: at most 15 characters (the kernel's limit); longer names are ignored.
inline void NameCurrentThread(const char* name) {
#if defined(__linux__)
  (void)pthread_setname_np(pthread_self(), name);
#else
  (void)name;
#endif
}

}  // namespace qtrace
