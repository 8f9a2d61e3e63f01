// The tables of the adapters' reconciliation tests (backend.hpp "reconciliation") and one
// check for each, like adapter_tables.hpp: each check returns its mismatches as lines of
// text, none when every row passes.
//
// read() golden files: tests/backends/golden/<api>/read/NN_what.json, read through
// golden::cases(), so they hold the job ("invoice_id", "update" — the update is not used)
// and the settings as the request goldens do, plus:
//   "answer": {"status": 200, "headers": [[name, value]...], "body": JSON value, or
//              "body_text": the exact bytes},
//   "want":   {"kind": "delivered" | "retry" | "rejected" | "suspend",
//              "invoice": the view (delivered; compared as a JSON value),
//              "message": exact text (optional), "retry_after_ms": number (optional)}.
#pragma once

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "backends/backend.hpp"
#include "tests/support/golden.hpp"

namespace reconcilerd::test::reconcile {

inline const char* kind_name(backends::outcome_kind k) {
  switch (k) {
    case backends::outcome_kind::delivered:
      return "delivered";
    case backends::outcome_kind::retry:
      return "retry";
    case backends::outcome_kind::rejected:
      return "rejected";
    case backends::outcome_kind::suspend:
      return "suspend";
  }
  return "?";
}

inline const char* verdict_name(backends::applied_kind k) {
  switch (k) {
    case backends::applied_kind::applied:
      return "applied";
    case backends::applied_kind::not_applied:
      return "not_applied";
    case backends::applied_kind::unknown:
      return "unknown";
  }
  return "?";
}

inline boost::json::object obj(std::string_view text) {
  return boost::json::parse(text).as_object();
}

struct read_report {
  std::size_t cases = 0;
  std::vector<std::string> problems;
};

// Every golden/<api>/read/*.json case through make_adapter(settings)->read().
inline read_report read_goldens(std::string_view api, const config::backend& base) {
  namespace json = boost::json;
  read_report out;
  for (auto& c : golden::cases(std::string(api) + "/read", base)) {
    ++out.cases;
    auto problem = [&](const std::string& p) { out.problems.push_back(c.name + ": " + p); };
    auto adapter = backends::make_adapter(c.settings);
    const json::object& a = c.doc.at("answer").as_object();
    backends::response r;
    r.status = static_cast<unsigned>(a.at("status").to_number<int>());
    r.received_at = std::chrono::system_clock::from_time_t(1795000000);
    if (auto* hs = a.if_contains("headers"))
      for (auto& h : hs->as_array())
        r.headers.push_back({std::string(h.as_array().at(0).as_string()),
                             std::string(h.as_array().at(1).as_string())});
    if (auto* b = a.if_contains("body_text"))
      r.body = std::string(b->as_string());
    else if (auto* b = a.if_contains("body"))
      r.body = json::serialize(*b);
    const backends::invoice_read got = adapter->read(r, c.job);
    const json::object& want = c.doc.at("want").as_object();
    const std::string kind(want.at("kind").as_string());
    if (kind != kind_name(got.result.kind))
      problem(std::string("kind ") + kind_name(got.result.kind) + " (" + got.result.message + ")");
    if (auto* m = want.if_contains("message"); m && got.result.message != m->as_string())
      problem("message " + got.result.message);
    if (auto* ms = want.if_contains("retry_after_ms")) {
      const auto w = std::chrono::milliseconds(ms->to_number<long long>());
      if (got.result.retry_after != w) problem("retry_after");
    }
    if (auto* inv = want.if_contains("invoice"); inv && got.invoice != inv->as_object())
      problem("invoice " + json::serialize(got.invoice));
    if (kind != "delivered" && !got.invoice.empty()) problem("an invoice with a failed read");
  }
  return out;
}

struct judge_row {
  const char* about;
  std::string before, after, update;  // JSON texts (views; the update)
  backends::applied_kind verdict;
  std::string seen;  // exact sentence
};

inline std::vector<std::string> judge_mismatches(const backends::adapter& a,
                                                 std::span<const judge_row> rows) {
  std::vector<std::string> out;
  for (auto& row : rows) {
    const auto update = obj(row.update);
    if (a.safe_to_repeat(update))
      out.push_back(std::string(row.about) + ": the update is safe to repeat (not a judge case)");
    const auto j = a.judge(obj(row.before), obj(row.after), update);
    if (j.verdict != row.verdict)
      out.push_back(std::string(row.about) + ": verdict " + verdict_name(j.verdict) + " (" +
                    j.seen + ")");
    if (j.seen != row.seen) out.push_back(std::string(row.about) + ": seen " + j.seen);
  }
  return out;
}

struct fold_row {
  const char* about;
  std::string older, newer;
  std::string folded;  // JSON text of the one update; empty: fold() must refuse
};

// fold() gives the expected update (which validate() accepts), or refuses.
inline std::vector<std::string> fold_mismatches(const backends::adapter& a,
                                                std::span<const fold_row> rows) {
  std::vector<std::string> out;
  for (auto& row : rows) {
    const auto older = obj(row.older), newer = obj(row.newer);
    for (auto* u : {&older, &newer})
      if (auto e = a.validate(*u))
        out.push_back(std::string(row.about) + ": a row's update is invalid: " + *e);
    const auto got = a.fold(older, newer);
    if (row.folded.empty()) {
      if (got)
        out.push_back(std::string(row.about) + ": folded into " + boost::json::serialize(*got));
      continue;
    }
    if (!got) {
      out.push_back(std::string(row.about) + ": refused");
      continue;
    }
    if (*got != obj(row.folded))
      out.push_back(std::string(row.about) + ": folded into " + boost::json::serialize(*got));
    if (auto e = a.validate(*got))
      out.push_back(std::string(row.about) + ": the folded update is invalid: " + *e);
  }
  return out;
}

struct unchanged_row {
  const char* about;
  std::string invoice, update;  // the view; the update
  bool unchanged;
};

inline std::vector<std::string> unchanged_mismatches(const backends::adapter& a,
                                                     std::span<const unchanged_row> rows) {
  std::vector<std::string> out;
  for (auto& row : rows)
    if (a.unchanged(obj(row.invoice), obj(row.update)) != row.unchanged)
      out.push_back(std::string(row.about) + ": " + (row.unchanged ? "changed" : "unchanged"));
  return out;
}

}  // namespace reconcilerd::test::reconcile
