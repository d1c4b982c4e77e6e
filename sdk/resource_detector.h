// The service's Resource, built from the configuration and what the process
// can see of itself (host name, pid, executable).
#pragma once

#include "sdk/config.h"
#include "sdk/resource.h"

namespace qtrace {

// The name we report as telemetry.sdk.name: our own, since the semantic
// conventions reserve "opentelemetry" for the OpenTelemetry project's SDKs.
inline constexpr std::string_view kSdkName = "qtrace";

// Precedence, lowest first: detected attributes (host, process, SDK, a random
// service.instance.id), OTEL_RESOURCE_ATTRIBUTES, then the dedicated settings
// (service name and version, environment).
Resource DetectResource(const Config& config);

}  // namespace qtrace
