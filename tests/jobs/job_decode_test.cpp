// jobs/job_decode: every malformed input yields one exact, readable message; good inputs
// decode to the expected job value.
#include "jobs/job_decode.hpp"

#include <boost/json/serialize.hpp>
#include <boost/test/unit_test.hpp>
#include <string>
#include <vector>

namespace rj = reconcilerd::jobs;

namespace {

std::string nested(std::size_t depth) {
  std::string s;
  for (std::size_t i = 0; i < depth; ++i) s += "[";
  for (std::size_t i = 0; i < depth; ++i) s += "]";
  return s;
}

std::string with_update(const std::string& update) {
  return R"({"backend":"erp","invoice_id":1,"update":)" + update + "}";
}

std::string message_of(const std::string& bytes) {
  auto r = rj::decode_job(bytes, "job.json");
  if (auto* e = std::get_if<rj::decode_error>(&r)) return e->message;
  return "<decoded>";
}

struct bad_case {
  std::string label;
  std::string bytes;
  std::string message;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(job_decode)

BOOST_AUTO_TEST_CASE(malformed_inputs_have_exact_messages) {
  const std::string ok_update = R"("update":{})";
  const std::vector<bad_case> cases = {
      {"empty", "", "job file is empty"},
      {"blank", " \n\t ", "job file holds only white space"},
      {"syntax", R"({"backend": erp})", "invalid JSON at byte 12: syntax error"},
      {"truncated", R"({"backend":"erp")", "invalid JSON at byte 16: incomplete JSON"},
      {"trailing garbage", R"({} x)", "invalid JSON at byte 3: extra data after the document"},
      {"trailing comma", R"({"a":1,})", "invalid JSON at byte 7: syntax error"},
      {"comment", "{/*x*/}", "invalid JSON at byte 1: syntax error"},
      {"NaN literal", R"({"a":NaN})", "invalid JSON at byte 5: syntax error"},
      {"invalid utf8", "{\"a\":\"\xff\"}", "invalid JSON at byte 6: invalid UTF-8"},
      {"too deep", nested(65), "invalid JSON at byte 64: nested deeper than 64 levels"},
      {"100k deep", nested(100000), "invalid JSON at byte 64: nested deeper than 64 levels"},
      {"huge integer", with_update(R"({"n":18446744073709551615})"),
       "invalid JSON at byte 46: integer 18446744073709551615 does not fit in 64 bits"},
      {"huger integer", with_update(R"({"n":123456789012345678901234567890})"),
       "invalid JSON at byte 46: integer 123456789012345678901234567890 does not fit in 64 bits"},
      {"infinite number", with_update(R"({"n":1e999})"),
       "invalid JSON at byte 46: number 1e999 is out of range"},
      {"duplicate top-level key", R"({"backend":"a","backend":"b"})",
       "invalid JSON at byte 23: duplicate key \"backend\""},
      {"duplicate nested key", with_update(R"({"x":1,"y":[{"x":1}],"x":2})"),
       "invalid JSON at byte 64: duplicate key \"x\""},
      {"oversize", std::string(rj::max_job_bytes + 1, ' '),
       "job file is larger than 1 MiB (1048577 bytes)"},
      {"array", "[1,2]", "job must be a JSON object, got array"},
      {"string", R"("job")", "job must be a JSON object, got string"},
      {"number", "42", "job must be a JSON object, got integer"},
      {"null", "null", "job must be a JSON object, got null"},
      {"missing backend", R"({"invoice_id":1,"update":{}})", "missing required field \"backend\""},
      {"missing invoice_id", R"({"backend":"erp","update":{}})",
       "missing required field \"invoice_id\""},
      {"missing update", R"({"backend":"erp","invoice_id":1})",
       "missing required field \"update\""},
      {"unknown key", R"({"backend":"erp","invoice_id":1,"update":{},"priority":1})",
       "unknown field \"priority\" (expected backend, invoice_id, update, sequence, mode)"},
      {"mode not string", R"({"backend":"erp","invoice_id":1,"update":{},"mode":1})",
       "\"mode\" must be a string, got integer"},
      {"mode unknown", R"({"backend":"erp","invoice_id":1,"update":{},"mode":"patch"})",
       "\"mode\" must be \"replace\" or \"merge\""},
      {"backend not string", R"({"backend":7,"invoice_id":1,"update":{}})",
       "\"backend\" must be a string, got integer"},
      {"backend empty", R"({"backend":"","invoice_id":1,"update":{}})",
       "\"backend\" must not be empty"},
      {"invoice_id array", R"({"backend":"erp","invoice_id":[1],"update":{}})",
       "\"invoice_id\" must be a string or an integer, got array"},
      {"invoice_id float", R"({"backend":"erp","invoice_id":1.5,"update":{}})",
       "\"invoice_id\" must be a string or an integer, got number"},
      {"invoice_id null", R"({"backend":"erp","invoice_id":null,"update":{}})",
       "\"invoice_id\" must be a string or an integer, got null"},
      {"invoice_id negative", R"({"backend":"erp","invoice_id":-3,"update":{}})",
       "\"invoice_id\" must not be negative, got -3"},
      {"invoice_id empty", R"({"backend":"erp","invoice_id":"","update":{}})",
       "\"invoice_id\" must not be empty"},
      {"invoice_id too long",
       R"({"backend":"erp","invoice_id":")" + std::string(129, 'a') + R"(","update":{}})",
       "\"invoice_id\" is longer than 128 characters (129)"},
      {"invoice_id control char", R"({"backend":"erp","invoice_id":"ab\ncd","update":{}})",
       "\"invoice_id\" contains a control character at position 3"},
      {"invoice_id DEL", "{\"backend\":\"erp\",\"invoice_id\":\"\x7f\",\"update\":{}}",
       "\"invoice_id\" contains a control character at position 1"},
      {"invoice_id dot", R"({"backend":"erp","invoice_id":".","update":{}})",
       "\"invoice_id\" must not be \".\" or \"..\" (in a request path they name the resource "
       "itself or its parent)"},
      {"invoice_id dot dot", R"({"backend":"erp","invoice_id":"..","update":{}})",
       "\"invoice_id\" must not be \".\" or \"..\" (in a request path they name the resource "
       "itself or its parent)"},
      {"invoice_id percent-encoded dot dot",
       R"({"backend":"erp","invoice_id":"%2E%2e","update":{}})",
       "\"invoice_id\" must not be \".\" or \"..\" after percent-decoding (%2E is \".\" to a "
       "server; in a request path they name the resource itself or its parent)"},
      {"invoice_id half-encoded dot dot", R"({"backend":"erp","invoice_id":".%2E","update":{}})",
       "\"invoice_id\" must not be \".\" or \"..\" after percent-decoding (%2E is \".\" to a "
       "server; in a request path they name the resource itself or its parent)"},
      {"invoice_id percent-encoded dot", R"({"backend":"erp","invoice_id":"%2e","update":{}})",
       "\"invoice_id\" must not be \".\" or \"..\" after percent-decoding (%2E is \".\" to a "
       "server; in a request path they name the resource itself or its parent)"},
      {"invoice_id doubly encoded dot dot",
       R"({"backend":"erp","invoice_id":"%252E%252E","update":{}})",
       "\"invoice_id\" must not be \".\" or \"..\" after percent-decoding (%2E is \".\" to a "
       "server; in a request path they name the resource itself or its parent)"},
      {"update not object", R"({"backend":"erp","invoice_id":1,"update":[]})",
       "\"update\" must be an object, got array"},
      {"sequence string", R"({"backend":"erp","invoice_id":1,"update":{},"sequence":"1"})",
       "\"sequence\" must be an integer, got string"},
      {"sequence float", R"({"backend":"erp","invoice_id":1,"update":{},"sequence":1.0})",
       "\"sequence\" must be an integer, got number"},
      {"sequence too big",
       R"({"backend":"erp","invoice_id":1,"update":{},"sequence":9223372036854775808})",
       "invalid JSON at byte 55: integer 9223372036854775808 does not fit in 64 bits"},
  };
  BOOST_TEST(cases.size() >= 25u);
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.label) { BOOST_TEST(message_of(c.bytes) == c.message); }
  }
}

