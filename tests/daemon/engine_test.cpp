// The engine without child processes: intake -> dispatch -> verdict -> settle, driven by
// the real io_context, a temp spool, a fake wall clock (ages and retry times) and a
// scripted fake transport (no sockets). Each case runs the loop until the spool shows the
// expected state, with a give-up deadline only (never an assertion on speed).
#include "daemon/engine.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/json.hpp>
#include <boost/test/unit_test.hpp>
#include <deque>
#include <filesystem>

#include "config/load.hpp"
#include "tests/support/temp_dir.hpp"

using namespace std::chrono_literals;
namespace fs = std::filesystem;
namespace net = boost::asio;
namespace rd = reconcilerd::daemon;
namespace rt = reconcilerd::transport;
using reconcilerd::test::read_file;
using reconcilerd::test::temp_dir;
using reconcilerd::test::write_file;

namespace {

// Answers in order (the last one repeats); records every request it was given.
class fake_client final : public rt::client {
 public:
  std::deque<rt::result> script;
  std::vector<reconcilerd::backends::request> seen;

  net::awaitable<rt::result> send(reconcilerd::backends::request req, write_gate gate) override {
    if (gate && !co_await gate())
      co_return rt::result{{}, rt::error_kind::cancelled, "held", false};
    seen.push_back(std::move(req));
    rt::result r = script.empty() ? answer(200, "{}") : script.front();
    if (script.size() > 1) script.pop_front();
    co_return r;
  }
  void shutdown() override {}
  std::size_t open_connections() const override { return 0; }

  static rt::result answer(unsigned status, std::string body) {
    rt::result r;
    r.response = reconcilerd::backends::response{status, {}, {}, std::move(body)};
    return r;
  }
  std::size_t sent_for(const std::string& job) const {
    std::size_t n = 0;
    for (auto& r : seen)
      for (auto& h : r.headers)
        if (h.name == "X-Reconcilerd-Job" && h.value == job) ++n;
    return n;
  }
};

const rd::clock::time_point t0 = rd::clock::time_point{} + std::chrono::hours(24 * 20600);

struct engine_env {
  temp_dir dir;
  net::io_context io{1};
  rd::clock::time_point now = t0;
  std::shared_ptr<fake_client> client = std::make_shared<fake_client>();
  std::unique_ptr<rd::engine> eng;
  fs::path spool = dir / "spool";

