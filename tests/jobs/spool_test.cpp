// jobs/spool: every kind of bad entry dropped into incoming/ ends in dead/ as `invalid`
// with an error.json and a readable message, nothing is followed or lost, and the spool
// keeps working afterwards. Real files, symlinks, FIFOs, sockets and directories.
#include <sys/stat.h>
#include <unistd.h>

#include <boost/test/unit_test.hpp>
#include <functional>
#include <vector>

#include "tests/jobs/spool_test_support.hpp"

using namespace reconcilerd::test;

namespace {

struct bad_entry {
  enum kept_as { bytes_kept, symlink_kept, other };
  bad_entry(std::string l, std::string n, std::function<void(const fs::path&)> d, std::string dn,
            std::string m, std::string o = "", kept_as k = bytes_kept)
      : label(std::move(l)),
        name(std::move(n)),
        drop(std::move(d)),
        dead_name(std::move(dn)),
        message(std::move(m)),
        original_name(std::move(o)),
        kept(k) {}
  std::string label;
  std::string name;                                // as dropped into incoming/
  std::function<void(const fs::path& path)> drop;  // creates incoming/<name>
  std::string dead_name;                           // expected name in dead/
  std::string message;                             // exact error.json message
  std::string original_name;                       // expected "original_name" ("" = none)
  kept_as kept;
};

std::function<void(const fs::path&)> content(std::string bytes) {
  return [bytes](const fs::path& p) { write_file(p, bytes); };
}

std::string nested(std::size_t depth) { return std::string(depth, '[') + std::string(depth, ']'); }

}  // namespace

BOOST_AUTO_TEST_SUITE(spool_quarantine)