BOOST_AUTO_TEST_CASE(integer_invoice_id_and_sequence) {
  auto r = rj::decode_job(
      R"({"backend":"ledger","invoice_id":42,"update":{"customerId":7,"rate":120.5},"sequence":17})",
      "a.json");
  auto* j = std::get_if<rj::job>(&r);
  BOOST_TEST_REQUIRE(j != nullptr);
  BOOST_TEST(j->name == "a.json");
  BOOST_TEST(j->backend == "ledger");
  BOOST_TEST(j->invoice_id == "42");
  BOOST_TEST(j->invoice_id_is_integer);
  BOOST_TEST(boost::json::serialize(j->update) == R"({"customerId":7,"rate":1.205E2})");
  BOOST_TEST_REQUIRE(j->sequence.has_value());
  BOOST_TEST(*j->sequence == 17);
}

BOOST_AUTO_TEST_CASE(string_invoice_id_without_sequence) {
  std::string id = "INV-2026/11 \xc3\xa9" + std::string(115, 'x');  // 128 characters
  auto r = rj::decode_job(R"({"update":{},"invoice_id":")" + id + R"(","backend":"erp"})", "b");
  auto* j = std::get_if<rj::job>(&r);
  BOOST_TEST_REQUIRE(j != nullptr);
  BOOST_TEST(j->invoice_id == id);
  BOOST_TEST(!j->invoice_id_is_integer);
  BOOST_TEST(j->update.empty());
  BOOST_TEST(!j->sequence.has_value());
  BOOST_TEST(!j->merge);
}

