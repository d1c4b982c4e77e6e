// PostgresDatabase: PostgreSQL through libpq. A pool of connections, opened
// lazily up to pool_size; every Execute borrows one for the statement, every
// InTransaction holds one for the whole callback. Statements go through
// PQexecParams with text parameters ($1.. placeholders as given), rows come
// back as text.
//
// Errors (the Database contract): SQLSTATE 23505 → AlreadyExists, 23503 →
// FailedPrecondition, other 23xxx → InvalidArgument, 08xxx (but 08P01, the
// server's answer to a wrong number of parameters) / 57P01-03 / a lost or
// refused connection / no free connection within acquire_timeout →
// Unavailable, anything else → Internal. No message ever contains the
// password; error messages carry only the server's primary message (not its
// DETAIL, which would quote the row's values).
//
// Thread-safe: a connection is used by one thread at a time.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "api_server/db/database.h"

// libpq's connection handle (libpq-fe.h: typedef struct pg_conn PGconn), so
// that this header does not pull libpq's headers into every user.
struct pg_conn;

namespace qtrace::db {

class PostgresDatabase final : public Database {
 public:
  // url: postgres://user:password@host:port/dbname?sslmode=... (or
  // postgresql://), handed to libpq as is. Opens the first connection now, so
  // a wrong address or password fails here (Unavailable); an URL that is not
  // one gives InvalidArgument. pool_size >= 1 connections at most; a caller
  // that finds them all busy waits up to acquire_timeout, then gets
  // Unavailable.
  static absl::StatusOr<std::unique_ptr<PostgresDatabase>> Connect(const std::string& url, int pool_size = 8,
                                                                   absl::Duration acquire_timeout = absl::Seconds(5));
  ~PostgresDatabase() override;

  PostgresDatabase(const PostgresDatabase&) = delete;
  PostgresDatabase& operator=(const PostgresDatabase&) = delete;

  absl::StatusOr<QueryResult> Execute(const Statement& statement, std::span<const Param> params) override;
  // BEGIN, fn, then COMMIT when fn returns OK or ROLLBACK otherwise. A
  // statement that fails inside aborts a PostgreSQL transaction: when fn
  // ignored such an error and returned OK, COMMIT rolls back and this returns
  // Aborted.
  // Nested InTransaction calls on fn's Database run inside the same
  // transaction, as with SQLite. fn's Database is one connection: for fn's
  // thread only, and only until fn returns.
  absl::Status InTransaction(const std::function<absl::Status(Database& tx)>& fn) override;
  const DatabaseInfo& info() const override { return info_; }

  // Connections open now (idle and in use), for tests and metrics.
  int open_connections() const;

 private:
  struct ConnDeleter {
    void operator()(pg_conn* conn) const;
  };
  using ConnPtr = std::unique_ptr<pg_conn, ConnDeleter>;
  class Lease;
  class Transaction;

  PostgresDatabase() = default;

  // A connection for the caller alone: an idle one (checked, reset when
  // broken), a new one while fewer than pool_size are open, or the next one
  // released within acquire_timeout.
  absl::StatusOr<ConnPtr> Acquire();
  // Back to the pool, or closed when broken or left inside a transaction.
  void Release(ConnPtr conn);
  absl::StatusOr<ConnPtr> Open() const;
  absl::StatusOr<QueryResult> Run(pg_conn* conn, const Statement& statement, std::span<const Param> params) const;
  // Runs BEGIN/COMMIT/ROLLBACK; returns the command tag ("COMMIT", or
  // "ROLLBACK" when COMMIT found an aborted transaction).
  absl::StatusOr<std::string> Command(pg_conn* conn, const char* sql) const;
  // The message with every occurrence of the password masked.
  std::string Scrub(std::string message) const;
  absl::Status Scrub(const absl::Status& status) const;

  std::string url_;
  std::vector<std::string> secrets_;  // the password as written and decoded
  DatabaseInfo info_;
  int pool_size_ = 8;
  absl::Duration acquire_timeout_ = absl::Seconds(5);

  mutable std::mutex mu_;
  std::condition_variable released_;
  std::vector<ConnPtr> idle_;  // guarded by mu_
  int open_ = 0;               // guarded by mu_: idle, lent and being opened
};

}  // namespace qtrace::db
