// The Database conformance suite: the same tests against every backend.
// SQLite (in memory and in a file) always; PostgreSQL when DATABASE_URL is set
// (tools/with-postgres.sh starts a throwaway server and sets it; ctest runs
// this binary through it as integration.database_postgres). Each PostgreSQL
// test drops the service's tables and creates them again.
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "api_server/db/database.h"
#include "api_server/db/postgres_database.h"
#include "api_server/db/schema.h"
#include "api_server/db/sqlite_database.h"
#include "api_server/db/tracing_database.h"
#include "gtest/gtest.h"
#include "qtrace/sdk/common/strings.h"
#include "qtrace/sdk/sampler.h"
#include "tests/sdk/test_provider.h"

namespace qtrace::db {
namespace {

using namespace std::chrono_literals;

const char* DatabaseUrl() {
  const char* url = std::getenv("DATABASE_URL");
  return url != nullptr && *url != '\0' ? url : nullptr;
}

// The statement's operation for the span: the text's first word.
Statement Sql(std::string_view text) { return Statement{text, text.substr(0, text.find(' ')), "test"}; }

absl::StatusOr<QueryResult> Exec(Database& db, std::string_view text, const std::vector<Param>& params = {}) {
  return db.Execute(Sql(text), params);
}

// Runs a statement that must succeed.
QueryResult Must(Database& db, std::string_view text, const std::vector<Param>& params = {}) {
  absl::StatusOr<QueryResult> r = Exec(db, text, params);
  EXPECT_TRUE(r.ok()) << text << ": " << r.status();
  return r.ok() ? *std::move(r) : QueryResult{};
}

// The single value of a one-row, one-column result ("" when absent or NULL).
std::string Scalar(Database& db, std::string_view text, const std::vector<Param>& params = {}) {
  QueryResult r = Must(db, text, params);
  if (r.rows.size() != 1 || r.rows[0].size() != 1 || !r.rows[0][0]) {
    ADD_FAILURE() << text << ": expected one non-NULL value, got " << r.rows.size() << " rows";
    return "";
  }
  return *r.rows[0][0];
}

std::int64_t ToInt(const std::optional<std::string>& text) {
  std::int64_t value = -1;
  EXPECT_TRUE(text && ParseInt64(*text, &value)) << (text ? *text : "NULL");
  return value;
}

constexpr std::string_view kInsertProject =
    "INSERT INTO projects (name, description, created_at) VALUES ($1, $2, $3) RETURNING id";
constexpr std::string_view kInsertCase =
    "INSERT INTO test_cases (project_id, title, priority) VALUES ($1, $2, $3) RETURNING id";

std::string InsertProject(Database& db, const std::string& name, const std::string& description = "") {
  QueryResult r = Must(db, kInsertProject, {name, description, "2024-05-01T10:00:00Z"});
  if (r.rows.size() != 1 || r.rows[0].size() != 1 || !r.rows[0][0]) {
    ADD_FAILURE() << "INSERT ... RETURNING id gave no id for " << name;
    return "0";
  }
  return *r.rows[0][0];
}

std::string InsertCase(Database& db, const std::string& project_id, const std::string& title,
                       const std::string& priority = "medium") {
  QueryResult r = Must(db, kInsertCase, {project_id, title, priority});
  return r.rows.size() == 1 && r.rows[0].size() == 1 && r.rows[0][0] ? *r.rows[0][0] : "0";
}

std::string Count(Database& db, std::string_view table) {
  return Scalar(db, StrCat("SELECT COUNT(*) FROM ", table));
}

// The service's tables, children first.
constexpr std::string_view kDropTables =
    "DROP TABLE IF EXISTS tracker_syncs, test_results, test_runs, test_cases, projects CASCADE";

enum class Backend { kSqliteMemory, kSqliteFile, kPostgres };

std::string BackendName(const ::testing::TestParamInfo<Backend>& info) {
  switch (info.param) {
    case Backend::kSqliteMemory: return "SqliteMemory";
    case Backend::kSqliteFile: return "SqliteFile";
    case Backend::kPostgres: return "Postgres";
  }
  return "Unknown";
}

std::vector<Backend> Backends() {
  std::vector<Backend> backends = {Backend::kSqliteMemory, Backend::kSqliteFile};
  if (DatabaseUrl() != nullptr) backends.push_back(Backend::kPostgres);
  return backends;
}

class DatabaseTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    switch (GetParam()) {
      case Backend::kSqliteMemory: {
        auto db = SqliteDatabase::Open(":memory:");
        ASSERT_TRUE(db.ok()) << db.status();
        db_ = *std::move(db);
        break;
      }
      case Backend::kSqliteFile: {
        static std::atomic<int> counter{0};
        path_ = StrCat(::testing::TempDir(), "/qtrace_database_test_", static_cast<std::int64_t>(getpid()), "_",
                       counter.fetch_add(1), "/pms.db");
        auto db = SqliteDatabase::Open(path_);
        ASSERT_TRUE(db.ok()) << db.status();
        db_ = *std::move(db);
        break;
      }
      case Backend::kPostgres: {
        auto db = PostgresDatabase::Connect(DatabaseUrl());
        ASSERT_TRUE(db.ok()) << db.status();
        db_ = *std::move(db);
        ASSERT_TRUE(Exec(*db_, kDropTables).ok());
        break;
      }
    }
    const absl::Status schema = CreateSchema(*db_);
    ASSERT_TRUE(schema.ok()) << schema;
  }

