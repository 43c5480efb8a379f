#include <algorithm>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "actors/detail/room_actor.hpp"
#include "actors/errors.hpp"
#include "actors/room.hpp"
#include "base/log.hpp"

namespace rooms::actors {

namespace {

using tick_atom = caf::atom_constant<caf::atom("tick")>;
/// store -> registry: (expired_atom, ticket, errc, message) an expire_async finished
using expired_atom = caf::atom_constant<caf::atom("expired")>;
/// store -> registry: (swept_atom) a sweep_expired_async finished
using swept_atom = caf::atom_constant<caf::atom("swept")>;
/// store -> registry: (meta_read_atom, ticket) an activation's meta read finished
using meta_read_atom = caf::atom_constant<caf::atom("meta_read")>;

/// One live room and who holds its handle.
struct entry {
  caf::actor room;
  int attached = 0;              ///< connections that resolved it and have not detached
  std::int64_t idle_since = 0;   ///< steady ms when `attached` dropped to 0
  bool stopping = false;         ///< a stop request is in flight
  bool activating = false;       ///< its meta is being read; `room` is not spawned yet
  std::uint64_t activation = 0;  ///< activating: the ticket of its meta read
  /// Resolves that arrived while stopping or activating, with their senders.
  std::vector<std::pair<caf::response_promise, caf::strong_actor_ptr>> waiters;
};

/// An activation's read of the session meta, filled on the store's reader thread.
struct meta_read {
  eventlog::status status;
  eventlog::session_meta meta;
};

struct registry_data {
  static inline const char* name = "room_registry";
  std::shared_ptr<const services> svc;
  std::map<std::string, entry> rooms;  ///< by session id
  /// Activations waiting for their meta, by ticket: the session and the read.
  std::map<std::uint64_t, std::pair<std::string, std::shared_ptr<meta_read>>> reading;
  std::uint64_t next_activation = 1;
  std::int64_t last_sweep = 0;
  bool sweeping = false;  ///< a sweep is in the store's hands
  /// Expire requests in the store's hands, by ticket.
  struct expire_request {
    caf::response_promise rp;
    std::string sid, by;
  };
  std::map<std::uint64_t, expire_request> expiring;
  std::uint64_t next_ticket = 1;
  std::optional<caf::response_promise> shutdown_promise;
  std::size_t halting = 0;
  /// Attachments made through another node (a cluster router there), by that router: when it
  /// goes away with its node, its sockets never detach, so its attachments are dropped then.
  std::map<caf::actor_addr, std::map<std::string, int>> remote_attached;
};

/// The registry's whole interface: the public one and the answers of the store's threads and
/// its own timer, which only it sends (spawn_registry hands out the public part).
using registry_full = registry_actor::extend<
    caf::reacts_to<tick_atom>, caf::reacts_to<expired_atom, std::uint64_t, int, std::string>,
    caf::reacts_to<swept_atom>, caf::reacts_to<meta_read_atom, std::uint64_t>>;
using registry_self = registry_full::stateful_pointer<registry_data>;

using domain::error_code;

caf::error session_not_found(const std::string& sid) {
  return make_error(error_code::not_found, "unknown or expired session " + sid);
}

std::int64_t steady_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

/// Starts activating a room for a stored, unexpired session: its meta is read on the store's
/// reader thread (on_meta_read spawns the room, which loads itself); `rp` is answered then.
void activate(registry_self self, const std::string& sid, caf::response_promise rp,
              caf::strong_actor_ptr sender) {
  auto id = eventlog::session_id::parse(sid);
  if (!id) {
    rp.deliver(session_not_found(sid));
    return;
  }
  auto& e = self->state.rooms[sid];
  e = entry{};
  e.activating = true;
  e.waiters.emplace_back(std::move(rp), std::move(sender));
  auto slot = std::make_shared<meta_read>();
  e.activation = self->state.next_activation++;
  self->state.reading[e.activation] = {sid, slot};
  auto ticket = e.activation;
  auto me = caf::actor_cast<registry_full>(self);
  auto* store = self->state.svc->store;
  ROOMS_LOG(debug, "session " << sid << ": activating");
  // The session's lease first, and (cluster high availability) the local copy brought up to
  // date from the replicated log; then the meta, read on the thread that did it.
  self->state.svc->log().acquire_async(*id,
                                       [me, store, slot, id = *id, ticket](eventlog::status s) {
                                         if (s.ok()) {
                                           auto meta = store->meta(id);
                                           if (meta.ok())
                                             slot->meta = std::move(*meta);
                                           else
                                             s = meta.error();
                                         }
                                         slot->status = std::move(s);
                                         caf::anon_send(me, meta_read_atom::value, ticket);
                                       });
}

/// Counts an attachment; one made from another node is also counted against its router.
/// `sender` is the resolve's sender, taken before make_response_promise (which moves it out).
void attach(registry_self self, const std::string& sid, entry& e,
            const caf::strong_actor_ptr& sender) {
  ++e.attached;
  if (!sender || sender->node() == self->node()) return;
  auto addr = caf::actor_cast<caf::actor_addr>(sender);
  auto [it, first] = self->state.remote_attached.try_emplace(addr);
  if (first) self->monitor(caf::actor_cast<caf::actor>(sender));
  ++it->second[sid];
}

/// A room of this node is gone: in cluster high availability its lease goes too (after every
/// write it submitted), so another node need not wait for the lease to lapse.
void release(registry_self self, const std::string& sid) {
  if (auto id = eventlog::session_id::parse(sid)) self->state.svc->log().release(*id);
}

void detach(registry_self self, const std::string& sid, int count = 1) {
  auto it = self->state.rooms.find(sid);
  if (it == self->state.rooms.end() || it->second.attached == 0) return;
  it->second.attached = std::max(0, it->second.attached - count);
  if (it->second.attached == 0) it->second.idle_since = steady_ms();
}

void resolve_into(registry_self self, const std::string& sid, caf::response_promise& rp,
                  const caf::strong_actor_ptr& sender) {
  auto it = self->state.rooms.find(sid);
  if (it != self->state.rooms.end() && it->second.activating) {
    it->second.waiters.emplace_back(rp, sender);
    return;
  }
  activate(self, sid, rp, sender);
}

/// The meta of an activation is read: spawn the room (or answer why not) and attach the waiters.
void on_meta_read(registry_self self, std::uint64_t ticket) {
  auto slot_it = self->state.reading.find(ticket);
  if (slot_it == self->state.reading.end()) return;
  auto [sid, slot] = std::move(slot_it->second);
  self->state.reading.erase(slot_it);
  auto it = self->state.rooms.find(sid);
  // Expired meanwhile (and maybe activating again, with another read).
  if (it == self->state.rooms.end() || !it->second.activating || it->second.activation != ticket)
    return;
  auto waiters = std::move(it->second.waiters);
  if (!slot->status.ok()) {
    self->state.rooms.erase(it);
    if (slot->status.code() != eventlog::errc::already_exists) release(self, sid);
    if (slot->status.code() != eventlog::errc::not_found)
      ROOMS_LOG(debug, "session " << sid << " not activated: " << slot->status.to_string());
    auto why = slot->status.code() == eventlog::errc::not_found
                   ? session_not_found(sid)
                   : make_error(error_code::unavailable, slot->status.to_string());
    for (auto& [rp, sender] : waiters) rp.deliver(why);
    return;
  }
  auto room = detail::spawn_room(self->system(), self->state.svc, std::move(slot->meta));
  self->monitor(room);
  it->second = entry{room, 0, steady_ms(), false, false, 0, {}};
  for (auto& [rp, sender] : waiters) {
    attach(self, sid, it->second, sender);
    rp.deliver(room);
  }
}

void stop_idle(registry_self self) {
  const auto idle = self->state.svc->config.idle_passivate.count();
  const auto now = steady_ms();
  for (auto& [sid, e] : self->state.rooms) {
    if (e.activating || e.stopping || e.attached > 0 || now - e.idle_since < idle) continue;
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
                release(self, id);
                self->state.svc->stats->rooms_passivated.fetch_add(1);
                for (auto& [rp, sender] : waiters) resolve_into(self, id, rp, sender);
              } else {
                it->second.stopping = false;
                it->second.idle_since = steady_ms();
                for (auto& [rp, sender] : waiters) {
                  attach(self, id, it->second, sender);
                  rp.deliver(it->second.room);
                }
              }
            },
            [=](caf::error&) {
              auto it = self->state.rooms.find(id);
              if (it == self->state.rooms.end()) return;
              auto waiters = std::move(it->second.waiters);
              self->state.rooms.erase(it);
              release(self, id);
              for (auto& [rp, sender] : waiters) resolve_into(self, id, rp, sender);
            });
  }
}

