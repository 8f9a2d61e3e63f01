// The golden-file harness of the adapter tests; see golden.hpp.
#include "tests/support/golden.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <boost/url/params_view.hpp>
#include <filesystem>
#include <map>
#include <stdexcept>

#include "tests/support/python_literal.hpp"
#include "tests/support/temp_dir.hpp"

namespace reconcilerd::test::golden {

namespace json = boost::json;

namespace {

std::string text(const json::value& v) { return std::string(v.as_string()); }

std::map<std::string, std::string> string_map(const json::value& v) {
  std::map<std::string, std::string> out;
  for (auto& m : v.as_object()) out[std::string(m.key())] = text(m.value());
  return out;
}

config::backend settings_of(const json::object& doc, config::backend cfg) {
  const json::value* given = doc.if_contains("backend");
  if (!given) given = doc.if_contains("config");
  if (!given) return cfg;
  const json::object& b = given->as_object();
  if (auto* v = b.if_contains("base_path")) cfg.base_url.path = text(*v);
  if (auto* v = b.if_contains("strict_fields")) cfg.strict_fields = v->as_bool();
  if (auto* v = b.if_contains("secrets")) cfg.secrets = string_map(*v);
  if (auto* v = b.if_contains("params")) cfg.params = string_map(*v);
  return cfg;
}

jobs::job job_of(const json::object& doc, const std::string& name) {
  const json::object& o = doc.contains("job") ? doc.at("job").as_object() : doc;
  jobs::job j;
  j.name = name;
  j.backend = "golden";
  const json::value& id = o.at("invoice_id");
  j.invoice_id_is_integer = id.is_int64();
  j.invoice_id = id.is_int64() ? std::to_string(id.get_int64()) : text(id);
  j.update = o.at("update").as_object();
  return j;
}

void expect_equal(std::vector<std::string>& out, std::string_view what, const std::string& got,
                  const std::string& want) {
  if (got != want)
    out.push_back(std::string(what) + ": got " + json::serialize(json::string(got)) + ", want " +
                  json::serialize(json::string(want)));
}

void compare_form(std::vector<std::string>& out, const std::string& body, const json::array& want,
                  const std::set<std::string>& literals) {
  if (!std::all_of(body.begin(), body.end(), [](char c) { return c > 0x20 && c < 0x7f; }))
    out.push_back("form body is not printable 7-bit ASCII: " + body);
  form_fields got;
  try {
    got = form_decode(body);
  } catch (const std::invalid_argument& e) {
    out.push_back(e.what());
    return;
  }
  if (got.size() != want.size()) {
    out.push_back("form: got " + std::to_string(got.size()) + " fields, want " +
                  std::to_string(want.size()) + ": " + body);
    return;
  }
  for (std::size_t i = 0; i < want.size(); ++i) {
    const std::string name = text(want[i].as_array().at(0));
    const std::string value = text(want[i].as_array().at(1));
    const std::string where = "form field " + std::to_string(i) + " (" + name + ")";
    expect_equal(out, where + " name", got[i].first, name);
    if (!literals.count(name)) {
      expect_equal(out, where, got[i].second, value);
      continue;
    }
    std::string got_error, want_error;
    auto g = parse_python_literal(got[i].second, &got_error);
    auto w = parse_python_literal(value, &want_error);
    if (!w) out.push_back(where + ": the golden literal does not parse: " + want_error);
    if (!g) out.push_back(where + ": the sent literal does not parse: " + got_error);
    if (g && w) expect_equal(out, where, json::serialize(*g), json::serialize(*w));
  }
}

}  // namespace

std::vector<golden_case> cases(std::string_view api, const config::backend& base) {
  std::vector<std::filesystem::path> files;
  auto dir = std::filesystem::path(RECONCILERD_SOURCE_DIR) / "tests/backends/golden" / api;
  for (auto& e : std::filesystem::directory_iterator(dir))
    if (e.path().extension() == ".json") files.push_back(e.path());
  std::sort(files.begin(), files.end());
  std::vector<golden_case> out;
  for (auto& f : files) {
    golden_case c;
    c.name = f.filename().string();
    c.doc = json::parse(read_file(f)).as_object();
    c.settings = settings_of(c.doc, base);
    c.job = job_of(c.doc, c.name);
    out.push_back(std::move(c));
  }
  return out;
}

form_fields form_decode(std::string_view body) {
  form_fields out;
  if (body.empty()) return out;
  try {
    for (const auto& p : boost::urls::params_view(body, boost::urls::encoding_opts(true))) {
      if (!p.has_value) throw std::invalid_argument("form part without '=': " + p.key);
      out.emplace_back(p.key, p.value);
    }
  } catch (const boost::system::system_error& e) {
    throw std::invalid_argument("not a form body (" + std::string(e.what()) +
                                "): " + std::string(body));
  }
  return out;
}

std::vector<std::string> differences(const backends::request& got, const json::object& want,
                                     const std::set<std::string>& literals) {
  std::vector<std::string> out;
  expect_equal(out, "method", got.method, text(want.at("method")));
  expect_equal(out, "target", got.target, text(want.at("target")));
  const json::array& headers = want.at("headers").as_array();
  for (std::size_t i = 0; i < std::max(headers.size(), got.headers.size()); ++i) {
    const std::string where = "header " + std::to_string(i);
    if (i >= headers.size()) {
      out.push_back(where + ": unexpected " + got.headers[i].name);
    } else if (i >= got.headers.size()) {
      out.push_back(where + ": missing " + text(headers[i].as_array().at(0)));
    } else {
      expect_equal(out, where + " name", got.headers[i].name, text(headers[i].as_array().at(0)));
      expect_equal(out, where + " value", got.headers[i].value, text(headers[i].as_array().at(1)));
    }
  }
  if (auto* form = want.if_contains("form")) {
    compare_form(out, got.body, form->as_array(), literals);
  } else if (auto* body = want.if_contains("body")) {
    boost::system::error_code ec;
    auto parsed = json::parse(got.body, ec);
    if (ec || parsed != *body)
      out.push_back("body: got " + got.body + ", want " + json::serialize(*body));
  } else {
    expect_equal(out, "body", got.body, "");
  }
  return out;
}

report run(std::string_view api, const config::backend& base,
           const std::set<std::string>& literals) {
  report r;
  for (auto& c : cases(api, base)) {
    ++r.cases;
    std::vector<std::string> problems;
    auto adapter = backends::make_adapter(c.settings);
    if (auto refused = adapter->validate(c.job.update)) problems.push_back("refused: " + *refused);
    for (auto& p : differences(adapter->build(c.job), c.doc.at("request").as_object(), literals))
      problems.push_back("request " + p);
    if (auto* want = c.doc.if_contains("read_back"))
      for (auto& p : differences(adapter->read_back(c.job), want->as_object(), literals))
        problems.push_back("read_back " + p);
    for (auto& p : problems) r.problems.push_back(c.name + ": " + p);
  }
  return r;
}

std::string joined(const std::vector<std::string>& lines) {
  std::string out;
  for (auto& l : lines) out += (out.empty() ? "" : "\n") + l;
  return out;
}

}  // namespace reconcilerd::test::golden
