// Permission warnings of the loader: a configuration file holding inline secrets, or a
// secret file (`<key>_file`), that others may read gets one warning line naming the path and
// the mode (never the secret). Group read is expected (the daemon's group); warnings are
// not errors.
#include <sys/stat.h>

#include <boost/test/unit_test.hpp>
#include <cstdio>

#include "config/load.hpp"
#include "tests/support/temp_dir.hpp"

using namespace reconcilerd::config;
using reconcilerd::test::temp_dir;
using reconcilerd::test::write_file;

namespace {

std::string written(const temp_dir& t, const std::string& name, const std::string& content,
                    mode_t mode) {
  std::string path = (t / name).string();
  write_file(path, content);
  BOOST_TEST_REQUIRE(::chmod(path.c_str(), mode) == 0);
  return path;
}

load_result loaded(const std::string& path) {
  load_result r = load_file(path, {});
  for (auto& e : r.errors) BOOST_TEST_MESSAGE("unexpected error: " << e);
  BOOST_TEST_REQUIRE(r.errors.empty());
  return r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(permissions)

BOOST_AUTO_TEST_CASE(config_with_inline_secrets_readable_by_others) {
  temp_dir t;
  const std::string yaml =
      "spool_dir: /s\n"
      "backends:\n"
      "  erp: {type: simetri, base_url: 'https://erp.example.id', token: SEKRET-1}\n"
      "  billing:\n"
      "    type: whmcs\n"
      "    base_url: https://billing.example.com\n"
      "    identifier: abc\n"
      "    secret: SEKRET-2\n";
  for (mode_t mode : {0644, 0604, 0666}) {
    std::string path = written(t, "r.yaml", yaml, mode);
    char shown[8];
    std::snprintf(shown, sizeof shown, "%04o", static_cast<unsigned>(mode));
    BOOST_TEST_CONTEXT(shown) {
      auto r = loaded(path);
      // One line for the file, at its first inline secret.
      BOOST_TEST(r.warnings ==
                 (std::vector<std::string>{
                     path +
                     ":3: backends.erp.token: secrets are given inline and this file is "
                     "readable by others (mode " +
                     shown +
                     "): remove their read permission (chmod o-r) or use <key>_file or "
                     "<key>_credential"}));
      BOOST_TEST(r.value.has_value());
    }
  }
  for (mode_t mode : {0640, 0600, 0400, 0660}) {
    BOOST_TEST_CONTEXT(mode) {
      auto r = loaded(written(t, "r.yaml", yaml, mode));
      BOOST_TEST(r.warnings.empty());
    }
  }
}

BOOST_AUTO_TEST_CASE(config_without_inline_secrets_may_be_world_readable) {
  temp_dir t;
  std::string token = written(t, "token", "SEKRET-3\n", 0640);
  auto r = loaded(written(t, "r.yaml",
                          "spool_dir: /s\nbackends:\n  erp: {type: simetri, base_url: "
                          "'https://erp.example.id', token_file: " +
                              token + "}\n",
                          0644));
  BOOST_TEST(r.warnings.empty());
}

BOOST_AUTO_TEST_CASE(secret_files_readable_by_others) {
  temp_dir t;
  std::string open_token = written(t, "open-token", "SEKRET-4\n", 0644);
  std::string group_token = written(t, "group-token", "SEKRET-5\n", 0640);
  std::string open_key = written(t, "open-key", "SEKRET-6", 0604);
  std::string path =
      written(t, "r.yaml",
              "spool_dir: /s\n"
              "backends:\n"
              "  a: {type: simetri, base_url: 'https://a.example', token_file: " +
                  open_token +
                  "}\n"
                  "  b: {type: simetri, base_url: 'https://b.example', token_file: " +
                  group_token +
                  "}\n"
                  "  c:\n"
                  "    type: whmcs\n"
                  "    base_url: https://c.example\n"
                  "    identifier: abc\n"
                  "    secret_file: " +
                  group_token +
                  "\n"
                  "    access_key_file: " +
                  open_key + "\n",
              0640);
  auto r = loaded(path);
  BOOST_TEST(r.warnings ==
             (std::vector<std::string>{
                 path + ":3: backends.a.token_file: secret file \"" + open_token +
                     "\" is readable by others (mode 0644): remove their read permission (chmod "
                     "o-r)",
                 path + ":10: backends.c.access_key_file: secret file \"" + open_key +
                     "\" is readable by others (mode 0604): remove their read permission (chmod "
                     "o-r)"}));
  for (auto& w : r.warnings) BOOST_TEST(w.find("SEKRET") == std::string::npos, w);
}

BOOST_AUTO_TEST_CASE(a_string_without_a_file_has_no_mode_to_judge) {
  load_result r = load_string(
      "spool_dir: /s\nbackends:\n  erp: {type: simetri, base_url: 'https://e', token: x}\n",
      "/etc/r.yaml", {});
  BOOST_TEST(r.errors.empty());
  BOOST_TEST(r.warnings.empty());
}

BOOST_AUTO_TEST_SUITE_END()
