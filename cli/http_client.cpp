#include "cli/http_client.hpp"

namespace rooms::cli {

http_client::http_client(std::string base_url, std::string token)
    : base_url_(std::move(base_url)), token_(std::move(token)) {
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
}

std::string http_client::escape(const std::string& value) {
  return fetch::escape(value);
}

http_response http_client::call(const std::string& method, const std::string& target,
                                const std::string& body) {
  fetch::request r;
  r.method = method;
  r.url = base_url_ + target;
  // Imports and compactions of big logs take a while; nothing here streams forever.
  r.timeout = std::chrono::minutes(10);
  if (!token_.empty()) r.headers.push_back("Authorization: Bearer " + token_);
  if (!body.empty() || method == "POST") {
    r.headers.emplace_back("Content-Type: application/json");
    r.body = body;
  }
  return connection_.perform(r);
}

}  // namespace rooms::cli
