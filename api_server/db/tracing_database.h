// TracingDatabase: wraps any Database so that every query is a CLIENT span,
// a child of whatever span is current (the request's server span):
//
//   name                 "{db.operation.name} {db.collection.name}"  (e.g. "SELECT projects")
//   db.system.name       sqlite | postgresql
//   db.namespace         the database
//   db.collection.name, db.operation.name
//   db.query.text        the parameterized text: values never appear
//   server.address/port  PostgreSQL only
//   db.response.returned_rows
//   error.type + error status when the query fails
//
// Queries inside InTransaction are traced the same way (under the same parent).
// It also feeds the query counters of /metrics (QueryObserver).
#pragma once

#include <functional>
#include <memory>

#include "api_server/db/database.h"
#include "qtrace/sdk/tracer.h"

namespace qtrace::db {

// Told about every query: operation, collection, seconds, ok. For metrics.
using QueryObserver = std::function<void(std::string_view operation, std::string_view collection, double seconds, bool ok)>;

class TracingDatabase final : public Database {
 public:
  // REQUIRES: inner and tracer outlive this object, and inner's info() and
  // the text of the statements it runs outlive every request that ran a
  // query through it (a request recorded only in case it fails reads them
  // when it does: Span::SetAttributesWhenKept).
  TracingDatabase(Database& inner, const Tracer& tracer, QueryObserver observer = nullptr)
      : inner_(inner), tracer_(tracer), observer_(std::move(observer)) {}

  absl::StatusOr<QueryResult> Execute(const Statement& statement, std::span<const Param> params) override;
  absl::Status InTransaction(const std::function<absl::Status(Database& tx)>& fn) override;
  const DatabaseInfo& info() const override { return inner_.info(); }

 private:
  Database& inner_;
  const Tracer& tracer_;
  QueryObserver observer_;
};

}  // namespace qtrace::db
