// Two passes over at most 1 MiB: a validating SAX pass (basic_parser with a depth limit,
// so no recursion) that rejects duplicate keys and out-of-range numbers with a byte
// offset, then boost::json::parse into a value and the top-level schema checks.
#include "jobs/job_decode.hpp"

#include <algorithm>
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parse.hpp>
#include <cmath>
#include <set>
#include <vector>

namespace reconcilerd::jobs {
namespace {

namespace json = boost::json;

json::parse_options limits() {
  json::parse_options o;
  o.max_depth = max_job_depth;
  o.allow_comments = false;
  o.allow_trailing_commas = false;
  o.allow_invalid_utf8 = false;
  return o;
}

// Checks what the value parser would silently accept: duplicate keys (last one would
// win), integers beyond int64 (would become doubles), and non-finite numbers.
class validator {
 public:
  static constexpr std::size_t max_object_size = std::size_t(-1);
  static constexpr std::size_t max_array_size = std::size_t(-1);
  static constexpr std::size_t max_key_size = std::size_t(-1);
  static constexpr std::size_t max_string_size = std::size_t(-1);

  std::string problem;   // set when a check (not the grammar) failed
  std::size_t back = 0;  // how far before the parser's position the culprit starts

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) {
    keys_.emplace_back();
    return true;
  }
  bool on_object_end(std::size_t, json::error_code&) {
    keys_.pop_back();
    return true;
  }
  bool on_array_begin(json::error_code&) { return true; }
  bool on_array_end(std::size_t, json::error_code&) { return true; }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    key_.append(s.data(), s.size());
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code& ec) {
    key_.append(s.data(), s.size());
    bool fresh = keys_.back().insert(key_).second;
    if (!fresh) fail(ec, "duplicate key \"" + key_ + "\"");
    key_.clear();
    return fresh;
  }
  bool on_string_part(json::string_view, std::size_t, json::error_code&) { return true; }
  bool on_string(json::string_view, std::size_t, json::error_code&) { return true; }
  bool on_number_part(json::string_view s, json::error_code&) {
    number_.append(s.data(), s.size());
    return true;
  }
  bool on_int64(std::int64_t, json::string_view, json::error_code&) {
    number_.clear();
    return true;
  }
  bool on_uint64(std::uint64_t, json::string_view s, json::error_code& ec) {
    return too_big(s, ec);
  }
  bool on_double(double d, json::string_view s, json::error_code& ec) {
    std::string text = number_ + std::string(s.data(), s.size());
    number_.clear();
    if (text.find_first_of(".eE") == std::string::npos) return too_big(s, ec);
    if (!std::isfinite(d)) {
      back = text.size();
      fail(ec, "number " + text + " is out of range");
      return false;
    }
    return true;
  }
  bool on_bool(bool, json::error_code&) { return true; }
  bool on_null(json::error_code&) { return true; }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }

 private:
  bool too_big(json::string_view s, json::error_code& ec) {
    std::string text = number_ + std::string(s.data(), s.size());
    number_.clear();
    back = text.size();
    fail(ec, "integer " + text + " does not fit in 64 bits");
    return false;
  }
  void fail(json::error_code& ec, std::string what) {
    problem = std::move(what);
    ec = json::error::syntax;  // any error stops the parser; `problem` says what it was
  }

  std::vector<std::set<std::string>> keys_;
  std::string key_;
  std::string number_;
};

std::optional<std::string> validate_syntax(std::string_view bytes) {
  json::basic_parser<validator> p(limits());
  json::error_code ec;
  std::size_t at = p.write_some(false, bytes.data(), bytes.size(), ec);
  auto where = [](std::size_t byte) {
    return "invalid JSON at byte " + std::to_string(byte) + ": ";
  };
  if (!ec) {
    if (at == bytes.size()) return std::nullopt;
    return where(at) + "extra data after the document";
  }
  const validator& h = p.handler();
  if (!h.problem.empty()) return where(at - std::min(at, h.back)) + h.problem;
  if (ec == json::error::too_deep)
    return where(at) + "nested deeper than " + std::to_string(max_job_depth) + " levels";
  if (at < bytes.size() && static_cast<unsigned char>(bytes[at]) >= 0x80)
    return where(at) + "invalid UTF-8";
  return where(at) + ec.message();
}

std::string kind_of(const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      return "null";
    case json::kind::bool_:
      return "boolean";
    case json::kind::int64:
    case json::kind::uint64:
      return "integer";
    case json::kind::double_:
      return "number";
    case json::kind::string:
      return "string";
    case json::kind::array:
      return "array";
    case json::kind::object:
      return "object";
  }
  return "value";
}

// Code points of valid UTF-8 (Boost.JSON has already rejected invalid UTF-8).
std::vector<char32_t> code_points(std::string_view s) {
  std::vector<char32_t> out;
  for (std::size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    int len = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
    char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1f) : len == 3 ? (c & 0x0f) : (c & 0x07);
    for (int k = 1; k < len && i + k < s.size(); ++k)
      cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3f);
    out.push_back(cp);
    i += len;
  }
  return out;
}

