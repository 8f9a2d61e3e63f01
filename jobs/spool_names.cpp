// Pure naming rules of the spool; see spool_names.hpp.
#include "jobs/spool_names.hpp"

#include <array>

namespace reconcilerd::jobs {
namespace {

constexpr std::array<std::pair<job_state, std::string_view>, 5> state_names{{
    {job_state::incoming, "incoming"},
    {job_state::active, "active"},
    {job_state::deferred, "deferred"},
    {job_state::done, "done"},
    {job_state::dead, "dead"},
}};

bool is_name_char(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

}  // namespace

std::string_view to_string(job_state s) {
  for (const auto& [state, name] : state_names)
    if (state == s) return name;
  return "unknown";
}

std::optional<job_state> parse_job_state(std::string_view s) {
  for (const auto& [state, name] : state_names)
    if (name == s) return state;
  return std::nullopt;
}

bool is_valid_job_name(std::string_view name) {
  if (name.empty() || name.size() > max_job_name || name == "." || name == "..") return false;
  for (char c : name)
    if (!is_name_char(static_cast<unsigned char>(c))) return false;
  return true;
}

bool is_hidden_name(std::string_view name) { return !name.empty() && name.front() == '.'; }

bool has_sidecar_suffix(std::string_view name) {
  return name.size() >= error_json_suffix.size() &&
         name.substr(name.size() - error_json_suffix.size()) == error_json_suffix;
}

std::string escape_name(std::string_view raw) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (char ch : raw) {
    auto c = static_cast<unsigned char>(ch);
    if (c > 0x20 && c < 0x7f && c != '\\') {
      out += ch;
    } else {
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 0xf];
    }
  }
  return out;
}

std::string sanitize_name(std::string_view raw) {
  std::string out;
  for (char c : raw) out += is_name_char(static_cast<unsigned char>(c)) ? c : '_';
  std::size_t lead = out.find_first_not_of('.');
  out.erase(0, lead == std::string::npos ? out.size() : lead);
  if (out.size() > max_job_name) out.resize(max_job_name);
  if (out.empty() || out == "..") out = "unnamed";
  return out;
}

std::string with_suffix(std::string_view base, int n) {
  if (n <= 0) return std::string(base.substr(0, max_job_name));
  std::string suffix = ".dup" + std::to_string(n);
  return std::string(base.substr(0, max_job_name - suffix.size())) + suffix;
}

}  // namespace reconcilerd::jobs
