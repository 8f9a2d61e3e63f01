// The product as deployed: the daemon as its own unprivileged user (supplementary group
// reconcilerd-submit), two producers as two other users, on a spool laid out from the shipped
// systemd/tmpfiles.d file (modes, owners, default ACLs). Producers drop with `reconcilerctl
// submit --spool` or tmp/ + rename; they cannot read the configuration, nor list, read, replace
// or remove each other's files; a producer's directory or unreadable file in incoming/ never
// stops other jobs; every job is sent once and a restart re-sends nothing. Needs root.
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include <boost/test/unit_test.hpp>
#include <cstdlib>
#include <sstream>

#include "tests/integration/fixture.hpp"

using namespace reconcilerd::test;
using namespace std::chrono_literals;
namespace fs = std::filesystem;

namespace {

// Numeric ids only: no system users are created (checked unused on this host).
constexpr uid_t daemon_uid = 61001;  // user and group "reconcilerd"
constexpr gid_t submit_gid = 61002;  // group "reconcilerd-submit"
constexpr uid_t producer_a = 61003;  // own group 61003
constexpr uid_t producer_b = 61004;  // own group 61004

struct identity {
  uid_t uid;
  gid_t gid;
  gid_t group;  // the one supplementary group
};
const identity daemon_id{daemon_uid, daemon_uid, submit_gid};
const identity a_id{producer_a, producer_a, submit_gid};
const identity b_id{producer_b, producer_b, submit_gid};

// Generous give-up deadlines (never expected to be reached when things work).
constexpr auto command_limit = 60s;
constexpr auto ready_limit = 60s;
constexpr auto delivery_limit = 180s;

std::string find_program(const std::string& name) {
  std::string path = std::getenv("PATH") ? std::getenv("PATH") : "";
  std::istringstream dirs(path + ":/usr/bin:/bin:/usr/sbin:/sbin");
  for (std::string d; std::getline(dirs, d, ':');)
    if (!d.empty() && ::access((fs::path(d) / name).c_str(), X_OK) == 0)
      return (fs::path(d) / name).string();
  return "";
}

// ---- the shipped tmpfiles.d file, mapped onto <base> and the numeric ids ----

struct tmpfiles_line {
  std::string type, path, mode, user, group, age, argument;
};

std::vector<tmpfiles_line> read_tmpfiles(const fs::path& file) {
  std::vector<tmpfiles_line> out;
  std::istringstream in(read_file(file));
  for (std::string line; std::getline(in, line);) {
    if (line.find_first_not_of(" \t") == std::string::npos || line.starts_with("#")) continue;
    std::istringstream f(line);
    tmpfiles_line l;
    f >> l.type >> l.path >> l.mode >> l.user >> l.group >> l.age >> l.argument;
    out.push_back(l);
  }
  return out;
}

fs::path map_path(const std::string& p, const fs::path& base) {
  const std::pair<std::string, std::string> prefixes[] = {{"/var/spool/reconcilerd", "spool"},
                                                          {"/etc/reconcilerd", "etc"}};
  for (auto& [from, to] : prefixes)
    if (p == from || p.starts_with(from + "/")) return base / (to + p.substr(from.size()));
  throw std::runtime_error("tmpfiles.d: unexpected path " + p + " (teach this test about it)");
}

uid_t map_user(const std::string& n) {
  if (n == "reconcilerd") return daemon_uid;
  if (n == "root" || n == "-") return 0;
  throw std::runtime_error("tmpfiles.d: unexpected user " + n);
}

gid_t map_group(const std::string& n) {
  if (n == "reconcilerd") return daemon_uid;
  if (n == "reconcilerd-submit") return submit_gid;
  if (n == "root" || n == "-") return 0;
  throw std::runtime_error("tmpfiles.d: unexpected group " + n);
}

// "d:u:reconcilerd:r--,..." -> "d:u:61001:r--,..." (setfacl accepts numeric qualifiers).
std::string map_acl(const std::string& acl) {
  std::istringstream entries(acl);
  std::string out;
  for (std::string e; std::getline(entries, e, ',');) {
    std::string prefix;
    if (e.starts_with("d:")) prefix = "d:", e = e.substr(2);
    if (e.starts_with("default:")) prefix = "d:", e = e.substr(8);
    auto c1 = e.find(':'), c2 = e.find(':', c1 + 1);
    if (c1 == std::string::npos || c2 == std::string::npos)
      throw std::runtime_error("tmpfiles.d: bad ACL entry " + e);
    std::string tag = e.substr(0, c1), qual = e.substr(c1 + 1, c2 - c1 - 1);
    if (!qual.empty() && (tag == "u" || tag == "user")) qual = std::to_string(map_user(qual));
    if (!qual.empty() && (tag == "g" || tag == "group")) qual = std::to_string(map_group(qual));
    out += (out.empty() ? "" : ",") + prefix + tag + ":" + qual + e.substr(c2);
  }
  return out;
}

// ---- running things ----

struct run_result {
  int rc = -1;  // -1: did not finish within the limit
  std::string out, err;
};

class deployment {
 public:
  deployment(const fs::path& base, std::string setpriv, std::string setfacl)
      : base_(base), setpriv_(std::move(setpriv)), setfacl_(std::move(setfacl)) {
    fs::create_directory(logs_dir());
    fs::permissions(logs_dir(), fs::perms::owner_all);
  }
  fs::path spool() const { return base_ / "spool"; }
  fs::path config() const { return base_ / "etc" / "reconcilerd.yaml"; }
  fs::path bin(const std::string& n) const { return base_ / "bin" / n; }
  fs::path logs_dir() const { return base_ / "logs"; }  // root's: command outputs, daemon stderr
  const std::string& setfacl() const { return setfacl_; }

