/// bench_room_memory: resident memory of live rooms, with the real event log and room actors,
/// no sockets (the gateway's per-connection cost is measured by loadgen: tools/bench "room
/// memory" reports it next to this).
///
/// N rooms, each with three joined participants, a preloaded document, then U keystrokes per
/// room typed in turn by the three (each followed by the typist's cursor move), as fast as the
/// room publishes them: the count of updates matters, not the wall time. 900 updates = one
/// minute of three people typing at 5 keystrokes/s; 54,000 = a one-hour interview.
///
/// RSS per room = (process RSS after typing - RSS before any room - RocksDB memtables) / N,
/// minus the document (UTF-16, as the room holds it). Prints one JSON line.

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <random>
#include <string>
#include <thread>

#include <CLI/CLI.hpp>
#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/domain/changeset.hpp"
#include "actors/room.hpp"
#include "eventlog/store.hpp"

namespace {

using namespace rooms;
using json = nlohmann::json;
using clock_type = std::chrono::steady_clock;

long rss_kib() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6));
  return 0;
}

struct progress {
  std::atomic<int> rooms_done{0};
  std::atomic<int> rooms_ready{0};
  std::atomic<int> failures{0};
};

using relay_atom = caf::atom_constant<caf::atom("relay")>;
using start_atom = caf::atom_constant<caf::atom("start")>;

/// A participant's connection: forwards what the room sends to its room driver.
caf::behavior participant(caf::event_based_actor* self, caf::actor driver, int index) {
  return {
      [=](actors::ws_out_atom, const std::string& text) {
        self->send(driver, relay_atom::value, index, text);
      },
      [=](actors::joined_atom) {},
      [=](actors::ws_close_atom, int, const std::string&) {},
  };
}

struct driver_state {
  static inline const char* name = "memory_driver";
  caf::actor room;
  std::vector<caf::actor> conns;
  int joined = 0;
  bool preloaded = false;
  std::uint64_t version = 0;
  std::size_t length = 0;
  std::uint64_t typed = 0;
  std::mt19937 rng{42};
};

