/// loadgen: N rooms x M participants against a running roomd, open loop, measuring the latency
/// from an edit's intended send time to its code_changed at every other participant.
///
/// Typists push single-character collab updates (CodeMirror semantics: one push in flight,
/// unconfirmed edits rebased on remote ones and resent after code_update_rejected) and cursor
/// moves on a fixed schedule; latency counts from the scheduled time, so a stalled server cannot
/// hide its stall (no coordinated omission). At the end every client of a room must hold the same
/// version and document.

#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <fstream>
#include <iostream>
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

#include "actors/changeset.hpp"

namespace {

namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
namespace net = boost::asio;
using tcp = net::ip::tcp;
using json = nlohmann::json;
using clock_type = std::chrono::steady_clock;
using rooms::actors::changeset;

struct options {
  std::string host = "127.0.0.1";
  int port = 8080;
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
  recorder latency;
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
  if (f.size() > 13) s.cpu_s = (std::stod(f[11]) + std::stod(f[12])) / static_cast<double>(sysconf(_SC_CLK_TCK));
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
  client(net::io_context& ioc, const options& opt, totals& t, std::string session, int index, bool typist)
      : opt_(opt), t_(t), ws_(net::make_strand(ioc)), session_(std::move(session)), index_(index), typist_(typist),
        edit_timer_(ws_.get_executor()), cursor_timer_(ws_.get_executor()), rng_(static_cast<unsigned>(index * 7919 + 13)) {
    client_id_ = "lg" + std::to_string(index);
  }

  void start(tcp::endpoint ep) {
    beast::get_lowest_layer(ws_).async_connect(ep, [self = shared_from_this()](beast::error_code ec) {
      if (ec) return self->fail("connect", ec);
      beast::error_code ignored;
      beast::get_lowest_layer(self->ws_).socket().set_option(tcp::no_delay(true), ignored);
      self->ws_.async_handshake(self->opt_.host, "/ws/" + self->session_, [self](beast::error_code ec) {
        if (ec) return self->fail("handshake", ec);
        self->send(json{{"type", "join_session"}, {"name", "load " + self->client_id_}, {"role", "candidate"}});
        self->read();
      });
    });
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

  bool joined() const { return joined_; }

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
      if (insert.size() > 1) self->send(json{{"type", "code_update"}, {"version", self->version_}, {"updates", json::array({{{"clientID", "preload"}, {"changes", changes}}})}});
    });
  }
  bool settled() const { return unconfirmed_.empty() && !in_flight_; }
  std::uint64_t version() const { return version_; }
  const std::u16string& doc() const { return doc_; }
  const std::string& client_id() const { return client_id_; }
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
    if (ec == net::error::operation_aborted || ec == websocket::error::closed) return;
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
    ws_.async_write(net::buffer(out_.front()), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->fail("write", ec);
      self->out_.pop_front();
      if (!self->out_.empty()) self->write();
    });
  }

  void read() {
    ws_.async_read(buf_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) {
        if (ec == websocket::error::closed) ++self->t_.closes;
        return self->fail("read", ec);
      }
      ++self->t_.received;
      auto msg = json::parse(beast::buffers_to_string(self->buf_.data()), nullptr, false);
      self->buf_.consume(self->buf_.size());
      self->on_message(msg);
      self->read();
    });
  }

  void on_message(const json& m) {
    const std::string type = m.value("type", "");
    if (type == "session_state") {
      joined_ = true;
      version_ = m["version"];
      doc_ = rooms::actors::utf8_to_utf16(m["doc"].get<std::string>());
    } else if (type == "code_changed") {
      on_changes(m);
    } else if (type == "code_update_rejected") {
      ++t_.rejects;
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
        continue;
      }
      // A remote update: rebase our unconfirmed edits over it.
      for (auto& e : unconfirmed_) e.pos = cs->map_pos(e.pos, 1);
      // Latency of this typist's edit as seen here.
      for (auto& peer : *room) {
        if (peer->client_id() != cid) continue;
        auto k = seen[cid]++;
        if (k < peer->intended.size() && t_.measuring)
          t_.latency.add(std::chrono::duration_cast<std::chrono::microseconds>(now - peer->intended[k]).count());
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
      self->next_edit_ += std::chrono::microseconds(static_cast<std::int64_t>(1e6 / self->opt_.edit_rate));
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
      self->next_cursor_ += std::chrono::microseconds(static_cast<std::int64_t>(1e6 / self->opt_.cursor_rate));
      std::size_t pos = self->doc_.empty() ? 0 : self->rng_() % (self->doc_.size() + 1);
      self->send(json{{"type", "cursor_update"}, {"version", self->version_}, {"anchor", pos}, {"head", pos}});
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
  std::uint64_t version_ = 0;
  std::u16string doc_;
  std::deque<pending_edit> unconfirmed_;
  bool in_flight_ = false;
  std::size_t in_flight_count_ = 0;
  std::uint64_t retry_after_version_ = 0;
};

std::string create_session(const options& opt) {
  net::io_context ioc;
  beast::tcp_stream stream(ioc);
  stream.connect(tcp::endpoint(net::ip::make_address(opt.host), static_cast<unsigned short>(opt.port)));
  http::request<http::string_body> req{http::verb::post, "/api/sessions", 11};
  req.set(http::field::host, opt.host);
  if (!opt.token.empty()) req.set(http::field::authorization, "Bearer " + opt.token);
  req.body() = R"({"title":"loadgen"})";
  req.prepare_payload();
  http::write(stream, req);
  beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(stream, buf, res);
  if (res.result() != http::status::created) throw std::runtime_error("create session: " + std::to_string(res.result_int()) + " " + res.body());
  return json::parse(res.body())["sessionId"];
}

std::uint64_t fnv(const std::u16string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (char16_t c : s) h = (h ^ static_cast<std::uint64_t>(c)) * 1099511628211ull;
  return h;
}

}  // namespace

