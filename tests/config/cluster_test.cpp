// `cluster:` (config/cluster_load.hpp, config/cluster.hpp, config/conninfo.hpp): valid
// sections and their defaults, each broken section with its exact complaint, the libpq
// connection-string checks, the default node from the host name, what a reload may change,
// the operator's one-line description, and that the database password never appears in any
// message, warning or description.
#include "config/cluster.hpp"

#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <sstream>

#include "config/cluster_load.hpp"
#include "config/conninfo.hpp"
#include "config/load.hpp"
#include "tests/config/config_test_support.hpp"
#include "tests/support/temp_dir.hpp"

using namespace reconcilerd::config;
using namespace std::chrono_literals;
using reconcilerd::test::expand;
using reconcilerd::test::temp_dir;
using reconcilerd::test::write_file;

namespace {

const std::string R = "/etc/r.yaml:";

// Lines 1-3: spool_dir and one backend; `cluster:` starts on line 4.
const std::string head =
    "spool_dir: /s\n"
    "backends:\n"
    "  erp: {type: simetri, base_url: 'https://erp.example.id', token: x}\n";

const std::string db = "  database: \"host=db.example.com dbname=reconcilerd\"\n";

cluster_settings must_load(const std::string& yaml, const std::string& credentials_dir = {}) {
  load_result r = load_string(yaml, "/etc/r.yaml", credentials_dir);
  for (auto& e : r.errors) BOOST_TEST_MESSAGE("unexpected error: " << e);
  BOOST_TEST_REQUIRE(r.errors.empty());
  BOOST_TEST_REQUIRE(r.value.has_value());
  BOOST_TEST_REQUIRE(r.value->cluster.has_value());
  return *r.value->cluster;
}

struct broken {
  std::string_view name;
  std::string cluster;  // the text from line 4 on
  std::vector<std::string> expected;
  bool credentials_dir = false;  // pass @T@/creds as $CREDENTIALS_DIRECTORY
};

std::vector<broken> cases() {
  const std::string pw_refused_5 =
      "5: cluster.database: must not contain the password (this string is shown in status and "
      "logs): put the password in database_password_file (or database_password_credential)";
  const std::string lease_bounds = "must be 2s to 1h, got ";
  return {
      {"cluster is a list",
       "cluster: [db]\n",
       {R + "4: cluster: expected a map (database, database_password_file, node, lease), got a "
            "list"}},
      {"cluster is a single value",
       "cluster: \"host=db\"\n",
       {R + "4: cluster: expected a map (database, database_password_file, node, lease), got a "
            "single value"}},
      {"cluster without a value",
       "cluster:\n",
       {R + "4: cluster: has no value (for cluster mode give at least database; to run as a "
            "single node, remove cluster)"}},
      {"database missing",
       "cluster:\n  node: web-1\n",
       {R + "4: cluster.database: missing required key (a libpq connection string, e.g. "
            "\"host=db.example.com dbname=reconcilerd user=reconcilerd\")"}},
      {"database empty",
       "cluster:\n  database: ''\n",
       {R + "5: cluster.database: must not be empty"}},
      {"database only blanks",
       "cluster:\n  database: '   '\n",
       {R + "5: cluster.database: must not be empty"}},
      {"database without a value",
       "cluster:\n  database:\n",
       {R + "5: cluster.database: has no value"}},
      {"database a map",
       "cluster:\n  database: {host: db}\n",
       {R + "5: cluster.database: expected a single value, got a map"}},
      {"database a plain word",
       "cluster:\n  database: reconcilerd\n",
       {R + "5: cluster.database: the keyword at character 1 has no \"=\" after it (expected "
            "keyword=value pairs, e.g. \"host=db.example.com dbname=reconcilerd\", or a "
            "postgresql:// URI)"}},
      {"database with an unclosed quote",
       "cluster:\n  database: \"host=db dbname='my db\"\n",
       {R + "5: cluster.database: the value quoted at character 16 has no closing quote"}},
      {"database with a line break",
       "cluster:\n  database: \"host=db\\ndbname=r\"\n",
       {R + "5: cluster.database: must not contain line breaks or other control characters"}},
      {"password= inside database",
       "cluster:\n  database: host=db password=x dbname=r\n",
       {R + pw_refused_5}},
      {"password in the database URI",
       "cluster:\n  database: postgresql://u:x@db/r\n",
       {R + pw_refused_5}},
      {"sslpassword inside database",
       "cluster:\n  database: host=db sslpassword=x\n",
       {R + "5: cluster.database: must not contain sslpassword (this string is shown in status "
            "and logs): use a client key without a passphrase that only the daemon can read"}},
      {"inline password and password file",
       "cluster:\n" + db + "  database_password: x\n  database_password_file: @T@/pw\n",
       {R + "7: cluster.database_password_file: give only one of database_password, "
            "database_password_file or database_password_credential"}},
      {"password file and credential",
       "cluster:\n" + db +
           "  database_password_credential: db-password\n  database_password_file: @T@/pw\n",
       {R + "7: cluster.database_password_file: give only one of database_password, "
            "database_password_file or database_password_credential"},
       true},
      {"unreadable password file",
       "cluster:\n" + db + "  database_password_file: @T@/missing\n",
       {R + "6: cluster.database_password_file: cannot read \"@T@/missing\": No such file or "
            "directory"}},
      {"empty password file",
       "cluster:\n" + db + "  database_password_file: @T@/empty\n",
       {R + "6: cluster.database_password_file: file \"@T@/empty\" is empty"}},
      {"relative password file",
       "cluster:\n" + db + "  database_password_file: db-password\n",
       {R + "6: cluster.database_password_file: must be an absolute path, got \"db-password\""}},
      {"password credential without $CREDENTIALS_DIRECTORY",
       "cluster:\n" + db + "  database_password_credential: db-password\n",
       {R + "6: cluster.database_password_credential: $CREDENTIALS_DIRECTORY is not set (use "
            "LoadCredential= in the systemd unit)"}},
      {"missing password credential",
       "cluster:\n" + db + "  database_password_credential: nope\n",
       {R + "6: cluster.database_password_credential: cannot read \"@T@/creds/nope\": No such "
            "file or directory"},
       true},
      {"node with a space",
       "cluster:\n" + db + "  node: web 1\n",
       {R + "6: cluster.node: invalid node name \"web 1\" (only A-Z a-z 0-9 . _ - are allowed)"}},
      {"node with a slash",
       "cluster:\n" + db + "  node: ../web\n",
       {R + "6: cluster.node: invalid node name \"../web\" (only A-Z a-z 0-9 . _ - are "
            "allowed)"}},
      {"node ..",
       "cluster:\n" + db + "  node: '..'\n",
       {R + "6: cluster.node: invalid node name \"..\""}},
      {"node too long",
       "cluster:\n" + db + "  node: " + std::string(65, 'n') + "\n",
       {R + "6: cluster.node: must be at most 64 characters, got 65"}},
      {"node empty",
       "cluster:\n" + db + "  node: ''\n",
       {R + "6: cluster.node: must not be empty"}},
      {"node a list",
       "cluster:\n" + db + "  node: [a, b]\n",
       {R + "6: cluster.node: expected a single value, got a list"}},
      {"lease not a duration",
       "cluster:\n" + db + "  lease: 30\n",
       {R + "6: cluster.lease: invalid duration \"30\" (expected a whole number and a unit: "
            "250ms, 30s, 5m, 1h or 3d)"}},
      {"lease too short",
       "cluster:\n" + db + "  lease: 1999ms\n",
       {R + "6: cluster.lease: " + lease_bounds + "1999ms"}},
      {"lease zero",
       "cluster:\n" + db + "  lease: 0\n",
       {R + "6: cluster.lease: " + lease_bounds + "0s"}},
      {"lease too long",
       "cluster:\n" + db + "  lease: 61m\n",
       {R + "6: cluster.lease: " + lease_bounds + "61m"}},
      {"unknown key with a suggestion",
       "cluster:\n" + db + "  leese: 30s\n",
       {R + "6: cluster.leese: unknown key \"leese\" (did you mean \"lease\"?)"}},
      {"unknown key without a suggestion",
       "cluster:\n" + db + "  replicas: 3\n",
       {R + "6: cluster.replicas: unknown key \"replicas\""}},
      {"misspelt password form",
       "cluster:\n" + db + "  database_pasword_file: @T@/pw\n",
       {R + "6: cluster.database_pasword_file: unknown key \"database_pasword_file\" (did you "
            "mean \"database_password_file\"?)"}},
      {"duplicate key",
       "cluster:\n" + db + "  node: a\n  node: b\n",
       {R + "7: cluster.node: duplicate key (first given on line 6)"}},
      {"several problems together",
       "cluster:\n  database: host=db password=x\n  node: 'web 1'\n  lease: 2h\n  foo: 1\n",
       {R + pw_refused_5,
        R + "6: cluster.node: invalid node name \"web 1\" (only A-Z a-z 0-9 . _ - are allowed)",
        R + "7: cluster.lease: " + lease_bounds + "2h", R + "8: cluster.foo: unknown key \"foo\""}},
  };
}

}  // namespace

