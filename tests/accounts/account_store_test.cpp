/// The account store on the event log's own "accounts" column family: a real RocksDB in a temp
/// dir, real argon2id. Records survive a reopen; the rules refuse bad input with the reason.

#include <gtest/gtest.h>
#include <rocksdb/db.h>
#include <sodium.h>

#include <chrono>

#include "accounts/account_store.hpp"
#include "accounts/password.hpp"
#include "eventlog/store.hpp"
#include "tests/testing/temp_dir.hpp"

namespace {

using namespace rooms::accounts;

class AccountStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { open(); }

  void open() {
    store_.reset();
    log_.reset();
    rooms::eventlog::store_options o;
    o.path = dir_.str();
    auto opened = rooms::eventlog::store::open(o);
    ASSERT_TRUE(opened.ok()) << opened.error().to_string();
    log_ = std::move(opened.value());
    ASSERT_NE(log_->accounts_cf(), nullptr);
    EXPECT_EQ(log_->accounts_cf()->GetName(), "accounts");
    store_ = std::make_unique<account_store>(log_->raw_db(), log_->accounts_cf(),
                                             [this] { return now_; });
  }

  result<account> add(const std::string& login, role r = role::interviewer,
                      const std::string& password = "correct horse battery") {
    return store_->create({login, "Ada " + login, r, password});
  }

  rooms::testing::temp_dir dir_;
  std::int64_t now_ = 1'700'000'000'000;
  std::unique_ptr<rooms::eventlog::store> log_;
  std::unique_ptr<account_store> store_;
};

TEST_F(AccountStoreTest, CreatesAndFindsByLoginAndId) {
  auto made = add("ada@example.com", role::admin);
  ASSERT_TRUE(made.ok()) << made.error().message();
  EXPECT_EQ(made->login, "ada@example.com");
  EXPECT_EQ(made->role, role::admin);
  EXPECT_EQ(made->created_at, now_);
  EXPECT_EQ(made->id.size(), 17u);
  EXPECT_EQ(made->id[0], 'u');
  // argon2id with the interactive limits, never the password itself.
  EXPECT_EQ(made->password_hash.rfind("$argon2id$", 0), 0u) << made->password_hash;
  EXPECT_EQ(made->password_hash.find("correct horse"), std::string::npos);
  EXPECT_EQ(crypto_pwhash_str_needs_rehash(made->password_hash.c_str(),
                                           crypto_pwhash_OPSLIMIT_INTERACTIVE,
                                           crypto_pwhash_MEMLIMIT_INTERACTIVE),
            0);
  auto by_login = store_->find_login("ada@example.com");
  ASSERT_TRUE(by_login.ok());
  EXPECT_EQ(by_login.value(), made.value());
  auto by_id = store_->find_id(made->id);
  ASSERT_TRUE(by_id.ok());
  EXPECT_EQ(by_id.value(), made.value());
  EXPECT_EQ(store_->find_login("bob").error().code(), errc::not_found);
}

TEST_F(AccountStoreTest, OidcAccountsAreFoundByIssuerAndSubject) {
  ASSERT_TRUE(add("ada@example.com").ok());  // a password account holds the claim's login
  bool created = false;
  auto made = store_->find_or_create_oidc("https://idp.example", "sub-1", "Ada@Example.com",
                                          "Ada Lovelace", &created);
  ASSERT_TRUE(made.ok()) << made.error().message();
  EXPECT_TRUE(created);
  EXPECT_EQ(made->login, "ada@example.com-2");  // lower-cased, made unique
  EXPECT_EQ(made->issuer, "https://idp.example");
  EXPECT_EQ(made->subject, "sub-1");
  EXPECT_EQ(made->display_name, "Ada Lovelace");
  EXPECT_EQ(made->role, role::interviewer);
  EXPECT_TRUE(made->password_hash.empty());
  // No password sign-in for it, whatever is typed.
  EXPECT_EQ(store_->verify(made->login, "").error().code(), errc::wrong_password);
  open();
  auto again = store_->find_or_create_oidc("https://idp.example", "sub-1", "other", "", &created);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(created);
  EXPECT_EQ(again.value(), made.value());
  // Another issuer's same subject is another person.
  auto other = store_->find_or_create_oidc("https://other.example", "sub-1", "", "", &created);
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(created);
  EXPECT_NE(other->id, made->id);
  EXPECT_EQ(other->login, "user");
  EXPECT_EQ(store_->find_or_create_oidc("", "sub-1", "x", "").error().code(),
            errc::invalid_argument);
}

TEST_F(AccountStoreTest, SurvivesAReopen) {
  auto made = add("ada");
  ASSERT_TRUE(made.ok());
  open();
  auto found = store_->find_login("ada");
  ASSERT_TRUE(found.ok()) << found.error().message();
  EXPECT_EQ(found.value(), made.value());
  EXPECT_TRUE(store_->verify("ada", "correct horse battery").ok());
}

TEST_F(AccountStoreTest, RefusesADuplicateLogin) {
  ASSERT_TRUE(add("ada").ok());
  auto again = add("ada");
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), errc::already_exists);
}

TEST_F(AccountStoreTest, LoginRules) {
  EXPECT_EQ(add("").error().code(), errc::invalid_argument);
  EXPECT_EQ(add("Ada").error().code(), errc::invalid_argument);  // upper case
  EXPECT_EQ(add("a b").error().code(), errc::invalid_argument);
  EXPECT_EQ(add("a/b").error().code(), errc::invalid_argument);
  EXPECT_EQ(add(std::string(65, 'a')).error().code(), errc::invalid_argument);
  EXPECT_TRUE(add(std::string(64, 'a')).ok());
  EXPECT_TRUE(add("a.b_c-d@e").ok());
  EXPECT_EQ(check_login("a|b"), "a login name may have only a-z, 0-9, '.', '_', '-' and '@'");
}

