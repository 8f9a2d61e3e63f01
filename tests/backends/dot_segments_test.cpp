// No adapter sends a request whose path ends in a dot segment ("/." or "/..", literally or
// percent-encoded): servers and proxies normalise those to the resource itself or its
// parent. Jobs go through the real decoder (jobs/job_decode), which refuses such ids.
#include <boost/test/unit_test.hpp>
#include <string>
#include <variant>

#include "backends/backend.hpp"
#include "jobs/job_decode.hpp"

using namespace reconcilerd;

namespace {

config::backend settings(config::backend_type t) {
  config::backend b;
  b.name = "b";
  b.type = t;
  b.base_url = {"https", "api.example.com", 443, "/base"};
  b.secrets = {{"api_key", "k"}, {"token", "t"}, {"secret", "s"}};
  b.params = {{"identifier", "id"}, {"credential_id", "cred"}, {"auth_scheme", "Token"}};
  return b;
}

int hex(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The last path segment of an origin-form target, percent-decoded until it stops changing
// (a proxy may decode once more than the server).
std::string last_segment(const std::string& target) {
  std::string path = target.substr(0, target.find('?'));
  std::string s = path.substr(path.rfind('/') + 1);
  for (;;) {
    std::string d;
    for (std::size_t i = 0; i < s.size(); ++i) {
      if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
        d += static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2]));
        i += 2;
      } else {
        d += s[i];
      }
    }
    if (d == s) return s;
    s = d;
  }
}

}  // namespace

BOOST_AUTO_TEST_SUITE(dot_segments)

BOOST_AUTO_TEST_CASE(no_adapter_builds_a_path_ending_in_a_dot_segment) {
  for (auto t :
       {config::backend_type::simetri, config::backend_type::whmcs, config::backend_type::alloy,
        config::backend_type::campfire, config::backend_type::bigcapital}) {
    auto adapter = backends::make_adapter(settings(t));
    for (std::string id : {".", "..", "%2E", "%2e%2E", ".%2E", "%252E%252E"}) {
      BOOST_TEST_CONTEXT(config::to_string(t) << " invoice_id " << id) {
        auto r = jobs::decode_job(R"({"backend":"b","invoice_id":")" + id + R"(","update":{}})",
                                  "j.json");
        auto* j = std::get_if<jobs::job>(&r);
        if (!j) continue;  // refused by the decoder: never built
        for (const auto& req : {adapter->build(*j), adapter->read_back(*j)}) {
          std::string last = last_segment(req.target);
          BOOST_TEST((last != "." && last != ".."), req.method << " " << req.target);
        }
      }
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
