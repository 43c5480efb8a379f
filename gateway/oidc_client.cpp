// OpenID Connect relying party: discovery, code exchange, ID token verification (oidc_client.hpp).

#include "gateway/oidc_client.hpp"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>

#include <memory>

#include "base/secrets.hpp"
#include "fetch/fetch.hpp"

namespace rooms::gateway {

namespace {

using json = nlohmann::json;

/// GET `url`, or POST `form` (application/x-www-form-urlencoded) with HTTP Basic `user:pass`.
fetch::response http_call(const std::string& url, const std::string* form = nullptr,
                          const std::string& user = {}, const std::string& pass = {}) {
  fetch::request r;
  r.url = url;
  r.max_body = 1'000'000;  // no provider answer is this big
  if (form != nullptr) {
    r.method = "POST";
    r.headers = {"Content-Type: application/x-www-form-urlencoded"};
    r.body = *form;
    r.user = user;
    r.password = pass;
  }
  return fetch::perform(r);
}

using pkey_ptr = std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)>;

/// An RSA public key from a JWK's base64url n and e; null when they do not decode.
pkey_ptr rsa_from_jwk(const json& jwk) {
  pkey_ptr none(nullptr, EVP_PKEY_free);
  if (!jwk.contains("n") || !jwk["n"].is_string() || !jwk.contains("e") || !jwk["e"].is_string())
    return none;
  std::string n, e;
  if (!base::from_base64url(jwk["n"].get<std::string>(), n) ||
      !base::from_base64url(jwk["e"].get<std::string>(), e))
    return none;
  std::unique_ptr<BIGNUM, decltype(&BN_free)> bn(
      BN_bin2bn(reinterpret_cast<const unsigned char*>(n.data()), static_cast<int>(n.size()),
                nullptr),
      BN_free);
  std::unique_ptr<BIGNUM, decltype(&BN_free)> be(
      BN_bin2bn(reinterpret_cast<const unsigned char*>(e.data()), static_cast<int>(e.size()),
                nullptr),
      BN_free);
  std::unique_ptr<OSSL_PARAM_BLD, decltype(&OSSL_PARAM_BLD_free)> bld(OSSL_PARAM_BLD_new(),
                                                                      OSSL_PARAM_BLD_free);
  if (!bn || !be || !bld || !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_N, bn.get()) ||
      !OSSL_PARAM_BLD_push_BN(bld.get(), OSSL_PKEY_PARAM_RSA_E, be.get()))
    return none;
  std::unique_ptr<OSSL_PARAM, decltype(&OSSL_PARAM_free)> params(OSSL_PARAM_BLD_to_param(bld.get()),
                                                                 OSSL_PARAM_free);
  std::unique_ptr<EVP_PKEY_CTX, decltype(&EVP_PKEY_CTX_free)> ctx(
      EVP_PKEY_CTX_new_from_name(nullptr, "RSA", nullptr), EVP_PKEY_CTX_free);
  EVP_PKEY* key = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) <= 0 ||
      EVP_PKEY_fromdata(ctx.get(), &key, EVP_PKEY_PUBLIC_KEY, params.get()) <= 0)
    return none;
  return pkey_ptr(key, EVP_PKEY_free);
}

/// True when `sig` is the RS256 signature of `signed_part` under `key`.
bool rs256_ok(EVP_PKEY* key, const std::string& signed_part, const std::string& sig) {
  std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
  return md && EVP_DigestVerifyInit(md.get(), nullptr, EVP_sha256(), nullptr, key) == 1 &&
         EVP_DigestVerify(md.get(), reinterpret_cast<const unsigned char*>(sig.data()), sig.size(),
                          reinterpret_cast<const unsigned char*>(signed_part.data()),
                          signed_part.size()) == 1;
}

/// The JWKS key for `kid` (any RSA key when the token names none); null when none fits.
const json* find_key(const json& jwks, const std::string& kid) {
  if (!jwks.is_object() || !jwks.contains("keys") || !jwks["keys"].is_array()) return nullptr;
  for (const auto& k : jwks["keys"]) {
    if (!k.is_object() || k.value("kty", "") != "RSA") continue;
    if (k.contains("use") && k["use"] != "sig") continue;
    if (kid.empty() || k.value("kid", "") == kid) return &k;
  }
  return nullptr;
}

}  // namespace

std::string oidc_provider::fetch_jwks() {
  auto got = http_call(jwks_uri);
  if (!got.error.empty()) return "cannot fetch the JWKS " + jwks_uri + ": " + got.error;
  if (got.status != 200) return "the JWKS " + jwks_uri + " answered " + std::to_string(got.status);
  auto j = json::parse(got.body, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("keys"))
    return "the JWKS " + jwks_uri + " is not a JSON key set";
  std::lock_guard lock(mutex_);
  jwks_ = std::move(j);
  return {};
}

