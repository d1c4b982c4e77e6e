#include "qtrace/sdk/resource_detector.h"

#include <limits.h>
#include <unistd.h>

#include <cstdio>
#include <string>

#include "qtrace/version.h"
#include "qtrace/sdk/ids.h"
#include "qtrace/sdk/common/strings.h"

namespace qtrace {
namespace {

std::string HostName() {
  char buf[HOST_NAME_MAX + 1] = {};
  if (gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

}  // namespace

std::string ExecutableName() {
  char buf[PATH_MAX] = {};
  const ssize_t n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n <= 0) return "unknown";
  std::string path(buf, static_cast<std::size_t>(n));
  return path.substr(path.rfind('/') + 1);
}

Resource DetectResource(const Config& config) {
  Resource r;
  r.Set("telemetry.sdk.name", kSdkName);
  r.Set("telemetry.sdk.language", "cpp");
  r.Set("telemetry.sdk.version", QTRACE_VERSION);
  r.Set("host.name", HostName());
  r.Set("process.pid", static_cast<std::int64_t>(getpid()));
  r.Set("process.executable.name", ExecutableName());
  r.Set("service.instance.id", RandomUuidV4());  // unique per process start
  for (const Attribute& a : config.resource_attributes) r.Set(a.key, a.value);
  if (!config.service_name.empty()) {
    r.Set("service.name", config.service_name);
  } else if (r.GetString("service.name").empty()) {
    r.Set("service.name", StrCat("unknown_service:", ExecutableName()));  // the specification's fallback
  }
  // What the application did not say is left out rather than sent empty.
  if (!config.service_version.empty()) r.Set("service.version", config.service_version);
  if (!config.environment.empty()) {
    r.Set("deployment.environment.name", config.environment);
    r.Set("deployment.environment", config.environment);  // for backends that predate the .name form
  }
  return r;
}

}  // namespace qtrace
