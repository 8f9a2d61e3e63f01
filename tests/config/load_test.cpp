// Loading valid configurations: built-in defaults, `defaults:` merged into every backend,
// per-backend overrides (retry and tls key by key), the three secret forms, per-type
// credentials, URL forms, warnings, load_file, and the shipped example config.
#include "config/load.hpp"

#include <boost/test/unit_test.hpp>

#include "tests/support/temp_dir.hpp"

using namespace reconcilerd::config;
using namespace std::chrono_literals;
using reconcilerd::test::temp_dir;
using reconcilerd::test::write_file;

namespace {

const std::string name = "/etc/r.yaml";

// Loads `yaml` and requires success (printing the errors otherwise).
config must_load(const std::string& yaml, const std::string& credentials_dir = {},
                 std::vector<std::string>* warnings = nullptr) {
  load_result r = load_string(yaml, name, credentials_dir);
  for (auto& e : r.errors) BOOST_TEST_MESSAGE("unexpected error: " << e);
  BOOST_TEST_REQUIRE(r.errors.empty());
  BOOST_TEST_REQUIRE(r.value.has_value());
  if (warnings) *warnings = r.warnings;
  return *r.value;
}

const backend& get(const config& c, std::string_view backend_name) {
  const backend* b = c.find(backend_name);
  BOOST_TEST_REQUIRE(b != nullptr);
  return *b;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(load)

BOOST_AUTO_TEST_CASE(minimal_config_gets_the_built_in_defaults) {
  config c = must_load(
      "spool_dir: /var/spool/r\n"
      "backends:\n"
      "  erp:\n"
      "    type: simetri\n"
      "    base_url: https://erp.example.id\n"
      "    token: t0ken\n");
  BOOST_TEST(c.path == name);
  BOOST_TEST(c.spool_dir == "/var/spool/r");
  BOOST_TEST(c.status_log == "");
  BOOST_TEST(c.metrics_file == "");
  BOOST_TEST_REQUIRE(c.backends.size() == 1u);
  const backend& b = c.backends[0];
  BOOST_TEST(b.name == "erp");
  BOOST_TEST((b.type == backend_type::simetri));
  BOOST_TEST(b.base_url_text == "https://erp.example.id");
  BOOST_TEST(b.base_url.scheme == "https");
  BOOST_TEST(b.base_url.host == "erp.example.id");
  BOOST_TEST(b.base_url.port == 443);
  BOOST_TEST(b.base_url.path == "");
  BOOST_TEST(b.timeout.count() == 30'000);
  BOOST_TEST(b.concurrency == 4);
  BOOST_TEST(b.rate.per_second == 10.0);
  BOOST_TEST(b.rate.text == "10/s");
  BOOST_TEST(b.burst == 10);
  BOOST_TEST(b.retry.initial_backoff.count() == 30'000);
  BOOST_TEST(b.retry.max_backoff.count() == 3'600'000);
  BOOST_TEST(b.retry.max_attempts == 15);
  BOOST_TEST(b.retry.max_age.count() == 3 * 86'400'000);
  BOOST_TEST(b.done_retention.count() == 7 * 86'400'000LL);
  BOOST_TEST(b.tls.ca_file == "");
  BOOST_TEST(b.tls.verify == true);
  BOOST_TEST(b.allow_insecure_http == false);
  BOOST_TEST(b.strict_fields == true);
  BOOST_TEST(b.secrets == (std::map<std::string, std::string>{{"token", "t0ken"}}));
  BOOST_TEST(b.params.empty());
}

BOOST_AUTO_TEST_CASE(defaults_merge_into_every_backend_and_backends_override) {
  temp_dir tmp;
  write_file(tmp / "ca.pem", "-----BEGIN CERTIFICATE-----\n");
  write_file(tmp / "other-ca.pem", "-----BEGIN CERTIFICATE-----\n");
  const std::string t = tmp.path().string();
  std::vector<std::string> warnings;
  config c = must_load(
      "spool_dir: /srv/spool\n"
      "status_log: /var/log/r/status.log\n"
      "metrics_file: /run/r/metrics\n"
      "defaults:\n"
      "  timeout: 10s\n"
      "  concurrency: 8\n"
      "  rate: 150/min\n"
      "  burst: 20\n"
      "  retry:\n"
      "    initial_backoff: 5s\n"
      "    max_backoff: 10m\n"
      "    max_attempts: 3\n"
      "  done_retention: 0\n"
      "  strict_fields: false\n"
      "  tls:\n"
      "    ca_file: " +
          t +
          "/ca.pem\n"
          "backends:\n"
          "  erp:\n"
          "    type: simetri\n"
          "    base_url: https://erp.example.id\n"
          "    token: a\n"
          "  fast:\n"
          "    type: simetri\n"
          "    base_url: https://fast.example.id\n"
          "    token: b\n"
          "    timeout: 250ms\n"
          "    concurrency: 1\n"
          "    rate: 0.5/s\n"
          "    burst: 1\n"
          "    retry:\n"
          "      max_backoff: 1m\n"
          "      max_age: 1h\n"
          "    done_retention: 1d\n"
          "    strict_fields: true\n"
          "    tls:\n"
          "      verify: false\n",
      {}, &warnings);
  BOOST_TEST(c.status_log == "/var/log/r/status.log");
  BOOST_TEST(c.metrics_file == "/run/r/metrics");
  BOOST_TEST_REQUIRE(c.backends.size() == 2u);

  const backend& erp = get(c, "erp");
  BOOST_TEST(erp.timeout.count() == 10'000);
  BOOST_TEST(erp.concurrency == 8);
  BOOST_TEST(erp.rate.per_second == 2.5);
  BOOST_TEST(erp.rate.text == "150/min");
  BOOST_TEST(erp.burst == 20);
  BOOST_TEST(erp.retry.initial_backoff.count() == 5'000);
  BOOST_TEST(erp.retry.max_backoff.count() == 600'000);
  BOOST_TEST(erp.retry.max_attempts == 3);
  BOOST_TEST(erp.retry.max_age.count() == 3 * 86'400'000);  // built-in, not in defaults
  BOOST_TEST(erp.done_retention.count() == 0);
  BOOST_TEST(erp.strict_fields == false);
  BOOST_TEST(erp.tls.ca_file == t + "/ca.pem");
  BOOST_TEST(erp.tls.verify == true);

  const backend& fast = get(c, "fast");
  BOOST_TEST(fast.timeout.count() == 250);
  BOOST_TEST(fast.concurrency == 1);
  BOOST_TEST(fast.rate.per_second == 0.5);
  BOOST_TEST(fast.rate.text == "0.5/s");
  BOOST_TEST(fast.burst == 1);
  BOOST_TEST(fast.retry.initial_backoff.count() == 5'000);  // from defaults
  BOOST_TEST(fast.retry.max_backoff.count() == 60'000);     // own
  BOOST_TEST(fast.retry.max_attempts == 3);                 // from defaults
  BOOST_TEST(fast.retry.max_age.count() == 3'600'000);      // own
  BOOST_TEST(fast.done_retention.count() == 86'400'000);
  BOOST_TEST(fast.strict_fields == true);
  BOOST_TEST(fast.tls.ca_file == t + "/ca.pem");  // from defaults
  BOOST_TEST(fast.tls.verify == false);           // own

  BOOST_TEST(
      warnings == (std::vector<std::string>{"/etc/r.yaml:36: backends.fast.tls.verify: TLS "
                                            "certificate verification is disabled for backend "
                                            "\"fast\""}),
      boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(max_pause_default_from_defaults_and_per_backend) {
  config c = must_load(
      "spool_dir: /s\n"
      "backends:\n"
      "  a: {type: simetri, base_url: 'https://a.example', token: x}\n");
  BOOST_TEST(get(c, "a").max_pause.count() == 3'600'000);  // built-in: 1h
  c = must_load(
      "spool_dir: /s\n"
      "defaults: {max_pause: 10m}\n"
      "backends:\n"
      "  a: {type: simetri, base_url: 'https://a.example', token: x}\n"
      "  b: {type: simetri, base_url: 'https://b.example', token: x, max_pause: 30s}\n");
  BOOST_TEST(get(c, "a").max_pause.count() == 600'000);
  BOOST_TEST(get(c, "b").max_pause.count() == 30'000);
}

BOOST_AUTO_TEST_CASE(verify_false_in_defaults_warns_once_per_backend) {
  std::vector<std::string> warnings;
  must_load(
      "spool_dir: /s\n"
      "defaults:\n"
      "  tls: {verify: false}\n"
      "backends:\n"
      "  a: {type: simetri, base_url: 'https://a.example', token: x}\n"
      "  b: {type: simetri, base_url: 'https://b.example', token: x, tls: {verify: true}}\n"
      "  c: {type: simetri, base_url: 'https://c.example', token: x}\n",
      {}, &warnings);
  BOOST_TEST(warnings == (std::vector<std::string>{
                             "/etc/r.yaml:3: defaults.tls.verify: TLS certificate verification is "
                             "disabled for backend \"a\"",
                             "/etc/r.yaml:3: defaults.tls.verify: TLS certificate verification is "
                             "disabled for backend \"c\""}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(secrets_in_all_three_forms) {
  temp_dir tmp;
  write_file(tmp / "lf", "from-file\n");
  write_file(tmp / "crlf", "from-crlf\r\n");
  write_file(tmp / "creds" / "erp-token", "from-credential\n");
  write_file(tmp / "plain", "no-newline");
  const std::string t = tmp.path().string();
  config c = must_load(
      "spool_dir: /s\n"
      "backends:\n"
      "  inline: {type: simetri, base_url: 'https://a.example', token: 'in line'}\n"
      "  file: {type: simetri, base_url: 'https://a.example', token_file: " +
          t +
          "/lf}\n"
          "  crlf: {type: simetri, base_url: 'https://a.example', token_file: " +
          t +
          "/crlf}\n"
          "  plain: {type: simetri, base_url: 'https://a.example', token_file: " +
          t +
          "/plain}\n"
          "  cred: {type: simetri, base_url: 'https://a.example', token_credential: erp-token}\n",
      t + "/creds");
  BOOST_TEST(get(c, "inline").secret("token") == "in line");
  BOOST_TEST(get(c, "file").secret("token") == "from-file");
  BOOST_TEST(get(c, "crlf").secret("token") == "from-crlf");
  BOOST_TEST(get(c, "plain").secret("token") == "no-newline");
  BOOST_TEST(get(c, "cred").secret("token") == "from-credential");
  // A trailing '/' on $CREDENTIALS_DIRECTORY makes no difference.
  config c2 = must_load(
      "spool_dir: /s\n"
      "backends:\n"
      "  cred: {type: simetri, base_url: 'https://a.example', token_credential: erp-token}\n",
      t + "/creds/");
  BOOST_TEST(get(c2, "cred").secret("token") == "from-credential");
}

BOOST_AUTO_TEST_CASE(per_type_credentials_and_params) {
  config c = must_load(
      "spool_dir: /s\n"
      "backends:\n"
      "  billing:\n"
      "    type: whmcs\n"
      "    base_url: https://billing.example.com/whmcs/\n"
      "    identifier: abc\n"
      "    secret: s1\n"
      "    access_key: ak\n"
      "  billing2:\n"
      "    type: whmcs\n"
      "    base_url: https://billing.example.com\n"
      "    username: admin\n"
      "    password: pw\n"
      "  billing3:\n"
      "    type: whmcs\n"
      "    base_url: https://billing.example.com\n"
      "    username: admin\n"
      "    password_md5: 5F4DCC3B5AA765D61D8327DEB882CF99\n"
      "  unified:\n"
      "    type: alloy\n"
      "    base_url: https://embedded.runalloy.com/2024-03/one\n"
      "    api_key: k1\n"
      "    credential_id: 6543a1\n"
      "  books:\n"
      "    type: campfire\n"
      "    base_url: https://api.meetcampfire.com\n"
      "    api_key: k2\n"
      "  books2:\n"
      "    type: campfire\n"
      "    base_url: https://api.meetcampfire.com\n"
      "    api_key: k3\n"
      "    auth_scheme: Bearer\n"
      "  ledger:\n"
      "    type: bigcapital\n"
      "    base_url: https://bigcapital.example.com\n"
      "    api_key: bc_k4\n"
      "  ledger2:\n"
      "    type: bigcapital\n"
      "    base_url: https://bigcapital.example.com\n"
      "    jwt: eyJ.x.y\n"
      "    organization_id: org-7\n");
  using strings = std::map<std::string, std::string>;
  struct row {
    std::string_view name;
    backend_type type;
    strings secrets, params;
  };
  const row rows[] = {
      {"billing",
       backend_type::whmcs,
       {{"secret", "s1"}, {"access_key", "ak"}},
       {{"identifier", "abc"}}},
      {"billing2", backend_type::whmcs, {{"password", "pw"}}, {{"username", "admin"}}},
      {"billing3",
       backend_type::whmcs,
       {{"password_md5", "5F4DCC3B5AA765D61D8327DEB882CF99"}},
       {{"username", "admin"}}},
      {"unified", backend_type::alloy, {{"api_key", "k1"}}, {{"credential_id", "6543a1"}}},
      {"books", backend_type::campfire, {{"api_key", "k2"}}, {{"auth_scheme", "Token"}}},
      {"books2", backend_type::campfire, {{"api_key", "k3"}}, {{"auth_scheme", "Bearer"}}},
      {"ledger", backend_type::bigcapital, {{"api_key", "bc_k4"}}, {}},
      {"ledger2", backend_type::bigcapital, {{"jwt", "eyJ.x.y"}}, {{"organization_id", "org-7"}}},
  };
  BOOST_TEST(c.backends.size() == std::size(rows));
  for (auto& r : rows) {
    BOOST_TEST_CONTEXT(r.name) {
      const backend& b = get(c, r.name);
      BOOST_TEST((b.type == r.type));
      BOOST_TEST(b.secrets == r.secrets);
      BOOST_TEST(b.params == r.params);
    }
  }
  BOOST_TEST(get(c, "billing").base_url.path == "/whmcs");
}

BOOST_AUTO_TEST_CASE(url_forms_and_the_http_rule) {
  config c = must_load(
      "spool_dir: /s\n"
      "backends:\n"
      "  v6: {type: simetri, base_url: 'https://[::1]:8443/api/', token: x}\n"
      "  local4: {type: simetri, base_url: 'http://127.0.0.1:8080', token: x}\n"
      "  localname: {type: simetri, base_url: 'http://localhost/x', token: x}\n"
      "  local6: {type: simetri, base_url: 'http://[::1]', token: x}\n"
      "  lan: {type: simetri, base_url: 'http://10.1.2.3/', token: x, "
      "allow_insecure_http: true}\n");
  struct row {
    std::string_view name, scheme, host;
    int port;
    std::string_view path;
  };
  const row rows[] = {
      {"v6", "https", "::1", 8443, "/api"},         {"local4", "http", "127.0.0.1", 8080, ""},
      {"localname", "http", "localhost", 80, "/x"}, {"local6", "http", "::1", 80, ""},
      {"lan", "http", "10.1.2.3", 80, ""},
  };
  for (auto& r : rows) {
    BOOST_TEST_CONTEXT(r.name) {
      const url& u = get(c, r.name).base_url;
      BOOST_TEST(u.scheme == r.scheme);
      BOOST_TEST(u.host == r.host);
      BOOST_TEST(u.port == r.port);
      BOOST_TEST(u.path == r.path);
    }
  }
  BOOST_TEST(get(c, "lan").allow_insecure_http == true);
  BOOST_TEST(get(c, "local4").allow_insecure_http == false);
}

BOOST_AUTO_TEST_CASE(allow_insecure_http_from_defaults) {
  config c = must_load(
      "spool_dir: /s\n"
      "defaults: {allow_insecure_http: true}\n"
      "backends:\n"
      "  lan: {type: simetri, base_url: 'http://erp.lan', token: x}\n");
  BOOST_TEST(get(c, "lan").base_url.host == "erp.lan");
}

BOOST_AUTO_TEST_CASE(empty_optional_maps_and_comments) {
  config c = must_load(
      "# leading comment\n"
      "\n"
      "spool_dir: /s   # trailing\n"
      "defaults:\n"
      "backends:\n"
      "  erp:\n"
      "    type: simetri\n"
      "    base_url: https://erp.example.id\n"
      "    token: x\n"
      "    retry:\n"
      "    tls: {}\n");
  BOOST_TEST(get(c, "erp").retry.max_attempts == 15);
}

BOOST_AUTO_TEST_CASE(load_file_reads_the_file_and_names_it) {
  temp_dir tmp;
  auto path = (tmp / "r.yaml").string();
  write_file(path,
             "spool_dir: /s\n"
             "backends:\n"
             "  erp: {type: simetri, base_url: 'https://a.example', token: x}\n");
  load_result r = load_file(path, {});
  BOOST_TEST(r.errors.empty());
  BOOST_TEST_REQUIRE(r.value.has_value());
  BOOST_TEST(r.value->path == path);
  BOOST_TEST(r.value->backends.size() == 1u);

  write_file(path, "spool_dir: /s\nbackends: {}\n");
  r = load_file(path, {});
  BOOST_TEST(!r.value.has_value());
  BOOST_TEST(r.errors == (std::vector<std::string>{
                             path + ":2: backends: at least one backend is required"}),
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(load_file_problems_with_the_file_itself) {
  temp_dir tmp;
  const std::string t = tmp.path().string();
  write_file(tmp / "big.yaml", "# " + std::string(1024 * 1024, 'x') + "\n");
  const std::pair<std::string, std::string> rows[] = {
      {t + "/missing.yaml",
       t + "/missing.yaml: cannot read the configuration file: No such file or directory"},
      {t, t + ": the configuration file is not a regular file"},
      {t + "/big.yaml", t + "/big.yaml: the configuration file is larger than 1 MiB"},
  };
  for (auto& [path, message] : rows) {
    BOOST_TEST_CONTEXT(path) {
      load_result r = load_file(path, {});
      BOOST_TEST(!r.value.has_value());
      BOOST_TEST(r.errors == std::vector<std::string>{message}, boost::test_tools::per_element());
    }
  }
}

BOOST_AUTO_TEST_CASE(the_example_config_loads) {
  temp_dir tmp;
  const char* credentials[] = {"erp-token", "whmcs-secret", "alloy-api-key", "campfire-api-key",
                               "bigcapital-api-key"};
  for (auto* c : credentials) write_file(tmp / c, std::string("value-of-") + c + "\n");
  const std::string example =
      std::string(RECONCILERD_SOURCE_DIR) + "/config/reconcilerd.example.yaml";
  load_result r = load_file(example, tmp.path().string());
  BOOST_TEST(r.errors.empty(), boost::test_tools::per_element());
  for (auto& e : r.errors) BOOST_TEST_MESSAGE(e);
  BOOST_TEST(r.warnings.empty());
  BOOST_TEST_REQUIRE(r.value.has_value());
  const config& c = *r.value;
  BOOST_TEST(c.spool_dir == "/var/spool/reconcilerd");
  BOOST_TEST(c.status_log == "/var/log/reconcilerd/status.log");
  std::vector<std::string> names;
  for (auto& b : c.backends) names.push_back(b.name);
  BOOST_TEST(names == (std::vector<std::string>{"erp", "billing", "unified", "books", "ledger"}),
             boost::test_tools::per_element());
  BOOST_TEST(get(c, "erp").secret("token") == "value-of-erp-token");
  BOOST_TEST(get(c, "erp").rate.text == "5/s");
  BOOST_TEST(get(c, "billing").secret("secret") == "value-of-whmcs-secret");
  BOOST_TEST(get(c, "billing").param("identifier") == "abc");
  BOOST_TEST(get(c, "unified").base_url.path == "/2024-03/one");
  BOOST_TEST(get(c, "unified").rate.per_second == 2.5);
  BOOST_TEST(get(c, "books").param("auth_scheme") == "Token");
  BOOST_TEST(get(c, "ledger").secret("api_key") == "value-of-bigcapital-api-key");
  BOOST_TEST(get(c, "ledger").burst == 1);
}

BOOST_AUTO_TEST_SUITE_END()
