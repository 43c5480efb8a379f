// oidc_provider::verify (gateway/oidc_client.cpp) on ID tokens signed here with a fresh RSA key
// (OpenSSL): a good token passes; a tampered payload, another key, alg none/HS256, a wrong issuer,
// audience or nonce, and an expired token are each refused with their reason. The code flow
// against a real provider is tests/e2e/browser/oidc-signin.test.mjs.

#include <gtest/gtest.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>

#include <memory>

#include "base/secrets.hpp"
#include "gateway/oidc_client.hpp"

namespace {

using nlohmann::json;
using rooms::base::base64url;
using rooms::gateway::oidc_provider;

struct key_pair {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key{EVP_RSA_gen(2048), EVP_PKEY_free};

  std::string param(const char* name) const {
    BIGNUM* bn = nullptr;
    EXPECT_EQ(EVP_PKEY_get_bn_param(key.get(), name, &bn), 1);
    std::string out(static_cast<std::size_t>(BN_num_bytes(bn)), '\0');
    BN_bn2bin(bn, reinterpret_cast<unsigned char*>(out.data()));
    BN_free(bn);
    return out;
  }
  json jwk(const std::string& kid) const {
    return {{"kty", "RSA"},
            {"kid", kid},
            {"use", "sig"},
            {"n", base64url(param(OSSL_PKEY_PARAM_RSA_N))},
            {"e", base64url(param(OSSL_PKEY_PARAM_RSA_E))}};
  }
  std::string sign(const std::string& data) const {
    std::unique_ptr<EVP_MD_CTX, decltype(&EVP_MD_CTX_free)> md(EVP_MD_CTX_new(), EVP_MD_CTX_free);
    std::size_t len = 0;
    EXPECT_EQ(EVP_DigestSignInit(md.get(), nullptr, EVP_sha256(), nullptr, key.get()), 1);
    EXPECT_EQ(EVP_DigestSign(md.get(), nullptr, &len,
                             reinterpret_cast<const unsigned char*>(data.data()), data.size()),
              1);
    std::string sig(len, '\0');
    EXPECT_EQ(EVP_DigestSign(md.get(), reinterpret_cast<unsigned char*>(sig.data()), &len,
                             reinterpret_cast<const unsigned char*>(data.data()), data.size()),
              1);
    sig.resize(len);
    return sig;
  }
};

constexpr std::int64_t now = 1'800'000'000;

class OidcVerifyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    idp_.config = {"https://idp.example", "roomd", "secret", "", "idp.example"};
    idp_.set_jwks({{"keys", json::array({key_.jwk("k1")})}});
  }
  json claims() const {
    return {{"iss", "https://idp.example"},
            {"sub", "s-1"},
            {"aud", "roomd"},
            {"exp", now + 600},
            {"iat", now},
            {"nonce", "n-1"}};
  }
  std::string token(const json& payload, const key_pair& k, json header = nullptr) const {
    if (header.is_null()) header = {{"alg", "RS256"}, {"typ", "JWT"}, {"kid", "k1"}};
    auto part = base64url(header.dump()) + "." + base64url(payload.dump());
    return part + "." + base64url(k.sign(part));
  }
  std::string check(const std::string& t) {
    json out;
    return idp_.verify(t, "n-1", now, out);
  }
  key_pair key_;
  oidc_provider idp_;
};

TEST_F(OidcVerifyTest, AGoodTokenPasses) {
  json out;
  EXPECT_EQ(idp_.verify(token(claims(), key_), "n-1", now, out), "");
  EXPECT_EQ(out["sub"], "s-1");
}

TEST_F(OidcVerifyTest, ATamperedPayloadFailsTheSignature) {
  auto t = token(claims(), key_);
  auto c = claims();
  c["sub"] = "someone-else";
  auto dot1 = t.find('.'), dot2 = t.rfind('.');
  auto forged = t.substr(0, dot1 + 1) + base64url(c.dump()) + t.substr(dot2);
  EXPECT_EQ(check(forged), "the ID token's signature does not verify");
  key_pair other;
  EXPECT_EQ(check(token(claims(), other)), "the ID token's signature does not verify");
}

TEST_F(OidcVerifyTest, OnlyRs256) {
  auto t = token(claims(), key_, {{"alg", "none"}});
  EXPECT_EQ(check(t.substr(0, t.rfind('.') + 1)), "the ID token is not signed with RS256");
  EXPECT_EQ(check(token(claims(), key_, {{"alg", "HS256"}})),
            "the ID token is not signed with RS256");
  EXPECT_EQ(check("not-a-jwt"), "the ID token is not a signed JWT");
}

TEST_F(OidcVerifyTest, ClaimsAreChecked) {
  auto c = claims();
  c["iss"] = "https://evil.example";
  EXPECT_EQ(check(token(c, key_)), "the ID token's issuer is not the provider");
  c = claims();
  c["aud"] = "another-client";
  EXPECT_EQ(check(token(c, key_)), "the ID token is not meant for this client (aud)");
  c["aud"] = json::array({"another-client", "roomd"});
  EXPECT_EQ(check(token(c, key_)), "the ID token is not meant for this client (azp)");
  c["azp"] = "roomd";
  EXPECT_EQ(check(token(c, key_)), "");
  c = claims();
  c["exp"] = now - 3600;
  EXPECT_EQ(check(token(c, key_)), "the ID token has expired");
  c = claims();
  c["nonce"] = "n-2";
  EXPECT_EQ(check(token(c, key_)), "the ID token's nonce is not this sign-in's");
  c = claims();
  c.erase("sub");
  EXPECT_EQ(check(token(c, key_)), "the ID token has no subject");
}

}  // namespace
