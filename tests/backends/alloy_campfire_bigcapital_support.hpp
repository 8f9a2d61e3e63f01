// Golden-file support for the alloy, campfire and bigcapital adapter tests.
// A golden file (tests/backends/golden/<api>/*.json) holds the backend settings, a job, and
// the exact request (and read-back request) expected: compared field by field (method,
// target, each header in order, the JSON body parsed and compared structurally).
#pragma once

#include <algorithm>
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "backends/backend.hpp"
#include "config/config.hpp"
#include "jobs/job.hpp"

namespace reconcilerd::test::golden {

namespace json = boost::json;

inline std::vector<std::filesystem::path> files(const std::string& api) {
  std::vector<std::filesystem::path> out;
  auto dir = std::filesystem::path(RECONCILERD_SOURCE_DIR) / "tests/backends/golden" / api;
  for (auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".json") out.push_back(e.path());
  std::sort(out.begin(), out.end());
  return out;
}

inline json::object load(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return json::parse(ss.str()).as_object();
}

inline std::string text(const json::value& v) { return std::string(v.as_string()); }

// config::backend from {"base_path", "strict_fields", "secrets": {}, "params": {}}.
inline config::backend backend_from(const json::object& b, config::backend_type type) {
  config::backend cfg;
  cfg.name = "test";
  cfg.type = type;
  cfg.base_url.scheme = "https";
  cfg.base_url.host = "api.example.test";
  cfg.base_url.path = b.contains("base_path") ? text(b.at("base_path")) : "";
  cfg.base_url_text = "https://api.example.test" + cfg.base_url.path;
  if (auto* s = b.if_contains("strict_fields")) cfg.strict_fields = s->as_bool();
  if (auto* s = b.if_contains("secrets"))
    for (auto& m : s->as_object()) cfg.secrets[std::string(m.key())] = text(m.value());
  if (auto* s = b.if_contains("params"))
    for (auto& m : s->as_object()) cfg.params[std::string(m.key())] = text(m.value());
  return cfg;
}

// jobs::job from {"invoice_id": string|integer, "update": {...}}.
inline jobs::job job_from(const json::object& o, const std::string& name) {
  jobs::job j;
  j.name = name;
  j.backend = "test";
  auto& id = o.at("invoice_id");
  j.invoice_id_is_integer = id.is_int64();
  j.invoice_id = id.is_int64() ? std::to_string(id.as_int64()) : text(id);
  j.update = o.at("update").as_object();
  return j;
}

// Compares a built request with {"method", "target", "headers": [[name, value]...], "body"}.
// A missing "body" means an empty body.
inline void check_request(const backends::request& got, const json::object& want) {
  BOOST_TEST(got.method == text(want.at("method")));
  BOOST_TEST(got.target == text(want.at("target")));
  auto& headers = want.at("headers").as_array();
  BOOST_TEST_REQUIRE(got.headers.size() == headers.size());
  for (std::size_t i = 0; i < headers.size(); ++i) {
    auto& h = headers[i].as_array();
    BOOST_TEST(got.headers[i].name == text(h.at(0)));
    BOOST_TEST(got.headers[i].value == text(h.at(1)));
  }
  if (auto* body = want.if_contains("body")) {
    boost::system::error_code ec;
    auto parsed = json::parse(got.body, ec);
    BOOST_TEST_REQUIRE(!ec, "body is not JSON: " << got.body);
    BOOST_TEST(parsed == *body, "body " << got.body << "\n want " << json::serialize(*body));
  } else {
    BOOST_TEST(got.body.empty());
  }
}

// Runs every golden file of `api` through `make(cfg)`: validate accepts, build and read_back
// match. Returns how many files ran.
template <class Make>
std::size_t run_all(const std::string& api, config::backend_type type, Make make) {
  std::size_t n = 0;
  for (auto& path : files(api)) {
    BOOST_TEST_CONTEXT(path.filename().string()) {
      auto doc = load(path);
      auto cfg = backend_from(doc.at("backend").as_object(), type);
      auto a = make(cfg);
      auto job = job_from(doc.at("job").as_object(), path.filename().string());
      auto problem = a->validate(job.update);
      BOOST_TEST(!problem.has_value(), (problem ? *problem : std::string()));
      check_request(a->build(job), doc.at("request").as_object());
      check_request(a->read_back(job), doc.at("read_back").as_object());
      ++n;
    }
  }
  return n;
}

}  // namespace reconcilerd::test::golden