  engine_env() {
    const std::string yaml = "spool_dir: " + spool.string() +
                             "\nstatus_log: " + (dir / "status.log").string() +
                             "\nbackends:\n  books:\n    type: campfire\n"
                             "    base_url: https://books.example.com\n    api_key: k-secret\n"
                             "    rate: 100/s\n    burst: 100\n"
                             "    retry: { initial_backoff: 10s, max_attempts: 3 }\n";
    auto loaded = reconcilerd::config::load_string(yaml, "engine-test.yaml", "");
    BOOST_TEST_REQUIRE(loaded.errors.empty(), (loaded.errors.empty() ? "" : loaded.errors[0]));
    rd::engine_options o;
    o.now = [this] { return now; };
    o.make_client = [this](net::any_io_executor, const reconcilerd::config::backend&) {
      return client;
    };
    eng = std::make_unique<rd::engine>(io, std::move(*loaded.value), std::move(o));
    eng->recover();
    eng->start();
  }
  ~engine_env() {
    bool done = false;
    eng->stop(0ms, [&] { done = true; });
    run_until([&] { return done; });
    io.restart();
    io.poll();  // let the dispatchers see `stopping` and end
  }
  // Drives the loop until `pred` holds; false after the give-up deadline.
  template <class Pred>
  bool run_until(Pred pred, std::chrono::seconds give_up = 20s) {
    const auto deadline = std::chrono::steady_clock::now() + give_up;
    while (!pred()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io.restart();
      io.run_for(5ms);
    }
    return true;
  }
  void drop(const std::string& name, int invoice) {
    write_file(spool / "tmp" / name,
               R"({"backend":"books","invoice_id":)" + std::to_string(invoice) +
                   R"(,"update":{"client":"5","entity":"1","invoice_date":"2026-11-01",)"
                   R"("due_date":"2026-12-01","lines":[{"amount":1}]}})");
    fs::rename(spool / "tmp" / name, spool / "incoming" / name);
    eng->kick();
  }
  bool in(const std::string& state, const std::string& name) const {
    return fs::exists(spool / state / name);
  }
  boost::json::object error_json(const std::string& name) const {
    return boost::json::parse(read_file(spool / "dead" / (name + ".error.json"))).as_object();
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(engine_flow)

BOOST_AUTO_TEST_CASE(jobs_are_claimed_sent_once_and_settled_in_done) {
  engine_env env;
  for (int i = 1; i <= 5; ++i) env.drop("j" + std::to_string(i) + ".json", 100 + i);
  BOOST_TEST(env.run_until([&] {
    return fs::is_empty(env.spool / "incoming") && fs::is_empty(env.spool / "active") &&
           !fs::is_empty(env.spool / "done");
  }));
  BOOST_TEST(env.run_until([&] {
    std::size_t n = 0;
    for (auto& e : fs::directory_iterator(env.spool / "done")) n += e.is_regular_file();
    return n == 5;
  }));
  for (int i = 1; i <= 5; ++i) {
    const std::string name = "j" + std::to_string(i) + ".json";
    BOOST_TEST(env.in("done", name), name);
    BOOST_TEST(env.client->sent_for(name) == 1u, name);
  }
  BOOST_TEST(env.client->seen.size() == 5u);
  BOOST_TEST(env.client->seen[0].method == "PUT");
}

BOOST_AUTO_TEST_CASE(a_transient_answer_defers_by_the_fake_clock_then_delivers) {
  engine_env env;
  env.client->script = {fake_client::answer(503, R"({"detail":"busy"})"),
                        fake_client::answer(200, "{}")};
  env.drop("t.json", 7);
  BOOST_TEST_REQUIRE(env.run_until([&] { return env.in("deferred", "t.json"); }));
  BOOST_TEST(env.client->seen.size() == 1u);
  // The retry time comes from the fake clock: 10 s initial backoff, jittered above 1 s.
  auto state = boost::json::parse(read_file(env.spool / "state" / "t.json.json")).as_object();
  BOOST_TEST(state.at("attempts").as_int64() == 1);
  const std::string next(state.at("next_attempt").as_string());
  BOOST_TEST(next.starts_with("2026-05-27T00:00:"), next);  // t0 + 1..10 s, not today
  // Nothing more is sent while the fake clock stands still ...
  env.io.restart();
  env.io.run_for(50ms);
  BOOST_TEST(env.client->seen.size() == 1u);
  // ... and the retry goes out once it has moved past the retry time.
  env.now += 1min;
  env.eng->kick();
  BOOST_TEST(env.run_until([&] { return env.in("done", "t.json"); }));
  BOOST_TEST(env.client->sent_for("t.json") == 2u);
}

BOOST_AUTO_TEST_CASE(a_rejection_is_dead_lettered_with_the_servers_reason) {
  engine_env env;
  env.client->script = {fake_client::answer(404, R"({"detail":"Not found."})")};
  env.drop("r.json", 999);
  BOOST_TEST_REQUIRE(
      env.run_until([&] { return fs::exists(env.spool / "dead" / "r.json.error.json"); }));
  auto e = env.error_json("r.json");
  BOOST_TEST(e.at("category") == "rejected");
  BOOST_TEST(e.at("http_status").as_int64() == 404);
  BOOST_TEST(e.at("attempts").as_int64() == 1);
  BOOST_TEST(std::string(e.at("message").as_string()).find("invoice 999 not found") == 0u);
  BOOST_TEST(env.client->seen.size() == 1u);
}

BOOST_AUTO_TEST_CASE(refused_credentials_suspend_the_backend_and_keep_the_job) {
  engine_env env;
  env.client->script = {fake_client::answer(401, R"({"detail":"Invalid token."})")};
  env.drop("s.json", 8);
  BOOST_TEST_REQUIRE(env.run_until([&] {
    auto snap = env.eng->snapshot();
    return !snap.backends.empty() && snap.backends[0].state == rd::backend_state::suspended;
  }));
  env.io.restart();
  env.io.run_for(50ms);
  BOOST_TEST(env.client->seen.size() == 1u);  // nothing more while suspended
  BOOST_TEST(env.in("active", "s.json"));     // waiting, not dead, not aged
  BOOST_TEST(fs::is_empty(env.spool / "dead"));
  auto snap = env.eng->snapshot();
  BOOST_TEST(snap.backends[0].reason.find("Invalid token.") != std::string::npos,
             snap.backends[0].reason);
  BOOST_TEST(snap.backends[0].reason.find("k-secret") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(repeated_failures_exhaust_the_attempts) {
  engine_env env;
  env.client->script = {fake_client::answer(500, R"({"detail":"boom"})")};
  env.drop("x.json", 9);
  for (int attempt = 1; attempt < 3; ++attempt) {
    BOOST_TEST_REQUIRE(env.run_until([&] {
      return env.client->seen.size() == std::size_t(attempt) && env.in("deferred", "x.json");
    }));
    env.now += 1h;
    env.eng->kick();
  }
  BOOST_TEST_REQUIRE(
      env.run_until([&] { return fs::exists(env.spool / "dead" / "x.json.error.json"); }));
  auto e = env.error_json("x.json");
  BOOST_TEST(e.at("category") == "exhausted");
  BOOST_TEST(e.at("attempts").as_int64() == 3);
  BOOST_TEST(std::string(e.at("message").as_string()).starts_with("gave up after 3 attempts"));
}

// A hostile server: a 409 whose detail is 200 kB with terminal escapes, and a 400 whose body
// is not UTF-8. What reaches error.json, the status log and status.json is bounded, valid
// UTF-8 (error.json parses) and carries no raw escape character.
BOOST_AUTO_TEST_CASE(hostile_answers_reach_operators_bounded_and_clean) {
  engine_env env;
  const std::string detail = "\\u001b[2J\\u001b]0;owned\\u0007" + std::string(200000, 'A');
  env.client->script = {fake_client::answer(409, R"({"detail":")" + detail + R"("})"),
                        fake_client::answer(400, "\xff\xfe\xc0\xaf\x1b[31m bad \xed\xa0\x80")};
  env.drop("h1.json", 11);
  BOOST_TEST_REQUIRE(
      env.run_until([&] { return fs::exists(env.spool / "dead" / "h1.json.error.json"); }));
  env.drop("h2.json", 12);
  BOOST_TEST_REQUIRE(
      env.run_until([&] { return fs::exists(env.spool / "dead" / "h2.json.error.json"); }));
  for (const char* job : {"h1.json", "h2.json"}) {
    BOOST_TEST_CONTEXT(job) {
      const std::string text = read_file(env.spool / "dead" / (std::string(job) + ".error.json"));
      boost::system::error_code ec;
      auto v = boost::json::parse(text, ec);  // fails on invalid UTF-8
      BOOST_TEST_REQUIRE(!ec, ec.message());
      const std::string message(v.as_object().at("message").as_string());
      BOOST_TEST(message.size() <= 8192u, message.size());
      BOOST_TEST(message.find('\x1b') == std::string::npos);
      BOOST_TEST(text.size() <= 16384u, text.size());
    }
  }
  BOOST_TEST(fs::file_size(env.dir / "status.log") <= 65536u);
  auto snap = env.eng->snapshot();
  BOOST_TEST(snap.backends[0].last_error.size() <= 8192u);
}

BOOST_AUTO_TEST_CASE(an_invalid_job_is_dead_lettered_without_a_request) {
  engine_env env;
  write_file(env.spool / "incoming" / "bad.json",
             R"({"backend":"nope","invoice_id":1,"update":{}})");
  env.eng->kick();
  BOOST_TEST_REQUIRE(
      env.run_until([&] { return fs::exists(env.spool / "dead" / "bad.json.error.json"); }));
  auto e = env.error_json("bad.json");
  BOOST_TEST(e.at("category") == "invalid");
  BOOST_TEST(std::string(e.at("message").as_string()).starts_with("unknown backend \"nope\""));
  BOOST_TEST(env.client->seen.empty());
}

BOOST_AUTO_TEST_SUITE_END()
