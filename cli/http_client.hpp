#pragma once
/// roomctl's calls to the admin API: a base URL and a bearer token over rooms::fetch.

#include <string>

#include "fetch/fetch.hpp"

namespace rooms::cli {

/// An HTTP answer. `status` is 0 when no answer came (see `error`).
using http_response = fetch::response;

/// One connection's worth of settings; reuses the connection between calls.
/// Not thread-safe: one client per thread.
class http_client {
 public:
  /// `base_url` like "http://127.0.0.1:8080" (a trailing '/' is dropped); `token` is sent as
  /// `Authorization: Bearer` when not empty.
  http_client(std::string base_url, std::string token);

  /// Sends `method` to base_url + `target` ("/api/..."); a body is sent as application/json.
  http_response call(const std::string& method, const std::string& target,
                     const std::string& body = {});
  const std::string& base_url() const { return base_url_; }
  /// Percent-encodes a query value.
  std::string escape(const std::string& value);

 private:
  std::string base_url_;
  std::string token_;
  fetch::client connection_;
};

}  // namespace rooms::cli
