// The spool: the ONLY code that touches paths under spool_dir (tmp incoming active deferred
// done dead, the private state/ and state/expiry/ dirs, control/, status.json), for the
// daemon and for reconcilerctl alike (submit, resume requests, status.json, read-only
// listing). The daemon never owns, chmod()s, chown()s or touches the times of a job file:
// producers own them. Every state change is one rename between directories held open as
// fds; delivery state lives in state/<name>.json, never in the job. Start-up problems throw
// std::runtime_error; per-job operations return values (a failed operation leaves the job
// where it was). Durability: see sync() and docs/spool.md. Single-threaded; one daemon per
// spool (reconcilerctl may use its own spool object).
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <unordered_map>
#include <variant>
#include <vector>

#include "jobs/spool_dead_letter.hpp"
#include "jobs/spool_fs.hpp"
#include "jobs/spool_names.hpp"
#include "jobs/spool_state.hpp"

namespace reconcilerd::jobs {

// A failed spool operation: errno-style code plus "what failed" for a log line,
// e.g. `rename active/a.json -> done/a.json: No space left on device`.
struct spool_error {
  std::error_code code;
  std::string message;
};

// Success, or the error; the job is still where it was before the call.
struct [[nodiscard]] spool_status {
  std::optional<spool_error> error;
  bool ok() const { return !error.has_value(); }
};

// claim()/claim_deferred() outcomes.
struct claimed {
  std::string name;           // name in active/ (differs from original_name when renamed)
  std::string original_name;  // name found in incoming/ (or deferred/)
  std::string bytes;          // the whole job file (<= 1 MiB), exactly as dropped
  delivery_state state;       // persisted state, or fresh (first_seen = now)
};
struct quarantined {
  std::string name;           // safe name in dead/, beside <name>.error.json (category invalid)
  std::string original_name;  // raw name as found (may be unprintable)
  std::string message;
};
struct gone {};  // vanished before we could take it (removed, or taken by someone else)
// An entry the daemon cannot move (e.g. a producer's own directory): that entry's problem,
// not the spool's. It stays where it is; `message` says why, for one log line.
struct left_in_place {
  std::string name;  // raw name as found
  std::string message;
};

using claim_result = std::variant<claimed, quarantined, gone, left_in_place, spool_error>;

// Errors that concern the whole spool (claiming pauses until they pass); any other error
// from one entry is that entry's problem: ENOSPC, EDQUOT, EIO, EROFS.
bool is_spool_wide(std::error_code ec);

// retry_dead(): the name it now has in incoming/ (suffixed if that name was taken).
using retry_result = std::variant<std::string, spool_error>;

struct recover_report {
  std::size_t requeued = 0;              // active/ -> deferred/ (attempts + 1, due now)
  std::size_t non_jobs_quarantined = 0;  // active/ entries that are not job files -> dead/
  std::size_t buries_finished = 0;       // dead/ job whose error.json was still a temp file
  std::size_t error_json_restored = 0;   // dead/ job without any error.json (rewritten)
  std::size_t temps_removed = 0;         // our own stray temp files
  std::size_t states_removed = 0;        // state/ files of jobs no longer active/deferred, and
                                         // expiry markers of jobs no longer in done/
};

// A request reconcilerctl leaves in control/ for the running daemon.
struct control_request {
  enum class kind {
    resume,  // lift the backend's suspension now (in cluster mode: the cluster's)
    retry,   // cluster mode: the dead letter `job` of node `node` back to its incoming/
  };
  kind what = kind::resume;
  std::string backend;    // resume
  std::string node, job;  // retry
};

// A spool file reconcilerctl writes or reads by the spool's path (request_resume,
// read_status): the file, for messages, and what failed.
struct spool_file {
  std::filesystem::path path;
  std::optional<spool_error> error;  // none: done
  std::string text;                  // read_status(): the contents
};

class spool {
 public:
  // Opens (creating if missing) root and its subdirectories: tmp/ and incoming/ 3730
  // (sticky, setgid, group may create but not list), the rest 0700; existing directories
  // keep their modes (systemd/tmpfiles.d lays out the deployed spool).
  // Throws std::runtime_error naming the path and the reason if the spool is unusable.
  explicit spool(std::filesystem::path root);
  ~spool();
  spool(const spool&) = delete;
  spool& operator=(const spool&) = delete;

