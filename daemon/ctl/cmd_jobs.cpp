// `reconcilerctl list`, `show JOB`, `retry`: the jobs in the spool, only through the spool
// module (jobs/spool.hpp): names, states, job bytes (to show the backend and invoice id),
// delivery state and dead-letter records from a read-only spool; the dead/ -> incoming/
// move from a full one. In cluster mode (docs/cluster.md) the other nodes' jobs come from
// the local daemon's last view of the cluster (status.json, cluster_view.hpp), and their
// dead letters are retried through control/retry@<node>@<job> requests.
#include <algorithm>
#include <boost/json/parse.hpp>
#include <filesystem>
#include <memory>
#include <optional>
#include <tuple>

#include "daemon/ctl/cluster_view.hpp"
#include "daemon/ctl/commands.hpp"
#include "daemon/status/status_json_text.hpp"
#include "daemon/status/status_time.hpp"
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
    "but done. --json prints one JSON array.\n"
    "In cluster mode the jobs of the other nodes follow, as NODE/JOB, from the local\n"
    "daemon's last view of the cluster (status.json): queued with a later next attempt is\n"
    "deferred, queued and due or running is active, delivered is done; --state and\n"
    "--backend filter them too, and --json adds a \"node\" field to every entry.\n";
constexpr const char* show_usage =
    "usage: reconcilerctl show JOB\n"
    "\n"
    "Shows one job: where it is, its backend and invoice, attempts, first seen, last and\n"
    "next attempt, last error, the dead-letter record if dead, and the job file itself.\n"
    "In cluster mode JOB may be NODE/JOB, and a JOB not in the local spool is looked up\n"
    "among the other nodes' jobs in the local daemon's view (status.json): its node, state,\n"
    "holder, next attempt, finish time and dead letter; the file itself is in that node's\n"
    "spool.\n";
constexpr const char* retry_usage =
    "usage: reconcilerctl retry JOB...\n"
    "       reconcilerctl retry --all-dead [--backend NAME]\n"
    "\n"
    "Moves dead letters back to incoming/ (their error record and delivery state are\n"
    "removed), so the daemon tries them again from the start.\n"
    "In cluster mode JOB may be NODE/JOB: a dead letter of another node (or a JOB found\n"
    "only as another node's dead job in status.json) is requested through\n"
    "control/retry@NODE@JOB; that node moves it back to its incoming/ when it is up.\n"
    "--all-dead also requests every other node's dead letter listed in status.json.\n";

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
  std::string node;     // cluster mode: the node whose spool holds the file
  bool remote = false;  // another node's job, from the local daemon's view of the cluster
};

std::string shown_name(const job_info& j) { return j.remote ? j.node + "/" + j.name : j.name; }

// Another node's job as listed in status.json (no attempts, no content: those are in the
// node's spool).
job_info from_cluster(const daemon::cluster_job_status& cj, daemon::time_point now) {
  job_info j;
  j.name = cj.file;
  j.node = cj.origin;
  j.remote = true;
  j.state = list_state_of(cj, now);
  j.backend = cj.backend;
  j.invoice_id = cj.invoice;
  if (cj.next_at) {
    j.delivery.emplace();
    j.delivery->next_attempt = cj.next_at;
  }
  j.category = cj.category;
  j.message = cj.message;
  return j;
}