BOOST_AUTO_TEST_SUITE(cluster)

BOOST_AUTO_TEST_CASE(without_cluster_the_daemon_is_a_single_node) {
  load_result r = load_string(head, "/etc/r.yaml", "");
  BOOST_TEST_REQUIRE(r.value.has_value());
  BOOST_TEST(!r.value->cluster.has_value());
}

BOOST_AUTO_TEST_CASE(a_full_section_with_a_password_file) {
  temp_dir tmp;
  write_file(tmp / "pw", "s3cr3t-pw\n");
  BOOST_TEST_REQUIRE(::chmod((tmp / "pw").c_str(), 0640) == 0);
  cluster_settings c = must_load(head +
                                 "cluster:\n"
                                 "  database: \"host=db.example.com dbname=reconcilerd "
                                 "user=reconcilerd\"\n"
                                 "  database_password_file: " +
                                 (tmp / "pw").string() +
                                 "\n"
                                 "  node: web-1.example_2\n"
                                 "  lease: 45s\n");
  BOOST_TEST(c.database == "host=db.example.com dbname=reconcilerd user=reconcilerd");
  BOOST_TEST(c.password == "s3cr3t-pw");
  BOOST_TEST(c.password_source == "file " + (tmp / "pw").string());
  BOOST_TEST(c.node == "web-1.example_2");
  BOOST_TEST((c.lease == 45s));
}