  // reconcilerctl list/show (as root or the daemon's user): opens an existing spool
  // without creating or changing anything; only the const (reading) calls exist on it. A
  // missing subdirectory reads as empty. Throws std::runtime_error if root cannot be opened.
  static std::unique_ptr<const spool> open_read_only(const std::filesystem::path& root);

  const std::filesystem::path& root() const { return root_; }

  // Problems for `reconcilerd --check`, one line each (empty: fine): directories
  // missing / not directories / not writable / on different file systems.
  std::vector<std::string> check() const;

  // Start-up, before anything is claimed. See recover_report.
  recover_report recover(clock_time now);

  // Names in a state directory, in readdir order. Skips '.'-prefixed names and, in dead/,
  // the <name>.error.json sidecars. One readdir pass, no stat (cheap for 1M entries).
  // Bad names in incoming/ ARE listed (claim() quarantines them).
  std::vector<std::string> list(job_state s) const;
  // Same, streaming: stops when `fn` returns false. Returns an error if the dir can't be read.
  std::optional<spool_error> for_each(job_state s,
                                      const std::function<bool(const std::string&)>& fn) const;

  // incoming/ -> active/. The file is renamed first (so it is ours), then checked with
  // O_NOFOLLOW|O_NONBLOCK + fstat: anything but a regular file <= 1 MiB with a valid name
  // is quarantined to dead/ (category invalid), and so is a file the daemon may not read
  // (with a message saying so). An entry that cannot even be moved (a producer's
  // directory) is left_in_place. Only spool-wide errors (is_spool_wide) are spool_error.
  // The bytes are read and fsynced.
  claim_result claim(const std::string& name, clock_time now);
  // deferred/ -> active/, same checks, with the persisted state.
  claim_result claim_deferred(const std::string& name, clock_time now);

  // active/ -> deferred/, state persisted first (state/<name>.json, fsynced).
  spool_status defer(const std::string& name, const delivery_state& state);
  // active/ -> done/. Its expiry (now + retention) is kept on a daemon-owned marker,
  // state/expiry/<name> (its mtime), never on the job file; retention <= 0 removes the job
  // at once. A retention equal to `fallback` (the one prune_done() gives a file without a
  // marker: its change time, set by this rename, + fallback) needs no marker: none is
  // written, and a stale one of an earlier file of that name is removed.
  spool_status complete(const std::string& name, clock_time now,
                        std::chrono::milliseconds retention,
                        std::chrono::milliseconds fallback = std::chrono::milliseconds::zero());
  // active/ -> dead/ with <name>.error.json (written to a temp name, fsynced, renamed).
  spool_status bury(const std::string& name, const dead_letter& why, const delivery_state& state,
                    clock_time now);
  // dead/ -> incoming/ (reconcilerctl retry): removes error.json and the state.
  retry_result retry_dead(const std::string& name);

  // Removes done/ files whose expiry is <= now: the marker's mtime, or for a file without
  // a marker (completed by an older version, or the marker was lost in a crash) its change
  // time (set by the rename into done/) + `fallback`. Returns how many.
  std::size_t prune_done(clock_time now, std::chrono::milliseconds fallback);

  // Where a job is (active/ is checked first, then deferred, incoming, dead, done).
  std::optional<job_state> locate(const std::string& name) const;
  // Records a claimed job's arrival rank in the arrival journal (state/arrivals): written
  // and made durable by the next sync(), before the job may be sent. recover() gives the
  // jobs it finds in active/ their rank back from it.
  void note_arrival(const std::string& name, std::uint64_t rank);
  // The change time of <s>/<name> in ns since the epoch, without following a symlink.
  std::optional<std::int64_t> change_time(job_state s, const std::string& name) const;

  // Persists the state of a job in active/ (fsynced; durable after sync()), e.g. the
  // sending_unsafe marker before a request that must not be repeated blindly.
  spool_status record(const std::string& name, const delivery_state& state);
  // Persisted state (std::nullopt: none stored, e.g. never deferred).
  std::optional<delivery_state> state_of(const std::string& name) const;
  // dead/<name>.error.json text, if present.
  std::optional<std::string> error_json_of(const std::string& name) const;
  // The bytes of the job `name` in state `s` (reconcilerctl show/list), read without
  // following a symlink: ELOOP for a symlink, EINVAL if not a regular file, EFBIG over 1 MiB.
  std::variant<std::string, spool_error> read_job(job_state s, const std::string& name) const;

