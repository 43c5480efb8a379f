#include "base/secrets.hpp"

#include <gtest/gtest.h>

#include <set>
#include <string>
#include <utility>

#include "base/hex.hpp"

namespace rooms::base {
namespace {

// FIPS 180-2 / NIST CSRC example vectors: one block, the 448-bit and 896-bit messages whose
// padding takes a second block, and a million 'a' (15,625 blocks).
TEST(Sha256, NistVectors) {
  EXPECT_EQ(sha256_hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(sha256_hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256_hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(sha256_hex("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjkl"
                       "mnopqklmnopqrlmnopqrsmnopqrstnopqrstu"),
            "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1");
  EXPECT_EQ(sha256_hex(std::string(1'000'000, 'a')),
            "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, PaddingBoundaries) {
  // 55 bytes fit the length in the same block; 56 need a second one; 64 is one full block.
  EXPECT_EQ(sha256_hex(std::string(55, 'a')),
            "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318");
  EXPECT_EQ(sha256_hex(std::string(56, 'a')),
            "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a");
  EXPECT_EQ(sha256_hex(std::string(64, 'a')),
            "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb");
}

TEST(Sha256, RawDigestIsTheHexDecoded) {
  auto raw = sha256("abc");
  ASSERT_EQ(raw.size(), 32u);
  EXPECT_EQ(to_hex(raw), sha256_hex("abc"));
  EXPECT_EQ(sha256_hex(std::string("a\0b", 3)), to_hex(sha256(std::string("a\0b", 3))))
      << "bytes after a NUL count";
  EXPECT_NE(sha256_hex(std::string("a\0b", 3)), sha256_hex("a"));
}

TEST(ConstantTimeEqual, ComparesContentAndLength) {
  EXPECT_TRUE(constant_time_equal("", ""));
  EXPECT_TRUE(constant_time_equal("secret", "secret"));
  EXPECT_FALSE(constant_time_equal("secret", "secreT"));
  EXPECT_FALSE(constant_time_equal("secret", "Secret"));
  EXPECT_FALSE(constant_time_equal("secret", "secret "));
  EXPECT_FALSE(constant_time_equal("secret", ""));
  EXPECT_FALSE(constant_time_equal(std::string("a\0b", 3), std::string("a\0c", 3)));
  EXPECT_TRUE(constant_time_equal(std::string("a\0b", 3), std::string("a\0b", 3)));
}

TEST(SameSecret, EqualOnlyForEqualSecrets) {
  EXPECT_TRUE(same_secret("admin-token", "admin-token"));
  EXPECT_FALSE(same_secret("admin-token", "admin-tokem"));
  EXPECT_FALSE(same_secret("admin-token", "admin-token-longer"));
  EXPECT_FALSE(same_secret("", "x"));
}

TEST(Base64Url, Rfc4648VectorsWithoutPaddingAndRoundTrips) {
  // RFC 4648 section 10, padding dropped; then the two characters base64url changes.
  const std::pair<std::string, std::string> vectors[] = {
      {"", ""},           {"f", "Zg"},          {"fo", "Zm8"},          {"foo", "Zm9v"},
      {"foob", "Zm9vYg"}, {"fooba", "Zm9vYmE"}, {"foobar", "Zm9vYmFy"}, {"\xfb\xff", "-_8"}};
  for (const auto& [plain, encoded] : vectors) {
    EXPECT_EQ(base64url(plain), encoded);
    std::string back;
    ASSERT_TRUE(from_base64url(encoded, back)) << encoded;
    EXPECT_EQ(back, plain);
  }
  std::string bytes;
  for (int i = 0; i < 256; ++i) bytes += static_cast<char>(i);
  std::string back;
  ASSERT_TRUE(from_base64url(base64url(bytes), back));
  EXPECT_EQ(back, bytes);
  // Padding and the standard alphabet are accepted; anything else is refused.
  ASSERT_TRUE(from_base64url("Zm8=", back));
  EXPECT_EQ(back, "fo");
  ASSERT_TRUE(from_base64url("+/8", back));
  EXPECT_EQ(back, "\xfb\xff");
  EXPECT_FALSE(from_base64url("Zm 8", back));
  EXPECT_FALSE(from_base64url("Zm8*", back));
}

TEST(Random, HexHasTheAskedLengthAndDiffers) {
  EXPECT_EQ(random_hex(0), "");
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    auto h = random_hex(16);
    ASSERT_EQ(h.size(), 32u);
    ASSERT_TRUE(from_hex(h)) << h;
    EXPECT_EQ(h, to_hex(*from_hex(h))) << "lower case";
    seen.insert(h);
  }
  EXPECT_EQ(seen.size(), 100u) << "128-bit values never repeat";
}

TEST(Random, BytesFillTheWholeBuffer) {
  // 4 KiB of zeros stays all zeros with probability 2^-32768: a partial fill would show.
  std::string buf(4096, '\0');
  random_bytes(buf.data(), buf.size());
  EXPECT_NE(buf.substr(buf.size() - 64), std::string(64, '\0'));
  EXPECT_NE(buf.substr(0, 64), std::string(64, '\0'));
}

}  // namespace
}  // namespace rooms::base
