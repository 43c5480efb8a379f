/// loadgen: N rooms x M participants against a running roomd, open loop, measuring the latency
/// from an edit's intended send time to its code_changed at every other participant.
///
/// Typists push single-character collab updates (CodeMirror semantics: one push in flight,
/// unconfirmed edits rebased on remote ones and resent after code_update_rejected) and cursor
/// moves on a fixed schedule; latency counts from the scheduled time, so a stalled server cannot
/// hide its stall (no coordinated omission). At the end every client of a room must hold the same
/// version and document. Per client it also counts the longest run of consecutive
/// code_update_rejected and the WebSocket payload bytes it received per keystroke of another
/// typist.
///
/// --ceiling: the connection-ceiling mode (benchmark target 4). Joins rooms x participants idle
/// clients (paced), reports roomd's RSS per connection, then drops --drop of them abruptly (TCP
/// reset, no close frame), makes an edit in every affected room while they are away, reconnects
/// them all at once with their resumeToken and version, and times until every one has its
/// session_state. "No gap": one more edit after the resume must reach every resumed client and
/// every client of an affected room must end on the room's version and document; --drop-typists
/// rooms also keep a typist typing through the whole drop and resume.
///
/// --passivate-rooms N: N more rooms with one idle participant each (holding the --doc-bytes
/// document) that all leave at the start of the measured window: with a short --idle-passivate
/// on roomd they passivate at once (each writes its snapshot) while the typists type.
///
/// --seed-sessions N --data-dir DIR: writes N sessions straight into a stopped roomd's data
/// directory (as POST /api/sessions would), for the start-up benchmark (target 7).

#include <netinet/in.h>
#include <sched.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <fstream>
#include <iostream>
#include <limits>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <utility>  // before Asio: Boost 1.74's awaitable.hpp needs std::exchange
#include <vector>

#include <CLI/CLI.hpp>
#include <boost/asio.hpp>
#include <boost/beast.hpp>
#include <nlohmann/json.hpp>

#include "actors/domain/changeset.hpp"
#include "base/secrets.hpp"
#include "eventlog/store.hpp"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using json = nlohmann::json;
using clock_type = std::chrono::steady_clock;
using rooms::domain::changeset;

struct options {
  std::string host = "127.0.0.1";
  int port = 8080;
  /// More roomd nodes of one cluster on `host` (--ports): each room's participants connect to
  /// the nodes in turn, so most rooms span nodes. Sessions are created through `port`.
  std::vector<int> more_ports;
  int rooms = 10;
  int participants = 3;
  int typists = 1;
  std::size_t doc_bytes = 0;  ///< preload each room's document with this many characters
  double edit_rate = 5;
  double cursor_rate = 5;
  double duration_s = 10;
  double warmup_s = 2;
  std::string token;
  int roomd_pid = 0;
  int cpu = -1;
  bool json_only = false;
  std::vector<net::ip::address> source_addrs;  ///< bind client sockets to these, round robin
  // --ceiling
  bool ceiling = false;
  int drop = 0;
  int drop_typists = 100;
  int connect_window = 1000;  ///< connects + joins in flight while ramping up
  double resume_limit_s = 30;
  // --passivate-rooms: more rooms, one idle participant each (with the --doc-bytes document),
  // all left at once at the start of the measured window so they passivate together while the
  // typists type (the "passivation storm"; roomd runs with a short --idle-passivate).
  int passivate_rooms = 0;
  // --seed-sessions
  int seed_sessions = 0;
  std::string data_dir;
  bool seed_compact = true;
};

/// Latency samples in microseconds.
struct recorder {
  std::vector<std::int64_t> samples;
  void add(std::int64_t us) { samples.push_back(us); }
  std::int64_t pct(double p) {
    if (samples.empty()) return 0;
    std::sort(samples.begin(), samples.end());
    auto i = static_cast<std::size_t>(p / 100.0 * static_cast<double>(samples.size() - 1));
    return samples[i];
  }
};

struct totals {
  std::uint64_t sent = 0, received = 0, rejects = 0, pushes = 0, errors = 0, closes = 0, edits = 0;
  std::uint64_t joins = 0, failed = 0, resume_mismatch = 0, resume_advanced = 0;
  recorder latency;
  recorder resume;  ///< --ceiling: reconnect start to session_state, per resumed client
  recorder resume_connect,
      resume_upgrade;              ///< reconnect start to TCP connected, to WebSocket upgraded
  double resume_start_loop_s = 0;  ///< opening and binding the sockets (loadgen side)
  clock_type::time_point resume_start;
  bool measuring = false;
};

struct proc_sample {
  double cpu_s = 0;
  long rss_kb = 0;
};

proc_sample read_proc(int pid) {
  proc_sample s;
  if (pid <= 0) return s;
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string content((std::istreambuf_iterator<char>(stat)), {});
  auto close = content.rfind(')');
  if (close == std::string::npos) return s;
  std::istringstream rest(content.substr(close + 2));
  std::vector<std::string> f;
  std::string x;
  while (rest >> x) f.push_back(x);
  if (f.size() > 13)
    s.cpu_s = (std::stod(f[11]) + std::stod(f[12])) / static_cast<double>(sysconf(_SC_CLK_TCK));
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) s.rss_kb = std::stol(line.substr(6));
  return s;
}

class room_state_tracker;

/// One participant's socket.
class client : public std::enable_shared_from_this<client> {
 public:
  client(net::io_context& ioc, const options& opt, totals& t, std::string session, int index,
         bool typist)
      : opt_(opt),
        t_(t),
        ws_(net::make_strand(ioc)),
        session_(std::move(session)),
        index_(index),
        typist_(typist),
        edit_timer_(ws_.get_executor()),
        cursor_timer_(ws_.get_executor()),
        rng_(static_cast<unsigned>(index * 7919 + 13)) {
    client_id_ = "lg" + std::to_string(index);
  }