  // Producer-side safe drop (reconcilerctl submit), without a spool object: a producer may
  // only create files in tmp/ and incoming/. Writes tmp/.<name>.<pid>.tmp (0640), fsyncs
  // it, renames it into incoming/<name> without replacing (EEXIST: a job of that name is
  // waiting) and makes the rename durable (fsync of incoming/, or syncfs when the producer
  // may not open incoming/ for reading). Returns the name used.
  static retry_result submit(const std::filesystem::path& root, const std::string& name,
                             std::string_view bytes);
  // status.json: written to a temp name (0640), fsynced, renamed (durable after sync()).
  spool_status write_status(std::string_view json);
  // reconcilerctl status: the text of status.json (error ENOENT: the daemon never wrote it).
  static spool_file read_status(const std::filesystem::path& root);

  // reconcilerctl resume BACKEND (as root or the daemon's user), without a spool object:
  // creates control/resume-<backend> (0640) atomically and durably (fsync of control/).
  // Error EEXIST: the same request is still waiting for the daemon.
  static spool_file request_resume(const std::filesystem::path& root, const std::string& backend);
  // reconcilerctl retry of a dead letter of another cluster node: control/retry@<node>@<job>
  // (node: [A-Za-z0-9._-]{1,64}; job: a valid job name). The daemon hands it to that node
  // through the database. Error EEXIST: the same request is still waiting.
  static spool_file request_retry(const std::filesystem::path& root, const std::string& node,
                                  const std::string& job);
  // The daemon: removes the requests waiting in control/ and returns them (readdir order).
  // A request that cannot be removed stays and is returned by a later call.
  std::vector<control_request> take_control_requests();

  // GROUP COMMIT: fsyncs every directory changed since the last sync() once. Until it
  // returns ok, renames done since the previous sync may be undone by a power loss
  // (a job may reappear in its previous directory, never disappear). Files the spool
  // writes (state, error.json, status.json) are fsynced before their rename, so whichever
  // directory entry survives has complete contents. Claimed job files are flushed here, with
  // one syncfs(2) for all claims since the last sync (group commit): call sync() before
  // acting on a claimed job.
  spool_status sync();

 private:
  // Creates control/<name> (empty, 0640) atomically and durably; EEXIST if it is there.
  static spool_file request_control(const std::filesystem::path& root, const std::string& name);
  enum dir_index : int {
    d_tmp,
    d_incoming,
    d_active,
    d_deferred,
    d_done,
    d_dead,
    d_state,
    d_expiry,
    d_control,
    d_count
  };
  struct read_only_tag {};
  spool(std::filesystem::path root, read_only_tag);

  static dir_index index_of(job_state s);
  int fd(dir_index d) const { return dirs_[d].get(); }

  claim_result take(dir_index from, const std::string& name, clock_time now);
  claim_result quarantine(dir_index from, const std::string& name, delivery_state state,
                          const std::string& message, clock_time now);
  std::string unused_name(std::string_view base) const;
  bool name_in_use(const std::string& name) const;
  std::optional<spool_error> store_state(const std::string& name, const delivery_state& s);
  void drop_state(const std::string& name);
  // Every entry but "." and "..", hidden ones included; stops when fn returns false.
  std::optional<spool_error> scan(dir_index d,
                                  const std::function<bool(const std::string&)>& fn) const;
  spool_error fail(std::error_code ec, std::string what) const;
  std::string where(dir_index d, std::string_view name) const;
  void mark(dir_index d) { dirty_[d] = true; }
  std::unordered_map<std::string, std::uint64_t> read_arrivals() const;
  std::optional<spool_error> flush_arrivals();

  std::filesystem::path root_;
  unique_fd root_fd_;
  unique_fd dirs_[d_count];
  bool dirty_[d_count] = {};
  bool root_dirty_ = false;
  bool data_dirty_ = false;           // claimed job files not yet flushed (syncfs at sync())
  std::string arrivals_buf_;          // journal lines not yet written
  unique_fd arrivals_fd_;             // state/arrivals, opened for appending
  std::size_t arrivals_written_ = 0;  // bytes appended since it was last rewritten
};

}  // namespace reconcilerd::jobs
