#include "tests/support/temp_dir.hpp"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <system_error>

namespace reconcilerd::test {

temp_dir::temp_dir() {
  auto base = std::filesystem::temp_directory_path() / "reconcilerd-test-XXXXXX";
  std::string s = base.string();
  if (!mkdtemp(s.data())) throw std::runtime_error("mkdtemp failed");
  path_ = s;
}

temp_dir::~temp_dir() {
  if (std::getenv("RECONCILERD_KEEP_TEST_DIRS")) return;  // for debugging a failed test
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

void write_file(const std::filesystem::path& p, const std::string& content) {
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
  std::ofstream f(p, std::ios::binary | std::ios::trunc);
  f << content;
  if (!f) throw std::runtime_error("cannot write " + p.string());
}

std::string read_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  if (!f) throw std::runtime_error("cannot read " + p.string());
  std::ostringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace reconcilerd::test