/// Drives one room: joins three participants, preloads the document, then types `updates`
/// keystrokes, one in flight at a time, round robin over the participants.
caf::behavior driver(caf::stateful_actor<driver_state>* self, actors::registry_actor registry,
                     std::string sid, std::size_t doc_chars, std::uint64_t updates, progress* out) {
  auto to_room = [=](int who, const json& msg) {
    self->send(self->state.room, actors::ws_in_atom::value,
               self->state.conns[static_cast<std::size_t>(who)], msg.dump());
  };
  auto type_next = [=] {
    auto& st = self->state;
    if (st.typed == updates) {
      ++out->rooms_done;
      return;
    }
    int who = static_cast<int>(st.typed % 3);
    std::size_t pos = st.rng() % (st.length + 1);
    json changes = json::array();
    if (pos > 0) changes.push_back(pos);
    changes.push_back(json::array({0, "x"}));
    if (st.length > pos) changes.push_back(st.length - pos);
    to_room(who,
            {{"type", "code_update"},
             {"version", st.version},
             {"updates",
              json::array({{{"clientID", "c" + std::to_string(who)}, {"changes", changes}}})}});
    to_room(who, {{"type", "cursor_update"},
                  {"version", st.version + 1},
                  {"anchor", pos + 1},
                  {"head", pos + 1}});
  };
  for (int i = 0; i < 3; ++i)
    self->state.conns.push_back(
        self->spawn<caf::linked>(participant, caf::actor_cast<caf::actor>(self), i));
  self->request(registry, caf::infinite, actors::resolve_atom::value, sid)
      .then(
          [=](const caf::actor& room) {
            self->state.room = room;
            for (int i = 0; i < 3; ++i)
              to_room(i, {{"type", "join_session"}, {"name", "typist " + std::to_string(i)}});
          },
          [=](caf::error&) { ++out->failures; });
  return {
      [=](relay_atom, int index, const std::string& text) {
        auto& st = self->state;
        auto m = json::parse(text, nullptr, false);
        const std::string type = m.value("type", "");
        if (type == "error") {
          ++out->failures;
          std::cerr << "bench_room_memory: " << text << "\n";
          return;
        }
        if (type == "session_state" && ++st.joined == 3) {
          st.version = m["version"];
          json insert = json::array({0});
          for (std::size_t left = doc_chars; left > 0;) {
            std::size_t n = std::min<std::size_t>(60, left);
            insert.push_back(std::string(n, 'a'));
            left -= n;
          }
          to_room(0,
                  {{"type", "code_update"},
                   {"version", st.version},
                   {"updates",
                    json::array({{{"clientID", "preload"}, {"changes", json::array({insert})}}})}});
          return;
        }
        if (type != "code_changed" || index != 0) return;  // every participant gets it: count one
        st.version = m["from"].get<std::uint64_t>() + m["updates"].size();
        if (!st.preloaded) {
          st.preloaded = true;
          auto cs = domain::changeset::from_json(m["updates"][0]["changes"]);
          st.length = cs ? cs->new_length() : 0;  // lines joined with "\n"
          ++out->rooms_ready;
          return;  // typing starts on start_atom, once every room is ready
        }
        st.length += m["updates"].size();
        st.typed += m["updates"].size();
        type_next();
      },
      [=](start_atom) { type_next(); },
  };
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"bench_room_memory: RSS per live room after typing; one JSON line"};
  app.set_version_flag("--version", std::string("bench_room_memory ") + ROOMS_VERSION);
  std::string dir = "/tmp/bench_room_memory";
  int rooms_count = 100;
  std::uint64_t updates = 900;
  std::size_t doc_chars = 8192;
  bool hour = false;
  app.add_option("--dir", dir, "scratch data directory (deleted first)")->capture_default_str();
  app.add_option("--rooms", rooms_count, "live rooms")->capture_default_str();
  app.add_option("--updates", updates, "keystrokes per room (900 = 60 s of 3 typists at 5/s)")
      ->capture_default_str();
  app.add_option("--doc-chars", doc_chars, "preloaded document per room")->capture_default_str();
  app.add_flag("--hour", hour,
               "a one-hour interview: 54,000 keystrokes per room (default 20 rooms)");
  CLI11_PARSE(app, argc, argv);
  if (hour) {
    updates = 54'000;
    if (app.count("--rooms") == 0) rooms_count = 20;
  }
  std::filesystem::remove_all(dir);
  eventlog::store_options so;
  so.path = dir;
  auto store = eventlog::store::open(so);
  if (!store.ok()) {
    std::cerr << "bench_room_memory: " << store.error().to_string() << "\n";
    return 1;
  }
  actors::metrics stats;
  actors::run_queue runs(nullptr, 0, 0);
  auto svc = std::make_shared<actors::services>();
  svc->store = store->get();
  svc->runs = &runs;
  svc->stats = &stats;
  progress out;
  json result;
  {
    caf::actor_system_config cfg;
    cfg.set("scheduler.policy", caf::atom("sharing"));
    caf::actor_system system{cfg};
    auto registry = actors::spawn_registry(system, svc);
    std::vector<eventlog::session_id> ids;
    for (int r = 0; r < rooms_count; ++r) {
      eventlog::session_meta meta;
      meta.id = eventlog::session_id::random();
      meta.created_at = eventlog::now_ms();
      meta.language = "plaintext";
      eventlog::event created;
      created.seq = 1;
      created.ts = meta.created_at;
      created.payload = {{"language", "plaintext"}, {"title", ""}};
      if (auto s = (*store)->create_session(meta, created); !s.ok()) {
        std::cerr << "bench_room_memory: " << s.to_string() << "\n";
        return 1;
      }
      ids.push_back(meta.id);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const long rss0 = rss_kib();
    const auto mem0 = (*store)->memtable_bytes();
    std::vector<caf::actor> drivers;
    for (auto& id : ids)
      drivers.push_back(system.spawn(driver, registry, id.str(), doc_chars, updates, &out));
    auto wait = [&](auto done, std::chrono::seconds limit) {
      auto deadline = clock_type::now() + limit;
      while (!done() && out.failures == 0 && clock_type::now() < deadline)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
      return done();
    };
    // On failure the actors are stopped before the system goes (its destructor waits for them).
    auto abandon = [&](const char* why) {
      std::cerr << "bench_room_memory: " << why << " (" << out.failures << " failures)\n";
      for (auto& d : drivers) caf::anon_send_exit(d, caf::exit_reason::user_shutdown);
      caf::scoped_actor self{system};
      self->request(registry, std::chrono::seconds(60), actors::shutdown_atom::value)
          .receive([] {}, [](caf::error&) {});
      caf::anon_send_exit(registry, caf::exit_reason::user_shutdown);
      return 1;
    };
    if (!wait([&] { return out.rooms_ready.load() == rooms_count; }, std::chrono::seconds(60)))
      return abandon("rooms not ready");
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    const long rss_ready = rss_kib();
    const auto mem_ready = (*store)->memtable_bytes();
    auto t0 = clock_type::now();
    for (auto& d : drivers) caf::anon_send(d, start_atom::value);
    if (!wait([&] { return out.rooms_done.load() == rooms_count; }, std::chrono::seconds(1200)))
      return abandon("typing did not finish");
    const double typing_s = std::chrono::duration<double>(clock_type::now() - t0).count();
    std::this_thread::sleep_for(std::chrono::milliseconds(500));  // last appends and broadcasts
    const long rss1 = rss_kib();
    const auto mem1 = (*store)->memtable_bytes();
    const double n = rooms_count;
    // The document as the room holds it: UTF-16, the preload's lines joined with "\n".
    const double doc_kib =
        static_cast<double>(doc_chars + (doc_chars + 59) / 60 - 1 + updates) * 2 / 1024;
    const double per_room =
        (static_cast<double>(rss1 - rss0) - static_cast<double>(mem1 - mem0) / 1024) / n;
    const double typing_growth =
        (static_cast<double>(rss1 - rss_ready) -
         (static_cast<double>(mem1) - static_cast<double>(mem_ready)) / 1024) /
        n;
    result = {{"case", hour ? "room_memory_hour" : "room_memory"},
              {"rooms", rooms_count},
              {"updatesPerRoom", updates},
              {"docChars", doc_chars + updates},
              {"typingS", typing_s},
              {"rssStartMiB", rss0 / 1024.0},
              {"rssReadyMiB", rss_ready / 1024.0},
              {"rssEndMiB", rss1 / 1024.0},
              {"memtablesMiB", static_cast<double>(mem1) / (1 << 20)},
              {"rssPerRoomKiB", per_room},
              {"docKiB", doc_kib},
              {"rssPerRoomBeyondDocKiB", per_room - doc_kib},
              {"typingGrowthPerRoomKiB", typing_growth},
              {"failures", out.failures.load()}};
    caf::scoped_actor self{system};
    self->request(registry, std::chrono::seconds(60), actors::shutdown_atom::value)
        .receive([] {}, [](caf::error&) {});
    for (auto& d : drivers) caf::anon_send_exit(d, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(registry, caf::exit_reason::user_shutdown);
  }
  std::cout << result.dump() << std::endl;
  std::filesystem::remove_all(dir);
  return out.failures == 0 ? 0 : 1;
}
