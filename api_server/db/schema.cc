#include "api_server/db/schema.h"

#include <string>

#include "qtrace/sdk/common/strings.h"

namespace qtrace::db {

absl::Status CreateSchema(Database& db) {
  const bool postgres = db.info().system == "postgresql";
  const std::string id = postgres ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT";
  const std::string tables[] = {
      StrCat("CREATE TABLE IF NOT EXISTS projects (id ", id,
             ", name TEXT NOT NULL UNIQUE, description TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL)"),
      StrCat("CREATE TABLE IF NOT EXISTS test_cases (id ", id,
             ", project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE, title TEXT NOT NULL,"
             " steps TEXT NOT NULL DEFAULT '', expected TEXT NOT NULL DEFAULT '', priority TEXT NOT NULL DEFAULT 'medium',"
             " UNIQUE (project_id, title))"),
      StrCat("CREATE TABLE IF NOT EXISTS test_runs (id ", id,
             ", project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE, name TEXT NOT NULL,"
             " created_at TEXT NOT NULL)"),
      "CREATE TABLE IF NOT EXISTS test_results (run_id BIGINT NOT NULL REFERENCES test_runs(id) ON DELETE CASCADE,"
      " case_id BIGINT NOT NULL REFERENCES test_cases(id) ON DELETE CASCADE, status TEXT NOT NULL DEFAULT 'untested',"
      " note TEXT NOT NULL DEFAULT '', PRIMARY KEY (run_id, case_id))",
      StrCat("CREATE TABLE IF NOT EXISTS tracker_syncs (id ", id,
             ", project_id BIGINT NOT NULL REFERENCES projects(id) ON DELETE CASCADE, run_id BIGINT NOT NULL,"
             " status_code INTEGER NOT NULL, response TEXT NOT NULL, created_at TEXT NOT NULL)"),
  };
  for (const std::string& ddl : tables) {
    const Statement statement{ddl, "CREATE", "schema"};
    if (auto r = db.Execute(statement, {}); !r.ok()) return r.status();
  }
  return absl::OkStatus();
}

}  // namespace qtrace::db