TEST_F(AccountStoreTest, PasswordPolicy) {
  auto short_one = add("ada", role::interviewer, "123456789");
  ASSERT_FALSE(short_one.ok());
  EXPECT_EQ(short_one.error().code(), errc::invalid_argument);
  EXPECT_EQ(short_one.error().message(), "the password has fewer than 10 characters");
  // Five two-byte letters are ten bytes but five characters.
  EXPECT_EQ(add("ada", role::interviewer, "\u00e9\u00e9\u00e9\u00e9\u00e9").error().code(),
            errc::invalid_argument);
  EXPECT_EQ(add("ada", role::interviewer, std::string(1025, 'x')).error().code(),
            errc::invalid_argument);
  EXPECT_TRUE(add("ada", role::interviewer, std::string(1024, 'x')).ok());
  EXPECT_TRUE(add("bob", role::interviewer, "1234567890").ok());
}

TEST_F(AccountStoreTest, DisplayNameRules) {
  EXPECT_EQ(store_->create({"ada", "Ada\nLovelace", role::interviewer, "correct horse battery"})
                .error()
                .code(),
            errc::invalid_argument);
  EXPECT_EQ(store_->create({"ada", std::string(201, 'x'), role::interviewer, "0123456789"})
                .error()
                .code(),
            errc::invalid_argument);
}

TEST_F(AccountStoreTest, VerifyAnswersTheSameForUnknownAndWrong) {
  ASSERT_TRUE(add("ada").ok());
  auto ok = store_->verify("ada", "correct horse battery");
  ASSERT_TRUE(ok.ok()) << ok.error().message();
  EXPECT_EQ(ok->login, "ada");
  auto wrong = store_->verify("ada", "correct horse battery!");
  auto unknown = store_->verify("nobody", "correct horse battery");
  ASSERT_FALSE(wrong.ok());
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(wrong.error().code(), errc::wrong_password);
  EXPECT_EQ(unknown.error().code(), errc::wrong_password);
  EXPECT_EQ(wrong.error().message(), unknown.error().message());
  EXPECT_EQ(store_->verify("ada", std::string(2000, 'x')).error().code(), errc::wrong_password);
}

TEST_F(AccountStoreTest, AnUnknownLoginCostsAnArgon2idVerification) {
  ASSERT_TRUE(add("ada").ok());
  auto timed = [&](const std::string& login) {
    auto t0 = std::chrono::steady_clock::now();
    (void)store_->verify(login, "correct horse battery!");
    return std::chrono::steady_clock::now() - t0;
  };
  // A lower bound only (a busy machine makes both slower, never faster): 64 MiB written twice
  // cannot take under 5 ms, while a lookup that skipped the dummy verification takes microseconds.
  EXPECT_GE(timed("nobody"), std::chrono::milliseconds(5));
  EXPECT_GE(timed("ada"), std::chrono::milliseconds(5));
}

TEST_F(AccountStoreTest, ListsByLoginAndRemoves) {
  ASSERT_TRUE(add("carol").ok());
  ASSERT_TRUE(add("ada").ok());
  ASSERT_TRUE(add("bob").ok());
  auto all = store_->list();
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 3u);
  EXPECT_EQ((*all)[0].login, "ada");
  EXPECT_EQ((*all)[2].login, "carol");
  auto bob_id = (*all)[1].id;
  ASSERT_TRUE(store_->remove("bob").ok());
  EXPECT_EQ(store_->remove("bob").code(), errc::not_found);
  EXPECT_EQ(store_->find_login("bob").error().code(), errc::not_found);
  EXPECT_EQ(store_->find_id(bob_id).error().code(), errc::not_found);
  EXPECT_EQ(store_->list()->size(), 2u);
  // The login is free again, with a new id.
  auto again = add("bob");
  ASSERT_TRUE(again.ok());
  EXPECT_NE(again->id, bob_id);
}

TEST_F(AccountStoreTest, SetPasswordReplacesTheOldOne) {
  ASSERT_TRUE(add("ada").ok());
  EXPECT_EQ(store_->set_password("ada", "short").code(), errc::invalid_argument);
  ASSERT_TRUE(store_->set_password("ada", "a new long password").ok());
  EXPECT_FALSE(store_->verify("ada", "correct horse battery").ok());
  EXPECT_TRUE(store_->verify("ada", "a new long password").ok());
  EXPECT_EQ(store_->set_password("nobody", "a new long password").code(), errc::not_found);
}

TEST(PasswordTest, HashesAreSaltedAndVerify) {
  auto a = hash_password("the same password");
  auto b = hash_password("the same password");
  ASSERT_TRUE(a && b);
  EXPECT_NE(*a, *b);
  EXPECT_TRUE(verify_password(*a, "the same password"));
  EXPECT_FALSE(verify_password(*a, "the same passwore"));
  EXPECT_FALSE(verify_password("", "the same password"));
  EXPECT_FALSE(verify_password("$argon2id$garbage", "the same password"));
}

TEST(AccountJsonTest, PublicFormHasNoHash) {
  account a{"u0123456789abcdef", "ada", "Ada", role::admin, "$argon2id$x", 5, "", ""};
  auto j = to_public_json(a);
  EXPECT_FALSE(j.contains("passwordHash"));
  EXPECT_EQ(j["role"], "admin");
  EXPECT_FALSE(j.contains("issuer"));
  account back;
  ASSERT_TRUE(from_stored_json(to_stored_json(a), back));
  EXPECT_EQ(back, a);
  auto broken = to_stored_json(a);
  broken["role"] = "root";
  EXPECT_FALSE(from_stored_json(broken, back));
}

}  // namespace
