// Golden-file helpers shared by the simetri and whmcs adapter tests: load a case file
// (job input + expected request) from tests/backends/golden/<api>/, decode a
// form-urlencoded body into ordered pairs, and compare a built request field by field.
// Form values named in `structural` are compared as parsed Python literals, not as text.
#pragma once

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "backends/backend.hpp"
#include "jobs/job.hpp"
#include "tests/support/python_literal.hpp"
#include "tests/support/temp_dir.hpp"

namespace reconcilerd::test::golden {

namespace json = boost::json;
using form_fields = std::vector<std::pair<std::string, std::string>>;

inline std::filesystem::path dir(const std::string& api) {
  return std::filesystem::path(RECONCILERD_SOURCE_DIR) / "tests/backends/golden" / api;
}

// Every *.json case file of `api`, sorted by name.
inline std::vector<std::filesystem::path> case_files(const std::string& api) {
  std::vector<std::filesystem::path> out;
  for (auto& e : std::filesystem::directory_iterator(dir(api)))
    if (e.path().extension() == ".json") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

inline json::object load(const std::filesystem::path& p) {
  return json::parse(read_file(p)).as_object();
}

// The job a case file describes: "invoice_id" (string or integer) and "update".
inline jobs::job job_of(const json::object& c, const std::string& name) {
  jobs::job j;
  j.name = name;
  j.backend = "golden";
  const json::value& id = c.at("invoice_id");
  j.invoice_id_is_integer = id.is_int64();
  j.invoice_id = id.is_int64() ? std::to_string(id.get_int64()) : std::string(id.as_string());
  j.update = c.at("update").as_object();
  return j;
}

inline int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// application/x-www-form-urlencoded -> ordered pairs. A bad escape fails the test.
inline std::string form_decode_part(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      out += ' ';
    } else if (s[i] == '%' && i + 2 < s.size() && hex_value(s[i + 1]) >= 0 &&
               hex_value(s[i + 2]) >= 0) {
      out += static_cast<char>(hex_value(s[i + 1]) * 16 + hex_value(s[i + 2]));
      i += 2;
    } else {
      BOOST_TEST(s[i] != '%', "bad percent escape in form body");
      out += s[i];
    }
  }
  return out;
}

inline form_fields form_decode(std::string_view body) {
  form_fields out;
  while (!body.empty()) {
    auto amp = body.find('&');
    std::string_view part = body.substr(0, amp);
    auto eq = part.find('=');
    BOOST_TEST(eq != std::string_view::npos, "form part without '=': " << part);
    out.emplace_back(form_decode_part(part.substr(0, eq)),
                     eq == std::string_view::npos ? "" : form_decode_part(part.substr(eq + 1)));
    if (amp == std::string_view::npos) break;
    body.remove_prefix(amp + 1);
  }
  return out;
}

// Compares `actual` with the expected request `e` ({"method", "target", "headers":
// [[name, value]...], "form": [[name, value]...]}); values of form fields named in
// `structural` are parsed as Python literals on both sides and compared as values.
inline void expect_request(const backends::request& actual, const json::object& e,
                           const std::set<std::string>& structural = {}) {
  BOOST_TEST(actual.method == std::string(e.at("method").as_string()));
  BOOST_TEST(actual.target == std::string(e.at("target").as_string()));
  const auto& headers = e.at("headers").as_array();
  BOOST_TEST_REQUIRE(actual.headers.size() == headers.size());
  for (std::size_t i = 0; i < headers.size(); ++i) {
    BOOST_TEST(actual.headers[i].name == std::string(headers[i].as_array()[0].as_string()));
    BOOST_TEST(actual.headers[i].value == std::string(headers[i].as_array()[1].as_string()));
  }
  if (!e.contains("form")) {
    BOOST_TEST(actual.body.empty());
    return;
  }
  // The body is pure 7-bit ASCII (everything else percent-encoded).
  BOOST_TEST(std::all_of(actual.body.begin(), actual.body.end(),
                         [](char c) { return c > 0x20 && c < 0x7f; }));
  const form_fields got = form_decode(actual.body);
  const auto& want = e.at("form").as_array();
  BOOST_TEST_REQUIRE(got.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    const std::string name(want[i].as_array()[0].as_string());
    const std::string value(want[i].as_array()[1].as_string());
    BOOST_TEST_CONTEXT("form field " << i << " (" << name << ")") {
      BOOST_TEST(got[i].first == name);
      if (structural.count(name)) {
        std::string got_error, want_error;
        auto g = parse_python_literal(got[i].second, &got_error);
        auto w = parse_python_literal(value, &want_error);
        BOOST_TEST_REQUIRE(w.has_value(), "golden literal: " << want_error);
        BOOST_TEST_REQUIRE(g.has_value(), "sent literal: " << got_error << " in " << got[i].second);
        BOOST_TEST(json::serialize(*g) == json::serialize(*w));
        BOOST_TEST((*g == *w));
      } else {
        BOOST_TEST(got[i].second == value);
      }
    }
  }
}

}  // namespace reconcilerd::test::golden
