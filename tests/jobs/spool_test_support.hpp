// Helpers shared by the spool tests: drop files, run a job through the daemon's decision
// (claim -> decode -> bury invalid / complete), read error.json.
#pragma once

#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <filesystem>
#include <stdexcept>
#include <string>

#include "jobs/job_decode.hpp"
#include "jobs/spool.hpp"
#include "tests/support/temp_dir.hpp"

namespace reconcilerd::test {

namespace rj = reconcilerd::jobs;
namespace fs = std::filesystem;

inline rj::clock_time at(const char* rfc3339) { return rj::parse_rfc3339(rfc3339).value(); }

inline const std::string good_job =
    R"({"backend":"erp","invoice_id":42,"update":{"amount":1},"sequence":1})";

inline void make_fifo(const fs::path& p) {
  if (::mkfifo(p.c_str(), 0600) != 0) throw std::runtime_error("mkfifo " + p.string());
}

inline void make_socket(const fs::path& p) {
  int fd = ::socket(AF_UNIX, SOCK_STREAM, 0);
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::string s = p.string();
  if (fd < 0 || s.size() >= sizeof addr.sun_path) throw std::runtime_error("socket " + s);
  s.copy(addr.sun_path, s.size());
  int rc = ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  ::close(fd);
  if (rc != 0) throw std::runtime_error("bind " + s);
}

// What the daemon does with one incoming name; returns "done:<name>", "dead:<name>",
// "gone" or "error:<message>".
inline std::string process(rj::spool& s, const std::string& name, rj::clock_time now) {
  auto r = s.claim(name, now);
  if (auto* q = std::get_if<rj::quarantined>(&r)) return "dead:" + q->name;
  if (std::holds_alternative<rj::gone>(r)) return "gone";
  if (auto* e = std::get_if<rj::spool_error>(&r)) return "error:" + e->message;
  auto& c = std::get<rj::claimed>(r);
  auto decoded = rj::decode_job(c.bytes, c.name);
  if (auto* e = std::get_if<rj::decode_error>(&decoded)) {
    rj::dead_letter why;
    why.category = rj::dead_category::invalid;
    why.message = e->message;
    auto st = s.bury(c.name, why, c.state, now);
    return st.ok() ? "dead:" + c.name : "error:" + st.error->message;
  }
  auto st = s.complete(c.name, now, std::chrono::hours(1));
  return st.ok() ? "done:" + c.name : "error:" + st.error->message;
}

inline std::string where_is(const rj::spool& s, const std::string& name) {
  auto st = s.locate(name);
  return st ? std::string(rj::to_string(*st)) : "nowhere";
}

inline boost::json::object error_json(const rj::spool& s, const std::string& name) {
  auto text = s.error_json_of(name);
  if (!text) throw std::runtime_error("no error.json for " + name);
  return boost::json::parse(*text).as_object();
}

}  // namespace reconcilerd::test
