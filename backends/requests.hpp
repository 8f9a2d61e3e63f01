// How every adapter spells a request: a percent-encoded path segment or query value, an
// application/x-www-form-urlencoded body, the form POST of simetri and whmcs, and the JSON
// request of alloy, campfire and bigcapital (and simetri's read-back GET). Pure functions; the
// transport adds Host, Content-Length, User-Agent and Connection.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "backends/backend.hpp"

namespace reconcilerd::backends {

// RFC 3986 percent-encoding of everything but unreserved characters (A-Z a-z 0-9 - . _ ~),
// hex digits upper case: one path segment or query value.
std::string percent_encode(std::string_view s);

// application/x-www-form-urlencoded: key=value pairs joined by '&', each side encoded as
// percent_encode does but with space as '+'.
std::string form_encode(const std::vector<std::pair<std::string, std::string>>& fields);

// A form POST to an API that answers in JSON (simetri, whmcs): "Content-Type:
// application/x-www-form-urlencoded", "Accept: application/json", the body form_encode(d).
request form_request(std::string target,
                     const std::vector<std::pair<std::string, std::string>>& fields);

// A JSON API's request: the `auth` headers, then "Content-Type: application/json" when
// there is a body, then "Accept: application/json"; the body serialized by Boost.JSON.
request json_request(std::string method, std::string target, std::vector<header> auth,
                     const boost::json::object* body = nullptr);

}  // namespace reconcilerd::backends