  void start(tcp::endpoint ep) {
    if (!opt_.source_addrs.empty()) {
      // Many loopback source addresses: 28k ephemeral ports each, so 50,000 sockets fit.
      auto& sock = beast::get_lowest_layer(ws_).socket();
      beast::error_code ec;
      sock.open(ep.protocol(), ec);
#ifdef IP_BIND_ADDRESS_NO_PORT
      // Pick the port at connect(), per destination, instead of scanning for a free one at bind().
      int one = 1;
      if (!ec)
        ::setsockopt(sock.native_handle(), IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
#endif
      if (!ec)
        sock.bind(
            tcp::endpoint(
                opt_.source_addrs[static_cast<std::size_t>(index_) % opt_.source_addrs.size()], 0),
            ec);
      if (ec) return fail("bind", ec);
    }
    beast::get_lowest_layer(ws_).async_connect(
        ep, [self = shared_from_this()](beast::error_code ec) {
          if (ec) return self->fail("connect", ec);
          if (self->resuming_)
            self->t_.resume_connect.add(std::chrono::duration_cast<std::chrono::microseconds>(
                                            clock_type::now() - self->t_.resume_start)
                                            .count());
          beast::error_code ignored;
          beast::get_lowest_layer(self->ws_).socket().set_option(tcp::no_delay(true), ignored);
          self->ws_.async_handshake(
              self->opt_.host, "/ws/" + self->session_, [self](beast::error_code ec) {
                if (ec) return self->fail("handshake", ec);
                if (self->resuming_)
                  self->t_.resume_upgrade.add(std::chrono::duration_cast<std::chrono::microseconds>(
                                                  clock_type::now() - self->t_.resume_start)
                                                  .count());
                json join{{"type", "join_session"},
                          {"name", "load " + self->client_id_},
                          {"role", "candidate"}};
                if (self->resuming_) {
                  join["resumeToken"] = self->resume_token_;
                  join["version"] = self->version_;
                }
                self->send(join);
                self->read();
              });
        });
  }

  /// A new connection for a dropped client: the same participant, resumed (PROTOCOL.md
  /// join_session with resumeToken and version).
  void take_over(const client& old) {
    resuming_ = true;
    participant_id_ = old.participant_id_;
    resume_token_ = old.resume_token_;
    version_ = old.version_;
    doc_ = old.doc_;
    room = old.room;
  }

  /// Closes the TCP connection abruptly: a reset, no WebSocket close frame.
  void drop() {
    net::post(ws_.get_executor(), [self = shared_from_this()] {
      self->dropped_ = true;
      self->stop_schedule();
      auto& sock = beast::get_lowest_layer(self->ws_).socket();
      beast::error_code ec;
      sock.set_option(net::socket_base::linger(true, 0), ec);
      sock.close(ec);
    });
  }

  void make_typist() {
    typist_ = true;
  }

  /// One edit now, outside any schedule (from the thread running the io_context, like start()).
  void edit_once() {
    auto now = clock_type::now();
    std::size_t pos = doc_.empty() ? 0 : rng_() % (doc_.size() + 1);
    unconfirmed_.push_back({pos, now});
    intended.push_back(now);
    ++t_.edits;
    if (!in_flight_) push();
  }

  /// Begins the edit and cursor schedules at `start`.
  void schedule(clock_type::time_point start) {
    if (!typist_) return;
    next_edit_ = start + std::chrono::microseconds(rng_() % 200000);
    next_cursor_ = next_edit_ + std::chrono::milliseconds(50);
    arm_edit();
    arm_cursor();
  }

  void stop_schedule() {
    stopped_ = true;
    edit_timer_.cancel();
    cursor_timer_.cancel();
  }

  bool joined() const {
    return joined_;
  }
  bool failed() const {
    return failed_;
  }
  // Per-client figures (read after the run).
  std::uint64_t rx_bytes = 0, rx_frame_bytes = 0, rx_keystrokes = 0;  ///< while measuring
  int max_reject_run = 0;

  /// Inserts `bytes` characters (lines of 60) as one update, before the schedule starts.
  void preload(std::size_t bytes) {
    net::post(ws_.get_executor(), [self = shared_from_this(), bytes] {
      json insert = json::array({self->doc_.size()});
      std::size_t left = bytes;
      while (left > 0) {
        std::size_t n = std::min<std::size_t>(60, left);
        insert.push_back(std::string(n, 'a'));
        left -= n;
      }
      json changes = json::array({insert});
      if (insert.size() > 1)
        self->send(
            json{{"type", "code_update"},
                 {"version", self->version_},
                 {"updates", json::array({{{"clientID", "preload"}, {"changes", changes}}})}});
    });
  }
  bool settled() const {
    return unconfirmed_.empty() && !in_flight_;
  }
  std::uint64_t version() const {
    return version_;
  }
  const std::u16string& doc() const {
    return doc_;
  }
  const std::string& client_id() const {
    return client_id_;
  }
  const std::string& session() const {
    return session_;
  }
  int index() const {
    return index_;
  }
  /// Edits of other typists seen, per typist, so latency pairs up with their send times.
  std::map<std::string, std::size_t> seen;
  /// Intended send time of each of this typist's edits, in order.
  std::vector<clock_type::time_point> intended;
  std::vector<std::shared_ptr<client>>* room = nullptr;

  void close() {
    net::post(ws_.get_executor(), [self = shared_from_this()] {
      self->stop_schedule();
      self->ws_.async_close(websocket::close_code::normal, [self](beast::error_code) {});
    });
  }

 private:
  struct pending_edit {
    std::size_t pos;
    clock_type::time_point intended;
  };

  void fail(const char* what, beast::error_code ec) {
    if (dropped_ || ec == net::error::operation_aborted || ec == websocket::error::closed) return;
    if (!failed_) ++t_.failed;
    failed_ = true;
    ++t_.errors;
    if (t_.errors < 5) std::cerr << "loadgen: " << what << ": " << ec.message() << "\n";
  }

  void send(const json& j) {
    out_.push_back(j.dump());
    ++t_.sent;
    if (out_.size() == 1) write();
  }

  void write() {
    ws_.text(true);
    ws_.async_write(net::buffer(out_.front()),
                    [self = shared_from_this()](beast::error_code ec, std::size_t) {
                      if (ec) return self->fail("write", ec);
                      self->out_.pop_front();
                      if (!self->out_.empty()) self->write();
                    });
  }

  void read() {
    ws_.async_read(buf_, [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      if (ec) {
        if (ec == websocket::error::closed && !self->dropped_) ++self->t_.closes;
        return self->fail("read", ec);
      }
      ++self->t_.received;
      if (self->t_.measuring) {
        // Payload bytes, and with the server's (unmasked) frame header: 2, 4 or 10 bytes.
        self->rx_bytes += n;
        self->rx_frame_bytes += n + (n < 126 ? 2 : n < 65536 ? 4 : 10);
      }
      auto msg = json::parse(beast::buffers_to_string(self->buf_.data()), nullptr, false);
      self->buf_.consume(self->buf_.size());
      self->on_message(msg);
      self->read();
    });
  }

  void on_message(const json& m) {
    const std::string type = m.value("type", "");
    if (type == "session_state") {
      const std::string pid = m.value("participantId", "");
      if (resuming_) {
        t_.resume.add(std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() -
                                                                            t_.resume_start)
                          .count());
        if (pid != participant_id_) ++t_.resume_mismatch;
        if (m["version"].get<std::uint64_t>() > version_) ++t_.resume_advanced;
      }
      if (!joined_) ++t_.joins;
      joined_ = true;
      participant_id_ = pid;
      resume_token_ = m.value("resumeToken", "");
      version_ = m["version"];
      doc_ = rooms::domain::utf8_to_utf16(m["doc"].get<std::string>());
    } else if (type == "code_changed") {
      on_changes(m);
    } else if (type == "code_update_rejected") {
      ++t_.rejects;
      max_reject_run = std::max(max_reject_run, ++reject_run_);
      in_flight_ = false;  // the missing code_changed is on its way; push again after it
      retry_after_version_ = m["version"];
    } else if (type == "error") {
      ++t_.errors;
      if (t_.errors < 5) std::cerr << "loadgen: error " << m.dump() << "\n";
    }
  }

