// Parameters for pg_connection::query() built by a function call, not a braced list: GCC 12
// rejects a braced std::initializer_list of strings inside a co_await expression ("array used
// as initializer"), and a call keeps the statements that send them one line.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace reconcilerd::cluster {

template <class... T>
std::vector<std::optional<std::string>> args(T&&... values) {
  std::vector<std::optional<std::string>> out;
  out.reserve(sizeof...(T));
  (out.emplace_back(std::forward<T>(values)), ...);
  return out;
}

}  // namespace reconcilerd::cluster