  void TearDown() override {
    db_.reset();
    if (!path_.empty()) {
      std::error_code ec;
      std::filesystem::remove_all(std::filesystem::path(path_).parent_path(), ec);
    }
  }

  bool postgres() const { return GetParam() == Backend::kPostgres; }

  std::unique_ptr<Database> db_;
  std::string path_;
};

TEST_P(DatabaseTest, CreateSchemaIsIdempotent) {
  InsertProject(*db_, "kept");
  for (int i = 0; i < 2; ++i) {
    const absl::Status again = CreateSchema(*db_);
    EXPECT_TRUE(again.ok()) << again;
  }
  EXPECT_EQ(Count(*db_, "projects"), "1");  // the data survived
  for (std::string_view table : {"test_cases", "test_runs", "test_results", "tracker_syncs"}) {
    EXPECT_EQ(Count(*db_, table), "0") << table;
  }
}

TEST_P(DatabaseTest, InfoNamesTheBackend) {
  const DatabaseInfo& info = db_->info();
  if (postgres()) {
    EXPECT_EQ(info.system, "postgresql");
    EXPECT_EQ(info.name, "qa_pms");
    EXPECT_FALSE(info.server_address.empty());
    EXPECT_GT(info.server_port, 0);
  } else {
    EXPECT_EQ(info.system, "sqlite");
    EXPECT_EQ(info.name, GetParam() == Backend::kSqliteMemory ? ":memory:" : path_);
  }
}

TEST_P(DatabaseTest, InsertReturningIdThenSelect) {
  const std::string first = InsertProject(*db_, "alpha", "the first");
  const std::string second = InsertProject(*db_, "beta");
  EXPECT_GT(ToInt(first), 0);
  EXPECT_GT(ToInt(second), ToInt(first));

  QueryResult r = Must(*db_, "SELECT id, name, description, created_at FROM projects WHERE id = $1", {first});
  EXPECT_EQ(r.columns, (std::vector<std::string>{"id", "name", "description", "created_at"}));
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0], (Row{first, "alpha", "the first", "2024-05-01T10:00:00Z"}));

  r = Must(*db_, "SELECT name FROM projects ORDER BY id");
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0][0], "alpha");
  EXPECT_EQ(r.rows[1][0], "beta");

  r = Must(*db_, "SELECT name FROM projects WHERE id = $1", {"999999"});
  EXPECT_EQ(r.columns, (std::vector<std::string>{"name"}));
  EXPECT_TRUE(r.rows.empty());

  // Text that would break a query built by concatenation travels as a value.
  const std::string tricky = "o'brien\"; DROP TABLE projects; -- ünïcødé";
  const std::string id = InsertProject(*db_, tricky, "$1 ?1 %s");
  EXPECT_EQ(Scalar(*db_, "SELECT name FROM projects WHERE id = $1", {id}), tricky);
  EXPECT_EQ(Scalar(*db_, "SELECT description FROM projects WHERE name = $1", {tricky}), "$1 ?1 %s");
}

TEST_P(DatabaseTest, NullParametersAndNullColumns) {
  // A NULL parameter is SQL NULL, not the empty string.
  EXPECT_EQ(Scalar(*db_, "SELECT COALESCE($1, 'fallback')", {std::nullopt}), "fallback");
  EXPECT_EQ(Scalar(*db_, "SELECT COALESCE($1, 'fallback')", {""}), "");
  EXPECT_EQ(Scalar(*db_, "SELECT COALESCE($1, 'fallback')", {"given"}), "given");

  // ... and a NOT NULL column refuses it (a constraint, but neither unique
  // nor foreign key).
  absl::StatusOr<QueryResult> r = Exec(*db_, kInsertProject, {"p", std::nullopt, "2024-05-01"});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();

  // NULLs come back as nullopt; the empty string as "".
  InsertProject(*db_, "empty", "");
  InsertProject(*db_, "full", "text");
  QueryResult rows = Must(*db_, "SELECT name, NULLIF(description, ''), description FROM projects ORDER BY name");
  ASSERT_EQ(rows.rows.size(), 2u);
  EXPECT_EQ(rows.rows[0], (Row{"empty", std::nullopt, ""}));
  EXPECT_EQ(rows.rows[1], (Row{"full", "text", "text"}));

  // NULL = anything is not true: nothing matches.
  EXPECT_EQ(Scalar(*db_, "SELECT COUNT(*) FROM projects WHERE description = $1", {std::nullopt}), "0");
}

