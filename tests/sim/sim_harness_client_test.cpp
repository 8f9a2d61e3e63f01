// The sim harness implementation (see sim_harness.hpp): child process control and a small
// synchronous Beast HTTPS client. Part of sim_tests only.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/json/parse.hpp>
#include <boost/test/unit_test.hpp>
#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/sim/sim_harness.hpp"

extern char** environ;

namespace reconcilerd::sim::testing {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace fs = std::filesystem;
using tcp = net::ip::tcp;

boost::json::value http_reply::json() const { return boost::json::parse(body); }

http_reply https_call(unsigned short port, const std::string& ca_file, const std::string& method,
                      const std::string& target,
                      const std::vector<std::pair<std::string, std::string>>& headers,
                      const std::string& body, const std::string& host) {
  http_reply out;
  net::io_context ioc;
  ssl::context ctx(ssl::context::tls_client);
  ctx.load_verify_file(ca_file);
  ctx.set_verify_mode(ssl::verify_peer);
  beast::ssl_stream<beast::tcp_stream> stream(ioc, ctx);
  if (host != "127.0.0.1" && host != "::1")
    SSL_set_tlsext_host_name(stream.native_handle(), host.c_str());
  stream.set_verify_callback(ssl::host_name_verification(host));
  beast::error_code ec;
  beast::get_lowest_layer(stream).expires_after(std::chrono::seconds(20));
  beast::get_lowest_layer(stream).connect(tcp::endpoint(net::ip::make_address(host), port), ec);
  if (ec) {
    out.error = "connect: " + ec.message();
    return out;
  }
  stream.handshake(ssl::stream_base::client, ec);
  if (ec) {
    out.error = "handshake: " + ec.message();
    return out;
  }
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, host);
  for (const auto& [k, v] : headers) req.set(k, v);
  req.body() = body;
  req.prepare_payload();
  http::write(stream, req, ec);
  if (ec) {
    out.error = "write: " + ec.message();
    return out;
  }
  beast::flat_buffer buf;
  http::response_parser<http::string_body> parser;
  parser.body_limit(16 * 1024 * 1024);
  http::read(stream, buf, parser, ec);
  if (ec) {
    out.error = "read: " + ec.message();
    return out;
  }
  const auto& res = parser.get();
  out.status = static_cast<int>(res.result_int());
  for (const auto& f : res) {
    std::string name(f.name_string());
    for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    out.headers[name] = std::string(f.value());
  }
  out.body = res.body();
  stream.shutdown(ec);
  return out;
}

namespace {

pid_t spawn(const std::vector<std::string>& args, const fs::path& out, const fs::path& err) {
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  std::vector<char*> argv;
  for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  const int rc = posix_spawn(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) throw std::runtime_error("posix_spawn failed");
  return pid;
}

int wait_exit(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string slurp(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace

sim_process::sim_process(const std::optional<std::string>& config_json) {
  std::vector<std::string> args{RECONCILER_SIM_BIN, "--dir", (dir_ / "sim").string()};
  if (config_json) {
    write_file(dir_ / "config.json", *config_json);
    args.push_back("--config");
    args.push_back((dir_ / "config.json").string());
  }
  pid_ = spawn(args, dir_ / "stdout.txt", dir_ / "stderr.txt");
  // Bounded wait for the atomically written sim.json (or an early exit).
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  const fs::path info = dir_ / "sim" / "sim.json";
  while (!fs::exists(info)) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("reconciler-sim exited early: " + slurp(dir_ / "stderr.txt"));
    }
    if (std::chrono::steady_clock::now() > deadline) {
      throw std::runtime_error("reconciler-sim did not write sim.json within 30 s");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  const auto v = boost::json::parse(slurp(info)).as_object();
  port_ = static_cast<unsigned short>(v.at("port").as_int64());
  ca_file_ = std::string(v.at("ca_file").as_string());
}

sim_process::~sim_process() {
  if (pid_ <= 0) return;
  const int rc = stop();
  // A clean SIGTERM exit is 0; anything else (sanitizer report, crash) fails the test.
  if (rc != 0)
    BOOST_ERROR("reconciler-sim exited with " << rc << ": " << slurp(dir_ / "stderr.txt"));
}

int sim_process::stop() {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  const int rc = wait_exit(pid_);
  pid_ = -1;
  return rc;
}

std::string sim_process::stdout_text() const { return slurp(dir_ / "stdout.txt"); }

std::vector<boost::json::object> sim_process::log_lines() const {
  std::vector<boost::json::object> out;
  std::istringstream in(slurp(dir_ / "sim" / "requests.jsonl"));
  std::string line;
  while (std::getline(in, line)) out.push_back(boost::json::parse(line).as_object());
  return out;
}

std::pair<int, std::string> run_sim_expecting_exit(const std::string& config_json) {
  temp_dir dir;
  write_file(dir / "config.json", config_json);
  const pid_t pid = spawn({RECONCILER_SIM_BIN, "--dir", (dir / "sim").string(), "--config",
                           (dir / "config.json").string()},
                          dir / "stdout.txt", dir / "stderr.txt");
  const int rc = wait_exit(pid);
  return {rc, slurp(dir / "stderr.txt")};
}

std::string url_encode(const std::string& s) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace reconcilerd::sim::testing
