// Database: the one interface the service's data access goes through. Two
// implementations (SQLite, the embedded default; PostgreSQL through libpq)
// behave the same, and one decorator (TracingDatabase) makes every query a
// CLIENT span whatever the backend.
//
// Statements are parameterized only: the text uses $1, $2, ... placeholders
// and values travel separately, so no literal value ever appears in the text
// (which is also what the spans record as db.query.text).
//
// Thread safety: implementations may be called from many threads at once.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace qtrace::db {

// A statement and what it does, for the span: "SELECT" on "projects".
// Instances are static constants next to the code that runs them; text
// built at run time must at least outlast the request that runs it (the
// span of a request recorded only in case it fails reads it when it does:
// Span::SetAttributesWhenKept).
struct Statement {
  std::string_view text;        // with $1.. placeholders
  std::string_view operation;   // db.operation.name: SELECT, INSERT, UPDATE, DELETE
  std::string_view collection;  // db.collection.name: the main table
};

using Param = std::optional<std::string>;  // text value, or SQL NULL
using Row = std::vector<std::optional<std::string>>;

struct QueryResult {
  std::vector<std::string> columns;
  std::vector<Row> rows;
  std::int64_t affected_rows = 0;  // for INSERT/UPDATE/DELETE
};

// What the tracing decorator records about the backend.
struct DatabaseInfo {
  std::string system;     // db.system.name: "sqlite" or "postgresql"
  std::string name;       // db.namespace: database name or file
  std::string server_address;  // PostgreSQL only
  int server_port = 0;         // PostgreSQL only
};

// A failed statement carries the backend's own code as a payload of its
// status: the SQLSTATE for PostgreSQL ("23505"), the extended result code
// for SQLite ("2067"). The span records it as db.response.status_code.
absl::Status WithResponseCode(absl::Status status, std::string_view code);
// The code WithResponseCode attached; nullopt when there is none.
std::optional<std::string> ResponseCodeOf(const absl::Status& status);

class Database {
 public:
  virtual ~Database() = default;

  // Runs one statement. Errors: AlreadyExists for a unique-constraint
  // violation, FailedPrecondition for a foreign-key violation, Unavailable
  // when the server cannot be reached, Internal otherwise.
  virtual absl::StatusOr<QueryResult> Execute(const Statement& statement, std::span<const Param> params) = 0;

  // Runs fn in one transaction on one connection (fn's Database is that
  // connection). Commits when fn returns OK, rolls back otherwise, and
  // returns fn's status.
  virtual absl::Status InTransaction(const std::function<absl::Status(Database& tx)>& fn) = 0;

  // Valid as long as the database; a transaction's is its database's (the
  // tracing decorator reads it when a request it served fails).
  virtual const DatabaseInfo& info() const = 0;
};

}  // namespace qtrace::db