BOOST_AUTO_TEST_CASE(bad_incoming_entries_end_in_dead_as_invalid) {
  temp_dir t;
  const fs::path outside = t / "outside";
  write_file(outside / "secret.txt", "not for the daemon");
  const std::string long_name(201, 'n');
  const std::vector<bad_entry> cases = {
      {"malformed JSON", "m.json", content("{\"backend\": erp}"), "m.json",
       "invalid JSON at byte 12: syntax error"},
      {"empty file", "e.json", content(""), "e.json", "job file is empty"},
      {"white space only", "w.json", content("\n\n"), "w.json", "job file holds only white space"},
      {"array", "a.json", content("[1]"), "a.json", "job must be a JSON object, got array"},
      {"string", "s.json", content("\"x\""), "s.json", "job must be a JSON object, got string"},
      {"100k-deep nesting", "deep.json", content(nested(100000)), "deep.json",
       "invalid JSON at byte 64: nested deeper than 64 levels"},
      {"2 MiB file", "big.json", content(std::string(2 * 1024 * 1024, ' ')), "big.json",
       "job file is larger than 1 MiB (2097152 bytes)", "", bad_entry::other},
      {"1 MiB + 1 byte", "big1.json", content(std::string(1024 * 1024 + 1, 'x')), "big1.json",
       "job file is larger than 1 MiB (1048577 bytes)", "", bad_entry::other},
      {"missing backend", "nb.json", content(R"({"invoice_id":1,"update":{}})"), "nb.json",
       "missing required field \"backend\""},
      {"missing update", "nu.json", content(R"({"backend":"erp","invoice_id":1})"), "nu.json",
       "missing required field \"update\""},
      {"wrong-typed invoice_id", "ti.json",
       content(R"({"backend":"erp","invoice_id":{},"update":{}})"), "ti.json",
       "\"invoice_id\" must be a string or an integer, got object"},
      {"wrong-typed backend", "tb.json", content(R"({"backend":[],"invoice_id":1,"update":{}})"),
       "tb.json", "\"backend\" must be a string, got array"},
      {"unknown field", "uf.json", content(R"({"backend":"erp","invoice_id":1,"update":{},"x":1})"),
       "uf.json", "unknown field \"x\" (expected backend, invoice_id, update, sequence, mode)"},
      {"duplicate key", "dk.json", content(R"({"backend":"a","backend":"b"})"), "dk.json",
       "invalid JSON at byte 23: duplicate key \"backend\""},
      {"huge integer", "hi.json",
       content(R"({"backend":"a","invoice_id":99999999999999999999,"update":{}})"), "hi.json",
       "invalid JSON at byte 28: integer 99999999999999999999 does not fit in 64 bits"},
      {"invalid UTF-8 content", "u8.json", content("{\"backend\":\"\xc3\x28\"}"), "u8.json",
       "invalid JSON at byte 12: invalid UTF-8"},
      {"symlink to a file", "ln.json",
       [&](const fs::path& p) { fs::create_symlink(outside / "secret.txt", p); }, "ln.json",
       "job file is a symbolic link (never followed), not a regular file", "",
       bad_entry::symlink_kept},
      {"symlink to a directory", "lnd.json",
       [&](const fs::path& p) { fs::create_directory_symlink(outside, p); }, "lnd.json",
       "job file is a symbolic link (never followed), not a regular file", "",
       bad_entry::symlink_kept},
      {"dangling symlink", "dl.json",
       [&](const fs::path& p) { fs::create_symlink(t / "nowhere", p); }, "dl.json",
       "job file is a symbolic link (never followed), not a regular file", "",
       bad_entry::symlink_kept},
      {"FIFO", "fifo.json", [](const fs::path& p) { make_fifo(p); }, "fifo.json",
       "job file is a FIFO, not a regular file", "", bad_entry::other},
      {"unix socket", "sock", [](const fs::path& p) { make_socket(p); }, "sock",
       "job file is a socket, not a regular file", "", bad_entry::other},
      {"directory", "dir.json", [](const fs::path& p) { write_file(p / "inner", good_job); },
       "dir.json", "job file is a directory, not a regular file", "", bad_entry::other},
      {"hard link", "hl.json",
       [&](const fs::path& p) { fs::create_hard_link(outside / "secret.txt", p); }, "hl.json",
       "job file has 2 hard links (a link to another file is not accepted)", "", bad_entry::other},
      {"name with space", "bad name.json", content(good_job), "bad_name.json",
       "invalid job file name \"bad\\x20name.json\": only A-Z a-z 0-9 . _ - are allowed",
       "bad\\x20name.json"},
      {"name with newline", "a\nb", content(good_job), "a_b",
       "invalid job file name \"a\\x0ab\": only A-Z a-z 0-9 . _ - are allowed", "a\\x0ab"},
      {"non-UTF-8 name", "\xff\xfe.json", content(good_job), "__.json",
       "invalid job file name \"\\xff\\xfe.json\": only A-Z a-z 0-9 . _ - are allowed",
       "\\xff\\xfe.json"},
      {"201-character name", long_name, content(good_job), std::string(200, 'n'),
       "invalid job file name \"" + long_name + "\": longer than 200 characters (201)", long_name},
      {"bad name and a FIFO", "f i f o", [](const fs::path& p) { make_fifo(p); }, "f_i_f_o",
       "invalid job file name \"f\\x20i\\x20f\\x20o\": only A-Z a-z 0-9 . _ - are allowed",
       "f\\x20i\\x20f\\x20o", bad_entry::other},
      {"reserved .error.json suffix", "x.error.json", content("nope"), "x.error.json.dup1",
       "invalid JSON at byte 0: syntax error", "x.error.json"},
  };
  BOOST_TEST(cases.size() >= 25u);

  const fs::path root = t / "spool";
  rj::spool s(root);
  const auto now = at("2026-11-21T10:00:00Z");
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.label) {
      const fs::path dropped = root / "incoming" / c.name;
      c.drop(dropped);
      std::string before;
      if (c.kept == bad_entry::bytes_kept) before = read_file(dropped);

      BOOST_TEST(process(s, c.name, now) == "dead:" + c.dead_name);
      BOOST_TEST(!fs::exists(fs::symlink_status(dropped)));
      BOOST_TEST(where_is(s, c.dead_name) == "dead");

      auto ej = error_json(s, c.dead_name);
      BOOST_TEST(ej.at("job").as_string() == c.dead_name);
      BOOST_TEST(ej.at("category").as_string() == "invalid");
      BOOST_TEST(ej.at("message").as_string() == c.message);
      BOOST_TEST(ej.at("attempts").as_int64() == 0);
      BOOST_TEST(ej.at("backend").is_null());
      BOOST_TEST(ej.at("first_seen").as_string() == "2026-11-21T10:00:00Z");
      BOOST_TEST(ej.at("last_attempt").as_string() == "2026-11-21T10:00:00Z");
      BOOST_TEST(!ej.contains("http_status"));
      if (c.original_name.empty())
        BOOST_TEST(!ej.contains("original_name"));
      else
        BOOST_TEST(ej.at("original_name").as_string() == c.original_name);

      const fs::path in_dead = root / "dead" / c.dead_name;
      if (c.kept == bad_entry::bytes_kept) BOOST_TEST(read_file(in_dead) == before);
      if (c.kept == bad_entry::symlink_kept) BOOST_TEST(fs::is_symlink(in_dead));
    }
  }
  // Nothing was followed: the link targets are untouched.
  BOOST_TEST(read_file(outside / "secret.txt") == "not for the daemon");
  BOOST_TEST(fs::is_directory(root / "dead" / "dir.json"));
  BOOST_TEST(fs::is_fifo(root / "dead" / "fifo.json"));
  BOOST_TEST(fs::is_socket(root / "dead" / "sock"));
  BOOST_TEST(s.list(rj::job_state::incoming).empty());
  BOOST_TEST(s.list(rj::job_state::active).empty());
  BOOST_TEST(s.list(rj::job_state::dead).size() == cases.size());

  // Still working: a good job goes through.
  write_file(root / "incoming" / "ok.json", good_job);
  BOOST_TEST(process(s, "ok.json", now) == "done:ok.json");
  BOOST_TEST(read_file(root / "done" / "ok.json") == good_job);
  BOOST_TEST(s.sync().ok());
}

