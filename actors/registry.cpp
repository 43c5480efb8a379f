#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/detail/room_actor.hpp"
#include "base/log.hpp"
#include "actors/room.hpp"

namespace rooms::actors {

namespace {

using tick_atom = caf::atom_constant<caf::atom("tick")>;

/// One live room and who holds its handle.
struct entry {
  caf::actor room;
  int attached = 0;                 ///< connections that resolved it and have not detached
  std::int64_t idle_since = 0;      ///< steady ms when `attached` dropped to 0
  bool stopping = false;            ///< a stop request is in flight
  /// Resolves that arrived while stopping, with their senders.
  std::vector<std::pair<caf::response_promise, caf::strong_actor_ptr>> waiters;
};

struct registry_data {
  static inline const char* name = "room_registry";
  std::shared_ptr<const services> svc;
  std::map<std::string, entry> rooms;  ///< by session id
  std::int64_t last_sweep = 0;
  std::optional<caf::response_promise> shutdown_promise;
  std::size_t halting = 0;
  /// Attachments made through another node (a cluster router there), by that router: when it
  /// goes away with its node, its sockets never detach, so its attachments are dropped then.
  std::map<caf::actor_addr, std::map<std::string, int>> remote_attached;
};

using registry_actor = caf::stateful_actor<registry_data>;

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

/// Activates a room (spawn + load) for a stored, unexpired session.
std::pair<std::string, caf::actor> activate(registry_actor* self, const std::string& sid) {
  auto id = eventlog::session_id::parse(sid);
  if (!id) return {"not_found", caf::actor()};
  auto meta = self->state.svc->store->meta(*id);
  if (!meta.ok()) {
    return {meta.error().code() == eventlog::errc::not_found ? "not_found" : "unavailable", caf::actor()};
  }
  auto room = detail::spawn_room(self->system(), self->state.svc, std::move(*meta));
  self->monitor(room);
  self->state.rooms[sid] = entry{room, 0, steady_ms(), false, {}};
  return {"ok", room};
}

/// Counts an attachment; one made from another node is also counted against its router.
/// `sender` is the resolve's sender, taken before make_response_promise (which moves it out).
void attach(registry_actor* self, const std::string& sid, entry& e, const caf::strong_actor_ptr& sender) {
  ++e.attached;
  if (!sender || sender->node() == self->node()) return;
  auto addr = caf::actor_cast<caf::actor_addr>(sender);
  auto [it, first] = self->state.remote_attached.try_emplace(addr);
  if (first) self->monitor(caf::actor_cast<caf::actor>(sender));
  ++it->second[sid];
}

void detach(registry_actor* self, const std::string& sid, int count = 1) {
  auto it = self->state.rooms.find(sid);
  if (it == self->state.rooms.end() || it->second.attached == 0) return;
  it->second.attached = std::max(0, it->second.attached - count);
  if (it->second.attached == 0) it->second.idle_since = steady_ms();
}

void resolve_into(registry_actor* self, const std::string& sid, caf::response_promise& rp, const caf::strong_actor_ptr& sender) {
  auto [status, room] = activate(self, sid);
  if (room) attach(self, sid, self->state.rooms[sid], sender);
  rp.deliver(status, room);
}

void stop_idle(registry_actor* self) {
  const auto idle = self->state.svc->config.idle_passivate.count();
  const auto now = steady_ms();
  for (auto& [sid, e] : self->state.rooms) {
    if (e.stopping || e.attached > 0 || now - e.idle_since < idle) continue;
    e.stopping = true;
    std::string id = sid;
    self->request(e.room, caf::infinite, detail::stop_atom::value)
        .then(
            [=](bool stopped) {
              auto it = self->state.rooms.find(id);
              if (it == self->state.rooms.end()) return;
              auto waiters = std::move(it->second.waiters);
              if (stopped) {
                self->demonitor(it->second.room);
                self->state.rooms.erase(it);
                self->state.svc->stats->rooms_passivated.fetch_add(1);
                for (auto& [rp, sender] : waiters) resolve_into(self, id, rp, sender);
              } else {
                it->second.stopping = false;
                it->second.idle_since = steady_ms();
                for (auto& [rp, sender] : waiters) {
                  attach(self, id, it->second, sender);
                  rp.deliver(std::string("ok"), it->second.room);
                }
              }
            },
            [=](caf::error&) {
              auto it = self->state.rooms.find(id);
              if (it == self->state.rooms.end()) return;
              auto waiters = std::move(it->second.waiters);
              self->state.rooms.erase(it);
              for (auto& [rp, sender] : waiters) resolve_into(self, id, rp, sender);
            });
  }
}

caf::behavior registry(registry_actor* self, std::shared_ptr<const services> svc) {
  self->state.svc = std::move(svc);
  self->set_down_handler([=](caf::down_msg& down) {
    if (auto r = self->state.remote_attached.find(down.source); r != self->state.remote_attached.end()) {
      for (const auto& [sid, n] : r->second) detach(self, sid, n);
      self->state.remote_attached.erase(r);
      return;
    }
    for (auto it = self->state.rooms.begin(); it != self->state.rooms.end(); ++it) {
      if (it->second.room.address() != down.source || it->second.stopping) continue;
      self->state.rooms.erase(it);  // a room that failed or quit on its own
      return;
    }
  });
  self->send(self, tick_atom::value);
  return {
      [=](resolve_atom, const std::string& sid) {
        auto sender = self->current_sender();  // before the promise takes it
        auto rp = self->make_response_promise();
        auto it = self->state.rooms.find(sid);
        if (it == self->state.rooms.end()) {
          resolve_into(self, sid, rp, sender);
        } else if (it->second.stopping) {
          it->second.waiters.emplace_back(rp, sender);
        } else {
          attach(self, sid, it->second, sender);
          rp.deliver(std::string("ok"), it->second.room);
        }
        return rp;
      },
      [=](detach_atom, const std::string& sid) {
        auto sender = self->current_sender();
        if (sender && sender->node() != self->node()) {
          auto r = self->state.remote_attached.find(caf::actor_cast<caf::actor_addr>(sender));
          if (r != self->state.remote_attached.end()) {
            auto n = r->second.find(sid);
            if (n != r->second.end() && --n->second == 0) r->second.erase(n);
          }
        }
        detach(self, sid);
      },
      [=](expire_atom, const std::string& sid, const std::string& by) -> std::string {
        auto id = eventlog::session_id::parse(sid);
        if (!id) return "not_found";
        // Gone from the log first, so no resolve can reactivate it; then close its sockets.
        auto status = self->state.svc->store->expire(*id);
        auto it = self->state.rooms.find(sid);
        if (it != self->state.rooms.end()) {
          self->demonitor(it->second.room);
          self->send(it->second.room, expire_atom::value, by);
          for (auto& [rp, sender] : it->second.waiters) rp.deliver(std::string("not_found"), caf::actor());
          self->state.rooms.erase(it);
        }
        if (status.ok()) return "ok";
        return status.code() == eventlog::errc::not_found ? "not_found" : status.to_string();
      },
      [=](live_atom, const std::string& sid) {
        auto rp = self->make_response_promise();
        auto it = self->state.rooms.find(sid);
        if (it == self->state.rooms.end() || it->second.stopping) {
          rp.deliver(std::string("null"));
        } else {
          rp.delegate(it->second.room, live_atom::value);
        }
        return rp;
      },
      [=](list_atom) -> std::string {
        nlohmann::json out = nlohmann::json::object();
        for (const auto& [sid, e] : self->state.rooms) out[sid] = e.attached;
        return out.dump();
      },
      [=](tick_atom) {
        stop_idle(self);
        auto now = steady_ms();
        if (now - self->state.last_sweep >= self->state.svc->config.sweep_every.count()) {
          self->state.last_sweep = now;
          (void)self->state.svc->store->sweep_expired();  // errors show up in /health
        }
        auto period = std::min<std::int64_t>(1000, std::max<std::int64_t>(10, self->state.svc->config.idle_passivate.count() / 4));
        self->delayed_send(self, std::chrono::milliseconds(period), tick_atom::value);
      },
      [=](shutdown_atom) {
        auto rp = self->make_response_promise();
        if (self->state.rooms.empty()) {
          rp.deliver(std::string("ok"));
          return rp;
        }
        self->state.shutdown_promise = rp;
        self->state.halting = self->state.rooms.size();
        for (auto& [sid, e] : self->state.rooms) {
          self->demonitor(e.room);
          auto done = [=](auto&&...) {
            if (--self->state.halting == 0 && self->state.shutdown_promise) {
              self->state.shutdown_promise->deliver(std::string("ok"));
              self->state.shutdown_promise.reset();
            }
          };
          self->request(e.room, std::chrono::seconds(10), detail::halt_atom::value).then([=](bool) { done(); }, [=](caf::error&) { done(); });
        }
        self->state.rooms.clear();
        return rp;
      },
  };
}

}  // namespace

caf::actor spawn_registry(caf::actor_system& system, std::shared_ptr<const services> svc) {
  return system.spawn(registry, std::move(svc));
}

}  // namespace rooms::actors