// Review item 15: a failed query's span carries the backend's own code in
// db.response.status_code (SQLSTATE for PostgreSQL, the extended result
// code for SQLite), and error.type is that same code.
TEST_P(DatabaseTest, FailedQuerySpanCarriesTheBackendsCode) {
  testutil::TestProvider t;
  TracingDatabase traced(*db_, t.tracer());
  InsertProject(*db_, "dup");
  const Statement insert{kInsertProject, "INSERT", "projects"};
  const std::vector<Param> params = {"dup", "", "2024-05-01"};
  ASSERT_EQ(traced.Execute(insert, params).status().code(), absl::StatusCode::kAlreadyExists);
  const std::vector<SpanRecord> spans = t.store->Spans();
  ASSERT_EQ(spans.size(), 1u);
  const std::string expected = postgres() ? "23505" : std::to_string(SQLITE_CONSTRAINT_UNIQUE);
  const std::optional<Attribute> code = spans[0].attributes.Find("db.response.status_code");
  const std::optional<Attribute> type = spans[0].attributes.Find("error.type");
  ASSERT_TRUE(code.has_value());
  ASSERT_TRUE(type.has_value());
  EXPECT_EQ(std::get<std::string>(code->value), expected);
  EXPECT_EQ(std::get<std::string>(type->value), expected);
  EXPECT_EQ(spans[0].status, StatusCode::kError);
}

// A request that head sampling dropped is recorded in case it fails; its
// query spans hold their attributes back until it does. Kept, a query span
// carries every attribute a sampled one does, read after the query returned
// (the statement here is a temporary, its text a constant); dropped, it
// leaves nothing.
TEST_P(DatabaseTest, QuerySpanKeptForAnErrorHasTheAttributesOfASampledOne) {
  const auto run = [&](testutil::TestProvider& t, bool fails) {
    TracingDatabase traced(*db_, t.tracer());
    Span request = t.tracer().StartSpan("GET /api/v1/projects/{id}", SpanKind::kServer);
    const Scope scope = request.Activate();
    const std::vector<Param> params = {"1"};
    EXPECT_TRUE(traced.Execute(Statement{"SELECT id FROM projects WHERE id = $1", "SELECT", "projects"}, params).ok());
    if (fails) request.SetStatus(StatusCode::kError);
  };
  testutil::TestProvider sampled;
  run(sampled, false);
  ASSERT_EQ(sampled.store->Spans().size(), 2u);
  const SpanRecord reference = sampled.store->Spans()[0];
  ASSERT_EQ(reference.name, "SELECT projects");

  for (const bool fails : {false, true}) {
    testutil::TestProvider dropping({}, MakeTraceIdRatioSampler(0.0), /*enabled=*/true, /*keep_error_traces=*/true);
    run(dropping, fails);
    const std::vector<SpanRecord> spans = dropping.store->Spans();
    if (!fails) {
      EXPECT_TRUE(spans.empty());
      continue;
    }
    ASSERT_EQ(spans.size(), 2u);
    const SpanRecord& kept = spans[0];
    EXPECT_EQ(kept.name, "SELECT projects");
    EXPECT_EQ(kept.attributes.size(), reference.attributes.size());
    for (const AttributeView a : reference.attributes) {
      const std::optional<Attribute> same = kept.attributes.Find(a.key);
      ASSERT_TRUE(same.has_value()) << a.key;
      EXPECT_EQ(same->value, a.ToAttribute().value) << a.key;
    }
    EXPECT_EQ(kept.attributes.GetString("db.query.text"), "SELECT id FROM projects WHERE id = $1");
  }
}

// A query that failed in such a request: kept, its span has the error's
// attributes beside the held ones, and no row count.
TEST_P(DatabaseTest, FailedQueryKeptForAnErrorHasItsErrorAndTheHeldAttributes) {
  InsertProject(*db_, "dup");
  testutil::TestProvider dropping({}, MakeTraceIdRatioSampler(0.0), /*enabled=*/true, /*keep_error_traces=*/true);
  TracingDatabase traced(*db_, dropping.tracer());
  {
    Span request = dropping.tracer().StartSpan("POST /api/v1/projects", SpanKind::kServer);
    const Scope scope = request.Activate();
    const std::vector<Param> params = {"dup", "", "2024-05-01"};
    EXPECT_FALSE(traced.Execute(Statement{kInsertProject, "INSERT", "projects"}, params).ok());
    request.SetStatus(StatusCode::kError);
  }
  const std::vector<SpanRecord> spans = dropping.store->Spans();
  ASSERT_EQ(spans.size(), 2u);
  const SpanRecord& kept = spans[0];
  EXPECT_EQ(kept.name, "INSERT projects");
  EXPECT_EQ(kept.status, StatusCode::kError);
  EXPECT_TRUE(kept.attributes.Find("error.type").has_value());
  EXPECT_TRUE(kept.attributes.Find("db.response.status_code").has_value());
  EXPECT_EQ(kept.attributes.GetString("db.query.text"), kInsertProject);
  EXPECT_EQ(kept.attributes.GetString("db.operation.name"), "INSERT");
  EXPECT_EQ(kept.attributes.GetString("db.collection.name"), "projects");
  EXPECT_FALSE(kept.attributes.Find("db.response.returned_rows").has_value());
}

