// A throwaway certificate authority for tests and the simulator: a CA certificate and
// leaf certificates signed by it (or self-signed ones from an unknown CA), written as PEM.
// Uses OpenSSL's API directly; nothing is read from the environment.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

namespace reconcilerd::test {

struct cert_files {
  std::filesystem::path cert;  // leaf certificate (PEM)
  std::filesystem::path key;   // its private key (PEM, unencrypted)
};

class test_ca {
 public:
  // Creates a new CA key + certificate named `name`, writes `<dir>/<name>-ca.pem`.
  test_ca(const std::filesystem::path& dir, const std::string& name = "reconcilerd-test");
  ~test_ca();
  test_ca(const test_ca&) = delete;
  test_ca& operator=(const test_ca&) = delete;

  const std::filesystem::path& ca_file() const { return ca_file_; }
  // A server certificate for the given DNS names and IP addresses (e.g. "localhost",
  // "127.0.0.1", "::1"), written as `<dir>/<stem>.pem` and `<dir>/<stem>-key.pem`.
  cert_files issue(const std::string& stem, const std::vector<std::string>& names) const;

 private:
  std::filesystem::path dir_;
  std::filesystem::path ca_file_;
  void* key_ = nullptr;   // EVP_PKEY*
  void* cert_ = nullptr;  // X509*
};

}  // namespace reconcilerd::test