BOOST_AUTO_TEST_CASE(defaults_node_is_the_host_name_and_lease_30s_no_password) {
  cluster_settings c = must_load(head + "cluster:\n" + db);
  BOOST_TEST(c.node == detail::local_host_name());
  BOOST_TEST(!c.node.empty());
  BOOST_TEST((c.lease == 30s));
  BOOST_TEST(c.password.empty());
  BOOST_TEST(c.password_source.empty());
}

BOOST_AUTO_TEST_CASE(password_from_a_credential_or_inline) {
  temp_dir tmp;
  write_file(tmp / "db-password", "from-cred\r\n");
  cluster_settings c =
      must_load(head + "cluster:\n" + db + "  database_password_credential: db-password\n",
                tmp.path().string());
  BOOST_TEST(c.password == "from-cred");
  BOOST_TEST(c.password_source == "credential db-password");

  c = must_load(head + "cluster:\n" + db + "  database_password: 'in line'\n");
  BOOST_TEST(c.password == "in line");
  BOOST_TEST(c.password_source == "inline");
}

BOOST_AUTO_TEST_CASE(lease_bounds_are_inclusive) {
  BOOST_TEST((must_load(head + "cluster:\n" + db + "  lease: 2s\n").lease == 2s));
  BOOST_TEST((must_load(head + "cluster:\n" + db + "  lease: 2000ms\n").lease == 2s));
  BOOST_TEST((must_load(head + "cluster:\n" + db + "  lease: 1h\n").lease == 1h));
  BOOST_TEST((must_load(head + "cluster:\n" + db + "  lease: 60m\n").lease == 1h));
  BOOST_TEST((min_lease == 2s));
  BOOST_TEST((max_lease == 1h));
}

