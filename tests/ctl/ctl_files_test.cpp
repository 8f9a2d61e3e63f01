// reconcilerctl submit, resume, check and render: exact outputs and the files they leave
// (or do not leave) in a temp spool. Nothing is sent anywhere.
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <sstream>

#include "daemon/ctl/ctl.hpp"
#include "tests/support/temp_dir.hpp"

namespace fs = std::filesystem;
using reconcilerd::test::read_file;
using reconcilerd::test::write_file;

namespace {

struct result {
  int rc;
  std::string out, err;
};

struct ctl_env {
  reconcilerd::test::temp_dir dir;
  std::string config = (dir / "reconcilerd.yaml").string();
  fs::path root = dir / "spool";

  ctl_env() {
    write_file(dir / "reconcilerd.yaml", "spool_dir: " + root.string() +
                                             "\n"
                                             "backends:\n"
                                             "  erp:\n"
                                             "    type: simetri\n"
                                             "    base_url: https://erp.example.id:8443/odoo\n"
                                             "    token: s3cr3t-inline-token\n");
    for (const char* d : {"tmp", "incoming", "control"}) fs::create_directories(root / d);
  }
  result run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--config", config});
    std::ostringstream out, err;
    int rc = reconcilerd::ctl::run(args, out, err, std::chrono::system_clock::now());
    return {rc, out.str(), err.str()};
  }
  std::vector<std::string> names(const char* sub) {
    std::vector<std::string> v;
    for (auto& e : fs::directory_iterator(root / sub)) v.push_back(e.path().filename().string());
    std::sort(v.begin(), v.end());
    return v;
  }
};

const std::string good = R"({"backend":"erp","invoice_id":7,"update":{"urgent":true}})";

}  // namespace

BOOST_AUTO_TEST_SUITE(ctl_files)

