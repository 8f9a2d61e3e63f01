// `reconcilerctl list`, `show JOB`, `retry`: the jobs in the spool, only through the spool
// module (jobs/spool.hpp): names, states, job bytes (to show the backend and invoice id),
// delivery state and dead-letter records from a read-only spool; the dead/ -> incoming/
// move from a full one.
#include <algorithm>
#include <boost/json/parse.hpp>
#include <filesystem>
#include <memory>
#include <optional>

#include "daemon/ctl/commands.hpp"
#include "daemon/status/status_json_text.hpp"
#include "jobs/job_decode.hpp"
#include "jobs/rfc3339.hpp"
#include "jobs/spool.hpp"
#include "jobs/text.hpp"

namespace reconcilerd::ctl {

namespace {

namespace json = boost::json;

constexpr const char* list_usage =
    "usage: reconcilerctl list [--state incoming|active|deferred|done|dead] [--backend NAME]"
    " [--json]\n"
    "\n"
    "Lists jobs in the spool with their backend, invoice id, attempts, next attempt and\n"
    "last error (for dead letters: category and message). Without --state: every state\n"
    "but done. --json prints one JSON array.\n";
constexpr const char* show_usage =
    "usage: reconcilerctl show JOB\n"
    "\n"
    "Shows one job: where it is, its backend and invoice, attempts, first seen, last and\n"
    "next attempt, last error, the dead-letter record if dead, and the job file itself.\n";
constexpr const char* retry_usage =
    "usage: reconcilerctl retry JOB...\n"
    "       reconcilerctl retry --all-dead [--backend NAME]\n"
    "\n"
    "Moves dead letters back to incoming/ (their error record and delivery state are\n"
    "removed), so the daemon tries them again from the start.\n";

constexpr jobs::job_state all_states[] = {jobs::job_state::incoming, jobs::job_state::active,
                                          jobs::job_state::deferred, jobs::job_state::done,
                                          jobs::job_state::dead};

struct job_info {
  std::string name;
  jobs::job_state state{};
  std::string backend;     // empty: unknown
  std::string invoice_id;  // empty: unknown
  std::optional<jobs::delivery_state> delivery;
  std::string category;  // dead only
  std::string message;   // dead: error.json message; else delivery.last_error
  std::optional<int> attempts;
  std::string bytes;
  std::string decode_problem;
};

std::string text_of(const json::object& o, const char* key) {
  auto it = o.find(key);
  if (it == o.end()) return {};
  if (it->value().is_string()) return std::string(it->value().as_string());
  if (it->value().is_int64()) return std::to_string(it->value().as_int64());
  return {};
}

job_info describe(const jobs::spool& sp, const std::string& name, jobs::job_state st) {
  job_info j;
  j.name = name;
  j.state = st;
  auto read = sp.read_job(st, name);
  if (auto* e = std::get_if<jobs::spool_error>(&read)) {
    j.decode_problem = "cannot read: " + e->code.message();
  } else {
    j.bytes = std::move(std::get<std::string>(read));
    auto d = jobs::decode_job(j.bytes, name);
    if (auto* job = std::get_if<jobs::job>(&d)) {
      j.backend = job->backend;
      j.invoice_id = job->invoice_id;
    } else {
      j.decode_problem = std::get<jobs::decode_error>(d).message;
    }
  }
  j.delivery = sp.state_of(name);
  if (j.delivery) {
    j.attempts = j.delivery->attempts;
    j.message = j.delivery->last_error;
  }
  if (st == jobs::job_state::dead) {
    if (auto text = sp.error_json_of(name)) {
      try {
        auto v = json::parse(*text);
        auto& o = v.as_object();
        j.category = text_of(o, "category");
        j.message = text_of(o, "message");
        if (j.backend.empty()) j.backend = text_of(o, "backend");
        if (j.invoice_id.empty()) j.invoice_id = text_of(o, "invoice_id");
        if (auto it = o.find("attempts"); it != o.end() && it->value().is_int64())
          j.attempts = static_cast<int>(it->value().as_int64());
        if (!j.delivery) {  // the spool drops the delivery state of dead letters
          j.delivery.emplace();
          j.delivery->first_seen = jobs::parse_rfc3339(text_of(o, "first_seen"));
          j.delivery->last_attempt = jobs::parse_rfc3339(text_of(o, "last_attempt"));
        }
      } catch (const std::exception&) {
      }
    }
  }
  return j;
}

// list and show only read: the spool is opened without creating or changing anything.
std::unique_ptr<const jobs::spool> open_spool_to_read(context& c, const char* command) {
  try {
    return jobs::spool::open_read_only(c.cfg.spool_dir);
  } catch (const std::exception& e) {
    c.err << "reconcilerctl " << command << ": " << e.what() << "\n";
    return nullptr;
  }
}

// retry moves dead letters: a full spool object (the spool must exist; it is not created).
std::optional<jobs::spool> open_spool(context& c, const char* command) {
  try {
    if (!std::filesystem::is_directory(c.cfg.spool_dir)) {
      c.err << "reconcilerctl " << command << ": spool directory " << c.cfg.spool_dir
            << " does not exist\n";
      return std::nullopt;
    }
    return std::optional<jobs::spool>(std::in_place, c.cfg.spool_dir);
  } catch (const std::exception& e) {
    c.err << "reconcilerctl " << command << ": " << e.what() << "\n";
    return std::nullopt;
  }
}

std::string or_dash(const std::string& s) { return s.empty() ? "-" : s; }

std::string next_attempt_text(const job_info& j) {
  if (j.state == jobs::job_state::deferred && j.delivery && j.delivery->next_attempt)
    return jobs::rfc3339_ms(*j.delivery->next_attempt);
  return "-";
}

std::string last_error_text(const job_info& j) {
  if (!j.category.empty()) return j.category + ": " + j.message;
  if (!j.message.empty()) return j.message;
  return j.decode_problem.empty() ? "-" : j.decode_problem;
}

void print_table(context& c, const std::vector<job_info>& jobs) {
  std::vector<std::array<std::string, 7>> rows;
  rows.push_back({"STATE", "JOB", "BACKEND", "INVOICE", "ATTEMPTS", "NEXT ATTEMPT", "LAST ERROR"});
  for (auto& j : jobs)
    rows.push_back(
        {std::string(jobs::to_string(j.state)), j.name, jobs::visible_text(or_dash(j.backend)),
         jobs::visible_text(or_dash(j.invoice_id)), j.attempts ? std::to_string(*j.attempts) : "0",
         next_attempt_text(j), last_error_text(j)});
  std::array<std::size_t, 7> width{};
  for (auto& r : rows)
    for (std::size_t i = 0; i < r.size(); ++i) width[i] = std::max(width[i], r[i].size());
  for (auto& r : rows) {
    std::string line;
    for (std::size_t i = 0; i < r.size(); ++i) {
      line += r[i];
      if (i + 1 < r.size()) line += std::string(width[i] - r[i].size() + 2, ' ');
    }
    c.out << line << "\n";
  }
}

std::string nullable(const std::string& s) { return s.empty() ? "null" : daemon::json_quote(s); }

void print_json(context& c, const std::vector<job_info>& jobs) {
  c.out << "[";
  for (std::size_t i = 0; i < jobs.size(); ++i) {
    auto& j = jobs[i];
    auto next = next_attempt_text(j);
    c.out << (i ? "," : "") << "{\"job\":" << daemon::json_quote(j.name)
          << ",\"state\":" << daemon::json_quote(jobs::to_string(j.state))
          << ",\"backend\":" << nullable(j.backend) << ",\"invoice_id\":" << nullable(j.invoice_id)
          << ",\"attempts\":" << (j.attempts ? *j.attempts : 0)
          << ",\"next_attempt\":" << (next == "-" ? "null" : daemon::json_quote(next))
          << ",\"category\":" << nullable(j.category)
          << ",\"last_error\":" << nullable(j.message.empty() ? j.decode_problem : j.message)
          << "}";
  }
  c.out << "]\n";
}

}  // namespace

int cmd_list(context& c, const args_t& args) {
  if (wants_help(c, args, list_usage)) return success;
  std::optional<jobs::job_state> only;
  std::string backend;
  bool as_json = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--json") {
      as_json = true;
    } else if (args[i] == "--state" && i + 1 < args.size()) {
      only = jobs::parse_job_state(args[++i]);
      if (!only) return usage(c, "list", "unknown state \"" + args[i] + "\"", list_usage);
    } else if (args[i] == "--backend" && i + 1 < args.size()) {
      backend = args[++i];
    } else {
      return usage(c, "list", "unexpected argument \"" + args[i] + "\"", list_usage);
    }
  }
  auto sp = open_spool_to_read(c, "list");
  if (!sp) return failure;
  std::vector<job_info> found;
  for (auto st : all_states) {
    if (only ? st != *only : st == jobs::job_state::done) continue;
    auto names = sp->list(st);
    std::sort(names.begin(), names.end());
    for (auto& n : names) {
      auto j = describe(*sp, n, st);
      if (!backend.empty() && j.backend != backend) continue;
      found.push_back(std::move(j));
    }
  }
  if (as_json)
    print_json(c, found);
  else
    print_table(c, found);
  return success;
}

