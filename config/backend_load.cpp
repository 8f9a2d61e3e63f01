// One backend: per-type keys and credential rules, URL policy, merged settings.
#include "config/backend_load.hpp"

#include <vector>

#include "config/base_url.hpp"
#include "config/secrets.hpp"
#include "config/values.hpp"

namespace reconcilerd::config::detail {

namespace {

struct type_keys {
  backend_type type;
  std::vector<std::string_view> params;   // non-secret, stored in backend::params
  std::vector<std::string_view> secrets;  // each in three forms, stored in backend::secrets
};

const std::vector<type_keys>& all_type_keys() {
  static const std::vector<type_keys> table = {
      {backend_type::simetri, {}, {"token"}},
      {backend_type::whmcs,
       {"identifier", "username"},
       {"secret", "password", "password_md5", "access_key"}},
      {backend_type::alloy, {"credential_id"}, {"api_key"}},
      {backend_type::campfire, {"auth_scheme"}, {"api_key"}},
      {backend_type::bigcapital, {"organization_id"}, {"api_key", "jwt"}},
  };
  return table;
}

const type_keys& keys_of(backend_type t) {
  for (auto& k : all_type_keys())
    if (k.type == t) return k;
  return all_type_keys().front();
}

bool valid_name(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

class backend_loader {
 public:
  backend_loader(const entry& e, const std::string& credentials_dir, diagnostics& d)
      : e_(e), credentials_dir_(credentials_dir), d_(d), errors_before_(d.error_count()) {}

  std::optional<backend> load(const backend& defaults, const settings_origins& origins);

 private:
  void missing(std::string_view key, std::string_view hint) {
    std::string message = "missing required key";
    if (!hint.empty()) message += " (" + std::string(hint) + ")";
    d_.error(line_of(e_.key_node), join_path(e_.path, key), message);
  }
  void problem(std::string_view message) { d_.error(line_of(e_.key_node), e_.path, message); }
  std::optional<backend_type> read_type();
  void read_url(backend& b);
  void read_keys(backend& b, std::optional<backend_type> type, settings_origins& o);
  void read_credentials(backend& b, backend_type type);
  bool have(std::string_view key) const { return find_entry(entries_, key) != nullptr; }
  void check_md5(backend& b);

  const entry& e_;
  const std::string& credentials_dir_;
  diagnostics& d_;
  std::size_t errors_before_;
  std::vector<entry> entries_;
};

std::optional<backend> backend_loader::load(const backend& defaults,
                                            const settings_origins& origins) {
  if (!valid_name(e_.key)) {
    d_.error(line_of(e_.key_node), "backends",
             "invalid backend name " + quoted(e_.key) + " (expected 1 to 64 of A-Z a-z 0-9 _ -)");
  }
  if (!e_.value.IsMap()) {
    d_.error(e_.line(), e_.path,
             "expected a map of backend settings, got " + std::string(kind_of(e_.value)));
    return std::nullopt;
  }
  entries_ = map_entries(e_.value, e_.path, d_);

  backend b = defaults;
  b.name = e_.key;
  settings_origins o = origins;
  auto type = read_type();
  if (type) b.type = *type;
  read_keys(b, type, o);
  read_url(b);
  check_backoff_order(b, o, e_.path, d_);
  if (type) read_credentials(b, *type);
  if (type == backend_type::alloy && b.skip_unchanged) {
    const entry* at = find_entry(entries_, "skip_unchanged");
    d_.error(at ? at->line() : line_of(e_.key_node), join_path(e_.path, "skip_unchanged"),
             "is not available for alloy: its reads may be stale right after a write");
  }

  if (!b.tls.verify && o.tls_verify.line > 0)
    d_.warning(o.tls_verify.line, o.tls_verify.path,
               "TLS certificate verification is disabled for backend " + quoted(b.name));
  if (d_.error_count() != errors_before_) return std::nullopt;
  return b;
}

std::optional<backend_type> backend_loader::read_type() {
  constexpr std::string_view names = "simetri, whmcs, alloy, campfire or bigcapital";
  const entry* t = find_entry(entries_, "type");
  if (!t) {
    missing("type", std::string("one of ") + std::string(names));
    return std::nullopt;
  }
  auto s = read_string(*t, d_);
  if (!s) return std::nullopt;
  auto type = parse_backend_type(*s);
  if (!type)
    d_.error(t->line(), t->path,
             "unknown backend type " + quoted(*s) + " (expected " + std::string(names) + ")");
  return type;
}

void backend_loader::read_keys(backend& b, std::optional<backend_type> type, settings_origins& o) {
  std::vector<std::string_view> known = {"type", "base_url"};
  for (auto k : settings_keys()) known.push_back(k);
  std::vector<std::string> owned;  // storage for the generated "<secret>_file" names
  if (type) {
    auto& tk = keys_of(*type);
    for (auto p : tk.params) known.push_back(p);
    for (auto s : tk.secrets) {
      owned.push_back(std::string(s) + "_file");
      owned.push_back(std::string(s) + "_credential");
    }
    for (auto s : tk.secrets) known.push_back(s);
  }
  for (auto& s : owned) known.push_back(s);

  for (auto& e : entries_) {
    if (e.key == "type" || e.key == "base_url" || apply_setting(e, b, o, d_)) continue;
    bool is_known = false;
    for (auto k : known) is_known = is_known || k == e.key;
    // Without a valid type only the common keys can be judged.
    if (!is_known && type) report_unknown(e, known, d_);
    if (!is_known || !type) continue;
    auto& tk = keys_of(*type);
    for (auto p : tk.params)
      if (p == e.key) {
        if (auto v = read_string(e, d_)) b.params[e.key] = *v;
      }
  }
}

void backend_loader::read_url(backend& b) {
  const entry* u = find_entry(entries_, "base_url");
  if (!u) {
    missing("base_url", "e.g. https://erp.example.com");
    return;
  }
  auto text = read_string(*u, d_);
  if (!text) return;
  auto parsed = parse_base_url(*text);
  if (!parsed.value) {
    d_.error(u->line(), u->path, parsed.error);
    return;
  }
  if (parsed.value->scheme == "http" && !is_loopback_host(*parsed.value) &&
      !b.allow_insecure_http) {
    d_.error(u->line(), u->path,
             "plain http is refused for the non-loopback host " + quoted(parsed.value->host) +
                 " (use https, or set allow_insecure_http: true)");
    return;
  }
  b.base_url_text = *text;
  b.base_url = *parsed.value;
}

// WHMCS's password_md5 is the MD5 hash of the admin password: 32 hex digits. The message
// never shows the value (it may be the password itself, given by mistake).
void backend_loader::check_md5(backend& b) {
  auto it = b.secrets.find("password_md5");
  if (it == b.secrets.end()) return;
  bool ok = it->second.size() == 32;
  for (char c : it->second)
    ok = ok && ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'));
  if (ok) return;
  b.secrets.erase(it);
  for (auto form : {"password_md5", "password_md5_file", "password_md5_credential"})
    if (const entry* e = find_entry(entries_, form)) {
      d_.error(e->line(), e->path,
               "must be the MD5 hash of the password (32 hex digits), not the password itself");
      return;
    }
}

void backend_loader::read_credentials(backend& b, backend_type type) {
  auto secret = [&](std::string_view key) {
    auto v = read_secret(entries_, key, credentials_dir_, d_);
    if (v.status == secret_value::state::ok) b.secrets[std::string(key)] = v.value;
    return v;
  };
  switch (type) {
    case backend_type::simetri:
      if (!secret("token").given()) missing("token", "give " + secret_forms("token"));
      break;
    case backend_type::alloy:
      if (!secret("api_key").given()) missing("api_key", "give " + secret_forms("api_key"));
      if (!have("credential_id")) missing("credential_id", "the Alloy connection's credential id");
      break;
    case backend_type::campfire: {
      if (!secret("api_key").given()) missing("api_key", "give " + secret_forms("api_key"));
      auto scheme = b.params.find("auth_scheme");
      if (scheme == b.params.end()) {
        b.params["auth_scheme"] = "Token";
      } else if (scheme->second != "Token" && scheme->second != "Bearer") {
        const entry* a = find_entry(entries_, "auth_scheme");
        d_.error(a->line(), a->path,
                 "invalid auth_scheme " + quoted(scheme->second) + " (expected Token or Bearer)");
      }
      break;
    }
    case backend_type::whmcs: {
      bool api = have("identifier");
      bool api_secret = secret("secret").given();
      bool user = have("username");
      bool plain_password = secret("password").given();
      bool hashed_password = secret("password_md5").given();
      bool user_password = plain_password || hashed_password;
      check_md5(b);
      secret("access_key");
      if (plain_password && hashed_password) {
        problem("give either password or password_md5, not both");
      } else if ((api || api_secret) && (user || user_password)) {
        problem("give either identifier + secret or username + password, not both");
      } else if (api || api_secret) {
        if (!api) missing("identifier", "needed with secret");
        if (!api_secret)
          missing("secret", "needed with identifier; give " + secret_forms("secret"));
      } else if (user || user_password) {
        if (!user)
          missing("username", plain_password ? "needed with password" : "needed with password_md5");
        if (!user_password)
          missing("password", "needed with username; give " + secret_forms("password"));
      } else {
        problem(
            "missing credentials: identifier + secret, or username + password (or password_md5)");
      }
      break;
    }
    case backend_type::bigcapital: {
      bool key = secret("api_key").given();
      bool jwt = secret("jwt").given();
      const entry* org = find_entry(entries_, "organization_id");
      if (key && jwt) {
        problem("give either api_key or jwt + organization_id, not both");
      } else if (jwt && !org) {
        missing("organization_id", "needed with jwt");
      } else if (!jwt && org) {
        d_.error(line_of(org->key_node), org->path, "only used with jwt");
      } else if (!key && !jwt) {
        missing("api_key", "give " + secret_forms("api_key") + "; or jwt + organization_id");
      }
      break;
    }
  }
}

}  // namespace

std::optional<backend> load_backend(const entry& e, const backend& defaults,
                                    const settings_origins& origins,
                                    const std::string& credentials_dir, diagnostics& d) {
  return backend_loader(e, credentials_dir, d).load(defaults, origins);
}

}  // namespace reconcilerd::config::detail
