#pragma once
/// Secrets: digests, comparison and random bytes, from OpenSSL's libcrypto and the kernel CSPRNG.
///
/// Interviewer keys, resume tokens and the admin token are stored and compared only as their
/// SHA-256; ids that double as capabilities come from getrandom. Thread safe.

#include <cstddef>
#include <string>
#include <string_view>

namespace rooms::base {

/// The 32-byte SHA-256 digest of `data` (OpenSSL EVP).
std::string sha256(std::string_view data);
/// sha256 as 64 lower-case hex digits.
std::string sha256_hex(std::string_view data);

/// The 20-byte HMAC-SHA1 of `data` under `key` (OpenSSL): what the TURN REST credential
/// scheme (coturn's use-auth-secret) signs a username with. Not for new designs.
std::string hmac_sha1(std::string_view key, std::string_view data);

/// Standard base64 (RFC 4648, with padding) of `data`.
std::string base64(std::string_view data);
/// Base64url without padding (RFC 4648 section 5, as JOSE and PKCE use it) of `data`.
std::string base64url(std::string_view data);
/// The bytes of base64url `text` (padding optional; the standard alphabet's '+' and '/' are
/// accepted too) into `out`; false for any other character.
bool from_base64url(std::string_view text, std::string& out);

/// True when `a` and `b` are equal, in time independent of where they differ (CRYPTO_memcmp).
/// Different lengths answer false at once: compare digests to hide a secret's length.
bool constant_time_equal(std::string_view a, std::string_view b);

/// True when two secrets are equal, comparing their SHA-256 digests in constant time: the time
/// taken tells nothing about where they differ, nor about either one's length.
bool same_secret(std::string_view a, std::string_view b);

/// Fills `out` with `size` bytes from the kernel CSPRNG (getrandom; retries on EINTR, aborts
/// if the kernel refuses: there is no safe fallback for a secret).
void random_bytes(void* out, std::size_t size);
/// `bytes` random bytes as lower-case hex (2 * bytes characters).
std::string random_hex(std::size_t bytes);

}  // namespace rooms::base