// Review item 15: a statement on no table (the health ping) is named by its
// operation and claims no collection.
TEST_P(DatabaseTest, StatementWithoutATableClaimsNoCollection) {
  testutil::TestProvider t;
  TracingDatabase traced(*db_, t.tracer());
  ASSERT_TRUE(traced.Execute(Statement{"SELECT 1", "SELECT", ""}, {}).ok());
  const std::vector<SpanRecord> spans = t.store->Spans();
  ASSERT_EQ(spans.size(), 1u);
  EXPECT_EQ(spans[0].name, "SELECT");
  EXPECT_FALSE(spans[0].attributes.Find("db.collection.name").has_value());
  EXPECT_TRUE(spans[0].attributes.Find("db.operation.name").has_value());
}

TEST_P(DatabaseTest, UniqueViolationIsAlreadyExists) {
  const std::string project = InsertProject(*db_, "dup");
  absl::StatusOr<QueryResult> r = Exec(*db_, kInsertProject, {"dup", "", "2024-05-01"});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kAlreadyExists) << r.status();

  // A composite UNIQUE (project_id, title), and a composite primary key.
  const std::string test_case = InsertCase(*db_, project, "login");
  r = Exec(*db_, kInsertCase, {project, "login", "high"});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kAlreadyExists) << r.status();
  const std::string run = Scalar(
      *db_, "INSERT INTO test_runs (project_id, name, created_at) VALUES ($1, $2, $3) RETURNING id",
      {project, "nightly", "2024-05-01"});
  constexpr std::string_view kInsertResult = "INSERT INTO test_results (run_id, case_id, status) VALUES ($1, $2, $3)";
  Must(*db_, kInsertResult, {run, test_case, "passed"});
  r = Exec(*db_, kInsertResult, {run, test_case, "failed"});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kAlreadyExists) << r.status();

  EXPECT_EQ(Count(*db_, "projects"), "1");
  EXPECT_EQ(Count(*db_, "test_cases"), "1");
}

TEST_P(DatabaseTest, ForeignKeyViolationIsFailedPrecondition) {
  absl::StatusOr<QueryResult> r = Exec(*db_, kInsertCase, {"999999", "orphan", "low"});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition) << r.status();
  EXPECT_EQ(Count(*db_, "test_cases"), "0");

  const std::string project = InsertProject(*db_, "parent");
  r = Exec(*db_, "UPDATE test_cases SET project_id = $1", {"424242"});  // no rows: nothing to violate
  EXPECT_TRUE(r.ok()) << r.status();
  InsertCase(*db_, project, "child");
  r = Exec(*db_, "UPDATE test_cases SET project_id = $1", {"424242"});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kFailedPrecondition) << r.status();
}

TEST_P(DatabaseTest, AffectedRowsOfUpdateAndDelete) {
  QueryResult inserted = Must(*db_, "INSERT INTO projects (name, created_at) VALUES ($1, $2)", {"a1", "t"});
  EXPECT_EQ(inserted.affected_rows, 1);
  InsertProject(*db_, "a2");
  InsertProject(*db_, "b1");

  QueryResult r = Must(*db_, "UPDATE projects SET description = $1 WHERE name LIKE $2", {"in a", "a%"});
  EXPECT_EQ(r.affected_rows, 2);
  EXPECT_TRUE(r.columns.empty());
  EXPECT_TRUE(r.rows.empty());
  r = Must(*db_, "UPDATE projects SET description = $1 WHERE name = $2", {"x", "nobody"});
  EXPECT_EQ(r.affected_rows, 0);
  r = Must(*db_, "UPDATE projects SET description = $1", {"all"});
  EXPECT_EQ(r.affected_rows, 3);

  r = Must(*db_, "DELETE FROM projects WHERE name = $1", {"b1"});
  EXPECT_EQ(r.affected_rows, 1);
  r = Must(*db_, "DELETE FROM projects WHERE name = $1", {"b1"});
  EXPECT_EQ(r.affected_rows, 0);
  r = Must(*db_, "DELETE FROM projects");
  EXPECT_EQ(r.affected_rows, 2);
  EXPECT_EQ(Count(*db_, "projects"), "0");
}

TEST_P(DatabaseTest, DeletingAProjectCascades) {
  const std::string kept = InsertProject(*db_, "kept");
  const std::string gone = InsertProject(*db_, "gone");
  const std::string kept_case = InsertCase(*db_, kept, "stays");
  std::vector<std::string> gone_cases;
  for (const char* title : {"c1", "c2", "c3"}) gone_cases.push_back(InsertCase(*db_, gone, title));
  constexpr std::string_view kInsertRun =
      "INSERT INTO test_runs (project_id, name, created_at) VALUES ($1, $2, $3) RETURNING id";
  const std::string kept_run = Scalar(*db_, kInsertRun, {kept, "r", "t"});
  const std::string gone_run = Scalar(*db_, kInsertRun, {gone, "r", "t"});
  constexpr std::string_view kInsertResult = "INSERT INTO test_results (run_id, case_id, status) VALUES ($1, $2, $3)";
  Must(*db_, kInsertResult, {kept_run, kept_case, "passed"});
  for (const std::string& c : gone_cases) Must(*db_, kInsertResult, {gone_run, c, "failed"});
  constexpr std::string_view kInsertSync =
      "INSERT INTO tracker_syncs (project_id, run_id, status_code, response, created_at) VALUES ($1, $2, $3, $4, $5)";
  Must(*db_, kInsertSync, {gone, gone_run, "201", "{}", "t"});

  QueryResult r = Must(*db_, "DELETE FROM projects WHERE id = $1", {gone});
  EXPECT_EQ(r.affected_rows, 1);  // only the project itself counts
  EXPECT_EQ(Count(*db_, "projects"), "1");
  EXPECT_EQ(Count(*db_, "test_cases"), "1");
  EXPECT_EQ(Count(*db_, "test_runs"), "1");
  EXPECT_EQ(Count(*db_, "test_results"), "1");
  EXPECT_EQ(Count(*db_, "tracker_syncs"), "0");
  EXPECT_EQ(Scalar(*db_, "SELECT project_id FROM test_cases"), kept);

  // A result row goes with its case as well as with its run.
  Must(*db_, "DELETE FROM test_cases WHERE id = $1", {kept_case});
  EXPECT_EQ(Count(*db_, "test_results"), "0");
  EXPECT_EQ(Count(*db_, "test_runs"), "1");
}

