/// bench_rooms: room actors with the real event log, no sockets. Measures events/s and the
/// latency from a client's message to the room's publication of the resulting event (append
/// to the log included), through one hot room and across many rooms.
///
/// Each simulated client is a CAF actor speaking the gateway's connection protocol
/// (actors/room.hpp). Prints one JSON line per case.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>

#include <CLI/CLI.hpp>
#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/room.hpp"
#include "eventlog/store.hpp"

namespace {

using namespace rooms;
using json = nlohmann::json;
using clock_type = std::chrono::steady_clock;

struct shared_results {
  std::mutex mutex;
  std::vector<std::int64_t> latencies_us;
  std::atomic<std::uint64_t> events{0};
  std::atomic<int> joined{0};
  std::atomic<bool> measuring{false};
  std::atomic<bool> stop{false};
};

struct typist_state {
  static inline const char* name = "bench_typist";
  caf::actor room;
  std::uint64_t version = 0;
  std::size_t length = 0;
  clock_type::time_point sent;
  std::vector<std::int64_t> samples;
  std::uint64_t events = 0;
};

using typist_actor = caf::stateful_actor<typist_state>;
using go_atom = caf::atom_constant<caf::atom("go")>;
using done_atom = caf::atom_constant<caf::atom("done")>;

/// A participant typing in a closed loop: its next edit goes out when the previous one is
/// published back to it.
caf::behavior typist(typist_actor* self, actors::registry_actor registry, std::string sid,
                     shared_results* out) {
  auto me = caf::actor_cast<caf::actor>(self);
  auto push = [=] {
    auto& st = self->state;
    if (out->stop) return;
    st.sent = clock_type::now();
    json changes = json::array();
    if (st.length > 0) changes.push_back(st.length);
    changes.push_back(json::array({0, "x"}));
    json msg = {{"type", "code_update"},
                {"version", st.version},
                {"updates", json::array({{{"clientID", "b"}, {"changes", changes}}})}};
    self->send(st.room, actors::ws_in_atom::value, me, msg.dump());
  };
  self->request(registry, caf::infinite, actors::resolve_atom::value, sid)
      .await(
          [=](const caf::actor& room) {
            self->state.room = room;
            self->send(room, actors::ws_in_atom::value, me,
                       json{{"type", "join_session"}, {"name", "bench"}}.dump());
          },
          [=](caf::error& err) {
            std::cerr << "bench_rooms: resolve " << caf::to_string(err) << "\n";
          });
  return {
      [=](actors::ws_out_atom, const std::string& text) {
        auto& st = self->state;
        auto m = json::parse(text);
        const std::string type = m["type"];
        if (type == "session_state") {
          st.version = m["version"];
          ++out->joined;
        } else if (type == "code_changed") {
          st.version += m["updates"].size();
          st.length += m["updates"].size();
          auto us =
              std::chrono::duration_cast<std::chrono::microseconds>(clock_type::now() - st.sent)
                  .count();
          if (out->measuring) {
            st.samples.push_back(us);
            ++st.events;
          }
          push();
        } else if (type == "code_update_rejected") {
          st.version = m["version"];
          push();
        }
      },
      [=](go_atom) { push(); },
      [=](actors::joined_atom) {},
      [=](actors::ws_close_atom, int, const std::string&) {},
      [=](done_atom, caf::actor reply_to) {
        std::lock_guard lock(out->mutex);
        out->latencies_us.insert(out->latencies_us.end(), self->state.samples.begin(),
                                 self->state.samples.end());
        out->events += self->state.events;
        self->send(reply_to, done_atom::value);
        self->quit();
      },
  };
}

std::int64_t pct(std::vector<std::int64_t>& v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(p / 100.0 * static_cast<double>(v.size() - 1))];
}

