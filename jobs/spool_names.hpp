// Spool naming rules: the state directories, what a valid job file name is, and how the
// spool derives safe names (quarantined bad names, collision suffixes) and escapes raw
// names for error.json. Pure string functions; nothing here touches the file system.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace reconcilerd::jobs {

// The directory a job is in; every state change is one rename between these.
enum class job_state { incoming, active, deferred, done, dead };

std::string_view to_string(job_state s);  // "incoming", ... (also the directory name)
std::optional<job_state> parse_job_state(std::string_view s);

inline constexpr std::size_t max_job_name = 200;

// `[A-Za-z0-9._-]{1,200}`, not "." or "..".
bool is_valid_job_name(std::string_view name);
// Names the daemon never treats as jobs: '.'-prefixed (producers' temp files, our own).
bool is_hidden_name(std::string_view name);
// `<job>.error.json` — the dead-letter sidecar. A job may not carry this suffix itself
// (it would clash with a sidecar in dead/); claim renames such a job (see with_suffix).
bool has_sidecar_suffix(std::string_view name);
inline constexpr std::string_view error_json_suffix = ".error.json";

// Printable ASCII for any byte string: bytes outside 0x21..0x7e and '\' become `\xNN`.
std::string escape_name(std::string_view raw);
// A valid job name derived from an arbitrary one: bad bytes -> '_', leading dots
// dropped, cut to fit; "unnamed" if nothing is left.
std::string sanitize_name(std::string_view raw);
// `<base>.dup<n>` (n >= 1), with base cut so the result is a valid name; n == 0: base.
std::string with_suffix(std::string_view base, int n);

}  // namespace reconcilerd::jobs