std::size_t state_order(jobs::job_state s) {
  return static_cast<std::size_t>(std::find(std::begin(all_states), std::end(all_states), s) -
                                  std::begin(all_states));
}

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
    rows.push_back({std::string(jobs::to_string(j.state)), jobs::visible_text(shown_name(j)),
                    jobs::visible_text(or_dash(j.backend)),
                    jobs::visible_text(or_dash(j.invoice_id)),
                    j.remote     ? "-"
                    : j.attempts ? std::to_string(*j.attempts)
                                 : "0",
                    next_attempt_text(j),
                    j.remote ? jobs::visible_text(last_error_text(j)) : last_error_text(j)});
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
    c.out << (i ? "," : "") << "{\"job\":" << daemon::json_quote(j.name);
    if (!j.node.empty()) c.out << ",\"node\":" << daemon::json_quote(j.node);
    c.out << ",\"state\":" << daemon::json_quote(jobs::to_string(j.state))
          << ",\"backend\":" << nullable(j.backend) << ",\"invoice_id\":" << nullable(j.invoice_id)
          << ",\"attempts\":"
          << (j.remote ? std::string("null") : std::to_string(j.attempts ? *j.attempts : 0))
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
  auto view = read_cluster_view(c);
  if (view.enabled)
    for (auto& j : found) j.node = view.node;
  if (view.cluster) {
    // This node's jobs are the local rows above: only the other nodes' here.
    std::vector<job_info> others;
    for (auto& cj : view.cluster->jobs) {
      if (cj.origin == view.node) continue;
      auto j = from_cluster(cj, c.now);
      if (only ? j.state != *only : j.state == jobs::job_state::done) continue;
      if (!backend.empty() && j.backend != backend) continue;
      others.push_back(std::move(j));
    }
    std::stable_sort(others.begin(), others.end(), [](const job_info& a, const job_info& b) {
      return std::tuple(state_order(a.state), a.node, a.name) <
             std::tuple(state_order(b.state), b.node, b.name);
    });
    for (auto& j : others) found.push_back(std::move(j));
  }
  if (as_json)
    print_json(c, found);
  else
    print_table(c, found);
  if (!view.enabled) return success;
  if (!view.cluster) {
    c.err << "reconcilerctl list: the other nodes' jobs are not shown: " << view.unavailable
          << "\n";
    return success;
  }
  if (auto more = jobs_not_shown(*view.cluster); !more.empty())
    (as_json ? c.err : c.out) << more << "\n";
  for (auto& why : staleness(*view.cluster, c.now))
    c.err << "reconcilerctl list: note: " << why << "\n";
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

std::string time_or_dash(const std::optional<daemon::time_point>& t) {
  return t ? jobs::rfc3339_ms(*t) : std::string("-");
}

std::string when_seen(const cluster_view& v, const std::string& node, daemon::time_point now) {
  auto* n = find_node(*v.cluster, node);
  if (n == nullptr) return "not among the cluster's nodes";
  if (n->live) return "live";
  return "last seen " +
         daemon::format_age(std::chrono::duration_cast<std::chrono::seconds>(now - n->seen_at)) +
         " ago";
}

// Another node's job: what the local daemon's view says about it.
int show_remote(context& c, const cluster_view& v, const job_ref& ref) {
  const std::string shown = jobs::visible_text(ref.node + "/" + ref.file);
  if (!v.cluster) {
    c.err << "reconcilerctl show: cannot show " << shown << ": " << v.unavailable << "\n";
    return failure;
  }
  auto* cj = find_cluster_job(*v.cluster, ref.node, ref.file);
  if (cj == nullptr) {
    auto more = jobs_not_shown(*v.cluster);
    c.err << "reconcilerctl show: no job \"" << shown
          << "\" among the cluster's jobs in status.json" << (more.empty() ? "" : " (" + more + ")")
          << "\n";
    return failure;
  }
  auto j = from_cluster(*cj, c.now);
  const std::string node = jobs::visible_text(cj->origin);
  auto& o = c.out;
  o << "job:          " << shown << "\n";
  o << "node:         " << node << " (" << when_seen(v, cj->origin, c.now) << ")\n";
  o << "state:        " << jobs::visible_text(cj->state);
  if (jobs::to_string(j.state) != cj->state) o << " (listed as " << jobs::to_string(j.state) << ")";
  o << "\n";
  o << "backend:      " << for_terminal(or_dash(cj->backend)) << "\n";
  o << "invoice_id:   " << for_terminal(or_dash(cj->invoice)) << "\n";
  o << "holder:       " << for_terminal(or_dash(cj->holder)) << "\n";
  o << "next attempt: " << time_or_dash(cj->next_at) << "\n";
  o << "finished at:  " << time_or_dash(cj->finished_at) << "\n";
  o << "last error:   " << for_terminal(last_error_text(j)) << "\n";
  const char* dir = !cj->filed ? "active/" : cj->state == "dead" ? "dead/" : "done/";
  o << "file:         in " << node << "'s spool, " << dir << " (`reconcilerctl show "
    << jobs::visible_text(cj->file) << "` on " << node << " shows it)\n";
  o << "as of:        " << time_or_dash(v.cluster->checked_at);
  if (v.cluster->checked_at)
    o << " ("
      << daemon::format_age(
             std::chrono::duration_cast<std::chrono::seconds>(c.now - *v.cluster->checked_at))
      << " ago)";
  o << ", the local daemon's last view of the cluster\n";
  for (auto& why : staleness(*v.cluster, c.now))
    c.err << "reconcilerctl show: note: " << why << "\n";
  return success;
}

