// The Jaeger sampling client: the bytes of Jaeger's SamplingStrategyResponse
// read as strategies, and a fetch against a real gRPC server on loopback that
// answers GetSamplingStrategy.
#include "qtrace/exporter/jaeger_sampling_client.h"

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/grpcpp.h>

#include <bit>
#include <mutex>

#include "absl/time/clock.h"
#include "qtrace/exporter/proto_writer.h"
#include "qtrace/exporter/tracing_setup.h"
#include "gtest/gtest.h"
#include "tests/dead_port.h"

namespace qtrace {
namespace {

using Type = SamplingStrategy::Type;

std::string Bytes(std::initializer_list<int> bytes) {
  std::string out;
  for (int b : bytes) out.push_back(static_cast<char>(b));
  return out;
}

// A probabilistic answer spelled out byte by byte, as Jaeger's Go server
// marshals it: strategyType PROBABILISTIC (0, omitted by proto3), then
// probabilisticSampling { samplingRate: 0.25 }.
TEST(ParseSamplingStrategyTest, ProbabilisticFromLiteralBytes) {
  // field 2, length 9: { field 1 fixed64 = 0.25 (0x3FD0000000000000, little-endian) }
  const std::string wire = Bytes({0x12, 0x09, 0x09, 0, 0, 0, 0, 0, 0, 0xd0, 0x3f});
  absl::StatusOr<SamplingStrategy> s = ParseSamplingStrategyProtobuf(wire);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->type, Type::kProbabilistic);
  EXPECT_DOUBLE_EQ(s->probability, 0.25);
}

TEST(ParseSamplingStrategyTest, RateLimiting) {
  // strategyType = 1, rateLimitingSampling { maxTracesPerSecond: 7 }
  const std::string wire = Bytes({0x08, 0x01, 0x1a, 0x02, 0x08, 0x07});
  absl::StatusOr<SamplingStrategy> s = ParseSamplingStrategyProtobuf(wire);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->type, Type::kRateLimiting);
  EXPECT_DOUBLE_EQ(s->max_traces_per_second, 7);
}

TEST(ParseSamplingStrategyTest, PerOperationWinsOverTheStrategyType) {
  std::string wire;
  {
    ProtoWriter w(wire);
    w.VarintField(1, 0);  // PROBABILISTIC, as Jaeger sends next to per-operation strategies
    auto prob = w.BeginMessage(2, 1);
    w.DoubleField(1, 0.9);
    w.EndMessage(prob);
    auto ops = w.BeginMessage(4, 1);
    w.DoubleField(1, 0.125);  // defaultSamplingProbability
    w.DoubleField(2, 0.5);    // defaultLowerBoundTracesPerSecond
    for (auto [name, rate] : {std::pair<const char*, double>{"GET /a", 1.0}, {"POST /b", 0.0625}}) {
      auto op = w.BeginMessage(3, 1);
      w.StringField(1, name);
      auto p = w.BeginMessage(2, 1);
      w.DoubleField(1, rate);
      w.EndMessage(p);
      w.EndMessage(op);
    }
    w.DoubleField(4, 100);  // defaultUpperBoundTracesPerSecond: read past
    w.EndMessage(ops);
  }
  absl::StatusOr<SamplingStrategy> s = ParseSamplingStrategyProtobuf(wire);
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->type, Type::kPerOperation);
  EXPECT_DOUBLE_EQ(s->probability, 0.125);
  EXPECT_DOUBLE_EQ(s->lower_bound_traces_per_second, 0.5);
  EXPECT_EQ(s->operations, (std::vector<SamplingStrategy::Operation>{{"GET /a", 1.0}, {"POST /b", 0.0625}}));
}

