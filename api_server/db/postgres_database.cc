#include "api_server/db/postgres_database.h"

#include <libpq-fe.h>

#include <algorithm>
#include <chrono>
#include <string_view>
#include <utility>

#include "qtrace/sdk/common/strings.h"

namespace qtrace::db {
namespace {

struct ResultDeleter {
  void operator()(PGresult* result) const { PQclear(result); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

// What Connect needs to know about the URL: the parts info() reports and the
// password to keep out of every message.
struct UrlParts {
  std::string user;
  std::string host;
  int port = 5432;
  std::string dbname;
  std::vector<std::string> secrets;  // the password
};

struct ConninfoDeleter {
  void operator()(PQconninfoOption* options) const { PQconninfoFree(options); }
};

// The first of a comma-separated list (libpq takes several hosts and ports;
// info() reports the first).
std::string_view FirstOfList(const char* list) {
  if (list == nullptr) return {};
  const std::string_view all(list);
  return all.substr(0, all.find(','));
}

// The URL's parts, read by libpq itself (PQconninfoParse): the same
// percent-decoding, IPv6 brackets and query parameters as the connection
// uses. Never quotes the URL or libpq's parse message in an error: either
// may hold the password.
absl::StatusOr<UrlParts> ParseUrl(const std::string& url) {
  if (!StartsWith(url, "postgresql://") && !StartsWith(url, "postgres://")) {
    return absl::InvalidArgumentError("the PostgreSQL URL must start with postgres:// or postgresql://");
  }
  char* error = nullptr;
  std::unique_ptr<PQconninfoOption, ConninfoDeleter> options(PQconninfoParse(url.c_str(), &error));
  if (options == nullptr) {
    PQfreemem(error);
    return absl::InvalidArgumentError("the PostgreSQL URL is malformed (libpq cannot parse it)");
  }
  UrlParts parts;
  std::string_view port;
  for (const PQconninfoOption* option = options.get(); option->keyword != nullptr; ++option) {
    if (option->val == nullptr) continue;
    const std::string_view keyword(option->keyword);
    if (keyword == "user") parts.user = option->val;
    if (keyword == "host") parts.host = FirstOfList(option->val);
    if (keyword == "port") port = FirstOfList(option->val);
    if (keyword == "dbname") parts.dbname = option->val;
    if (keyword == "password" && *option->val != '\0') parts.secrets.emplace_back(option->val);
  }
  if (!port.empty()) {
    std::int64_t number = 0;
    if (!ParseInt64(port, &number) || number < 1 || number > 65535) {
      return absl::InvalidArgumentError("the PostgreSQL URL has an invalid port");
    }
    parts.port = static_cast<int>(number);
  }
  if (parts.host.empty()) parts.host = "localhost";
  if (parts.dbname.empty()) parts.dbname = parts.user;  // libpq's default
  return parts;
}

// One line, no trailing newline: libpq's messages end in "\n" and may span
// lines.
std::string OneLine(std::string_view message) {
  std::string out;
  out.reserve(message.size());
  for (char c : Trim(message)) {
    if (c == '\n' || c == '\r' || c == '\t') {
      if (!out.empty() && out.back() != ' ') out.push_back(' ');
    } else {
      out.push_back(c);
    }
  }
  return out;
}

// The Database contract's error codes from the SQLSTATE. The message is the
// server's primary message only: its DETAIL quotes the offending values.
absl::Status ClassifiedError(PGconn* conn, std::string_view code, std::string message) {
  if (code == "23505") return absl::AlreadyExistsError(message);
  if (code == "23503") return absl::FailedPreconditionError(message);
  if (StartsWith(code, "23")) return absl::InvalidArgumentError(message);
  // 08: connection exception (but 08P01, a protocol violation, is what the
  // server says to a wrong number of parameters: our bug, not an outage);
  // 57P01..03: the server is shutting down or starting; no SQLSTATE and a
  // dead connection: libpq lost the server.
  if ((StartsWith(code, "08") && code != "08P01") || code == "57P01" || code == "57P02" || code == "57P03" ||
      (code.empty() && PQstatus(conn) != CONNECTION_OK)) {
    return absl::UnavailableError(message);
  }
  return absl::InternalError(message);
}

absl::Status ErrorFor(PGconn* conn, const PGresult* result, std::string_view what) {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  const char* primary = result != nullptr ? PQresultErrorField(result, PG_DIAG_MESSAGE_PRIMARY) : nullptr;
  const std::string_view code = state != nullptr ? state : "";
  std::string message;
  if (primary != nullptr) {
    message = OneLine(primary);
  } else if (result != nullptr && *PQresultErrorMessage(result) != '\0') {
    message = OneLine(PQresultErrorMessage(result));
  } else {
    message = OneLine(PQerrorMessage(conn));
  }
  if (message.empty()) message = "unknown error";
  message = code.empty() ? StrCat(what, ": ", message) : StrCat(what, ": ", message, " (SQLSTATE ", code, ")");

  return WithResponseCode(ClassifiedError(conn, code, std::move(message)), code);
}

// Set by OnNotice when the server announced, outside any statement, that it
// is closing the connection. Per thread: libpq calls the receiver from inside
// the call that parses the message, on the calling thread.
thread_local bool fatal_notice = false;

// Notices go nowhere (libpq's default prints them to stderr, e.g. "relation
// already exists, skipping"), except that a FATAL one marks the connection as
// doomed: that is how an ErrorResponse sent to an idle connection (backend
// terminated, server shutting down) reaches the application.
void OnNotice(void* /*arg*/, const PGresult* notice) {
  const char* severity = PQresultErrorField(notice, PG_DIAG_SEVERITY_NONLOCALIZED);
  if (severity != nullptr && (std::string_view(severity) == "FATAL" || std::string_view(severity) == "PANIC")) {
    fatal_notice = true;
  }
}

// Whether a connection that sat idle in the pool can still be used, checked
// without a round trip: reads (non-blocking) and parses whatever the server
// sent meanwhile. A server that closed the connection (restart, idle timeout,
// terminated backend) left its last FATAL message and/or EOF on the socket.
bool StillConnected(PGconn* conn) {
  fatal_notice = false;
  if (PQstatus(conn) != CONNECTION_OK) return false;
  if (PQconsumeInput(conn) == 0) return false;
  (void)PQisBusy(conn);  // parses the input: a FATAL notice reaches OnNotice
  return !fatal_notice && PQstatus(conn) == CONNECTION_OK;
}

}  // namespace

void PostgresDatabase::ConnDeleter::operator()(pg_conn* conn) const { PQfinish(conn); }

// A connection lent to one Execute or InTransaction; back to the pool at the
// end of the scope, whatever happens.
class PostgresDatabase::Lease {
 public:
  Lease(PostgresDatabase& owner, ConnPtr conn) : owner_(owner), conn_(std::move(conn)) {}
  ~Lease() { owner_.Release(std::move(conn_)); }
  Lease(const Lease&) = delete;
  Lease& operator=(const Lease&) = delete;
  PGconn* get() const { return conn_.get(); }

