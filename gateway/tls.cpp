#include "gateway/detail/tls.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include <cerrno>
#include <cstring>
#include <ctime>
#include <fstream>

namespace rooms::gateway::detail {

namespace ssl = boost::asio::ssl;

namespace {

/// The oldest OpenSSL error queued (its reason text), and clears the queue.
std::string openssl_reason(const char* fallback) {
  unsigned long code = ERR_get_error();
  ERR_clear_error();
  if (code == 0) return fallback;
  const char* reason = ERR_reason_error_string(code);
  return reason ? reason : fallback;
}

std::string time_text(const ASN1_TIME* t) {
  std::tm tm{};
  if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return "?";
  char text[64];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return text;
}

std::string describe(X509* cert) {
  std::string out = "subject ";
  if (char* subject = X509_NAME_oneline(X509_get_subject_name(cert), nullptr, 0)) {
    out += subject;
    OPENSSL_free(subject);
  }
  out += ", serial ";
  if (BIGNUM* serial = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), nullptr)) {
    if (char* hex = BN_bn2hex(serial)) {
      out += hex;
      OPENSSL_free(hex);
    }
    BN_free(serial);
  }
  out += ", valid until " + time_text(X509_get0_notAfter(cert));
  return out;
}

/// Refuses to prompt for a passphrase.
int no_password(char*, int, int, void*) {
  return 0;
}

/// Empty when `path` can be opened for reading, else the system's reason.
std::string unreadable(const std::string& path) {
  std::ifstream in(path);
  if (in) return {};
  return std::strerror(errno);
}

}  // namespace

tls_load_result load_tls(const std::string& cert_file, const std::string& key_file) {
  tls_load_result out;
  const std::string cert_name = "--tls-cert " + cert_file + ": ";
  const std::string key_name = "--tls-key " + key_file + ": ";
  if (auto why = unreadable(cert_file); !why.empty()) {
    out.error = cert_name + "cannot read it (" + why + ")";
    return out;
  }
  if (auto why = unreadable(key_file); !why.empty()) {
    out.error = key_name + "cannot read it (" + why + ")";
    return out;
  }
  ERR_clear_error();
  // The leaf certificate, for its dates and the log line (the context reads the whole chain).
  std::unique_ptr<X509, decltype(&X509_free)> leaf(nullptr, X509_free);
  if (BIO* bio = BIO_new_file(cert_file.c_str(), "r")) {
    leaf.reset(PEM_read_bio_X509(bio, nullptr, nullptr, nullptr));
    BIO_free(bio);
  }
  if (!leaf) {
    out.error = cert_name + "not a PEM certificate (" + openssl_reason("no certificate") + ")";
    return out;
  }
  if (X509_cmp_current_time(X509_get0_notAfter(leaf.get())) <= 0) {
    out.error =
        cert_name + "the certificate expired on " + time_text(X509_get0_notAfter(leaf.get()));
    return out;
  }
  if (X509_cmp_current_time(X509_get0_notBefore(leaf.get())) >= 0) {
    out.error = cert_name + "the certificate is not valid before " +
                time_text(X509_get0_notBefore(leaf.get()));
    return out;
  }
  auto context = std::make_shared<ssl::context>(ssl::context::tls_server);
  context->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                       ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1 |
                       ssl::context::single_dh_use);
  boost::system::error_code ec;
  context->use_certificate_chain_file(cert_file, ec);
  if (ec) {
    ERR_clear_error();
    out.error = cert_name + "not a usable certificate chain (" + ec.message() + ")";
    return out;
  }
  // Read the key ourselves: a key of another certificate is then named as such (the context
  // would only say "key values mismatch"), and an encrypted key fails instead of prompting.
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(nullptr, EVP_PKEY_free);
  if (BIO* bio = BIO_new_file(key_file.c_str(), "r")) {
    key.reset(PEM_read_bio_PrivateKey(bio, nullptr, no_password, nullptr));
    BIO_free(bio);
  }
  if (!key) {
    out.error = key_name + "not a usable PEM private key, or an encrypted one (" +
                openssl_reason("no key") + ")";
    return out;
  }
  if (X509_check_private_key(leaf.get(), key.get()) != 1) {
    ERR_clear_error();
    out.error = key_name + "does not match the certificate in " + cert_file;
    return out;
  }
  if (SSL_CTX_use_PrivateKey(context->native_handle(), key.get()) != 1) {
    out.error = key_name + "not a usable private key (" + openssl_reason("refused") + ")";
    return out;
  }
  out.description = describe(leaf.get());
  out.context = std::move(context);
  return out;
}

}  // namespace rooms::gateway::detail