BOOST_AUTO_TEST_CASE(uri_and_quoted_connection_strings_are_kept_as_written) {
  const std::string kept[] = {
      "postgresql://reconcilerd@db.example.com:5433/reconcilerd?sslmode=verify-full",
      "postgres://db1:5432,db2:5432/r?target_session_attrs=read-write",
      "postgresql:///r?host=/run/postgresql",
      "host=/run/postgresql dbname='my db' application_name='it\\'s'",
      "host = db  dbname=r",
  };
  for (auto& conninfo : kept) {
    BOOST_TEST_CONTEXT(conninfo) {
      std::string escaped;  // for a YAML double-quoted scalar
      for (char ch : conninfo) escaped += ch == '\\' ? std::string("\\\\") : std::string(1, ch);
      cluster_settings c = must_load(head + "cluster:\n  database: \"" + escaped + "\"\n");
      BOOST_TEST(c.database == conninfo);
    }
  }
}

BOOST_AUTO_TEST_CASE(each_broken_section_gives_its_exact_complaints) {
  temp_dir tmp;
  const std::string t = tmp.path().string();
  write_file(tmp / "pw", "p\n");
  write_file(tmp / "empty", "");
  write_file(tmp / "creds" / "db-password", "c\n");
  auto all = cases();
  for (auto& c : all) {
    BOOST_TEST_CONTEXT(c.name) {
      load_result r = load_string(expand(head + c.cluster, t), "/etc/r.yaml",
                                  c.credentials_dir ? t + "/creds" : "");
      std::vector<std::string> expected;
      for (auto& e : c.expected) expected.push_back(expand(e, t));
      BOOST_TEST(!r.value.has_value());
      BOOST_TEST(r.errors == expected, boost::test_tools::per_element());
    }
  }
}

// libpq's two syntaxes: every keyword is found (quoted values, escapes, spaces around '=',
// URI user information and percent-encoded query keys), and nothing of the string is echoed.
BOOST_AUTO_TEST_CASE(connection_string_checks) {
  using detail::conninfo_problem;
  const std::string password =
      "must not contain the password (this string is shown in status and logs): put the "
      "password in database_password_file (or database_password_credential)";
  const std::pair<std::string, std::string> rows[] = {
      {"host=db dbname=r", ""},
      {"dbname=r", ""},
      {"host=db dbname=", ""},  // an empty value is libpq's business
      {"host='a b' dbname=r", ""},
      {"host='it\\'s' dbname=r", ""},
      {"application_name=a\\ b dbname=r", ""},
      {"host='password=x'", ""},  // inside a value, not a keyword
      {"application_name=password", ""},
      {"passfile=/etc/reconcilerd/pgpass dbname=r", ""},
      {"postgresql://", ""},
      {"postgresql://u@db/r", ""},
      {"postgresql://u:@db/r", ""},  // empty password: libpq ignores it
      {"postgresql://[::1]:5432/r", ""},
      {"postgresql://db/r?application_name=password", ""},
      {"password=x", password},
      {"host=db password = x", password},
      {"host=db password='a b c'", password},
      {"host=db password=", password},
      {"host='a' password=x", password},
      {"postgresql://u:pw@db/r", password},
      {"postgres://:pw@db", password},
      {"postgresql://db/r?sslmode=require&password=pw", password},
      {"postgresql://db/r?pass%77ord=pw", password},
      {"postgresql://db/r?sslpassword=pw",
       "must not contain sslpassword (this string is shown in status and logs): use a client key "
       "without a passphrase that only the daemon can read"},
      {"postgresql://db/r?sslmode",
       "a URI query parameter at character 19 has no \"=\" (expected "
       "?keyword=value&keyword=value)"},
      {"postgresql://db/r?pass%7=x",
       "invalid percent-encoding in the URI query parameter at character 19"},
      {"postgresql://db/r?pass%00word=x",
       "invalid percent-encoding in the URI query parameter at character 19"},
      {"host=db =x",
       "\"=\" without a keyword before it at character 9 (expected keyword=value "
       "pairs, e.g. \"host=db.example.com dbname=reconcilerd\")"},
      {"host=db dbname",
       "the keyword at character 9 has no \"=\" after it (expected "
       "keyword=value pairs, e.g. \"host=db.example.com dbname=reconcilerd\", "
       "or a postgresql:// URI)"},
      {"host='db", "the value quoted at character 6 has no closing quote"},
      {"host='db\\'", "the value quoted at character 6 has no closing quote"},
      {"host=db\\", ""},  // a trailing backslash escapes nothing
      {"host=db\tdbname=r", "must not contain line breaks or other control characters"},
      {" \t", "must not contain line breaks or other control characters"},
      {"   ", "must not be empty"},
  };
  for (auto& [conninfo, expected] : rows) {
    BOOST_TEST_CONTEXT(conninfo) {
      auto problem = conninfo_problem(conninfo);
      BOOST_TEST(problem.value_or("") == expected);
    }
  }
}