registry_full::behavior_type registry(registry_self self, std::shared_ptr<const services> svc) {
  self->state.svc = std::move(svc);
  self->set_down_handler([=](caf::down_msg& down) {
    if (auto r = self->state.remote_attached.find(down.source);
        r != self->state.remote_attached.end()) {
      for (const auto& [sid, n] : r->second) detach(self, sid, n);
      self->state.remote_attached.erase(r);
      return;
    }
    for (auto it = self->state.rooms.begin(); it != self->state.rooms.end(); ++it) {
      if (it->second.room.address() != down.source || it->second.stopping) continue;
      auto sid = it->first;
      self->state.rooms.erase(it);  // a room that failed or quit on its own
      release(self, sid);
      return;
    }
  });
  self->send(self, tick_atom::value);
  return {
      [=](resolve_atom, const std::string& sid) -> caf::result<caf::actor> {
        auto sender = self->current_sender();  // before the promise takes it
        auto rp = self->make_response_promise();
        auto it = self->state.rooms.find(sid);
        if (it == self->state.rooms.end()) {
          resolve_into(self, sid, rp, sender);
        } else if (it->second.stopping || it->second.activating) {
          it->second.waiters.emplace_back(rp, sender);
        } else {
          attach(self, sid, it->second, sender);
          rp.deliver(it->second.room);
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
      [=](expire_atom, const std::string& sid, const std::string& by) -> caf::result<void> {
        auto id = eventlog::session_id::parse(sid);
        if (!id) return session_not_found(sid);
        auto rp = self->make_response_promise();
        // Gone from the log first, so no resolve can reactivate it; then close its sockets.
        auto ticket = self->state.next_ticket++;
        self->state.expiring.emplace(ticket, registry_data::expire_request{rp, sid, by});
        auto me = caf::actor_cast<registry_full>(self);
        self->state.svc->store->expire_async(*id, [me, ticket](eventlog::status s) {
          caf::anon_send(me, expired_atom::value, ticket, static_cast<int>(s.code()),
                         s.to_string());
        });
        return rp;
      },
      [=](expired_atom, std::uint64_t ticket, int code, const std::string& text) {
        auto done = self->state.expiring.find(ticket);
        if (done == self->state.expiring.end()) return;
        auto request = std::move(done->second);
        self->state.expiring.erase(done);
        auto it = self->state.rooms.find(request.sid);
        if (it != self->state.rooms.end()) {
          if (it->second.room) {
            self->demonitor(it->second.room);
            // anon: the registry is typed, a room is not (and it answers no one here).
            caf::anon_send(it->second.room, expire_atom::value, request.by);
          }
          for (auto& [waiter, sender] : it->second.waiters)
            waiter.deliver(session_not_found(request.sid));
          self->state.rooms.erase(it);
        }
        auto errc = static_cast<eventlog::errc>(code);
        if (errc == eventlog::errc::ok)
          request.rp.deliver(caf::unit);
        else if (errc == eventlog::errc::not_found)
          request.rp.deliver(session_not_found(request.sid));
        else
          request.rp.deliver(make_error(error_code::unavailable, text));
      },
      [=](swept_atom) { self->state.sweeping = false; },
      [=](moved_atom, const std::string& sid) {
        auto it = self->state.rooms.find(sid);
        // The room closes its sockets and quits; the down handler then gives the lease up.
        // No room (its activation was dropped): the lease goes now. Activating or stopping:
        // the next report (the replica repeats them) or the stop gives it up.
        if (it == self->state.rooms.end())
          release(self, sid);
        else if (it->second.room && !it->second.stopping)
          caf::anon_send(it->second.room, moved_atom::value, sid);
      },
      [=](meta_read_atom, std::uint64_t ticket) { on_meta_read(self, ticket); },
      [=](live_atom, const std::string& sid) -> caf::result<nlohmann::json> {
        auto rp = self->make_response_promise();
        auto it = self->state.rooms.find(sid);
        if (it == self->state.rooms.end() || it->second.stopping || it->second.activating) {
          rp.deliver(nlohmann::json());
        } else {
          rp.delegate(it->second.room, live_atom::value);
        }
        return rp;
      },
      [=](list_atom) {
        live_rooms out;
        for (const auto& [sid, e] : self->state.rooms)
          if (!e.activating) out[sid] = e.attached;
        return out;
      },
      [=](tick_atom) {
        stop_idle(self);
        auto now = steady_ms();
        if (!self->state.sweeping &&
            now - self->state.last_sweep >= self->state.svc->config.sweep_every.count()) {
          self->state.last_sweep = now;
          self->state.sweeping = true;
          auto me = caf::actor_cast<registry_full>(self);
          // Errors show up in /health.
          self->state.svc->store->sweep_expired_async(
              [me](eventlog::result<std::size_t>) { caf::anon_send(me, swept_atom::value); });
        }
        auto period = std::min<std::int64_t>(
            1000, std::max<std::int64_t>(10, self->state.svc->config.idle_passivate.count() / 4));
        self->delayed_send(self, std::chrono::milliseconds(period), tick_atom::value);
      },
      [=](shutdown_atom) -> caf::result<void> {
        auto rp = self->make_response_promise();
        // Activations not done yet: nothing to stop; their resolves are refused.
        for (auto it = self->state.rooms.begin(); it != self->state.rooms.end();) {
          if (!it->second.activating) {
            ++it;
            continue;
          }
          for (auto& [waiter, sender] : it->second.waiters)
            waiter.deliver(make_error(error_code::unavailable, "the server is shutting down"));
          it = self->state.rooms.erase(it);
        }
        self->state.reading.clear();
        if (self->state.rooms.empty()) {
          rp.deliver(caf::unit);
          return rp;
        }
        self->state.shutdown_promise = rp;
        self->state.halting = self->state.rooms.size();
        for (auto& [sid, e] : self->state.rooms) {
          self->demonitor(e.room);
          auto done = [=](auto&&...) {
            if (--self->state.halting == 0 && self->state.shutdown_promise) {
              self->state.shutdown_promise->deliver(caf::unit);
              self->state.shutdown_promise.reset();
            }
          };
          self->request(e.room, std::chrono::seconds(10), detail::halt_atom::value)
              .then([=](bool) { done(); }, [=](caf::error&) { done(); });
        }
        self->state.rooms.clear();
        return rp;
      },
  };
}

}  // namespace

eventlog::replica& services::log() const {
  if (replica) return *replica;
  std::call_once(local_once_,
                 [this] { local_ = std::make_unique<eventlog::local_replica>(*store); });
  return *local_;
}

registry_actor spawn_registry(caf::actor_system& system, std::shared_ptr<const services> svc) {
  return system.spawn(registry, std::move(svc));
}

}  // namespace rooms::actors
