#pragma once
/// A blocking TCP socket to 127.0.0.1 for the tests that must misbehave below HTTP/WebSocket
/// libraries: thousands of sockets at once (no io_context each), hand-written WebSocket frame
/// headers, header bytes dribbled one at a time. Plus what the flood tests read of roomd's
/// process (/proc/<pid>/fd, VmRSS).

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <optional>
#include <string>

namespace rooms::gateway::test {

class raw_socket {
 public:
  raw_socket() = default;
  explicit raw_socket(int port) { connect(port); }
  ~raw_socket() { close(); }
  raw_socket(raw_socket&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  raw_socket& operator=(raw_socket&& o) noexcept {
    if (this != &o) {
      close();
      fd_ = o.fd_;
      o.fd_ = -1;
    }
    return *this;
  }
  raw_socket(const raw_socket&) = delete;
  raw_socket& operator=(const raw_socket&) = delete;

  /// Connects (blocking); false on failure.
  bool connect(int port) {
    close();
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd_ < 0) return false;
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
      close();
      return false;
    }
    int one = 1;
    ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return true;
  }
  bool open() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  void close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

  /// Writes everything; false when the peer is gone (EPIPE, ECONNRESET).
  bool write_all(const void* data, std::size_t size) {
    const char* p = static_cast<const char*>(data);
    while (size > 0) {
      auto n = ::send(fd_, p, size, MSG_NOSIGNAL);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      p += n;
      size -= static_cast<std::size_t>(n);
    }
    return true;
  }
  bool write_all(const std::string& s) { return write_all(s.data(), s.size()); }

  /// Waits up to `timeout` for bytes; appends what arrived to `out`. 0 on EOF, -1 on timeout
  /// or error, else the count.
  long read_some(std::string& out, std::chrono::milliseconds timeout) {
    pollfd p{fd_, POLLIN, 0};
    int r = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (r <= 0) return -1;
    char buf[65536];
    auto n = ::recv(fd_, buf, sizeof buf, 0);
    if (n < 0) return errno == ECONNRESET ? 0 : -1;  // a reset is the server closing too
    out.append(buf, static_cast<std::size_t>(n));
    return n;
  }

  /// Reads until `out` contains `marker`, EOF or the deadline; true when the marker arrived.
  bool read_until(std::string& out, const std::string& marker, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (out.find(marker) == std::string::npos) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      if (read_some(out, left) <= 0) return out.find(marker) != std::string::npos;
    }
    return true;
  }

  /// Reads (and appends to `out`) until the server closes the TCP connection; true when it did
  /// within `timeout`.
  bool read_until_eof(std::string& out, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      if (left.count() <= 0) return false;
      auto n = read_some(out, left);
      if (n == 0) return true;
      if (n < 0 && std::chrono::steady_clock::now() >= deadline) return false;
    }
  }

  /// Sends a WebSocket upgrade for `target` and reads the response head; true on 101.
  bool upgrade(int port, const std::string& target,
               std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
    std::string req =
        "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
        "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\n"
        "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n";
    if (!write_all(req)) return false;
    std::string head;
    if (!read_until(head, "\r\n\r\n", timeout)) return false;
    leftover = head.substr(head.find("\r\n\r\n") + 4);
    return head.rfind("HTTP/1.1 101", 0) == 0;
  }

  /// The header of a masked client frame (FIN set) announcing `length` payload bytes, with
  /// the masking key `mask`.
  static std::string frame_header(std::uint8_t opcode, std::uint64_t length,
                                  const std::uint8_t mask[4]) {
    std::string h;
    h.push_back(static_cast<char>(0x80 | opcode));
    if (length < 126) {
      h.push_back(static_cast<char>(0x80 | length));
    } else if (length <= 0xFFFF) {
      h.push_back(static_cast<char>(0x80 | 126));
      h.push_back(static_cast<char>(length >> 8));
      h.push_back(static_cast<char>(length & 0xFF));
    } else {
      h.push_back(static_cast<char>(0x80 | 127));
      for (int shift = 56; shift >= 0; shift -= 8)
        h.push_back(static_cast<char>((length >> shift) & 0xFF));
    }
    h.append(reinterpret_cast<const char*>(mask), 4);
    return h;
  }

  /// A complete masked text frame.
  static std::string text_frame(const std::string& payload) {
    const std::uint8_t mask[4] = {0x12, 0x34, 0x56, 0x78};
    std::string f = frame_header(0x1, payload.size(), mask);
    for (std::size_t i = 0; i < payload.size(); ++i)
      f.push_back(static_cast<char>(payload[i] ^ mask[i % 4]));
    return f;
  }

  /// The close code of the first server close frame (unmasked, opcode 8) in `bytes`, skipping
  /// whole frames before it; nullopt when none is complete yet.
  static std::optional<int> close_code_in(const std::string& bytes) {
    std::size_t pos = 0;
    while (pos + 2 <= bytes.size()) {
      auto b0 = static_cast<std::uint8_t>(bytes[pos]);
      auto b1 = static_cast<std::uint8_t>(bytes[pos + 1]);
      std::uint64_t len = b1 & 0x7F;
      std::size_t head = 2;
      if (len == 126) {
        if (pos + 4 > bytes.size()) return std::nullopt;
        len = (static_cast<std::uint8_t>(bytes[pos + 2]) << 8) |
              static_cast<std::uint8_t>(bytes[pos + 3]);
        head = 4;
      } else if (len == 127) {
        if (pos + 10 > bytes.size()) return std::nullopt;
        len = 0;
        for (int i = 0; i < 8; ++i)
          len = (len << 8) | static_cast<std::uint8_t>(bytes[pos + 2 + i]);
        head = 10;
      }
      if (pos + head + len > bytes.size()) return std::nullopt;
      if ((b0 & 0x0F) == 0x8) {
        if (len < 2) return 1005;
        return (static_cast<std::uint8_t>(bytes[pos + head]) << 8) |
               static_cast<std::uint8_t>(bytes[pos + head + 1]);
      }
      pos += head + len;
    }
    return std::nullopt;
  }

  /// Bytes read past the upgrade response (frames the server sent at once).
  std::string leftover;

 private:
  int fd_ = -1;
};

/// Open descriptors of a process (/proc/<pid>/fd).
inline int open_fds(pid_t pid) {
  int n = 0;
  if (DIR* d = ::opendir(("/proc/" + std::to_string(pid) + "/fd").c_str())) {
    while (auto* e = ::readdir(d))
      if (e->d_name[0] != '.') ++n;
    ::closedir(d);
  }
  return n;
}

/// A "VmRSS:"-style line of /proc/<pid>/status in KiB (VmRSS, VmHWM); -1 when absent.
inline long proc_status_kib(pid_t pid, const std::string& field) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  return -1;
}

/// Raises this process's soft RLIMIT_NOFILE to `want` (or the hard limit); returns the soft limit.
inline long raise_fd_limit(rlim_t want) {
  rlimit r{};
  ::getrlimit(RLIMIT_NOFILE, &r);
  if (r.rlim_cur < want) {
    r.rlim_cur = std::min(want, r.rlim_max);
    ::setrlimit(RLIMIT_NOFILE, &r);
    ::getrlimit(RLIMIT_NOFILE, &r);
  }
  return static_cast<long>(r.rlim_cur);
}

}  // namespace rooms::gateway::test
