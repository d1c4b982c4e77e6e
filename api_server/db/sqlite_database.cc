#include "api_server/db/sqlite_database.h"

#include <filesystem>

#include "qtrace/sdk/common/strings.h"

namespace qtrace::db {
namespace {

// "$12" → "?12": SQLite's numbered parameters.
std::string ToSqlitePlaceholders(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c == '$') c = '?';
  }
  return out;
}

absl::Status ClassifiedError(int rc, int extended, const std::string& message) {
  if (extended == SQLITE_CONSTRAINT_UNIQUE || extended == SQLITE_CONSTRAINT_PRIMARYKEY) {
    return absl::AlreadyExistsError(message);
  }
  if (extended == SQLITE_CONSTRAINT_FOREIGNKEY) return absl::FailedPreconditionError(message);
  if (rc == SQLITE_CONSTRAINT) return absl::InvalidArgumentError(message);
  if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) return absl::UnavailableError(message);
  return absl::InternalError(message);
}

absl::Status ErrorFor(sqlite3* db, int rc, std::string_view what) {
  const int extended = sqlite3_extended_errcode(db);
  return WithResponseCode(ClassifiedError(rc, extended, StrCat(what, ": ", sqlite3_errmsg(db))),
                          std::to_string(extended));
}

}  // namespace

// The Database a transaction's callback sees: the same connection, already
// locked and inside BEGIN.
class SqliteDatabase::Transaction final : public Database {
 public:
  explicit Transaction(SqliteDatabase& owner) : owner_(owner) {}
  absl::StatusOr<QueryResult> Execute(const Statement& statement, std::span<const Param> params) override {
    return owner_.ExecuteLocked(statement, params);
  }
  absl::Status InTransaction(const std::function<absl::Status(Database& tx)>& fn) override { return fn(*this); }
  const DatabaseInfo& info() const override { return owner_.info(); }

 private:
  SqliteDatabase& owner_;
};

absl::StatusOr<std::unique_ptr<SqliteDatabase>> SqliteDatabase::Open(const std::string& path) {
  if (path != ":memory:") {
    std::error_code ec;
    const auto dir = std::filesystem::path(path).parent_path();
    if (!dir.empty()) std::filesystem::create_directories(dir, ec);
    if (ec) return absl::UnavailableError(StrCat("cannot create directory for ", path, ": ", ec.message()));
  }
  std::unique_ptr<SqliteDatabase> db(new SqliteDatabase());
  const int rc = sqlite3_open_v2(path.c_str(), &db->db_,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX, nullptr);
  if (rc != SQLITE_OK) return absl::UnavailableError(StrCat("cannot open SQLite database ", path));
  sqlite3_busy_timeout(db->db_, 5000);
  if (absl::Status s = db->Exec("PRAGMA foreign_keys = ON"); !s.ok()) return s;
  if (path != ":memory:") {
    if (absl::Status s = db->Exec("PRAGMA journal_mode = WAL"); !s.ok()) return s;
    if (absl::Status s = db->Exec("PRAGMA synchronous = NORMAL"); !s.ok()) return s;
  }
  db->info_.system = "sqlite";
  db->info_.name = path;
  return db;
}

SqliteDatabase::~SqliteDatabase() {
  for (auto& [text, stmt] : cache_) sqlite3_finalize(stmt);
  if (db_ != nullptr) sqlite3_close(db_);
}

absl::Status SqliteDatabase::Exec(const char* sql) {
  char* error = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &error) != SQLITE_OK) {
    std::string message = error ? error : "unknown error";
    sqlite3_free(error);
    return absl::InternalError(StrCat(sql, ": ", message));
  }
  return absl::OkStatus();
}

absl::StatusOr<QueryResult> SqliteDatabase::Execute(const Statement& statement, std::span<const Param> params) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  return ExecuteLocked(statement, params);
}

absl::StatusOr<QueryResult> SqliteDatabase::ExecuteLocked(const Statement& statement, std::span<const Param> params) {
  const std::string text(statement.text);
  sqlite3_stmt*& stmt = cache_[text];
  if (stmt == nullptr) {
    const std::string sql = ToSqlitePlaceholders(statement.text);
    const int rc = sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr);
    if (rc != SQLITE_OK) {
      const absl::Status status = ErrorFor(db_, rc, "prepare");
      sqlite3_finalize(stmt);
      cache_.erase(text);
      return status;
    }
  }
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  for (std::size_t i = 0; i < params.size(); ++i) {
    const int index = static_cast<int>(i + 1);
    if (params[i]) {
      sqlite3_bind_text(stmt, index, params[i]->data(), static_cast<int>(params[i]->size()), SQLITE_TRANSIENT);
    } else {
      sqlite3_bind_null(stmt, index);
    }
  }
  QueryResult result;
  const int columns = sqlite3_column_count(stmt);
  for (int c = 0; c < columns; ++c) result.columns.emplace_back(sqlite3_column_name(stmt, c));
  int rc = SQLITE_ROW;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    Row row;
    row.reserve(static_cast<std::size_t>(columns));
    for (int c = 0; c < columns; ++c) {
      if (sqlite3_column_type(stmt, c) == SQLITE_NULL) {
        row.emplace_back(std::nullopt);
      } else {
        const auto* text_value = reinterpret_cast<const char*>(sqlite3_column_text(stmt, c));
        row.emplace_back(std::string(text_value, static_cast<std::size_t>(sqlite3_column_bytes(stmt, c))));
      }
    }
    result.rows.push_back(std::move(row));
  }
  if (rc != SQLITE_DONE) {
    const absl::Status status = ErrorFor(db_, rc, StrCat(statement.operation, " ", statement.collection));
    sqlite3_reset(stmt);
    return status;
  }
  result.affected_rows = sqlite3_changes(db_);
  sqlite3_reset(stmt);
  return result;
}

absl::Status SqliteDatabase::InTransaction(const std::function<absl::Status(Database& tx)>& fn) {
  std::lock_guard<std::recursive_mutex> lock(mu_);
  if (absl::Status s = Exec("BEGIN IMMEDIATE"); !s.ok()) return s;
  Transaction tx(*this);
  absl::Status status = fn(tx);
  if (!status.ok()) {
    (void)Exec("ROLLBACK");
    return status;
  }
  if (absl::Status s = Exec("COMMIT"); !s.ok()) {
    (void)Exec("ROLLBACK");
    return s;
  }
  return absl::OkStatus();
}

}  // namespace qtrace::db
