#pragma once
/// Outbound HTTP(S), blocking, over libcurl: roomctl's calls to roomd's admin API, roomd's to
/// a Piston server and to an OpenID Connect provider. Only http and https URLs are followed;
/// timeouts need no signals (CURLOPT_NOSIGNAL), so any thread may call. Keep the calls off
/// actor and I/O threads: they block for up to `request::timeout`.

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace rooms::fetch {

struct request {
  std::string method = "GET";
  std::string url;
  std::vector<std::string> headers;  ///< whole lines, "Name: value"
  std::optional<std::string> body;   ///< sent as is; name its type in `headers`
  std::string user, password;        ///< HTTP Basic when `user` is not empty
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds timeout{10000};  ///< the whole exchange
  std::size_t max_body = 0;                  ///< a longer answer is an error; 0: no limit
};

/// An HTTP answer. `status` is 0 when no answer came; `error` then says why (curl's reason:
/// connection refused, timed out, answer too large).
struct response {
  long status = 0;
  std::string body;
  std::string error;
};

/// A connection kept between calls (keep-alive to the same server). Not thread safe: one per
/// thread, or use the free `perform`.
class client {
 public:
  client();
  ~client();
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  response perform(const request& r);

 private:
  void* curl_ = nullptr;  ///< CURL*, opaque so this header needs no curl include
};

/// One request on a connection of its own.
response perform(const request& r);

/// Percent-encoding of everything but RFC 3986's unreserved characters: for a query value, a
/// path segment or an application/x-www-form-urlencoded field.
std::string escape(std::string_view value);

}  // namespace rooms::fetch