TEST_P(DatabaseTest, TransactionCommits) {
  std::string project;
  const absl::Status status = db_->InTransaction([&](Database& tx) -> absl::Status {
    EXPECT_EQ(tx.info().system, db_->info().system);
    auto r = tx.Execute(Sql(kInsertProject), std::vector<Param>{"tx-project", "", "t"});
    if (!r.ok()) return r.status();
    project = *r->rows.at(0).at(0);
    for (const char* title : {"one", "two"}) {
      auto c = tx.Execute(Sql(kInsertCase), std::vector<Param>{project, title, "low"});
      if (!c.ok()) return c.status();
    }
    // The transaction sees its own writes.
    EXPECT_EQ(Scalar(tx, "SELECT COUNT(*) FROM test_cases WHERE project_id = $1", {project}), "2");
    // A nested InTransaction runs inside the same transaction.
    return tx.InTransaction([&](Database& inner) -> absl::Status {
      return inner.Execute(Sql(kInsertCase), std::vector<Param>{project, "three", "high"}).status();
    });
  });
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(Count(*db_, "projects"), "1");
  EXPECT_EQ(Scalar(*db_, "SELECT COUNT(*) FROM test_cases WHERE project_id = $1", {project}), "3");
}

TEST_P(DatabaseTest, TransactionRollsBackOnError) {
  InsertProject(*db_, "before");
  // The callback's error is returned, and its insert is gone.
  absl::Status status = db_->InTransaction([&](Database& tx) -> absl::Status {
    auto r = tx.Execute(Sql(kInsertProject), std::vector<Param>{"rolled-back", "", "t"});
    if (!r.ok()) return r.status();
    EXPECT_EQ(Count(tx, "projects"), "2");
    return absl::CancelledError("changed my mind");
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(MessageOf(status), "changed my mind");
  EXPECT_EQ(Count(*db_, "projects"), "1");
  EXPECT_EQ(Scalar(*db_, "SELECT COUNT(*) FROM projects WHERE name = $1", {"rolled-back"}), "0");

  // A failing statement whose error the callback returns: everything before
  // it is rolled back too.
  status = db_->InTransaction([&](Database& tx) -> absl::Status {
    auto r = tx.Execute(Sql(kInsertProject), std::vector<Param>{"first", "", "t"});
    if (!r.ok()) return r.status();
    return tx.Execute(Sql(kInsertProject), std::vector<Param>{"before", "", "t"}).status();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kAlreadyExists) << status;
  EXPECT_EQ(Scalar(*db_, "SELECT name FROM projects"), "before");

  // The connection is usable afterwards, inside and outside transactions.
  status = db_->InTransaction([&](Database& tx) { return tx.Execute(Sql(kInsertProject), std::vector<Param>{"after", "", "t"}).status(); });
  EXPECT_TRUE(status.ok()) << status;
  EXPECT_EQ(Count(*db_, "projects"), "2");
}

TEST_P(DatabaseTest, ConcurrentExecuteFromEightThreads) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 25;
  std::atomic<int> errors{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto r = Exec(*db_, kInsertProject, {StrCat("t", t, "-", i), "", "t"});
        if (!r.ok() || r->rows.size() != 1) {
          ADD_FAILURE() << r.status();
          errors.fetch_add(1);
          continue;
        }
        const std::string id = *r->rows[0][0];
        if (auto s = Exec(*db_, "SELECT name FROM projects WHERE id = $1", {id});
            !s.ok() || s->rows.size() != 1 || s->rows[0][0] != StrCat("t", t, "-", i)) {
          ADD_FAILURE() << "read back " << id << ": " << s.status();
          errors.fetch_add(1);
        }
        if (i % 5 == 0) {
          const absl::Status tx = db_->InTransaction([&](Database& d) {
            return d.Execute(Sql(kInsertCase), std::vector<Param>{id, "case", "low"}).status();
          });
          if (!tx.ok()) {
            ADD_FAILURE() << tx;
            errors.fetch_add(1);
          }
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(Count(*db_, "projects"), std::to_string(kThreads * kPerThread));
  EXPECT_EQ(Count(*db_, "test_cases"), std::to_string(kThreads * kPerThread / 5));
  if (postgres()) {
    EXPECT_LE(static_cast<PostgresDatabase&>(*db_).open_connections(), 8);
  }
}

TEST_P(DatabaseTest, AggregatesGiveTheSameValues) {
  const std::string web = InsertProject(*db_, "web");
  const std::string api = InsertProject(*db_, "api");
  InsertCase(*db_, web, "login", "high");
  InsertCase(*db_, web, "logout", "high");
  InsertCase(*db_, web, "search", "low");
  InsertCase(*db_, api, "auth", "medium");
  constexpr std::string_view kInsertSync =
      "INSERT INTO tracker_syncs (project_id, run_id, status_code, response, created_at) VALUES ($1, $2, $3, $4, $5)";
  Must(*db_, kInsertSync, {web, "1", "200", "{}", "t"});
  Must(*db_, kInsertSync, {web, "2", "201", "{}", "t"});
  Must(*db_, kInsertSync, {web, "3", "500", "{}", "t"});

  QueryResult r = Must(*db_,
                       "SELECT c.priority, COUNT(*) AS cases, SUM(LENGTH(c.title)) AS title_chars"
                       " FROM test_cases c JOIN projects p ON p.id = c.project_id WHERE p.name = $1"
                       " GROUP BY c.priority ORDER BY c.priority",
                       {"web"});
  EXPECT_EQ(r.columns, (std::vector<std::string>{"priority", "cases", "title_chars"}));
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0], (Row{"high", "2", "11"}));
  EXPECT_EQ(r.rows[1], (Row{"low", "1", "6"}));

  r = Must(*db_,
           "SELECT p.name, COUNT(s.id) AS syncs, SUM(s.status_code) AS total, MAX(s.status_code) AS worst"
           " FROM projects p LEFT JOIN tracker_syncs s ON s.project_id = p.id GROUP BY p.name ORDER BY p.name");
  ASSERT_EQ(r.rows.size(), 2u);
  EXPECT_EQ(r.rows[0], (Row{"api", "0", std::nullopt, std::nullopt}));  // SUM over nothing is NULL
  EXPECT_EQ(r.rows[1], (Row{"web", "3", "901", "500"}));

  r = Must(*db_, "SELECT COUNT(*) AS n FROM test_cases WHERE priority = $1 HAVING COUNT(*) > CAST($2 AS INTEGER)", {"high", "1"});
  ASSERT_EQ(r.rows.size(), 1u);
  EXPECT_EQ(r.rows[0][0], "2");
}

TEST_P(DatabaseTest, BadStatementIsInternal) {
  for (std::string_view text : {"SELEC name FROM projects", "SELECT nope FROM projects",
                                "SELECT * FROM no_such_table", "INSERT INTO projects (name) VALUES ($1, $2)"}) {
    absl::StatusOr<QueryResult> r = Exec(*db_, text, StartsWith(text, "INSERT") ? std::vector<Param>{"a", "b"} : std::vector<Param>{});
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInternal) << text << ": " << r.status();
    EXPECT_FALSE(r.status().message().empty());
  }
  // Inside a transaction too; the database stays usable.
  const absl::Status status = db_->InTransaction([](Database& tx) { return Exec(tx, "SELECT * FROM nothing_here").status(); });
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal) << status;
  InsertProject(*db_, "still works");
  EXPECT_EQ(Count(*db_, "projects"), "1");
}

