#include "qtrace/sdk/common/unique_fd.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "gtest/gtest.h"

namespace qtrace {
namespace {

bool IsOpen(int fd) { return fcntl(fd, F_GETFD) != -1 || errno != EBADF; }

TEST(UniqueFdTest, ClosesWhenItGoes) {
  int ends[2];
  ASSERT_EQ(pipe(ends), 0);
  {
    UniqueFd read_end(ends[0]);
    UniqueFd write_end(ends[1]);
    EXPECT_TRUE(read_end.valid());
    EXPECT_EQ(read_end.get(), ends[0]);
  }
  EXPECT_FALSE(IsOpen(ends[0]));
  EXPECT_FALSE(IsOpen(ends[1]));
}

TEST(UniqueFdTest, MoveTransfersOwnershipAndResetCloses) {
  int ends[2];
  ASSERT_EQ(pipe(ends), 0);
  UniqueFd a(ends[0]);
  UniqueFd b(std::move(a));
  EXPECT_FALSE(a.valid());  // NOLINT(bugprone-use-after-move): moved-from is empty by contract
  EXPECT_EQ(b.get(), ends[0]);
  UniqueFd c(ends[1]);
  c = std::move(b);  // closes the write end, takes the read end
  EXPECT_FALSE(IsOpen(ends[1]));
  EXPECT_TRUE(IsOpen(ends[0]));
  c.Reset();
  EXPECT_FALSE(IsOpen(ends[0]));
  EXPECT_FALSE(c.valid());
}

TEST(UniqueFdTest, ReleaseGivesUpWithoutClosing) {
  int ends[2];
  ASSERT_EQ(pipe(ends), 0);
  int released = -1;
  {
    UniqueFd read_end(ends[0]);
    released = read_end.Release();
  }
  EXPECT_TRUE(IsOpen(released));
  close(released);
  close(ends[1]);
}

}  // namespace
}  // namespace qtrace
