// The daemon's in-memory view of the jobs it holds (claimed into active/ or waiting in
// deferred/), per backend and per invoice, ordered by (sequence, arrival). It decides which
// job may start next — one job per invoice in flight, the head of each invoice only, due
// jobs in arrival order — and never touches files (the spool does; the daemon acts).
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <unordered_map>
#include <vector>

namespace reconcilerd::daemon {

using sys_time = std::chrono::system_clock::time_point;

struct queue_key {
  std::string backend;
  std::string invoice_id;
  std::int64_t sequence = 0;  // absent sequence counts as 0
  std::uint64_t arrival = 0;  // the arrival rank; 0: the queue numbers it after all others
};

class job_queue {
 public:
  // Adds a job that may start at `not_before`. Returns its arrival rank (as given, unless
  // it had to move behind the invoice's in-flight head or collided with another job's).
  std::uint64_t add(const std::string& name, queue_key key, sys_time not_before);
  // The next job of `backend` that may start at `now`, marked in flight; nothing if none.
  std::optional<std::string> take(const std::string& backend, sys_time now);
  // When the next job of `backend` becomes due (only heads not in flight count).
  std::optional<sys_time> next_due(const std::string& backend) const;
  // The in-flight job is done for good (delivered, dead): the invoice's next job may go.
  void finish(const std::string& name);
  // The in-flight job is to be tried again at `not_before`; it stays at its invoice's head.
  void reschedule(const std::string& name, sys_time not_before);
  // The jobs queued right behind `name` for its invoice, in order, while they are due at
  // `now` (folding: what may travel with it).
  std::vector<std::string> due_behind(const std::string& name, sys_time now) const;
  // Removes every job of `backend` (reload removed it). Returns their names.
  std::vector<std::string> drop_backend(const std::string& backend);

  bool contains(const std::string& name) const { return jobs_.count(name) != 0; }
  std::size_t size() const { return jobs_.size(); }
  std::size_t size(const std::string& backend) const;
  std::size_t in_flight(const std::string& backend) const;
  // Jobs of `backend` waiting with a future not_before (deferred).
  std::size_t waiting(const std::string& backend, sys_time now) const;
  std::optional<sys_time> oldest_not_before() const;

 private:
  using order = std::pair<std::int64_t, std::uint64_t>;  // (sequence, arrival)
  struct entry {
    queue_key key;
    sys_time not_before;
    bool in_flight = false;
  };
  struct invoice {
    std::map<order, std::string> jobs;  // by (sequence, arrival)
    bool head_in_flight = false;
  };
  struct backend_queue {
    std::map<std::string, invoice> invoices;
    // Heads not in flight: due ones by arrival, future ones by time.
    std::set<std::pair<std::uint64_t, std::string>> due;  // (arrival, invoice)
    std::set<std::pair<sys_time, std::string>> waiting;   // (not_before, invoice)
    std::size_t count = 0;
    std::size_t in_flight = 0;
  };

  void unlink_head(backend_queue& b, const std::string& invoice_id);
  void link_head(backend_queue& b, const std::string& invoice_id);
  void promote(backend_queue& b, sys_time now);

  std::unordered_map<std::string, entry> jobs_;
  std::map<std::string, backend_queue> backends_;
  std::uint64_t next_arrival_ = 1;
};

}  // namespace reconcilerd::daemon
