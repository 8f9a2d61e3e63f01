// Secret values from YAML, files and systemd credentials.
#include "config/secrets.hpp"

#include <algorithm>

#include "config/small_file.hpp"
#include "config/values.hpp"

namespace reconcilerd::config::detail {

namespace {

constexpr std::size_t max_secret_size = 64 * 1024;

void trim_one_newline(std::string& s) {
  if (s.ends_with("\r\n"))
    s.resize(s.size() - 2);
  else if (s.ends_with('\n'))
    s.pop_back();
}

// Checks a secret's value; `source` says where it came from (never the value itself).
secret_value checked(std::string value, const entry& e, const std::string& source, diagnostics& d) {
  if (value.empty()) {
    d.error(e.line(), e.path, source + " is empty");
    return {secret_value::state::invalid, {}};
  }
  if (has_control(value)) {
    d.error(e.line(), e.path, source + " contains a line break or another control character");
    return {secret_value::state::invalid, {}};
  }
  return {secret_value::state::ok, std::move(value)};
}

secret_value invalid() { return {secret_value::state::invalid, {}}; }

secret_value from_inline(const entry& e, diagnostics& d) {
  auto value = read_scalar(e, d);  // its messages never echo the value
  if (!value) return invalid();
  d.inline_secret(e.line(), e.path);
  return checked(std::move(*value), e, "the value", d);
}

secret_value from_file(const entry& e, diagnostics& d) {
  auto value = read_absolute_path(e, d);
  if (!value) return invalid();
  const std::string& path = *value;
  file_read r = read_small_file(path, max_secret_size);
  if (r.result != file_read::status::ok) {
    d.error(e.line(), e.path, describe(r, path, max_secret_size));
    return invalid();
  }
  trim_one_newline(r.content);
  if (readable_by_others(r.mode))
    d.warning(e.line(), e.path,
              "secret file " + quoted(path) + " is readable by others (mode " + octal_mode(r.mode) +
                  "): remove their read permission (chmod o-r)");
  return checked(std::move(r.content), e, "file " + quoted(path), d);
}

secret_value from_credential(const entry& e, const std::string& credentials_dir, diagnostics& d) {
  auto value = read_string(e, d);
  if (!value) return invalid();
  const std::string& name = *value;
  if (name.find('/') != std::string::npos || name == "." || name == ".." || has_control(name)) {
    d.error(e.line(), e.path,
            "invalid credential name " + quoted(name) + " (a file name without '/')");
    return invalid();
  }
  if (credentials_dir.empty()) {
    d.error(e.line(), e.path,
            "$CREDENTIALS_DIRECTORY is not set (use LoadCredential= in the systemd unit)");
    return invalid();
  }
  std::string path = credentials_dir;
  if (!path.ends_with('/')) path += '/';
  path += name;
  file_read r = read_small_file(path, max_secret_size);
  if (r.result != file_read::status::ok) {
    d.error(e.line(), e.path, describe(r, path, max_secret_size));
    return invalid();
  }
  trim_one_newline(r.content);
  return checked(std::move(r.content), e, "credential " + quoted(path), d);
}

}  // namespace

std::string secret_forms(std::string_view key) {
  std::string k(key);
  return k + ", " + k + "_file or " + k + "_credential";
}

secret_value read_secret(const std::vector<entry>& entries, std::string_view key,
                         const std::string& credentials_dir, diagnostics& d) {
  std::string k(key);
  const entry* forms[] = {find_entry(entries, k), find_entry(entries, k + "_file"),
                          find_entry(entries, k + "_credential")};
  std::vector<const entry*> present;
  for (const entry* f : forms)
    if (f) present.push_back(f);
  if (present.empty()) return {};
  if (present.size() > 1) {
    // Reported at every form after the first one in the file.
    auto first = *std::min_element(present.begin(), present.end(), [](auto* a, auto* b) {
      return line_of(a->key_node) < line_of(b->key_node);
    });
    for (const entry* f : present)
      if (f != first)
        d.error(line_of(f->key_node), f->path, "give only one of " + secret_forms(key));
    return invalid();
  }
  const entry* chosen = present.front();
  if (chosen == forms[0]) return from_inline(*chosen, d);
  if (chosen == forms[1]) return from_file(*chosen, d);
  return from_credential(*chosen, credentials_dir, d);
}

}  // namespace reconcilerd::config::detail