// An answer that lacks what its type names would otherwise read as "sample
// nothing"; refused, the sampler keeps its last good strategy instead.
TEST(ParseSamplingStrategyTest, AStrategyWithoutItsMessageIsAnError) {
  EXPECT_EQ(ParseSamplingStrategyProtobuf("").status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(ParseSamplingStrategyProtobuf(Bytes({0x08, 0x01})).status().code(), absl::StatusCode::kInvalidArgument);
  // An operation without its probability.
  EXPECT_EQ(ParseSamplingStrategyProtobuf(Bytes({0x22, 0x05, 0x1a, 0x03, 0x0a, 0x01, 'x'})).status().code(),
            absl::StatusCode::kInvalidArgument);
  // Probability 0 said explicitly is an answer, not an error.
  absl::StatusOr<SamplingStrategy> zero = ParseSamplingStrategyProtobuf(Bytes({0x12, 0x00}));
  ASSERT_TRUE(zero.ok()) << zero.status();
  EXPECT_EQ(*zero, SamplingStrategy{});
}

TEST(ParseSamplingStrategyTest, MalformedOrUnknownAnswersAreErrors) {
  EXPECT_EQ(ParseSamplingStrategyProtobuf(Bytes({0x12, 0x09, 0x09})).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(ParseSamplingStrategyProtobuf(Bytes({0x08})).status().code(), absl::StatusCode::kDataLoss);
  // Field number 0, and a tag past the largest field number whose low 32 bits
  // would read as field 1 (2^32 + 1, as a varint tag of wire type 0).
  EXPECT_EQ(ParseSamplingStrategyProtobuf(Bytes({0x00, 0x01})).status().code(), absl::StatusCode::kDataLoss);
  EXPECT_EQ(ParseSamplingStrategyProtobuf(Bytes({0x88, 0x80, 0x80, 0x80, 0x80, 0x01, 0x01})).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(ParseSamplingStrategyProtobuf(Bytes({0x08, 0x05, 0x12, 0x00})).status().code(),
            absl::StatusCode::kInvalidArgument);
  // A truncated operation inside a per-operation strategy.
  EXPECT_EQ(ParseSamplingStrategyProtobuf(Bytes({0x22, 0x03, 0x1a, 0x05, 0x0a})).status().code(),
            absl::StatusCode::kDataLoss);
  // Truncated strategy messages: probabilisticSampling { samplingRate: <2 of 8 bytes> },
  // rateLimitingSampling { maxTracesPerSecond: <an unfinished varint> }, and a
  // per-operation probability cut short.
  EXPECT_EQ(ParseSamplingStrategyProtobuf(Bytes({0x12, 0x03, 0x09, 0x00, 0x00})).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(ParseSamplingStrategyProtobuf(Bytes({0x08, 0x01, 0x1a, 0x02, 0x08, 0x80})).status().code(),
            absl::StatusCode::kDataLoss);
  EXPECT_EQ(ParseSamplingStrategyProtobuf(Bytes({0x22, 0x06, 0x1a, 0x04, 0x12, 0x02, 0x09, 0x00})).status().code(),
            absl::StatusCode::kDataLoss);
}

TEST(ParseSamplingStrategyTest, RequestCarriesTheServiceName) {
  EXPECT_EQ(EncodeSamplingStrategyParameters("qa-pms-api"), Bytes({0x0a, 10}) + "qa-pms-api");
}

// A sampling server on loopback: answers GetSamplingStrategy with fixed
// bytes (or an error) and records what it was asked.
class FakeSamplingServer {
 public:
  FakeSamplingServer() {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterCallbackGenericService(&service_);
    server_ = builder.BuildAndStart();
  }
  ~FakeSamplingServer() { server_->Shutdown(absl::ToChronoTime(absl::Now() + absl::Seconds(1))); }

  std::string endpoint() const { return "http://127.0.0.1:" + std::to_string(port_); }
  void Answer(std::string bytes, grpc::Status status = grpc::Status::OK) {
    std::lock_guard<std::mutex> lock(service_.mu);
    service_.answer = std::move(bytes);
    service_.status = std::move(status);
  }
  std::pair<std::string, std::string> last_request() {
    std::lock_guard<std::mutex> lock(service_.mu);
    return {service_.method, service_.request};
  }

 private:
  struct Service final : grpc::CallbackGenericService {
    // gRPC owns the reactor between CreateReactor and OnDone, which deletes it.
    struct Reactor final : grpc::ServerGenericBidiReactor {
      Reactor(Service& s, std::string method) : service(s), method(std::move(method)) { StartRead(&request); }
      void OnReadDone(bool ok) override {
        if (!ok) return Finish(grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "no request"));
        std::lock_guard<std::mutex> lock(service.mu);
        std::vector<grpc::Slice> slices;
        service.request.clear();
        if (request.Dump(&slices).ok()) {
          for (const grpc::Slice& s : slices) service.request.append(reinterpret_cast<const char*>(s.begin()), s.size());
        }
        service.method = method;
        if (!service.status.ok()) return Finish(service.status);
        grpc::Slice slice(service.answer.data(), service.answer.size());
        response = grpc::ByteBuffer(&slice, 1);
        StartWriteAndFinish(&response, grpc::WriteOptions(), grpc::Status::OK);
      }
      void OnDone() override { delete this; }
      Service& service;
      std::string method;
      grpc::ByteBuffer request, response;
    };
    grpc::ServerGenericBidiReactor* CreateReactor(grpc::GenericCallbackServerContext* context) override {
      return new Reactor(*this, context->method());
    }
    std::mutex mu;
    std::string answer, request, method;
    grpc::Status status;
  };

  Service service_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

TEST(JaegerSamplingClientTest, FetchesTheStrategyForItsService) {
  FakeSamplingServer server;
  ASSERT_NE(server.endpoint(), "http://127.0.0.1:0");
  server.Answer(Bytes({0x08, 0x01, 0x1a, 0x02, 0x08, 0x03}));
  auto client = JaegerSamplingClient::Create({server.endpoint(), false, "", "", ""}, "billing");
  ASSERT_TRUE(client.ok()) << client.status();
  absl::StatusOr<SamplingStrategy> s = (*client)->Fetch(absl::Now() + absl::Seconds(10));
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->type, Type::kRateLimiting);
  EXPECT_DOUBLE_EQ(s->max_traces_per_second, 3);
  const auto [method, request] = server.last_request();
  EXPECT_EQ(method, "/jaeger.api_v2.SamplingManager/GetSamplingStrategy");
  EXPECT_EQ(request, EncodeSamplingStrategyParameters("billing"));
  EXPECT_EQ((*client)->Describe(), "grpc " + server.endpoint());
}

TEST(JaegerSamplingClientTest, ServerErrorsAndDeadServersAreErrors) {
  FakeSamplingServer server;
  server.Answer("", grpc::Status(grpc::StatusCode::NOT_FOUND, "no such service"));
  auto client = JaegerSamplingClient::Create({server.endpoint(), false, "", "", ""}, "billing");
  ASSERT_TRUE(client.ok());
  absl::StatusOr<SamplingStrategy> s = (*client)->Fetch(absl::Now() + absl::Seconds(10));
  EXPECT_EQ(s.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_NE(s.status().message().find("no such service"), absl::string_view::npos) << s.status();

  auto dead = JaegerSamplingClient::Create({"http://127.0.0.1:" + std::to_string(testutil::DeadPort()), false, "", "", ""},
                                           "billing");
  ASSERT_TRUE(dead.ok());
  EXPECT_FALSE((*dead)->Fetch(absl::Now() + absl::Seconds(10)).ok());
  (*dead)->Cancel();
  EXPECT_FALSE((*dead)->Fetch(absl::Now() + absl::Seconds(10)).ok());  // cancelled: fails at once
}

// The configuration's path to the sampler: MakeConfiguredSampler builds the
// remote sampler over this client for the service's name and starts polling.
TEST(MakeConfiguredSamplerTest, JaegerRemoteKindsPollTheConfiguredEndpoint) {
  FakeSamplingServer server;
  server.Answer(Bytes({0x12, 0x09, 0x09, 0, 0, 0, 0, 0, 0, 0xd0, 0x3f}));  // probabilistic 0.25
  TracingConfig config;
  config.sdk.service_name = "billing";
  config.sdk.sampling.kind = SamplerKind::kParentBasedJaegerRemote;
  config.sdk.sampling.jaeger_remote.endpoint = server.endpoint();
  config.sdk.sampling.jaeger_remote.polling_interval = absl::Milliseconds(50);
  absl::StatusOr<std::unique_ptr<Sampler>> sampler = MakeConfiguredSampler(config);
  ASSERT_TRUE(sampler.ok()) << sampler.status();
  // Bounded wait: the first fetch is immediate; 30 s covers a busy machine.
  const absl::Time give_up = absl::Now() + absl::Seconds(30);
  while ((*sampler)->Description().find("0.25") == std::string::npos && absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(5));
  }
  EXPECT_EQ((*sampler)->Description(), "ParentBased{root=JaegerRemoteSampler{probabilistic 0.25}}");
  EXPECT_EQ(server.last_request().second, EncodeSamplingStrategyParameters("billing"));
}

TEST(MakeConfiguredSamplerTest, ADisabledSdkNeverAsksJaeger) {
  FakeSamplingServer server;
  TracingConfig config;
  config.sdk.sdk_disabled = true;
  config.sdk.sampling.kind = SamplerKind::kJaegerRemote;
  config.sdk.sampling.jaeger_remote.endpoint = server.endpoint();
  config.sdk.sampling.jaeger_remote.polling_interval = absl::Milliseconds(10);
  absl::StatusOr<std::unique_ptr<Sampler>> sampler = MakeConfiguredSampler(config);
  ASSERT_TRUE(sampler.ok()) << sampler.status();
  EXPECT_EQ((*sampler)->Description().find("JaegerRemote"), std::string::npos) << (*sampler)->Description();
  absl::SleepFor(absl::Milliseconds(200));  // twenty polling intervals
  EXPECT_EQ(server.last_request().first, "");
}

TEST(MakeConfiguredSamplerTest, AnUnreadableCaFileIsAnError) {
  TracingConfig config;
  config.sdk.sampling.kind = SamplerKind::kParentBasedJaegerRemote;
  config.sdk.sampling.jaeger_remote.endpoint = "https://127.0.0.1:5779";
  config.otlp.certificate_file = "/nonexistent/ca.pem";
  absl::StatusOr<std::unique_ptr<Sampler>> sampler = MakeConfiguredSampler(config);
  ASSERT_FALSE(sampler.ok());
  EXPECT_NE(sampler.status().message().find("/nonexistent/ca.pem"), absl::string_view::npos) << sampler.status();
}

TEST(JaegerSamplingClientTest, MalformedEndpointIsAnError) {
  EXPECT_FALSE(JaegerSamplingClient::Create({"ftp://x", false, "", "", ""}, "billing").ok());
}

}  // namespace
}  // namespace qtrace