// The loader's own entry point, with a chosen host name for the default node.
BOOST_AUTO_TEST_CASE(the_default_node_must_be_a_valid_name) {
  const std::pair<std::string, std::string> rows[] = {
      {"web-1", ""},
      {"web-1.example.com", ""},
      {"",
       "/etc/r.yaml:1: cluster.node: missing, and the host name is unknown: set node (1 to "
       "64 of A-Z a-z 0-9 . _ -, unique per daemon)"},
      {"web 1",
       "/etc/r.yaml:1: cluster.node: missing, and the host name \"web 1\" is not a "
       "valid node name: set node (1 to 64 of A-Z a-z 0-9 . _ -, unique per daemon)"},
      {std::string(65, 'h'),
       "/etc/r.yaml:1: cluster.node: missing, and the host name \"" + std::string(60, 'h') +
           "...\" is not a valid node name: set node (1 to 64 of A-Z a-z 0-9 . _ -, unique per "
           "daemon)"},
  };
  YAML::Node root = YAML::Load("cluster:\n  database: dbname=r\n");
  for (auto& [host, expected] : rows) {
    BOOST_TEST_CONTEXT(host) {
      detail::diagnostics d("/etc/r.yaml");
      auto entries = detail::map_entries(root, {}, d);
      BOOST_TEST_REQUIRE(entries.size() == 1u);
      auto c = detail::load_cluster(entries[0], "", host, d);
      if (expected.empty()) {
        BOOST_TEST_REQUIRE(c.has_value());
        BOOST_TEST(c->node == host);
        BOOST_TEST(!d.has_errors());
      } else {
        BOOST_TEST(!c.has_value());
        BOOST_TEST(d.errors() == std::vector<std::string>{expected},
                   boost::test_tools::per_element());
      }
    }
  }
  // A node that is set wins over an invalid host name.
  root = YAML::Load("cluster:\n  database: dbname=r\n  node: n1\n");
  detail::diagnostics d("/etc/r.yaml");
  auto entries = detail::map_entries(root, {}, d);
  auto c = detail::load_cluster(entries.at(0), "", "bad host", d);
  BOOST_TEST_REQUIRE(c.has_value());
  BOOST_TEST(c->node == "n1");
}

