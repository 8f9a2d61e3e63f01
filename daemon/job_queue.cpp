// See job_queue.hpp. Invariant: each invoice's head (first job by order) that is not in
// flight is in exactly one of `due` or `waiting`; other jobs are in neither.
#include "daemon/job_queue.hpp"

#include <algorithm>

namespace reconcilerd::daemon {

void job_queue::unlink_head(backend_queue& b, const std::string& invoice_id) {
  auto it = b.invoices.find(invoice_id);
  if (it == b.invoices.end()) return;
  auto& inv = it->second;
  if (inv.jobs.empty() || inv.head_in_flight) return;
  const entry& head = jobs_.at(inv.jobs.begin()->second);
  b.due.erase({head.key.arrival, invoice_id});
  b.waiting.erase({head.not_before, invoice_id});
}

void job_queue::link_head(backend_queue& b, const std::string& invoice_id) {
  auto& inv = b.invoices.at(invoice_id);
  if (inv.jobs.empty() || inv.head_in_flight) return;
  const entry& head = jobs_.at(inv.jobs.begin()->second);
  b.waiting.insert({head.not_before, invoice_id});
}

void job_queue::promote(backend_queue& b, sys_time now) {
  while (!b.waiting.empty() && b.waiting.begin()->first <= now) {
    auto invoice_id = b.waiting.begin()->second;
    b.waiting.erase(b.waiting.begin());
    auto& inv = b.invoices.at(invoice_id);
    b.due.insert({jobs_.at(inv.jobs.begin()->second).key.arrival, invoice_id});
  }
}

std::uint64_t job_queue::add(const std::string& name, queue_key key, sys_time not_before) {
  if (key.arrival == 0) key.arrival = next_arrival_;
  auto& b = backends_[key.backend];
  unlink_head(b, key.invoice_id);  // the head may change
  auto& inv = b.invoices[key.invoice_id];
  // A job that sorts before the invoice's in-flight head goes right after it instead: the
  // head must stay first while it is in flight.
  if (inv.head_in_flight && order{key.sequence, key.arrival} < inv.jobs.begin()->first) {
    key.sequence = inv.jobs.begin()->first.first;
    key.arrival = std::max(key.arrival, inv.jobs.begin()->first.second + 1);
  }
  while (inv.jobs.count(order{key.sequence, key.arrival})) ++key.arrival;  // ranks are unique
  next_arrival_ = std::max(next_arrival_, key.arrival + 1);
  inv.jobs.emplace(order{key.sequence, key.arrival}, name);
  jobs_[name] = entry{key, not_before, false};
  ++b.count;
  link_head(b, key.invoice_id);
  return key.arrival;
}

std::optional<std::string> job_queue::take(const std::string& backend, sys_time now) {
  auto it = backends_.find(backend);
  if (it == backends_.end()) return std::nullopt;
  auto& b = it->second;
  promote(b, now);
  if (b.due.empty()) return std::nullopt;
  auto invoice_id = b.due.begin()->second;
  b.due.erase(b.due.begin());
  auto& inv = b.invoices.at(invoice_id);
  inv.head_in_flight = true;
  const std::string& name = inv.jobs.begin()->second;
  jobs_.at(name).in_flight = true;
  ++b.in_flight;
  return name;
}

std::optional<sys_time> job_queue::next_due(const std::string& backend) const {
  auto it = backends_.find(backend);
  if (it == backends_.end()) return std::nullopt;
  auto& b = it->second;
  std::optional<sys_time> best;
  if (!b.due.empty()) {
    // Due heads are due now; report the earliest not_before among them (in the past).
    best = sys_time::min();
  }
  if (!b.waiting.empty() && (!best || b.waiting.begin()->first < *best))
    best = b.waiting.begin()->first;
  return best;
}

void job_queue::finish(const std::string& name) {
  auto it = jobs_.find(name);
  if (it == jobs_.end()) return;
  const queue_key key = it->second.key;
  const bool was_in_flight = it->second.in_flight;
  auto& b = backends_.at(key.backend);
  auto& inv = b.invoices.at(key.invoice_id);
  const bool is_head = inv.jobs.begin()->second == name;
  if (is_head) {
    unlink_head(b, key.invoice_id);
    inv.head_in_flight = false;
  }
  inv.jobs.erase(order{key.sequence, key.arrival});
  if (was_in_flight) --b.in_flight;
  --b.count;
  jobs_.erase(it);
  if (inv.jobs.empty()) {
    b.invoices.erase(key.invoice_id);
  } else if (is_head) {
    link_head(b, key.invoice_id);
  }
}

void job_queue::reschedule(const std::string& name, sys_time not_before) {
  auto it = jobs_.find(name);
  if (it == jobs_.end()) return;
  auto& e = it->second;
  auto& b = backends_.at(e.key.backend);
  auto& inv = b.invoices.at(e.key.invoice_id);
  if (e.in_flight) {
    e.in_flight = false;
    inv.head_in_flight = false;
    --b.in_flight;
  } else {
    unlink_head(b, e.key.invoice_id);
  }
  e.not_before = not_before;
  link_head(b, e.key.invoice_id);
}

std::vector<std::string> job_queue::due_behind(const std::string& name, sys_time now) const {
  std::vector<std::string> names;
  auto it = jobs_.find(name);
  if (it == jobs_.end()) return names;
  const queue_key& key = it->second.key;
  const auto& inv = backends_.at(key.backend).invoices.at(key.invoice_id);
  for (auto j = std::next(inv.jobs.find(order{key.sequence, key.arrival})); j != inv.jobs.end();
       ++j) {
    if (jobs_.at(j->second).not_before > now) break;
    names.push_back(j->second);
  }
  return names;
}

std::vector<std::string> job_queue::drop_backend(const std::string& backend) {
  std::vector<std::string> names;
  auto it = backends_.find(backend);
  if (it == backends_.end()) return names;
  for (auto& [id, inv] : it->second.invoices)
    for (auto& [o, name] : inv.jobs) {
      names.push_back(name);
      jobs_.erase(name);
    }
  backends_.erase(it);
  return names;
}

std::size_t job_queue::size(const std::string& backend) const {
  auto it = backends_.find(backend);
  return it == backends_.end() ? 0 : it->second.count;
}

std::size_t job_queue::in_flight(const std::string& backend) const {
  auto it = backends_.find(backend);
  return it == backends_.end() ? 0 : it->second.in_flight;
}

std::size_t job_queue::waiting(const std::string& backend, sys_time now) const {
  auto it = backends_.find(backend);
  if (it == backends_.end()) return 0;
  std::size_t n = 0;
  for (auto& [id, inv] : it->second.invoices)
    for (auto& [o, name] : inv.jobs)
      if (jobs_.at(name).not_before > now) ++n;
  return n;
}

std::optional<sys_time> job_queue::oldest_not_before() const {
  std::optional<sys_time> best;
  for (auto& [name, e] : jobs_)
    if (!best || e.not_before < *best) best = e.not_before;
  return best;
}

}  // namespace reconcilerd::daemon