std::string oidc_provider::discover() {
  std::string issuer = config.issuer;
  while (!issuer.empty() && issuer.back() == '/') issuer.pop_back();
  auto url = issuer + "/.well-known/openid-configuration";
  auto got = http_call(url);
  if (!got.error.empty()) return "cannot reach " + url + ": " + got.error;
  if (got.status != 200) return url + " answered HTTP " + std::to_string(got.status);
  auto j = json::parse(got.body, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return url + " is not a JSON object";
  for (const char* field : {"issuer", "authorization_endpoint", "token_endpoint", "jwks_uri"})
    if (!j.contains(field) || !j[field].is_string())
      return url + " has no \"" + std::string(field) + "\"";
  // OIDC Discovery 4.3: the document's issuer must be the one configured.
  if (j["issuer"] != config.issuer && j["issuer"] != issuer)
    return url + " names the issuer " + j["issuer"].get<std::string>() + ", not " + config.issuer;
  config.issuer = j["issuer"];
  authorization_endpoint = j["authorization_endpoint"];
  token_endpoint = j["token_endpoint"];
  jwks_uri = j["jwks_uri"];
  return fetch_jwks();
}

std::string oidc_provider::exchange(const std::string& code, const std::string& verifier,
                                    const std::string& redirect_uri, std::string& id_token) const {
  std::string form = "grant_type=authorization_code&code=" + fetch::escape(code) +
                     "&redirect_uri=" + fetch::escape(redirect_uri) +
                     "&code_verifier=" + fetch::escape(verifier);
  // client_secret_basic: RFC 6749 2.3.1 form-encodes id and secret before Basic.
  auto got = http_call(token_endpoint, &form, fetch::escape(config.client_id),
                       fetch::escape(config.client_secret));
  if (!got.error.empty()) return "cannot reach the token endpoint: " + got.error;
  auto j = json::parse(got.body, nullptr, false);
  if (got.status != 200) {
    std::string why = "the token endpoint refused the code (HTTP " + std::to_string(got.status);
    if (j.is_object() && j.contains("error") && j["error"].is_string())
      why += ", " + j["error"].get<std::string>();
    return why + ")";
  }
  if (j.is_discarded() || !j.is_object() || !j.contains("id_token") || !j["id_token"].is_string())
    return "the token endpoint's answer has no id_token";
  id_token = j["id_token"];
  return {};
}

std::string oidc_provider::verify(const std::string& id_token, const std::string& nonce,
                                  std::int64_t now_s, json& claims) {
  auto dot1 = id_token.find('.');
  auto dot2 = dot1 == std::string::npos ? dot1 : id_token.find('.', dot1 + 1);
  if (dot2 == std::string::npos) return "the ID token is not a signed JWT";
  std::string header_raw, payload_raw, sig;
  if (!base::from_base64url(id_token.substr(0, dot1), header_raw) ||
      !base::from_base64url(id_token.substr(dot1 + 1, dot2 - dot1 - 1), payload_raw) ||
      !base::from_base64url(id_token.substr(dot2 + 1), sig))
    return "the ID token is not base64url";
  auto header = json::parse(header_raw, nullptr, false);
  if (!header.is_object() || header.value("alg", "") != "RS256")
    return "the ID token is not signed with RS256";
  std::string kid = header.contains("kid") && header["kid"].is_string() ? header["kid"] : "";
  pkey_ptr key(nullptr, EVP_PKEY_free);
  for (int attempt = 0; attempt < 2 && !key; ++attempt) {
    if (attempt == 1) {  // the provider may have rotated its keys: fetch them once more
      auto why = fetch_jwks();
      if (!why.empty()) return why;
    }
    std::lock_guard lock(mutex_);
    if (const json* jwk = find_key(jwks_, kid)) key = rsa_from_jwk(*jwk);
  }
  if (!key) return "no key of the provider's JWKS fits the ID token";
  if (!rs256_ok(key.get(), id_token.substr(0, dot2), sig))
    return "the ID token's signature does not verify";
  claims = json::parse(payload_raw, nullptr, false);
  if (!claims.is_object()) return "the ID token's payload is not a JSON object";
  if (claims.value("iss", "") != config.issuer) return "the ID token's issuer is not the provider";
  const auto& aud = claims.contains("aud") ? claims["aud"] : json();
  bool for_us = aud == config.client_id;
  if (aud.is_array())
    for (const auto& a : aud) for_us = for_us || a == config.client_id;
  if (!for_us) return "the ID token is not meant for this client (aud)";
  if (aud.is_array() && aud.size() > 1 && claims.value("azp", "") != config.client_id)
    return "the ID token is not meant for this client (azp)";
  if (!claims.contains("exp") || !claims["exp"].is_number() ||
      claims["exp"].get<double>() < static_cast<double>(now_s - 60))
    return "the ID token has expired";
  if (claims.value("nonce", "") != nonce || nonce.empty())
    return "the ID token's nonce is not this sign-in's";
  if (!claims.contains("sub") || !claims["sub"].is_string() || claims["sub"] == "")
    return "the ID token has no subject";
  return {};
}

}  // namespace rooms::gateway
