// Helpers shared by the config tests: "@T@" placeholders for a temp directory, and the check
// that a refused configuration's messages never contain a secret (every secret in those
// tests is spelt with "SEKRET").
#pragma once

#include <boost/test/unit_test.hpp>
#include <span>
#include <string>

#include "config/load.hpp"

namespace reconcilerd::test {

// `s` with every "@T@" replaced by `dir`.
inline std::string expand(std::string s, const std::string& dir) {
  for (std::size_t at = s.find("@T@"); at != std::string::npos; at = s.find("@T@", at))
    s.replace(at, 3, dir);
  return s;
}

// Each of `yamls` must be refused, and no error or warning may contain "SEKRET".
inline void expect_refused_without_secrets(std::span<const std::string> yamls,
                                           const std::string& credentials_dir) {
  for (auto& yaml : yamls) {
    BOOST_TEST_CONTEXT(yaml) {
      config::load_result r = config::load_string(yaml, "/etc/r.yaml", credentials_dir);
      BOOST_TEST(!r.errors.empty());
      for (auto& line : r.errors) {
        BOOST_TEST_MESSAGE(line);
        BOOST_TEST(line.find("SEKRET") == std::string::npos, line);
      }
      for (auto& line : r.warnings) BOOST_TEST(line.find("SEKRET") == std::string::npos, line);
    }
  }
}

}  // namespace reconcilerd::test