namespace {
// Job-derived text for a terminal: control characters made visible, line by line.
std::string for_terminal(std::string_view text) {
  std::string out;
  for (std::size_t start = 0; start <= text.size();) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    out += jobs::visible_text(text.substr(start, end - start));
    if (end < text.size()) out += '\n';
    start = end + 1;
  }
  return out;
}
}  // namespace

int cmd_show(context& c, const args_t& args) {
  if (wants_help(c, args, show_usage)) return success;
  if (args.size() != 1) return usage(c, "show", "give exactly one JOB", show_usage);
  auto sp = open_spool_to_read(c, "show");
  if (!sp) return failure;
  auto st = jobs::is_valid_job_name(args[0]) ? sp->locate(args[0]) : std::nullopt;
  if (!st) {
    c.err << "reconcilerctl show: no job \"" << jobs::visible_text(args[0]) << "\" in "
          << c.cfg.spool_dir << "\n";
    return failure;
  }
  auto j = describe(*sp, args[0], *st);
  auto t = [](const std::optional<jobs::clock_time>& v) {
    return v ? jobs::rfc3339_ms(*v) : std::string("-");
  };
  auto& o = c.out;
  o << "job:          " << j.name << "\n";
  o << "state:        " << jobs::to_string(j.state) << "\n";
  o << "backend:      " << for_terminal(or_dash(j.backend)) << "\n";
  o << "invoice_id:   " << for_terminal(or_dash(j.invoice_id)) << "\n";
  o << "attempts:     " << (j.attempts ? *j.attempts : 0) << "\n";
  o << "first seen:   " << t(j.delivery ? j.delivery->first_seen : std::nullopt) << "\n";
  o << "last attempt: " << t(j.delivery ? j.delivery->last_attempt : std::nullopt) << "\n";
  o << "next attempt: " << next_attempt_text(j) << "\n";
  o << "last error:   " << for_terminal(last_error_text(j)) << "\n";
  if (j.state == jobs::job_state::dead)
    if (auto text = sp->error_json_of(j.name)) {
      o << "dead letter:  " << for_terminal(*text);
      if (!text->empty() && text->back() != '\n') o << "\n";
    }
  o << "content:\n" << for_terminal(j.bytes);
  if (!j.bytes.empty() && j.bytes.back() != '\n') o << "\n";
  return success;
}

