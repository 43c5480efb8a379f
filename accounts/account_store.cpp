#include "accounts/account_store.hpp"

#include <rocksdb/db.h>
#include <rocksdb/write_batch.h>

#include <algorithm>
#include <chrono>
#include <memory>

#include "accounts/password.hpp"
#include "base/secrets.hpp"

namespace rooms::accounts {

namespace {

using nlohmann::json;

std::string record_key(const std::string& id) {
  return "a|" + id;
}
std::string login_key(const std::string& login) {
  return "l|" + login;
}
std::string subject_key(const account& a) {
  return "o|" + a.issuer + "\n" + a.subject;
}

status storage_error(const rocksdb::Status& s) {
  return {errc::io_error, "account store: " + s.ToString()};
}

std::int64_t system_now() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

result<account> decode(const std::string& value) {
  account a;
  json j = json::parse(value, nullptr, false);
  if (!from_stored_json(j, a)) return status{errc::corruption, "account store: undecodable record"};
  return a;
}

}  // namespace

account_store::account_store(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf,
                             std::function<std::int64_t()> clock)
    : db_(db), cf_(cf), clock_(clock ? std::move(clock) : system_now) {}

result<account> account_store::create(const new_account& spec) {
  for (const auto& why : {check_login(spec.login), check_display_name(spec.display_name),
                          check_password(spec.password)})
    if (!why.empty()) return status{errc::invalid_argument, why};
  // Hash before taking the lock: tens of milliseconds other writers need not wait for.
  auto hash = hash_password(spec.password);
  if (!hash) return status{errc::io_error, "argon2id hashing failed (out of memory?)"};
  std::lock_guard lock(write_mutex_);
  auto existing = find_login(spec.login);
  if (existing.ok()) return status{errc::already_exists, "login " + spec.login + " exists"};
  if (existing.error().code() != errc::not_found) return existing.error();
  account a;
  a.id = "u" + base::random_hex(8);
  a.login = spec.login;
  a.display_name = spec.display_name;
  a.role = spec.role;
  a.password_hash = std::move(*hash);
  a.created_at = clock_();
  rocksdb::WriteBatch batch;
  (void)batch.Put(cf_, record_key(a.id), to_stored_json(a).dump());
  (void)batch.Put(cf_, login_key(a.login), a.id);
  if (!a.issuer.empty()) (void)batch.Put(cf_, subject_key(a), a.id);
  auto s = db_->Write(rocksdb::WriteOptions(), &batch);
  if (!s.ok()) return storage_error(s);
  return a;
}

namespace {

/// A valid login from a claim: lower case, [a-z0-9._@-] kept, others dropped; "user" if none.
std::string login_from_hint(const std::string& hint) {
  std::string out;
  for (char c : hint) {
    char l = (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
    if ((l >= 'a' && l <= 'z') || (l >= '0' && l <= '9') || l == '.' || l == '_' || l == '@' ||
        l == '-')
      out += l;
    if (out.size() == max_login_chars - 8) break;  // room for a "-<n>" suffix
  }
  return out.empty() ? std::string("user") : out;
}

}  // namespace

result<account> account_store::find_or_create_oidc(const std::string& issuer,
                                                   const std::string& subject,
                                                   const std::string& login_hint,
                                                   const std::string& display_name, bool* created) {
  if (created) *created = false;
  if (issuer.empty() || subject.empty())
    return status{errc::invalid_argument,
                  "an OpenID Connect account needs an issuer and a subject"};
  account probe;
  probe.issuer = issuer;
  probe.subject = subject;
  std::lock_guard lock(write_mutex_);
  std::string id;
  auto s = db_->Get(rocksdb::ReadOptions(), cf_, subject_key(probe), &id);
  if (s.ok()) {
    auto found = find_id(id);
    if (!found.ok() && found.error().code() == errc::not_found)
      return status{errc::corruption, "account store: an OIDC subject names a missing record"};
    return found;
  }
  if (!s.IsNotFound()) return storage_error(s);
  account a = probe;
  auto base_login = login_from_hint(login_hint);
  a.login = base_login;
  for (int n = 2;; ++n) {
    auto existing = find_login(a.login);
    if (!existing.ok() && existing.error().code() == errc::not_found) break;
    if (!existing.ok()) return existing.error();
    if (n > 1000) return status{errc::already_exists, "no free login near " + base_login};
    a.login = base_login + "-" + std::to_string(n);
  }
  a.id = "u" + base::random_hex(8);
  a.display_name = check_display_name(display_name).empty() ? display_name : std::string();
  a.role = role::interviewer;
  a.created_at = clock_();
  rocksdb::WriteBatch batch;
  (void)batch.Put(cf_, record_key(a.id), to_stored_json(a).dump());
  (void)batch.Put(cf_, login_key(a.login), a.id);
  (void)batch.Put(cf_, subject_key(a), a.id);
  s = db_->Write(rocksdb::WriteOptions(), &batch);
  if (!s.ok()) return storage_error(s);
  if (created) *created = true;
  return a;
}

result<account> account_store::find_id(const std::string& id) const {
  std::string value;
  auto s = db_->Get(rocksdb::ReadOptions(), cf_, record_key(id), &value);
  if (s.IsNotFound()) return status{errc::not_found, "no account with id " + id};
  if (!s.ok()) return storage_error(s);
  return decode(value);
}

result<account> account_store::find_login(const std::string& login) const {
  std::string id;
  auto s = db_->Get(rocksdb::ReadOptions(), cf_, login_key(login), &id);
  if (s.IsNotFound()) return status{errc::not_found, "no account " + login};
  if (!s.ok()) return storage_error(s);
  auto found = find_id(id);
  if (!found.ok() && found.error().code() == errc::not_found)
    return status{errc::corruption, "account store: login " + login + " names a missing record"};
  return found;
}

result<std::vector<account>> account_store::list() const {
  std::vector<account> out;
  std::unique_ptr<rocksdb::Iterator> it(db_->NewIterator(rocksdb::ReadOptions(), cf_));
  for (it->Seek("a|"); it->Valid() && it->key().starts_with("a|"); it->Next()) {
    auto a = decode(it->value().ToString());
    if (!a.ok()) return a.error();
    out.push_back(std::move(a.value()));
  }
  if (!it->status().ok()) return storage_error(it->status());
  std::sort(out.begin(), out.end(),
            [](const account& x, const account& y) { return x.login < y.login; });
  return out;
}

status account_store::remove(const std::string& login) {
  std::lock_guard lock(write_mutex_);
  auto found = find_login(login);
  if (!found.ok()) return found.error();
  rocksdb::WriteBatch batch;
  (void)batch.Delete(cf_, record_key(found->id));
  (void)batch.Delete(cf_, login_key(login));
  if (!found->issuer.empty()) (void)batch.Delete(cf_, subject_key(found.value()));
  auto s = db_->Write(rocksdb::WriteOptions(), &batch);
  return s.ok() ? status{} : storage_error(s);
}

status account_store::set_password(const std::string& login, const std::string& password) {
  if (auto why = check_password(password); !why.empty()) return {errc::invalid_argument, why};
  auto hash = hash_password(password);
  if (!hash) return {errc::io_error, "argon2id hashing failed (out of memory?)"};
  std::lock_guard lock(write_mutex_);
  auto found = find_login(login);
  if (!found.ok()) return found.error();
  found->password_hash = std::move(*hash);
  auto s = db_->Put(rocksdb::WriteOptions(), cf_, record_key(found->id),
                    to_stored_json(found.value()).dump());
  return s.ok() ? status{} : storage_error(s);
}

result<account> account_store::verify(const std::string& login, const std::string& password) const {
  const status refused{errc::wrong_password, "unknown login or wrong password"};
  // A password over the limit never matches; hashing a megabyte would be a cheap DoS.
  if (password.size() > max_password_bytes) return refused;
  auto found = find_login(login);
  if (!found.ok()) {
    if (found.error().code() != errc::not_found) return found.error();
    dummy_verify(password);
    return refused;
  }
  if (found->password_hash.empty()) {  // a provider's account: no password, same time
    dummy_verify(password);
    return refused;
  }
  if (!verify_password(found->password_hash, password)) return refused;
  return found;
}

}  // namespace rooms::accounts