int main(int argc, char** argv) {
  options opt;
  CLI::App app{"loadgen: open-loop collaborative-editing load against roomd"};
  app.set_version_flag("--version", std::string("loadgen ") + ROOMS_VERSION);
  app.add_option("--host", opt.host)->capture_default_str();
  app.add_option("--port", opt.port)->capture_default_str();
  app.add_option("--rooms", opt.rooms)->capture_default_str();
  app.add_option("--participants", opt.participants, "per room")->capture_default_str();
  app.add_option("--typists", opt.typists, "typists per room")->capture_default_str();
  app.add_option("--doc-bytes", opt.doc_bytes, "preload every room's document with this many characters")->capture_default_str();
  app.add_option("--edit-rate", opt.edit_rate, "edits/s per typist")->capture_default_str();
  app.add_option("--cursor-rate", opt.cursor_rate, "cursor moves/s per typist")->capture_default_str();
  app.add_option("--duration", opt.duration_s, "measured seconds")->capture_default_str();
  app.add_option("--warmup", opt.warmup_s, "seconds before measuring")->capture_default_str();
  app.add_option("--token", opt.token, "admin token (bypasses the creation rate limit)");
  app.add_option("--roomd-pid", opt.roomd_pid, "read roomd's CPU and RSS from /proc");
  app.add_option("--cpu", opt.cpu, "pin loadgen to this CPU");
  app.add_flag("--json", opt.json_only, "print only the JSON line");
  CLI11_PARSE(app, argc, argv);
  if (opt.typists > opt.participants || opt.rooms < 1 || opt.participants < 1 || opt.edit_rate <= 0 || opt.cursor_rate <= 0) {
    std::cerr << "loadgen: need rooms >= 1, 1 <= typists <= participants, positive rates\n";
    return 2;
  }
  if (opt.cpu >= 0) {
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(opt.cpu, &set);
    sched_setaffinity(0, sizeof set, &set);
  }

  totals t;
  net::io_context ioc;
  tcp::endpoint ep(net::ip::make_address(opt.host), static_cast<unsigned short>(opt.port));
  std::vector<std::vector<std::shared_ptr<client>>> rooms(static_cast<std::size_t>(opt.rooms));
  try {
    int index = 0;
    for (auto& room : rooms) {
      auto sid = create_session(opt);
      for (int p = 0; p < opt.participants; ++p) {
        room.push_back(std::make_shared<client>(ioc, opt, t, sid, index++, p < opt.typists));
      }
      for (auto& c : room) c->room = &room;
    }
  } catch (const std::exception& e) {
    std::cerr << "loadgen: " << e.what() << "\n";
    return 1;
  }
  for (auto& room : rooms)
    for (auto& c : room) c->start(ep);

  // Wait for every join, then run the schedule.
  auto all = [&](auto pred) {
    for (auto& room : rooms)
      for (auto& c : room)
        if (!pred(*c)) return false;
    return true;
  };
  auto run_until = [&](auto done, std::chrono::milliseconds limit) {
    auto deadline = clock_type::now() + limit;
    while (!done() && clock_type::now() < deadline) ioc.run_for(std::chrono::milliseconds(20));
  };
  run_until([&] { return all([](const client& c) { return c.joined(); }); }, std::chrono::seconds(60));
  if (!all([](const client& c) { return c.joined(); })) {
    std::cerr << "loadgen: not every client joined within 60 s\n";
    return 1;
  }
  if (opt.doc_bytes > 0) {
    // One participant per room pastes the document; everyone must hold it before typing starts.
    for (auto& room : rooms) room[0]->preload(opt.doc_bytes);
    run_until([&] { return all([&](const client& c) { return c.doc().size() >= opt.doc_bytes; }); }, std::chrono::seconds(60));
    if (!all([&](const client& c) { return c.doc().size() >= opt.doc_bytes; })) {
      std::cerr << "loadgen: the preloaded document did not reach every client within 60 s\n";
      return 1;
    }
  }
  auto start = clock_type::now();
  for (auto& room : rooms)
    for (auto& c : room) c->schedule(start);
  ioc.run_for(std::chrono::milliseconds(static_cast<std::int64_t>(opt.warmup_s * 1000)));
  auto before = read_proc(opt.roomd_pid);
  auto sent0 = t.sent, recv0 = t.received, edits0 = t.edits, rejects0 = t.rejects, pushes0 = t.pushes;
  t.measuring = true;
  auto m0 = clock_type::now();
  ioc.run_for(std::chrono::milliseconds(static_cast<std::int64_t>(opt.duration_s * 1000)));
  auto m1 = clock_type::now();
  t.measuring = false;
  auto after = read_proc(opt.roomd_pid);
  for (auto& room : rooms)
    for (auto& c : room) c->stop_schedule();
  run_until([&] { return all([](const client& c) { return c.settled(); }); }, std::chrono::seconds(30));
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

  double secs = std::chrono::duration<double>(m1 - m0).count();
  json out = {{"rooms", opt.rooms},
              {"participants", opt.participants},
              {"typists", opt.typists},
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
              {"rejectsPerPush", t.pushes - pushes0 ? static_cast<double>(t.rejects - rejects0) / static_cast<double>(t.pushes - pushes0) : 0},
              {"errors", t.errors},
              {"closes", t.closes},
              {"roomsDiverged", diverged}};
  if (opt.roomd_pid > 0) {
    out["roomdCpuPct"] = 100.0 * (after.cpu_s - before.cpu_s) / secs;
    out["roomdRssMiB"] = after.rss_kb / 1024.0;
  }
  if (!opt.json_only) {
    std::printf("loadgen: %d rooms x %d participants (%d typing at %.1f edits/s, %.1f cursor/s) for %.1f s\n", opt.rooms,
                opt.participants, opt.typists, opt.edit_rate, opt.cursor_rate, secs);
    std::printf("  edit latency to other participants: p50 %.2f ms  p90 %.2f ms  p99 %.2f ms  p99.9 %.2f ms  max %.2f ms (%zu samples)\n",
                out["p50Ms"].get<double>(), out["p90Ms"].get<double>(), out["p99Ms"].get<double>(), out["p999Ms"].get<double>(),
                out["maxMs"].get<double>(), t.latency.samples.size());
    std::printf("  messages/s out %.0f in %.0f; rejects per push %.3f; errors %llu; closes %llu; rooms diverged %zu\n",
                out["msgsOutPerS"].get<double>(), out["msgsInPerS"].get<double>(), out["rejectsPerPush"].get<double>(),
                static_cast<unsigned long long>(t.errors), static_cast<unsigned long long>(t.closes), diverged);
    if (opt.roomd_pid > 0)
      std::printf("  roomd CPU %.0f%%  RSS %.1f MiB\n", out["roomdCpuPct"].get<double>(), out["roomdRssMiB"].get<double>());
  }
  std::cout << out.dump() << std::endl;
  if (diverged || errors_seen) std::cerr << "loadgen: FAILED: " << diverged << " rooms diverged, " << errors_seen << " errors\n";
  return diverged == 0 && errors_seen == 0 ? 0 : 1;
}
