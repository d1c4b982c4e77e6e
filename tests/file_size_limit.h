// Fault injection for disk writes: while a FileSizeLimit lives, no file of
// this process may grow past `bytes`, so write(2) fails (EFBIG) as it fails
// on a full disk (ENOSPC). SIGXFSZ, which the kernel sends along, is ignored
// meanwhile; both are restored when it goes.
#pragma once

#include <sys/resource.h>

#include <csignal>

#include "gtest/gtest.h"

namespace qtrace::testutil {

class FileSizeLimit {
 public:
  explicit FileSizeLimit(rlim_t bytes) {
    EXPECT_EQ(getrlimit(RLIMIT_FSIZE, &before_), 0);
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    rlimit limited = before_;
    limited.rlim_cur = bytes;
    EXPECT_EQ(setrlimit(RLIMIT_FSIZE, &limited), 0);
  }
  ~FileSizeLimit() {
    setrlimit(RLIMIT_FSIZE, &before_);
    std::signal(SIGXFSZ, old_handler_);
  }
  FileSizeLimit(const FileSizeLimit&) = delete;
  FileSizeLimit& operator=(const FileSizeLimit&) = delete;

 private:
  rlimit before_{};
  void (*old_handler_)(int) = SIG_DFL;
};

}  // namespace qtrace::testutil