INSTANTIATE_TEST_SUITE_P(Backends, DatabaseTest, ::testing::ValuesIn(Backends()), BackendName);

// ---- PostgreSQL only --------------------------------------------------------

// DATABASE_URL with another password.
std::string WithPassword(const std::string& url, const std::string& password) {
  const auto scheme = url.find("://");
  const auto at = url.find('@', scheme);
  const auto colon = url.find(':', scheme + 3);
  if (scheme == std::string::npos || at == std::string::npos || colon == std::string::npos || colon > at) {
    ADD_FAILURE() << "DATABASE_URL has no user:password@";
    return url;
  }
  return url.substr(0, colon + 1) + password + url.substr(at);
}

std::string PasswordOf(const std::string& url) {
  const auto scheme = url.find("://");
  const auto at = url.find('@', scheme);
  const auto colon = url.find(':', scheme + 3);
  return url.substr(colon + 1, at - colon - 1);
}

class PostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (DatabaseUrl() == nullptr) GTEST_SKIP() << "DATABASE_URL is not set (tools/with-postgres.sh sets it)";
    url_ = DatabaseUrl();
  }
  std::string url_;
};

TEST_F(PostgresTest, BadPasswordIsUnavailableAndNotInTheMessage) {
  // "%40" is '@': neither the URL's spelling nor the decoded one may leak.
  for (const std::string& password : {std::string("Wr0ng-S3cret-pw"), std::string("Wr0ng%40S3cret")}) {
    auto db = PostgresDatabase::Connect(WithPassword(url_, password));
    ASSERT_FALSE(db.ok());
    const std::string message(MessageOf(db.status()));
    EXPECT_EQ(db.status().code(), absl::StatusCode::kUnavailable) << message;
    EXPECT_EQ(message.find("Wr0ng"), std::string::npos) << message;
    EXPECT_EQ(message.find("S3cret"), std::string::npos) << message;
    EXPECT_EQ(message.find(PasswordOf(url_)), std::string::npos) << message;
    EXPECT_NE(message.find("password authentication failed"), std::string::npos) << message;
  }
}

