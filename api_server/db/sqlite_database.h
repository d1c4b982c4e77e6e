// SqliteDatabase: the embedded default. One connection in WAL mode, shared by
// all threads behind a mutex (SQLite serializes writers anyway); foreign keys
// on; statements prepared once and cached by text. "$1".."$N" placeholders
// are rewritten to SQLite's "?1".."?N".
#pragma once

#include <sqlite3.h>

#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "api_server/db/database.h"

namespace qtrace::db {

class SqliteDatabase final : public Database {
 public:
  // path: a file (its directory is created) or ":memory:".
  static absl::StatusOr<std::unique_ptr<SqliteDatabase>> Open(const std::string& path);
  ~SqliteDatabase() override;

  absl::StatusOr<QueryResult> Execute(const Statement& statement, std::span<const Param> params) override;
  absl::Status InTransaction(const std::function<absl::Status(Database& tx)>& fn) override;
  const DatabaseInfo& info() const override { return info_; }

 private:
  class Transaction;
  SqliteDatabase() = default;
  // REQUIRES: mu_ held.
  absl::StatusOr<QueryResult> ExecuteLocked(const Statement& statement, std::span<const Param> params);
  absl::Status Exec(const char* sql);

  sqlite3* db_ = nullptr;
  DatabaseInfo info_;
  std::recursive_mutex mu_;  // recursive: a transaction's queries run while it holds the lock
  std::unordered_map<std::string, sqlite3_stmt*> cache_;  // guarded by mu_
};

}  // namespace qtrace::db