BOOST_AUTO_TEST_CASE(submit_drops_files_safely) {
  ctl_env env;
  write_file(env.dir / "out" / "inv-7.json", good);
  write_file(env.dir / "out" / ".hidden", good);
  write_file(env.dir / "out" / "bad name.json", good);
  fs::create_symlink(env.dir / "out" / "inv-7.json", env.dir / "out" / "link.json");
  auto r = env.run(
      {"submit", (env.dir / "out" / "inv-7.json").string(), (env.dir / "out" / ".hidden").string(),
       (env.dir / "out" / "bad name.json").string(), (env.dir / "out" / "link.json").string(),
       (env.dir / "out" / "inv-7.json").string()});
  BOOST_TEST(r.rc == 1);
  BOOST_TEST(r.out == "submitted inv-7.json into " + (env.root / "incoming").string() + "\n");
  auto p = [&](const char* n) { return (env.dir / "out" / n).string(); };
  BOOST_TEST(r.err ==
             p(".hidden") +
                 ": not submitted: the name \".hidden\" is not a valid job name "
                 "([A-Za-z0-9._-]{1,200}, not starting with '.', not ending in .error.json)\n" +
                 p("bad name.json") +
                 ": not submitted: the name \"bad\\x20name.json\" is not a valid job name "
                 "([A-Za-z0-9._-]{1,200}, not starting with '.', not ending in .error.json)\n" +
                 p("link.json") + ": not submitted: a symbolic link\n" + p("inv-7.json") +
                 ": not submitted: incoming/inv-7.json already exists (a job of that name is "
                 "waiting)\n");
  BOOST_TEST(env.names("incoming") == std::vector<std::string>{"inv-7.json"});
  BOOST_TEST(env.names("tmp").empty());
  BOOST_TEST(read_file(env.root / "incoming" / "inv-7.json") == good);
  struct stat st {};
  BOOST_REQUIRE(::stat((env.root / "incoming" / "inv-7.json").c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0640u);
  BOOST_TEST(env.run({"submit"}).rc == 2);
}

// A producer who may not read the configuration: --spool names the spool, and without
// --spool an unreadable default configuration is not an error (the default spool is used).
BOOST_AUTO_TEST_CASE(submit_with_spool_needs_no_config) {
  ctl_env env;
  write_file(env.dir / "out" / "inv-8.json", good);
  std::ostringstream out, err;
  int rc =
      reconcilerd::ctl::run({"--config", (env.dir / "missing.yaml").string(), "submit", "--spool",
                             env.root.string(), (env.dir / "out" / "inv-8.json").string()},
                            out, err, std::chrono::system_clock::now());
  BOOST_TEST(rc == 0);
  BOOST_TEST(err.str() == "");
  BOOST_TEST(out.str() == "submitted inv-8.json into " + (env.root / "incoming").string() + "\n");
  BOOST_TEST(read_file(env.root / "incoming" / "inv-8.json") == good);
  BOOST_TEST(((fs::status(env.root / "incoming" / "inv-8.json").permissions() & fs::perms::all) ==
              (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read)));
  BOOST_TEST(env.names("tmp").empty());

  // --spool=DIR form, and a bad option.
  std::ostringstream out2, err2;
  write_file(env.dir / "out" / "inv-9.json", good);
  rc = reconcilerd::ctl::run(
      {"submit", "--spool=" + env.root.string(), (env.dir / "out" / "inv-9.json").string()}, out2,
      err2, std::chrono::system_clock::now());
  BOOST_TEST(rc == 0);
  BOOST_TEST(err2.str() == "");
  std::ostringstream out3, err3;
  rc = reconcilerd::ctl::run({"submit", "--spool"}, out3, err3, std::chrono::system_clock::now());
  BOOST_TEST(rc == 2);
  BOOST_TEST(err3.str().starts_with("reconcilerctl submit: --spool needs a DIR\n"));

  // An explicitly named configuration that cannot be read is still an error.
  std::ostringstream out4, err4;
  rc = reconcilerd::ctl::run({"--config", (env.dir / "missing.yaml").string(), "submit",
                              (env.dir / "out" / "inv-9.json").string()},
                             out4, err4, std::chrono::system_clock::now());
  BOOST_TEST(rc == 1);
  BOOST_TEST(err4.str().find("cannot use the configuration") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(resume_writes_a_control_request) {
  ctl_env env;
  auto r = env.run({"resume", "erp"});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(r.out ==
             "resume of erp requested; the daemon acts on it within a second (see "
             "`reconcilerctl status`)\n");
  BOOST_TEST(env.names("control") == std::vector<std::string>{"resume-erp"});
  BOOST_TEST(read_file(env.root / "control" / "resume-erp") == "");
  r = env.run({"resume", "erp"});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(r.out == "resume of erp already requested (" +
                          (env.root / "control" / "resume-erp").string() +
                          " is waiting for the daemon)\n");
  r = env.run({"resume", "nosuch"});
  BOOST_TEST(r.rc == 1);
  BOOST_TEST(r.err == "reconcilerctl resume: no backend \"nosuch\" in " + env.config + "\n");
  BOOST_TEST(env.run({"resume"}).rc == 2);
  BOOST_TEST(env.run({"resume", "erp", "other"}).rc == 2);
}

BOOST_AUTO_TEST_CASE(check_reports_each_file) {
  ctl_env env;
  write_file(env.dir / "ok.json", good);
  write_file(env.dir / "unknown.json",
             R"({"backend":"nope","invoice_id":1,"update":{"urgent":true}})");
  write_file(env.dir / "broken.json", "{");
  auto r = env.run({"check", (env.dir / "ok.json").string(), (env.dir / "unknown.json").string(),
                    (env.dir / "broken.json").string(), (env.dir / "missing.json").string()});
  BOOST_TEST(r.rc == 1);
  auto p = [&](const char* n) { return (env.dir / n).string(); };
  BOOST_TEST(r.out ==
             p("ok.json") + ": ok (backend erp, invoice 7)\n" + p("unknown.json") +
                 ": invalid: backend \"nope\" is not configured in " + env.config + "\n" +
                 p("broken.json") + ": invalid: invalid JSON at byte 1: incomplete JSON\n" +
                 p("missing.json") + ": invalid: cannot read: No such file or directory\n");
  BOOST_TEST(env.run({"check", (env.dir / "ok.json").string()}).rc == 0);
  // Schema validation by the backend's adapter, as the daemon does it.
  write_file(env.dir / "empty.json", R"({"backend":"erp","invoice_id":1,"update":{}})");
  r = env.run({"check", (env.dir / "empty.json").string()});
  BOOST_TEST(r.rc == 1);
  BOOST_TEST(r.out == p("empty.json") + ": invalid: update: is empty; there is nothing to send\n");
}

BOOST_AUTO_TEST_CASE(render_prints_the_request_without_secrets) {
  ctl_env env;
  write_file(env.dir / "ok.json", good);
  auto r = env.run({"render", (env.dir / "ok.json").string()});
  BOOST_TEST(r.rc == 0);
  BOOST_TEST(r.err == "");
  BOOST_TEST(r.out ==
             "POST /odoo/api/account.invoice/update/7 HTTP/1.1\r\n"
             "Host: erp.example.id:8443\r\n"
             "Content-Type: application/x-www-form-urlencoded\r\n"
             "Accept: application/json\r\n"
             "Content-Length: 59\r\n"
             "\r\n"
             "token=%3Credacted%3E&update_vals=%7B%27urgent%27%3A+True%7D");
  BOOST_TEST(r.out.find("s3cr3t") == std::string::npos);
  BOOST_TEST(env.run({"render"}).rc == 2);
}

BOOST_AUTO_TEST_SUITE_END()
