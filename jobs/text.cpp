// See text.hpp. Placeholder: the next commit implements the sanitising step.
#include "jobs/text.hpp"

namespace reconcilerd::jobs {

std::string bounded_text(std::string_view s, std::size_t) { return std::string(s); }
std::string visible_text(std::string_view s) { return std::string(s); }
std::string outside_text(std::string_view s) { return std::string(s); }

}  // namespace reconcilerd::jobs