  std::vector<std::string> as(const identity& id, std::vector<std::string> argv) const {
    std::vector<std::string> full{setpriv_,
                                  "--reuid=" + std::to_string(id.uid),
                                  "--regid=" + std::to_string(id.gid),
                                  "--groups=" + std::to_string(id.group),
                                  "--inh-caps=-all",
                                  "--"};
    full.insert(full.end(), argv.begin(), argv.end());
    return full;
  }
  run_result run(const std::vector<std::string>& argv) {
    auto stem = logs_dir() / ("cmd-" + std::to_string(++commands_));
    run_result r;
    {
      child_process p(argv, {}, stem.string() + ".out", stem.string() + ".err");
      r.rc = p.wait(command_limit).value_or(-1);
    }
    r.out = read_file(stem.string() + ".out");
    r.err = read_file(stem.string() + ".err");
    return r;
  }
  run_result run_as(const identity& id, const std::vector<std::string>& argv) {
    return run(as(id, argv));
  }
  run_result sh_as(const identity& id, const std::string& script) {
    return run_as(id, {"/bin/sh", "-c", script});
  }

 private:
  fs::path base_;
  std::string setpriv_, setfacl_;
  int commands_ = 0;
};

void set_owner_mode(const fs::path& p, uid_t uid, gid_t gid, mode_t mode) {
  if (::chown(p.c_str(), uid, gid) != 0 || ::chmod(p.c_str(), mode) != 0)
    throw std::runtime_error("chown/chmod " + p.string() + ": " + std::strerror(errno));
}

void put_file(const fs::path& p, const std::string& content, uid_t uid, gid_t gid, mode_t mode) {
  write_file(p, content);
  set_owner_mode(p, uid, gid, mode);
}

std::string quoted(const fs::path& p) { return "'" + p.string() + "'"; }

// Creates what the shipped tmpfiles.d file describes under `base` (d: mkdir, chown, then
// chmod, as chown clears setgid; a+: setfacl -m) and checks that it took.
void lay_out_spool(deployment& dep, const fs::path& base) {
  auto lines = read_tmpfiles(RECONCILERD_SOURCE_DIR "/systemd/tmpfiles.d/reconcilerd.conf");
  BOOST_REQUIRE(!lines.empty());
  for (auto& l : lines) {
    auto p = map_path(l.path, base);
    if (l.type == "d") {
      BOOST_REQUIRE_MESSAGE(::mkdir(p.c_str(), 0700) == 0, "mkdir " << p);
      set_owner_mode(p, map_user(l.user), map_group(l.group),
                     l.mode == "-" ? 0755 : std::stoul(l.mode, nullptr, 8));
    } else if (l.type == "a+") {
      auto r = dep.run({dep.setfacl(), "-m", map_acl(l.argument), p.string()});
      BOOST_REQUIRE_MESSAGE(r.rc == 0, "setfacl on " << p << ": " << r.err);
    } else {
      BOOST_FAIL("tmpfiles.d: line type " << l.type << " is unknown to this test");
    }
  }
  for (auto& l : lines) {
    auto p = map_path(l.path, base);
    BOOST_TEST_CONTEXT(l.type << " " << l.path) {
      struct stat st {};
      BOOST_REQUIRE(::lstat(p.c_str(), &st) == 0);
      BOOST_TEST(S_ISDIR(st.st_mode));
      if (l.type == "d") {
        BOOST_TEST((st.st_mode & 07777) ==
                   (l.mode == "-" ? 0755u : std::stoul(l.mode, nullptr, 8)));
        BOOST_TEST(st.st_uid == map_user(l.user));
        BOOST_TEST(st.st_gid == map_group(l.group));
      } else if (l.argument.starts_with("d:") || l.argument.starts_with("default:")) {
        BOOST_TEST(::getxattr(p.c_str(), "system.posix_acl_default", nullptr, 0) > 0);
      }
    }
  }
}

// A valid, safe-to-repeat job for one of the five backends (i % 5), for `invoice`.
std::string valid_job(int i, int invoice) {
  const std::string n = std::to_string(invoice);
  switch (i % 5) {
    case 0:
      return R"({"backend":"erp","invoice_id":)" + n +
             R"(,"update":{"urgent":true,"date_due":"2026-12-01"}})";
    case 1:
      return R"({"backend":"billing","invoice_id":)" + n +
             R"(,"update":{"status":"Unpaid","notes":"hello"}})";
    case 2:
      return R"({"backend":"unified","invoice_id":")" + n +
             R"(","update":{"memo":"m","lineItems":[{"description":"Hosting","totalAmount":"10.00"}]}})";
    case 3:
      return R"({"backend":"books","invoice_id":)" + n +
             R"(,"update":{"client":"5","entity":"1","invoice_date":"2026-11-01","due_date":"2026-12-01","lines":[{"amount":10.5,"description":"x"}]}})";
    default:
      return R"({"backend":"ledger","invoice_id":)" + n +
             R"(,"update":{"customerId":7,"invoiceDate":"2026-11-01","dueDate":"2026-12-01","entries":[{"index":1,"itemId":3,"rate":120.5,"quantity":2}]}})";
  }
}

