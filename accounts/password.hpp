#pragma once
/// Password hashing with libsodium's crypto_pwhash_str: argon2id, salted, its parameters in the
/// PHC string it returns, so a hash made with other limits still verifies.
///
/// Limits: OPSLIMIT_INTERACTIVE / MEMLIMIT_INTERACTIVE (2 passes, 64 MiB), libsodium's choice
/// for online sign-in. MODERATE (256 MiB, about 0.7 s) would let a few concurrent sign-ins take
/// a gigabyte of a small interview server; an online guesser is held back by the rate limit and
/// the lock-out instead, and a stolen database still costs 64 MiB per guess.
///
/// Thread safe. Each call takes tens of milliseconds: never on an actor or I/O thread.

#include <optional>
#include <string>
#include <string_view>

namespace rooms::accounts {

/// The PHC string of `password`; nullopt when libsodium fails (out of memory).
std::optional<std::string> hash_password(std::string_view password);
/// True when `password` matches `hash` (a crypto_pwhash_str string).
bool verify_password(const std::string& hash, std::string_view password);
/// A verification against a fixed hash that never matches: run it for an unknown login so the
/// answer takes as long as a wrong password does.
void dummy_verify(std::string_view password);

}  // namespace rooms::accounts
