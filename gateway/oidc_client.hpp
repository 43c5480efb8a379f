#pragma once
/// The relying-party side of OpenID Connect (docs/operations.md "OpenID Connect"): discovery,
/// the code exchange at the token endpoint (libcurl) and the ID token's verification (RS256
/// against the provider's JWKS with OpenSSL; iss, aud, exp, nonce). Blocking calls: keep them
/// off I/O threads. Nothing here logs a secret, a code or a token.

#include <cstdint>
#include <mutex>
#include <string>

#include <nlohmann/json.hpp>

namespace rooms::gateway {

struct oidc_config {
  std::string issuer;          ///< --oidc-issuer; empty: OIDC off
  std::string client_id;       ///< --oidc-client-id
  std::string client_secret;   ///< ROOMD_OIDC_CLIENT_SECRET (never in a file or a log)
  std::string allowed_domain;  ///< --oidc-allowed-domain: a new account's e-mail must be there
  std::string name;            ///< --oidc-name: the provider as the sign-in page names it
};

/// What discovery found, and the provider's keys (fetched again once on an unknown kid).
class oidc_provider {
 public:
  oidc_config config;
  std::string authorization_endpoint, token_endpoint, jwks_uri;

  /// Fetches <issuer>/.well-known/openid-configuration and the JWKS; empty on success, else why.
  std::string discover();
  /// Exchanges `code` (with the PKCE verifier and the client secret) for the ID token; empty
  /// on success, else why (the provider's `error` code, never the code itself).
  std::string exchange(const std::string& code, const std::string& verifier,
                       const std::string& redirect_uri, std::string& id_token) const;
  /// Verifies an ID token: RS256 signature by a JWKS key, iss, aud (and azp), exp, nonce.
  /// Empty on success with the claims in `claims`, else why.
  std::string verify(const std::string& id_token, const std::string& nonce, std::int64_t now_s,
                     nlohmann::json& claims);
  /// Replaces the provider's keys (what discover() fetched); for tests.
  void set_jwks(nlohmann::json jwks) {
    std::lock_guard lock(mutex_);
    jwks_ = std::move(jwks);
  }

 private:
  std::string fetch_jwks();
  mutable std::mutex mutex_;
  nlohmann::json jwks_;  ///< guarded by mutex_
};

}  // namespace rooms::gateway
