// A fresh directory under $TMPDIR, removed (recursively) when the object dies.
#pragma once

#include <filesystem>
#include <string>

namespace reconcilerd::test {

class temp_dir {
 public:
  temp_dir();
  ~temp_dir();
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& p) const { return path_ / p; }

 private:
  std::filesystem::path path_;
};

// Writes `content` to `p` (creating parent directories).
void write_file(const std::filesystem::path& p, const std::string& content);
// The whole file; throws if it cannot be read.
std::string read_file(const std::filesystem::path& p);

}  // namespace reconcilerd::test