 private:
  PostgresDatabase& owner_;
  ConnPtr conn_;
};

// The Database a transaction's callback sees: the connection that ran BEGIN.
class PostgresDatabase::Transaction final : public Database {
 public:
  Transaction(const PostgresDatabase& owner, PGconn* conn) : owner_(owner), conn_(conn) {}
  absl::StatusOr<QueryResult> Execute(const Statement& statement, std::span<const Param> params) override {
    return owner_.Run(conn_, statement, params);
  }
  absl::Status InTransaction(const std::function<absl::Status(Database& tx)>& fn) override { return fn(*this); }
  const DatabaseInfo& info() const override { return owner_.info(); }

 private:
  const PostgresDatabase& owner_;
  PGconn* conn_;
};

absl::StatusOr<std::unique_ptr<PostgresDatabase>> PostgresDatabase::Connect(const std::string& url, int pool_size,
                                                                             absl::Duration acquire_timeout) {
  if (pool_size < 1) return absl::InvalidArgumentError("the PostgreSQL pool needs at least one connection");
  absl::StatusOr<UrlParts> parts = ParseUrl(url);
  if (!parts.ok()) return parts.status();
  std::unique_ptr<PostgresDatabase> db(new PostgresDatabase());
  db->url_ = url;
  db->secrets_ = std::move(parts->secrets);
  db->info_.system = "postgresql";
  db->info_.name = parts->dbname;
  db->info_.server_address = parts->host;
  db->info_.server_port = parts->port;
  db->pool_size_ = pool_size;
  // InfiniteDuration would overflow the steady_clock deadline: a century is
  // forever enough.
  db->acquire_timeout_ = std::clamp(acquire_timeout, absl::ZeroDuration(), absl::Hours(24 * 365 * 100));
  // The first connection now: a wrong address or password shows at start-up.
  absl::StatusOr<ConnPtr> first = db->Open();
  if (!first.ok()) return first.status();
  db->idle_.push_back(std::move(*first));
  db->open_ = 1;
  return db;
}

PostgresDatabase::~PostgresDatabase() = default;

int PostgresDatabase::open_connections() const {
  std::lock_guard<std::mutex> lock(mu_);
  return open_;
}

absl::Status PostgresDatabase::Scrub(const absl::Status& status) const {
  absl::Status out(status.code(), Scrub(std::string(MessageOf(status))));
  if (std::optional<std::string> code = ResponseCodeOf(status)) out = WithResponseCode(std::move(out), *code);
  return out;
}

std::string PostgresDatabase::Scrub(std::string message) const {
  for (const std::string& secret : secrets_) {
    for (auto at = message.find(secret); at != std::string::npos; at = message.find(secret, at + 3)) {
      message.replace(at, secret.size(), "***");
    }
  }
  return message;
}

absl::StatusOr<PostgresDatabase::ConnPtr> PostgresDatabase::Open() const {
  // The URL as libpq's dbname (expanded); connect_timeout comes first so that
  // the URL's own wins.
  const char* const keywords[] = {"connect_timeout", "dbname", nullptr};
  const char* const values[] = {"10", url_.c_str(), nullptr};
  ConnPtr conn(PQconnectdbParams(keywords, values, /*expand_dbname=*/1));
  const std::string where = StrCat(info_.server_address, ":", info_.server_port, "/", info_.name);
  if (conn == nullptr) return absl::UnavailableError(StrCat("cannot connect to PostgreSQL at ", where, ": out of memory"));
  if (PQstatus(conn.get()) != CONNECTION_OK) {
    return absl::UnavailableError(
        Scrub(StrCat("cannot connect to PostgreSQL at ", where, ": ", OneLine(PQerrorMessage(conn.get())))));
  }
  PQsetNoticeReceiver(conn.get(), OnNotice, nullptr);
  return conn;
}

absl::StatusOr<PostgresDatabase::ConnPtr> PostgresDatabase::Acquire() {
  const auto deadline = std::chrono::steady_clock::now() + absl::ToChronoNanoseconds(acquire_timeout_);
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (!idle_.empty()) {
      ConnPtr conn = std::move(idle_.back());
      idle_.pop_back();
      lock.unlock();
      // A broken connection is reset: PQreset reconnects with the same
      // parameters (and keeps the notice receiver).
      if (!StillConnected(conn.get())) PQreset(conn.get());
      if (PQstatus(conn.get()) == CONNECTION_OK) return conn;
      absl::Status status = absl::UnavailableError(Scrub(StrCat("cannot reconnect to PostgreSQL at ",
                                                                info_.server_address, ":", info_.server_port, "/",
                                                                info_.name, ": ", OneLine(PQerrorMessage(conn.get())))));
      conn.reset();
      lock.lock();
      --open_;
      released_.notify_one();
      return status;
    }
    if (open_ < pool_size_) {
      ++open_;
      lock.unlock();
      absl::StatusOr<ConnPtr> conn = Open();
      if (!conn.ok()) {
        lock.lock();
        --open_;
        released_.notify_one();
      }
      return conn;
    }
    if (released_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() && open_ >= pool_size_) {
      return absl::UnavailableError(StrCat("no free PostgreSQL connection within ",
                                           absl::FormatDuration(acquire_timeout_), " (pool of ", pool_size_, ")"));
    }
  }
}

void PostgresDatabase::Release(ConnPtr conn) {
  // A connection left inside a transaction (the callback threw) or in COPY
  // mode, or a dead one, is closed rather than lent again.
  const bool reusable = conn != nullptr && PQstatus(conn.get()) == CONNECTION_OK &&
                        PQtransactionStatus(conn.get()) == PQTRANS_IDLE;
  ConnPtr closing;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (reusable) {
      idle_.push_back(std::move(conn));
    } else {
      closing = std::move(conn);
      --open_;
    }
  }
  released_.notify_one();
  // closing's PQfinish runs here, outside the lock.
}

absl::StatusOr<QueryResult> PostgresDatabase::Execute(const Statement& statement, std::span<const Param> params) {
  absl::StatusOr<ConnPtr> conn = Acquire();
  if (!conn.ok()) return conn.status();
  Lease lease(*this, std::move(*conn));
  return Run(lease.get(), statement, params);
}

absl::StatusOr<QueryResult> PostgresDatabase::Run(PGconn* conn, const Statement& statement,
                                                  std::span<const Param> params) const {
  const auto what = [&statement] { return StrCat(statement.operation, " ", statement.collection); };
  std::vector<const char*> values(params.size());
  for (std::size_t i = 0; i < params.size(); ++i) {
    if (!params[i]) continue;  // nullptr: SQL NULL
    if (params[i]->find('\0') != std::string::npos) {
      return absl::InvalidArgumentError(StrCat(what(), ": parameter $", i + 1, " contains a NUL byte"));
    }
    values[i] = params[i]->c_str();
  }
  const std::string text(statement.text);
  ResultPtr result(PQexecParams(conn, text.c_str(), static_cast<int>(params.size()), /*paramTypes=*/nullptr,
                                values.data(), /*paramLengths=*/nullptr, /*paramFormats=*/nullptr,
                                /*resultFormat=text*/ 0));
  const ExecStatusType status = result != nullptr ? PQresultStatus(result.get()) : PGRES_FATAL_ERROR;
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY) {
    if (status == PGRES_COPY_IN || status == PGRES_COPY_OUT || status == PGRES_COPY_BOTH) {
      return absl::InternalError(StrCat(what(), ": COPY is not supported"));  // Release closes the connection
    }
    return Scrub(ErrorFor(conn, result.get(), what()));
  }
  QueryResult out;
  const int columns = PQnfields(result.get());
  const int rows = PQntuples(result.get());
  out.columns.reserve(static_cast<std::size_t>(columns));
  for (int c = 0; c < columns; ++c) out.columns.emplace_back(PQfname(result.get(), c));
  out.rows.reserve(static_cast<std::size_t>(rows));
  for (int r = 0; r < rows; ++r) {
    Row row;
    row.reserve(static_cast<std::size_t>(columns));
    for (int c = 0; c < columns; ++c) {
      if (PQgetisnull(result.get(), r, c)) {
        row.emplace_back(std::nullopt);
      } else {
        row.emplace_back(std::string(PQgetvalue(result.get(), r, c),
                                     static_cast<std::size_t>(PQgetlength(result.get(), r, c))));
      }
    }
    out.rows.push_back(std::move(row));
  }
  std::int64_t affected = 0;
  if (ParseInt64(PQcmdTuples(result.get()), &affected)) out.affected_rows = affected;
  return out;
}

