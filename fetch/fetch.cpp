#include "fetch/fetch.hpp"

#include <curl/curl.h>

#include <mutex>

namespace rooms::fetch {

namespace {

/// curl_global_init is not thread safe: once, before the first handle.
void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

struct sink {
  std::string* body;
  std::size_t max;
  bool too_large = false;
};

std::size_t collect(char* data, std::size_t size, std::size_t count, void* user) {
  auto* s = static_cast<sink*>(user);
  std::size_t n = size * count;
  if (s->max != 0 && s->body->size() + n > s->max) {
    s->too_large = true;
    return 0;  // curl stops with CURLE_WRITE_ERROR
  }
  s->body->append(data, n);
  return n;
}

}  // namespace

client::client() {
  init_curl_once();
  curl_ = curl_easy_init();
}

client::~client() {
  if (curl_ != nullptr) curl_easy_cleanup(static_cast<CURL*>(curl_));
}

response client::perform(const request& r) {
  response out;
  auto* curl = static_cast<CURL*>(curl_);
  if (curl == nullptr) {
    out.error = "cannot initialise libcurl";
    return out;
  }
  curl_easy_reset(curl);  // nothing of the previous request carries over, but the connection
  char error_buffer[CURL_ERROR_SIZE] = {0};
  sink body{&out.body, r.max_body};
  curl_easy_setopt(curl, CURLOPT_URL, r.url.c_str());
  curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, r.method.c_str());
  if (r.method == "HEAD") curl_easy_setopt(curl, CURLOPT_NOBODY, 1L);
  curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(r.connect_timeout.count()));
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, static_cast<long>(r.timeout.count()));
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, error_buffer);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
  curl_slist* headers = nullptr;
  for (const auto& h : r.headers) headers = curl_slist_append(headers, h.c_str());
  if (r.body) {
    headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, r.body->data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(r.body->size()));
  }
  if (!r.user.empty()) {
    curl_easy_setopt(curl, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
    curl_easy_setopt(curl, CURLOPT_USERNAME, r.user.c_str());
    curl_easy_setopt(curl, CURLOPT_PASSWORD, r.password.c_str());
  }
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
  CURLcode rc = curl_easy_perform(curl);
  if (body.too_large) {
    out.error = "the answer is larger than " + std::to_string(r.max_body) + " bytes";
  } else if (rc != CURLE_OK) {
    out.error = error_buffer[0] != 0 ? error_buffer : curl_easy_strerror(rc);
  } else {
    curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &out.status);
  }
  if (!out.error.empty()) out.body.clear();
  // The list is freed now: unhook it so the handle holds no dangling pointer until the next
  // request resets it.
  curl_easy_setopt(curl, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(headers);
  return out;
}

response perform(const request& r) {
  client c;
  return c.perform(r);
}

std::string escape(std::string_view value) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size());
  for (unsigned char ch : value) {
    if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
        ch == '-' || ch == '.' || ch == '_' || ch == '~') {
      out += static_cast<char>(ch);
    } else {
      out += '%';
      out += hex[ch >> 4];
      out += hex[ch & 15];
    }
  }
  return out;
}

}  // namespace rooms::fetch