std::size_t count_lines_with(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.find(what) != std::string::npos) ++n;
  return n;
}

// status.json, or an empty object while it does not exist (or is being replaced).
boost::json::object status_of(const fs::path& spool) {
  try {
    return boost::json::parse(read_file(spool / "status.json")).as_object();
  } catch (const std::exception&) {
    return {};
  }
}

std::int64_t number(const boost::json::value& v) { return v.to_number<std::int64_t>(); }

// Requests in the simulator's log per job (X-Reconcilerd-Job): all of them, and "updated" ones.
struct sent_counts {
  std::map<std::string, int> all, updated;
};
sent_counts sent(const sim_fixture& sim) {
  sent_counts c;
  for (auto& r : sim.requests()) {
    if (!r.at("job").is_string()) continue;
    std::string job(r.at("job").as_string());
    ++c.all[job];
    if (r.at("result").as_string() == "updated") ++c.updated[job];
  }
  return c;
}

// The daemon as user reconcilerd (supplementary group reconcilerd-submit), started the way
// systemd's Type=notify would see it: through $NOTIFY_SOCKET, waiting for READY=1.
class user_daemon {
 public:
  explicit user_daemon(deployment& dep, const fs::path& notify_path)
      : dep_(dep), notify_(notify_path) {
    // The daemon's uid must be able to send to the socket (bound by root).
    set_owner_mode(notify_path, daemon_uid, daemon_uid, 0600);
  }
  ~user_daemon() { stop(); }
  bool start() {
    notify_.clear();
    err_ = dep_.logs_dir() / ("daemon-" + std::to_string(++runs_) + ".err");
    // ASAN_OPTIONS pass through unchanged: LeakSanitizer works as this uid although the daemon
    // makes itself non-dumpable (LSan makes the process dumpable again while it checks).
    std::map<std::string, std::string> env{{"NOTIFY_SOCKET", notify_.path().string()}};
    proc_ = std::make_unique<child_process>(
        dep_.as(daemon_id, {dep_.bin("reconcilerd").string(), "--config", dep_.config().string()}),
        env, dep_.logs_dir() / ("daemon-" + std::to_string(runs_) + ".out"), err_);
    return notify_.wait_for("READY=1", ready_limit);
  }
  // SIGTERM; the exit status, or -1 if it did not exit in time.
  int stop() {
    if (!proc_) return -1;
    proc_->signal(SIGTERM);
    int rc = proc_->wait(30s).value_or(-1);
    proc_.reset();
    return rc;
  }
  int pid() const { return proc_ ? proc_->pid() : -1; }
  std::string log() const { return fs::exists(err_) ? read_file(err_) : ""; }

