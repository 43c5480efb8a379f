#include "cli/http_client.hpp"

#include <curl/curl.h>

namespace rooms::cli {

namespace {

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* user) {
  static_cast<std::string*>(user)->append(data, size * count);
  return size * count;
}

/// curl_global_init is not thread-safe: do it once, before any handle exists.
struct curl_global {
  curl_global() { curl_global_init(CURL_GLOBAL_DEFAULT); }
  ~curl_global() { curl_global_cleanup(); }
};

}  // namespace

http_client::http_client(std::string base_url, std::string token)
    : base_url_(std::move(base_url)), token_(std::move(token)) {
  static curl_global global;
  while (!base_url_.empty() && base_url_.back() == '/') base_url_.pop_back();
  curl_ = curl_easy_init();
}

http_client::~http_client() {
  if (curl_) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

std::string http_client::escape(const std::string& value) {
  char* out =
      curl_easy_escape(static_cast<CURL*>(curl_), value.c_str(), static_cast<int>(value.size()));
  std::string text = out ? out : "";
  curl_free(out);
  return text;
}

http_response http_client::call(const std::string& method, const std::string& target,
                                const std::string& body) {
  http_response out;
  auto* curl = static_cast<CURL*>(curl_);
  if (!curl) {
    out.error = "could not initialise libcurl";
    return out;
  }
  curl_easy_reset(curl);
  const std::string url = base_url_ + target;
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &out.body);
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
  // Imports and compactions of big logs take a while; nothing here streams forever.
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 600'000L);
  curl_slist* headers = nullptr;
  std::string auth;
  if (!token_.empty()) {
    auth = "Authorization: Bearer " + token_;
    headers = curl_slist_append(headers, auth.c_str());
  }
  if (!body.empty() || method == "POST") {
    headers = curl_slist_append(headers, "Content-Type: application/json");
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  }
  if (method == "HEAD") curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  CURLcode rc = curl_easy_perform(curl);
  if (rc == CURLE_OK) {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out.status);
  } else {
    out.error = curl_easy_strerror(rc);
    out.body.clear();
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(headers);
  return out;
}

}  // namespace rooms::cli