BOOST_AUTO_TEST_CASE(dot_names_are_ignored_not_moved) {
  temp_dir t;
  rj::spool s(t / "spool");
  write_file(t / "spool" / "incoming" / ".partial.json", "{");
  write_file(t / "spool" / "incoming" / "a.json", good_job);
  BOOST_TEST(s.list(rj::job_state::incoming) == std::vector<std::string>{"a.json"});
  auto r = s.claim(".partial.json", at("2026-11-21T10:00:00Z"));
  BOOST_TEST(std::holds_alternative<rj::spool_error>(r));
  BOOST_TEST(read_file(t / "spool" / "incoming" / ".partial.json") == "{");
  BOOST_TEST(s.list(rj::job_state::dead).empty());
}

BOOST_AUTO_TEST_CASE(same_name_twice_keeps_both) {
  temp_dir t;
  const fs::path root = t / "spool";
  rj::spool s(root);
  const auto now = at("2026-11-21T10:00:00Z");
  const std::string second = R"({"backend":"erp","invoice_id":42,"update":{"amount":2}})";

  write_file(root / "incoming" / "x.json", good_job);
  BOOST_TEST(process(s, "x.json", now) == "done:x.json");
  write_file(root / "incoming" / "x.json", second);
  auto r = s.claim("x.json", now);
  auto* c = std::get_if<rj::claimed>(&r);
  BOOST_TEST_REQUIRE(c != nullptr);
  BOOST_TEST(c->name == "x.json.dup1");
  BOOST_TEST(c->original_name == "x.json");
  BOOST_TEST(c->state.original_name == "x.json");
  BOOST_TEST(s.complete(c->name, now, std::chrono::hours(1)).ok());
  BOOST_TEST(read_file(root / "done" / "x.json") == good_job);
  BOOST_TEST(read_file(root / "done" / "x.json.dup1") == second);

  // In dead/ too: the second bad "y" does not overwrite the first or its error.json.
  write_file(root / "incoming" / "y", "[1]");
  BOOST_TEST(process(s, "y", now) == "dead:y");
  write_file(root / "incoming" / "y", "[2]");
  BOOST_TEST(process(s, "y", now) == "dead:y.dup1");
  BOOST_TEST(read_file(root / "dead" / "y") == "[1]");
  BOOST_TEST(read_file(root / "dead" / "y.dup1") == "[2]");
  BOOST_TEST(error_json(s, "y").at("job").as_string() == "y");
  BOOST_TEST(!error_json(s, "y").contains("original_name"));
  BOOST_TEST(error_json(s, "y.dup1").at("original_name").as_string() == "y");

  // A third arrival while the second is still deferred gets yet another name.
  write_file(root / "incoming" / "z", good_job);
  auto z1 = std::get<rj::claimed>(s.claim("z", now));
  BOOST_TEST(s.defer(z1.name, z1.state).ok());
  write_file(root / "incoming" / "z", second);
  auto z2 = std::get<rj::claimed>(s.claim("z", now));
  BOOST_TEST(z2.name == "z.dup1");
  BOOST_TEST(z2.state.attempts == 0);
  BOOST_TEST(read_file(root / "deferred" / "z") == good_job);
  BOOST_TEST(read_file(root / "active" / "z.dup1") == second);
}

BOOST_AUTO_TEST_CASE(vanished_entry_is_gone) {
  temp_dir t;
  rj::spool s(t / "spool");
  auto r = s.claim("never-there.json", at("2026-11-21T10:00:00Z"));
  BOOST_TEST(std::holds_alternative<rj::gone>(r));
  BOOST_TEST(
      std::holds_alternative<rj::spool_error>(s.claim("../etc", at("2026-11-21T10:00:00Z"))));
}

BOOST_AUTO_TEST_SUITE_END()