TEST_F(PostgresTest, BothSchemesAndInfo) {
  for (const char* scheme : {"postgres://", "postgresql://"}) {
    const std::string url = scheme + url_.substr(url_.find("://") + 3);
    auto db = PostgresDatabase::Connect(url);
    ASSERT_TRUE(db.ok()) << db.status();
    const DatabaseInfo& info = (*db)->info();
    EXPECT_EQ(info.system, "postgresql");
    EXPECT_EQ(info.name, "qa_pms");
    EXPECT_EQ(info.server_address, "127.0.0.1");
    EXPECT_TRUE(url.find(StrCat(":", info.server_port, "/")) != std::string::npos) << info.server_port;
    EXPECT_EQ(Scalar(**db, "SELECT current_database()"), "qa_pms");
    EXPECT_EQ((*db)->open_connections(), 1);  // the one Connect checked the server with
  }
}

TEST_F(PostgresTest, PoolOfOneTimesOutWhileATransactionHoldsIt) {
  auto db = PostgresDatabase::Connect(url_, /*pool_size=*/1, absl::Milliseconds(300));
  ASSERT_TRUE(db.ok()) << db.status();
  PostgresDatabase& pg = **db;
  absl::Status waited;
  std::chrono::steady_clock::duration elapsed{};
  const absl::Status tx = pg.InTransaction([&](Database& t) -> absl::Status {
    std::thread other([&] {
      const auto start = std::chrono::steady_clock::now();
      waited = Exec(pg, "SELECT 1").status();
      elapsed = std::chrono::steady_clock::now() - start;
    });
    other.join();
    return Exec(t, "SELECT 1").status();
  });
  EXPECT_TRUE(tx.ok()) << tx;
  EXPECT_EQ(waited.code(), absl::StatusCode::kUnavailable) << waited;
  EXPECT_GE(elapsed, 250ms);
  EXPECT_LT(elapsed, 5s);
  EXPECT_EQ(pg.open_connections(), 1);
  // Released: the next caller gets it.
  EXPECT_EQ(Scalar(pg, "SELECT 1"), "1");
}

TEST_F(PostgresTest, WaiterGetsTheConnectionWhenReleased) {
  auto db = PostgresDatabase::Connect(url_, /*pool_size=*/1, absl::Seconds(10));
  ASSERT_TRUE(db.ok()) << db.status();
  PostgresDatabase& pg = **db;
  std::atomic<bool> in_tx{false};
  std::thread holder([&] {
    EXPECT_TRUE(pg.InTransaction([&](Database& t) {
                    in_tx = true;
                    std::this_thread::sleep_for(200ms);
                    return Exec(t, "SELECT 1").status();
                  }).ok());
  });
  while (!in_tx) std::this_thread::sleep_for(1ms);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(Scalar(pg, "SELECT 2"), "2");
  EXPECT_GE(std::chrono::steady_clock::now() - start, 100ms);
  holder.join();
  EXPECT_EQ(pg.open_connections(), 1);
}

