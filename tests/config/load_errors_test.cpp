// Broken configurations, table-driven: each case gives the YAML and the exact complaint
// lines ("FILE:LINE: KEY.PATH: message", in line order). @T@ stands for a temp directory
// holding the files a case refers to. Also: no message ever contains a secret value.
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>

#include "config/load.hpp"
#include "tests/config/config_test_support.hpp"
#include "tests/support/temp_dir.hpp"

using namespace reconcilerd::config;
using reconcilerd::test::expand;
using reconcilerd::test::temp_dir;
using reconcilerd::test::write_file;

namespace {

struct broken {
  std::string_view name;
  std::string yaml;
  std::vector<std::string> expected;
  bool credentials_dir = false;  // pass @T@/creds as $CREDENTIALS_DIRECTORY
};

const std::string erp = "  erp: {type: simetri, base_url: 'https://erp.example.id', token: x}\n";
const std::string R = "/etc/r.yaml:";

// Lines 1-5 of most cases: spool_dir, backends, a simetri backend "erp" up to base_url.
const std::string head =
    "spool_dir: /s\n"
    "backends:\n"
    "  erp:\n"
    "    type: simetri\n"
    "    base_url: https://erp.example.id\n";

std::vector<broken> cases() {
  const std::string missing_token =
      R +
      "3: backends.erp.token: missing required key (give token, token_file or "
      "token_credential)";
  return {
      {"missing spool_dir",
       "backends:\n" + erp,
       {R + "1: spool_dir: missing required key (an absolute path)"}},
      {"relative spool_dir",
       "spool_dir: var/spool\nbackends:\n" + erp,
       {R + "1: spool_dir: must be an absolute path, got \"var/spool\""}},
      {"empty spool_dir",
       "spool_dir: ''\nbackends:\n" + erp,
       {R + "1: spool_dir: must not be empty"}},
      {"relative status_log",
       "spool_dir: /s\nstatus_log: status.log\nbackends:\n" + erp,
       {R + "2: status_log: must be an absolute path, got \"status.log\""}},
      {"unknown top-level key",
       "spool_dir: /s\nstauts_log: /var/log/r.log\nbackends:\n" + erp,
       {R + "2: stauts_log: unknown key \"stauts_log\" (did you mean \"status_log\"?)"}},
      {"unknown key in defaults",
       "spool_dir: /s\ndefaults:\n  rat: 5/s\nbackends:\n" + erp,
       {R + "3: defaults.rat: unknown key \"rat\" (did you mean \"rate\"?)"}},
      {"unknown key in a backend",
       head + "    tokn: x\n",
       {missing_token, R + "6: backends.erp.tokn: unknown key \"tokn\" (did you mean \"token\"?)"}},
      {"unknown key in retry",
       head + "    token: x\n    retry:\n      max_attempt: 3\n",
       {R + "8: backends.erp.retry.max_attempt: unknown key \"max_attempt\" (did you mean "
            "\"max_attempts\"?)"}},
      {"unknown key in tls, no suggestion when nothing is close",
       head + "    token: x\n    tls:\n      cert: /x.pem\n",
       {R + "8: backends.erp.tls.cert: unknown key \"cert\""}},
      {"a key of another backend type",
       head + "    api_key: x\n",
       {missing_token, R + "6: backends.erp.api_key: unknown key \"api_key\""}},
      {"a word or a quoted number where an integer is needed",
       "spool_dir: /s\ndefaults:\n  concurrency: four\n  burst: \"4\"\nbackends:\n" + erp,
       {R + "3: defaults.concurrency: expected a whole number (1 to 256), got \"four\"",
        R + "4: defaults.burst: expected a whole number (1 to 100000), got \"4\""}},
      {"list for a value, value for a map, yes for a boolean, no value",
       "spool_dir: /s\ndefaults:\n  timeout: [30s]\n  retry: 5\n  tls:\n    verify: yes\n"
       "  strict_fields:\nbackends:\n" +
           erp,
       {R + "3: defaults.timeout: expected a single value, got a list",
        R + "4: defaults.retry: expected a map, got a single value",
        R + "6: defaults.tls.verify: expected true or false, got \"yes\"",
        R + "7: defaults.strict_fields: has no value"}},
      {"duration without a unit",
       "spool_dir: /s\ndefaults:\n  timeout: 30\nbackends:\n" + erp,
       {R + "3: defaults.timeout: invalid duration \"30\" (expected a whole number and a unit: "
            "250ms, 30s, 5m, 1h or 3d)"}},
      {"bad rate",
       head + "    token: x\n    rate: 5/sec\n",
       {R + "7: backends.erp.rate: invalid rate \"5/sec\" (expected N/s, N/min or N/h)"}},
      {"zero and negative values",
       "spool_dir: /s\n"
       "defaults:\n"
       "  concurrency: 0\n"
       "  burst: -1\n"
       "  rate: 0/min\n"
       "  timeout: 0s\n"
       "  retry:\n"
       "    max_attempts: 1001\n"
       "    max_age: 0\n"
       "  done_retention: -1d\n"
       "backends:\n" +
           erp,
       {R + "3: defaults.concurrency: must be 1 to 256, got 0",
        R + "4: defaults.burst: must be 1 to 100000, got -1",
        R + "5: defaults.rate: must be more than zero, got \"0/min\"",
        R + "6: defaults.timeout: must be longer than zero",
        R + "8: defaults.retry.max_attempts: must be 1 to 1000, got 1001",
        R + "9: defaults.retry.max_age: must be longer than zero",
        R + "10: defaults.done_retention: invalid duration \"-1d\" (expected a whole number and "
            "a unit: 250ms, 30s, 5m, 1h or 3d)"}},
      {"initial_backoff longer than max_backoff in defaults",
       "spool_dir: /s\ndefaults:\n  retry:\n    initial_backoff: 2h\nbackends:\n" + erp,
       {R + "4: defaults.retry.initial_backoff: initial_backoff (2h) must not be longer than "
            "max_backoff (1h)"}},
      {"a backend's max_backoff shorter than the default initial_backoff",
       head + "    token: x\n    retry: {max_backoff: 10s}\n",
       {R + "7: backends.erp.retry.max_backoff: initial_backoff (30s) must not be longer than "
            "max_backoff (10s)"}},
      {"unknown backend type",
       "spool_dir: /s\nbackends:\n  erp:\n    type: odoo\n    base_url: https://erp.example.id\n"
       "    token: x\n",
       {R + "4: backends.erp.type: unknown backend type \"odoo\" (expected simetri, whmcs, "
            "alloy, campfire or bigcapital)"}},
      {"missing type",
       "spool_dir: /s\nbackends:\n  erp:\n    base_url: https://erp.example.id\n    token: x\n",
       {R + "3: backends.erp.type: missing required key (one of simetri, whmcs, alloy, "
            "campfire or bigcapital)"}},
      {"missing base_url",
       "spool_dir: /s\nbackends:\n  erp:\n    type: simetri\n    token: x\n",
       {R + "3: backends.erp.base_url: missing required key (e.g. https://erp.example.com)"}},
      {"missing credential", head, {missing_token}},
      {"inline secret and _file together",
       head + "    token: x\n    token_file: @T@/secret\n",
       {R + "7: backends.erp.token_file: give only one of token, token_file or "
            "token_credential"}},
      {"_file and _credential together",
       head + "    token_credential: erp-token\n    token_file: @T@/secret\n",
       {R + "7: backends.erp.token_file: give only one of token, token_file or "
            "token_credential"},
       true},
      {"unreadable secret file",
       head + "    token_file: @T@/missing\n",
       {R + "6: backends.erp.token_file: cannot read \"@T@/missing\": No such file or "
            "directory"}},
      {"secret file that is a directory",
       head + "    token_file: @T@\n",
       {R + "6: backends.erp.token_file: \"@T@\" is not a regular file"}},
      {"secret file that is a FIFO (must not block)",
       head + "    token_file: @T@/fifo\n",
       {R + "6: backends.erp.token_file: \"@T@/fifo\" is not a regular file"}},
      {"empty secret file",
       head + "    token_file: @T@/empty\n",
       {R + "6: backends.erp.token_file: file \"@T@/empty\" is empty"}},
      {"secret file holding only a newline",
       head + "    token_file: @T@/newline\n",
       {R + "6: backends.erp.token_file: file \"@T@/newline\" is empty"}},
      {"relative secret file",
       head + "    token_file: secret.txt\n",
       {R + "6: backends.erp.token_file: must be an absolute path, got \"secret.txt\""}},
      {"_credential without $CREDENTIALS_DIRECTORY",
       head + "    token_credential: erp-token\n",
       {R + "6: backends.erp.token_credential: $CREDENTIALS_DIRECTORY is not set (use "
            "LoadCredential= in the systemd unit)"}},
      {"credential name with a slash",
       head + "    token_credential: ../etc/passwd\n",
       {R + "6: backends.erp.token_credential: invalid credential name \"../etc/passwd\" (a "
            "file name without '/')"},
       true},
      {"missing credential file",
       head + "    token_credential: nope\n",
       {R + "6: backends.erp.token_credential: cannot read \"@T@/creds/nope\": No such file or "
            "directory"},
       true},
      {"inline secret with a line break",
       head + "    token: \"a\\nb\"\n",
       {R + "6: backends.erp.token: the value contains a line break or another control "
            "character"}},
      {"http to a non-loopback host",
       "spool_dir: /s\nbackends:\n  erp:\n    type: simetri\n    base_url: http://erp.example.id\n"
       "    token: x\n",
       {R + "5: backends.erp.base_url: plain http is refused for the non-loopback host "
            "\"erp.example.id\" (use https, or set allow_insecure_http: true)"}},
      {"http to a name that only starts like a loopback address",
       "spool_dir: /s\nbackends:\n  erp:\n    type: simetri\n    base_url: "
       "http://127.0.0.1.nip.io\n"
       "    token: x\n",
       {R + "5: backends.erp.base_url: host \"127.0.0.1.nip.io\" is not supported: host names "
            "that begin like an IPv4 address are refused"}},
      {"https with a query",
       "spool_dir: /s\nbackends:\n  erp:\n    type: simetri\n"
       "    base_url: https://erp.example.id/api?x=1\n    token: x\n",
       {R + "5: backends.erp.base_url: must not contain a query (\"?...\")"}},
      {"bad scheme",
       "spool_dir: /s\nbackends:\n  erp:\n    type: simetri\n    base_url: ftp://erp.example.id\n"
       "    token: x\n",
       {R + "5: backends.erp.base_url: unsupported scheme \"ftp\" (expected https or http)"}},
      {"user info in the URL",
       "spool_dir: /s\nbackends:\n  erp:\n    type: simetri\n"
       "    base_url: https://admin:pw@erp.example.id\n    token: x\n",
       {R + "5: backends.erp.base_url: must not contain user information (\"user@\"); use the "
            "backend's credential keys"}},
      {"empty backends",
       "spool_dir: /s\nbackends: {}\n",
       {R + "2: backends: at least one backend is required"}},
      {"backends without a value",
       "spool_dir: /s\nbackends:\n",
       {R + "2: backends: at least one backend is required"}},
      {"backends not a map",
       "spool_dir: /s\nbackends: [erp]\n",
       {R + "2: backends: expected a map of backend name -> settings, got a list"}},
      {"missing backends",
       "spool_dir: /s\n",
       {R + "1: backends: missing required key (a map: backend name -> settings)"}},
      {"a backend that is not a map",
       "spool_dir: /s\nbackends:\n  erp: simetri\n",
       {R + "3: backends.erp: expected a map of backend settings, got a single value"}},
      {"duplicate keys",
       "spool_dir: /s\nspool_dir: /t\n" + head.substr(14) +
           "    token: x\n    rate: 5/s\n"
           "    rate: 6/s\n",
       {R + "2: spool_dir: duplicate key (first given on line 1)",
        R + "9: backends.erp.rate: duplicate key (first given on line 8)"}},
      {"duplicate backend names",
       "spool_dir: /s\nbackends:\n" + erp + erp,
       {R + "4: backends.erp: duplicate key (first given on line 3)"}},
      {"YAML syntax error",
       "spool_dir: /s\nbackends:\n  erp: [simetri\n",
       {R + "3: YAML syntax error: end of sequence flow not found"}},
      {"YAML syntax error in the middle",
       "spool_dir: /s\nbackends:\n  erp:\n    type: simetri\n   base_url: https://e\n"
       "    token: x\n",
       {R + "5: YAML syntax error: end of map not found"}},
      {"tab indentation",
       "spool_dir: /s\nbackends:\n\terp: {}\n",
       {R + "3: YAML syntax error: illegal map value (tabs cannot indent YAML)"}},
      {"empty file", "", {R + "1: the configuration is empty (expected spool_dir and backends)"}},
      {"only comments",
       "# nothing here\n\n",
       {R + "1: the configuration is empty (expected spool_dir and backends)"}},
      {"top level not a map",
       "- spool_dir\n- backends\n",
       {R + "1: the top level must be a map (with spool_dir and backends), got a list"}},
      {"two YAML documents",
       "spool_dir: /s\nbackends:\n" + erp + "---\nspool_dir: /t\n",
       {R + "5: only one YAML document is allowed (found another one here)"}},
      {"half a whmcs pair: identifier without secret",
       "spool_dir: /s\nbackends:\n  billing:\n    type: whmcs\n"
       "    base_url: https://billing.example.com\n    identifier: abc\n",
       {R + "3: backends.billing.secret: missing required key (needed with identifier; give "
            "secret, secret_file or secret_credential)"}},
      {"half a whmcs pair: password without username",
       "spool_dir: /s\nbackends:\n  billing:\n    type: whmcs\n"
       "    base_url: https://billing.example.com\n    password: pw\n",
       {R + "3: backends.billing.username: missing required key (needed with password)"}},
      {"both whmcs pairs",
       "spool_dir: /s\nbackends:\n  billing:\n    type: whmcs\n"
       "    base_url: https://billing.example.com\n    identifier: abc\n    secret: s\n"
       "    username: u\n    password: p\n",
       {R + "3: backends.billing: give either identifier + secret or username + password, not "
            "both"}},
      {"no whmcs credentials",
       "spool_dir: /s\nbackends:\n  billing:\n    type: whmcs\n"
       "    base_url: https://billing.example.com\n    access_key: ak\n",
       {R + "3: backends.billing: missing credentials: identifier + secret, or username + "
            "password (or password_md5)"}},
      {"whmcs password and password_md5",
       "spool_dir: /s\nbackends:\n  billing:\n    type: whmcs\n"
       "    base_url: https://billing.example.com\n    username: u\n    password: p\n"
       "    password_md5: 5f4dcc3b5aa765d61d8327deb882cf99\n",
       {R + "3: backends.billing: give either password or password_md5, not both"}},
      {"whmcs password_md5 without username",
       "spool_dir: /s\nbackends:\n  billing:\n    type: whmcs\n"
       "    base_url: https://billing.example.com\n"
       "    password_md5: 5f4dcc3b5aa765d61d8327deb882cf99\n",
       {R + "3: backends.billing.username: missing required key (needed with password_md5)"}},
      {"whmcs password_md5 that is not a hash",
       "spool_dir: /s\nbackends:\n  billing:\n    type: whmcs\n"
       "    base_url: https://billing.example.com\n    username: u\n"
       "    password_md5: plain-password\n",
       {R + "7: backends.billing.password_md5: must be the MD5 hash of the password (32 hex "
            "digits), not the password itself"}},
      {"whmcs password_md5 one digit short",
       "spool_dir: /s\nbackends:\n  billing:\n    type: whmcs\n"
       "    base_url: https://billing.example.com\n    username: u\n"
       "    password_md5: 5f4dcc3b5aa765d61d8327deb882cf9\n",
       {R + "7: backends.billing.password_md5: must be the MD5 hash of the password (32 hex "
            "digits), not the password itself"}},
      {"jwt without organization_id",
       "spool_dir: /s\nbackends:\n  ledger:\n    type: bigcapital\n"
       "    base_url: https://bigcapital.example.com\n    jwt: j\n",
       {R + "3: backends.ledger.organization_id: missing required key (needed with jwt)"}},
      {"api_key and jwt",
       "spool_dir: /s\nbackends:\n  ledger:\n    type: bigcapital\n"
       "    base_url: https://bigcapital.example.com\n    api_key: k\n    jwt: j\n"
       "    organization_id: o\n",
       {R + "3: backends.ledger: give either api_key or jwt + organization_id, not both"}},
      {"organization_id without jwt",
       "spool_dir: /s\nbackends:\n  ledger:\n    type: bigcapital\n"
       "    base_url: https://bigcapital.example.com\n    api_key: k\n    organization_id: o\n",
       {R + "7: backends.ledger.organization_id: only used with jwt"}},
      {"no bigcapital credentials",
       "spool_dir: /s\nbackends:\n  ledger:\n    type: bigcapital\n"
       "    base_url: https://bigcapital.example.com\n",
       {R + "3: backends.ledger.api_key: missing required key (give api_key, api_key_file or "
            "api_key_credential; or jwt + organization_id)"}},
      {"bad auth_scheme",
       "spool_dir: /s\nbackends:\n  books:\n    type: campfire\n"
       "    base_url: https://api.meetcampfire.com\n    api_key: k\n    auth_scheme: Basic\n",
       {R + "7: backends.books.auth_scheme: invalid auth_scheme \"Basic\" (expected Token or "
            "Bearer)"}},
      {"alloy without credential_id",
       "spool_dir: /s\nbackends:\n  unified:\n    type: alloy\n"
       "    base_url: https://embedded.runalloy.com/2024-03/one\n    api_key: k\n",
       {R + "3: backends.unified.credential_id: missing required key (the Alloy connection's "
            "credential id)"}},
      {"bad backend name",
       "spool_dir: /s\nbackends:\n  my erp: {type: simetri, base_url: 'https://e.example', "
       "token: x}\n",
       {R + "3: backends: invalid backend name \"my erp\" (expected 1 to 64 of A-Z a-z 0-9 _ "
            "-)"}},
      {"backend name longer than 64",
       "spool_dir: /s\nbackends:\n  " + std::string(65, 'a') +
           ": {type: simetri, base_url: 'https://e.example', token: x}\n",
       {R + "3: backends: invalid backend name \"" + std::string(60, 'a') +
        "...\" (expected 1 to 64 of A-Z a-z 0-9 _ -)"}},
      {"unreadable ca_file",
       head + "    token: x\n    tls: {ca_file: @T@/no-ca.pem}\n",
       {R + "7: backends.erp.tls.ca_file: cannot read \"@T@/no-ca.pem\": No such file or "
            "directory"}},
      {"ca_file that is a directory",
       "spool_dir: /s\ndefaults:\n  tls:\n    ca_file: @T@\nbackends:\n" + erp,
       {R + "4: defaults.tls.ca_file: \"@T@\" is not a regular file"}},
      {"multiple errors reported together",
       "spool_dir: relative\n"
       "defaults:\n"
       "  rate: fast\n"
       "backends:\n"
       "  erp:\n"
       "    type: simetri\n"
       "    base_url: http://erp.example.id\n"
       "  books:\n"
       "    type: campfire\n"
       "    base_url: https://api.meetcampfire.com\n"
       "    api_key: k\n"
       "    auth_scheme: Basic\n"
       "    burst: 0\n",
       {R + "1: spool_dir: must be an absolute path, got \"relative\"",
        R + "3: defaults.rate: invalid rate \"fast\" (expected N/s, N/min or N/h)",
        R + "5: backends.erp.token: missing required key (give token, token_file or "
            "token_credential)",
        R + "7: backends.erp.base_url: plain http is refused for the non-loopback host "
            "\"erp.example.id\" (use https, or set allow_insecure_http: true)",
        R + "12: backends.books.auth_scheme: invalid auth_scheme \"Basic\" (expected Token or "
            "Bearer)",
        R + "13: backends.books.burst: must be 1 to 100000, got 0"}},
      {"max_pause: zero, garbage, longer than 30 days",
       "spool_dir: /s\n"
       "defaults:\n"
       "  max_pause: 0\n"
       "backends:\n"
       "  erp:\n"
       "    type: simetri\n"
       "    base_url: https://erp.example.id\n"
       "    token: x\n"
       "    max_pause: soon\n"
       "  erp2: {type: simetri, base_url: 'https://erp.example.id', token: x, max_pause: 31d}\n",
       {R + "3: defaults.max_pause: must be longer than zero",
        R + "9: backends.erp.max_pause: invalid duration \"soon\" (expected a whole number and "
            "a unit: 250ms, 30s, 5m, 1h or 3d)",
        R + "10: backends.erp2.max_pause: must be at most 30d, got 31d"}},
  };
}

}  // namespace

