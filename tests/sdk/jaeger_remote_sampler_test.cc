#include "qtrace/sdk/jaeger_remote_sampler.h"

#include <atomic>
#include <condition_variable>
#include <deque>
#include <future>
#include <mutex>
#include <random>
#include <thread>
#include <tuple>

#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "qtrace/sdk/diagnostics.h"
#include "qtrace/sdk/common/strings.h"
#include "tests/sdk/seeded_ids.h"

namespace qtrace {
namespace {

using Type = SamplingStrategy::Type;

SamplingStrategy Probabilistic(double p) {
  SamplingStrategy s;
  s.type = Type::kProbabilistic;
  s.probability = p;
  return s;
}

SamplingStrategy RateLimiting(double per_second) {
  SamplingStrategy s;
  s.type = Type::kRateLimiting;
  s.max_traces_per_second = per_second;
  return s;
}

// Answers from a queue (the last answer repeats), counting fetches.
class FakeSource final : public StrategySource {
 public:
  void Push(absl::StatusOr<SamplingStrategy> answer) {
    std::lock_guard<std::mutex> lock(mu_);
    answers_.push_back(std::move(answer));
  }
  absl::StatusOr<SamplingStrategy> Fetch(absl::Time deadline) override {
    std::lock_guard<std::mutex> lock(mu_);
    ++fetches_;
    last_deadline_ = deadline;
    if (answers_.empty()) return absl::UnavailableError("nothing queued");
    absl::StatusOr<SamplingStrategy> answer = answers_.front();
    if (answers_.size() > 1) answers_.pop_front();
    return answer;
  }
  void Cancel() override { *cancelled = true; }
  std::string Describe() const override { return "fake"; }

  int fetches() {
    std::lock_guard<std::mutex> lock(mu_);
    return fetches_;
  }
  absl::Time last_deadline() {
    std::lock_guard<std::mutex> lock(mu_);
    return last_deadline_;
  }
  // Shared, so that a test can read it after the sampler has destroyed the source.
  std::shared_ptr<std::atomic<bool>> cancelled = std::make_shared<std::atomic<bool>>(false);

 private:
  std::mutex mu_;
  std::deque<absl::StatusOr<SamplingStrategy>> answers_;
  int fetches_ = 0;
  absl::Time last_deadline_;
};

// The diagnostics given while it lives, one line each.
class CapturedDiagnostics {
 public:
  CapturedDiagnostics() {
    SetDiagnosticHandler([this](LogLevel level, std::string_view m) {
      std::lock_guard<std::mutex> lock(mu_);
      lines_.push_back(StrCat(ToString(level), " ", m));
    });
  }
  ~CapturedDiagnostics() { SetDiagnosticHandler(nullptr); }
  std::vector<std::string> Matching(std::string_view part) {
    std::lock_guard<std::mutex> lock(mu_);
    std::vector<std::string> out;
    for (const std::string& l : lines_) {
      if (l.find(part) != std::string::npos) out.push_back(l);
    }
    return out;
  }

