// Outside text made safe to show (hostile servers, hostile jobs): one step for every string
// that comes from a server or a job before it reaches stderr, the status log, status.json,
// metrics, error.json or CLI output. bounded_text() cuts it to a few kB (on a character
// boundary, with a marker saying how much was cut) and replaces invalid UTF-8 with U+FFFD;
// each output then applies its own escaping (JSON serialisers; visible_text() for terminals
// and log lines: control characters shown as \xNN, never sent raw).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace reconcilerd::jobs {

inline constexpr std::size_t max_outside_text = 4096;

std::string bounded_text(std::string_view s, std::size_t max = max_outside_text);
std::string visible_text(std::string_view s);
// The step itself, for text meant for people (messages, reasons, last errors): control
// characters made visible, then bounded and repaired.
std::string outside_text(std::string_view s);

}  // namespace reconcilerd::jobs