TEST_F(PostgresTest, PoolGrowsLazilyUpToItsSize) {
  auto db = PostgresDatabase::Connect(url_, /*pool_size=*/3);
  ASSERT_TRUE(db.ok()) << db.status();
  PostgresDatabase& pg = **db;
  EXPECT_EQ(pg.open_connections(), 1);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(Scalar(pg, "SELECT 1"), "1");
  EXPECT_EQ(pg.open_connections(), 1);  // one at a time needs one
  std::vector<std::thread> threads;
  for (int t = 0; t < 6; ++t) {
    threads.emplace_back([&] { EXPECT_TRUE(Exec(pg, "SELECT pg_sleep(0.1)").ok()); });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_GE(pg.open_connections(), 2);
  EXPECT_LE(pg.open_connections(), 3);
}

TEST_F(PostgresTest, BrokenConnectionIsReplaced) {
  auto db = PostgresDatabase::Connect(url_, /*pool_size=*/1);
  auto admin = PostgresDatabase::Connect(url_, /*pool_size=*/1);
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_TRUE(admin.ok()) << admin.status();
  const std::string pid = Scalar(**db, "SELECT pg_backend_pid()");
  EXPECT_EQ(Scalar(**admin, "SELECT pg_terminate_backend($1)", {pid}), "t");
  // Wait until the backend is gone, so that its socket is closed.
  for (int i = 0; i < 500 && Scalar(**admin, "SELECT COUNT(*) FROM pg_stat_activity WHERE pid = $1", {pid}) != "0";
       ++i) {
    std::this_thread::sleep_for(10ms);
  }
  const std::string new_pid = Scalar(**db, "SELECT pg_backend_pid()");
  EXPECT_NE(new_pid, pid);
  EXPECT_TRUE(CreateSchema(**db).ok());  // and its notices still go nowhere
  EXPECT_EQ((*db)->open_connections(), 1);
}

TEST_F(PostgresTest, CommitAfterAnIgnoredFailureIsAborted) {
  auto db = PostgresDatabase::Connect(url_);
  ASSERT_TRUE(db.ok()) << db.status();
  ASSERT_TRUE(Exec(**db, kDropTables).ok());
  ASSERT_TRUE(CreateSchema(**db).ok());
  const absl::Status status = (*db)->InTransaction([](Database& tx) {
    EXPECT_TRUE(Exec(tx, kInsertProject, {"x", "", "t"}).ok());
    EXPECT_EQ(Exec(tx, kInsertProject, {"x", "", "t"}).status().code(), absl::StatusCode::kAlreadyExists);
    return absl::OkStatus();  // ignores the failure: PostgreSQL rolls back anyway
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kAborted) << status;
  EXPECT_EQ(Count(**db, "projects"), "0");
}

TEST_F(PostgresTest, UnconvertibleValueIsInternal) {
  auto db = PostgresDatabase::Connect(url_);
  ASSERT_TRUE(db.ok()) << db.status();
  // A value PostgreSQL cannot convert: an error, not a crash.
  auto r = Exec(**db, "SELECT CAST($1 AS BIGINT)", {"twelve"});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInternal) << r.status();
  EXPECT_NE(r.status().message().find("22P02"), absl::string_view::npos) << r.status();
  // More values than placeholders: the server refuses the bind (SQLSTATE
  // 08P01), which is a bug in the caller, not an outage.
  r = Exec(**db, "SELECT 1", {"extra"});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInternal) << r.status();
  // Text parameters cannot carry a NUL byte: refused before it is truncated.
  r = Exec(**db, "SELECT $1", {std::string("a\0b", 3)});
  EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument) << r.status();
  EXPECT_EQ(Scalar(**db, "SELECT 1"), "1");
}

// ---- Connect without a server ----------------------------------------------

TEST(PostgresConnectTest, RejectsOtherUrls) {
  for (const char* url : {"mysql://u:pw@host/db", "", "postgres//u:pw@host/db", "postgres://u:pw@host:99999/db",
                          "postgres://u:pw@host:port/db", "postgres://u:pw@[::1/db"}) {
    auto db = PostgresDatabase::Connect(url);
    ASSERT_FALSE(db.ok()) << url;
    EXPECT_EQ(db.status().code(), absl::StatusCode::kInvalidArgument) << url << ": " << db.status();
    EXPECT_EQ(db.status().message().find("pw"), absl::string_view::npos) << db.status();
  }
  EXPECT_EQ(PostgresDatabase::Connect("postgres://u@h/db", 0).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(PostgresConnectTest, NoServerIsUnavailable) {
  // Port 1 on loopback: nobody listens, the connection is refused at once.
  auto db = PostgresDatabase::Connect("postgresql://qa:S3cretPw@127.0.0.1:1/qa_pms?connect_timeout=5");
  ASSERT_FALSE(db.ok());
  EXPECT_EQ(db.status().code(), absl::StatusCode::kUnavailable) << db.status();
  EXPECT_EQ(db.status().message().find("S3cretPw"), absl::string_view::npos) << db.status();
  EXPECT_NE(db.status().message().find("127.0.0.1:1/qa_pms"), absl::string_view::npos) << db.status();
}

// libpq reads the URL (PQconninfoParse): percent-decoding, IPv6 brackets and
// query parameters come out as the connection itself sees them, in the
// "at host:port/db" of every message; the password never does.
TEST(PostgresConnectTest, UrlIsReadAsLibpqReadsIt) {
  const std::pair<const char*, const char*> cases[] = {
      {"postgresql://qa:S3cret%40Pw@127.0.0.1:1/qa%5Fpms?connect_timeout=5", "127.0.0.1:1/qa_pms"},
      {"postgresql://qa@/qa_pms?host=127.0.0.1&port=1&password=S3cretPw&connect_timeout=5", "127.0.0.1:1/qa_pms"},
      {"postgresql://qa:S3cretPw@[::1]:1,127.0.0.1:2/?connect_timeout=5", "::1:1/qa"},  // dbname defaults to user
  };
  for (const auto& [url, where] : cases) {
    auto db = PostgresDatabase::Connect(url);
    ASSERT_FALSE(db.ok()) << url;
    EXPECT_EQ(db.status().code(), absl::StatusCode::kUnavailable) << db.status();
    EXPECT_NE(db.status().message().find(StrCat("PostgreSQL at ", where, ":")), absl::string_view::npos)
        << db.status();
    EXPECT_EQ(db.status().message().find("S3cret"), absl::string_view::npos) << db.status();
  }
  // A malformed escape is refused before any connection, without quoting it.
  auto bad = PostgresDatabase::Connect("postgresql://qa:S3cret%zz@127.0.0.1:1/qa_pms");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument) << bad.status();
  EXPECT_EQ(bad.status().message().find("S3cret"), absl::string_view::npos) << bad.status();
}

}  // namespace
}  // namespace qtrace::db