BOOST_AUTO_TEST_CASE(no_message_contains_the_database_password) {
  temp_dir tmp;
  const std::string t = tmp.path().string();
  write_file(tmp / "ctl", "SEKRET-file\x01x\n");
  write_file(tmp / "creds" / "ctl", "SEKRET-cred\ny\n");
  const std::string c = head + "cluster:\n";
  const std::string yamls[] = {
      c + "  database: host=db password=SEKRET-1 dbname=r\n",
      c + "  database: \"host=db password='SEKRET 2' dbname\"\n",
      c + "  database: \"host=db password='SEKRET-3\"\n",
      c + "  database: postgresql://u:SEKRET-4@db/r\n",
      c + "  database: postgresql://db/r?password=SEKRET-5&x\n",
      c + "  database: postgresql://db/r?pass%77ord=SEKRET-6\n",
      c + "  database: \"password=SEKRET-7\\n\"\n",
      c + "  database: SEKRET-8\n",
      c + "  database: host=db sslpassword=SEKRET-9\n",
      c + db + "  database_password: SEKRET-10\n  database_password_file: /x\n",
      c + db + "  database_password: \"SEKRET-11\\n\"\n",
      c + db + "  database_password: {SEKRET-12: 1}\n",
      c + db + "  database_password_file: " + t + "/ctl\n",
      c + db + "  database_password_credential: ctl\n",
      c + db + "  databse_password: SEKRET-13\n",
      c + db + "  database_password: SEKRET-14\n  database_password: SEKRET-15\n",
      c + db + "  database_password: SEKRET-16\n  lease: 1s\n  node: 'a b'\n",
      c + "  database_password: SEKRET-17\n",
  };
  reconcilerd::test::expect_refused_without_secrets(yamls, t + "/creds");
}

