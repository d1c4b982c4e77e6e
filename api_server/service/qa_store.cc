#include "api_server/service/qa_store.h"

#include <algorithm>
#include <ctime>

#include "qtrace/sdk/common/strings.h"

namespace qtrace::service {
namespace {

using db::Param;
using db::Statement;

constexpr Statement kPing{"SELECT 1", "SELECT", ""};  // no table: no db.collection.name
constexpr Statement kInsertProject{
    "INSERT INTO projects (name, description, created_at) VALUES ($1, $2, $3) RETURNING id", "INSERT", "projects"};
constexpr Statement kListProjects{
    "SELECT id, name, description, created_at FROM projects ORDER BY id LIMIT $1 OFFSET $2", "SELECT", "projects"};
constexpr Statement kCountProjects{"SELECT COUNT(*) FROM projects", "SELECT", "projects"};
constexpr Statement kGetProject{"SELECT id, name, description, created_at FROM projects WHERE id = $1", "SELECT",
                                "projects"};
constexpr Statement kUpdateProject{
    "UPDATE projects SET name = COALESCE($2, name), description = COALESCE($3, description) WHERE id = $1",
    "UPDATE", "projects"};
constexpr Statement kDeleteProject{"DELETE FROM projects WHERE id = $1", "DELETE", "projects"};

constexpr Statement kInsertCase{
    "INSERT INTO test_cases (project_id, title, steps, expected, priority) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    "INSERT", "test_cases"};
constexpr Statement kListCases{
    "SELECT id, project_id, title, steps, expected, priority FROM test_cases WHERE project_id = $1 ORDER BY id "
    "LIMIT $2 OFFSET $3",
    "SELECT", "test_cases"};
constexpr Statement kCountCases{"SELECT COUNT(*) FROM test_cases WHERE project_id = $1", "SELECT", "test_cases"};
constexpr Statement kGetCase{
    "SELECT id, project_id, title, steps, expected, priority FROM test_cases WHERE project_id = $1 AND id = $2",
    "SELECT", "test_cases"};
constexpr Statement kUpdateCase{
    "UPDATE test_cases SET title = COALESCE($3, title), steps = COALESCE($4, steps), "
    "expected = COALESCE($5, expected), priority = COALESCE($6, priority) WHERE project_id = $1 AND id = $2",
    "UPDATE", "test_cases"};
constexpr Statement kDeleteCase{"DELETE FROM test_cases WHERE project_id = $1 AND id = $2", "DELETE", "test_cases"};
constexpr Statement kProjectCaseIds{"SELECT id FROM test_cases WHERE project_id = $1 ORDER BY id", "SELECT",
                                    "test_cases"};

constexpr Statement kInsertRun{"INSERT INTO test_runs (project_id, name, created_at) VALUES ($1, $2, $3) RETURNING id",
                               "INSERT", "test_runs"};
constexpr Statement kInsertResult{"INSERT INTO test_results (run_id, case_id, status) VALUES ($1, $2, 'untested')",
                                  "INSERT", "test_results"};
constexpr Statement kGetRun{"SELECT id, project_id, name, created_at FROM test_runs WHERE id = $1", "SELECT",
                            "test_runs"};
constexpr Statement kLatestRun{"SELECT id FROM test_runs WHERE project_id = $1 ORDER BY id DESC LIMIT 1", "SELECT",
                               "test_runs"};
constexpr Statement kRunResults{
    "SELECT r.case_id, c.title, r.status, r.note FROM test_results r JOIN test_cases c ON c.id = r.case_id "
    "WHERE r.run_id = $1 ORDER BY r.case_id",
    "SELECT", "test_results"};
constexpr Statement kRunSummary{
    "SELECT status, COUNT(*) FROM test_results WHERE run_id = $1 GROUP BY status", "SELECT", "test_results"};
constexpr Statement kUpdateResult{
    "UPDATE test_results SET status = $3, note = $4 WHERE run_id = $1 AND case_id = $2", "UPDATE", "test_results"};
constexpr Statement kInsertSync{
    "INSERT INTO tracker_syncs (project_id, run_id, status_code, response, created_at) VALUES ($1, $2, $3, $4, $5)",
    "INSERT", "tracker_syncs"};

std::string Now() {
  char buf[32];
  const std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string Text(const db::Row& row, std::size_t i) { return i < row.size() && row[i] ? *row[i] : std::string(); }

std::int64_t Int(const db::Row& row, std::size_t i) {
  std::int64_t v = 0;
  if (i < row.size() && row[i]) ParseInt64(*row[i], &v);
  return v;
}

Param P(std::int64_t v) { return std::to_string(v); }

Project ToProject(const db::Row& r) { return Project{Int(r, 0), Text(r, 1), Text(r, 2), Text(r, 3)}; }
TestCase ToCase(const db::Row& r) { return TestCase{Int(r, 0), Int(r, 1), Text(r, 2), Text(r, 3), Text(r, 4), Text(r, 5)}; }

absl::StatusOr<std::int64_t> InsertedId(const absl::StatusOr<db::QueryResult>& r) {
  if (!r.ok()) return r.status();
  if (r->rows.empty()) return absl::InternalError("INSERT returned no id");
  return Int(r->rows[0], 0);
}

absl::StatusOr<std::int64_t> Count(db::Database& db, const Statement& s, std::span<const Param> params) {
  auto r = db.Execute(s, params);
  if (!r.ok()) return r.status();
  return r->rows.empty() ? 0 : Int(r->rows[0], 0);
}

}  // namespace

bool IsResultStatus(std::string_view status) {
  return status == "untested" || status == "passed" || status == "failed" || status == "blocked" ||
         status == "skipped";
}

absl::Status QaStore::Ping() { return db_.Execute(kPing, {}).status(); }

absl::StatusOr<Project> QaStore::CreateProject(const std::string& name, const std::string& description) {
  const std::string created = Now();
  const Param params[] = {name, description, created};
  absl::StatusOr<std::int64_t> id = InsertedId(db_.Execute(kInsertProject, params));
  if (!id.ok()) return id.status();
  return Project{*id, name, description, created};
}

absl::StatusOr<std::vector<Project>> QaStore::ListProjects(const Page& page, std::int64_t* total) {
  absl::StatusOr<std::int64_t> count = Count(db_, kCountProjects, {});
  if (!count.ok()) return count.status();
  *total = *count;
  const Param params[] = {P(page.limit), P(page.offset)};
  auto r = db_.Execute(kListProjects, params);
  if (!r.ok()) return r.status();
  std::vector<Project> out;
  for (const db::Row& row : r->rows) out.push_back(ToProject(row));
  return out;
}

absl::StatusOr<Project> QaStore::GetProject(std::int64_t id) {
  const Param params[] = {P(id)};
  auto r = db_.Execute(kGetProject, params);
  if (!r.ok()) return r.status();
  if (r->rows.empty()) return absl::NotFoundError(StrCat("project ", id, " not found"));
  return ToProject(r->rows[0]);
}

absl::StatusOr<Project> QaStore::UpdateProject(std::int64_t id, const std::optional<std::string>& name,
                                               const std::optional<std::string>& description) {
  const Param params[] = {P(id), name, description};
  auto r = db_.Execute(kUpdateProject, params);
  if (!r.ok()) return r.status();
  if (r->affected_rows == 0) return absl::NotFoundError(StrCat("project ", id, " not found"));
  return GetProject(id);
}

absl::Status QaStore::DeleteProject(std::int64_t id) {
  const Param params[] = {P(id)};
  auto r = db_.Execute(kDeleteProject, params);
  if (!r.ok()) return r.status();
  if (r->affected_rows == 0) return absl::NotFoundError(StrCat("project ", id, " not found"));
  return absl::OkStatus();
}

absl::StatusOr<TestCase> QaStore::CreateCase(const TestCase& c) {
  if (absl::StatusOr<Project> p = GetProject(c.project_id); !p.ok()) return p.status();
  const Param params[] = {P(c.project_id), c.title, c.steps, c.expected, c.priority};
  absl::StatusOr<std::int64_t> id = InsertedId(db_.Execute(kInsertCase, params));
  if (!id.ok()) return id.status();
  TestCase out = c;
  out.id = *id;
  return out;
}

absl::StatusOr<std::vector<TestCase>> QaStore::ListCases(std::int64_t project_id, const Page& page,
                                                         std::int64_t* total) {
  if (absl::StatusOr<Project> p = GetProject(project_id); !p.ok()) return p.status();
  const Param count_params[] = {P(project_id)};
  absl::StatusOr<std::int64_t> count = Count(db_, kCountCases, count_params);
  if (!count.ok()) return count.status();
  *total = *count;
  const Param params[] = {P(project_id), P(page.limit), P(page.offset)};
  auto r = db_.Execute(kListCases, params);
  if (!r.ok()) return r.status();
  std::vector<TestCase> out;
  for (const db::Row& row : r->rows) out.push_back(ToCase(row));
  return out;
}

absl::StatusOr<TestCase> QaStore::GetCase(std::int64_t project_id, std::int64_t case_id) {
  const Param params[] = {P(project_id), P(case_id)};
  auto r = db_.Execute(kGetCase, params);
  if (!r.ok()) return r.status();
  if (r->rows.empty()) return absl::NotFoundError(StrCat("test case ", case_id, " not found in project ", project_id));
  return ToCase(r->rows[0]);
}

absl::StatusOr<TestCase> QaStore::UpdateCase(std::int64_t project_id, std::int64_t case_id, const TestCase& c,
                                             bool has_title, bool has_steps, bool has_expected, bool has_priority) {
  auto opt = [](bool has, const std::string& v) { return has ? Param(v) : Param(); };
  const Param params[] = {P(project_id), P(case_id), opt(has_title, c.title), opt(has_steps, c.steps),
                          opt(has_expected, c.expected), opt(has_priority, c.priority)};
  auto r = db_.Execute(kUpdateCase, params);
  if (!r.ok()) return r.status();
  if (r->affected_rows == 0) return absl::NotFoundError(StrCat("test case ", case_id, " not found in project ", project_id));
  return GetCase(project_id, case_id);
}

absl::Status QaStore::DeleteCase(std::int64_t project_id, std::int64_t case_id) {
  const Param params[] = {P(project_id), P(case_id)};
  auto r = db_.Execute(kDeleteCase, params);
  if (!r.ok()) return r.status();
  if (r->affected_rows == 0) return absl::NotFoundError(StrCat("test case ", case_id, " not found in project ", project_id));
  return absl::OkStatus();
}

absl::StatusOr<TestRun> QaStore::StartRun(std::int64_t project_id, const std::string& name,
                                          const std::vector<std::int64_t>& case_ids) {
  if (absl::StatusOr<Project> p = GetProject(project_id); !p.ok()) return p.status();
  std::int64_t run_id = 0;
  absl::Status status = db_.InTransaction([&](db::Database& tx) -> absl::Status {
    const Param project_param[] = {P(project_id)};
    auto all = tx.Execute(kProjectCaseIds, project_param);
    if (!all.ok()) return all.status();
    std::vector<std::int64_t> chosen;
    for (const db::Row& row : all->rows) chosen.push_back(Int(row, 0));
    if (!case_ids.empty()) {
      for (std::int64_t id : case_ids) {
        if (std::find(chosen.begin(), chosen.end(), id) == chosen.end()) {
          return absl::InvalidArgumentError(StrCat("test case ", id, " is not in project ", project_id));
        }
      }
      chosen = case_ids;
    }
    const Param run_params[] = {P(project_id), name, Now()};
    absl::StatusOr<std::int64_t> id = InsertedId(tx.Execute(kInsertRun, run_params));
    if (!id.ok()) return id.status();
    run_id = *id;
    for (std::int64_t case_id : chosen) {
      const Param result_params[] = {P(run_id), P(case_id)};
      if (auto r = tx.Execute(kInsertResult, result_params); !r.ok()) return r.status();
    }
    return absl::OkStatus();
  });
  if (!status.ok()) return status;
  return GetRun(run_id);
}

absl::Status QaStore::RecordResult(std::int64_t run_id, std::int64_t case_id, const std::string& status,
                                   const std::string& note) {
  const Param params[] = {P(run_id), P(case_id), status, note};
  auto r = db_.Execute(kUpdateResult, params);
  if (!r.ok()) return r.status();
  if (r->affected_rows == 0) return absl::NotFoundError(StrCat("test case ", case_id, " is not in run ", run_id));
  return absl::OkStatus();
}

absl::StatusOr<TestRun> QaStore::GetRun(std::int64_t run_id) {
  const Param params[] = {P(run_id)};
  auto run = db_.Execute(kGetRun, params);
  if (!run.ok()) return run.status();
  if (run->rows.empty()) return absl::NotFoundError(StrCat("test run ", run_id, " not found"));
  TestRun out{Int(run->rows[0], 0), Int(run->rows[0], 1), Text(run->rows[0], 2), Text(run->rows[0], 3), {}, {}};
  auto results = db_.Execute(kRunResults, params);
  if (!results.ok()) return results.status();
  for (const db::Row& row : results->rows) out.results.push_back({Int(row, 0), Text(row, 1), Text(row, 2), Text(row, 3)});
  auto summary = db_.Execute(kRunSummary, params);
  if (!summary.ok()) return summary.status();
  for (const db::Row& row : summary->rows) {
    const std::string status = Text(row, 0);
    const std::int64_t n = Int(row, 1);
    out.summary.total += n;
    if (status == "passed") out.summary.passed = n;
    if (status == "failed") out.summary.failed = n;
    if (status == "blocked") out.summary.blocked = n;
    if (status == "skipped") out.summary.skipped = n;
    if (status == "untested") out.summary.untested = n;
  }
  return out;
}

absl::StatusOr<TestRun> QaStore::LatestRun(std::int64_t project_id) {
  const Param params[] = {P(project_id)};
  auto r = db_.Execute(kLatestRun, params);
  if (!r.ok()) return r.status();
  if (r->rows.empty()) return absl::NotFoundError(StrCat("project ", project_id, " has no test run"));
  return GetRun(Int(r->rows[0], 0));
}

absl::Status QaStore::RecordSync(std::int64_t project_id, std::int64_t run_id, int status_code,
                                 const std::string& response) {
  const Param params[] = {P(project_id), P(run_id), P(status_code), response, Now()};
  return db_.Execute(kInsertSync, params).status();
}

}  // namespace qtrace::service
