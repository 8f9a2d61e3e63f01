// Request spelling shared by the adapters; see requests.hpp. The percent-encoding is
// Boost.URL's (unreserved characters kept, upper-case hex, space as '+' in forms).
#include "backends/requests.hpp"

#include <boost/json/serialize.hpp>
#include <boost/url/encode.hpp>
#include <boost/url/rfc/unreserved_chars.hpp>

namespace reconcilerd::backends {

std::string percent_encode(std::string_view s) {
  return boost::urls::encode(s, boost::urls::unreserved_chars);
}

std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields) {
  const boost::urls::encoding_opts space_as_plus(true);
  std::string out;
  for (auto& [key, value] : fields) {
    if (!out.empty()) out += '&';
    out += boost::urls::encode(key, boost::urls::unreserved_chars, space_as_plus);
    out += '=';
    out += boost::urls::encode(value, boost::urls::unreserved_chars, space_as_plus);
  }
  return out;
}

request form_request(std::string target,
                     const std::vector<std::pair<std::string, std::string>>& fields) {
  request r;
  r.method = "POST";
  r.target = std::move(target);
  r.headers = {{"Content-Type", "application/x-www-form-urlencoded"},
               {"Accept", "application/json"}};
  r.body = form_encode(fields);
  return r;
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