// A password file others may read, and an inline password in a file others may read, are
// warned about by path and mode only.
BOOST_AUTO_TEST_CASE(exposed_passwords_are_warned_about_without_the_password) {
  temp_dir tmp;
  const std::string pw = (tmp / "pw").string();
  write_file(pw, "SEKRET-pw\n");
  BOOST_TEST_REQUIRE(::chmod(pw.c_str(), 0644) == 0);
  load_result r = load_string(head + "cluster:\n" + db + "  database_password_file: " + pw + "\n",
                              "/etc/r.yaml", "");
  BOOST_TEST_REQUIRE(r.value.has_value());
  BOOST_TEST(r.warnings == (std::vector<std::string>{
                               R + "6: cluster.database_password_file: secret file \"" + pw +
                               "\" is readable by others (mode 0644): remove their read "
                               "permission (chmod o-r)"}),
             boost::test_tools::per_element());

  // The backend's token from a file, so the database password is the only inline secret.
  write_file(tmp / "token", "t\n");
  BOOST_TEST_REQUIRE(::chmod((tmp / "token").c_str(), 0600) == 0);
  const std::string config_path = (tmp / "r.yaml").string();
  write_file(config_path,
             "spool_dir: /s\nbackends:\n  erp: {type: simetri, base_url: "
             "'https://erp.example.id', token_file: " +
                 (tmp / "token").string() + "}\ncluster:\n" + db +
                 "  database_password: SEKRET-inline\n");
  BOOST_TEST_REQUIRE(::chmod(config_path.c_str(), 0644) == 0);
  r = load_file(config_path, "");
  BOOST_TEST_REQUIRE(r.value.has_value());
  BOOST_TEST(r.value->cluster->password == "SEKRET-inline");
  BOOST_TEST(r.warnings == (std::vector<std::string>{
                               config_path +
                               ":6: cluster.database_password: secrets are given inline and this "
                               "file is readable by others (mode 0644): remove their read "
                               "permission (chmod o-r) or use <key>_file or <key>_credential"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(what_a_reload_may_change) {
  cluster_settings base;
  base.database = "host=db dbname=r";
  base.password = "SEKRET-old";
  base.password_source = "file /etc/reconcilerd/db-password";
  base.node = "web-1";
  base.lease = 30s;
  auto with = [&](auto change) {
    cluster_settings c = base;
    change(c);
    return std::optional<cluster_settings>(c);
  };
  const std::optional<cluster_settings> off;
  const std::optional<cluster_settings> on = base;
  struct row {
    std::string_view name;
    std::optional<cluster_settings> running, next;
    std::string refused;  // empty: may apply
  };
  const row rows[] = {
      {"single node stays single node", off, off, ""},
      {"the same settings", on, on, ""},
      {"turned on", off, on, "cluster mode cannot be turned on by a reload (restart the daemon)"},
      {"turned off", on, off, "cluster mode cannot be turned off by a reload (restart the daemon)"},
      {"another database", on, with([](auto& c) { c.database = "host=db2 dbname=r"; }),
       "cluster.database cannot change while running (restart the daemon)"},
      {"another node", on, with([](auto& c) { c.node = "web-2"; }),
       "cluster.node cannot change while running (from \"web-1\" to \"web-2\") (restart the "
       "daemon)"},
      {"another lease", on, with([](auto& c) { c.lease = 10s; }), ""},
      {"another password", on, with([](auto& c) { c.password = "SEKRET-new"; }), ""},
      {"the password from elsewhere", on, with([](auto& c) {
         c.password = "SEKRET-new";
         c.password_source = "credential db-password";
       }),
       ""},
      {"another database and another password", on, with([](auto& c) {
         c.database = "host=db2 dbname=r";
         c.password = "SEKRET-new";
       }),
       "cluster.database cannot change while running (restart the daemon)"},
  };
  for (auto& r : rows) {
    BOOST_TEST_CONTEXT(r.name) {
      auto refused = cluster_change_refused(r.running, r.next);
      BOOST_TEST(refused.value_or("") == r.refused);
      BOOST_TEST(refused.value_or("").find("SEKRET") == std::string::npos);
    }
  }
}

BOOST_AUTO_TEST_CASE(the_description_shows_where_the_password_comes_from_never_the_password) {
  BOOST_TEST(describe_cluster(std::nullopt) == "cluster: off (single node)");
  cluster_settings c;
  c.database = "host=db dbname=r";
  c.password = "SEKRET-pw";
  c.node = "web-1";
  c.lease = 90s;
  const std::pair<std::string, std::string> rows[] = {
      {"file /etc/reconcilerd/db-password", "password from file /etc/reconcilerd/db-password"},
      {"credential db-password", "password from credential db-password"},
      {"inline", "password inline in the configuration"},
      {"", "no password given"},
  };
  for (auto& [source, shown] : rows) {
    BOOST_TEST_CONTEXT(source) {
      c.password_source = source;
      if (source.empty()) c.password.clear();
      std::string line = describe_cluster(c);
      BOOST_TEST(line == "cluster: node web-1, lease 90s, database \"host=db dbname=r\", " + shown);
      BOOST_TEST(line.find("SEKRET") == std::string::npos);
    }
  }
}

// The commented-out block of the shipped example is valid once uncommented.
BOOST_AUTO_TEST_CASE(the_example_cluster_block_loads_when_uncommented) {
  std::ifstream in(RECONCILERD_SOURCE_DIR "/config/reconcilerd.example.yaml");
  BOOST_TEST_REQUIRE(in.good());
  std::string line, yaml;
  bool in_block = false;
  int uncommented = 0;
  while (std::getline(in, line)) {
    if (line == "# cluster:") in_block = true;
    if (in_block && (line == "# cluster:" || line.starts_with("#   "))) {
      yaml += line.substr(2) + "\n";
      ++uncommented;
      continue;
    }
    in_block = false;
    yaml += line + "\n";
  }
  BOOST_TEST_REQUIRE(uncommented >= 5);
  temp_dir tmp;
  const char* credentials[] = {"erp-token",        "whmcs-secret",       "alloy-api-key",
                               "campfire-api-key", "bigcapital-api-key", "db-password"};
  for (auto* c : credentials) write_file(tmp / c, std::string("value-of-") + c + "\n");
  load_result r = load_string(yaml, "example", tmp.path().string());
  for (auto& e : r.errors) BOOST_TEST_MESSAGE(e);
  BOOST_TEST_REQUIRE(r.errors.empty());
  BOOST_TEST_REQUIRE(r.value->cluster.has_value());
  const cluster_settings& c = *r.value->cluster;
  BOOST_TEST(c.database ==
             "host=db.example.com dbname=reconcilerd user=reconcilerd sslmode=verify-full");
  BOOST_TEST(c.password == "value-of-db-password");
  BOOST_TEST(c.password_source == "credential db-password");
  BOOST_TEST(c.node == "web-1");
  BOOST_TEST((c.lease == 30s));
}

BOOST_AUTO_TEST_SUITE_END()
