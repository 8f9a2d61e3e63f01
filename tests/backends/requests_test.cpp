// How requests are spelled for every API: percent-encoding of path segments and query
// values, form bodies, the form POST and the JSON request.
#include "backends/requests.hpp"

#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>
#include <string>
#include <utility>
#include <vector>

using namespace reconcilerd::backends;

BOOST_AUTO_TEST_SUITE(requests)

BOOST_AUTO_TEST_CASE(percent_encoding_keeps_only_unreserved_characters) {
  const std::pair<std::string, std::string> rows[] = {
      {"", ""},
      {"AZaz09-._~", "AZaz09-._~"},
      {"a b/c?d=é~", "a%20b%2Fc%3Fd%3D%C3%A9~"},
      {"INV/2026 #7?x=1", "INV%2F2026%20%237%3Fx%3D1"},
      {"T0k3n+/=sim", "T0k3n%2B%2F%3Dsim"},
      {"%20", "%2520"},
      {std::string("\0\x1f\x7f\xff", 4), "%00%1F%7F%FF"},
      {"!*'();:@&=+$,[]", "%21%2A%27%28%29%3B%3A%40%26%3D%2B%24%2C%5B%5D"},
  };
  for (auto& [in, want] : rows) {
    BOOST_TEST_CONTEXT(in) { BOOST_TEST(percent_encode(in) == want); }
  }
}

BOOST_AUTO_TEST_CASE(form_bodies) {
  BOOST_TEST(form_encode({}) == "");
  BOOST_TEST(form_encode({{"update_vals", "{'a': 1}"}, {"newitemamount[]", "16.95"}}) ==
             "update_vals=%7B%27a%27%3A+1%7D&newitemamount%5B%5D=16.95");
  BOOST_TEST(form_encode({{"secret", "s3cr3t&=+x"}, {"notes", "50% & rest\nThanks"}}) ==
             "secret=s3cr3t%26%3D%2Bx&notes=50%25+%26+rest%0AThanks");
  BOOST_TEST(form_encode({{"", ""}, {"a b", "c+d"}}) == "=&a+b=c%2Bd");
}

BOOST_AUTO_TEST_CASE(form_and_json_requests) {
  const auto body = boost::json::parse(R"({"b": 1, "a": [true, null, "x"]})").as_object();
  const std::vector<header> auth{{"Authorization", "Bearer k"}};
  const std::pair<request, request> rows[] = {
      {form_request("/billing/includes/api.php", {{"action", "GetInvoice"}, {"id", "7 8"}}),
       {"POST",
        "/billing/includes/api.php",
        {{"Content-Type", "application/x-www-form-urlencoded"}, {"Accept", "application/json"}},
        "action=GetInvoice&id=7+8"}},
      {json_request("PUT", "/x/1", auth, &body),
       {"PUT",
        "/x/1",
        {auth[0], {"Content-Type", "application/json"}, {"Accept", "application/json"}},
        R"({"b":1,"a":[true,null,"x"]})"}},
      {json_request("GET", "/x/1", {auth[0], {"organization-id", "o"}}),
       {"GET", "/x/1", {auth[0], {"organization-id", "o"}, {"Accept", "application/json"}}, ""}},
  };
  for (auto& [got, want] : rows) {
    BOOST_TEST_CONTEXT(want.method << " " << want.target) {
      BOOST_TEST(got.method == want.method);
      BOOST_TEST(got.target == want.target);
      BOOST_TEST((got.headers == want.headers));
      BOOST_TEST(got.body == want.body);
    }
  }
}

BOOST_AUTO_TEST_SUITE_END()
