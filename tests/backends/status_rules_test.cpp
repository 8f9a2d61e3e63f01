// The rules every API shares for reading an answer: status code meanings, Retry-After in
// both forms, rate-limit hints, excerpts and secret redaction. Table-driven.
#include "backends/status_rules.hpp"

#include <boost/test/unit_test.hpp>
#include <map>

using namespace reconcilerd::backends;
using namespace std::chrono_literals;
using sys = std::chrono::system_clock;

namespace {
// 2026-11-21T12:00:00Z
const sys::time_point noon = sys::from_time_t(1795262400);
// The longest delay a server-given value can mean (36525 days).
constexpr std::chrono::milliseconds hundred_years = 3'155'760'000'000ms;

response with(unsigned status, std::vector<header> headers = {}) {
  response r;
  r.status = status;
  r.headers = std::move(headers);
  r.received_at = noon;
  return r;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(status_rules)

BOOST_AUTO_TEST_CASE(status_codes_mean_what_the_delivery_rules_say) {
  struct row {
    unsigned status;
    outcome_kind kind;
    bool backend_wide;
  };
  const row rows[] = {
      {200, outcome_kind::delivered, false}, {204, outcome_kind::delivered, false},
      {401, outcome_kind::suspend, false},   {403, outcome_kind::suspend, false},
      {408, outcome_kind::retry, false},     {425, outcome_kind::retry, false},
      {429, outcome_kind::retry, true},      {500, outcome_kind::retry, false},
      {502, outcome_kind::retry, false},     {503, outcome_kind::retry, true},
      {504, outcome_kind::retry, false},     {400, outcome_kind::rejected, false},
      {404, outcome_kind::rejected, false},  {409, outcome_kind::rejected, false},
      {422, outcome_kind::rejected, false},  {301, outcome_kind::retry, false},
      {505, outcome_kind::retry, false},
  };
  for (auto& r : rows) {
    BOOST_TEST_CONTEXT("HTTP " << r.status) {
      auto o = classify_status(with(r.status), "");
      BOOST_TEST((o.kind == r.kind));
      BOOST_TEST(o.backend_wide == r.backend_wide);
      BOOST_TEST(o.message == "HTTP " + std::to_string(r.status));
      BOOST_TEST(!o.retry_after.has_value());
    }
  }
}

BOOST_AUTO_TEST_CASE(retry_after_in_both_forms) {
  struct row {
    const char* value;
    std::optional<std::chrono::milliseconds> expected;
  };
  const row rows[] = {
      {"2", 2000ms},
      {" 120 ", 120000ms},
      {"0", 0ms},
      {"Sat, 21 Nov 2026 12:00:30 GMT", 30000ms},     // IMF-fixdate
      {"Saturday, 21-Nov-26 12:01:00 GMT", 60000ms},  // RFC 850
      {"Sat Nov 21 12:00:05 2026", 5000ms},           // asctime
      {"Sat, 21 Nov 2026 11:00:00 GMT", 0ms},         // in the past: now
      {"", std::nullopt},
      {"soon", std::nullopt},
      {"-5", std::nullopt},
      {"1.5", std::nullopt},
      // Far-off pauses saturate at 100 years (never overflow); max_pause caps them later.
      {"Fri, 31 Dec 2100 23:59:59 GMT", 2'338'718'399'000ms},
      {"Fri, 31 Dec 9999 23:59:59 GMT", hundred_years},
      {"Thu, 01 Jan 1970 00:00:00 GMT", 0ms},
      {"3155759999", 3'155'759'999'000ms},
      {"99999999999", hundred_years},
      {"999999999999999999999999999999", hundred_years},
  };
  for (auto& r : rows) {
    BOOST_TEST_CONTEXT("Retry-After: " << r.value) {
      auto got = parse_retry_after(r.value, noon);
      BOOST_TEST(got.has_value() == r.expected.has_value());
      if (got && r.expected) BOOST_TEST(got->count() == r.expected->count());
    }
  }
}

BOOST_AUTO_TEST_CASE(retry_after_header_pauses_the_backend) {
  auto o = classify_status(with(503, {{"retry-after", "7"}}), "busy");
  BOOST_TEST((o.kind == outcome_kind::retry));
  BOOST_TEST(o.backend_wide);
  BOOST_TEST(o.retry_after->count() == 7000);
  BOOST_TEST(o.message == "busy");
  auto o2 = classify_status(with(500, {{"Retry-After", "3"}}), "");
  BOOST_TEST(o2.backend_wide);  // any server-given delay applies to the whole backend
}

BOOST_AUTO_TEST_CASE(rate_limit_hints) {
  auto h = parse_rate_hint(with(
      200,
      {{"X-RateLimit-Limit", "10"}, {"x-ratelimit-remaining", "3"}, {"X-RateLimit-Reset", "42"}}));
  BOOST_TEST(*h.limit == 10);
  BOOST_TEST(*h.remaining == 3);
  BOOST_TEST(h.reset->count() == 42);
  auto bad = parse_rate_hint(with(200, {{"X-RateLimit-Remaining", "many"}}));
  BOOST_TEST(!bad.remaining.has_value());
  BOOST_TEST(!bad.limit.has_value());
}

// X-RateLimit-Reset: up to ten years' worth of seconds (315,360,000) it is seconds from the
// answer; a larger number is a Unix time (seconds since 1970), read against received_at.
BOOST_AUTO_TEST_CASE(rate_limit_reset_as_seconds_or_as_an_epoch_time) {
  struct row {
    const char* value;
    std::optional<std::chrono::seconds> expected;
  };
  const row rows[] = {
      {"42", 42s},
      {"0", 0s},
      {"315360000", 315'360'000s},      // ten years of seconds: still a delay
      {"315360001", 0s},                // a Unix time in 1980: in the past
      {"1795262460", 60s},              // noon + 60 s as a Unix time
      {"1795262400", 0s},               // now
      {"1795262399", 0s},               // just passed
      {"99999999999", 3'155'760'000s},  // year 5138 as a Unix time: saturates at 100 years
      {"99999999999999999999999", 3'155'760'000s},
      {"-5", std::nullopt},
      {"1.5", std::nullopt},
      {"soon", std::nullopt},
  };
  for (auto& r : rows) {
    BOOST_TEST_CONTEXT("X-RateLimit-Reset: " << r.value) {
      auto h = parse_rate_hint(
          with(200, {{"X-RateLimit-Remaining", "0"}, {"X-RateLimit-Reset", r.value}}));
      BOOST_TEST(h.reset.has_value() == r.expected.has_value());
      if (h.reset && r.expected) BOOST_TEST(h.reset->count() == r.expected->count());
    }
  }
}

// Every pause a server asks for is capped by the backend's max_pause, whatever the API, and
// the outcome says what was asked for.
BOOST_AUTO_TEST_CASE(server_pauses_are_capped_by_max_pause) {
  struct row {
    const char* about;
    reconcilerd::config::backend_type type;
    unsigned status;
    std::vector<header> headers;
    std::chrono::milliseconds max_pause;
    std::optional<std::chrono::milliseconds> retry_after;
    std::optional<std::chrono::milliseconds> asked;
    std::optional<std::chrono::seconds> reset = {};
  };
  using reconcilerd::config::backend_type;
  const row rows[] = {
      {"503 until 2100",
       backend_type::campfire,
       503,
       {{"Retry-After", "Fri, 31 Dec 2100 23:59:59 GMT"}},
       1h,
       1h,
       2'338'718'399'000ms},
      {"503 until 9999",
       backend_type::simetri,
       503,
       {{"Retry-After", "Fri, 31 Dec 9999 23:59:59 GMT"}},
       1h,
       1h,
       hundred_years},
      {"429 huge seconds",
       backend_type::alloy,
       429,
       {{"Retry-After", "99999999999"}},
       10min,
       10min,
       hundred_years},
      {"429 within max_pause",
       backend_type::alloy,
       429,
       {{"Retry-After", "120"}},
       1h,
       120s,
       std::nullopt},
      {"exactly max_pause",
       backend_type::whmcs,
       503,
       {{"Retry-After", "3600"}},
       1h,
       1h,
       std::nullopt},
      {"Retry-After-auth far",
       backend_type::bigcapital,
       429,
       {{"Retry-After-auth", "99999999999"}},
       1h,
       1h,
       hundred_years},
      {"X-RateLimit-Reset as a far Unix time",
       backend_type::bigcapital,
       200,
       {{"X-RateLimit-Limit", "10"},
        {"X-RateLimit-Remaining", "0"},
        {"X-RateLimit-Reset", "4133980799"}},
       1h,
       std::nullopt,
       2'338'718'399'000ms,
       3600s},
  };
  for (auto& r : rows) {
    BOOST_TEST_CONTEXT(r.about) {
      reconcilerd::config::backend cfg;
      cfg.name = "b";
      cfg.type = r.type;
      cfg.max_pause = r.max_pause;
      cfg.secrets = {{"token", "t"}, {"api_key", "k"}, {"identifier", "i"}, {"secret", "s"}};
      cfg.params = {{"credential_id", "c"}};
      auto a = make_adapter(cfg);
      reconcilerd::jobs::job j;
      j.backend = "b";
      j.invoice_id = "42";
      auto o = a->classify(with(r.status, r.headers), j);
      BOOST_TEST(o.retry_after.has_value() == r.retry_after.has_value());
      if (o.retry_after && r.retry_after)
        BOOST_TEST(o.retry_after->count() == r.retry_after->count());
      BOOST_TEST(o.asked_pause.has_value() == r.asked.has_value());
      if (o.asked_pause && r.asked) BOOST_TEST(o.asked_pause->count() == r.asked->count());
      if (r.reset) BOOST_TEST(o.hint.reset.value_or(0s).count() == r.reset->count());
    }
  }
}

// Retry-After-<name> (a named throttler, e.g. NestJS's "auth") pauses like Retry-After; of
// several, the longest binds.
BOOST_AUTO_TEST_CASE(named_retry_after_headers_and_the_longest_binds) {
  auto o = classify_status(with(429, {{"Retry-After", "5"}, {"retry-after-auth", "30"}}), "");
  BOOST_TEST(o.retry_after.value_or(0ms).count() == 30000);
  o = classify_status(with(503, {{"Retry-After-short", "7"}}), "");
  BOOST_TEST(o.retry_after.value_or(0ms).count() == 7000);
  BOOST_TEST(o.backend_wide);
  o = classify_status(with(429, {{"Retry-After-auth", "soon"}, {"Retry-After", "3"}}), "");
  BOOST_TEST(o.retry_after.value_or(0ms).count() == 3000);
  o = classify_status(with(429, {{"Retry-Afterwards", "9"}}), "");  // not a named copy
  BOOST_TEST(!o.retry_after.has_value());
}

// X-RateLimit-* hints count only for the API that documents them (Bigcapital); the other
// four never slow down for them (a proxy's headers are not the vendor's limit).
BOOST_AUTO_TEST_CASE(rate_limit_hints_only_where_documented) {
  using reconcilerd::config::backend_type;
  for (auto type : {backend_type::simetri, backend_type::whmcs, backend_type::alloy,
                    backend_type::campfire, backend_type::bigcapital}) {
    BOOST_TEST_CONTEXT(reconcilerd::config::to_string(type)) {
      reconcilerd::config::backend cfg;
      cfg.name = "b";
      cfg.type = type;
      cfg.secrets = {{"token", "t"}, {"api_key", "k"}, {"identifier", "i"}, {"secret", "s"}};
      cfg.params = {{"credential_id", "c"}};
      reconcilerd::jobs::job j;
      j.backend = "b";
      j.invoice_id = "42";
      auto o = make_adapter(cfg)->classify(with(503, {{"X-RateLimit-Limit", "10"},
                                                      {"X-RateLimit-Remaining", "0"},
                                                      {"X-RateLimit-Reset", "60"}}),
                                           j);
      const bool documented = type == backend_type::bigcapital;
      BOOST_TEST(o.hint.remaining.has_value() == documented);
      BOOST_TEST(o.hint.reset.has_value() == documented);
    }
  }
}

BOOST_AUTO_TEST_CASE(every_advertised_bucket_is_read) {
  auto hs = parse_rate_hints(with(200, {{"X-RateLimit-Limit", "100"},
                                        {"X-RateLimit-Remaining", "99"},
                                        {"X-RateLimit-Reset", "60"},
                                        {"x-ratelimit-limit-auth", "10"},
                                        {"X-RateLimit-Remaining-Auth", "9"},
                                        {"X-RateLimit-Reset-auth", "58"},
                                        {"X-RateLimit-Remaining-auth", "1"}}));  // repeated
  BOOST_TEST_REQUIRE(hs.size() == 2u);
  BOOST_TEST(*hs[0].limit == 100);
  BOOST_TEST(*hs[1].limit == 10);
  BOOST_TEST(*hs[1].remaining == 9);  // the first of a repeated header
  BOOST_TEST(hs[1].reset->count() == 58);
  BOOST_TEST(parse_rate_hints(with(200)).size() == 1u);  // the (empty) plain set
}

BOOST_AUTO_TEST_CASE(the_tightest_bucket_binds) {
  struct row {
    const char* about;
    std::vector<rate_hint> buckets;
    std::optional<long> limit;  // of the bucket chosen
  };
  const row rows[] = {
      {"fewer left per second", {{100, 99, 60s}, {10, 9, 60s}}, 10},
      {"per second, not per bucket", {{100, 10, 5s}, {10, 9, 60s}}, 10},  // 2/s vs 0.15/s
      {"used up beats any rate", {{100, 0, 1s}, {10, 1, 60s}}, 100},
      {"of the used up, the later reset", {{100, 0, 30s}, {10, 0, 50s}}, 10},
      {"incomplete ones never bind", {{100, 99, 60s}, {10, {}, 60s}, {5, 0, {}}}, 100},
      {"none complete: the first", {{100, {}, {}}, {10, 0, {}}}, 100},
      {"nothing", {}, std::nullopt},
  };
  for (auto& r : rows) {
    BOOST_TEST_CONTEXT(r.about) {
      BOOST_TEST(tightest(r.buckets).limit.value_or(-1) == r.limit.value_or(-1));
    }
  }
}

BOOST_AUTO_TEST_CASE(redact_secrets_masks_every_configured_secret) {
  struct row {
    std::map<std::string, std::string> secrets;
    const char* text;
    const char* expected;
  };
  const row rows[] = {
      {{{"api_key", "s3cr3t"}}, "key s3cr3t echoed", "key <redacted> echoed"},
      {{{"api_key", "s3cr3t"}}, "s3cr3ts3cr3t and s3cr3", "<redacted><redacted> and s3cr3"},
      {{{"secret", "s3cr3t&=+x"}, {"access_key", "acc/ess key"}},
       "secret=s3cr3t&=+x&accesskey=acc/ess key",
       "secret=<redacted>&accesskey=<redacted>"},
      // Overlapping secrets: the longest one that starts at a place wins.
      {{{"token", "abc"}, {"password", "abcdef"}}, "xabcdefx abc", "x<redacted>x <redacted>"},
      // "a" also occurs inside "<redacted>": one pass over the text, so the mask stays whole.
      {{{"api_key", "s3cr3t"}, {"token", "a"}},
       "a b a s3cr3t",
       "<redacted> b <redacted> <redacted>"},
      // Redacting twice changes nothing: a mask already in the text is kept whole.
      {{{"token", "a"}, {"secret", "red"}}, "<redacted> b a", "<redacted> b <redacted>"},
      {{{"jwt", ""}}, "an empty secret masks nothing", "an empty secret masks nothing"},
      {{}, "no secrets configured", "no secrets configured"},
  };
  for (auto& r : rows) {
    BOOST_TEST_CONTEXT(r.text) {
      reconcilerd::config::backend cfg;
      cfg.secrets = r.secrets;
      BOOST_TEST(redact_secrets(r.text, cfg) == r.expected);
    }
  }
}

BOOST_AUTO_TEST_CASE(status_text_prefers_the_servers_own_message) {
  auto r = with(404);
  BOOST_TEST(status_text(r, "detail") == "HTTP 404");
  r.body = R"({"detail": "Not found."})";
  BOOST_TEST(status_text(r, "detail") == "HTTP 404: Not found.");
  BOOST_TEST(status_text(r, "message") == R"(HTTP 404: {"detail": "Not found."})");
  BOOST_TEST(status_text(r) == R"(HTTP 404: {"detail": "Not found."})");
  r.body = "<html>\nbad gateway</html>";
  BOOST_TEST(status_text(r, "detail") == "HTTP 404: <html> bad gateway</html>");
}

BOOST_AUTO_TEST_CASE(excerpts_and_json_bodies) {
  BOOST_TEST(body_excerpt("line1\nline2", 300) == "line1 line2");
  BOOST_TEST(body_excerpt(std::string(10, 'x'), 4) == "xxxx...");
  BOOST_TEST(json_body(R"({"a": 1})").at("a").as_int64() == 1);
  BOOST_TEST(json_body("<html>").is_null());
  BOOST_TEST(json_body("").is_null());
}

BOOST_AUTO_TEST_SUITE_END()