 private:
  std::mutex mu_;
  std::vector<std::string> lines_;
};

// A clock the test moves by hand, in nanoseconds.
struct FakeClock {
  std::shared_ptr<std::atomic<std::int64_t>> now = std::make_shared<std::atomic<std::int64_t>>(1'000'000'000);
  std::function<std::int64_t()> Function() const {
    return [n = now] { return n->load(); };
  }
  void Advance(absl::Duration d) { *now += absl::ToInt64Nanoseconds(d); }
};

struct Fixture {
  explicit Fixture(double initial_rate = 0.001, absl::Duration polling_interval = absl::Seconds(60)) {
    auto owned = std::make_unique<FakeSource>();
    source = owned.get();
    JaegerRemoteSamplerOptions options;
    options.source = std::move(owned);
    options.initial_sampling_rate = initial_rate;
    options.polling_interval = polling_interval;
    options.clock = clock.Function();
    options.start_poller = false;
    sampler = std::make_unique<JaegerRemoteSampler>(std::move(options));
  }
  FakeClock clock;
  FakeSource* source = nullptr;
  std::unique_ptr<JaegerRemoteSampler> sampler;
};

SamplingDecision Decide(const Sampler& sampler, const TraceId& id, std::string_view name = "op") {
  static const SpanContext kNoParent;
  return sampler.ShouldSample(SamplingParameters{kNoParent, id, name, SpanKind::kServer, {}, {}}).decision;
}

// A trace id that every probability below 1 drops (its 63 random bits are all ones).
TraceId AlwaysAbove() {
  std::array<std::uint8_t, 16> bytes;
  bytes.fill(0xff);
  return TraceId(bytes);
}
// ...and one that every probability above 0 samples.
TraceId AlwaysBelow() {
  std::array<std::uint8_t, 16> bytes{};
  bytes[0] = 1;
  return TraceId(bytes);
}

// Every decision equals TraceIdRatioBased(ratio)'s, over seeded ids: the
// remote probabilistic rule is the same rule, so processes agree.
void ExpectRatioRule(const Sampler& sampler, double ratio) {
  std::mt19937_64 rng(20261204);
  int sampled = 0;
  for (int i = 0; i < 2000; ++i) {
    const TraceId id = testutil::SeededTraceId(rng);
    const bool expected = TraceIdUnderRatio(id, ratio);
    sampled += expected;
    ASSERT_EQ(Decide(sampler, id), expected ? SamplingDecision::kRecordAndSample : SamplingDecision::kDropByRatio)
        << "ratio " << ratio << " at id " << i;
  }
  if (ratio > 0.05 && ratio < 0.95) {  // the ids do span both outcomes
    EXPECT_GT(sampled, 0);
    EXPECT_LT(sampled, 2000);
  }
}

TEST(JaegerRemoteSamplerTest, InitialRateAppliesUntilTheFirstGoodFetch) {
  Fixture f(0.25);
  EXPECT_FALSE(f.sampler->current_strategy().has_value());
  EXPECT_EQ(f.sampler->Description(), "JaegerRemoteSampler{initial TraceIdRatioBased 0.25}");
  ExpectRatioRule(*f.sampler, 0.25);
  // A failing first fetch keeps the initial rate.
  EXPECT_FALSE(f.sampler->Refresh().ok());
  ExpectRatioRule(*f.sampler, 0.25);
}

TEST(JaegerRemoteSamplerTest, ProbabilisticStrategyIsTheTraceIdRatioRule) {
  Fixture f;
  f.source->Push(Probabilistic(0.5));
  ASSERT_TRUE(f.sampler->Refresh().ok());
  EXPECT_EQ(f.sampler->current_strategy(), Probabilistic(0.5));
  EXPECT_EQ(f.sampler->Description(), "JaegerRemoteSampler{probabilistic 0.5}");
  ExpectRatioRule(*f.sampler, 0.5);
}

TEST(JaegerRemoteSamplerTest, AChangedStrategyReachesAThreadThatCachedTheOldOne) {
  Fixture f;
  f.source->Push(Probabilistic(1.0));
  ASSERT_TRUE(f.sampler->Refresh().ok());
  EXPECT_EQ(Decide(*f.sampler, AlwaysAbove()), SamplingDecision::kRecordAndSample);
  f.source->Push(Probabilistic(0.0));
  ASSERT_TRUE(f.sampler->Refresh().ok());  // pops 1.0 off the queue: 0.0 is next
  ASSERT_TRUE(f.sampler->Refresh().ok());
  EXPECT_EQ(Decide(*f.sampler, AlwaysBelow()), SamplingDecision::kDropByRatio);
  // Another thread, which never cached anything, sees the same.
  SamplingDecision other = SamplingDecision::kRecordAndSample;
  std::thread([&] { other = Decide(*f.sampler, AlwaysBelow()); }).join();
  EXPECT_EQ(other, SamplingDecision::kDropByRatio);
}

TEST(JaegerRemoteSamplerTest, FailedFetchKeepsTheLastGoodStrategy) {
  Fixture f;
  f.source->Push(Probabilistic(0.5));
  f.source->Push(absl::UnavailableError("jaeger is away"));
  ASSERT_TRUE(f.sampler->Refresh().ok());
  const absl::Status failed = f.sampler->Refresh();
  EXPECT_EQ(failed.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(f.sampler->current_strategy(), Probabilistic(0.5));
  ExpectRatioRule(*f.sampler, 0.5);
  EXPECT_EQ(f.source->fetches(), 2);
}

TEST(JaegerRemoteSamplerTest, RateLimitingAdmitsABurstThenOnePerInterval) {
  Fixture f;
  f.source->Push(RateLimiting(2));  // burst 2, then one every 500 ms
  ASSERT_TRUE(f.sampler->Refresh().ok());
  const TraceId id = AlwaysBelow();  // the trace id plays no part
  EXPECT_EQ(Decide(*f.sampler, id), SamplingDecision::kRecordAndSample);
  EXPECT_EQ(Decide(*f.sampler, id), SamplingDecision::kRecordAndSample);
  EXPECT_EQ(Decide(*f.sampler, id), SamplingDecision::kDropByRatio);
  f.clock.Advance(absl::Milliseconds(499));
  EXPECT_EQ(Decide(*f.sampler, id), SamplingDecision::kDropByRatio);
  f.clock.Advance(absl::Milliseconds(1));
  EXPECT_EQ(Decide(*f.sampler, id), SamplingDecision::kRecordAndSample);
  EXPECT_EQ(Decide(*f.sampler, id), SamplingDecision::kDropByRatio);
  // A quiet period refills the burst, never beyond it.
  f.clock.Advance(absl::Seconds(10));
  int admitted = 0;
  for (int i = 0; i < 10; ++i) admitted += Decide(*f.sampler, id) == SamplingDecision::kRecordAndSample;
  EXPECT_EQ(admitted, 2);
  EXPECT_EQ(f.sampler->Description(), "JaegerRemoteSampler{rate limiting 2/s}");
}

TEST(JaegerRemoteSamplerTest, AnUnchangedAnswerKeepsTheLimiterState) {
  Fixture f;
  f.source->Push(RateLimiting(1));
  ASSERT_TRUE(f.sampler->Refresh().ok());
  EXPECT_EQ(Decide(*f.sampler, AlwaysBelow()), SamplingDecision::kRecordAndSample);
  EXPECT_EQ(Decide(*f.sampler, AlwaysBelow()), SamplingDecision::kDropByRatio);
  ASSERT_TRUE(f.sampler->Refresh().ok());  // the same strategy again: no fresh burst
  EXPECT_EQ(Decide(*f.sampler, AlwaysBelow()), SamplingDecision::kDropByRatio);
}

TEST(JaegerRemoteSamplerTest, PerOperationStrategy) {
  Fixture f;
  SamplingStrategy s;
  s.type = Type::kPerOperation;
  s.probability = 0.0;                    // operations not listed: never by probability...
  s.lower_bound_traces_per_second = 1.0;  // ...but one per second each
  s.operations = {{"GET /projects", 1.0}, {"POST /projects", 0.0}};
  f.source->Push(s);
  ASSERT_TRUE(f.sampler->Refresh().ok());

  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(Decide(*f.sampler, AlwaysAbove(), "GET /projects"), SamplingDecision::kRecordAndSample);
  }
  // The floor: one per second for a listed operation at probability 0...
  EXPECT_EQ(Decide(*f.sampler, AlwaysBelow(), "POST /projects"), SamplingDecision::kRecordAndSample);
  EXPECT_EQ(Decide(*f.sampler, AlwaysBelow(), "POST /projects"), SamplingDecision::kDropByRatio);
  // ...and for the unlisted ones, which share the default rule.
  EXPECT_EQ(Decide(*f.sampler, AlwaysBelow(), "GET /health"), SamplingDecision::kRecordAndSample);
  EXPECT_EQ(Decide(*f.sampler, AlwaysBelow(), "DELETE /x"), SamplingDecision::kDropByRatio);
  f.clock.Advance(absl::Seconds(1));
  EXPECT_EQ(Decide(*f.sampler, AlwaysBelow(), "POST /projects"), SamplingDecision::kRecordAndSample);
  EXPECT_EQ(Decide(*f.sampler, AlwaysBelow(), "DELETE /x"), SamplingDecision::kRecordAndSample);
}

TEST(JaegerRemoteSamplerTest, TracesSampledByProbabilityUseUpTheFloor) {
  Fixture f;
  SamplingStrategy s;
  s.type = Type::kPerOperation;
  s.probability = 0.5;
  s.lower_bound_traces_per_second = 1.0;
  f.source->Push(s);
  ASSERT_TRUE(f.sampler->Refresh().ok());
  EXPECT_EQ(Decide(*f.sampler, AlwaysBelow()), SamplingDecision::kRecordAndSample);  // by probability
  EXPECT_EQ(Decide(*f.sampler, AlwaysAbove()), SamplingDecision::kDropByRatio);      // the floor is spent
}

TEST(JaegerRemoteSamplerTest, NonsenseFromTheServerSamplesNothingRatherThanMisbehaving) {
  Fixture f;
  f.source->Push(Probabilistic(std::nan("")));
  ASSERT_TRUE(f.sampler->Refresh().ok());
  EXPECT_EQ(Decide(*f.sampler, AlwaysBelow()), SamplingDecision::kDropByRatio);
  EXPECT_EQ(f.sampler->current_strategy(), Probabilistic(0));  // what is applied, and equal to itself
  f.source->Push(RateLimiting(-3));
  ASSERT_TRUE(f.sampler->Refresh().ok());
  ASSERT_TRUE(f.sampler->Refresh().ok());
  EXPECT_EQ(Decide(*f.sampler, AlwaysBelow()), SamplingDecision::kDropByRatio);
  EXPECT_EQ(f.sampler->current_strategy(), RateLimiting(0));
}

// Polls until fetches() reaches n or 30 s pass (three 5 ms polls take 15 ms
// unloaded; 30 s covers a sanitizer build on a machine busy with other tests).
bool WaitForFetches(FakeSource& source, int n) {
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while (source.fetches() < n && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(1));
  return source.fetches() >= n;
}

// A sampler with its poller running over a FakeSource that answers
// probabilistic 1.0; source points at the source the sampler owns.
std::unique_ptr<JaegerRemoteSampler> PolledSampler(absl::Duration interval, FakeSource*& source) {
  auto owned = std::make_unique<FakeSource>();
  source = owned.get();
  source->Push(Probabilistic(1.0));
  JaegerRemoteSamplerOptions options;
  options.source = std::move(owned);
  options.polling_interval = interval;
  options.initial_sampling_rate = 0.0;
  return std::make_unique<JaegerRemoteSampler>(std::move(options));
}

TEST(JaegerRemoteSamplerTest, PollerFetchesAtOnceAndThenEveryInterval) {
  FakeSource* source = nullptr;
  auto sampler = PolledSampler(absl::Milliseconds(5), source);
  const std::shared_ptr<std::atomic<bool>> cancelled = source->cancelled;
  EXPECT_TRUE(WaitForFetches(*source, 3));
  EXPECT_EQ(Decide(*sampler, AlwaysAbove()), SamplingDecision::kRecordAndSample);
  sampler.reset();  // destroys the source too
  EXPECT_TRUE(*cancelled);
}

// The first fetch does not wait for an interval, and the poller sleeps
// between fetches rather than spinning.
TEST(JaegerRemoteSamplerTest, PollerFetchesOnceAtStartThenWaitsTheInterval) {
  FakeSource* source = nullptr;
  auto sampler = PolledSampler(absl::Hours(1), source);
  EXPECT_TRUE(WaitForFetches(*source, 1));
  absl::SleepFor(absl::Milliseconds(200));
  EXPECT_EQ(source->fetches(), 1);
  sampler.reset();  // an hour's wait ends at once
}

// A fetch may take the fetch timeout, cut to the polling interval, but never
// less than a second.
TEST(JaegerRemoteSamplerTest, FetchDeadline) {
  for (auto [interval, timeout, expected] :
       {std::tuple{absl::Seconds(60), absl::Seconds(10), absl::Seconds(10)},
        std::tuple{absl::Seconds(3), absl::Seconds(10), absl::Seconds(3)},
        std::tuple{absl::Milliseconds(100), absl::Seconds(10), absl::Seconds(1)}}) {
    auto owned = std::make_unique<FakeSource>();
    FakeSource* source = owned.get();
    JaegerRemoteSamplerOptions options;
    options.source = std::move(owned);
    options.polling_interval = interval;
    options.fetch_timeout = timeout;
    options.start_poller = false;
    JaegerRemoteSampler sampler(std::move(options));
    const absl::Time before = absl::Now();
    (void)sampler.Refresh();
    const absl::Time after = absl::Now();
    EXPECT_GE(source->last_deadline(), before + expected) << interval;
    EXPECT_LE(source->last_deadline(), after + expected) << interval;
  }
}

TEST(JaegerRemoteSamplerTest, OneWarningPerOutageAndOneLineWhenJaegerAnswersAgain) {
  CapturedDiagnostics diagnostics;
  Fixture f;
  f.source->Push(Probabilistic(0.5));
  f.source->Push(absl::UnavailableError("away"));
  f.source->Push(absl::UnavailableError("away"));
  f.source->Push(absl::UnavailableError("away"));
  f.source->Push(Probabilistic(0.5));
  f.source->Push(absl::UnavailableError("away again"));
  for (int i = 0; i < 6; ++i) (void)f.sampler->Refresh();
  const std::vector<std::string> warnings = diagnostics.Matching("no sampling strategy from fake");
  ASSERT_EQ(warnings.size(), 2u);  // one per outage, not one per failed fetch
  EXPECT_EQ(warnings[0], "warn jaeger_remote sampler: no sampling strategy from fake: away; keeping probabilistic 0.5 "
                         "until it answers");
  EXPECT_EQ(diagnostics.Matching("fake answers again").size(), 1u);
  EXPECT_EQ(diagnostics.Matching("applying").size(), 1u);  // the same strategy again is no change
}

// Versions are unique across samplers, so one thread that alternates between
// two samplers never applies one's strategy for the other.
TEST(JaegerRemoteSamplerTest, TwoSamplersOnOneThreadKeepTheirOwnStrategies) {
  Fixture all, none;
  all.source->Push(Probabilistic(1.0));
  none.source->Push(Probabilistic(0.0));
  ASSERT_TRUE(all.sampler->Refresh().ok());
  ASSERT_TRUE(none.sampler->Refresh().ok());
  const TraceId id = AlwaysAbove();
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(Decide(*all.sampler, id), SamplingDecision::kRecordAndSample) << i;
    ASSERT_EQ(Decide(*none.sampler, AlwaysBelow()), SamplingDecision::kDropByRatio) << i;
  }
}

TEST(JaegerRemoteSamplerTest, ALaterEntryForTheSameOperationWins) {
  Fixture f;
  SamplingStrategy s;
  s.type = Type::kPerOperation;
  s.operations = {{"GET /a", 0.0}, {"GET /b", 1.0}, {"GET /a", 1.0}};
  f.source->Push(s);
  ASSERT_TRUE(f.sampler->Refresh().ok());
  EXPECT_EQ(Decide(*f.sampler, AlwaysAbove(), "GET /a"), SamplingDecision::kRecordAndSample);
  EXPECT_EQ(Decide(*f.sampler, AlwaysAbove(), "GET /b"), SamplingDecision::kRecordAndSample);
  EXPECT_EQ(Decide(*f.sampler, AlwaysAbove(), "GET /c"), SamplingDecision::kDropByRatio);
}

// A fetch that hangs until cancelled: the destructor must not wait it out.
class HangingSource final : public StrategySource {
 public:
  absl::StatusOr<SamplingStrategy> Fetch(absl::Time) override {
    std::unique_lock<std::mutex> lock(mu_);
    entered_ = true;
    cv_.notify_all();
    cv_.wait(lock, [this] { return cancelled_; });
    return absl::CancelledError("cancelled");
  }
  void Cancel() override {
    std::lock_guard<std::mutex> lock(mu_);
    cancelled_ = true;
    cv_.notify_all();
  }
  std::string Describe() const override { return "hanging"; }
  void WaitEntered() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [this] { return entered_; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool entered_ = false;
  bool cancelled_ = false;
};

TEST(JaegerRemoteSamplerTest, DestructorCancelsAFetchInProgressAndWarnsOfNothing) {
  CapturedDiagnostics diagnostics;
  auto owned = std::make_unique<HangingSource>();
  HangingSource* source = owned.get();
  JaegerRemoteSamplerOptions options;
  options.source = std::move(owned);
  auto sampler = std::make_unique<JaegerRemoteSampler>(std::move(options));
  source->WaitEntered();
  // The fake ignores its deadline: the destructor returns only because
  // Cancel ended the fetch. Watched, so that a hang fails here rather than
  // at the suite's timeout.
  std::promise<void> destroyed;
  std::thread destroyer([&] {
    sampler.reset();
    destroyed.set_value();
  });
  const bool in_time = destroyed.get_future().wait_for(std::chrono::seconds(30)) == std::future_status::ready;
  if (!in_time) {
    ADD_FAILURE() << "the destructor waited for a fetch in progress";
    std::abort();
  }
  destroyer.join();
  EXPECT_TRUE(diagnostics.Matching("no sampling strategy").empty()) << "a fetch cut short by shutdown is no outage";
}

TEST(JaegerRemoteSamplerTest, ParentBasedFormFollowsTheParent) {
  Fixture f;
  f.source->Push(Probabilistic(0.0));
  ASSERT_TRUE(f.sampler->Refresh().ok());
  const auto sampler = MakeSampler(SamplerKind::kParentBasedJaegerRemote, 0, std::move(f.sampler));
  const SpanContext sampled_parent(AlwaysAbove(), SpanId(std::array<std::uint8_t, 8>{1, 2, 3, 4, 5, 6, 7, 8}), TraceFlags::kSampled,
                                   true);
  EXPECT_EQ(sampler->ShouldSample(SamplingParameters{sampled_parent, AlwaysAbove(), "op", SpanKind::kServer, {}, {}})
                .decision,
            SamplingDecision::kRecordAndSample);
  EXPECT_EQ(Decide(*sampler, AlwaysBelow()), SamplingDecision::kDropByRatio);  // a root: the remote strategy
  EXPECT_EQ(sampler->Description(), "ParentBased{root=JaegerRemoteSampler{probabilistic 0}}");
}

TEST(RateLimiterTest, ZeroRateAdmitsNothingAndSlowRatesWaitWholeIntervals) {
  RateLimiter none(0, 1);
  EXPECT_FALSE(none.TryAcquire(0));
  RateLimiter slow(0.5, 1);  // one every 2 s
  EXPECT_TRUE(slow.TryAcquire(0));
  EXPECT_FALSE(slow.TryAcquire(1'999'999'999));
  EXPECT_TRUE(slow.TryAcquire(2'000'000'000));
}

TEST(RateLimiterTest, ConcurrentCallersShareTheBurstExactly) {
  RateLimiter limiter(1000, 1000);  // a burst of 1000 at one frozen instant
  std::atomic<int> admitted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 1000; ++i) admitted += limiter.TryAcquire(5'000'000'000);
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(admitted.load(), 1000);
}

}  // namespace
}  // namespace qtrace
