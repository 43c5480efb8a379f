#pragma once
/// A token bucket: `rate` tokens per second up to `burst`, starting full. Not thread safe: one
/// owner (a connection, a room member). Used for per-connection message limits (gateway) and
/// per-participant call_signal limits (rooms).

#include <algorithm>
#include <chrono>

namespace rooms::base {

class token_bucket {
 public:
  token_bucket(double rate, double burst) : rate_(rate), burst_(burst), tokens_(burst) {}
  /// Takes one token if there is one.
  bool take() {
    auto now = std::chrono::steady_clock::now();
    tokens_ =
        std::min(burst_, tokens_ + rate_ * std::chrono::duration<double>(now - last_).count());
    last_ = now;
    if (tokens_ < 1) return false;
    tokens_ -= 1;
    return true;
  }

 private:
  double rate_;
  double burst_;
  double tokens_;
  std::chrono::steady_clock::time_point last_ = std::chrono::steady_clock::now();
};

}  // namespace rooms::base
