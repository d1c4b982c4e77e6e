#include "api_server/handlers/qa_handlers.h"

#include "api_server/handlers/responses.h"
#include "api_server/json/json_value.h"
#include "api_server/service/logger.h"
#include "qtrace/sdk/common/strings.h"

namespace qtrace::handlers {
namespace {

using http::HttpRequest;
using http::HttpResponse;
using service::Page;
using service::Project;
using service::QaStore;
using service::TestCase;
using service::TestRun;

constexpr std::int64_t kMaxPageSize = 100;

void WriteProject(JsonWriter& w, const Project& p) {
  w.BeginObject().Key("id").Int(p.id).Key("name").String(p.name).Key("description").String(p.description);
  w.Key("created_at").String(p.created_at).EndObject();
}

void WriteCase(JsonWriter& w, const TestCase& c) {
  w.BeginObject().Key("id").Int(c.id).Key("project_id").Int(c.project_id).Key("title").String(c.title);
  w.Key("steps").String(c.steps).Key("expected").String(c.expected).Key("priority").String(c.priority).EndObject();
}

void WriteRun(JsonWriter& w, const TestRun& run) {
  w.BeginObject().Key("id").Int(run.id).Key("project_id").Int(run.project_id).Key("name").String(run.name);
  w.Key("created_at").String(run.created_at);
  w.Key("summary").BeginObject().Key("total").Int(run.summary.total).Key("passed").Int(run.summary.passed);
  w.Key("failed").Int(run.summary.failed).Key("blocked").Int(run.summary.blocked);
  w.Key("skipped").Int(run.summary.skipped).Key("untested").Int(run.summary.untested).EndObject();
  w.Key("results").BeginArray();
  for (const service::TestResult& r : run.results) {
    w.BeginObject().Key("case_id").Int(r.case_id).Key("title").String(r.title).Key("status").String(r.status);
    w.Key("note").String(r.note).EndObject();
  }
  w.EndArray().EndObject();
}

// The body as a JSON object, or the 400 to answer.
absl::StatusOr<JsonValue> ObjectBody(const HttpRequest& request) {
  absl::StatusOr<JsonValue> body = ParseJson(request.body);
  if (!body.ok()) return absl::InvalidArgumentError(StrCat("malformed JSON: ", MessageOf(body.status())));
  if (!body->IsObject()) return absl::InvalidArgumentError("the body must be a JSON object");
  return body;
}

// An optional string field: absent is fine, another type is a 400.
absl::StatusOr<std::optional<std::string>> OptionalString(const JsonValue& body, std::string_view key,
                                                          std::size_t max_size = 10000) {
  const JsonValue* v = body.Find(key);
  if (v == nullptr || v->IsNull()) return std::optional<std::string>();
  if (!v->IsString()) return absl::InvalidArgumentError(StrCat("field '", key, "' must be a string"));
  if (v->AsString()->size() > max_size) return absl::InvalidArgumentError(StrCat("field '", key, "' is too long"));
  return std::optional<std::string>(std::string(*v->AsString()));
}

absl::StatusOr<std::string> RequiredString(const JsonValue& body, std::string_view key) {
  absl::StatusOr<std::optional<std::string>> v = OptionalString(body, key, 200);
  if (!v.ok()) return v.status();
  if (!v->has_value() || (*v)->empty()) return absl::InvalidArgumentError(StrCat("field '", key, "' is required"));
  return **v;
}

absl::StatusOr<Page> PageOf(const HttpRequest& request) {
  Page page;
  for (std::string_view pair : Split(request.query(), '&')) {
    if (pair.empty()) continue;
    const std::size_t eq = pair.find('=');
    const std::string_view key = pair.substr(0, eq);
    const std::string_view value = eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    std::int64_t n = 0;
    if (key == "limit") {
      if (!ParseInt64(value, &n) || n < 1 || n > kMaxPageSize) {
        return absl::InvalidArgumentError(StrCat("limit must be 1 to ", kMaxPageSize));
      }
      page.limit = n;
    } else if (key == "offset") {
      if (!ParseInt64(value, &n) || n < 0) return absl::InvalidArgumentError("offset must be 0 or more");
      page.offset = n;
    }
  }
  return page;
}

// Runs body with the path id parsed, or answers 400 for a bad id.
template <class Fn>
HttpResponse WithId(const HttpRequest& request, std::string_view param, Fn fn) {
  const std::optional<std::int64_t> id = ParseId(request.Param(param));
  if (!id) return ErrorResponse(400, "invalid_argument", StrCat("'", request.Param(param), "' is not a valid id"));
  return fn(*id);
}

HttpResponse CreateProject(HttpRequest& request, QaStore& store) {
  auto body = ObjectBody(request);
  if (!body.ok()) return ErrorFromStatus(body.status());
  auto name = RequiredString(*body, "name");
  if (!name.ok()) return ErrorFromStatus(name.status());
  auto description = OptionalString(*body, "description");
  if (!description.ok()) return ErrorFromStatus(description.status());
  auto project = store.CreateProject(*name, description->value_or(""));
  if (!project.ok()) return ErrorFromStatus(project.status());
  service::Log(LogLevel::kInfo, StrCat("project ", project->id, " created"));
  JsonWriter w;
  WriteProject(w, *project);
  return JsonResponse(201, w);
}

HttpResponse ListProjects(HttpRequest& request, QaStore& store) {
  auto page = PageOf(request);
  if (!page.ok()) return ErrorFromStatus(page.status());
  std::int64_t total = 0;
  auto projects = store.ListProjects(*page, &total);
  if (!projects.ok()) return ErrorFromStatus(projects.status());
  JsonWriter w;
  w.BeginObject().Key("items").BeginArray();
  for (const Project& p : *projects) WriteProject(w, p);
  w.EndArray().Key("total").Int(total).Key("limit").Int(page->limit).Key("offset").Int(page->offset).EndObject();
  return JsonResponse(200, w);
}

HttpResponse UpdateProject(HttpRequest& request, QaStore& store, std::int64_t id) {
  auto body = ObjectBody(request);
  if (!body.ok()) return ErrorFromStatus(body.status());
  auto name = OptionalString(*body, "name", 200);
  auto description = OptionalString(*body, "description");
  if (!name.ok()) return ErrorFromStatus(name.status());
  if (!description.ok()) return ErrorFromStatus(description.status());
  if (*name && (*name)->empty()) return ErrorResponse(400, "invalid_argument", "field 'name' must not be empty");
  auto project = store.UpdateProject(id, *name, *description);
  if (!project.ok()) return ErrorFromStatus(project.status());
  JsonWriter w;
  WriteProject(w, *project);
  return JsonResponse(200, w);
}

absl::StatusOr<TestCase> CaseFields(const JsonValue& body, bool require_title, bool has[4]) {
  TestCase c;
  const std::string_view keys[] = {"title", "steps", "expected", "priority"};
  std::string* targets[] = {&c.title, &c.steps, &c.expected, &c.priority};
  for (int i = 0; i < 4; ++i) {
    auto v = OptionalString(body, keys[i], i == 0 ? 200 : 10000);
    if (!v.ok()) return v.status();
    has[i] = v->has_value();
    if (has[i]) *targets[i] = **v;
  }
  if ((require_title || has[0]) && c.title.empty()) return absl::InvalidArgumentError("field 'title' is required");
  if (!has[3]) c.priority = "medium";
  if (c.priority != "low" && c.priority != "medium" && c.priority != "high" && c.priority != "critical") {
    return absl::InvalidArgumentError("priority must be low, medium, high or critical");
  }
  return c;
}

HttpResponse CreateCase(HttpRequest& request, QaStore& store, std::int64_t project_id) {
  auto body = ObjectBody(request);
  if (!body.ok()) return ErrorFromStatus(body.status());
  bool has[4];
  auto fields = CaseFields(*body, true, has);
  if (!fields.ok()) return ErrorFromStatus(fields.status());
  fields->project_id = project_id;
  auto c = store.CreateCase(*fields);
  if (!c.ok()) return ErrorFromStatus(c.status());
  JsonWriter w;
  WriteCase(w, *c);
  return JsonResponse(201, w);
}

HttpResponse UpdateCase(HttpRequest& request, QaStore& store, std::int64_t project_id, std::int64_t case_id) {
  auto body = ObjectBody(request);
  if (!body.ok()) return ErrorFromStatus(body.status());
  bool has[4];
  auto fields = CaseFields(*body, false, has);
  if (!fields.ok()) return ErrorFromStatus(fields.status());
  auto c = store.UpdateCase(project_id, case_id, *fields, has[0], has[1], has[2], has[3]);
  if (!c.ok()) return ErrorFromStatus(c.status());
  JsonWriter w;
  WriteCase(w, *c);
  return JsonResponse(200, w);
}

HttpResponse StartRun(HttpRequest& request, QaStore& store, std::int64_t project_id) {
  auto body = ObjectBody(request);
  if (!body.ok()) return ErrorFromStatus(body.status());
  auto name = RequiredString(*body, "name");
  if (!name.ok()) return ErrorFromStatus(name.status());
  std::vector<std::int64_t> case_ids;
  if (const JsonValue* ids = body->Find("case_ids"); ids != nullptr && !ids->IsNull()) {
    if (!ids->IsArray()) return ErrorResponse(400, "invalid_argument", "field 'case_ids' must be an array of ids");
    for (const JsonValue& id : *ids->AsArray()) {
      const std::optional<std::int64_t> n = id.AsInt();
      if (!n || *n <= 0) return ErrorResponse(400, "invalid_argument", "field 'case_ids' must be an array of ids");
      case_ids.push_back(*n);
    }
  }
  auto run = store.StartRun(project_id, *name, case_ids);
  if (!run.ok()) return ErrorFromStatus(run.status());
  JsonWriter w;
  WriteRun(w, *run);
  return JsonResponse(201, w);
}

HttpResponse RecordResult(HttpRequest& request, QaStore& store, std::int64_t run_id, std::int64_t case_id) {
  auto body = ObjectBody(request);
  if (!body.ok()) return ErrorFromStatus(body.status());
  auto status = RequiredString(*body, "status");
  if (!status.ok()) return ErrorFromStatus(status.status());
  if (!service::IsResultStatus(*status) || *status == "untested") {
    return ErrorResponse(400, "invalid_argument", "status must be passed, failed, blocked or skipped");
  }
  auto note = OptionalString(*body, "note");
  if (!note.ok()) return ErrorFromStatus(note.status());
  if (absl::Status s = store.RecordResult(run_id, case_id, *status, note->value_or("")); !s.ok()) {
    return ErrorFromStatus(s);
  }
  auto run = store.GetRun(run_id);
  if (!run.ok()) return ErrorFromStatus(run.status());
  JsonWriter w;
  WriteRun(w, *run);
  return JsonResponse(200, w);
}

HttpResponse Sync(QaStore& store, const client::TracedHttpClient& client, const std::string& tracker_url,
                  std::int64_t project_id) {
  if (tracker_url.empty()) return ErrorResponse(503, "unavailable", "no issue tracker configured (QA_PMS_TRACKER_URL)");
  auto project = store.GetProject(project_id);
  if (!project.ok()) return ErrorFromStatus(project.status());
  auto run = store.LatestRun(project_id);
  if (!run.ok()) return ErrorFromStatus(run.status());
  if (run->summary.failed == 0) {
    JsonWriter w;  // nothing to report: the tracker is not called
    w.BeginObject().Key("run_id").Int(run->id).Key("failed_cases").Int(0).Key("tracker_status").Null();
    w.Key("tracker_response").Null().EndObject();
    return JsonResponse(200, w);
  }
  JsonWriter report;
  report.BeginObject().Key("project").String(project->name).Key("run_id").Int(run->id);
  report.Key("run").String(run->name).Key("failed").BeginArray();
  for (const service::TestResult& r : run->results) {
    if (r.status != "failed") continue;
    report.BeginObject().Key("case_id").Int(r.case_id).Key("title").String(r.title).Key("note").String(r.note);
    report.EndObject();
  }
  report.EndArray().EndObject();
  auto answer = client.PostJson(tracker_url + "/issues", report.str());
  if (!answer.ok()) {
    service::Log(LogLevel::kWarn, StrCat("issue tracker unreachable: ", MessageOf(answer.status())));
    return ErrorResponse(502, "bad_gateway", "the issue tracker could not be reached");
  }
  if (absl::Status s = store.RecordSync(project_id, run->id, answer->status, answer->body); !s.ok()) {
    return ErrorFromStatus(s);
  }
  if (answer->status >= 400) {
    return ErrorResponse(502, "bad_gateway", StrCat("the issue tracker answered ", answer->status));
  }
  JsonWriter w;
  w.BeginObject().Key("run_id").Int(run->id).Key("failed_cases").Int(run->summary.failed);
  w.Key("tracker_status").Int(answer->status).Key("tracker_response").String(answer->body).EndObject();
  return JsonResponse(200, w);
}

}  // namespace

void AddQaRoutes(http::Router& router, QaStore& store, const client::TracedHttpClient& client,
                 std::string tracker_url) {
  using http::Execution;
  router.Add("POST", "/api/v1/projects", [&store](HttpRequest& r) { return CreateProject(r, store); });
  router.Add("GET", "/api/v1/projects", [&store](HttpRequest& r) { return ListProjects(r, store); });
  router.Add("GET", "/api/v1/projects/{id}", [&store](HttpRequest& r) {
    return WithId(r, "id", [&](std::int64_t id) {
      auto p = store.GetProject(id);
      if (!p.ok()) return ErrorFromStatus(p.status());
      JsonWriter w;
      WriteProject(w, *p);
      return JsonResponse(200, w);
    });
  });
  router.Add("PUT", "/api/v1/projects/{id}", [&store](HttpRequest& r) {
    return WithId(r, "id", [&](std::int64_t id) { return UpdateProject(r, store, id); });
  });
  router.Add("DELETE", "/api/v1/projects/{id}", [&store](HttpRequest& r) {
    return WithId(r, "id", [&](std::int64_t id) {
      if (absl::Status s = store.DeleteProject(id); !s.ok()) return ErrorFromStatus(s);
      return HttpResponse{204, {}, "", false};
    });
  });
  router.Add("POST", "/api/v1/projects/{id}/cases", [&store](HttpRequest& r) {
    return WithId(r, "id", [&](std::int64_t id) { return CreateCase(r, store, id); });
  });
  router.Add("GET", "/api/v1/projects/{id}/cases", [&store](HttpRequest& r) {
    return WithId(r, "id", [&](std::int64_t id) {
      auto page = PageOf(r);
      if (!page.ok()) return ErrorFromStatus(page.status());
      std::int64_t total = 0;
      auto cases = store.ListCases(id, *page, &total);
      if (!cases.ok()) return ErrorFromStatus(cases.status());
      JsonWriter w;
      w.BeginObject().Key("items").BeginArray();
      for (const TestCase& c : *cases) WriteCase(w, c);
      w.EndArray().Key("total").Int(total).Key("limit").Int(page->limit).Key("offset").Int(page->offset).EndObject();
      return JsonResponse(200, w);
    });
  });
  router.Add("GET", "/api/v1/projects/{id}/cases/{case_id}", [&store](HttpRequest& r) {
    return WithId(r, "id", [&](std::int64_t id) {
      return WithId(r, "case_id", [&](std::int64_t case_id) {
        auto c = store.GetCase(id, case_id);
        if (!c.ok()) return ErrorFromStatus(c.status());
        JsonWriter w;
        WriteCase(w, *c);
        return JsonResponse(200, w);
      });
    });
  });
  router.Add("PUT", "/api/v1/projects/{id}/cases/{case_id}", [&store](HttpRequest& r) {
    return WithId(r, "id", [&](std::int64_t id) {
      return WithId(r, "case_id", [&](std::int64_t case_id) { return UpdateCase(r, store, id, case_id); });
    });
  });
  router.Add("DELETE", "/api/v1/projects/{id}/cases/{case_id}", [&store](HttpRequest& r) {
    return WithId(r, "id", [&](std::int64_t id) {
      return WithId(r, "case_id", [&](std::int64_t case_id) {
        if (absl::Status s = store.DeleteCase(id, case_id); !s.ok()) return ErrorFromStatus(s);
        return HttpResponse{204, {}, "", false};
      });
    });
  });
  router.Add("POST", "/api/v1/projects/{id}/runs", [&store](HttpRequest& r) {
    return WithId(r, "id", [&](std::int64_t id) { return StartRun(r, store, id); });
  });
  router.Add("GET", "/api/v1/runs/{run_id}", [&store](HttpRequest& r) {
    return WithId(r, "run_id", [&](std::int64_t id) {
      auto run = store.GetRun(id);
      if (!run.ok()) return ErrorFromStatus(run.status());
      JsonWriter w;
      WriteRun(w, *run);
      return JsonResponse(200, w);
    });
  });
  router.Add("PUT", "/api/v1/runs/{run_id}/results/{case_id}", [&store](HttpRequest& r) {
    return WithId(r, "run_id", [&](std::int64_t run_id) {
      return WithId(r, "case_id", [&](std::int64_t case_id) { return RecordResult(r, store, run_id, case_id); });
    });
  });
  router.Add("POST", "/api/v1/projects/{id}/sync", [&store, &client, url = std::move(tracker_url)](HttpRequest& r) {
    return WithId(r, "id", [&](std::int64_t id) { return Sync(store, client, url, id); });
  });
}

}  // namespace qtrace::handlers
