// The cluster database's schema: versioned migrations, applied in order at start-up (or by
// `reconcilerd --migrate`), each in its own transaction under an advisory lock so that nodes
// starting together apply each once. docs/cluster.md describes the tables.
#pragma once

#include <boost/asio/awaitable.hpp>
#include <string_view>
#include <vector>

namespace reconcilerd::cluster {

class pg_connection;

// Migration i (0-based) brings the schema from version i to i + 1.
const std::vector<std::string_view>& migrations();

// What migrate() found and did.
struct migration_report {
  int from = 0;  // the version found
  int to = 0;    // the version left
};

// Brings the database to the newest version this build knows. Throws pg_error, or
// std::runtime_error when the database is newer than this build (a node of an older
// release must not work on a schema it does not know).
boost::asio::awaitable<migration_report> migrate(pg_connection& db);

}  // namespace reconcilerd::cluster
