#pragma once
/// Random identifiers and secrets for rooms (CSPRNG: getrandom).

#include <sys/random.h>

#include <cstdint>
#include <string>
#include <vector>

namespace rooms::actors::detail {

/// `bytes` random bytes from the kernel CSPRNG, as lower-case hex.
inline std::string random_hex(std::size_t bytes) {
  std::vector<unsigned char> buf(bytes);
  std::size_t got = 0;
  while (got < bytes) {
    auto n = ::getrandom(buf.data() + got, bytes - got, 0);
    if (n > 0) got += static_cast<std::size_t>(n);
  }
  static constexpr char digits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes * 2);
  for (auto b : buf) {
    out.push_back(digits[b >> 4]);
    out.push_back(digits[b & 15]);
  }
  return out;
}

/// Compares secrets in time independent of where they differ.
inline bool constant_time_equal(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char diff = 0;
  for (std::size_t i = 0; i < a.size(); ++i) diff |= static_cast<unsigned char>(a[i] ^ b[i]);
  return diff == 0;
}

}  // namespace rooms::actors::detail
