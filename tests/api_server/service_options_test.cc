// The database URL as the service shows it (--print-config, errors): the
// password replaced wherever libpq could read one from.
#include "api_server/service/service_options.h"

#include "gtest/gtest.h"

namespace qtrace::service {
namespace {

TEST(RedactDatabaseUrlTest, PasswordInUserInfo) {
  EXPECT_EQ(RedactDatabaseUrl("postgres://qa:S3cret@db:5432/qa_pms"), "postgres://qa:REDACTED@db:5432/qa_pms");
  // A raw '@' in the password: the user info ends at the last '@'.
  EXPECT_EQ(RedactDatabaseUrl("postgresql://qa:p@ss@db/qa_pms"), "postgresql://qa:REDACTED@db/qa_pms");
  EXPECT_EQ(RedactDatabaseUrl("postgresql://qa@db/qa_pms"), "postgresql://qa@db/qa_pms");
  EXPECT_EQ(RedactDatabaseUrl("postgresql://db:5432/qa_pms"), "postgresql://db:5432/qa_pms");
}

TEST(RedactDatabaseUrlTest, PasswordAsQueryParameter) {
  EXPECT_EQ(RedactDatabaseUrl("postgresql://qa@db/qa_pms?sslmode=require&password=S3cret&connect_timeout=5"),
            "postgresql://qa@db/qa_pms?sslmode=require&password=REDACTED&connect_timeout=5");
  EXPECT_EQ(RedactDatabaseUrl("postgresql://qa@db?password=S3cret"), "postgresql://qa@db?password=REDACTED");
}

TEST(RedactDatabaseUrlTest, OtherUrlsUnchanged) {
  EXPECT_EQ(RedactDatabaseUrl("sqlite:/var/lib/qa.db"), "sqlite:/var/lib/qa.db");
}

TEST(DefaultSpoolDirTest, BesideTheSqliteFileOtherwiseNone) {
  EXPECT_EQ(DefaultSpoolDir("sqlite:./data/qa-pms.db"), "./data/spool");
  EXPECT_EQ(DefaultSpoolDir("sqlite:/var/lib/qa/qa.db"), "/var/lib/qa/spool");
  EXPECT_EQ(DefaultSpoolDir("sqlite:qa.db"), "spool");
  EXPECT_EQ(DefaultSpoolDir("sqlite:/qa.db"), "/spool");
  EXPECT_EQ(DefaultSpoolDir("sqlite::memory:"), "");
  EXPECT_EQ(DefaultSpoolDir("postgres://qa@db/qa_pms"), "");
}

}  // namespace
}  // namespace qtrace::service
