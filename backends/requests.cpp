// Request spelling shared by the adapters; see requests.hpp.
#include "backends/requests.hpp"

#include <boost/json/serialize.hpp>
#include <cctype>

namespace reconcilerd::backends {

std::string percent_encode(std::string_view s) {
  static const char hex[] = "0123456789ABCDEF";
  std::string out;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += c;
    } else {
      out += '%';
      out += hex[u >> 4];
      out += hex[u & 15];
    }
  }
  return out;
}

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields) {
  auto enc = [](std::string_view s) {
    std::string e = percent_encode(s);
    std::string out;
    for (std::size_t i = 0; i < e.size(); ++i) {
      if (e.compare(i, 3, "%20") == 0) {
        out += '+';
        i += 2;
      } else {
        out += e[i];
      }
    }
    return out;
  };
  std::string out;
  for (auto& [k, v] : fields) {
    if (!out.empty()) out += '&';
    out += enc(k);
    out += '=';
    out += enc(v);
  }
  return out;
}

request json_request(std::string method, std::string target, std::vector<header> auth,
                     const boost::json::object* body) {
  request r;
  r.method = std::move(method);
  r.target = std::move(target);
  r.headers = std::move(auth);
  if (body) {
    r.headers.push_back({"Content-Type", "application/json"});
    r.body = boost::json::serialize(*body);
  }
  r.headers.push_back({"Accept", "application/json"});
  return r;
}

}  // namespace reconcilerd::backends
