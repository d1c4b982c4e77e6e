// JaegerSamplingClient: fetches this service's sampling strategy from Jaeger
// over gRPC (jaeger.api_v2.SamplingManager/GetSamplingStrategy, the
// collector's port 14250 by default), for the JaegerRemoteSampler
// (sdk/jaeger_remote_sampler.h).
//
// The request and the answer are a handful of fields, written with
// ProtoWriter and read with ProtoReader rather than through generated
// classes of Jaeger's schema:
//   SamplingStrategyParameters { string serviceName = 1; }
//   SamplingStrategyResponse {
//     SamplingStrategyType strategyType = 1;      // PROBABILISTIC 0, RATE_LIMITING 1
//     ProbabilisticSamplingStrategy probabilisticSampling = 2;  // { double samplingRate = 1; }
//     RateLimitingSamplingStrategy rateLimitingSampling = 3;    // { int32 maxTracesPerSecond = 1; }
//     PerOperationSamplingStrategies operationSampling = 4;
//   }
//   PerOperationSamplingStrategies {
//     double defaultSamplingProbability = 1;
//     double defaultLowerBoundTracesPerSecond = 2;
//     repeated OperationSamplingStrategy perOperationStrategies = 3;  // { string operation = 1;
//                                                                     //   ProbabilisticSamplingStrategy probabilisticSampling = 2; }
//     double defaultUpperBoundTracesPerSecond = 4;  // not applied (Jaeger's own clients ignore it too)
//   }
// An answer with operationSampling is a per-operation strategy, whatever its
// strategyType says (the rule of Jaeger's own clients).
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "qtrace/exporter/grpc_channel.h"
#include "qtrace/sdk/jaeger_remote_sampler.h"

namespace qtrace {

// The bytes of a SamplingStrategyParameters for service_name.
std::string EncodeSamplingStrategyParameters(std::string_view service_name);

// A SamplingStrategyResponse as a strategy; an error for malformed bytes, an
// unknown strategy type, or a type without its strategy message (an empty
// answer included).
absl::StatusOr<SamplingStrategy> ParseSamplingStrategyProtobuf(std::string_view bytes);

class JaegerSamplingClient final : public StrategySource {
 public:
  // channel: the endpoint and TLS files (exporter/grpc_channel.h).
  static absl::StatusOr<std::unique_ptr<JaegerSamplingClient>> Create(const GrpcChannelOptions& channel,
                                                                       std::string service_name);

  absl::StatusOr<SamplingStrategy> Fetch(absl::Time deadline) override;
  void Cancel() override { caller_.Cancel(); }
  std::string Describe() const override;

 private:
  JaegerSamplingClient(std::string endpoint, std::string service_name, GrpcChannel channel);

  const std::string endpoint_;
  const std::string request_;  // the encoded parameters: the same every time
  GrpcUnaryCaller caller_;
};

}  // namespace qtrace
