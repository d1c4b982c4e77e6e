#include "qtrace/exporter/retry.h"

#include <chrono>
#include <deque>
#include <thread>

#include "qtrace/exporter/otlp_response.h"
#include "gtest/gtest.h"

namespace qtrace {
namespace {

// Answers from a script, one per attempt, and records when each came.
class ScriptedSender final : public Sender {
 public:
  explicit ScriptedSender(std::deque<SendOutcome> script) : script_(std::move(script)) {}
  SendOutcome Send(std::string_view, absl::Time) override {
    times.push_back(absl::Now());
    if (script_.empty()) return SendOutcome::Ok();
    SendOutcome next = script_.front();
    script_.pop_front();
    return next;
  }
  void Cancel() override {}
  std::string Describe() const override { return "scripted"; }
  std::vector<absl::Time> times;

 private:
  std::deque<SendOutcome> script_;
};

RetryPolicy FastPolicy() {
  RetryPolicy p;
  p.initial_backoff = absl::Milliseconds(20);
  p.max_backoff = absl::Milliseconds(100);
  p.multiplier = 2;
  p.jitter = 0.2;
  return p;
}

TEST(RetryTest, BackoffGrowsWithinJitterAndCaps) {
  std::mt19937_64 random(1);
  const RetryPolicy p = FastPolicy();
  for (int i = 0; i < 200; ++i) {
    const absl::Duration first = BackoffDelay(p, 1, random);
    EXPECT_GE(first, absl::Milliseconds(16));
    EXPECT_LE(first, absl::Milliseconds(24));
    const absl::Duration third = BackoffDelay(p, 3, random);
    EXPECT_GE(third, absl::Milliseconds(64));
    EXPECT_LE(third, absl::Milliseconds(96));
    const absl::Duration tenth = BackoffDelay(p, 10, random);
    EXPECT_LE(tenth, absl::Milliseconds(120)) << "capped at max_backoff plus jitter";
  }
}

TEST(RetryTest, TransientFailuresAreRetriedUntilAccepted) {
  ScriptedSender sender({SendOutcome::Retryable("503"), SendOutcome::Retryable("503"), SendOutcome::Ok()});
  InterruptibleSleep sleep;
  std::mt19937_64 random(2);
  const RetryResult r = SendWithRetry(sender, "body", absl::Now() + absl::Seconds(5), FastPolicy(), sleep, random);
  EXPECT_EQ(r.last.kind, SendOutcome::Kind::kOk);
  EXPECT_EQ(r.attempts, 3);
}

TEST(RetryTest, MaxAttemptsStopsAfterThatManyTries) {
  ScriptedSender sender({SendOutcome::Retryable("503"), SendOutcome::Retryable("503"), SendOutcome::Ok()});
  InterruptibleSleep sleep;
  std::mt19937_64 random(2);
  RetryPolicy once = FastPolicy();
  once.max_attempts = 1;
  const RetryResult r = SendWithRetry(sender, "body", absl::Now() + absl::Seconds(5), once, sleep, random);
  EXPECT_EQ(r.last.kind, SendOutcome::Kind::kRetryable);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(sender.times.size(), 1u);
  EXPECT_FALSE(r.timed_out);
  EXPECT_FALSE(r.interrupted);
}

// Remembers what SendWithRetry reported, with what the sender had seen by then.
class RecordingObserver final : public RetryObserver {
 public:
  explicit RecordingObserver(const ScriptedSender& sender) : sender_(sender) {}
  void OnAttempt(int attempt) override {
    attempts.push_back(attempt);
    sends_before_attempt.push_back(sender_.times.size());
  }
  void OnRetryScheduled(const SendOutcome& failed, absl::Duration wait) override {
    scheduled.push_back(failed.reason);
    waits.push_back(wait);
  }
  std::vector<int> attempts;
  std::vector<std::size_t> sends_before_attempt;
  std::vector<std::string> scheduled;
  std::vector<absl::Duration> waits;

