// jobs/spool lifecycle: claim -> complete / defer / bury, state persistence across spool
// objects, start-up recovery, retry of dead letters, done/ expiry, error values that leave
// the job in place, check(), and the pure helpers (names, state text, RFC 3339).
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <fstream>
#include <functional>
#include <optional>
#include <string_view>

#include "tests/jobs/spool_test_support.hpp"

using namespace reconcilerd::test;
using namespace std::chrono_literals;

namespace reconcilerd::jobs::test_seams {
// jobs/spool_moves.cpp: called after each step of spool::retry_dead().
extern std::function<void(std::string_view step)> retry_dead_step;
}  // namespace reconcilerd::jobs::test_seams

namespace {

rj::claimed claim_ok(rj::spool& s, const std::string& name, rj::clock_time now) {
  auto r = s.claim(name, now);
  BOOST_TEST_REQUIRE(std::holds_alternative<rj::claimed>(r));
  return std::get<rj::claimed>(r);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(spool_lifecycle)

BOOST_AUTO_TEST_CASE(creates_tree_with_modes_and_checks_clean) {
  temp_dir t;
  mode_t old = ::umask(022);
  rj::spool s(t / "a" / "spool");
  ::umask(old);
  auto mode = [&](const char* d) { return fs::status(t / "a" / "spool" / d).permissions(); };
  using p = fs::perms;
  // Producers may create files in tmp/ and incoming/, not list them, not rename or remove
  // each other's (sticky); setgid hands their files the spool's group (mode 3730).
  const auto drop = p::owner_all | p::group_write | p::group_exec | p::set_gid | p::sticky_bit;
  BOOST_TEST((mode("incoming") == drop));
  BOOST_TEST((mode("tmp") == drop));
  BOOST_TEST((mode("") == (p::owner_all | p::group_exec)));
  for (const char* d : {"active", "deferred", "done", "dead", "state", "state/expiry", "control"})
    BOOST_TEST_CONTEXT(d) { BOOST_TEST((mode(d) == p::owner_all)); }
  BOOST_TEST(s.check().empty());
  fs::remove(t / "a" / "spool" / "done");
  auto problems = s.check();
  BOOST_TEST_REQUIRE(problems.size() == 1u);
  BOOST_TEST(problems[0] == "spool directory " + (t / "a" / "spool").string() +
                                ": done/ is missing: No such file or directory");
}

BOOST_AUTO_TEST_CASE(unusable_root_throws_clear_message) {
  temp_dir t;
  write_file(t / "file", "x");
  try {
    rj::spool s(t / "file");
    BOOST_FAIL("no exception");
  } catch (const std::runtime_error& e) {
    BOOST_TEST(std::string(e.what()) ==
               "spool directory " + (t / "file").string() + ": cannot open it: Not a directory");
  }
  fs::create_directories(t / "sp");
  fs::create_directory_symlink(t.path(), t / "sp" / "active");
  try {
    rj::spool s(t / "sp");
    BOOST_FAIL("no exception");
  } catch (const std::runtime_error& e) {
    BOOST_TEST(std::string(e.what()) == "spool directory " + (t / "sp").string() +
                                            ": cannot open active/ (must be a real directory): "
                                            "Not a directory");
  }
}

BOOST_AUTO_TEST_CASE(claim_complete_keeps_bytes_and_expires) {
  temp_dir t;
  const fs::path root = t / "spool";
  rj::spool s(root);
  const auto t0 = at("2026-11-21T10:00:00Z");
  write_file(root / "incoming" / "a.json", good_job);
  BOOST_TEST(s.list(rj::job_state::incoming) == std::vector<std::string>{"a.json"});
  auto c = claim_ok(s, "a.json", t0);
  BOOST_TEST(c.name == "a.json");
  BOOST_TEST(c.bytes == good_job);
  BOOST_TEST(c.state.attempts == 0);
  BOOST_TEST((c.state.first_seen == t0));
  BOOST_TEST(where_is(s, "a.json") == "active");
  const auto mtime_before = fs::last_write_time(root / "active" / "a.json");
  BOOST_TEST(s.complete("a.json", t0, 1h).ok());
  BOOST_TEST(s.sync().ok());
  BOOST_TEST(read_file(root / "done" / "a.json") == good_job);
  // The producer's file keeps its times (the daemon may not own it); the expiry is on the
  // daemon's marker.
  BOOST_TEST((fs::last_write_time(root / "done" / "a.json") == mtime_before));
  BOOST_TEST(fs::exists(root / "state" / "expiry" / "a.json"));
  BOOST_TEST(s.list(rj::job_state::done) == std::vector<std::string>{"a.json"});
  BOOST_TEST(s.prune_done(t0 + 59min, 0ms) == 0u);
  BOOST_TEST(s.prune_done(t0 + 1h, 0ms) == 1u);
  BOOST_TEST(where_is(s, "a.json") == "nowhere");
  BOOST_TEST(!fs::exists(root / "state" / "expiry" / "a.json"));

  write_file(root / "incoming" / "b.json", good_job);
  claim_ok(s, "b.json", t0);
  BOOST_TEST(s.complete("b.json", t0, 0ms).ok());  // done_retention 0: delete at once
  BOOST_TEST(where_is(s, "b.json") == "nowhere");
}

BOOST_AUTO_TEST_CASE(defer_persists_state_across_spool_objects) {
  temp_dir t;
  const fs::path root = t / "spool";
  const auto t0 = at("2026-11-21T10:00:00Z");
  rj::delivery_state st;
  {
    rj::spool s(root);
    write_file(root / "incoming" / "d.json", good_job);
    auto c = claim_ok(s, "d.json", t0);
    st = c.state;
    st.attempts = 2;
    st.last_attempt = t0 + 1500ms;
    st.next_attempt = t0 + 30s;
    st.last_error = "HTTP 503 from erp: \"busy\"";
    st.last_http_status = 503;
    BOOST_TEST(s.defer("d.json", st).ok());
    BOOST_TEST(s.sync().ok());
  }
  rj::spool s(root);
  BOOST_TEST(where_is(s, "d.json") == "deferred");
  BOOST_TEST(s.list(rj::job_state::deferred) == std::vector<std::string>{"d.json"});
  BOOST_TEST((s.state_of("d.json") == std::optional(st)));
  BOOST_TEST(read_file(root / "deferred" / "d.json") == good_job);  // bytes untouched
  auto r = s.claim_deferred("d.json", t0 + 31s);
  auto* c = std::get_if<rj::claimed>(&r);
  BOOST_TEST_REQUIRE(c != nullptr);
  BOOST_TEST((c->state == st));
  BOOST_TEST(c->bytes == good_job);
  BOOST_TEST(s.complete("d.json", t0 + 32s, 1h).ok());
  BOOST_TEST(!s.state_of("d.json").has_value());
}

BOOST_AUTO_TEST_CASE(bury_writes_error_json) {
  temp_dir t;
  const fs::path root = t / "spool";
  rj::spool s(root);
  const auto t0 = at("2026-11-21T10:00:00Z");
  write_file(root / "incoming" / "r.json", good_job);
  auto c = claim_ok(s, "r.json", t0);
  c.state.attempts = 1;
  c.state.last_attempt = t0 + 2s;
  rj::dead_letter why{rj::dead_category::rejected,
                      "erp rejected the update: unknown customer",
                      "erp",
                      "42",
                      true,
                      422};
  BOOST_TEST(s.bury("r.json", why, c.state, t0 + 3s).ok());
  BOOST_TEST(s.sync().ok());
  BOOST_TEST(read_file(root / "dead" / "r.json") == good_job);
  BOOST_TEST(s.list(rj::job_state::dead) == std::vector<std::string>{"r.json"});
  BOOST_TEST(*s.error_json_of("r.json") ==
             R"({"job":"r.json","backend":"erp","invoice_id":42,"category":"rejected",)"
             R"("message":"erp rejected the update: unknown customer","attempts":1,)"
             R"("http_status":422,"first_seen":"2026-11-21T10:00:00Z",)"
             R"("last_attempt":"2026-11-21T10:00:02Z","dead_since":"2026-11-21T10:00:03Z"})"
             "\n");

  // retry_dead: back to incoming, fresh state, error.json gone.
  auto rr = s.retry_dead("r.json");
  BOOST_TEST_REQUIRE(std::holds_alternative<std::string>(rr));
  BOOST_TEST(std::get<std::string>(rr) == "r.json");
  BOOST_TEST(!s.error_json_of("r.json").has_value());
  BOOST_TEST(s.list(rj::job_state::dead).empty());
  auto again = claim_ok(s, "r.json", t0 + 1h);
  BOOST_TEST(again.name == "r.json");
  BOOST_TEST(again.state.attempts == 0);
  BOOST_TEST(again.bytes == good_job);
  BOOST_TEST(std::holds_alternative<rj::spool_error>(s.retry_dead("missing.json")));
}

// `reconcilerctl retry` races the daemon: the moment the job is back in incoming/, the
// daemon may claim it and store a fresh state (here: defer with the unsafe-send marker).
// Acting as the daemon after each step of retry_dead() in turn, that state must survive
// whatever name the claim took, and the leftover state of the dead job must be gone.
BOOST_AUTO_TEST_CASE(retry_dead_never_removes_a_state_stored_by_a_claim_in_between) {
  const auto t0 = at("2026-11-21T10:00:00Z");
  const rj::dead_letter why{rj::dead_category::rejected, "no", "erp", "42", true, 422};
  bool claimed_at_some_step = false;
  for (int at_step = 0; at_step < 3; ++at_step)
    for (bool leftover : {false, true}) {
      BOOST_TEST_CONTEXT("daemon acts after step " << at_step
                                                   << (leftover ? ", leftover state" : "")) {
        temp_dir t;
        const fs::path root = t / "spool";
        rj::spool ctl(root);
        write_file(root / "incoming" / "r.json", good_job);
        auto c = claim_ok(ctl, "r.json", t0);
        BOOST_TEST_REQUIRE(ctl.bury("r.json", why, c.state, t0 + 1s).ok());
        // A leftover of a crash between bury's rename and its removal of the state.
        if (leftover) write_file(root / "state" / "r.json.json", R"({"attempts":9})");

        rj::spool daemon(root);
        std::optional<rj::delivery_state> stored;
        std::string stored_name;
        int step = 0;
        rj::test_seams::retry_dead_step = [&](std::string_view) {
          if (step++ != at_step) return;
          auto r = daemon.claim("r.json", t0 + 1h);
          auto* taken = std::get_if<rj::claimed>(&r);
          if (!taken) return;  // not in incoming/ yet
          taken->state.attempts = 1;
          taken->state.sending_unsafe = true;
          BOOST_TEST_REQUIRE(daemon.defer(taken->name, taken->state).ok());
          stored = taken->state;
          stored_name = taken->name;
        };
        auto rr = ctl.retry_dead("r.json");
        rj::test_seams::retry_dead_step = nullptr;
        BOOST_TEST_REQUIRE(std::holds_alternative<std::string>(rr));
        BOOST_TEST(!ctl.error_json_of("r.json").has_value());
        if (stored) {
          claimed_at_some_step = true;
          BOOST_TEST_CONTEXT("claimed as " << stored_name) {
            BOOST_TEST((ctl.state_of(stored_name) == stored));
          }
        } else {
          BOOST_TEST(!ctl.state_of("r.json").has_value());  // the leftover is gone
        }
      }
    }
  BOOST_TEST(claimed_at_some_step);
}

BOOST_AUTO_TEST_CASE(recover_requeues_active_and_cleans_up) {
  temp_dir t;
  const fs::path root = t / "spool";
  const auto t0 = at("2026-11-21T10:00:00Z");
  rj::delivery_state seen;
  {
    rj::spool s(root);
    write_file(root / "incoming" / "fresh.json", good_job);
    write_file(root / "incoming" / "old.json", good_job);
    write_file(root / "incoming" / "later.json", good_job);
    claim_ok(s, "fresh.json", t0);  // "crash" while delivering
    auto old = claim_ok(s, "old.json", t0);
    old.state.attempts = 3;
    old.state.next_attempt = t0 + 1min;
    BOOST_TEST(s.defer("old.json", old.state).ok());
    seen = std::get<rj::claimed>(s.claim_deferred("old.json", t0 + 1min)).state;
    auto later = claim_ok(s, "later.json", t0);
    later.state.next_attempt = t0 + 2h;
    BOOST_TEST(s.defer("later.json", later.state).ok());
  }
  // Debris of an interrupted run: temps, a half-finished bury, orphans.
  write_file(root / "state" / ".x.json.tmp", "{");
  write_file(root / "state" / "gone.json", R"({"attempts":1})");
  write_file(root / "dead" / "half.json", "[]");
  write_file(root / "dead" / ".half.json.error.json.tmp", R"({"job":"half.json"})");
  write_file(root / "dead" / ".nojob.error.json.tmp", "{}");
  write_file(root / "dead" / "lost.json", "[]");
  write_file(root / "dead" / "retried.json.error.json", "{}");
  write_file(root / ".status.json.tmp", "{");
  make_fifo(root / "active" / "pipe");

  rj::spool s(root);
  const auto t1 = t0 + 10min;
  auto rep = s.recover(t1);
  BOOST_TEST(rep.requeued == 2u);
  BOOST_TEST(rep.non_jobs_quarantined == 1u);
  BOOST_TEST(rep.buries_finished == 1u);
  BOOST_TEST(rep.error_json_restored == 1u);
  BOOST_TEST(rep.temps_removed == 4u);
  BOOST_TEST(rep.states_removed == 1u);
  BOOST_TEST(s.list(rj::job_state::active).empty());

  auto fresh = s.state_of("fresh.json");
  BOOST_TEST_REQUIRE(fresh.has_value());
  BOOST_TEST(fresh->attempts == 1);
  BOOST_TEST((fresh->next_attempt == t1));
  BOOST_TEST(fresh->last_error ==
             "interrupted: the daemon stopped during delivery; the request may have reached "
             "the server");
  auto old = s.state_of("old.json");
  BOOST_TEST_REQUIRE(old.has_value());
  BOOST_TEST(old->attempts == 4);
  BOOST_TEST((old->first_seen == seen.first_seen));
  BOOST_TEST((s.state_of("later.json")->next_attempt == t0 + 2h));  // schedule kept
  BOOST_TEST(read_file(root / "deferred" / "fresh.json") == good_job);

  BOOST_TEST(s.error_json_of("half.json").value_or("") == R"({"job":"half.json"})");
  BOOST_TEST(error_json(s, "lost.json").at("category").as_string() == "invalid");
  BOOST_TEST(error_json(s, "pipe").at("message").as_string() ==
             "entry in active/ at start-up is not a job file (not a regular file)");
  BOOST_TEST(!fs::exists(root / "dead" / "retried.json.error.json"));
  BOOST_TEST(!fs::exists(root / "dead" / ".nojob.error.json.tmp"));
  BOOST_TEST(!fs::exists(root / "state" / ".x.json.tmp"));
  BOOST_TEST(!fs::exists(root / "state" / "gone.json"));
  BOOST_TEST(!fs::exists(root / ".status.json.tmp"));
}

BOOST_AUTO_TEST_CASE(failures_leave_the_job_in_place) {
  temp_dir t;
  const fs::path root = t / "spool";
  const auto t0 = at("2026-11-21T10:00:00Z");
  rj::spool s(root);
  write_file(root / "incoming" / "f.json", good_job);
  claim_ok(s, "f.json", t0);
  // dead/ and done/ disappear under the open spool: every move fails with a value.
  fs::remove(root / "dead");
  fs::remove(root / "done");
  rj::dead_letter why{rj::dead_category::expired, "too old", "erp", "42", true, std::nullopt};
  auto st = s.bury("f.json", why, {}, t0);
  BOOST_TEST_REQUIRE(!st.ok());
  BOOST_TEST(st.error->code.value() == ENOENT);
  BOOST_TEST(st.error->message == "write dead/.f.json.error.json.tmp: No such file or directory");
  auto st2 = s.complete("f.json", t0, 1h);
  BOOST_TEST_REQUIRE(!st2.ok());
  BOOST_TEST(st2.error->message ==
             "rename active/f.json -> done/f.json: No such file or directory");
  BOOST_TEST(read_file(root / "active" / "f.json") == good_job);
  // A new spool object recreates the tree and the job can still be buried.
  rj::spool s2(root);
  BOOST_TEST(s2.bury("f.json", why, {}, t0).ok());
  BOOST_TEST(read_file(root / "dead" / "f.json") == good_job);
  BOOST_TEST(s2.defer("f.json", {}).error->code.value() == ENOENT);
}

// A done/ file without an expiry marker (completed by an older version, or the marker was
// lost in a crash) expires at its change time (the rename into done/) + the fallback.
BOOST_AUTO_TEST_CASE(prune_without_marker_uses_change_time) {
  temp_dir t;
  const fs::path root = t / "spool";
  rj::spool s(root);
  const auto now = std::chrono::system_clock::now();
  write_file(root / "incoming" / "m.json", good_job);
  claim_ok(s, "m.json", now);
  BOOST_TEST(s.complete("m.json", now, 24h).ok());
  fs::remove(root / "state" / "expiry" / "m.json");
  BOOST_TEST(s.prune_done(now + 1h, 2h) == 0u);
  BOOST_TEST(s.prune_done(now + 2h + 1min, 2h) == 1u);
  BOOST_TEST(where_is(s, "m.json") == "nowhere");
  // recover() removes markers whose done/ file is gone.
  write_file(root / "state" / "expiry" / "orphan.json", "");
  BOOST_TEST(s.recover(now).states_removed == 1u);
  BOOST_TEST(!fs::exists(root / "state" / "expiry" / "orphan.json"));
}

// A retention equal to the fallback needs no marker (the change time + fallback is the same
// expiry): none is written, and a stale marker of an earlier file of that name (its done/
// file removed by hand, before recover() ran) is removed instead of deciding the new one's.
BOOST_AUTO_TEST_CASE(complete_writes_no_marker_for_the_fallback_retention) {
  temp_dir t;
  const fs::path root = t / "spool";
  rj::spool s(root);
  const auto now = std::chrono::system_clock::now();
  write_file(root / "state" / "expiry" / "n.json", "");  // mtime now: "expired" at once
  write_file(root / "incoming" / "n.json", good_job);
  claim_ok(s, "n.json", now);
  BOOST_TEST(s.complete("n.json", now, 2h, 2h).ok());
  BOOST_TEST(!fs::exists(root / "state" / "expiry" / "n.json"));
  BOOST_TEST(s.prune_done(now + 1h, 2h) == 0u);
  BOOST_TEST(s.prune_done(now + 2h + 1min, 2h) == 1u);
  // A shorter retention than the fallback still gets its marker.
  write_file(root / "incoming" / "o.json", good_job);
  claim_ok(s, "o.json", now);
  BOOST_TEST(s.complete("o.json", now, 1h, 2h).ok());
  BOOST_TEST(fs::exists(root / "state" / "expiry" / "o.json"));
  BOOST_TEST(s.prune_done(now + 1h, 2h) == 1u);
}

// A name taken in done/ since the claim (a file put there by hand): the job gets another.
BOOST_AUTO_TEST_CASE(complete_takes_another_name_when_done_has_it) {
  temp_dir t;
  const fs::path root = t / "spool";
  rj::spool s(root);
  const auto now = std::chrono::system_clock::now();
  write_file(root / "incoming" / "p.json", good_job);
  claim_ok(s, "p.json", now);
  write_file(root / "done" / "p.json", "someone else's");
  BOOST_TEST(s.complete("p.json", now, 2h, 2h).ok());
  BOOST_TEST(read_file(root / "done" / "p.json") == "someone else's");
  const auto done = s.list(rj::job_state::done);
  BOOST_TEST(done.size() == 2u);
  BOOST_TEST(where_is(s, "p.json") == "done");
  BOOST_TEST(s.list(rj::job_state::active).empty());
}

BOOST_AUTO_TEST_CASE(spool_wide_errors_table) {
  for (int e : {ENOSPC, EDQUOT, EIO, EROFS})
    BOOST_TEST(rj::is_spool_wide({e, std::generic_category()}), e);
  for (int e : {EACCES, EPERM, ENOENT, EEXIST, EISDIR, ENOTDIR, ENOTEMPTY, EXDEV, EBUSY, ELOOP})
    BOOST_TEST(!rj::is_spool_wide({e, std::generic_category()}), e);
}

BOOST_AUTO_TEST_CASE(submit_and_status) {
  temp_dir t;
  const fs::path root = t / "spool";
  rj::spool s(root);
  auto a = rj::spool::submit(root, "j.json", good_job);
  auto b = rj::spool::submit(root, "j.json", "{}");
  BOOST_TEST(std::get<std::string>(a) == "j.json");
  BOOST_TEST(std::get<rj::spool_error>(b).code.value() == EEXIST);
  BOOST_TEST(read_file(root / "incoming" / "j.json") == good_job);
  BOOST_TEST(fs::is_empty(root / "tmp"));
  BOOST_TEST(std::holds_alternative<rj::spool_error>(rj::spool::submit(root, "bad name", "{}")));
  BOOST_TEST(std::holds_alternative<rj::spool_error>(rj::spool::submit(root, ".hidden", "{}")));
  BOOST_TEST(s.write_status(R"({"ok":true})").ok());
  BOOST_TEST(s.sync().ok());
  BOOST_TEST(read_file(root / "status.json") == R"({"ok":true})");
  BOOST_TEST((fs::status(root / "status.json").permissions() ==
              (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read)));
}

BOOST_AUTO_TEST_CASE(names_table) {
  struct row {
    std::string name;
    bool valid;
  };
  const std::vector<row> rows = {
      {"a", true},
      {"A-z_0.9", true},
      {std::string(200, 'x'), true},
      {"", false},
      {".", false},
      {"..", false},
      {"a b", false},
      {"a/b", false},
      {std::string(201, 'x'), false},
      {"caf\xc3\xa9", false},
      {"tab\t", false},
      {"x:y", false},
  };
  for (const auto& r : rows) BOOST_TEST_CONTEXT(rj::escape_name(r.name)) {
      BOOST_TEST(rj::is_valid_job_name(r.name) == r.valid);
    }
  BOOST_TEST(rj::sanitize_name("..a b") == "a_b");
  BOOST_TEST(rj::sanitize_name("...") == "unnamed");
  BOOST_TEST(rj::with_suffix(std::string(200, 'x'), 12) == std::string(194, 'x') + ".dup12");
  BOOST_TEST(rj::escape_name("a\\b\x01") == "a\\x5cb\\x01");
  BOOST_TEST(rj::has_sidecar_suffix("a.error.json"));
  BOOST_TEST(!rj::has_sidecar_suffix("a.json"));
}

BOOST_AUTO_TEST_CASE(state_text_round_trip) {
  rj::delivery_state s;
  s.attempts = 7;
  s.first_seen = at("2026-01-02T03:04:05.678Z");
  s.next_attempt = at("2026-01-02T03:05:00Z");
  s.last_error = "timeout \"x\"";
  s.last_http_status = 504;
  s.original_name = "o.json";
  BOOST_TEST((rj::state_from_json(rj::state_to_json(s)) == std::optional(s)));
  BOOST_TEST(rj::state_to_json(s).find(R"("first_seen":"2026-01-02T03:04:05.678Z")") !=
             std::string::npos);
  for (const char* bad : {"", "[]", R"({"attempts":-1})", R"({"attempts":1,"first_seen":7})",
                          R"({"attempts":1,"first_seen":"2026-01-02 03:04:05Z"})"})
    BOOST_TEST_CONTEXT(bad) { BOOST_TEST(!rj::state_from_json(bad).has_value()); }
}

BOOST_AUTO_TEST_SUITE_END()

// The arrival rank given at claim survives a crash: the journal (state/arrivals) written by
// sync() gives jobs found in active/ their rank back; a job without an entry gets its
// claim time (µs); a rank already in a job's state wins.
BOOST_AUTO_TEST_SUITE(arrival_journal)

BOOST_AUTO_TEST_CASE(recover_restores_ranks_of_active_jobs) {
  temp_dir t;
  const fs::path root = t / "spool";
  const auto t0 = std::chrono::system_clock::now();
  {
    rj::spool s(root);
    for (auto n : {"b.json", "a.json", "c.json", "d.json"})
      write_file(root / "incoming" / n, good_job);
    claim_ok(s, "b.json", t0);
    claim_ok(s, "a.json", t0);
    s.note_arrival("b.json", 1000);  // b arrived first although its name sorts later
    s.note_arrival("a.json", 1001);
    BOOST_TEST(s.sync().ok());
    claim_ok(s, "c.json", t0);
    s.note_arrival("c.json", 1002);  // never synced: the "crash" comes first
    auto d = claim_ok(s, "d.json", t0);
    d.state.arrival = 7;  // recorded on its state (e.g. before a deferral)
    BOOST_TEST(s.record("d.json", d.state).ok());
    BOOST_TEST(s.sync().ok());  // writes c's line too
  }
  // A torn last line is ignored.
  {
    std::ofstream f(root / "state" / "arrivals", std::ios::app);
    f << "99 torn";
  }
  rj::spool s(root);
  BOOST_TEST(s.recover(t0).requeued == 4u);
  auto rank = [&](const char* n) {
    return s.state_of(n).value_or(rj::delivery_state{}).arrival.value_or(0);
  };
  BOOST_TEST(rank("b.json") == 1000u);
  BOOST_TEST(rank("a.json") == 1001u);
  BOOST_TEST(rank("c.json") == 1002u);
  BOOST_TEST(rank("d.json") == 7u);
  BOOST_TEST(fs::exists(root / "state" / "arrivals"));  // not taken for a job's state
}

BOOST_AUTO_TEST_CASE(state_text_round_trips_rank_and_read_before) {
  rj::delivery_state s;
  s.attempts = 2;
  s.arrival = 1733300000123456ULL;
  s.sending_unsafe = true;
  s.read_before = R"({"lines":{"13":{"amount":"1.00"}}})";
  auto back = rj::state_from_json(rj::state_to_json(s));
  BOOST_TEST_REQUIRE(back.has_value());
  BOOST_TEST((*back == s));
  BOOST_TEST(!rj::state_from_json(R"({"attempts":1,"arrival":-1})").has_value());
  BOOST_TEST(!rj::state_from_json(R"({"attempts":1,"read_before":3})").has_value());
}

BOOST_AUTO_TEST_SUITE_END()
