// Rewrites backends.<name>.{key,key_file,key_credential} (and cluster.database_password*)
// to `key: <redacted>` with
// yaml-cpp, then validates the result with the normal loader.
#include "daemon/ctl/ctl_config.hpp"

#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace reconcilerd::ctl {

namespace {

constexpr const char* secret_keys[] = {"token",   "secret", "password",  "password_md5",
                                       "api_key", "jwt",    "access_key"};

// The secret key a YAML key names ("api_key_file" -> "api_key"), or empty.
std::string secret_key_of(const std::string& key) {
  for (const char* k : secret_keys) {
    std::string s = k;
    if (key == s || key == s + "_file" || key == s + "_credential") return s;
  }
  return {};
}

void redact_map(YAML::Node map) {
  if (!map.IsMap()) return;
  std::vector<std::string> found;
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (!it->first.IsScalar()) continue;
    auto key = it->first.as<std::string>();
    if (!secret_key_of(key).empty()) found.push_back(key);
  }
  for (auto& key : found) {
    map.remove(key);
    // password_md5 must look like an MD5 hash to pass validation; render still shows the
    // mask (backends::redacted replaces every secret).
    std::string k = secret_key_of(key);
    map[k] = k == "password_md5" ? std::string(32, '0') : std::string(redacted_secret);
  }
}

}  // namespace

config::load_result load_config_redacted(const std::string& path) {
  std::string text;
  {
    std::ifstream in(path, std::ios::binary);
    if (!in) return config::load_file(path, "");  // the loader words the error
    std::ostringstream ss;
    ss << in.rdbuf();
    text = ss.str();
  }
  std::string redacted_text;
  try {
    YAML::Node root = YAML::Load(text);
    if (root.IsMap() && root["backends"] && root["backends"].IsMap())
      for (auto it = root["backends"].begin(); it != root["backends"].end(); ++it)
        redact_map(it->second);
    // cluster.database_password{,_file,_credential}: reconcilerctl never connects to the
    // database, and need not be able to read the daemon's password file.
    if (root.IsMap() && root["cluster"] && root["cluster"].IsMap()) {
      YAML::Node cluster = root["cluster"];
      bool had = false;
      for (const char* k :
           {"database_password", "database_password_file", "database_password_credential"})
        if (cluster[k]) {
          cluster.remove(k);
          had = true;
        }
      if (had) cluster["database_password"] = std::string(redacted_secret);
    }
    YAML::Emitter emitter;
    emitter << root;
    redacted_text = emitter.c_str();
  } catch (const YAML::Exception&) {
    return config::load_file(path, "");
  }
  auto result = config::load_string(redacted_text, path, "");
  if (result.value) {
    result.value->path = path;
    return result;
  }
  const char* creds = std::getenv("CREDENTIALS_DIRECTORY");
  auto plain = config::load_file(path, creds ? creds : "");
  if (!plain.errors.empty()) return plain;
  return result;
}

}  // namespace reconcilerd::ctl
