// The service's tables, created at start-up (idempotent). The DDL differs
// only where the two SQL dialects do (generated ids).
#pragma once

#include "api_server/db/database.h"

namespace qtrace::db {

// Creates the tables that do not exist yet. Not traced: it runs before the
// service takes requests.
absl::Status CreateSchema(Database& db);

}  // namespace qtrace::db