int cmd_retry(context& c, const args_t& args) {
  if (wants_help(c, args, retry_usage)) return success;
  bool all = false;
  std::string backend;
  std::vector<std::string> names;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (args[i] == "--all-dead")
      all = true;
    else if (args[i] == "--backend" && i + 1 < args.size())
      backend = args[++i];
    else if (args[i].starts_with("-"))
      return usage(c, "retry", "unexpected argument \"" + args[i] + "\"", retry_usage);
    else
      names.push_back(args[i]);
  }
  if (all == !names.empty()) return usage(c, "retry", "give JOB names or --all-dead", retry_usage);
  if (!all && !backend.empty())
    return usage(c, "retry", "--backend goes with --all-dead", retry_usage);
  auto sp = open_spool(c, "retry");
  if (!sp) return failure;
  if (all) {
    auto dead = sp->list(jobs::job_state::dead);
    std::sort(dead.begin(), dead.end());
    for (auto& n : dead)
      if (backend.empty() || describe(*sp, n, jobs::job_state::dead).backend == backend)
        names.push_back(n);
    if (names.empty()) {
      c.out << "no dead letters" << (backend.empty() ? "" : " for backend " + backend) << "\n";
      return success;
    }
  }
  int rc = success;
  for (auto& n : names) {
    auto where = jobs::is_valid_job_name(n) ? sp->locate(n) : std::nullopt;
    if (where != jobs::job_state::dead) {
      c.err << n << ": not retried: "
            << (where ? "it is in " + std::string(jobs::to_string(*where)) + "/, not dead/"
                      : std::string("no such job"))
            << "\n";
      rc = failure;
      continue;
    }
    auto r = sp->retry_dead(n);
    if (auto* e = std::get_if<jobs::spool_error>(&r)) {
      c.err << n << ": not retried: " << e->message << "\n";
      rc = failure;
    } else {
      auto& now_name = std::get<std::string>(r);
      c.out << n << ": back in incoming/" << (now_name == n ? "" : " as " + now_name) << "\n";
    }
  }
  if (auto s = sp->sync(); !s.ok()) {
    c.err << "reconcilerctl retry: " << s.error->message << "\n";
    rc = failure;
  }
  return rc;
}

}  // namespace reconcilerd::ctl
