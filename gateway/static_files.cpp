/// Static files of the web build (web/dist): the single-page app and its hashed assets.

#include <filesystem>
#include <fstream>
#include <mutex>
#include <optional>
#include <sstream>

#include "base/hex.hpp"
#include "gateway/detail/context.hpp"

namespace rooms::gateway::detail {

namespace {

struct cached_file {
  std::string body;
  std::string etag;
  std::string type;
};

std::string content_type(const std::filesystem::path& p) {
  static const std::map<std::string, std::string> types = {
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".json", "application/json"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".map", "application/json"},
      {".webmanifest", "application/manifest+json"}};
  auto it = types.find(p.extension().string());
  return it == types.end() ? "application/octet-stream" : it->second;
}

std::string fnv_etag(const std::string& data) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : data) h = (h ^ c) * 1099511628211ull;
  std::ostringstream out;
  out << '"' << std::hex << h << '"';
  return out.str();
}

/// Files are immutable while the server runs (a rebuild means a restart): cache them.
std::optional<cached_file> load(const std::filesystem::path& path) {
  static std::mutex mutex;
  static std::map<std::string, cached_file> cache;
  std::lock_guard lock(mutex);
  auto key = path.string();
  if (auto it = cache.find(key); it != cache.end()) return it->second;
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream buf;
  buf << in.rdbuf();
  cached_file f{buf.str(), "", content_type(path)};
  f.etag = fnv_etag(f.body);
  cache[key] = f;
  return f;
}

constexpr const char* placeholder =
    "<!doctype html><meta charset=utf-8><title>Interview Rooms</title>"
    "<h1>Interview Rooms</h1><p>roomd is running, but the web app is not built. "
    "Run <code>tools/serve</code> (or <code>npm run build</code> in web/).</p>";

/// Percent-decodes a path; nullopt for a malformed escape.
std::optional<std::string> percent_decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out.push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return std::nullopt;
    int hi = base::hex_digit_value(in[i + 1]), lo = base::hex_digit_value(in[i + 2]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

/// The file under `root` that `relative` names, or nullopt when it resolves (through "..",
/// an absolute path or a symlink) to anything outside `root` or to something not a regular file.
std::optional<std::filesystem::path> inside(const std::filesystem::path& root,
                                            const std::string& relative) {
  namespace fs = std::filesystem;
  std::error_code ec;
  auto base = fs::canonical(root, ec);
  if (ec) return std::nullopt;
  auto full = fs::weakly_canonical(base / fs::path(relative).relative_path(), ec);
  if (ec) return std::nullopt;
  auto rel = full.lexically_relative(base);
  if (rel.empty() || *rel.begin() == "..") return std::nullopt;
  if (!fs::is_regular_file(full, ec)) return std::nullopt;
  return full;
}

}  // namespace

response handle_static(context& ctx, const request& req) {
  if (req.method() != http::verb::get && req.method() != http::verb::head)
    return json_error(req, http::status::method_not_allowed, domain::error_code::method_not_allowed,
                      "method not allowed here");
  std::string raw(req.target());
  if (auto q = raw.find('?'); q != std::string::npos) raw.resize(q);
  auto decoded = percent_decode(raw);
  if (!decoded || decoded->empty() || decoded->front() != '/')
    return json_error(req, http::status::bad_request, domain::error_code::bad_request, "bad path");
  const std::string& target = *decoded;
  // Never a file outside web_dir: no "..", backslashes, NUL or absolute paths ("//etc/passwd"),
  // checked after percent-decoding; symlinks are resolved and must stay inside too.
  if (target.find("..") != std::string::npos || target.find('\\') != std::string::npos ||
      target.find('\0') != std::string::npos || target.rfind("//", 0) == 0)
    return json_error(req, http::status::bad_request, domain::error_code::bad_request, "bad path");
  const std::filesystem::path root(ctx.options.web_dir);
  bool app_route = target == "/" || target == "/index.html" || target == "/signin" ||
                   target.rfind("/room/", 0) == 0 || target.rfind("/replay/", 0) == 0;
  auto path = inside(root, app_route ? std::string("index.html") : target.substr(1));
  auto file = path ? load(*path) : std::nullopt;
  response res{http::status::ok, req.version()};
  res.keep_alive(req.keep_alive());
  if (!file) {
    if (!app_route)
      return json_error(req, http::status::not_found, domain::error_code::not_found,
                        "no such file");
    res.set(http::field::content_type, "text/html; charset=utf-8");
    res.set(http::field::cache_control, "no-store");
    res.body() = placeholder;
    return res;
  }
  // Hashed assets never change; the page itself must be revalidated to pick up new builds.
  bool immutable = target.rfind("/assets/", 0) == 0;
  res.set(http::field::cache_control,
          immutable ? "public, max-age=31536000, immutable" : "no-cache");
  res.set(http::field::etag, file->etag);
  res.set(http::field::content_type, file->type);
  if (req[http::field::if_none_match] == file->etag) {
    res.result(http::status::not_modified);
    return res;
  }
  if (req.method() == http::verb::head) {
    res.content_length(file->body.size());
    return res;
  }
  res.body() = file->body;
  return res;
}

}  // namespace rooms::gateway::detail