BOOST_AUTO_TEST_CASE(mode_merge_and_replace) {
  auto merge = rj::decode_job(R"({"backend":"b","invoice_id":1,"update":{},"mode":"merge"})", "m");
  BOOST_TEST_REQUIRE(std::get_if<rj::job>(&merge) != nullptr);
  BOOST_TEST(std::get<rj::job>(merge).merge);
  auto plain =
      rj::decode_job(R"({"backend":"b","invoice_id":1,"update":{},"mode":"replace"})", "r");
  BOOST_TEST_REQUIRE(std::get_if<rj::job>(&plain) != nullptr);
  BOOST_TEST(!std::get<rj::job>(plain).merge);
}

BOOST_AUTO_TEST_CASE(ids_with_dots_that_are_not_dot_segments_decode) {
  for (std::string id : {"...", ".a", "a.", "1.2", "%2E%2E%2E", "%2", "%zz", "%", "..%2F.."}) {
    BOOST_TEST_CONTEXT(id) {
      BOOST_TEST(message_of(R"({"backend":"erp","invoice_id":")" + id + R"(","update":{}})") ==
                 "<decoded>");
    }
  }
}

BOOST_AUTO_TEST_CASE(limits_are_inclusive) {
  // Depth 64 exactly, int64 extremes, a file of exactly 1 MiB.
  std::string deep = with_update(R"({"d":)" + nested(62) + "}");
  BOOST_TEST(message_of(deep) == "<decoded>");
  BOOST_TEST(message_of(with_update(R"({"min":-9223372036854775808,"max":9223372036854775807})")) ==
             "<decoded>");
  std::string big = with_update(R"({"pad":")");
  big += std::string(rj::max_job_bytes - big.size() - 3, 'p') + "\"}}";
  BOOST_TEST(big.size() == rj::max_job_bytes);
  BOOST_TEST(message_of(big) == "<decoded>");
  auto r = rj::decode_job(R"({"backend":"b","invoice_id":0,"update":{},"sequence":-1})", "c");
  auto* j = std::get_if<rj::job>(&r);
  BOOST_TEST_REQUIRE(j != nullptr);
  BOOST_TEST(j->invoice_id == "0");
  BOOST_TEST(*j->sequence == -1);
}

BOOST_AUTO_TEST_SUITE_END()
