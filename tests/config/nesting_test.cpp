// The nesting-depth cap that runs before yaml-cpp (config/nesting.hpp): deep flow, block,
// compact-sequence and indentation nesting are refused with one clear line, without
// recursion; real configurations and deep-looking text (quotes, comments, block scalars)
// pass.
#include "config/nesting.hpp"

#include <boost/test/unit_test.hpp>
#include <string>
#include <tuple>

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

// yaml-cpp 0.7's LoadAll never returns (and allocates without bound) when a document begins
// with a token it cannot start a node with; found by tests/fuzz (fuzz_config,
// corpus/config/regress_*). The loader detects the lack of progress and refuses the text.
BOOST_AUTO_TEST_CASE(a_document_yaml_cpp_would_loop_on_is_refused) {
  const std::tuple<std::string, int, char> stuck[] = {
      {",", 1, ','},
      {", a: k\n", 1, ','},
      {"---\n,\n", 2, ','},
      {"[a]\n,\n", 2, ','},
      {"# c\n,\n", 2, ','},
      {"!x,\n", 1, ','},
      {"\"a\",\n", 1, ','},
      {"&a ,\n", 1, ','},
      {"a\n---\nb\n---\n,\n", 5, ','},
      {std::string("\0\0\0, \x9f\x89i_key: k}\n}\n", 19), 1, 0},
      {std::string("!,\x8d\xff\xff\xff\xff\xff\xff-e\xf6", 12), 1, ','},
  };
  for (auto& [yaml, line, c] : stuck) {
    auto r = load_string(yaml, "/etc/r.yaml", "");
    BOOST_REQUIRE_EQUAL(r.errors.size(), 1u);
    const std::string what =
        c ? std::string("unexpected '") + c + "'" : std::string("unexpected character");
    BOOST_TEST(r.errors[0] ==
               "/etc/r.yaml:" + std::to_string(line) + ": YAML syntax error: " + what);
  }
  // Commas yaml-cpp reads are not affected: still the usual answers.
  for (std::string yaml : {"spool_dir: /s, /t\nbackends: {a: 1, b: 2}\n", "a: x ,y\n"}) {
    auto r = load_string(yaml, "/etc/r.yaml", "");
    for (auto& e : r.errors) BOOST_TEST(e.find("unexpected") == std::string::npos, e);
  }
}
