#include "api_server/db/tracing_database.h"

#include "qtrace/sdk/clock.h"
#include "qtrace/sdk/common/strings.h"

namespace qtrace::db {
namespace {

// The error.type of a failed query: a short, low-cardinality name.
std::string_view ErrorType(const absl::Status& status) {
  switch (status.code()) {
    case absl::StatusCode::kAlreadyExists: return "unique_violation";
    case absl::StatusCode::kFailedPrecondition: return "foreign_key_violation";
    case absl::StatusCode::kInvalidArgument: return "constraint_violation";
    case absl::StatusCode::kUnavailable: return "unavailable";
    default: return "internal";
  }
}

// "{operation} {collection}", built in a buffer of the calling thread (the
// span copies the name).
std::string_view SpanName(const Statement& statement) {
  thread_local std::string name;
  name.assign(statement.operation).append(" ").append(statement.collection);
  return name;
}

// What a query span's attributes are read from. A span recorded only in
// case its request fails holds a copy until it is kept: the statement's
// views are constants (database.h) and the info lives as long as the
// database, so both outlast the request.
struct QueryAttributes {
  const DatabaseInfo* info;
  Statement statement;
  std::int64_t returned_rows;  // -1: the query failed
};

void SetQueryAttributes(AttributeList& attributes, const QueryAttributes& query) {
  const DatabaseInfo& info = *query.info;
  const Statement& statement = query.statement;
  attributes.Set("db.system.name", info.system);
  attributes.Set("db.namespace", info.name);
  // A statement on no table (the health ping) claims no collection.
  if (!statement.collection.empty()) attributes.Set("db.collection.name", statement.collection);
  attributes.Set("db.operation.name", statement.operation);
  attributes.Set("db.query.text", statement.text);
  if (!info.server_address.empty()) {
    attributes.Set("server.address", info.server_address);
    attributes.Set("server.port", info.server_port);
  }
  if (query.returned_rows >= 0) attributes.Set("db.response.returned_rows", query.returned_rows);
}

absl::StatusOr<QueryResult> TracedExecute(Database& target, const Tracer& tracer, const QueryObserver& observer,
                                          const Statement& statement, std::span<const Param> params) {
  // A statement on no table (the health ping) is named by its operation.
  Span span = tracer.StartSpan(
      statement.collection.empty() ? statement.operation : std::string_view(SpanName(statement)), SpanKind::kClient);
  const std::int64_t start = MonotonicNanos();
  absl::StatusOr<QueryResult> result = target.Execute(statement, params);
  const double seconds = static_cast<double>(MonotonicNanos() - start) / 1e9;
  if (observer) observer(statement.operation, statement.collection, seconds, result.ok());
  if (span.IsRecording()) {
    const std::int64_t rows = result.ok() ? static_cast<std::int64_t>(result->rows.size()) : -1;
    span.SetAttributesWhenKept(&SetQueryAttributes, QueryAttributes{&target.info(), statement, rows});
  }
  if (!result.ok()) {
    // error.type matches db.response.status_code when the backend gave one.
    if (const std::optional<std::string> code = ResponseCodeOf(result.status())) {
      span.SetAttribute("db.response.status_code", *code).SetAttribute("error.type", *code);
    } else {
      span.SetAttribute("error.type", ErrorType(result.status()));
    }
    span.SetStatus(StatusCode::kError, MessageOf(result.status()));
  }
  return result;
}

// The transaction's connection, traced like the outer database.
class TracedTransaction final : public Database {
 public:
  TracedTransaction(Database& tx, const Tracer& tracer, const QueryObserver& observer)
      : tx_(tx), tracer_(tracer), observer_(observer) {}
  absl::StatusOr<QueryResult> Execute(const Statement& statement, std::span<const Param> params) override {
    return TracedExecute(tx_, tracer_, observer_, statement, params);
  }
  absl::Status InTransaction(const std::function<absl::Status(Database& tx)>& fn) override { return fn(*this); }
  const DatabaseInfo& info() const override { return tx_.info(); }

 private:
  Database& tx_;
  const Tracer& tracer_;
  const QueryObserver& observer_;
};

}  // namespace

absl::StatusOr<QueryResult> TracingDatabase::Execute(const Statement& statement, std::span<const Param> params) {
  return TracedExecute(inner_, tracer_, observer_, statement, params);
}

absl::Status TracingDatabase::InTransaction(const std::function<absl::Status(Database& tx)>& fn) {
  return inner_.InTransaction([&](Database& tx) {
    TracedTransaction traced(tx, tracer_, observer_);
    return fn(traced);
  });
}

}  // namespace qtrace::db
