#pragma once
/// An interviewer account: the record the account store keeps, its JSON forms and the rules a
/// login name, a display name and a password must keep.
///
/// An account is identified by `id` (random, never reused, never shown in a URL): sign-in
/// sessions and interviews name it, so a login may later be renamed. A local account signs in
/// with a password; an account from an OpenID Connect provider (not implemented yet, see
/// docs/operations.md "Accounts") is found by its (issuer, subject) pair and has no password.

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace rooms::accounts {

enum class role { interviewer, admin };

/// "interviewer" or "admin".
const char* to_string(role r);

struct account {
  std::string id;            ///< "u" + 16 hex digits, random
  std::string login;         ///< unique; 1..64 of [a-z0-9._@-]
  std::string display_name;  ///< shown in the web app; may be empty (the login is shown)
  accounts::role role = role::interviewer;
  /// libsodium's crypto_pwhash_str (argon2id, PHC string). Empty: no password sign-in.
  std::string password_hash;
  std::int64_t created_at = 0;  ///< unix ms
  /// OpenID Connect: the provider's `iss` and its `sub` for this person; both empty for a
  /// local account. Reserved: nothing sets them yet.
  std::string issuer, subject;
  bool operator==(const account&) const = default;
};

/// Limits of the rules below.
inline constexpr std::size_t max_login_chars = 64;
inline constexpr std::size_t max_display_name_bytes = 200;
inline constexpr std::size_t min_password_chars = 10;
inline constexpr std::size_t max_password_bytes = 1024;

/// Empty when `login` is 1..64 characters of [a-z0-9._@-]; else why not.
std::string check_login(std::string_view login);
/// Empty when `name` is at most 200 bytes of UTF-8 without control characters; else why not.
std::string check_display_name(std::string_view name);
/// Empty when `password` has 10..1024 bytes (counted as code points for the minimum); else why not.
std::string check_password(std::string_view password);

/// The stored form: every field, the hash included.
nlohmann::json to_stored_json(const account& a);
/// An account from its stored form; false when it does not decode.
bool from_stored_json(const nlohmann::json& j, account& out);
/// What the API and roomctl show: {"id","login","displayName","role","createdAt"} (plus
/// "issuer"/"subject" when set), never the hash.
nlohmann::json to_public_json(const account& a);

}  // namespace rooms::accounts