absl::StatusOr<std::string> PostgresDatabase::Command(PGconn* conn, const char* sql) const {
  ResultPtr result(PQexec(conn, sql));
  if (result == nullptr || PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
    return Scrub(ErrorFor(conn, result.get(), sql));
  }
  return std::string(PQcmdStatus(result.get()));
}

absl::Status PostgresDatabase::InTransaction(const std::function<absl::Status(Database& tx)>& fn) {
  absl::StatusOr<ConnPtr> conn = Acquire();
  if (!conn.ok()) return conn.status();
  Lease lease(*this, std::move(*conn));
  if (absl::StatusOr<std::string> begun = Command(lease.get(), "BEGIN"); !begun.ok()) return begun.status();
  Transaction tx(*this, lease.get());
  absl::Status status = fn(tx);
  if (!status.ok()) {
    (void)Command(lease.get(), "ROLLBACK");
    return status;
  }
  absl::StatusOr<std::string> committed = Command(lease.get(), "COMMIT");
  if (!committed.ok()) {
    if (PQtransactionStatus(lease.get()) != PQTRANS_IDLE) (void)Command(lease.get(), "ROLLBACK");
    return committed.status();
  }
  // COMMIT of a transaction in which a statement failed rolls back instead.
  if (*committed != "COMMIT") {
    return absl::AbortedError("COMMIT: a statement in the transaction failed, so PostgreSQL rolled it back");
  }
  return absl::OkStatus();
}

}  // namespace qtrace::db
