// The spool as the only door to its files: the one atomic write (spool_fs.hpp) and its
// whole-file read, status.json, control requests (reconcilerctl resume -> the daemon), and
// the read-only spool reconcilerctl list/show use.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <filesystem>

#include "tests/jobs/spool_test_support.hpp"

using namespace reconcilerd::test;

namespace {

// Sets the umask for the scope: the files must get their exact modes anyway.
struct umask_guard {
  mode_t old;
  explicit umask_guard(mode_t m) : old(::umask(m)) {}
  ~umask_guard() { ::umask(old); }
};

unsigned mode_of(const fs::path& p) {
  struct stat st {};
  BOOST_REQUIRE(::lstat(p.c_str(), &st) == 0);
  return st.st_mode & 07777;
}

rj::unique_fd open_dir(const fs::path& p) {
  rj::unique_fd fd(::open(p.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  BOOST_REQUIRE(fd);
  return fd;
}

std::vector<std::string> names_in(const fs::path& dir) {
  std::vector<std::string> v;
  for (auto& e : fs::directory_iterator(dir)) v.push_back(e.path().filename().string());
  std::sort(v.begin(), v.end());
  return v;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(spool_files)

BOOST_AUTO_TEST_CASE(atomic_write_replaces_whole_file_with_exact_mode) {
  temp_dir t;
  umask_guard u(077);
  auto dir = open_dir(t.path());
  BOOST_TEST(!rj::write_file_durably(dir.get(), ".x.tmp", "x", "first", 0644));
  BOOST_TEST(read_file(t / "x") == "first");
  BOOST_TEST(mode_of(t / "x") == 0644u);
  // A stale temp of ours (a crash) is replaced, never left behind.
  write_file(t / ".x.tmp", "stale");
  BOOST_TEST(!rj::write_file_durably(dir.get(), ".x.tmp", "x", "second, longer", 0640));
  BOOST_TEST(read_file(t / "x") == "second, longer");
  BOOST_TEST(mode_of(t / "x") == 0640u);
  BOOST_TEST(names_in(t.path()) == std::vector<std::string>{"x"});
}

BOOST_AUTO_TEST_CASE(atomic_write_between_directories_without_replacing) {
  temp_dir t;
  fs::create_directories(t / "tmp");
  fs::create_directories(t / "in");
  auto tmp = open_dir(t / "tmp");
  auto in = open_dir(t / "in");
  const rj::write_options once{.mode = 0640, .replace = false};
  BOOST_TEST(!rj::write_file_durably(tmp.get(), ".a.1.tmp", in.get(), "a", "one", once));
  auto ec = rj::write_file_durably(tmp.get(), ".a.2.tmp", in.get(), "a", "two", once);
  BOOST_TEST(ec.value() == EEXIST);
  BOOST_TEST(read_file(t / "in" / "a") == "one");
  BOOST_TEST(fs::is_empty(t / "tmp"));  // no temp left by the refused write
  // keep_open hands over the written file (for syncfs by a producer).
  rj::unique_fd kept;
  BOOST_TEST(!rj::write_file_durably(tmp.get(), ".b.tmp", in.get(), "b", "bee",
                                     {.mode = 0600, .replace = false, .keep_open = &kept}));
  BOOST_TEST(bool(kept));
  BOOST_TEST(::syncfs(kept.get()) == 0);
}

BOOST_AUTO_TEST_CASE(atomic_write_reports_errors) {
  temp_dir t;
  auto dir = open_dir(t.path());
  BOOST_TEST(rj::write_file_durably(dir.get(), ".x.tmp", "missing/x", "x").value() == ENOENT);
  BOOST_TEST(rj::write_file_durably(dir.get(), "missing/.x.tmp", "x", "x").value() == ENOENT);
  BOOST_TEST(names_in(t.path()).empty());
}

BOOST_AUTO_TEST_CASE(whole_file_reads_refuse_what_is_not_a_plain_file) {
  temp_dir t;
  write_file(t / "f", "bytes");
  fs::create_symlink(t / "f", t / "link");
  make_fifo(t / "fifo");
  std::string out;
  BOOST_TEST(!rj::read_regular_file(AT_FDCWD, (t / "f").string(), 5, out));
  BOOST_TEST(out == "bytes");
  BOOST_TEST(rj::read_regular_file(AT_FDCWD, (t / "f").string(), 4, out).value() == EFBIG);
  BOOST_TEST(rj::read_regular_file(AT_FDCWD, (t / "link").string(), 99, out).value() == ELOOP);
  BOOST_TEST(rj::read_regular_file(AT_FDCWD, (t / "fifo").string(), 99, out).value() == EINVAL);
  BOOST_TEST(rj::read_regular_file(AT_FDCWD, (t / "none").string(), 99, out).value() == ENOENT);
}

BOOST_AUTO_TEST_CASE(status_json_written_and_read_back) {
  temp_dir t;
  const fs::path root = t / "spool";
  umask_guard u(077);
  rj::spool s(root);
  auto missing = rj::spool::read_status(root);
  BOOST_TEST(missing.path == root / "status.json");
  BOOST_REQUIRE(missing.error);
  BOOST_TEST(missing.error->code.value() == ENOENT);
  BOOST_TEST(s.write_status("{\"pid\":1}\n").ok());
  BOOST_TEST(s.write_status("{\"pid\":2}\n").ok());
  BOOST_TEST(s.sync().ok());
  BOOST_TEST(mode_of(root / "status.json") == 0640u);  // group-readable whatever the umask
  BOOST_TEST(!fs::exists(root / ".status.json.tmp"));
  auto f = rj::spool::read_status(root);
  BOOST_TEST(!f.error);
  BOOST_TEST(f.text == "{\"pid\":2}\n");
}

BOOST_AUTO_TEST_CASE(resume_requests_reach_the_daemon_once) {
  temp_dir t;
  const fs::path root = t / "spool";
  rj::spool daemon(root);
  BOOST_TEST(daemon.take_control_requests().empty());

  auto r = rj::spool::request_resume(root, "erp");
  BOOST_TEST(!r.error);
  BOOST_TEST(r.path == root / "control" / "resume-erp");
  BOOST_TEST(read_file(r.path) == "");
  BOOST_TEST(mode_of(r.path) == 0640u);
  auto again = rj::spool::request_resume(root, "erp");  // still waiting: not doubled
  BOOST_REQUIRE(again.error);
  BOOST_TEST(again.error->code.value() == EEXIST);
  BOOST_TEST(!rj::spool::request_resume(root, "books").error);
  for (const char* bad : {"", "../x", "a/b", "a b"}) {
    BOOST_TEST_CONTEXT(bad) {
      auto e = rj::spool::request_resume(root, bad);
      BOOST_REQUIRE(e.error);
      BOOST_TEST(e.error->code.value() == EINVAL);
    }
  }
  // Hidden files (a reconcilerctl temp in flight) and other names are not requests.
  write_file(root / "control" / ".resume-x.123.tmp", "");
  write_file(root / "control" / "other", "");

  auto taken = daemon.take_control_requests();
  std::vector<std::string> backends;
  for (auto& c : taken) {
    BOOST_TEST((c.what == rj::control_request::kind::resume));
    backends.push_back(c.backend);
  }
  std::sort(backends.begin(), backends.end());
  BOOST_TEST(backends == (std::vector<std::string>{"books", "erp"}));
  BOOST_TEST(daemon.take_control_requests().empty());  // taken means removed
  BOOST_TEST(names_in(root / "control") ==
             (std::vector<std::string>{".resume-x.123.tmp", "other"}));
  BOOST_TEST(!rj::spool::request_resume(root, "erp").error);  // a new request after that
  BOOST_TEST(daemon.take_control_requests().size() == 1u);
}

BOOST_AUTO_TEST_CASE(retry_requests_for_another_node_reach_the_daemon_once) {
  temp_dir t;
  const fs::path root = t / "spool";
  rj::spool daemon(root);
  auto r = rj::spool::request_retry(root, "node-b", "inv-7.json");
  BOOST_TEST(!r.error);
  BOOST_TEST(r.path == root / "control" / "retry@node-b@inv-7.json");
  BOOST_TEST(mode_of(r.path) == 0640u);
  auto again = rj::spool::request_retry(root, "node-b", "inv-7.json");
  BOOST_REQUIRE(again.error);
  BOOST_TEST(again.error->code.value() == EEXIST);
  BOOST_TEST(!rj::spool::request_resume(root, "books").error);
  const std::string long_node(65, 'n');
  for (auto [node, job] : std::vector<std::pair<std::string, std::string>>{{"", "a.json"},
                                                                           {"a@b", "a.json"},
                                                                           {long_node, "a.json"},
                                                                           {"..", "a.json"},
                                                                           {"node-b", "../x"},
                                                                           {"node-b", "a@b"},
                                                                           {"node-b", ""}}) {
    BOOST_TEST_CONTEXT(node << " " << job) {
      auto e = rj::spool::request_retry(root, node, job);
      BOOST_REQUIRE(e.error);
      BOOST_TEST(e.error->code.value() == EINVAL);
    }
  }
  write_file(root / "control" / "retry@no-at-sign", "");  // not understood: removed, ignored
  auto taken = daemon.take_control_requests();
  BOOST_REQUIRE(taken.size() == 2u);
  std::sort(taken.begin(), taken.end(),
            [](auto& a, auto& b) { return static_cast<int>(a.what) < static_cast<int>(b.what); });
  BOOST_TEST((taken[0].what == rj::control_request::kind::resume));
  BOOST_TEST(taken[0].backend == "books");
  BOOST_TEST((taken[1].what == rj::control_request::kind::retry));
  BOOST_TEST(taken[1].node == "node-b");
  BOOST_TEST(taken[1].job == "inv-7.json");
  BOOST_TEST(names_in(root / "control").empty());
}

BOOST_AUTO_TEST_CASE(read_only_spool_reads_and_creates_nothing) {
  temp_dir t;
  const fs::path root = t / "spool";
  BOOST_CHECK_EXCEPTION(
      rj::spool::open_read_only(root), std::runtime_error, [&](const std::runtime_error& e) {
        return std::string(e.what()) == "spool directory " + root.string() + " does not exist";
      });
  BOOST_TEST(!fs::exists(root));

  // Only some directories: the rest read as empty and are not created.
  fs::create_directories(root / "incoming");
  write_file(root / "incoming" / "a.json", good_job);
  {
    auto ro = rj::spool::open_read_only(root);
    BOOST_TEST(ro->list(rj::job_state::incoming) == std::vector<std::string>{"a.json"});
    BOOST_TEST(ro->list(rj::job_state::dead).empty());
    BOOST_TEST(!ro->for_each(rj::job_state::active, [](const std::string&) { return true; }));
    BOOST_TEST((ro->locate("a.json") == rj::job_state::incoming));
    BOOST_TEST(!ro->locate("b.json"));
    BOOST_TEST(std::get<std::string>(ro->read_job(rj::job_state::incoming, "a.json")) == good_job);
    BOOST_TEST(
        std::get<rj::spool_error>(ro->read_job(rj::job_state::done, "a.json")).code.value() ==
        ENOENT);
    BOOST_TEST(!ro->state_of("a.json"));
    BOOST_TEST(!ro->error_json_of("a.json"));
  }
  BOOST_TEST(names_in(root) == std::vector<std::string>{"incoming"});

  // A full spool with a deferred and a dead job, seen read-only.
  rj::spool s(root);
  BOOST_REQUIRE(std::holds_alternative<rj::claimed>(s.claim("a.json", at("2026-11-01T10:00:00Z"))));
  rj::delivery_state st;
  st.attempts = 2;
  st.first_seen = at("2026-11-01T10:00:00Z");
  BOOST_REQUIRE(s.defer("a.json", st).ok());
  write_file(root / "incoming" / "d.json", "{}");
  BOOST_REQUIRE(std::holds_alternative<rj::claimed>(s.claim("d.json", at("2026-11-01T10:00:00Z"))));
  rj::dead_letter why{
      rj::dead_category::invalid, "not a job", std::nullopt, std::nullopt, false, std::nullopt};
  BOOST_REQUIRE(s.bury("d.json", why, {}, at("2026-11-01T10:00:01Z")).ok());
  fs::create_symlink(root / "dead" / "d.json", root / "dead" / "l.json");
  BOOST_REQUIRE(s.sync().ok());

  auto ro = rj::spool::open_read_only(root);
  BOOST_TEST((ro->locate("a.json") == rj::job_state::deferred));
  BOOST_TEST(ro->state_of("a.json").value().attempts == 2);
  BOOST_TEST(std::get<std::string>(ro->read_job(rj::job_state::deferred, "a.json")) == good_job);
  BOOST_TEST(ro->error_json_of("d.json").value().find("\"not a job\"") != std::string::npos);
  BOOST_TEST(std::get<rj::spool_error>(ro->read_job(rj::job_state::dead, "l.json")).code.value() ==
             ELOOP);
  BOOST_TEST(std::get<rj::spool_error>(ro->read_job(rj::job_state::dead, "../x")).code.value() ==
             EINVAL);
}

BOOST_AUTO_TEST_SUITE_END()
