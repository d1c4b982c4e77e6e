// qa-pms-api: the QA project-management service traced by qtrace.
//
// Start-up: resolve the configuration (environment, then flags), report its
// warnings, and either print it (--print-config) or run.
#include <cstdio>
#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "sdk/config.h"
#include "sdk/json_writer.h"
#include "sdk/strings.h"

namespace {

constexpr int kUsageError = 2;

void LogLine(std::string_view level, std::string_view message) {
  qtrace::JsonWriter w;
  w.BeginObject().Key("level").String(level).Key("message").String(message).EndObject();
  std::cerr << w.str() << '\n';
}

void PrintUsage() {
  std::cout << "usage: qa-pms-api [--print-config] [--otlp-protocol grpc|http/protobuf|http/json|console|none]\n"
               "                  [--otlp-endpoint URL] [--sampling-ratio R] [--environment NAME]\n"
               "                  [--log-level debug|info|warn|error]\n"
               "Every setting also comes from the environment (OTEL_*); flags win. See README.md.\n";
}

struct CommandLine {
  bool print_config = false;
  bool help = false;
  qtrace::TracingFlags tracing;
};

// Accepts "--name value" and "--name=value". An unknown flag or a missing
// value is a usage error.
bool ParseCommandLine(int argc, char** argv, CommandLine& out, std::string& error) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--print-config") {
      out.print_config = true;
      continue;
    }
    if (arg == "--help" || arg == "-h") {
      out.help = true;
      continue;
    }
    if (arg.substr(0, 2) != "--") {
      error = "unexpected argument '" + std::string(arg) + "'";
      return false;
    }
    arg.remove_prefix(2);
    std::string_view name = arg;
    std::string value;
    if (const std::size_t eq = arg.find('='); eq != std::string_view::npos) {
      name = arg.substr(0, eq);
      value = std::string(arg.substr(eq + 1));
    } else if (i + 1 < argc) {
      value = argv[++i];
    } else {
      error = "flag --" + std::string(name) + " needs a value";
      return false;
    }
    if (!qtrace::ParseTracingFlag(name, value, out.tracing)) {
      error = "unknown flag --" + std::string(name);
      return false;
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  CommandLine cli;
  std::string error;
  if (!ParseCommandLine(argc, argv, cli, error)) {
    LogLine("error", error);
    PrintUsage();
    return kUsageError;
  }
  if (cli.help) {
    PrintUsage();
    return 0;
  }
  absl::StatusOr<qtrace::ResolvedConfig> resolved = qtrace::ResolveConfig(qtrace::ProcessEnvironment(), cli.tracing);
  if (!resolved.ok()) {
    LogLine("error", qtrace::MessageOf(resolved.status()));
    return kUsageError;
  }
  for (const std::string& warning : resolved->warnings) LogLine("warn", warning);

  // Until the HTTP service is wired in, running prints the configuration it
  // would run with.
  std::cout << qtrace::ConfigToJson(resolved->config) << std::endl;
  return 0;
}
