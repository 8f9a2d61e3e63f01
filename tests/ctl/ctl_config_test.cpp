// reconcilerctl's view of the configuration: every secret, the cluster's database password
// included, is replaced before validation, so reconcilerctl works for users who cannot read
// the daemon's secret files and never shows a secret.
#include "daemon/ctl/ctl_config.hpp"

#include <boost/test/unit_test.hpp>
#include <sstream>

#include "daemon/ctl/ctl.hpp"
#include "tests/support/temp_dir.hpp"

using reconcilerd::test::write_file;

namespace {

std::string config_text(const std::string& spool, const std::string& password_line) {
  return "spool_dir: " + spool +
         "\n"
         "backends:\n"
         "  erp:\n"
         "    type: simetri\n"
         "    base_url: https://erp.example.id:8443/odoo\n"
         "    token_file: /nonexistent/erp-token\n"
         "cluster:\n"
         "  database: \"host=db.example.id dbname=reconcilerd sslmode=verify-full\"\n"
         "  node: web-1\n"
         "  lease: 10s\n" +
         password_line;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ctl_config)

BOOST_AUTO_TEST_CASE(the_cluster_password_is_redacted_in_every_form) {
  reconcilerd::test::temp_dir dir;
  const std::string spool = (dir / "spool").string();
  for (const std::string line : {"  database_password_file: /nonexistent/db-password\n",
                                 "  database_password_credential: db-password\n",
                                 "  database_password: \"pg-s3cr3t-inline\"\n"}) {
    BOOST_TEST_CONTEXT(line) {
      write_file(dir / "reconcilerd.yaml", config_text(spool, line));
      auto loaded = reconcilerd::ctl::load_config_redacted((dir / "reconcilerd.yaml").string());
      BOOST_TEST(loaded.errors.empty(), (loaded.errors.empty() ? "" : loaded.errors.front()));
      BOOST_REQUIRE(loaded.value.has_value());
      BOOST_REQUIRE(loaded.value->cluster.has_value());
      BOOST_TEST(loaded.value->cluster->password == reconcilerd::ctl::redacted_secret);
      BOOST_TEST(loaded.value->cluster->node == "web-1");
      BOOST_TEST(loaded.value->cluster->lease.count() == 10000);
      // Unchanged for the daemon: a plain load still refuses the unreadable file.
      if (line.find("_file") != std::string::npos)
        BOOST_TEST(!reconcilerd::config::load_file((dir / "reconcilerd.yaml").string(), "")
                        .errors.empty());
    }
  }
}

BOOST_AUTO_TEST_CASE(reconcilerctl_check_never_shows_the_cluster_password) {
  reconcilerd::test::temp_dir dir;
  write_file(dir / "reconcilerd.yaml",
             config_text((dir / "spool").string(), "  database_password: \"pg-s3cr3t-inline\"\n"));
  write_file(dir / "job.json", R"({"backend":"erp","invoice_id":7,"update":{"urgent":true}})");
  std::ostringstream out, err;
  const int rc = reconcilerd::ctl::run(
      {"--config", (dir / "reconcilerd.yaml").string(), "check", (dir / "job.json").string()}, out,
      err, std::chrono::system_clock::now());
  BOOST_TEST(rc == 0, err.str());
  BOOST_TEST(out.str().find("pg-s3cr3t-inline") == std::string::npos);
  BOOST_TEST(err.str().find("pg-s3cr3t-inline") == std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
