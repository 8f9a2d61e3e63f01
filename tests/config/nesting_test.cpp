// The nesting-depth cap that runs before yaml-cpp (config/nesting.hpp): deep flow, block,
// compact-sequence and indentation nesting are refused with one clear line, without
// recursion; real configurations and deep-looking text (quotes, comments, block scalars)
// pass.
#include "config/nesting.hpp"

#include <boost/test/unit_test.hpp>
#include <string>

#include "config/load.hpp"

using namespace reconcilerd::config;

namespace {

std::string indented_maps(std::size_t depth) {
  std::string y;
  for (std::size_t i = 0; i < depth; ++i) y += std::string(i, ' ') + "a:\n";
  return y;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(nesting)

BOOST_AUTO_TEST_CASE(deep_documents_are_refused_before_yaml_cpp) {
  const std::string deep[] = {
      std::string(100000, '['),
      "backends: " + std::string(65, '{'),
      "spool_dir: /s\nbackends:\n  x: " + std::string(70, '[') + std::string(70, ']') + "\n",
      "k:\n" +
          [] {
            std::string s;
            for (int i = 0; i < 70; ++i) s += "- ";
            return s + "x\n";
          }(),
      indented_maps(70),
  };
  for (auto& y : deep) {
    auto r = load_string(y, "/etc/r.yaml", "");
    BOOST_TEST(!r.value.has_value());
    BOOST_REQUIRE_EQUAL(r.errors.size(), 1u);
    BOOST_TEST(r.errors[0].find("nesting deeper than 64 levels") != std::string::npos, r.errors[0]);
  }
  auto r =
      load_string("spool_dir: /s\nbackends: " + std::string(65, '[') + "\n", "/etc/r.yaml", "");
  BOOST_REQUIRE_EQUAL(r.errors.size(), 1u);
  BOOST_TEST(r.errors[0] ==
             "/etc/r.yaml:2: nesting deeper than 64 levels (a configuration needs only a few)");
}

BOOST_AUTO_TEST_CASE(the_limit_is_64) {
  BOOST_TEST(yaml_too_deep_line(std::string(63, '[')) == 0);
  BOOST_TEST(yaml_too_deep_line(std::string(64, '[')) == 1);  // plus the top-level line
  BOOST_TEST(yaml_too_deep_line(indented_maps(64)) == 0);
  BOOST_TEST(yaml_too_deep_line(indented_maps(65)) == 65);
}

BOOST_AUTO_TEST_CASE(brackets_in_text_do_not_count) {
  const std::string many(200, '[');
  BOOST_TEST(yaml_too_deep_line("a: '" + many + "'\n") == 0);
  BOOST_TEST(yaml_too_deep_line("a: \"" + many + "\\\"" + many + "\"\n") == 0);
  BOOST_TEST(yaml_too_deep_line("a: x # " + many + "\n") == 0);
  BOOST_TEST(yaml_too_deep_line("a: |\n  " + many + "\n  " + many + "\nb: 1\n") == 0);
  BOOST_TEST(yaml_too_deep_line("a: 'it''s " + many + "'\n") == 0);
  // After the block scalar ends, structure counts again.
  BOOST_TEST(yaml_too_deep_line("a: >-\n  " + many + "\nb: " + many + "\n") == 3);
}

BOOST_AUTO_TEST_CASE(the_example_configuration_is_not_affected) {
  auto r = load_file(RECONCILERD_SOURCE_DIR "/config/reconcilerd.example.yaml", "");
  for (auto& e : r.errors) BOOST_TEST(e.find("nesting") == std::string::npos, e);
}

BOOST_AUTO_TEST_SUITE_END()

// yaml-cpp 0.7's LoadAll never returns (and allocates without bound) on a ',' at the top
// level of a document; found by tests/fuzz (fuzz_config, corpus/config/regress_*).
BOOST_AUTO_TEST_CASE(a_stray_top_level_comma_is_refused_not_looped_on) {
  const std::pair<std::string, int> stray[] = {
      {",", 1},
      {", a: k\n", 1},
      {"---\n,\n", 2},
      {"[a]\n,\n", 2},
      {"# c\n,\n", 2},
      {"--- ,\n", 1},
      {"spool_dir: /s\nbackends: [a], b\n", 2},
      {std::string("\0\0\0, \x9f\x89i_key: k}\n}\n", 19), 1},
  };
  for (auto& [yaml, line] : stray) {
    BOOST_TEST(yaml_stray_comma_line(yaml) == line, yaml);
    auto r = load_string(yaml, "/etc/r.yaml", "");
    BOOST_REQUIRE_EQUAL(r.errors.size(), 1u);
    BOOST_TEST(r.errors[0] ==
               "/etc/r.yaml:" + std::to_string(line) +
                   ": YAML syntax error: ',' outside [ ] or { } cannot start a value");
  }
  const std::string fine[] = {"a: x ,y\n",         "a: 1, 2\n",      "a: [1, 2]\n",
                              "a: {b: 1, c: 2}\n", "a: [1,\n  2]\n", "a: ', b'\n",
                              "a: b # , c\n",      "a: |\n  ,\n",    "url: http://x, y\n"};
  for (auto& yaml : fine) BOOST_TEST(yaml_stray_comma_line(yaml) == 0, yaml);
}