BOOST_AUTO_TEST_SUITE(load_errors)

BOOST_AUTO_TEST_CASE(each_broken_config_gives_its_exact_complaints) {
  temp_dir tmp;
  const std::string t = tmp.path().string();
  write_file(tmp / "secret", "s\n");
  write_file(tmp / "empty", "");
  write_file(tmp / "newline", "\n");
  write_file(tmp / "creds" / "erp-token", "c\n");
  BOOST_TEST_REQUIRE(::mkfifo((tmp / "fifo").c_str(), 0600) == 0);
  auto all = cases();
  BOOST_TEST(all.size() >= 25u);
  for (auto& c : all) {
    BOOST_TEST_CONTEXT(c.name) {
      load_result r =
          load_string(expand(c.yaml, t), "/etc/r.yaml", c.credentials_dir ? t + "/creds" : "");
      std::vector<std::string> expected;
      for (auto& e : c.expected) expected.push_back(expand(e, t));
      BOOST_TEST(!r.value.has_value());
      BOOST_TEST(r.errors == expected, boost::test_tools::per_element());
    }
  }
}

BOOST_AUTO_TEST_CASE(no_message_contains_a_secret_value) {
  temp_dir tmp;
  const std::string t = tmp.path().string();
  write_file(tmp / "ctl", "SEKRET-file\x01x\n");
  write_file(tmp / "creds" / "ctl", "SEKRET-cred\ny\n");
  const std::string yamls[] = {
      "spool_dir: /s\nbackends:\n  a: {type: simetri, base_url: 'https://a', token: "
      "SEKRET-1, token_file: /x}\n",
      "spool_dir: /s\nbackends:\n  a: {type: simetri, base_url: 'https://a', token: "
      "\"SEKRET-2\\n\"}\n",
      "spool_dir: /s\nbackends:\n  a: {type: simetri, base_url: 'https://a', token: "
      "{SEKRET-3: 1}}\n",
      "spool_dir: /s\nbackends:\n  a: {type: simetri, base_url: 'https://a', token_file: " + t +
          "/ctl}\n",
      "spool_dir: /s\nbackends:\n  a: {type: simetri, base_url: 'https://a', "
      "token_credential: ctl}\n",
      "spool_dir: /s\nbackends:\n  a: {type: simetri, base_url: 'https://u:SEKRET-4@a', token: "
      "x}\n",
      "spool_dir: /s\nbackends:\n  a: {type: simetri, base_url: 'https://a', tokn: SEKRET-5}\n",
      "spool_dir: /s\nbackends:\n  a: {type: simetri, base_url: 'https://a', api_key: "
      "SEKRET-6}\n",
      "spool_dir: /s\nbackends:\n  a:\n    type: simetri\n    base_url: https://a\n"
      "    token: SEKRET-7\n    token: SEKRET-8\n",
      "spool_dir: /s\nbackends:\n  a: {type: bigcapital, base_url: 'https://a', jwt: "
      "SEKRET-9, api_key: SEKRET-10}\n",
      "spool_dir: /s\nbackends:\n  a: {type: whmcs, base_url: 'https://a', secret: SEKRET-11, "
      "password: SEKRET-12}\n",
      "spool_dir: /s\nbackends:\n  a: {type: odoo, base_url: 'ftp://a', token: SEKRET-13}\n",
      "spool_dir: /s\nbackends:\n  a: {type: whmcs, base_url: 'https://a', username: u, "
      "password_md5: SEKRET-16}\n",
      "spool_dir: /s\nbackends:\n  a: {type: whmcs, base_url: 'https://a', username: u, "
      "password: SEKRET-17, password_md5: SEKRET-18}\n",
      "spool_dir: /s\nbackends:\n  a:\n    type: simetri\n    token: \"SEKRET-14\n",
      "spool_dir: /s\nbackends:\n  a: {type: simetri, base_url: 'https://a', token: '', "
      "access_key: SEKRET-15}\n",
  };
  reconcilerd::test::expect_refused_without_secrets(yamls, t + "/creds");
}

BOOST_AUTO_TEST_SUITE_END()
