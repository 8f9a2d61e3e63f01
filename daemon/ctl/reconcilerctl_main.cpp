// reconcilerctl entry point: see daemon/ctl/ctl.hpp and docs/operations.md.
#include <chrono>
#include <iostream>
#include <string>
#include <vector>

#include "daemon/ctl/ctl.hpp"

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  int rc = reconcilerd::ctl::run(args, std::cout, std::cerr, std::chrono::system_clock::now());
  std::cout.flush();
  return std::cout ? rc : reconcilerd::ctl::failure;
}
