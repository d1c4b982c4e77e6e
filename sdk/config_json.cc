// ConfigToJson: the SDK's part of what `--print-config` shows.
#include "qtrace/sdk/config_json.h"

#include "absl/time/time.h"
#include "qtrace/sdk/config.h"

namespace qtrace {
namespace {

void WriteLimit(JsonWriter& w, std::string_view key, std::size_t value) {
  w.Key(key);
  if (value == AttributeList::kUnlimited) {
    w.String("unlimited");
  } else {
    w.Int(static_cast<std::int64_t>(value));
  }
}

}  // namespace

void WriteConfigMembers(JsonWriter& w, const Config& c) {
  w.Key("sdk_disabled").Bool(c.sdk_disabled);
  w.Key("service_name").String(c.service_name);
  w.Key("service_version").String(c.service_version);
  w.Key("environment").String(c.environment);
  w.Key("resource_attributes").BeginObject();
  for (const Attribute& a : c.resource_attributes) {
    w.Key(a.key);
    WriteAttributeValue(w, a.value);
  }
  w.EndObject();

  w.Key("sampler").BeginObject();
  w.Key("name").String(ToString(c.sampling.kind));
  w.Key("ratio").Double(c.sampling.ratio);
  w.Key("ratio_source").String(c.sampling.ratio_source);
  w.Key("ratio_sampler_source").String(c.sampling.ratio_sampler_source);
  if (IsJaegerRemoteKind(c.sampling.kind)) {
    // The remote sampler's strategy is known only once it has fetched one:
    // the settings say where from and what applies until then.
    const JaegerRemoteConfig& r = c.sampling.jaeger_remote;
    w.Key("jaeger_remote").BeginObject();
    w.Key("endpoint").String(r.endpoint);
    w.Key("polling_interval_ms").Int(JsonMillis(r.polling_interval));
    w.Key("initial_sampling_rate").Double(r.initial_sampling_rate);
    w.EndObject();
    const std::string remote = "JaegerRemoteSampler{" + r.endpoint + "}";
    w.Key("description").String(c.sampling.kind == SamplerKind::kJaegerRemote ? remote
                                                                             : "ParentBased{root=" + remote + "}");
  } else {
    w.Key("description").String(MakeSampler(c.sampling.kind, c.sampling.ratio)->Description());
  }
  w.EndObject();

  w.Key("keep_error_traces").Bool(c.keep_error_traces);
  w.Key("keep_error_traces_under_unsampled_parent").Bool(c.keep_error_traces_under_unsampled_parent);
  w.Key("propagators").BeginArray();
  for (const std::string& p : c.propagators) w.String(p);
  w.EndArray();
  w.Key("id_generator").String(ToString(c.id_generator));

  w.Key("batch").BeginObject();
  w.Key("schedule_delay_ms").Int(JsonMillis(c.batch.schedule_delay));
  w.Key("export_timeout_ms").Int(JsonMillis(c.batch.export_timeout));
  w.Key("max_queue_size").Int(static_cast<std::int64_t>(c.batch.max_queue_size));
  w.Key("max_export_batch_size").Int(static_cast<std::int64_t>(c.batch.max_export_batch_size));
  w.Key("max_pending_batches").Int(static_cast<std::int64_t>(c.batch.max_pending_batches));
  w.EndObject();

  w.Key("span_limits").BeginObject();
  WriteLimit(w, "attribute_count", c.limits.attribute_count);
  WriteLimit(w, "attribute_value_length", c.limits.attribute_value_length);
  WriteLimit(w, "event_count", c.limits.event_count);
  WriteLimit(w, "link_count", c.limits.link_count);
  WriteLimit(w, "attributes_per_event", c.limits.attributes_per_event);
  WriteLimit(w, "attributes_per_link", c.limits.attributes_per_link);
  w.EndObject();

  w.Key("log_level").String(ToString(c.log_level));
}

std::string ConfigToJson(const Config& c) {
  JsonWriter w;
  w.BeginObject();
  WriteConfigMembers(w, c);
  w.EndObject();
  return w.str();
}

}  // namespace qtrace