  void on_changes(const json& m) {
    auto now = clock_type::now();
    std::uint64_t from = m["from"];
    if (from != version_) return;  // a gap cannot happen on one ordered socket; ignore dupes
    for (const auto& u : m["updates"]) {
      auto cs = changeset::from_json(u["changes"]);
      if (!cs || !cs->apply(doc_)) {
        ++t_.errors;
        continue;
      }
      ++version_;
      const std::string cid = u["clientID"];
      if (cid == client_id_) {
        if (!unconfirmed_.empty()) unconfirmed_.pop_front();
        reject_run_ = 0;  // a push of ours was accepted
        continue;
      }
      if (t_.measuring) ++rx_keystrokes;
      // A remote update: rebase our unconfirmed edits over it.
      for (auto& e : unconfirmed_) e.pos = cs->map_pos(e.pos, 1);
      // Latency of this typist's edit as seen here.
      for (auto& peer : *room) {
        if (peer->client_id() != cid) continue;
        auto k = seen[cid]++;
        if (k < peer->intended.size() && t_.measuring)
          t_.latency.add(
              std::chrono::duration_cast<std::chrono::microseconds>(now - peer->intended[k])
                  .count());
      }
    }
    if (in_flight_ && unconfirmed_.size() < in_flight_count_) in_flight_ = false;
    if (!in_flight_ && !unconfirmed_.empty()) push();
  }

  void push() {
    // Like @codemirror/collab: send every unconfirmed update in one push, at our version.
    json updates = json::array();
    std::size_t len = doc_.size();
    for (const auto& e : unconfirmed_) {
      std::size_t pos = std::min(e.pos, len);
      json changes = json::array();
      if (pos > 0) changes.push_back(pos);
      changes.push_back(json::array({0, "x"}));
      if (len - pos > 0) changes.push_back(len - pos);
      updates.push_back({{"clientID", client_id_}, {"changes", changes}});
      ++len;
    }
    in_flight_ = true;
    in_flight_count_ = unconfirmed_.size();
    ++t_.pushes;
    send(json{{"type", "code_update"}, {"version", version_}, {"updates", updates}});
  }

  void arm_edit() {
    edit_timer_.expires_at(next_edit_);
    edit_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->stopped_) return;
      auto intended = self->next_edit_;
      self->next_edit_ +=
          std::chrono::microseconds(static_cast<std::int64_t>(1e6 / self->opt_.edit_rate));
      std::size_t pos = self->doc_.empty() ? 0 : self->rng_() % (self->doc_.size() + 1);
      self->unconfirmed_.push_back({pos, intended});
      self->intended.push_back(intended);
      ++self->t_.edits;
      if (!self->in_flight_) self->push();
      self->arm_edit();
    });
  }

  void arm_cursor() {
    cursor_timer_.expires_at(next_cursor_);
    cursor_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (ec || self->stopped_) return;
      self->next_cursor_ +=
          std::chrono::microseconds(static_cast<std::int64_t>(1e6 / self->opt_.cursor_rate));
      std::size_t pos = self->doc_.empty() ? 0 : self->rng_() % (self->doc_.size() + 1);
      self->send(json{
          {"type", "cursor_update"}, {"version", self->version_}, {"anchor", pos}, {"head", pos}});
      self->arm_cursor();
    });
  }

  const options& opt_;
  totals& t_;
  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buf_;
  std::deque<std::string> out_;
  std::string session_;
  int index_;
  bool typist_;
  std::string client_id_;
  net::steady_timer edit_timer_;
  net::steady_timer cursor_timer_;
  std::mt19937 rng_;
  clock_type::time_point next_edit_, next_cursor_;
  bool stopped_ = false;
  bool joined_ = false;
  bool failed_ = false;
  bool dropped_ = false;
  bool resuming_ = false;
  int reject_run_ = 0;
  std::string participant_id_, resume_token_;
  std::uint64_t version_ = 0;
  std::u16string doc_;
  std::deque<pending_edit> unconfirmed_;
  bool in_flight_ = false;
  std::size_t in_flight_count_ = 0;
  std::uint64_t retry_after_version_ = 0;
};

/// Creates sessions over one keep-alive HTTP connection (reconnecting if the server closes it).
class session_creator {
 public:
  explicit session_creator(const options& opt) : opt_(opt), stream_(ioc_) {}

  std::string create() {
    for (int attempt = 0;; ++attempt) {
      try {
        if (!connected_) {
          stream_.connect(tcp::endpoint(net::ip::make_address(opt_.host),
                                        static_cast<unsigned short>(opt_.port)));
          connected_ = true;
        }
        http::request<http::string_body> req{http::verb::post, "/api/sessions", 11};
        req.set(http::field::host, opt_.host);
        if (!opt_.token.empty()) req.set(http::field::authorization, "Bearer " + opt_.token);
        req.body() = R"({"title":"loadgen"})";
        req.prepare_payload();
        http::write(stream_, req);
        http::response<http::string_body> res;
        http::read(stream_, buf_, res);
        if (!res.keep_alive()) reset();
        if (res.result() != http::status::created)
          throw std::runtime_error("create session: " + std::to_string(res.result_int()) + " " +
                                   res.body());
        return json::parse(res.body())["sessionId"];
      } catch (const boost::system::system_error&) {
        reset();
        if (attempt >= 2) throw;
      }
    }
  }

