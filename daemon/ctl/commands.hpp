// The reconcilerctl commands, one function each, sharing a context (the loaded config
// with every secret replaced by "<redacted>", the output streams, the current time).
// Each handles its own --help and returns an exit_code (ctl.hpp).
#pragma once

#include <chrono>
#include <ostream>
#include <string>
#include <vector>

#include "config/config.hpp"
#include "daemon/ctl/ctl.hpp"

namespace reconcilerd::ctl {

struct context {
  config::config cfg;
  std::ostream& out;
  std::ostream& err;
  std::chrono::system_clock::time_point now;
};

using args_t = std::vector<std::string>;

int cmd_status(context& c, const args_t& args);
int cmd_list(context& c, const args_t& args);
int cmd_show(context& c, const args_t& args);
int cmd_retry(context& c, const args_t& args);
int cmd_resume(context& c, const args_t& args);
int cmd_check(context& c, const args_t& args);
int cmd_render(context& c, const args_t& args);
int cmd_submit(context& c, const args_t& args);

// "reconcilerctl CMD: MESSAGE" + "usage: ..." on err; returns usage_error.
int usage(context& c, const char* command, const std::string& message, const char* usage_text);
// Whether args are exactly {"--help"} or contain "--help"/"-h": prints usage_text on out.
bool wants_help(context& c, const args_t& args, const char* usage_text);

}  // namespace reconcilerd::ctl
