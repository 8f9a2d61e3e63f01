// Whether a node may still write for a job whose lease it holds until `lease_until` (its
// own clock, measured from before the call that granted or renewed it). A margin of a
// quarter of the lease covers the time between this check and the request's bytes leaving;
// a longer stall right there (SIGSTOP, swapping) is the risk docs/cluster.md names.
#pragma once

#include <chrono>

namespace reconcilerd::cluster {

inline bool lease_allows_write(std::chrono::steady_clock::time_point lease_until,
                               std::chrono::steady_clock::time_point now,
                               std::chrono::milliseconds lease) {
  return lease_until - now >= lease / 4;
}

}  // namespace reconcilerd::cluster
