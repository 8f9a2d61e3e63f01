// The spool's directory tree: creation and opening (also read-only), listing, lookups and
// reads, and the group commit (sync). Claims are in spool_claim.cpp, the other state
// changes in spool_moves.cpp, start-up recovery in spool_recover.cpp, producers' drops in
// spool_submit.cpp, control requests and status.json in spool_control.cpp.
#include "jobs/spool.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include "jobs/job_decode.hpp"

namespace reconcilerd::jobs {
namespace {

struct dir_spec {
  const char* name;
  mode_t mode;
};
// Indexed like spool::dir_index. Producers (the spool's group) create files in tmp/ and
// incoming/ but may not list them, nor rename or remove each other's (sticky); setgid gives
// their files the spool's group. The daemon owns the directories, so it may move anything.
constexpr mode_t drop_mode = S_ISVTX | S_ISGID | 0730;
constexpr dir_spec dir_specs[] = {
    {"tmp", drop_mode}, {"incoming", drop_mode}, {"active", 0700},
    {"deferred", 0700}, {"done", 0700},          {"dead", 0700},
    {"state", 0700},    {"state/expiry", 0700},  {"control", 0700},
};
static_assert(std::size(dir_specs) == 9);
constexpr mode_t root_mode = 0710;

[[noreturn]] void unusable(const std::filesystem::path& root, const std::string& what, int err) {
  throw std::runtime_error("spool directory " + root.string() + ": " + what + ": " +
                           std::strerror(err));
}

unique_fd open_dir(int at, const char* name) {
  return unique_fd(::openat(at, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC));
}

}  // namespace

spool::spool(std::filesystem::path root) : root_(std::move(root)) {
  std::error_code ec;
  if (!std::filesystem::exists(root_, ec)) {
    std::filesystem::create_directories(root_.parent_path().empty() ? "." : root_.parent_path(),
                                        ec);
    if (ec) unusable(root_, "cannot create its parent", ec.value());
    if (::mkdir(root_.c_str(), root_mode) != 0 && errno != EEXIST)
      unusable(root_, "cannot create it", errno);
  }
  root_fd_ = unique_fd(::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd_) unusable(root_, "cannot open it", errno);
  struct stat root_st;
  if (::fstat(root_fd_.get(), &root_st) != 0) unusable(root_, "cannot stat it", errno);
  for (int d = 0; d < d_count; ++d) {
    const dir_spec& spec = dir_specs[d];
    // A new directory gets its exact mode (mkdir drops setgid and applies the umask).
    bool created = ::mkdirat(root_fd_.get(), spec.name, spec.mode & 0777) == 0;
    if (created)
      root_dirty_ = true;
    else if (errno != EEXIST)
      unusable(root_, std::string("cannot create ") + spec.name + "/", errno);
    dirs_[d] = open_dir(root_fd_.get(), spec.name);
    if (!dirs_[d])
      unusable(root_,
               std::string("cannot open ") + spec.name + "/" +
                   (errno == ELOOP || errno == ENOTDIR ? " (must be a real directory)" : ""),
               errno);
    if (created && ::fchmod(dirs_[d].get(), spec.mode) != 0)
      unusable(root_, std::string("cannot set the mode of ") + spec.name + "/", errno);
    struct stat st;
    if (::fstat(dirs_[d].get(), &st) != 0)
      unusable(root_, std::string("cannot stat ") + spec.name + "/", errno);
    if (st.st_dev != root_st.st_dev)
      throw std::runtime_error("spool directory " + root_.string() + ": " + spec.name +
                               "/ is on a different file system (rename(2) between the spool "
                               "directories must work)");
  }
  if (root_dirty_) ::fsync(root_fd_.get());  // best effort: the tree exists durably
  root_dirty_ = false;
}

spool::spool(std::filesystem::path root, read_only_tag) : root_(std::move(root)) {
  root_fd_ = unique_fd(::open(root_.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (!root_fd_) {
    if (errno == ENOENT)
      throw std::runtime_error("spool directory " + root_.string() + " does not exist");
    unusable(root_, "cannot open it", errno);
  }
  for (int d = 0; d < d_count; ++d) {
    dirs_[d] = open_dir(root_fd_.get(), dir_specs[d].name);
    if (!dirs_[d] && errno != ENOENT)  // missing: nothing in it yet
      unusable(root_, std::string("cannot open ") + dir_specs[d].name + "/", errno);
  }
}

std::unique_ptr<const spool> spool::open_read_only(const std::filesystem::path& root) {
  return std::unique_ptr<const spool>(new spool(root, read_only_tag{}));
}

spool::~spool() = default;

bool is_spool_wide(std::error_code ec) {
  if (ec.category() != std::generic_category() && ec.category() != std::system_category())
    return false;
  switch (ec.value()) {
    case ENOSPC:
    case EDQUOT:
    case EIO:
    case EROFS:
      return true;
    default:
      return false;
  }
}

std::vector<std::string> spool::check() const {
  std::vector<std::string> problems;
  for (int d = 0; d < d_count; ++d) {
    const char* name = dir_specs[d].name;
    struct stat st;
    if (::fstatat(root_fd_.get(), name, &st, AT_SYMLINK_NOFOLLOW) != 0) {
      problems.push_back("spool directory " + root_.string() + ": " + name +
                         "/ is missing: " + std::strerror(errno));
      continue;
    }
    if (!S_ISDIR(st.st_mode)) {
      problems.push_back("spool directory " + root_.string() + ": " + name +
                         "/ is not a directory");
      continue;
    }
    if (::faccessat(root_fd_.get(), name, W_OK | X_OK, AT_EACCESS) != 0)
      problems.push_back("spool directory " + root_.string() + ": " + name +
                         "/ is not writable: " + std::strerror(errno));
  }
  if (::faccessat(root_fd_.get(), ".", W_OK | X_OK, AT_EACCESS) != 0)
    problems.push_back("spool directory " + root_.string() +
                       " is not writable (status.json): " + std::strerror(errno));
  return problems;
}

spool::dir_index spool::index_of(job_state s) {
  switch (s) {
    case job_state::incoming:
      return d_incoming;
    case job_state::active:
      return d_active;
    case job_state::deferred:
      return d_deferred;
    case job_state::done:
      return d_done;
    case job_state::dead:
      return d_dead;
  }
  return d_incoming;
}

std::string spool::where(dir_index d, std::string_view name) const {
  return std::string(dir_specs[d].name) + "/" + escape_name(name);
}

spool_error spool::fail(std::error_code ec, std::string what) const {
  return spool_error{ec, what + ": " + ec.message()};
}

std::optional<spool_error> spool::scan(dir_index d,
                                       const std::function<bool(const std::string&)>& fn) const {
  if (!dirs_[d]) return std::nullopt;  // read-only spool without this directory: empty
  int copy = ::openat(fd(d), ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (copy < 0) return fail(last_errno(), std::string("open ") + dir_specs[d].name + "/");
  DIR* dir = ::fdopendir(copy);
  if (!dir) {
    auto ec = last_errno();
    ::close(copy);
    return fail(ec, std::string("read ") + dir_specs[d].name + "/");
  }
  std::optional<spool_error> result;
  for (;;) {
    errno = 0;
    dirent* e = ::readdir(dir);
    if (!e) {
      if (errno != 0) result = fail(last_errno(), std::string("read ") + dir_specs[d].name + "/");
      break;
    }
    std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    if (!fn(name)) break;
  }
  ::closedir(dir);
  return result;
}

std::optional<spool_error> spool::for_each(
    job_state s, const std::function<bool(const std::string&)>& fn) const {
  dir_index d = index_of(s);
  return scan(d, [&](const std::string& name) {
    if (is_hidden_name(name)) return true;
    if (d == d_dead && has_sidecar_suffix(name)) return true;
    return fn(name);
  });
}

std::vector<std::string> spool::list(job_state s) const {
  std::vector<std::string> out;
  (void)for_each(s, [&](const std::string& name) {
    out.push_back(name);
    return true;
  });
  return out;
}

std::optional<job_state> spool::locate(const std::string& name) const {
  if (!is_valid_job_name(name)) return std::nullopt;
  for (job_state s : {job_state::active, job_state::deferred, job_state::incoming, job_state::dead,
                      job_state::done})
    if (dirs_[index_of(s)] && exists_at(fd(index_of(s)), name)) return s;
  return std::nullopt;
}

std::optional<delivery_state> spool::state_of(const std::string& name) const {
  std::string text;
  if (!is_valid_job_name(name) || !dirs_[d_state] ||
      read_regular_file(fd(d_state), name + ".json", 65536, text))
    return std::nullopt;
  return state_from_json(text);
}

std::optional<std::string> spool::error_json_of(const std::string& name) const {
  std::string text;
  if (!is_valid_job_name(name) || !dirs_[d_dead] ||
      read_regular_file(fd(d_dead), name + std::string(error_json_suffix), 4 * 1024 * 1024, text))
    return std::nullopt;
  return text;
}

std::variant<std::string, spool_error> spool::read_job(job_state s, const std::string& name) const {
  dir_index d = index_of(s);
  if (!is_valid_job_name(name))
    return spool_error{std::make_error_code(std::errc::invalid_argument),
                       "\"" + escape_name(name) + "\" is not a valid job name"};
  std::string bytes;
  std::error_code ec = dirs_[d] ? read_regular_file(fd(d), name, max_job_bytes, bytes)
                                : std::make_error_code(std::errc::no_such_file_or_directory);
  if (ec) return fail(ec, "read " + where(d, name));
  return bytes;
}

std::optional<spool_error> spool::store_state(const std::string& name, const delivery_state& s) {
  auto ec =
      write_file_durably(fd(d_state), "." + name + ".json.tmp", name + ".json", state_to_json(s));
  if (ec) return fail(ec, "write " + where(d_state, name + ".json"));
  mark(d_state);
  return std::nullopt;
}

spool_status spool::record(const std::string& name, const delivery_state& state) {
  if (auto err = store_state(name, state)) return {std::move(err)};
  return {};
}

void spool::drop_state(const std::string& name) {
  if (::unlinkat(fd(d_state), (name + ".json").c_str(), 0) == 0) mark(d_state);
}

bool spool::name_in_use(const std::string& name) const {
  for (dir_index d : {d_active, d_deferred, d_done, d_dead})
    if (exists_at(fd(d), name)) return true;
  return exists_at(fd(d_state), name + ".json") ||
         exists_at(fd(d_dead), name + std::string(error_json_suffix));
}

std::string spool::unused_name(std::string_view base) const {
  for (int n = 0;; ++n) {
    std::string candidate = with_suffix(base, n);
    if (n == 0 && has_sidecar_suffix(candidate)) continue;
    if (!name_in_use(candidate)) return candidate;
  }
}

spool_status spool::sync() {
  if (auto e = flush_arrivals()) return {*e};
  if (data_dirty_) {
    if (::syncfs(root_fd_.get()) != 0) return {fail(last_errno(), "syncfs " + root_.string())};
    data_dirty_ = false;
  }
  for (int d = 0; d < d_count; ++d) {
    if (!dirty_[d]) continue;
    if (::fsync(dirs_[d].get()) != 0)
      return {fail(last_errno(), std::string("fsync ") + dir_specs[d].name + "/")};
    dirty_[d] = false;
  }
  if (root_dirty_) {
    if (::fsync(root_fd_.get()) != 0) return {fail(last_errno(), "fsync " + root_.string())};
    root_dirty_ = false;
  }
  return {};
}

}  // namespace reconcilerd::jobs