bool is_control(char32_t cp) { return cp < 0x20 || (cp >= 0x7f && cp < 0xa0); }

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// `s` percent-decoded until it stops changing (a proxy may decode once more than the
// server: "%252E" is "%2E" to one and "." to the next). Malformed escapes stay as they are.
std::string fully_percent_decoded(std::string_view s) {
  std::string cur(s);
  for (;;) {
    std::string next;
    for (std::size_t i = 0; i < cur.size(); ++i) {
      int hi = i + 2 < cur.size() ? hex_digit(cur[i + 1]) : -1;
      int lo = hi >= 0 ? hex_digit(cur[i + 2]) : -1;
      if (cur[i] == '%' && lo >= 0) {
        next += static_cast<char>(hi * 16 + lo);
        i += 2;
      } else {
        next += cur[i];
      }
    }
    if (next == cur) return cur;
    cur = std::move(next);
  }
}

// "." and ".." are dot segments: in a request path (Bigcapital's PUT /api/sale-invoices/{id})
// servers and proxies resolve them to the resource itself or its parent.
bool is_dot_segment(std::string_view s) { return s == "." || s == ".."; }

std::optional<std::string> take_invoice_id(const json::value& v, job& j) {
  if (v.is_int64()) {
    if (v.get_int64() < 0)
      return "\"invoice_id\" must not be negative, got " + std::to_string(v.get_int64());
    j.invoice_id = std::to_string(v.get_int64());
    j.invoice_id_is_integer = true;
    return std::nullopt;
  }
  if (!v.is_string()) return "\"invoice_id\" must be a string or an integer, got " + kind_of(v);
  std::string_view s = v.get_string();
  if (s.empty()) return std::string("\"invoice_id\" must not be empty");
  auto cps = code_points(s);
  if (cps.size() > max_invoice_id_chars)
    return "\"invoice_id\" is longer than " + std::to_string(max_invoice_id_chars) +
           " characters (" + std::to_string(cps.size()) + ")";
  for (std::size_t i = 0; i < cps.size(); ++i)
    if (is_control(cps[i]))
      return "\"invoice_id\" contains a control character at position " + std::to_string(i + 1);
  if (is_dot_segment(s))
    return std::string(
        "\"invoice_id\" must not be \".\" or \"..\" (in a request path they name the resource "
        "itself or its parent)");
  if (is_dot_segment(fully_percent_decoded(s)))
    return std::string(
        "\"invoice_id\" must not be \".\" or \"..\" after percent-decoding (%2E is \".\" to a "
        "server; in a request path they name the resource itself or its parent)");
  j.invoice_id = std::string(s);
  return std::nullopt;
}

std::optional<std::string> take_fields(const json::object& o, job& j) {
  for (const auto& kv : o) {
    std::string_view k = kv.key();
    if (k != "backend" && k != "invoice_id" && k != "update" && k != "sequence" && k != "mode")
      return "unknown field \"" + std::string(k) +
             "\" (expected backend, invoice_id, update, sequence, mode)";
  }
  for (const char* required : {"backend", "invoice_id", "update"})
    if (!o.contains(required)) return "missing required field \"" + std::string(required) + "\"";

  const json::value& backend = o.at("backend");
  if (!backend.is_string()) return "\"backend\" must be a string, got " + kind_of(backend);
  if (backend.get_string().empty()) return std::string("\"backend\" must not be empty");
  j.backend = std::string(backend.get_string());

  if (auto e = take_invoice_id(o.at("invoice_id"), j)) return e;

  const json::value& update = o.at("update");
  if (!update.is_object()) return "\"update\" must be an object, got " + kind_of(update);
  j.update = update.get_object();

  if (const json::value* seq = o.if_contains("sequence")) {
    if (!seq->is_int64()) return "\"sequence\" must be an integer, got " + kind_of(*seq);
    j.sequence = seq->get_int64();
  }
  if (const json::value* mode = o.if_contains("mode")) {
    if (!mode->is_string()) return "\"mode\" must be a string, got " + kind_of(*mode);
    if (mode->get_string() == "merge")
      j.merge = true;
    else if (mode->get_string() != "replace")
      return std::string("\"mode\" must be \"replace\" or \"merge\"");
  }
  return std::nullopt;
}

}  // namespace

decode_result decode_job(std::string_view bytes, std::string name) {
  if (bytes.size() > max_job_bytes)
    return decode_error{"job file is larger than 1 MiB (" + std::to_string(bytes.size()) +
                        " bytes)"};
  if (bytes.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return decode_error{bytes.empty() ? "job file is empty" : "job file holds only white space"};
  if (auto problem = validate_syntax(bytes)) return decode_error{*problem};

  json::error_code ec;
  json::value v =
      json::parse(json::string_view(bytes.data(), bytes.size()), ec, json::storage_ptr(), limits());
  if (ec) return decode_error{"invalid JSON: " + ec.message()};  // validated: not expected
  if (!v.is_object()) return decode_error{"job must be a JSON object, got " + kind_of(v)};

  job j;
  j.name = std::move(name);
  if (auto e = take_fields(v.get_object(), j)) return decode_error{*e};
  return j;
}

}  // namespace reconcilerd::jobs