 private:
  const ScriptedSender& sender_;
};

TEST(RetryTest, ObserverHearsOfEachAttemptAsItHappens) {
  ScriptedSender sender({SendOutcome::Retryable("503"), SendOutcome::Retryable("refused"), SendOutcome::Ok()});
  RecordingObserver observer(sender);
  InterruptibleSleep sleep;
  std::mt19937_64 random(7);
  const RetryResult r =
      SendWithRetry(sender, "body", absl::Now() + absl::Seconds(5), FastPolicy(), sleep, random, &observer);
  EXPECT_EQ(r.attempts, 3);
  EXPECT_EQ(observer.attempts, (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(observer.sends_before_attempt, (std::vector<std::size_t>{0, 1, 2})) << "told before each send";
  EXPECT_EQ(observer.scheduled, (std::vector<std::string>{"503", "refused"}));
  for (absl::Duration wait : observer.waits) EXPECT_GT(wait, absl::ZeroDuration());
}

TEST(RetryTest, PermanentFailureIsNotRetried) {
  ScriptedSender sender({SendOutcome::Permanent("HTTP 400")});
  InterruptibleSleep sleep;
  std::mt19937_64 random(3);
  const RetryResult r = SendWithRetry(sender, "body", absl::Now() + absl::Seconds(5), FastPolicy(), sleep, random);
  EXPECT_EQ(r.last.kind, SendOutcome::Kind::kPermanent);
  EXPECT_EQ(r.attempts, 1);
}

TEST(RetryTest, AnnouncedDelayIsHonoured) {
  ScriptedSender sender({SendOutcome::Retryable("429", absl::Milliseconds(300)), SendOutcome::Ok()});
  InterruptibleSleep sleep;
  std::mt19937_64 random(4);
  const RetryResult r = SendWithRetry(sender, "body", absl::Now() + absl::Seconds(5), FastPolicy(), sleep, random);
  ASSERT_EQ(r.attempts, 2);
  const absl::Duration waited = sender.times[1] - sender.times[0];
  EXPECT_GE(waited, absl::Milliseconds(300));
  EXPECT_LT(waited, absl::Milliseconds(360));
}

TEST(RetryTest, NeverWaitsPastTheDeadline) {
  ScriptedSender sender({SendOutcome::Retryable("429", absl::Seconds(10))});
  InterruptibleSleep sleep;
  std::mt19937_64 random(5);
  const absl::Time start = absl::Now();
  const RetryResult r = SendWithRetry(sender, "body", start + absl::Seconds(1), FastPolicy(), sleep, random);
  EXPECT_TRUE(r.timed_out);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(100)) << "gives up at once rather than sleeping in vain";
}

TEST(RetryTest, InterruptCutsASleepShort) {
  std::deque<SendOutcome> script(50, SendOutcome::Retryable("down", absl::Seconds(3)));
  ScriptedSender sender(script);
  InterruptibleSleep sleep;
  std::mt19937_64 random(6);
  std::thread interrupter([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    sleep.Interrupt();
  });
  const absl::Time start = absl::Now();
  const RetryResult r = SendWithRetry(sender, "body", start + absl::Seconds(30), FastPolicy(), sleep, random);
  interrupter.join();
  EXPECT_TRUE(r.interrupted);
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(500));
  EXPECT_FALSE(sleep.SleepFor(absl::Seconds(5))) << "stays interrupted";
}

TEST(OtlpResponseTest, PartialSuccessProtobuf) {
  // ExportTraceServiceResponse{partial_success{rejected_spans: 7, error_message: "bad"}}
  const std::string bytes("\x0a\x07\x08\x07\x12\x03" "bad", 9);
  const PartialSuccess p = ParsePartialSuccessProtobuf(bytes);
  EXPECT_EQ(p.rejected_spans, 7);
  EXPECT_EQ(p.error_message, "bad");
  EXPECT_EQ(ParsePartialSuccessProtobuf("").rejected_spans, 0);
  EXPECT_EQ(ParsePartialSuccessProtobuf("\x0a\x7f").rejected_spans, 0) << "truncated input is ignored";
}

TEST(OtlpResponseTest, PartialSuccessJson) {
  const PartialSuccess p = ParsePartialSuccessJson(R"({"partialSuccess":{"rejectedSpans":"12","errorMessage":"too old"}})");
  EXPECT_EQ(p.rejected_spans, 12);
  EXPECT_EQ(p.error_message, "too old");
  EXPECT_EQ(ParsePartialSuccessJson(R"({"partialSuccess":{"rejectedSpans":3}})").rejected_spans, 3);
  EXPECT_EQ(ParsePartialSuccessJson("{}").rejected_spans, 0);
}

TEST(OtlpResponseTest, RetryInfoFromStatusDetails) {
  // google.rpc.Status{code: 8, details: [Any{type_url: RetryInfo, value: RetryInfo{retry_delay{seconds: 2, nanos: 500000000}}}]}
  std::string duration("\x08\x02\x10\x80\xca\xb5\xee\x01", 8);
  std::string retry_info = std::string("\x0a") + static_cast<char>(duration.size()) + duration;
  const std::string type_url = "type.googleapis.com/google.rpc.RetryInfo";
  std::string any = std::string("\x0a") + static_cast<char>(type_url.size()) + type_url + "\x12" +
                    static_cast<char>(retry_info.size()) + retry_info;
  std::string status = std::string("\x08\x08\x1a") + static_cast<char>(any.size()) + any;
  const auto delay = ParseRetryInfo(status);
  ASSERT_TRUE(delay.has_value());
  EXPECT_EQ(*delay, absl::Milliseconds(2500));
  EXPECT_FALSE(ParseRetryInfo(std::string("\x08\x08", 2)).has_value());
}

TEST(OtlpResponseTest, RetryAfterSecondsAndHttpDate) {
  const absl::Time now = absl::FromUnixSeconds(1700000000);
  EXPECT_EQ(ParseRetryAfter("3", now), absl::Seconds(3));
  EXPECT_EQ(ParseRetryAfter(" 0 ", now), absl::ZeroDuration());
  // 1700000000 is Tue, 14 Nov 2023 22:13:20 GMT.
  EXPECT_EQ(ParseRetryAfter("Tue, 14 Nov 2023 22:13:25 GMT", now), absl::Seconds(5));
  EXPECT_EQ(ParseRetryAfter("Tue, 14 Nov 2023 22:13:00 GMT", now), absl::ZeroDuration()) << "a past date means now";
  EXPECT_FALSE(ParseRetryAfter("soon", now).has_value());
  EXPECT_FALSE(ParseRetryAfter("-4", now).has_value());
}

}  // namespace
}  // namespace qtrace