 private:
  deployment& dep_;
  notify_socket notify_;
  std::unique_ptr<child_process> proc_;
  fs::path err_;
  int runs_ = 0;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(deploy_users)

BOOST_AUTO_TEST_CASE(daemon_and_two_producers_as_separate_users_on_the_shipped_spool_layout) {
  if (::geteuid() != 0) {
    BOOST_TEST_MESSAGE("skipped: running the daemon and producers as other users needs root");
    return;
  }
  const std::string setpriv = find_program("setpriv"), setfacl = find_program("setfacl");
  if (setpriv.empty() || setfacl.empty()) {
    BOOST_TEST_MESSAGE("skipped: needs setpriv (util-linux) and setfacl (acl)");
    return;
  }
  for (uid_t id : {daemon_uid, uid_t{submit_gid}, producer_a, producer_b}) {
    if (::getpwuid(id) || ::getgrgid(id)) {
      BOOST_TEST_MESSAGE("skipped: uid/gid " << id << " is in use on this host");
      return;
    }
  }

  // <base>: traversable by everyone (the other uids must reach their files in it).
  temp_dir dir;
  const fs::path base = dir.path();
  fs::permissions(base, fs::perms(0755));
  for (auto p = base.parent_path(); p != p.parent_path(); p = p.parent_path()) {
    struct stat st {};
    if (::stat(p.c_str(), &st) != 0 || !(st.st_mode & S_IXOTH)) {
      BOOST_TEST_MESSAGE("skipped: " << p
                                     << " (a parent of the temporary directory) cannot be "
                                        "traversed by other users; set TMPDIR elsewhere");
      return;
    }
  }
  deployment dep(base, setpriv, setfacl);

  // The simulator runs as root in a directory only root may enter; its CA is copied out.
  sim_fixture sim(base / "sim");
  fs::permissions(base / "sim", fs::perms::owner_all);
  fs::copy_file(sim.info().ca_file, base / "ca.pem");
  set_owner_mode(base / "ca.pem", 0, 0, 0644);

  // The binaries, where the other uids can run them (the build tree may not be reachable).
  fs::create_directory(base / "bin");
  set_owner_mode(base / "bin", 0, 0, 0755);
  const std::pair<std::string, std::string> binaries[] = {{RECONCILERD_BIN, "reconcilerd"},
                                                          {RECONCILERCTL_BIN, "reconcilerctl"}};
  for (auto& [from, name] : binaries) {
    fs::copy_file(from, dep.bin(name));
    set_owner_mode(dep.bin(name), 0, 0, 0755);
  }

  lay_out_spool(dep, base);
  const fs::path spool = dep.spool();
  const std::string sp = spool.string();

  // The daemon's status log directory (LogsDirectory= in the unit) and configuration (with
  // inline secrets: producers must not be able to read it).
  fs::create_directory(base / "log");
  set_owner_mode(base / "log", daemon_uid, daemon_uid, 0750);
  put_file(
      dep.config(),
      "spool_dir: " + sp + "\nstatus_log: " + (base / "log" / "status.log").string() + "\n" +
          five_backends_yaml(sim, "    tls:\n      ca_file: " + (base / "ca.pem").string() + "\n",
                             /*trust_sim_ca=*/false),
      daemon_uid, daemon_uid, 0640);

  // Each producer's own directory holds the jobs it will submit.
  for (auto& id : {a_id, b_id}) {
    auto d = base / ("producer-" + std::to_string(id.uid));
    fs::create_directory(d);
    set_owner_mode(d, id.uid, id.gid, 0700);
  }
  auto own_dir = [&](const identity& id) { return base / ("producer-" + std::to_string(id.uid)); };
  auto producer_file = [&](const identity& id, const std::string& name, const std::string& body) {
    auto p = own_dir(id) / name;
    put_file(p, body, id.uid, id.gid, 0600);
    return p;
  };

  // The daemon accepts the configuration and the laid-out spool, as its own user.
  {
    auto r = dep.run_as(
        daemon_id, {dep.bin("reconcilerd").string(), "--config", dep.config().string(), "--check"});
    BOOST_TEST(r.rc == 0, "reconcilerd --check as the daemon's user: " << r.out << r.err);
  }

  // ---- isolation, before any daemon runs ----
  for (auto& id : {a_id, b_id}) {
    BOOST_TEST_CONTEXT("producer uid " << id.uid) {
      BOOST_TEST(dep.run_as(id, {"/bin/cat", dep.config().string()}).rc != 0,
                 "a producer can read the daemon's configuration");
    }
  }
  const std::string iso_body = valid_job(0, 301);
  {
    auto r = dep.run_as(a_id, {dep.bin("reconcilerctl").string(), "submit", "--spool", sp,
                               producer_file(a_id, "iso-a.json", iso_body).string()});
    BOOST_TEST(r.rc == 0, "reconcilerctl submit --spool as producer A: " << r.out << r.err);
  }
  const fs::path iso = spool / "incoming" / "iso-a.json";
  if (!fs::exists(iso))  // submit failed (reported above): the isolation checks still run
    dep.sh_as(a_id, "cat " + quoted(own_dir(a_id) / "iso-a.json") + " > " +
                        quoted(spool / "tmp" / ".iso-a") + " && mv " +
                        quoted(spool / "tmp" / ".iso-a") + " " + quoted(iso));
  BOOST_TEST(fs::exists(iso));
  if (fs::exists(iso)) {
    struct stat st {};
    BOOST_TEST(::stat(iso.c_str(), &st) == 0);
    BOOST_TEST(st.st_uid == producer_a);
    BOOST_TEST(st.st_gid == submit_gid);  // setgid incoming/
    BOOST_TEST((st.st_mode & 0777) == 0640u);
    BOOST_TEST(dep.sh_as(b_id, "ls " + quoted(spool / "incoming")).rc != 0,
               "producer B can list incoming/");
    BOOST_TEST(dep.sh_as(b_id, "ls " + quoted(spool / "tmp")).rc != 0, "producer B can list tmp/");
    BOOST_TEST(dep.run_as(b_id, {"/bin/cat", iso.string()}).rc != 0,
               "producer B can read producer A's job");
    BOOST_TEST(dep.run_as(b_id, {"/bin/rm", "-f", iso.string()}).rc != 0,
               "producer B can remove producer A's job");
    BOOST_TEST(
        dep.sh_as(b_id, "umask 027; echo '{}' > " + quoted(spool / "tmp" / ".iso-b") +
                            " && mv -f " + quoted(spool / "tmp" / ".iso-b") + " " + quoted(iso))
                .rc != 0,
        "producer B can replace producer A's job");
    BOOST_TEST(read_file(iso) == iso_body);
    BOOST_TEST(dep.run_as(b_id, {"/bin/rm", (spool / "tmp" / ".iso-b").string()}).rc == 0,
               "producer B cannot remove its own file in tmp/");
    BOOST_TEST(dep.run_as(a_id, {"/bin/rm", iso.string()}).rc == 0,
               "producer A cannot remove its own job");
    BOOST_TEST(!fs::exists(iso));
  }

  // ---- hostile or broken entries, dropped before any valid job ----
  // B: a directory of its own in incoming/ (the daemon cannot move it: no write on it).
  BOOST_TEST(dep.run_as(b_id, {"/bin/mkdir", (spool / "incoming" / "dir.json").string()}).rc == 0);
  // A: a valid job created 0600 (mktemp), renamed in: not readable by the daemon. (With the
  // default ACL on tmp/ the umask does not apply: the mode given to open(2) decides.)
  const std::string private_body = valid_job(4, 401);
  {
    auto src = producer_file(a_id, "a-private.json", private_body);
    auto r = dep.sh_as(a_id, "set -e; f=$(mktemp " + quoted(spool / "tmp" / ".a-private.XXXXXX") +
                                 "); cat " + quoted(src) + " > \"$f\"; mv \"$f\" " +
                                 quoted(spool / "incoming" / "a-private.json"));
    BOOST_TEST(r.rc == 0, r.err);
    struct stat st {};
    BOOST_TEST(::stat((spool / "incoming" / "a-private.json").c_str(), &st) == 0);
    BOOST_TEST((st.st_mode & 0777) == 0600u);
  }

  // ---- the daemon, as its own user ----
  user_daemon d(dep, base / "notify.sock");
  BOOST_REQUIRE_MESSAGE(d.start(), "reconcilerd did not become ready: " << d.log());
  // Let it meet the two bad entries before anything else arrives (fixed behaviour: the file is
  // dead-lettered, the directory logged). Not required: the assertions below say what failed.
  BOOST_TEST(wait_until(
                 [&] {
                   return fs::exists(spool / "dead" / "a-private.json") &&
                          d.log().find("dir.json") != std::string::npos;
                 },
                 30s),
             "the daemon did not deal with the two bad entries: " << d.log());

  // ---- N valid jobs from each producer ----
  constexpr int n = 10;
  std::map<std::string, std::pair<std::string, uid_t>> jobs;  // name -> body, producer
  {
    std::vector<std::string> argv{dep.bin("reconcilerctl").string(), "submit", "--spool", sp};
    for (int i = 0; i < n; ++i) {
      std::string name = "a-" + std::to_string(i) + ".json", body = valid_job(i, 101 + i);
      jobs[name] = {body, producer_a};
      argv.push_back(producer_file(a_id, name, body).string());
    }
    auto r = dep.run_as(a_id, argv);
    BOOST_TEST(r.rc == 0, "reconcilerctl submit as producer A: " << r.out << r.err);
  }
  for (int i = 0; i < n; ++i) {
    std::string name = "b-" + std::to_string(i) + ".json", body = valid_job(i, 201 + i);
    jobs[name] = {body, producer_b};
    auto src = producer_file(b_id, name, body);
    auto tmp = spool / "tmp" / ("." + name);
    auto r = dep.sh_as(b_id, "umask 027; cat " + quoted(src) + " > " + quoted(tmp) + " && mv " +
                                 quoted(tmp) + " " + quoted(spool / "incoming" / name));
    BOOST_TEST(r.rc == 0, "producer B's drop of " << name << ": " << r.err);
  }

  // ---- every valid job delivered, once; the bad entries dealt with, once ----
  auto all_done = [&] {
    for (auto& [name, v] : jobs)
      if (!fs::exists(spool / "done" / name)) return false;
    return true;
  };
  BOOST_TEST(wait_until(all_done, delivery_limit),
             "not all " << jobs.size()
                        << " jobs reached done/; done/: " << list_dir(spool / "done").size() << "\n"
                        << d.log());
  auto counts = sent(sim);
  for (auto& [name, v] : jobs) {
    BOOST_TEST_CONTEXT(name) {
      auto p = spool / "done" / name;
      if (!fs::exists(p)) continue;
      BOOST_TEST(read_file(p) == v.first);  // bytes unchanged
      struct stat st {};
      BOOST_TEST(::stat(p.c_str(), &st) == 0);
      BOOST_TEST(st.st_uid == v.second);  // still the producer's: the daemon never chowns
      BOOST_TEST((st.st_mode & 0777) == 0640u);
      BOOST_TEST(counts.all[name] == 1);  // sent exactly once
      BOOST_TEST(counts.updated[name] == 1);
    }
  }
  BOOST_TEST(list_dir(spool / "active").empty());
  BOOST_TEST(list_dir(spool / "deferred").empty());

  // The 0600 file: dead-lettered as invalid, saying it is not readable; never sent.
  BOOST_TEST(counts.all["a-private.json"] == 0);
  BOOST_TEST(!fs::exists(spool / "incoming" / "a-private.json"));
  const fs::path private_error = spool / "dead" / "a-private.json.error.json";
  BOOST_TEST(fs::exists(private_error), d.log());
  if (fs::exists(private_error)) {
    auto e = boost::json::parse(read_file(private_error)).as_object();
    BOOST_TEST(e.at("category").as_string() == "invalid");
    std::string message(e.at("message").as_string());
    BOOST_TEST(message.find("readable") != std::string::npos, message);
    BOOST_TEST(read_file(spool / "dead" / "a-private.json") == private_body);
  }

  // The directory: dead-lettered or left in incoming/ (still B's), logged once, never a reason
  // to stop claiming.
  const bool dir_dead = fs::exists(spool / "dead" / "dir.json.error.json");
  const bool dir_left = fs::is_directory(spool / "incoming" / "dir.json");
  BOOST_TEST((dir_dead != dir_left),
             "dir.json: dead " << dir_dead << ", left in incoming/ " << dir_left);
  if (dir_left) {
    struct stat st {};
    BOOST_TEST(::stat((spool / "incoming" / "dir.json").c_str(), &st) == 0);
    BOOST_TEST(st.st_uid == producer_b);
  }
  const std::string log1 = d.log();
  BOOST_TEST_CONTEXT(log1) {
    BOOST_TEST(count_lines_with(log1, "dir.json") == 1u);
    BOOST_TEST(log1.find("claiming paused") == std::string::npos);
    BOOST_TEST(log1.find("spool write failed") == std::string::npos);
  }

  // ---- restart: nothing is sent again ----
  BOOST_TEST(d.stop() == 0, d.log());
  const std::size_t requests_before = sim.requests().size();
  BOOST_REQUIRE_MESSAGE(d.start(), "reconcilerd did not become ready again: " << d.log());
  const std::int64_t pid = d.pid();
  // Two status.json snapshots of the new process (so one was written after READY=1), and it
  // holds no job: anything re-sent would have had to be queued, active or deferred first.
  std::string first_snapshot;
  BOOST_TEST(wait_until(
                 [&] {
                   auto s = status_of(spool);
                   if (!s.contains("pid") || number(s.at("pid")) != pid) return false;
                   auto at = std::string(s.at("generated_at").as_string());
                   if (first_snapshot.empty()) first_snapshot = at;
                   if (at == first_snapshot) return false;
                   auto& counts = s.at("spool").as_object();
                   if (number(counts.at("active")) != 0 || number(counts.at("deferred")) != 0)
                     return false;
                   for (auto& b : s.at("backends").as_array())
                     for (auto key : {"queued", "active", "deferred"})
                       if (number(b.as_object().at(key)) != 0) return false;
                   return true;
                 },
                 60s),
             "status.json of the restarted daemon: " << read_file(spool / "status.json"));
  BOOST_TEST(sim.requests().size() == requests_before);
  BOOST_TEST(all_done());
  const std::string log2 = d.log();
  BOOST_TEST_CONTEXT(log2) {
    BOOST_TEST(count_lines_with(log2, "dir.json") <= 1u);
    BOOST_TEST(log2.find("claiming paused") == std::string::npos);
  }
  BOOST_TEST(d.stop() == 0, d.log());
}

BOOST_AUTO_TEST_SUITE_END()
