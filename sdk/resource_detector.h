// The service's Resource, built from the configuration and what the process
// can see of itself (host name, pid, executable).
#pragma once

#include <string>

#include "qtrace/sdk/config.h"
#include "qtrace/sdk/resource.h"

namespace qtrace {

// The name we report as telemetry.sdk.name: our own, since the semantic
// conventions reserve "opentelemetry" for the OpenTelemetry project's SDKs.
inline constexpr std::string_view kSdkName = "qtrace";

// Precedence, lowest first: detected attributes (host, process, SDK, a random
// service.instance.id), OTEL_RESOURCE_ATTRIBUTES, then the dedicated settings
// (service name and version, environment).
// An empty service name leaves OTEL_RESOURCE_ATTRIBUTES' one, or else
// becomes "unknown_service:<executable>"; an empty version or environment is
// left out.
Resource DetectResource(const Config& config);

// The running program's file name (process.executable.name), "unknown" when
// /proc cannot tell.
std::string ExecutableName();

}  // namespace qtrace
