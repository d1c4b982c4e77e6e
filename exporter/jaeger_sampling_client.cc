#include "qtrace/exporter/jaeger_sampling_client.h"

#include <optional>
#include <utility>

#include "qtrace/exporter/proto_reader.h"
#include "qtrace/exporter/proto_writer.h"
#include "qtrace/sdk/common/strings.h"

namespace qtrace {
namespace {

constexpr char kGetSamplingStrategy[] = "/jaeger.api_v2.SamplingManager/GetSamplingStrategy";
constexpr auto kBytes = ProtoReader::kLengthDelimited;
constexpr auto kDouble = ProtoReader::kFixed64;

// The number in field 1 of a one-number strategy message, or why not:
// ProbabilisticSamplingStrategy.samplingRate (a double) and
// RateLimitingSamplingStrategy.maxTracesPerSecond (an int32: a negative
// value is ten bytes of varint).
absl::StatusOr<double> FirstNumber(std::string_view message, ProtoReader::WireType type, std::string_view what) {
  ProtoReader reader(message);
  double number = 0;
  for (ProtoReader::Field f; reader.Next(f);) {
    if (!f.Is(1, type)) continue;
    number = type == kDouble ? f.AsDouble() : static_cast<std::int32_t>(f.varint);
  }
  if (reader.failed()) return absl::DataLossError(StrCat("malformed ", what));
  return number;
}
absl::StatusOr<double> SamplingRate(std::string_view message) {
  return FirstNumber(message, kDouble, "ProbabilisticSamplingStrategy");
}
absl::StatusOr<double> MaxTracesPerSecond(std::string_view message) {
  return FirstNumber(message, ProtoReader::kVarint, "RateLimitingSamplingStrategy");
}

absl::Status ParsePerOperation(std::string_view message, SamplingStrategy& out) {
  out.type = SamplingStrategy::Type::kPerOperation;
  ProtoReader reader(message);
  for (ProtoReader::Field f; reader.Next(f);) {
    if (f.Is(1, kDouble)) out.probability = f.AsDouble();
    if (f.Is(2, kDouble)) out.lower_bound_traces_per_second = f.AsDouble();
    if (f.Is(3, kBytes)) {
      SamplingStrategy::Operation op;
      bool has_probability = false;
      ProtoReader op_reader(f.bytes);
      for (ProtoReader::Field g; op_reader.Next(g);) {
        if (g.Is(1, kBytes)) op.name = std::string(g.bytes);
        if (g.Is(2, kBytes)) {
          absl::StatusOr<double> rate = SamplingRate(g.bytes);
          if (!rate.ok()) return rate.status();
          op.probability = *rate;
          has_probability = true;
        }
      }
      if (op_reader.failed()) return absl::DataLossError("malformed OperationSamplingStrategy");
      if (!has_probability) {
        return absl::InvalidArgumentError(StrCat("operation '", op.name, "' without a probabilisticSampling"));
      }
      out.operations.push_back(std::move(op));
    }
  }
  if (reader.failed()) return absl::DataLossError("malformed PerOperationSamplingStrategies");
  return absl::OkStatus();
}

}  // namespace

std::string EncodeSamplingStrategyParameters(std::string_view service_name) {
  std::string out;
  {
    ProtoWriter writer(out);
    writer.StringField(1, service_name);
  }
  return out;
}

absl::StatusOr<SamplingStrategy> ParseSamplingStrategyProtobuf(std::string_view bytes) {
  std::uint64_t strategy_type = 0;
  std::optional<std::string_view> probabilistic, rate_limiting, per_operation;
  ProtoReader reader(bytes);
  for (ProtoReader::Field f; reader.Next(f);) {
    if (f.Is(1, ProtoReader::kVarint)) strategy_type = f.varint;
    if (f.Is(2, kBytes)) probabilistic = f.bytes;
    if (f.Is(3, kBytes)) rate_limiting = f.bytes;
    if (f.Is(4, kBytes)) per_operation = f.bytes;
  }
  if (reader.failed()) return absl::DataLossError("malformed SamplingStrategyResponse");

  // An answer without the part its type names is refused rather than read
  // as "sample nothing": the sampler then keeps its last good strategy.
  SamplingStrategy out;
  if (per_operation) {
    if (absl::Status s = ParsePerOperation(*per_operation, out); !s.ok()) return s;
    return out;
  }
  switch (strategy_type) {
    case 0: {  // PROBABILISTIC
      if (!probabilistic) return absl::InvalidArgumentError("a PROBABILISTIC strategy without probabilisticSampling");
      absl::StatusOr<double> rate = SamplingRate(*probabilistic);
      if (!rate.ok()) return rate.status();
      out.type = SamplingStrategy::Type::kProbabilistic;
      out.probability = *rate;
      return out;
    }
    case 1: {  // RATE_LIMITING
      if (!rate_limiting) return absl::InvalidArgumentError("a RATE_LIMITING strategy without rateLimitingSampling");
      absl::StatusOr<double> rate = MaxTracesPerSecond(*rate_limiting);
      if (!rate.ok()) return rate.status();
      out.type = SamplingStrategy::Type::kRateLimiting;
      out.max_traces_per_second = *rate;
      return out;
    }
    default:
      return absl::InvalidArgumentError(StrCat("unknown sampling strategy type ", strategy_type));
  }
}

absl::StatusOr<std::unique_ptr<JaegerSamplingClient>> JaegerSamplingClient::Create(const GrpcChannelOptions& channel,
                                                                                   std::string service_name) {
  auto made = MakeGrpcChannel(channel);
  if (!made.ok()) return made.status();
  return std::unique_ptr<JaegerSamplingClient>(
      new JaegerSamplingClient(channel.endpoint, std::move(service_name), *std::move(made)));
}

JaegerSamplingClient::JaegerSamplingClient(std::string endpoint, std::string service_name, GrpcChannel channel)
    : endpoint_(std::move(endpoint)),
      request_(EncodeSamplingStrategyParameters(service_name)),
      caller_(std::move(channel.channel)) {}

std::string JaegerSamplingClient::Describe() const { return StrCat("grpc ", endpoint_); }

absl::StatusOr<SamplingStrategy> JaegerSamplingClient::Fetch(absl::Time deadline) {
  GrpcUnaryCaller::Result result = caller_.Call(kGetSamplingStrategy, request_, deadline);
  if (!result.status.ok()) {
    return absl::UnavailableError(StrCat("gRPC ", static_cast<int>(result.status.error_code()), " ",
                                         result.status.error_message()));
  }
  return ParseSamplingStrategyProtobuf(result.response);
}

}  // namespace qtrace
