#include "qtrace/sdk/resource.h"

#include <unistd.h>

#include "gtest/gtest.h"
#include "qtrace/version.h"
#include "qtrace/sdk/resource_detector.h"

namespace qtrace {
namespace {

TEST(ResourceAttributesTest, ParsesAndPercentDecodes) {
  std::vector<std::string> warnings;
  const auto attrs = ParseResourceAttributes(" team = qa%20core ,region=eu%2Cwest,url=a%3Db", &warnings);
  ASSERT_EQ(attrs.size(), 3u);
  EXPECT_EQ(attrs[0].key, "team");
  EXPECT_EQ(std::get<std::string>(attrs[0].value), "qa core");
  EXPECT_EQ(std::get<std::string>(attrs[1].value), "eu,west");
  EXPECT_EQ(std::get<std::string>(attrs[2].value), "a=b");
  EXPECT_TRUE(warnings.empty());
}

TEST(ResourceAttributesTest, BadEntriesSkippedWithWarnings) {
  std::vector<std::string> warnings;
  const auto attrs = ParseResourceAttributes("good=1,novalue,=empty-key,bad=%G1,also.good=2", &warnings);
  ASSERT_EQ(attrs.size(), 2u);
  EXPECT_EQ(attrs[0].key, "good");
  EXPECT_EQ(attrs[1].key, "also.good");
  ASSERT_EQ(warnings.size(), 3u);
  EXPECT_NE(warnings[0].find("novalue"), std::string::npos);
  EXPECT_NE(warnings[1].find("=empty-key"), std::string::npos);
  EXPECT_NE(warnings[2].find("percent"), std::string::npos);
}

TEST(ResourceDetectorTest, HasServiceProcessAndSdkAttributes) {
  Config config;
  config.service_name = "svc";
  config.service_version = "1.0";
  config.environment = "staging";
  const Resource r = DetectResource(config);
  EXPECT_EQ(r.GetString("service.name"), "svc");
  EXPECT_EQ(r.GetString("service.version"), "1.0");
  EXPECT_EQ(r.GetString("deployment.environment.name"), "staging");
  EXPECT_EQ(r.GetString("deployment.environment"), "staging");
  EXPECT_EQ(r.GetString("telemetry.sdk.name"), "qtrace");
  EXPECT_EQ(r.GetString("telemetry.sdk.language"), "cpp");
  EXPECT_EQ(r.GetString("telemetry.sdk.version"), QTRACE_VERSION);
  EXPECT_FALSE(r.GetString("host.name").empty());
  EXPECT_EQ(r.GetString("process.executable.name"), "sdk_tests");
  EXPECT_EQ(std::get<std::int64_t>(r.attributes().Find("process.pid")->value), getpid());
  EXPECT_EQ(r.GetString("service.instance.id").size(), 36u);
}

TEST(ResourceDetectorTest, ResourceAttributesOverrideDetectedButNotDedicatedSettings) {
  Config config;
  config.service_name = "dedicated";
  config.resource_attributes = {{"host.name", std::string("pinned-host")},
                                {"service.name", std::string("from-attrs")},
                                {"k8s.pod.name", std::string("pod-1")}};
  const Resource r = DetectResource(config);
  EXPECT_EQ(r.GetString("host.name"), "pinned-host");
  EXPECT_EQ(r.GetString("service.name"), "dedicated");
  EXPECT_EQ(r.GetString("k8s.pod.name"), "pod-1");
}

// The engine names no application: without a name the specification's
// fallback, and no version or environment attribute rather than empty ones.
TEST(ResourceDetectorTest, AnUnnamedServiceIsUnknownServiceWithoutVersionOrEnvironment) {
  const Resource r = DetectResource(Config{});
  EXPECT_EQ(r.GetString("service.name"), "unknown_service:sdk_tests");
  EXPECT_FALSE(r.attributes().Find("service.version").has_value());
  EXPECT_FALSE(r.attributes().Find("deployment.environment.name").has_value());
  EXPECT_FALSE(r.attributes().Find("deployment.environment").has_value());

  Config named_by_attributes;
  named_by_attributes.resource_attributes = {{"service.name", std::string("from-attrs")}};
  EXPECT_EQ(DetectResource(named_by_attributes).GetString("service.name"), "from-attrs");
}

}  // namespace
}  // namespace qtrace
