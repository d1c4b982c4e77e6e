// SendPipeline (exporter/send_pipeline.h): order, the bound on pending
// batches, failures reported by Flush, Flush's deadline, Stop sending what is
// pending, and buffers coming back for reuse. Every wait is bounded.
#include "qtrace/exporter/send_pipeline.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "absl/time/clock.h"
#include "gtest/gtest.h"

namespace qtrace {
namespace {

using namespace std::chrono_literals;

// A send function that records what it sent and can be held.
struct FakeBackend {
  std::mutex mu;
  std::condition_variable cv;
  bool hold = false;
  std::vector<std::string> sent;
  std::vector<std::thread::id> threads;
  std::string refuse;  // a body answered with an error

  SendPipeline::SendFunction Function() {
    return [this](const std::string& body, std::uint64_t) {
      std::unique_lock<std::mutex> lock(mu);
      cv.wait(lock, [&] { return !hold; });
      sent.push_back(body);
      threads.push_back(std::this_thread::get_id());
      return body == refuse ? absl::UnavailableError("refused " + body) : absl::OkStatus();
    };
  }
  void Hold(bool on) {
    std::lock_guard<std::mutex> lock(mu);
    hold = on;
    cv.notify_all();
  }
  std::vector<std::string> Sent() {
    std::lock_guard<std::mutex> lock(mu);
    return sent;
  }
};

const absl::Time kLater = absl::InfiniteFuture();

// Submits a copy of body; true when the pipeline took it.
bool Give(SendPipeline& pipeline, std::string body) { return pipeline.Submit(body, 1); }

TEST(SendPipelineTest, SendsInOrderOnAThreadOfItsOwn) {
  FakeBackend backend;
  SendPipeline pipeline(4, backend.Function());
  for (const char* body : {"a", "b", "c", "d", "e", "f"}) ASSERT_TRUE(Give(pipeline, body));
  EXPECT_TRUE(pipeline.Flush(kLater).ok());
  EXPECT_EQ(backend.Sent(), (std::vector<std::string>{"a", "b", "c", "d", "e", "f"}));
  for (std::thread::id id : backend.threads) EXPECT_NE(id, std::this_thread::get_id());
  EXPECT_EQ(pipeline.pending(), 0u);
}

// Submit returns at once while fewer than max_pending batches are
// unanswered, and waits for an answer when that many are.
TEST(SendPipelineTest, SubmitWaitsOnlyWhenMaxPendingAreUnanswered) {
  FakeBackend backend;
  backend.Hold(true);
  SendPipeline pipeline(2, backend.Function());
  ASSERT_TRUE(Give(pipeline, "a"));  // taken by the thread, held in the send
  ASSERT_TRUE(Give(pipeline, "b"));  // waits for the thread
  EXPECT_EQ(pipeline.pending(), 2u);
  std::atomic<bool> third_returned{false};
  std::thread submitter([&] {
    ASSERT_TRUE(Give(pipeline, "c"));
    third_returned = true;
  });
  std::this_thread::sleep_for(50ms);
  EXPECT_FALSE(third_returned.load()) << "a third batch was taken while two were unanswered";
  backend.Hold(false);
  submitter.join();
  EXPECT_TRUE(pipeline.Flush(kLater).ok());
  EXPECT_EQ(backend.Sent(), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(SendPipelineTest, FlushReturnsTheFirstFailureSinceTheLastFlush) {
  FakeBackend backend;
  backend.refuse = "b";
  SendPipeline pipeline(4, backend.Function());
  for (const char* body : {"a", "b", "c", "b"}) ASSERT_TRUE(Give(pipeline, body));
  const absl::Status first = pipeline.Flush(kLater);
  EXPECT_EQ(first.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(first.message(), "refused b");
  ASSERT_TRUE(Give(pipeline, "d"));
  EXPECT_TRUE(pipeline.Flush(kLater).ok()) << "a failure is reported once";
}

TEST(SendPipelineTest, FlushGivesUpAtItsDeadline) {
  FakeBackend backend;
  backend.Hold(true);
  SendPipeline pipeline(4, backend.Function());
  ASSERT_TRUE(Give(pipeline, "a"));
  EXPECT_EQ(pipeline.Flush(absl::Now() + absl::Milliseconds(50)).code(), absl::StatusCode::kDeadlineExceeded);
  backend.Hold(false);
  EXPECT_TRUE(pipeline.Flush(kLater).ok());
  EXPECT_EQ(backend.Sent().size(), 1u);
}

TEST(SendPipelineTest, StopSendsWhatIsPending) {
  FakeBackend backend;
  backend.Hold(true);
  SendPipeline pipeline(4, backend.Function());
  for (const char* body : {"a", "b", "c"}) ASSERT_TRUE(Give(pipeline, body));
  std::thread releaser([&] {
    std::this_thread::sleep_for(20ms);
    backend.Hold(false);
  });
  pipeline.Stop();
  releaser.join();
  EXPECT_EQ(backend.Sent(), (std::vector<std::string>{"a", "b", "c"}));
}

TEST(SendPipelineTest, SubmitAfterStopIsRefusedAndLeavesTheBody) {
  FakeBackend backend;
  SendPipeline pipeline(2, backend.Function());
  pipeline.Stop();
  std::string body = "late";
  EXPECT_FALSE(pipeline.Submit(body, 1));
  EXPECT_EQ(body, "late") << "the caller still has it to send";
  EXPECT_TRUE(backend.Sent().empty());
}

// A Submit that waits for room when Stop is asked refuses instead of
// waiting for good; two Stops at once both return.
TEST(SendPipelineTest, StopReleasesAWaitingSubmitAndMayComeTwice) {
  FakeBackend backend;
  backend.Hold(true);
  SendPipeline pipeline(1, backend.Function());
  ASSERT_TRUE(Give(pipeline, "a"));  // held in the send: no room
  std::atomic<int> submitted{-1};
  std::thread submitter([&] { submitted = Give(pipeline, "b") ? 1 : 0; });
  std::thread stopper1([&] { pipeline.Stop(); });
  std::thread stopper2([&] { pipeline.Stop(); });
  const auto give_up = std::chrono::steady_clock::now() + 30s;
  while (submitted.load() < 0 && std::chrono::steady_clock::now() < give_up) std::this_thread::sleep_for(1ms);
  EXPECT_EQ(submitted.load(), 0) << "the waiting Submit did not refuse";
  backend.Hold(false);  // the send in flight ends; both Stops return
  submitter.join();
  stopper1.join();
  stopper2.join();
  EXPECT_EQ(backend.Sent(), std::vector<std::string>{"a"});
}

// A sent body's buffer comes back with its capacity and its bytes: steady
// state encodes into the same few buffers, over their old bytes, and never
// zeroes them again.
TEST(SendPipelineTest, SentBuffersComeBackForReuse) {
  FakeBackend backend;
  SendPipeline pipeline(2, backend.Function());
  EXPECT_EQ(pipeline.TakeBuffer().capacity(), std::string().capacity()) << "nothing sent yet";
  std::string big(100000, 'x');
  ASSERT_TRUE(pipeline.Submit(big, 1));
  ASSERT_TRUE(pipeline.Flush(kLater).ok());
  const std::string buffer = pipeline.TakeBuffer();
  EXPECT_EQ(buffer, std::string(100000, 'x'));
}

}  // namespace
}  // namespace qtrace
