#include "accounts/account.hpp"

#include <algorithm>

namespace rooms::accounts {

using nlohmann::json;

const char* to_string(role r) {
  return r == role::admin ? "admin" : "interviewer";
}

std::string check_login(std::string_view login) {
  if (login.empty()) return "the login name is empty";
  if (login.size() > max_login_chars) return "the login name is longer than 64 characters";
  bool ok = std::all_of(login.begin(), login.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-' ||
           c == '@';
  });
  if (!ok) return "a login name may have only a-z, 0-9, '.', '_', '-' and '@'";
  return {};
}

std::string check_display_name(std::string_view name) {
  if (name.size() > max_display_name_bytes) return "the display name is longer than 200 bytes";
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7f) return "the display name has control characters";
  return {};
}

std::string check_password(std::string_view password) {
  if (password.size() > max_password_bytes) return "the password is longer than 1024 bytes";
  // Code points, not bytes: "10 characters" must not be met by five two-byte letters.
  std::size_t chars = std::count_if(password.begin(), password.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  });
  if (chars < min_password_chars) return "the password has fewer than 10 characters";
  return {};
}

json to_stored_json(const account& a) {
  return {{"id", a.id},
          {"login", a.login},
          {"displayName", a.display_name},
          {"role", to_string(a.role)},
          {"passwordHash", a.password_hash},
          {"createdAt", a.created_at},
          {"issuer", a.issuer},
          {"subject", a.subject}};
}

bool from_stored_json(const json& j, account& out) {
  if (!j.is_object()) return false;
  auto str = [&](const char* key, std::string& field) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return false;
    field = it->get<std::string>();
    return true;
  };
  std::string role_text;
  if (!str("id", out.id) || !str("login", out.login) || !str("displayName", out.display_name) ||
      !str("role", role_text) || !str("passwordHash", out.password_hash) ||
      !str("issuer", out.issuer) || !str("subject", out.subject))
    return false;
  if (role_text != "admin" && role_text != "interviewer") return false;
  out.role = role_text == "admin" ? role::admin : role::interviewer;
  auto created = j.find("createdAt");
  if (created == j.end() || !created->is_number_integer()) return false;
  out.created_at = created->get<std::int64_t>();
  return true;
}

json to_public_json(const account& a) {
  json out = {{"id", a.id},
              {"login", a.login},
              {"displayName", a.display_name},
              {"role", to_string(a.role)},
              {"createdAt", a.created_at}};
  if (!a.issuer.empty()) {
    out["issuer"] = a.issuer;
    out["subject"] = a.subject;
  }
  return out;
}

}  // namespace rooms::accounts
