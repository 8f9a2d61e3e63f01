// The configuration file as a whole: reading it, YAML syntax, the top-level keys, the
// `defaults:` map, each backend (config/backend_load.hpp) and `cluster:`
// (config/cluster_load.hpp). Every problem is collected;
// a config value is returned only when there is none.
#include "config/load.hpp"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/parser.h>

#include <algorithm>
#include <cstring>
#include <sstream>

#include "config/backend_load.hpp"
#include "config/cluster_load.hpp"
#include "config/diagnostics.hpp"
#include "config/nesting.hpp"
#include "config/settings.hpp"
#include "config/small_file.hpp"
#include "config/values.hpp"
#include "config/yaml_map.hpp"

namespace reconcilerd::config {

namespace {

using namespace detail;

constexpr std::size_t max_config_size = 1024 * 1024;
constexpr std::string_view top_keys[] = {"spool_dir", "status_log", "metrics_file",
                                         "defaults",  "backends",   "cluster"};

load_result finish(diagnostics& d, std::optional<config> value) {
  load_result r;
  r.errors = d.errors();
  r.warnings = d.warnings();
  if (r.errors.empty()) r.value = std::move(value);
  return r;
}

// " (tabs cannot indent YAML)" when line `line` (1-based) is indented with a tab.
std::string tab_hint(const std::string& yaml, int line) {
  std::size_t start = 0;
  for (int l = 1; l < line && start != std::string::npos; ++l) {
    start = yaml.find('\n', start);
    if (start != std::string::npos) ++start;
  }
  if (line <= 0 || start == std::string::npos) return {};
  for (std::size_t i = start; i < yaml.size() && (yaml[i] == ' ' || yaml[i] == '\t'); ++i)
    if (yaml[i] == '\t') return " (tabs cannot indent YAML)";
  return {};
}

// Counts the document starts of the text, nothing more.
struct document_starts : YAML::EventHandler {
  std::vector<YAML::Mark> marks;
  void OnDocumentStart(const YAML::Mark& m) override { marks.push_back(m); }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// Where a document begins at the place the previous one began (yaml-cpp made no progress
// and would loop), or nothing. Syntax errors are left to the real parse.
std::optional<YAML::Mark> stuck_document(const std::string& yaml) {
  std::istringstream in(yaml);
  YAML::Parser parser(in);
  document_starts starts;
  try {
    while (parser.HandleNextDocument(starts)) {
      const auto& m = starts.marks;
      if (m.size() >= 2 && m[m.size() - 1].pos == m[m.size() - 2].pos) return m.back();
      if (m.size() > yaml.size() + 1) return m.back();  // cannot happen with progress
    }
  } catch (const YAML::Exception&) {
  }
  return std::nullopt;
}

// Parses the YAML text; nothing (after reporting) unless it is one document with a map.
std::optional<YAML::Node> parse_root(const std::string& yaml, diagnostics& d) {
  // Before yaml-cpp, whose recursive parsing a deeply nested document can overflow.
  if (int line = yaml_too_deep_line(yaml)) {
    d.error(line, {},
            "nesting deeper than " + std::to_string(max_yaml_depth) +
                " levels (a configuration needs only a few)");
    return std::nullopt;
  }
  // yaml-cpp 0.7's LoadAll never returns (and allocates without bound) when a document
  // begins with a token it cannot start a node with (",", "!tag ,", "\"a\",", "[a]\n,"): it
  // reads empty document after empty document without moving. Walk the documents first
  // and stop when one begins where the previous one did.
  if (auto stuck = stuck_document(yaml)) {
    const char c = stuck->pos < static_cast<int>(yaml.size()) ? yaml[stuck->pos] : ' ';
    d.error(stuck->line + 1, {},
            c > ' ' && c < 0x7f ? std::string("YAML syntax error: unexpected '") + c + "'"
                                : std::string("YAML syntax error: unexpected character"));
    return std::nullopt;
  }
  std::vector<YAML::Node> docs;
  try {
    docs = YAML::LoadAll(yaml);
  } catch (const YAML::ParserException& e) {
    // yaml-cpp marks "not found" errors at the end of input, one past the last line.
    int last_line = static_cast<int>(std::count(yaml.begin(), yaml.end(), '\n'));
    if (!yaml.empty() && yaml.back() != '\n') ++last_line;
    int line = e.mark.line < 0 ? 0 : std::min(e.mark.line + 1, std::max(last_line, 1));
    d.error(line, {}, "YAML syntax error: " + e.msg + tab_hint(yaml, line));
    return std::nullopt;
  } catch (const YAML::Exception& e) {
    d.error(0, {}, "YAML error: " + e.msg);
    return std::nullopt;
  }
  if (docs.empty() || (docs.size() == 1 && docs[0].IsNull())) {
    d.error(1, {}, "the configuration is empty (expected spool_dir and backends)");
    return std::nullopt;
  }
  if (docs.size() > 1) {
    d.error(line_of(docs[1]), {}, "only one YAML document is allowed (found another one here)");
    return std::nullopt;
  }
  if (!docs[0].IsMap()) {
    d.error(line_of(docs[0]), {},
            "the top level must be a map (with spool_dir and backends), got " +
                std::string(kind_of(docs[0])));
    return std::nullopt;
  }
  return docs[0];
}

// `defaults:` applied on top of the built-in values.
void read_defaults(const entry* e, backend& defaults, settings_origins& o, diagnostics& d) {
  if (!e || e->value.IsNull()) return;
  if (!e->value.IsMap()) {
    d.error(e->line(), e->path, "expected a map, got " + std::string(kind_of(e->value)));
    return;
  }
  for (auto& s : map_entries(e->value, e->path, d))
    if (!apply_setting(s, defaults, o, d)) report_unknown(s, settings_keys(), d);
  check_backoff_order(defaults, o, "defaults", d);
}

void read_backends(const entry* e, int root_line, const backend& defaults,
                   const settings_origins& o, const std::string& credentials_dir, config& c,
                   diagnostics& d) {
  if (!e) {
    d.error(root_line, "backends", "missing required key (a map: backend name -> settings)");
    return;
  }
  if (!e->value.IsMap() && !e->value.IsNull()) {
    d.error(e->line(), e->path,
            "expected a map of backend name -> settings, got " + std::string(kind_of(e->value)));
    return;
  }
  if (e->value.IsNull() || e->value.size() == 0) {
    d.error(e->line(), e->path, "at least one backend is required");
    return;
  }
  for (auto& b : map_entries(e->value, e->path, d))
    if (auto loaded = load_backend(b, defaults, o, credentials_dir, d))
      c.backends.push_back(std::move(*loaded));
}

// A file others may read must not hold secrets inline: one warning, at the first of them.
void warn_if_secrets_exposed(unsigned file_mode, diagnostics& d) {
  auto [line, path] = d.first_inline_secret();
  if (path.empty() || !readable_by_others(file_mode)) return;
  d.warning(line, path,
            "secrets are given inline and this file is readable by others (mode " +
                octal_mode(file_mode) +
                "): remove their read permission (chmod o-r) or use <key>_file or "
                "<key>_credential");
}

// `file_mode`: the permission bits of the file `yaml` was read from (0: not from a file).
load_result load_text(const std::string& yaml, const std::string& display_name,
                      const std::string& credentials_dir, unsigned file_mode) {
  diagnostics d(display_name);
  auto root = parse_root(yaml, d);
  if (!root) return finish(d, std::nullopt);

  auto entries = map_entries(*root, {}, d);
  for (auto& e : entries) {
    bool known = false;
    for (auto k : top_keys) known = known || k == e.key;
    if (!known) report_unknown(e, top_keys, d);
  }

  config c;
  c.path = display_name;
  int root_line = line_of(*root);
  if (auto* e = find_entry(entries, "spool_dir")) {
    if (auto v = read_absolute_path(*e, d)) c.spool_dir = *v;
  } else {
    d.error(root_line, "spool_dir", "missing required key (an absolute path)");
  }
  if (auto* e = find_entry(entries, "status_log"))
    if (auto v = read_absolute_path(*e, d)) c.status_log = *v;
  if (auto* e = find_entry(entries, "metrics_file"))
    if (auto v = read_absolute_path(*e, d)) c.metrics_file = *v;

  backend defaults;
  settings_origins origins;
  read_defaults(find_entry(entries, "defaults"), defaults, origins, d);
  read_backends(find_entry(entries, "backends"), root_line, defaults, origins, credentials_dir, c,
                d);
  if (auto* e = find_entry(entries, "cluster"))
    c.cluster = load_cluster(*e, credentials_dir, local_host_name(), d);
  warn_if_secrets_exposed(file_mode, d);
  return finish(d, std::move(c));
}

}  // namespace

load_result load_string(const std::string& yaml, const std::string& display_name,
                        const std::string& credentials_dir) {
  return load_text(yaml, display_name, credentials_dir, 0);
}

load_result load_file(const std::string& path, const std::string& credentials_dir) {
  diagnostics d(path);
  file_read r = read_small_file(path, max_config_size);
  switch (r.result) {
    case file_read::status::ok:
      return load_text(r.content, path, credentials_dir, r.mode);
    case file_read::status::unreadable:
      d.error(0, {}, std::string("cannot read the configuration file: ") + std::strerror(r.error));
      break;
    case file_read::status::not_regular:
      d.error(0, {}, "the configuration file is not a regular file");
      break;
    case file_read::status::too_large:
      d.error(0, {}, "the configuration file is larger than 1 MiB");
      break;
  }
  return finish(d, std::nullopt);
}

}  // namespace reconcilerd::config
