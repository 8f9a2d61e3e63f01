// Disk full: the spool lives on a small tmpfs (needs root to mount; skipped with a message
// otherwise). The disk is filled while jobs wait to be moved; the daemon must keep every
// job, log the failure once rather than per job, and finish everything once space returns.
#include <sys/mount.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <cerrno>
#include <fstream>

#include "tests/integration/fixture.hpp"

using namespace reconcilerd::test;
using namespace std::chrono_literals;

namespace {

struct tmpfs_mount {
  std::filesystem::path where;
  bool mounted = false;
  tmpfs_mount(const std::filesystem::path& p, const char* opts) : where(p) {
    std::filesystem::create_directories(p);
    mounted = ::mount("tmpfs", p.c_str(), "tmpfs", 0, opts) == 0;
  }
  ~tmpfs_mount() {
    if (mounted) ::umount2(where.c_str(), MNT_DETACH);
  }
};

// Writes until the file system refuses; returns the bytes written.
std::size_t fill(const std::filesystem::path& file) {
  std::FILE* f = std::fopen(file.c_str(), "w");
  if (!f) return 0;
  std::string block(4096, 'x');
  std::size_t n = 0;
  while (std::fwrite(block.data(), 1, block.size(), f) == block.size() && n < (64u << 20)) {
    n += block.size();
    if (std::fflush(f) != 0) break;
  }
  std::fclose(f);
  return n;
}

std::size_t count(const std::string& text, const std::string& what) {
  std::size_t n = 0;
  for (auto pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(disk_full)

BOOST_AUTO_TEST_CASE(enospc_loses_nothing_and_is_logged_once) {
  if (::geteuid() != 0) {
    BOOST_TEST_MESSAGE("skipped: mounting a small tmpfs for the spool needs root");
    return;
  }
  temp_dir dir;
  tmpfs_mount mnt(dir / "d" / "spool", "size=1m,mode=0755");
  if (!mnt.mounted) {
    BOOST_TEST_MESSAGE("skipped: cannot mount tmpfs here (errno " << errno << ")");
    return;
  }
  // 30% of answers are 500s so that some jobs need state files (deferred/) and the invalid
  // ones need error.json files: both are writes that the full disk refuses.
  sim_fixture sim(dir / "sim", R"({"faults": [{"api": "*", "kind": "status", "status": 500,
                                              "probability": 0.3}]})");
  const std::string defaults =
      "defaults:\n  retry:\n    initial_backoff: 250ms\n    max_backoff: 500ms\n"
      "    max_attempts: 100\n";
  daemon_fixture d(dir / "d", defaults + five_backends_yaml(sim));

  const int good = 20, bad = 5;
  std::map<std::string, std::string> jobs;
  for (int i = 0; i < good; ++i)
    jobs["ok-" + std::to_string(i) + ".json"] =
        R"({"backend":"erp","invoice_id":)" + std::to_string(i + 1) +
        R"(,"update":{"urgency_note":"disk full )" + std::to_string(i) + R"("}})";
  for (int i = 0; i < bad; ++i)
    jobs["bad-" + std::to_string(i) + ".json"] =
        R"({"backend":"erp","invoice_id":1,"update":{"nope":1}})";
  // Producers wrote their files before the disk filled up; they rename them in afterwards.
  for (auto& [name, body] : jobs) write_file(d.spool() / "tmp" / name, body);
  const auto filler = d.spool() / "filler";
  BOOST_TEST(fill(filler) > 0u);
  for (auto& [name, body] : jobs)
    std::filesystem::rename(d.spool() / "tmp" / name, d.spool() / "incoming" / name);

  BOOST_TEST_INFO(d.log());
  BOOST_TEST(wait_until(
      [&] { return d.log().find("No space left on device") != std::string::npos; }, 30s));
  // Nothing lost while the disk is full: every job is somewhere in the spool.
  for (auto& [name, body] : jobs) {
    bool found = false;
    for (auto state : {"incoming", "active", "deferred", "done", "dead"})
      found = found || std::filesystem::exists(d.spool() / state / name);
    BOOST_TEST(found, name);
  }
  std::filesystem::remove(filler);  // space returns
  BOOST_TEST(d.wait_settled(jobs.size(), 60s));
  for (auto& [name, body] : jobs) {
    const bool in_done = std::filesystem::exists(d.spool() / "done" / name);
    const bool in_dead = std::filesystem::exists(d.spool() / "dead" / name);
    BOOST_TEST((in_done != in_dead), name);
    BOOST_TEST((name.starts_with("ok-") ? in_done : in_dead), name);
    BOOST_TEST(read_file(d.spool() / (in_done ? "done" : "dead") / name) == body, name);
  }
  const std::string log = d.log();
  // Logged once per episode, not once per job.
  BOOST_TEST(count(log, "spool write failed") >= 1u);
  BOOST_TEST(count(log, "spool write failed") <= 3u);
  BOOST_TEST(count(log, "spool writes succeed again") >= 1u);
}

BOOST_AUTO_TEST_SUITE_END()
