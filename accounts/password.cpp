#include "accounts/password.hpp"

#include <sodium.h>

#include <cstdlib>
#include <mutex>

namespace rooms::accounts {

namespace {

void init_sodium() {
  static std::once_flag once;
  std::call_once(once, [] {
    // Without a working CSPRNG no salt is safe to make: stop rather than hash weakly.
    if (sodium_init() < 0) std::abort();
  });
}

}  // namespace

std::optional<std::string> hash_password(std::string_view password) {
  init_sodium();
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    return std::nullopt;
  return std::string(out);
}

bool verify_password(const std::string& hash, std::string_view password) {
  init_sodium();
  if (hash.empty() || hash.size() >= crypto_pwhash_STRBYTES) return false;
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

void dummy_verify(std::string_view password) {
  // Made once with the same limits as real hashes, so its verification costs the same.
  static const std::string hash = hash_password("not a password of anyone").value_or("");
  (void)verify_password(hash, password);
}

}  // namespace rooms::accounts
