#pragma once
/// Loading roomd's TLS certificate and key (--tls-cert, --tls-key). Internal to gateway/.

#include <memory>
#include <string>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange

#include <boost/asio/ssl/context.hpp>

namespace rooms::gateway::detail {

/// A loaded certificate and key, or why not.
struct tls_load_result {
  /// The server context (TLS 1.2 and later); null on error.
  std::shared_ptr<boost::asio::ssl::context> context;
  /// One line naming the file and the reason, e.g. "--tls-cert /x.pem: the certificate expired
  /// on 2026-01-01 00:00:00 UTC"; empty on success.
  std::string error;
  /// On success, for the log: "subject CN=..., serial 1A2B, valid until ...".
  std::string description;
};

/// Reads `cert_file` (a PEM chain, leaf first) and `key_file` (its PEM private key, not
/// encrypted), refusing a certificate that is expired or not yet valid, and a key that does not
/// match it. Blocks on file I/O: call at start-up or from the signal-handling thread.
tls_load_result load_tls(const std::string& cert_file, const std::string& key_file);

}  // namespace rooms::gateway::detail