 private:
  void reset() {
    beast::error_code ec;
    stream_.socket().close(ec);  // connect() opens it again
    buf_.clear();
    connected_ = false;
  }

  const options& opt_;
  net::io_context ioc_;
  beast::tcp_stream stream_;
  beast::flat_buffer buf_;
  bool connected_ = false;
};

std::uint64_t fnv(const std::u16string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (char16_t c : s) h = (h ^ static_cast<std::uint64_t>(c)) * 1099511628211ull;
  return h;
}

/// Raises the soft RLIMIT_NOFILE to the hard limit; returns the soft limit in force.
rlim_t raise_fd_limit() {
  rlimit rl{};
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return 0;
  if (rl.rlim_cur < rl.rlim_max) {
    rlimit want = rl;
    want.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &want) == 0) rl = want;
  }
  return rl.rlim_cur;
}

/// Soft "Max open files" of a process (0 when unknown).
long fd_limit_of(int pid) {
  if (pid <= 0) return 0;
  std::ifstream limits("/proc/" + std::to_string(pid) + "/limits");
  std::string line;
  while (std::getline(limits, line)) {
    if (line.rfind("Max open files", 0) != 0) continue;
    std::istringstream in(line.substr(14));
    std::string soft;
    in >> soft;
    return soft == "unlimited" ? std::numeric_limits<long>::max() : std::stol(soft);
  }
  return 0;
}

/// "127.0.0.2-127.0.0.9" or "127.0.0.2,127.0.0.3" (or both mixed) -> addresses.
std::vector<net::ip::address> parse_addrs(const std::string& spec) {
  std::vector<net::ip::address> out;
  std::stringstream in(spec);
  std::string item;
  while (std::getline(in, item, ',')) {
    if (item.empty()) continue;
    auto dash = item.find('-');
    if (dash == std::string::npos) {
      out.push_back(net::ip::make_address(item));
      continue;
    }
    auto a = net::ip::make_address_v4(item.substr(0, dash)).to_uint();
    auto b = net::ip::make_address_v4(item.substr(dash + 1)).to_uint();
    if (b < a || b - a > 65535) throw std::runtime_error("bad address range " + item);
    for (auto x = a; x <= b; ++x) out.push_back(net::ip::address_v4(x));
  }
  return out;
}

/// Writes sessions straight into a (stopped) roomd's data directory, like POST /api/sessions.
int seed_sessions(const options& opt) {
  namespace el = rooms::eventlog;
  el::store_options so;
  so.path = opt.data_dir;
  auto opened = el::store::open(so);
  if (!opened.ok()) {
    std::cerr << "loadgen: open " << opt.data_dir << ": " << opened.error().to_string() << "\n";
    return 1;
  }
  auto& store = **opened;
  auto t0 = clock_type::now();
  for (int i = 0; i < opt.seed_sessions; ++i) {
    el::session_meta meta;
    meta.id = el::session_id::random();
    meta.created_at = el::now_ms();
    meta.last_activity_at = meta.created_at;
    meta.language = "plaintext";
    meta.title = "seed " + std::to_string(i);
    meta.key_hash = rooms::base::sha256_hex(rooms::base::random_hex(24));  // a key nobody keeps
    el::event created;
    created.seq = 1;
    created.ts = meta.created_at;
    created.type = el::event_type::session_created;
    created.payload = {{"language", meta.language}, {"title", meta.title}};
    auto st = store.create_session(meta, created);
    if (!st.ok()) {
      std::cerr << "loadgen: create_session: " << st.to_string() << "\n";
      return 1;
    }
  }
  auto t1 = clock_type::now();
  // As a server that has run a while: the sessions sit in SST files, not only in the WAL.
  if (opt.seed_compact) {
    auto st = store.compact();
    if (!st.ok()) std::cerr << "loadgen: compact: " << st.to_string() << "\n";
  }
  auto t2 = clock_type::now();
  json out = {{"mode", "seed"},
              {"sessions", opt.seed_sessions},
              {"createS", std::chrono::duration<double>(t1 - t0).count()},
              {"compactS", std::chrono::duration<double>(t2 - t1).count()}};
  std::cout << out.dump() << std::endl;
  return 0;
}

using room_list = std::vector<std::vector<std::shared_ptr<client>>>;

bool create_rooms(net::io_context& ioc, const options& opt, totals& t, room_list& rooms,
                  bool typists) {
  try {
    session_creator creator(opt);
    int index = 0;
    for (auto& room : rooms) {
      auto sid = creator.create();
      for (int p = 0; p < opt.participants; ++p)
        room.push_back(
            std::make_shared<client>(ioc, opt, t, sid, index++, typists && p < opt.typists));
      for (auto& c : room) c->room = &room;
    }
  } catch (const std::exception& e) {
    std::cerr << "loadgen: " << e.what() << "\n";
    return false;
  }
  return true;
}

template <class Done>
void run_until(net::io_context& ioc, Done done, std::chrono::milliseconds limit) {
  auto deadline = clock_type::now() + limit;
  while (!done() && clock_type::now() < deadline) ioc.run_for(std::chrono::milliseconds(20));
}

