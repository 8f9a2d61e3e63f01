// The tables every adapter test keeps, and one check for each: an answer and the outcome
// classify() must give it; an update and the message validate() must give (none: accepted).
// A check returns its mismatches as lines of text, none when every row passes, for one
// BOOST_TEST with golden::joined() as its message.
#pragma once

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "backends/backend.hpp"
#include "jobs/job.hpp"

namespace reconcilerd::test::tables {

// The job whose answers the tables classify.
inline jobs::job invoice_42() {
  jobs::job j;
  j.name = "42.json";
  j.backend = "test";
  j.invoice_id = "42";
  j.invoice_id_is_integer = true;
  return j;
}

struct answer_row {
  const char* about;
  unsigned status;
  std::vector<backends::header> headers;
  std::string body;
  backends::outcome_kind kind;
  std::string message;
  std::optional<std::chrono::milliseconds> retry_after;
  bool backend_wide;
  // The rate hint the outcome carries (none unless the row says).
  std::optional<long> limit = {}, remaining = {};
  std::optional<std::chrono::seconds> reset = {};
};

inline std::vector<std::string> classify_mismatches(const backends::adapter& a,
                                                    std::span<const answer_row> rows,
                                                    const jobs::job& j = invoice_42()) {
  std::vector<std::string> out;
  const auto received = std::chrono::system_clock::from_time_t(1795000000);  // 2026-11-18
  for (auto& row : rows) {
    const auto o = a.classify({row.status, received, row.headers, row.body}, j);
    auto expect = [&](bool ok, std::string_view what) {
      if (!ok) out.push_back(std::string(row.about) + ": " + std::string(what));
    };
    expect(o.kind == row.kind, "kind " + std::to_string(static_cast<int>(o.kind)));
    expect(o.message == row.message, "message " + o.message);
    expect(o.retry_after == row.retry_after, "retry_after");
    expect(o.backend_wide == row.backend_wide, "backend_wide");
    expect(
        o.hint.limit == row.limit && o.hint.remaining == row.remaining && o.hint.reset == row.reset,
        "rate hint");
  }
  return out;
}

struct update_row {
  std::string update;   // JSON text (with a base invoice: a patch, see patched())
  std::string message;  // what validate() says; empty: accepted
};

// The invoice `base` with `patch` applied: each key replaces, "<delete>" removes.
inline boost::json::object patched(std::string_view base, std::string_view patch) {
  auto o = boost::json::parse(base).as_object();
  const auto changes = boost::json::parse(patch);
  for (auto& m : changes.as_object()) {
    if (m.value().is_string() && m.value().get_string() == "<delete>")
      o.erase(m.key());
    else
      o[m.key()] = m.value();
  }
  return o;
}

// Each row's update (a patch over `base` when one is given) through validate().
inline std::vector<std::string> validate_mismatches(const backends::adapter& a,
                                                    std::span<const update_row> rows,
                                                    std::string_view base = {}) {
  std::vector<std::string> out;
  for (auto& row : rows) {
    const auto update =
        base.empty() ? boost::json::parse(row.update).as_object() : patched(base, row.update);
    const auto got = a.validate(update).value_or("");
    if (got != row.message) out.push_back(row.update + ": " + (got.empty() ? "accepted" : got));
  }
  return out;
}

}  // namespace reconcilerd::test::tables
