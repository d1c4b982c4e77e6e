// QaStore: the service's data, in typed operations over a Database. Every
// SQL statement of the service is here, parameterized, with the operation and
// table its span is named after.
//
// Errors: NotFound for an unknown id, AlreadyExists for a duplicate name or
// title, InvalidArgument for a case that belongs to another project, and the
// database's own errors otherwise.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "api_server/db/database.h"

namespace qtrace::service {

struct Project {
  std::int64_t id = 0;
  std::string name;
  std::string description;
  std::string created_at;
};

struct TestCase {
  std::int64_t id = 0;
  std::int64_t project_id = 0;
  std::string title;
  std::string steps;
  std::string expected;
  std::string priority;
};

struct TestResult {
  std::int64_t case_id = 0;
  std::string title;
  std::string status;  // untested | passed | failed | blocked | skipped
  std::string note;
};

struct RunSummary {
  std::int64_t total = 0, passed = 0, failed = 0, blocked = 0, skipped = 0, untested = 0;
};

struct TestRun {
  std::int64_t id = 0;
  std::int64_t project_id = 0;
  std::string name;
  std::string created_at;
  std::vector<TestResult> results;
  RunSummary summary;
};

struct Page {
  std::int64_t limit = 20;
  std::int64_t offset = 0;
};

// The statuses a result may take (and the untested start state).
bool IsResultStatus(std::string_view status);

class QaStore {
 public:
  // REQUIRES: db outlives the store.
  explicit QaStore(db::Database& db) : db_(db) {}

  absl::Status Ping();

  absl::StatusOr<Project> CreateProject(const std::string& name, const std::string& description);
  absl::StatusOr<std::vector<Project>> ListProjects(const Page& page, std::int64_t* total);
  absl::StatusOr<Project> GetProject(std::int64_t id);
  absl::StatusOr<Project> UpdateProject(std::int64_t id, const std::optional<std::string>& name,
                                        const std::optional<std::string>& description);
  absl::Status DeleteProject(std::int64_t id);

  absl::StatusOr<TestCase> CreateCase(const TestCase& fields);
  absl::StatusOr<std::vector<TestCase>> ListCases(std::int64_t project_id, const Page& page, std::int64_t* total);
  absl::StatusOr<TestCase> GetCase(std::int64_t project_id, std::int64_t case_id);
  absl::StatusOr<TestCase> UpdateCase(std::int64_t project_id, std::int64_t case_id, const TestCase& changes,
                                      bool has_title, bool has_steps, bool has_expected, bool has_priority);
  absl::Status DeleteCase(std::int64_t project_id, std::int64_t case_id);

  // Starts a run over case_ids (all of the project's cases when empty), every
  // result "untested", in one transaction.
  absl::StatusOr<TestRun> StartRun(std::int64_t project_id, const std::string& name,
                                   const std::vector<std::int64_t>& case_ids);
  absl::Status RecordResult(std::int64_t run_id, std::int64_t case_id, const std::string& status,
                            const std::string& note);
  // The run with its results and summary counts (an aggregate query).
  absl::StatusOr<TestRun> GetRun(std::int64_t run_id);
  // The project's most recent run, or NotFound (for an unknown project too).
  absl::StatusOr<TestRun> LatestRun(std::int64_t project_id);
  absl::Status RecordSync(std::int64_t project_id, std::int64_t run_id, int status_code, const std::string& response);

 private:
  db::Database& db_;
};

}  // namespace qtrace::service