/// Benchmark target 4: idle connection ceiling, then drop and resume.
int run_ceiling(const options& opt, const tcp::endpoint& ep, long fd_soft) {
  totals t;
  net::io_context ioc;
  const std::size_t n =
      static_cast<std::size_t>(opt.rooms) * static_cast<std::size_t>(opt.participants);
  auto base = read_proc(opt.roomd_pid);
  room_list rooms(static_cast<std::size_t>(opt.rooms));
  auto c0 = clock_type::now();
  if (!create_rooms(ioc, opt, t, rooms, false)) return 1;
  auto c1 = clock_type::now();

  // Join everyone, at most connect_window connects + joins in flight (a burst of 50,000 SYNs
  // would only overflow the accept backlog).
  std::vector<std::shared_ptr<client>> all;
  all.reserve(n);
  for (auto& room : rooms)
    for (auto& c : room) all.push_back(c);
  std::size_t started = 0;
  auto j0 = clock_type::now();
  auto deadline =
      j0 + std::chrono::seconds(std::max<std::int64_t>(60, static_cast<std::int64_t>(n / 200)));
  while ((t.joins + t.failed < n) && clock_type::now() < deadline) {
    // Signed: a client that fails after joining counts in both.
    auto in_flight = [&] {
      return static_cast<long>(started) - static_cast<long>(t.joins + t.failed);
    };
    while (started < n && in_flight() < opt.connect_window) all[started++]->start(ep);
    ioc.run_for(std::chrono::milliseconds(5));
  }
  auto j1 = clock_type::now();
  if (t.joins < n) {
    std::cerr << "loadgen: only " << t.joins << " of " << n << " clients joined (" << t.failed
              << " failed)\n";
  }
  ioc.run_for(std::chrono::seconds(1));  // let roomd settle (participant_joined fan-out)
  auto joined_proc = read_proc(opt.roomd_pid);
  const auto joined_n = t.joins;

  // Drop and resume.
  const std::size_t k = static_cast<std::size_t>(opt.drop);
  std::vector<std::pair<std::size_t, std::size_t>> dropped;  // (room, participant)
  for (std::size_t p = 1; p < static_cast<std::size_t>(opt.participants) && dropped.size() < k; ++p)
    for (std::size_t r = 0; r < rooms.size() && dropped.size() < k; ++r) dropped.push_back({r, p});
  std::vector<std::size_t> affected;
  {
    std::vector<bool> seen(rooms.size());
    for (auto& [r, p] : dropped)
      if (!seen[r]) {
        seen[r] = true;
        affected.push_back(r);
      }
  }
  const std::size_t typing =
      std::min(affected.size(), static_cast<std::size_t>(std::max(0, opt.drop_typists)));
  double resume_all_s = 0, gap_s = 0, resume_roomd_cpu_s = 0, resume_loadgen_cpu_s = 0;
  std::size_t resumed = 0, diverged = 0, behind = 0;
  auto errors_before_drop = t.errors;
  if (k > 0 && joined_n == n) {
    // Typists in the first rooms type through the whole drop and resume.
    for (std::size_t i = 0; i < typing; ++i) {
      rooms[affected[i]][0]->make_typist();
      rooms[affected[i]][0]->schedule(clock_type::now());
    }
    ioc.run_for(std::chrono::seconds(1));
    for (auto& [r, p] : dropped) rooms[r][p]->drop();
    ioc.run_for(std::chrono::milliseconds(200));
    // An edit in every affected room while its dropped participants are away: they must get it
    // on resume (the room's version moves past the version they resume from).
    auto g0 = clock_type::now();
    for (std::size_t i = typing; i < affected.size(); ++i) rooms[affected[i]][0]->edit_once();
    run_until(
        ioc,
        [&] {
          for (std::size_t i = typing; i < affected.size(); ++i)
            if (!rooms[affected[i]][0]->settled()) return false;
          return true;
        },
        std::chrono::seconds(30));
    gap_s = std::chrono::duration<double>(clock_type::now() - g0).count();
    ioc.run_for(std::chrono::milliseconds(300));

    // Reconnect them all at once.
    std::vector<std::shared_ptr<client>> fresh;
    fresh.reserve(dropped.size());
    for (auto& [r, p] : dropped) {
      auto& old = rooms[r][p];
      auto c = std::make_shared<client>(ioc, opt, t, old->session(), old->index(), false);
      c->take_over(*old);
      fresh.push_back(c);
      old = c;
    }
    const auto proc_resume0 = read_proc(opt.roomd_pid);
    const auto self_resume0 = read_proc(static_cast<int>(getpid()));
    t.resume_start = clock_type::now();
    for (auto& c : fresh) c->start(ep);
    t.resume_start_loop_s =
        std::chrono::duration<double>(clock_type::now() - t.resume_start).count();
    run_until(
        ioc,
        [&] {
          return t.resume.samples.size() + std::count_if(fresh.begin(), fresh.end(),
                                                         [](auto& c) { return c->failed(); }) >=
                 fresh.size();
        },
        std::chrono::milliseconds(static_cast<std::int64_t>(opt.resume_limit_s * 1000)));
    resumed = t.resume.samples.size();
    resume_all_s = t.resume.pct(100) / 1e6;
    // CPU spent while resuming: tells a slow roomd from a starved one on a shared machine.
    resume_roomd_cpu_s = read_proc(opt.roomd_pid).cpu_s - proc_resume0.cpu_s;
    resume_loadgen_cpu_s = read_proc(static_cast<int>(getpid())).cpu_s - self_resume0.cpu_s;
    // Subsequent events must reach every resumed client: one more edit in every affected room.
    for (std::size_t i = typing; i < affected.size(); ++i) rooms[affected[i]][0]->edit_once();
    ioc.run_for(std::chrono::seconds(2));
    for (std::size_t i = 0; i < typing; ++i) rooms[affected[i]][0]->stop_schedule();
    auto converged = [&] {
      for (auto r : affected) {
        if (!rooms[r][0]->settled()) return false;
        for (auto& c : rooms[r])
          if (c->version() != rooms[r][0]->version()) return false;
      }
      return true;
    };
    run_until(ioc, converged, std::chrono::seconds(30));
    for (auto r : affected) {
      auto& room = rooms[r];
      for (auto& c : room)
        if (c->version() != room[0]->version() || fnv(c->doc()) != fnv(room[0]->doc())) {
          ++diverged;
          break;
        }
    }
    for (auto& [r, p] : dropped)
      if (rooms[r][p]->version() < rooms[r][0]->version()) ++behind;
  }
  const auto errors_seen = t.errors;
  const auto after = read_proc(opt.roomd_pid);
  for (auto& room : rooms)
    for (auto& c : room) c->close();
  ioc.run_for(std::chrono::milliseconds(
      std::min<std::int64_t>(5000, 300 + static_cast<std::int64_t>(n / 20))));

  const double rss_per_conn = joined_n ? static_cast<double>(joined_proc.rss_kb - base.rss_kb) /
                                             static_cast<double>(joined_n)
                                       : 0;
  json out = {{"mode", "ceiling"},
              {"rooms", opt.rooms},
              {"participants", opt.participants},
              {"connections", n},
              {"joined", joined_n},
              {"sourceAddrs", opt.source_addrs.size()},
              {"createS", std::chrono::duration<double>(c1 - c0).count()},
              {"joinS", std::chrono::duration<double>(j1 - j0).count()},
              {"baseRssMiB", base.rss_kb / 1024.0},
              {"roomdRssMiB", joined_proc.rss_kb / 1024.0},
              {"rssPerConnKiB", rss_per_conn},
              {"roomdRssAfterResumeMiB", after.rss_kb / 1024.0},
              {"dropped", dropped.size()},
              {"typingRooms", typing},
              {"gapEditS", gap_s},
              {"resumed", resumed},
              {"resumeMismatch", t.resume_mismatch},
              {"resumedPastDrop", t.resume_advanced},
              {"resumeP50Ms", t.resume.pct(50) / 1000.0},
              {"resumeP99Ms", t.resume.pct(99) / 1000.0},
              {"resumeAllS", resume_all_s},
              {"resumeStartLoopS", t.resume_start_loop_s},
              {"resumeRoomdCpuS", resume_roomd_cpu_s},
              {"resumeLoadgenCpuS", resume_loadgen_cpu_s},
              {"resumeConnectedP50Ms", t.resume_connect.pct(50) / 1000.0},
              {"resumeConnectedMaxMs", t.resume_connect.pct(100) / 1000.0},
              {"resumeUpgradedP50Ms", t.resume_upgrade.pct(50) / 1000.0},
              {"resumeUpgradedMaxMs", t.resume_upgrade.pct(100) / 1000.0},
              {"resumedBehind", behind},
              {"roomsDiverged", diverged},
              {"errors", errors_seen},
              {"errorsBeforeDrop", errors_before_drop},
              {"closes", t.closes},
              {"loadgenFdLimit", fd_soft},
              {"roomdFdLimit", fd_limit_of(opt.roomd_pid)}};
  if (!opt.json_only) {
    std::printf(
        "loadgen --ceiling: %zu of %zu clients joined (%d rooms x %d, %zu source addresses) in "
        "%.1f s\n",
        joined_n, n, opt.rooms, opt.participants, opt.source_addrs.size(),
        out["joinS"].get<double>());
    std::printf("  roomd RSS %.1f MiB joined (%.1f MiB before): %.1f KiB per connection\n",
                joined_proc.rss_kb / 1024.0, base.rss_kb / 1024.0, rss_per_conn);
    if (k > 0)
      std::printf(
          "  dropped %zu abruptly (%zu rooms, %zu with a typist), reconnected at once: %zu "
          "resumed, all in %.3f s (p50 %.1f ms, p99 %.1f ms); "
          "participant changed %llu; the room had moved on for %llu; behind the room at the end "
          "%zu; rooms diverged %zu; "
          "CPU while resuming: roomd %.2f s, loadgen %.2f s\n",
          dropped.size(), affected.size(), typing, resumed, resume_all_s,
          out["resumeP50Ms"].get<double>(), out["resumeP99Ms"].get<double>(),
          static_cast<unsigned long long>(t.resume_mismatch),
          static_cast<unsigned long long>(t.resume_advanced), behind, diverged, resume_roomd_cpu_s,
          resume_loadgen_cpu_s);
    std::printf("  errors %llu; closes %llu\n", static_cast<unsigned long long>(errors_seen),
                static_cast<unsigned long long>(t.closes));
  }
  std::cout << out.dump() << std::endl;
  const bool ok = joined_n == n && errors_seen == 0 &&
                  (k == 0 || (resumed == dropped.size() && diverged == 0 && behind == 0 &&
                              t.resume_mismatch == 0));
  if (!ok) std::cerr << "loadgen: FAILED\n";
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  options opt;
  CLI::App app{"loadgen: open-loop collaborative-editing load against roomd"};
  app.set_version_flag("--version", std::string("loadgen ") + ROOMS_VERSION);
  app.add_option("--host", opt.host)->capture_default_str();
  app.add_option("--port", opt.port)->capture_default_str();
  app.add_option("--more-ports", opt.more_ports,
                 "other nodes of a cluster on --host (comma list): participants connect to the "
                 "nodes in turn")
      ->delimiter(',');
  app.add_option("--rooms", opt.rooms)->capture_default_str();
  app.add_option("--participants", opt.participants, "per room")->capture_default_str();
  app.add_option("--typists", opt.typists, "typists per room")->capture_default_str();
  app.add_option("--doc-bytes", opt.doc_bytes,
                 "preload every room's document with this many characters")
      ->capture_default_str();
  app.add_option("--edit-rate", opt.edit_rate, "edits/s per typist")->capture_default_str();
  app.add_option("--cursor-rate", opt.cursor_rate, "cursor moves/s per typist")
      ->capture_default_str();
  app.add_option("--duration", opt.duration_s, "measured seconds")->capture_default_str();
  app.add_option("--warmup", opt.warmup_s, "seconds before measuring")->capture_default_str();
  app.add_option("--token", opt.token, "admin token (bypasses the creation rate limit)");
  app.add_option("--roomd-pid", opt.roomd_pid, "read roomd's CPU and RSS from /proc");
  app.add_option("--cpu", opt.cpu, "pin loadgen to this CPU");
  app.add_flag("--json", opt.json_only, "print only the JSON line");
  std::string source_addrs;
  app.add_option(
      "--source-addrs", source_addrs,
      "bind client sockets to these addresses, round robin (127.0.0.2-127.0.0.9 or a,b,c)");
  app.add_flag("--ceiling", opt.ceiling,
               "connection-ceiling mode: join idle clients, report RSS per connection, drop --drop "
               "and resume them");
  app.add_option("--drop", opt.drop,
                 "--ceiling: clients to drop abruptly and reconnect at once with resume")
      ->capture_default_str();
  app.add_option("--drop-typists", opt.drop_typists,
                 "--ceiling: affected rooms with a typist typing through the drop")
      ->capture_default_str();
  app.add_option("--connect-window", opt.connect_window,
                 "--ceiling: connects + joins in flight while ramping up")
      ->capture_default_str();
  app.add_option("--resume-limit", opt.resume_limit_s,
                 "--ceiling: seconds to wait for every resume")
      ->capture_default_str();
  app.add_option("--passivate-rooms", opt.passivate_rooms,
                 "more rooms, one idle participant each, all left at the start of the measured "
                 "window (passivation storm)")
      ->capture_default_str();
  app.add_option("--seed-sessions", opt.seed_sessions,
                 "write this many sessions into --data-dir (roomd stopped) and exit");
  app.add_option("--data-dir", opt.data_dir, "roomd data directory for --seed-sessions");
  app.add_flag("!--no-compact", opt.seed_compact,
               "--seed-sessions: leave the sessions in the WAL (no compaction)");
  CLI11_PARSE(app, argc, argv);
  if (opt.seed_sessions > 0) {
    if (opt.data_dir.empty()) {
      std::cerr << "loadgen: --seed-sessions needs --data-dir\n";
      return 2;
    }
    return seed_sessions(opt);
  }
  if (opt.ceiling) opt.typists = 0;
  if (opt.typists > opt.participants || opt.rooms < 1 || opt.participants < 1 ||
      opt.edit_rate <= 0 || opt.cursor_rate <= 0 || opt.drop < 0 ||
      opt.drop > opt.rooms * (opt.participants - 1)) {
    std::cerr << "loadgen: need rooms >= 1, 1 <= typists <= participants, positive rates, 0 <= "
                 "drop <= rooms x (participants - 1)\n";
    return 2;
  }
  try {
    opt.source_addrs = parse_addrs(source_addrs);
  } catch (const std::exception& e) {
    std::cerr << "loadgen: --source-addrs: " << e.what() << "\n";
    return 2;
  }
  // One descriptor per client socket: take the hard limit, and say when roomd's is too low.
  const long connections = static_cast<long>(opt.rooms) * opt.participants;
  const auto fd_soft = static_cast<long>(raise_fd_limit());
  if (fd_soft < connections + 64)
    std::cerr << "loadgen: warning: the open-file limit (" << fd_soft
              << ", the hard limit) is below " << connections
              << " connections + 64; raise the hard limit (ulimit -Hn, as root) or use fewer "
                 "connections\n";
  if (long roomd_fds = fd_limit_of(opt.roomd_pid); roomd_fds > 0 && roomd_fds < connections + 256)
    std::cerr << "loadgen: warning: roomd's open-file limit is " << roomd_fds << ", below "
              << connections << " connections + 256; raise it before starting roomd (ulimit -n)\n";
  if (opt.cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(opt.cpu, &set);
    sched_setaffinity(0, sizeof set, &set);
  }

  tcp::endpoint ep(net::ip::make_address(opt.host), static_cast<unsigned short>(opt.port));
  if (opt.ceiling) return run_ceiling(opt, ep, fd_soft);

  totals t;
  net::io_context ioc;
  room_list rooms(static_cast<std::size_t>(opt.rooms));
  if (!create_rooms(ioc, opt, t, rooms, true)) return 1;
  std::vector<tcp::endpoint> nodes{ep};
  for (int p : opt.more_ports) nodes.emplace_back(ep.address(), static_cast<unsigned short>(p));
  std::size_t next_node = 0;
  for (auto& room : rooms)
    for (auto& c : room) c->start(nodes[next_node++ % nodes.size()]);
  // The rooms that will passivate: one idle participant each, indexes after the typists' rooms.
  room_list leaving(static_cast<std::size_t>(std::max(0, opt.passivate_rooms)));
  try {
    session_creator creator(opt);
    int index = opt.rooms * opt.participants;
    for (auto& room : leaving) {
      room.push_back(std::make_shared<client>(ioc, opt, t, creator.create(), index++, false));
      room[0]->room = &room;
      room[0]->start(nodes[next_node++ % nodes.size()]);
    }
  } catch (const std::exception& e) {
    std::cerr << "loadgen: " << e.what() << "\n";
    return 1;
  }

  // Wait for every join, then run the schedule.
  auto all = [&](auto pred) {
    for (auto& room : rooms)
      for (auto& c : room)
        if (!pred(*c)) return false;
    return true;
  };
  auto everyone = [&](auto pred) {
    if (!all(pred)) return false;
    for (auto& room : leaving)
      if (!pred(*room[0])) return false;
    return true;
  };
  run_until(
      ioc, [&] { return everyone([](const client& c) { return c.joined(); }); },
      std::chrono::seconds(60));
  if (!everyone([](const client& c) { return c.joined(); })) {
    std::cerr << "loadgen: not every client joined within 60 s\n";
    return 1;
  }
  if (opt.doc_bytes > 0) {
    // One participant per room pastes the document; everyone must hold it before typing starts.
    for (auto& room : rooms) room[0]->preload(opt.doc_bytes);
    for (auto& room : leaving) room[0]->preload(opt.doc_bytes);
    run_until(
        ioc,
        [&] { return everyone([&](const client& c) { return c.doc().size() >= opt.doc_bytes; }); },
        std::chrono::seconds(60));
    if (!everyone([&](const client& c) { return c.doc().size() >= opt.doc_bytes; })) {
      std::cerr << "loadgen: the preloaded document did not reach every client within 60 s\n";
      return 1;
    }
  }
  auto start = clock_type::now();
  for (auto& room : rooms)
    for (auto& c : room) c->schedule(start);
  ioc.run_for(std::chrono::milliseconds(static_cast<std::int64_t>(opt.warmup_s * 1000)));
  auto before = read_proc(opt.roomd_pid);
  auto self_before = read_proc(static_cast<int>(getpid()));
  auto sent0 = t.sent, recv0 = t.received, edits0 = t.edits, rejects0 = t.rejects,
       pushes0 = t.pushes;
  t.measuring = true;
  auto m0 = clock_type::now();
  for (auto& room : leaving) room[0]->close();  // all at once: they passivate together
  ioc.run_for(std::chrono::milliseconds(static_cast<std::int64_t>(opt.duration_s * 1000)));
  auto m1 = clock_type::now();
  t.measuring = false;
  auto after = read_proc(opt.roomd_pid);
  auto self_after = read_proc(static_cast<int>(getpid()));
  for (auto& room : rooms)
    for (auto& c : room) c->stop_schedule();
  run_until(
      ioc, [&] { return all([](const client& c) { return c.settled(); }); },
      std::chrono::seconds(30));
  // Give the last broadcasts a moment to reach every reader.
  ioc.run_for(std::chrono::milliseconds(500));

  std::size_t diverged = 0;
  for (auto& room : rooms) {
    for (auto& c : room)
      if (c->version() != room[0]->version() || fnv(c->doc()) != fnv(room[0]->doc())) {
        ++diverged;
        break;
      }
  }
  const auto errors_seen = t.errors;  // closing below may race reads; judge what came before
  for (auto& room : rooms)
    for (auto& c : room) c->close();
  ioc.run_for(std::chrono::milliseconds(300));

  // Per receiver: payload bytes received per keystroke of another typist, and the longest run of
  // consecutive rejects of any client.
  std::uint64_t rx_bytes = 0, rx_frame_bytes = 0, rx_keys = 0;
  double max_bytes_per_key = 0;
  int max_reject_run = 0;
  std::size_t over5 = 0;
  for (auto& room : rooms)
    for (auto& c : room) {
      if (c->rx_keystrokes) {  // receivers only: a lone typist receives its acks and nobody's keys
        rx_bytes += c->rx_bytes;
        rx_frame_bytes += c->rx_frame_bytes;
        rx_keys += c->rx_keystrokes;
      }
      if (c->rx_keystrokes)
        max_bytes_per_key = std::max(max_bytes_per_key, static_cast<double>(c->rx_bytes) /
                                                            static_cast<double>(c->rx_keystrokes));
      max_reject_run = std::max(max_reject_run, c->max_reject_run);
      if (c->max_reject_run > 5) ++over5;
    }
  const double bytes_per_key =
      rx_keys ? static_cast<double>(rx_bytes) / static_cast<double>(rx_keys) : 0;
  const double frame_bytes_per_key =
      rx_keys ? static_cast<double>(rx_frame_bytes) / static_cast<double>(rx_keys) : 0;

  double secs = std::chrono::duration<double>(m1 - m0).count();
  json out = {{"rooms", opt.rooms},
              {"participants", opt.participants},
              {"typists", opt.typists},
              {"passivateRooms", opt.passivate_rooms},
              {"editRate", opt.edit_rate},
              {"cursorRate", opt.cursor_rate},
              {"seconds", secs},
              {"edits", t.edits - edits0},
              {"latencySamples", t.latency.samples.size()},
              {"p50Ms", t.latency.pct(50) / 1000.0},
              {"p90Ms", t.latency.pct(90) / 1000.0},
              {"p99Ms", t.latency.pct(99) / 1000.0},
              {"p999Ms", t.latency.pct(99.9) / 1000.0},
              {"maxMs", t.latency.pct(100) / 1000.0},
              {"msgsOutPerS", static_cast<double>(t.sent - sent0) / secs},
              {"msgsInPerS", static_cast<double>(t.received - recv0) / secs},
              {"rejectsPerPush", t.pushes - pushes0 ? static_cast<double>(t.rejects - rejects0) /
                                                          static_cast<double>(t.pushes - pushes0)
                                                    : 0},
              {"maxConsecutiveRejects", max_reject_run},
              {"clientsOver5ConsecutiveRejects", over5},
              {"bytesPerKeystrokePerReceiver", bytes_per_key},
              {"maxBytesPerKeystrokePerReceiver", max_bytes_per_key},
              {"frameBytesPerKeystrokePerReceiver", frame_bytes_per_key},
              {"errors", t.errors},
              {"closes", t.closes},
              {"roomsDiverged", diverged},
              {"loadgenCpuPct", 100.0 * (self_after.cpu_s - self_before.cpu_s) / secs}};
  if (opt.roomd_pid > 0) {
    out["roomdCpuPct"] = 100.0 * (after.cpu_s - before.cpu_s) / secs;
    out["roomdRssMiB"] = after.rss_kb / 1024.0;
  }
  if (!opt.json_only) {
    std::printf(
        "loadgen: %d rooms x %d participants (%d typing at %.1f edits/s, %.1f cursor/s) for %.1f "
        "s\n",
        opt.rooms, opt.participants, opt.typists, opt.edit_rate, opt.cursor_rate, secs);
    std::printf(
        "  edit latency to other participants: p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  p99.9 %.2f "
        "ms  max %.2f ms (%zu samples)\n",
        out["p50Ms"].get<double>(), out["p90Ms"].get<double>(), out["p99Ms"].get<double>(),
        out["p999Ms"].get<double>(), out["maxMs"].get<double>(), t.latency.samples.size());
    std::printf(
        "  messages/s out %.0f in %.0f; rejects per push %.3f; errors %llu; closes %llu; rooms "
        "diverged %zu\n",
        out["msgsOutPerS"].get<double>(), out["msgsInPerS"].get<double>(),
        out["rejectsPerPush"].get<double>(), static_cast<unsigned long long>(t.errors),
        static_cast<unsigned long long>(t.closes), diverged);
    std::printf(
        "  longest run of consecutive rejects of one client %d (clients over 5: %zu); received per "
        "keystroke per receiver %.1f bytes "
        "payload (%.1f with frame headers; worst receiver %.1f)\n",
        max_reject_run, over5, bytes_per_key, frame_bytes_per_key, max_bytes_per_key);
    if (max_reject_run > 5) {
      // Who starves: the clients with the longest runs (index = order of creation and joining).
      std::vector<std::pair<int, std::string>> runs;
      for (auto& room : rooms)
        for (auto& c : room) runs.push_back({c->max_reject_run, c->client_id()});
      std::sort(runs.begin(), runs.end(), std::greater<>());
      std::printf("  longest reject runs:");
      for (std::size_t i = 0; i < runs.size() && i < 8; ++i)
        std::printf(" %s %d", runs[i].second.c_str(), runs[i].first);
      std::printf("\n");
    }
    if (opt.roomd_pid > 0)
      std::printf("  roomd CPU %.0f%%  RSS %.1f MiB (loadgen CPU %.0f%%)\n",
                  out["roomdCpuPct"].get<double>(), out["roomdRssMiB"].get<double>(),
                  out["loadgenCpuPct"].get<double>());
  }
  std::cout << out.dump() << std::endl;
  if (diverged || errors_seen)
    std::cerr << "loadgen: FAILED: " << diverged << " rooms diverged, " << errors_seen
              << " errors\n";
  return diverged == 0 && errors_seen == 0 ? 0 : 1;
}
