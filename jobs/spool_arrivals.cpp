// The arrival journal, state/arrivals: one line "<rank> <name>" per claimed job, appended
// in one write per group commit (sync()) and made durable by the same syncfs that flushes
// the claimed files. It only matters for jobs in active/ at a crash (a deferred job keeps
// its rank in its state file): recover() gives them their rank back. Rewritten with the
// entries of jobs still in active/ when it grows past a limit.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "jobs/spool.hpp"

namespace reconcilerd::jobs {

namespace {

constexpr const char* journal_name = "arrivals";
constexpr const char* journal_temp = ".arrivals.tmp";
constexpr std::size_t rotate_after = 1 << 20;  // bytes appended since the last rewrite
constexpr std::size_t read_limit = 64 << 20;

// Each whole, well-formed line of `text`; later lines win.
std::unordered_map<std::string, std::uint64_t> parse_journal(std::string_view text) {
  std::unordered_map<std::string, std::uint64_t> ranks;
  while (!text.empty()) {
    auto nl = text.find('\n');
    if (nl == std::string_view::npos) break;  // a torn last line
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl + 1);
    auto sp = line.find(' ');
    if (sp == std::string_view::npos) continue;
    std::uint64_t rank = 0;
    auto [p, ec] = std::from_chars(line.data(), line.data() + sp, rank);
    if (ec != std::errc() || p != line.data() + sp) continue;
    std::string name(line.substr(sp + 1));
    if (is_valid_job_name(name)) ranks[name] = rank;
  }
  return ranks;
}

}  // namespace

void spool::note_arrival(const std::string& name, std::uint64_t rank) {
  arrivals_buf_ += std::to_string(rank);
  arrivals_buf_ += ' ';
  arrivals_buf_ += name;
  arrivals_buf_ += '\n';
}

std::unordered_map<std::string, std::uint64_t> spool::read_arrivals() const {
  std::string text;
  if (read_regular_file(fd(d_state), journal_name, read_limit, text)) return {};
  return parse_journal(text);
}

std::optional<spool_error> spool::flush_arrivals() {
  if (arrivals_buf_.empty()) return std::nullopt;
  if (arrivals_written_ >= rotate_after) {
    // Keep only the jobs still in active/: the others are finished or deferred (with the
    // rank in their state).
    std::string kept;
    for (auto& [name, rank] : read_arrivals())
      if (exists_at(fd(d_active), name)) kept += std::to_string(rank) + " " + name + "\n";
    arrivals_fd_ = unique_fd();
    if (auto ec = write_file_durably(fd(d_state), journal_temp, fd(d_state), journal_name, kept))
      return fail(ec, "rewrite state/arrivals");
    mark(d_state);
    arrivals_written_ = kept.size();
  }
  if (!arrivals_fd_) {
    int f = ::openat(fd(d_state), journal_name,
                     O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (f < 0) return fail(last_errno(), "open state/arrivals");
    arrivals_fd_ = unique_fd(f);
    mark(d_state);  // it may be new
  }
  std::string_view rest = arrivals_buf_;
  while (!rest.empty()) {
    ssize_t n = ::write(arrivals_fd_.get(), rest.data(), rest.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return fail(last_errno(), "append to state/arrivals");
    }
    rest.remove_prefix(static_cast<std::size_t>(n));
  }
  arrivals_written_ += arrivals_buf_.size();
  arrivals_buf_.clear();
  data_dirty_ = true;  // flushed by this sync's syncfs
  return std::nullopt;
}

std::optional<std::int64_t> spool::change_time(job_state s, const std::string& name) const {
  struct stat st;
  if (::fstatat(fd(index_of(s)), name.c_str(), &st, AT_SYMLINK_NOFOLLOW) != 0) return std::nullopt;
  return static_cast<std::int64_t>(st.st_ctim.tv_sec) * 1'000'000'000 + st.st_ctim.tv_nsec;
}

}  // namespace reconcilerd::jobs