std::string ambiguous(const std::vector<const daemon::cluster_job_status*>& found,
                      const std::string& file) {
  std::string nodes;
  for (auto* j : found) nodes += (nodes.empty() ? "" : ", ") + j->origin;
  return "jobs of that name are on several nodes (" + jobs::visible_text(nodes) +
         "); give NODE/JOB, e.g. " + jobs::visible_text(found.front()->origin + "/" + file);
}

}  // namespace

int cmd_show(context& c, const args_t& args) {
  if (wants_help(c, args, show_usage)) return success;
  if (args.size() != 1) return usage(c, "show", "give exactly one JOB", show_usage);
  auto view = read_cluster_view(c);
  auto ref = split_job_ref(args[0]);
  std::string name = args[0];
  if (!ref.node.empty()) {
    if (!view.enabled) {
      c.err << "reconcilerctl show: " << jobs::visible_text(args[0]) << ": "
            << not_in_cluster_mode(c) << "\n";
      return failure;
    }
    if (ref.node != view.node) return show_remote(c, view, ref);
    name = ref.file;  // this node's: the local file
  }
  auto sp = open_spool_to_read(c, "show");
  if (!sp) return failure;
  auto st = jobs::is_valid_job_name(name) ? sp->locate(name) : std::nullopt;
  if (!st && ref.node.empty() && view.cluster) {
    auto found = jobs_of_other_nodes(*view.cluster, view.node, name);
    if (found.size() == 1) return show_remote(c, view, {found.front()->origin, name});
    if (found.size() > 1) {
      c.err << "reconcilerctl show: " << jobs::visible_text(name) << ": " << ambiguous(found, name)
            << "\n";
      return failure;
    }
  }
  if (!st) {
    c.err << "reconcilerctl show: no job \"" << jobs::visible_text(args[0]) << "\" in "
          << c.cfg.spool_dir;
    if (view.cluster && ref.node.empty()) {
      auto more = jobs_not_shown(*view.cluster);
      c.err << " nor among the other nodes' jobs in status.json"
            << (more.empty() ? "" : " (" + more + ")");
    }
    c.err << "\n";
    return failure;
  }
  auto j = describe(*sp, name, *st);
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
  auto view = read_cluster_view(c);
  std::vector<job_ref> others_dead;  // --all-dead in cluster mode: the other nodes' letters
  if (all) {
    auto dead = sp->list(jobs::job_state::dead);
    std::sort(dead.begin(), dead.end());
    for (auto& n : dead)
      if (backend.empty() || describe(*sp, n, jobs::job_state::dead).backend == backend)
        names.push_back(n);
    if (view.cluster) {
      for (auto& cj : view.cluster->jobs)
        if (cj.origin != view.node && cj.state == "dead" && cj.filed &&
            (backend.empty() || cj.backend == backend))
          others_dead.push_back({cj.origin, cj.file});
      std::sort(others_dead.begin(), others_dead.end(), [](const job_ref& a, const job_ref& b) {
        return std::tie(a.node, a.file) < std::tie(b.node, b.file);
      });
      if (auto more = jobs_not_shown(*view.cluster); !more.empty())
        c.err << "reconcilerctl retry: note: " << more
              << "; the other nodes' dead letters not listed there were not requested\n";
    } else if (view.enabled) {
      c.err << "reconcilerctl retry: note: the other nodes' dead letters were not requested: "
            << view.unavailable << "\n";
    }
    if (names.empty() && others_dead.empty()) {
      c.out << "no dead letters" << (backend.empty() ? "" : " for backend " + backend) << "\n";
      return success;
    }
  }
  int rc = success;
  // A dead letter of another node: control/retry@<node>@<job> for the local daemon, which
  // hands it to that node through the database.
  auto request = [&](const job_ref& ref) {
    const std::string shown = jobs::visible_text(ref.node + "/" + ref.file);
    auto r = jobs::spool::request_retry(c.cfg.spool_dir, ref.node, ref.file);
    if (r.error && r.error->code == std::errc::file_exists) {
      c.out << "retry of " << shown << " already requested (" << r.path.string()
            << " is waiting for the daemon)\n";
    } else if (r.error) {
      c.err << shown << ": not retried: "
            << (r.error->code == std::errc::invalid_argument
                    ? r.error->message
                    : "cannot create " + r.path.string() + ": " + r.error->code.message())
            << "\n";
      rc = failure;
    } else {
      c.out << "retry of " << shown << " requested; " << jobs::visible_text(ref.node)
            << " moves it back to its incoming/ when it is up\n";
    }
  };
  // Another node's job named on the command line: why it is not requested, if it is not.
  auto refusal = [&](const job_ref& ref) -> std::string {
    if (!view.cluster) return {};  // no view to check against: the request waits for the daemon
    if (find_node(*view.cluster, ref.node) == nullptr)
      return "no node \"" + jobs::visible_text(ref.node) +
             "\" in the cluster (nodes: " + jobs::visible_text(node_names(*view.cluster)) + ")";
    if (auto* cj = find_cluster_job(*view.cluster, ref.node, ref.file); cj && cj->state != "dead")
      return "it is " + jobs::visible_text(cj->state) + " in the cluster, not dead";
    return {};
  };
  auto retry_other = [&](const job_ref& ref) {
    if (auto why = refusal(ref); !why.empty()) {
      c.err << jobs::visible_text(ref.node + "/" + ref.file) << ": not retried: " << why << "\n";
      rc = failure;
    } else {
      request(ref);
    }
  };
  for (auto& arg : names) {
    std::string n = arg;
    if (!all) {
      auto ref = split_job_ref(arg);
      if (!ref.node.empty()) {
        if (!view.enabled) {
          c.err << jobs::visible_text(arg) << ": not retried: " << not_in_cluster_mode(c) << "\n";
          rc = failure;
          continue;
        }
        if (ref.node != view.node) {
          retry_other(ref);
          continue;
        }
        n = ref.file;  // this node's: the local dead letter
      } else if (view.cluster && !(jobs::is_valid_job_name(n) && sp->locate(n))) {
        // Not in the local spool: another node's job of that name?
        auto found = jobs_of_other_nodes(*view.cluster, view.node, n);
        if (found.size() > 1) {
          c.err << jobs::visible_text(n) << ": not retried: " << ambiguous(found, n) << "\n";
          rc = failure;
          continue;
        }
        if (found.size() == 1) {
          retry_other({found.front()->origin, n});
          continue;
        }
      }
    }
    auto where = jobs::is_valid_job_name(n) ? sp->locate(n) : std::nullopt;
    if (where != jobs::job_state::dead) {
      c.err << arg << ": not retried: "
            << (where ? "it is in " + std::string(jobs::to_string(*where)) + "/, not dead/"
                : view.cluster && n == arg
                    ? std::string("no such job here nor among the other nodes' jobs in "
                                  "status.json")
                    : std::string("no such job"))
            << "\n";
      rc = failure;
      continue;
    }
    auto r = sp->retry_dead(n);
    if (auto* e = std::get_if<jobs::spool_error>(&r)) {
      c.err << arg << ": not retried: " << e->message << "\n";
      rc = failure;
    } else {
      auto& now_name = std::get<std::string>(r);
      c.out << arg << ": back in incoming/" << (now_name == n ? "" : " as " + now_name) << "\n";
    }
  }
  for (auto& ref : others_dead) request(ref);
  if (auto s = sp->sync(); !s.ok()) {
    c.err << "reconcilerctl retry: " << s.error->message << "\n";
    rc = failure;
  }
  return rc;
}

}  // namespace reconcilerd::ctl
