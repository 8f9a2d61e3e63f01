// reconcilerctl, the operator CLI: `reconcilerctl [--config FILE] COMMAND [ARGS...]`.
// run() is the whole program minus process plumbing, so tests call it in-process with
// captured streams. Exit codes: 0 success, 1 failure, 2 usage error. It never talks to
// the daemon except through files: status.json (read) and control/ requests (written).
#pragma once

#include <chrono>
#include <iosfwd>
#include <string>
#include <vector>

namespace reconcilerd::ctl {

enum exit_code : int { success = 0, failure = 1, usage_error = 2 };

inline constexpr const char* default_config_path = "/etc/reconcilerd/reconcilerd.yaml";
inline constexpr const char* default_spool_dir = "/var/spool/reconcilerd";

// `args` excludes the program name. `now` is "the current time" (status staleness, ages).
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
        std::chrono::system_clock::time_point now);

}  // namespace reconcilerd::ctl
