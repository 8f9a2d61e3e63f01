#include "tests/support/test_ca.hpp"

#include <arpa/inet.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <cstdio>
#include <memory>
#include <stdexcept>

namespace reconcilerd::test {

namespace {

[[noreturn]] void fail(const char* what) {
  throw std::runtime_error(std::string("test_ca: ") + what);
}

EVP_PKEY* new_key() {
  EVP_PKEY* k = EVP_EC_gen("P-256");
  if (!k) fail("EVP_EC_gen");
  return k;
}

void add_ext(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
  if (!ext) fail("X509V3_EXT_conf_nid");
  X509_add_ext(cert, ext, -1);
  X509_EXTENSION_free(ext);
}

X509* new_cert(EVP_PKEY* key, const std::string& cn, long serial) {
  X509* c = X509_new();
  X509_set_version(c, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(c), serial);
  X509_gmtime_adj(X509_getm_notBefore(c), -3600);
  X509_gmtime_adj(X509_getm_notAfter(c), 7L * 24 * 3600);
  X509_set_pubkey(c, key);
  X509_NAME* name = X509_get_subject_name(c);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  return c;
}

void write_pem(const std::filesystem::path& p, X509* cert, EVP_PKEY* key) {
  FILE* f = std::fopen(p.c_str(), "w");
  if (!f) fail("cannot write PEM file");
  bool ok = cert ? PEM_write_X509(f, cert)
                 : PEM_write_PrivateKey(f, key, nullptr, nullptr, 0, nullptr, nullptr);
  std::fclose(f);
  if (!ok) fail("PEM write");
}

bool is_ip(const std::string& s) {
  unsigned char buf[16];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

}  // namespace

test_ca::test_ca(const std::filesystem::path& dir, const std::string& name) : dir_(dir) {
  std::filesystem::create_directories(dir);
  EVP_PKEY* key = new_key();
  X509* cert = new_cert(key, name + " CA", 1);
  X509_set_issuer_name(cert, X509_get_subject_name(cert));
  add_ext(cert, cert, NID_basic_constraints, "critical,CA:TRUE");
  add_ext(cert, cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  add_ext(cert, cert, NID_subject_key_identifier, "hash");
  if (!X509_sign(cert, key, EVP_sha256())) fail("X509_sign CA");
  key_ = key;
  cert_ = cert;
  ca_file_ = dir / (name + "-ca.pem");
  write_pem(ca_file_, cert, nullptr);
}

test_ca::~test_ca() {
  X509_free(static_cast<X509*>(cert_));
  EVP_PKEY_free(static_cast<EVP_PKEY*>(key_));
}

cert_files test_ca::issue(const std::string& stem, const std::vector<std::string>& names) const {
  static long serial = 100;
  auto* ca_cert = static_cast<X509*>(cert_);
  auto* ca_key = static_cast<EVP_PKEY*>(key_);
  EVP_PKEY* key = new_key();
  X509* cert = new_cert(key, names.empty() ? stem : names.front(), ++serial);
  X509_set_issuer_name(cert, X509_get_subject_name(ca_cert));
  std::string san;
  for (auto& n : names) {
    if (!san.empty()) san += ",";
    san += (is_ip(n) ? "IP:" : "DNS:") + n;
  }
  add_ext(cert, ca_cert, NID_basic_constraints, "critical,CA:FALSE");
  add_ext(cert, ca_cert, NID_ext_key_usage, "serverAuth");
  if (!san.empty()) add_ext(cert, ca_cert, NID_subject_alt_name, san.c_str());
  if (!X509_sign(cert, ca_key, EVP_sha256())) fail("X509_sign leaf");
  cert_files out{dir_ / (stem + ".pem"), dir_ / (stem + "-key.pem")};
  write_pem(out.cert, cert, nullptr);
  write_pem(out.key, nullptr, key);
  X509_free(cert);
  EVP_PKEY_free(key);
  return out;
}

}  // namespace reconcilerd::test