json run_case(const std::string& name, int rooms_count, double seconds, bool sync,
              const std::string& dir) {
  std::filesystem::remove_all(dir);
  eventlog::store_options so;
  so.path = dir;
  so.sync = sync;
  auto store = eventlog::store::open(so);
  if (!store.ok()) throw std::runtime_error(store.error().to_string());
  actors::metrics stats;
  actors::run_queue runs(nullptr, 0, 0);
  auto svc = std::make_shared<actors::services>();
  svc->store = store->get();
  svc->runs = &runs;
  svc->stats = &stats;
  shared_results out;
  std::vector<caf::actor> clients;
  {
    caf::actor_system_config cfg;
    cfg.set("scheduler.policy", caf::atom("sharing"));
    caf::actor_system system{cfg};
    auto registry = actors::spawn_registry(system, svc);
    for (int r = 0; r < rooms_count; ++r) {
      eventlog::session_meta meta;
      meta.id = eventlog::session_id::random();
      meta.created_at = eventlog::now_ms();
      meta.language = "plaintext";
      eventlog::event created;
      created.seq = 1;
      created.ts = meta.created_at;
      created.payload = {{"language", "plaintext"}, {"title", ""}};
      if (auto s = (*store)->create_session(meta, created); !s.ok())
        throw std::runtime_error(s.to_string());
      clients.push_back(system.spawn(typist, registry, meta.id.str(), &out));
    }
    auto deadline = clock_type::now() + std::chrono::seconds(30);
    while (out.joined.load() < rooms_count && clock_type::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    for (auto& c : clients) caf::anon_send(c, go_atom::value);
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // warm-up
    out.measuring = true;
    auto t0 = clock_type::now();
    std::this_thread::sleep_for(std::chrono::milliseconds(static_cast<int>(seconds * 1000)));
    out.measuring = false;
    auto elapsed = std::chrono::duration<double>(clock_type::now() - t0).count();
    out.stop = true;
    caf::scoped_actor self{system};
    for (auto& c : clients) {
      self->send(c, done_atom::value, caf::actor(self));
      self->receive([](done_atom) {});
    }
    self->request(registry, std::chrono::seconds(30), actors::shutdown_atom::value)
        .receive([] {}, [](caf::error&) {});
    caf::anon_send_exit(registry, caf::exit_reason::user_shutdown);
    json result = {{"case", name},
                   {"rooms", rooms_count},
                   {"sync", sync},
                   {"seconds", elapsed},
                   {"eventsPerS", static_cast<double>(out.events.load()) / elapsed},
                   {"p50Us", pct(out.latencies_us, 50)},
                   {"p99Us", pct(out.latencies_us, 99)},
                   {"p999Us", pct(out.latencies_us, 99.9)},
                   {"storeBatches", (*store)->stats().batches},
                   {"eventsPerBatch", (*store)->stats().batches
                                          ? static_cast<double>((*store)->stats().events) /
                                                static_cast<double>((*store)->stats().batches)
                                          : 0}};
    return result;
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_rooms: room actors + real event log, no sockets; one JSON line per case"};
  app.set_version_flag("--version", std::string("bench_rooms ") + ROOMS_VERSION);
  std::string dir = "/tmp/bench_rooms";
  double seconds = 5;
  int many = 1000;
  bool quick = false;
  app.add_option("--dir", dir, "scratch data directory (deleted first)")->capture_default_str();
  app.add_option("--seconds", seconds, "measured seconds per case")->capture_default_str();
  app.add_option("--rooms", many, "rooms of the many-rooms case")->capture_default_str();
  app.add_flag("--quick", quick, "1 s per case, 100 rooms");
  CLI11_PARSE(app, argc, argv);
  if (quick) {
    seconds = 1;
    many = 100;
  }
  try {
    // Closed loop: each typist sends its next edit when its previous one is published, so
    // latency = validate + apply + append (WAL) + publish, and events/s follow from it.
    std::cout << run_case("hot_room_closed_loop", 1, seconds, false, dir).dump() << std::endl;
    std::cout << run_case("many_rooms_closed_loop", many, seconds, false, dir).dump() << std::endl;
    std::cout << run_case("many_rooms_closed_loop_fsync", many, seconds, true, dir).dump()
              << std::endl;
  } catch (const std::exception& e) {
    std::cerr << "bench_rooms: " << e.what() << "\n";
    return 1;
  }
  std::filesystem::remove_all(dir);
  return 0;
}
