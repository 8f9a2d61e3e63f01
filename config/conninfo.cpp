// libpq connection strings: enough of libpq's own parser (fe-connect.c, conninfo_parse and
// conninfo_uri_parse_options) to find every keyword, without echoing any value.
#include "config/conninfo.hpp"

#include "config/values.hpp"

namespace reconcilerd::config::detail {

namespace {

constexpr std::string_view uri_prefixes[] = {"postgresql://", "postgres://"};

constexpr std::string_view password_refused =
    "must not contain the password (this string is shown in status and logs): put the password "
    "in database_password_file (or database_password_credential)";

// libpq's isspace() in the C locale.
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

std::string at(std::size_t index) { return "character " + std::to_string(index + 1); }

// The refusal for a keyword that names a secret, or nothing.
std::optional<std::string> secret_keyword(std::string_view keyword) {
  if (keyword == "password") return std::string(password_refused);
  if (keyword == "sslpassword")
    return std::string(
        "must not contain sslpassword (this string is shown in status and logs): use a client "
        "key without a passphrase that only the daemon can read");
  return std::nullopt;
}

// "keyword = value keyword='quoted \' value' ..."
std::optional<std::string> keyword_value_problem(std::string_view s) {
  std::size_t i = 0;
  const std::size_t n = s.size();
  auto skip_spaces = [&] {
    while (i < n && is_space(s[i])) ++i;
  };
  while (true) {
    skip_spaces();
    if (i == n) return std::nullopt;
    const std::size_t keyword_start = i;
    while (i < n && s[i] != '=' && !is_space(s[i])) ++i;
    std::string_view keyword = s.substr(keyword_start, i - keyword_start);
    skip_spaces();
    if (keyword.empty())
      return "\"=\" without a keyword before it at " + at(i) +
             " (expected keyword=value pairs, e.g. \"host=db.example.com dbname=reconcilerd\")";
    if (i == n || s[i] != '=')
      return "the keyword at " + at(keyword_start) +
             " has no \"=\" after it (expected keyword=value pairs, e.g. "
             "\"host=db.example.com dbname=reconcilerd\", or a postgresql:// URI)";
    ++i;
    skip_spaces();
    if (i < n && s[i] == '\'') {
      const std::size_t quote = i++;
      while (i < n && s[i] != '\'') i += s[i] == '\\' ? 2 : 1;
      if (i >= n) return "the value quoted at " + at(quote) + " has no closing quote";
      ++i;
    } else {
      while (i < n && !is_space(s[i])) i += s[i] == '\\' ? 2 : 1;
      if (i > n) i = n;
    }
    if (auto refused = secret_keyword(keyword)) return refused;
  }
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX decoded; nothing for a bad or NUL escape (as libpq refuses them).
std::optional<std::string> percent_decoded(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '%') {
      out += s[i];
      continue;
    }
    if (i + 2 >= s.size()) return std::nullopt;
    int hi = hex_value(s[i + 1]), lo = hex_value(s[i + 2]);
    if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) return std::nullopt;
    out += static_cast<char>(hi * 16 + lo);
    i += 2;
  }
  return out;
}

// "postgresql://[user[:password]@][netloc][/dbname][?param=value&...]"
std::optional<std::string> uri_problem(std::string_view s, std::size_t prefix) {
  // libpq looks for user information up to the first '/', as done here.
  std::size_t end = s.find_first_of("@/", prefix);
  if (end != std::string_view::npos && s[end] == '@') {
    std::string_view user_info = s.substr(prefix, end - prefix);
    auto colon = user_info.find(':');
    if (colon != std::string_view::npos && colon + 1 < user_info.size())
      return std::string(password_refused);
  }
  auto query = s.find('?', prefix);
  if (query == std::string_view::npos) return std::nullopt;
  std::size_t start = query + 1;
  while (start <= s.size()) {
    std::size_t amp = s.find('&', start);
    if (amp == std::string_view::npos) amp = s.size();
    std::string_view param = s.substr(start, amp - start);
    start = amp + 1;
    if (param.empty()) continue;
    auto eq = param.find('=');
    if (eq == std::string_view::npos)
      return "a URI query parameter at " + at(static_cast<std::size_t>(param.data() - s.data())) +
             " has no \"=\" (expected ?keyword=value&keyword=value)";
    auto keyword = percent_decoded(param.substr(0, eq));
    if (!keyword)
      return "invalid percent-encoding in the URI query parameter at " +
             at(static_cast<std::size_t>(param.data() - s.data()));
    if (auto refused = secret_keyword(*keyword)) return refused;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> conninfo_problem(std::string_view conninfo) {
  if (has_control(conninfo)) return "must not contain line breaks or other control characters";
  bool blank = true;
  for (char c : conninfo) blank = blank && is_space(c);
  if (blank) return "must not be empty";
  for (auto prefix : uri_prefixes)
    if (conninfo.starts_with(prefix)) return uri_problem(conninfo, prefix.size());
  return keyword_value_problem(conninfo);
}

}  // namespace reconcilerd::config::detail
