/// The router actor: the registry protocol for sessions of any node (see cluster.hpp).

#include <deque>
#include <map>
#include <utility>

#include <caf/io/all.hpp>

#include "actors/errors.hpp"
#include "actors/room.hpp"
#include "base/log.hpp"
#include "cluster/cluster.hpp"

namespace rooms::cluster {
namespace {

using actors::detach_atom;
using actors::resolve_atom;
using clock_type = std::chrono::steady_clock;

/// How long a remote registry may take to activate a room (it folds the log from its last
/// snapshot); past this the session is reported unavailable.
constexpr auto remote_resolve_timeout = std::chrono::seconds(10);
constexpr auto connect_timeout = std::chrono::seconds(3);

struct peer {
  published_registry registry;  ///< proxy of its published registry; null until connected
  bool connecting = false;
  std::optional<clock_type::time_point> failed_at;
  /// Resolves waiting for the connection: (promise, session id).
  std::deque<std::pair<caf::response_promise, std::string>> waiting;
};

struct router_data {
  static inline const char* name = "cluster_router";
  std::shared_ptr<const node_set> nodes;
  std::string self_id;
  actors::resolver_actor local;
  std::chrono::milliseconds retry_after{1000};
  std::map<std::string, peer> peers;  ///< by node id
};
using router_actor = actors::resolver_actor::stateful_pointer<router_data>;

void deliver_unavailable(caf::response_promise& rp, const std::string& node_id) {
  rp.deliver(make_error(domain::error_code::unavailable,
                        "the session's node " + node_id + " is unavailable"));
}

void resolve_remote(router_actor self, const std::string& node_id, caf::response_promise rp,
                    const std::string& sid) {
  auto& p = self->state.peers[node_id];
  self->request(p.registry, remote_resolve_timeout, resolve_atom::value, sid)
      .then([rp](const caf::actor& room) mutable { rp.deliver(room); },
            [rp, node_id, sid](caf::error& err) mutable {
              // The owner's own answer (not_found, unavailable) goes back as it is; CAF's (a
              // timeout, a lost connection) means the node cannot serve it now.
              if (actors::code_of(err)) return rp.deliver(std::move(err));
              ROOMS_LOG(warn, "cluster: node " << node_id << " did not resolve session " << sid
                                               << ": " << caf::to_string(err));
              deliver_unavailable(rp, node_id);
            });
}

void connect(router_actor self, const node& to) {
  auto& p = self->state.peers[to.id];
  p.connecting = true;
  auto id = to.id;
  auto mm = self->system().middleman().actor_handle();
  self->request(mm, connect_timeout, caf::connect_atom::value, to.caf_host, to.caf_port)
      .then(
          [self, id](const caf::node_id&, caf::strong_actor_ptr& ptr,
                     const std::set<std::string>&) {
            auto& p = self->state.peers[id];
            p.connecting = false;
            // Unchecked: the peer publishes a published_registry (publish_registry).
            p.registry = caf::actor_cast<published_registry>(ptr);
            if (!p.registry) {
              ROOMS_LOG(error, "cluster: node " << id << " publishes no actor on its CAF port");
              p.failed_at = clock_type::now();
              for (auto& [rp, sid] : p.waiting) deliver_unavailable(rp, id);
              p.waiting.clear();
              return;
            }
            p.failed_at.reset();
            self->monitor(p.registry);
            ROOMS_LOG(info, "cluster: connected to node " << id);
            auto waiting = std::move(p.waiting);
            p.waiting.clear();
            for (auto& [rp, sid] : waiting) resolve_remote(self, id, std::move(rp), sid);
          },
          [self, id](caf::error& err) {
            auto& p = self->state.peers[id];
            p.connecting = false;
            if (!p.failed_at)
              ROOMS_LOG(warn, "cluster: node " << id << " unreachable: " << caf::to_string(err));
            p.failed_at = clock_type::now();
            for (auto& [rp, sid] : p.waiting) deliver_unavailable(rp, id);
            p.waiting.clear();
          });
}

actors::resolver_actor::behavior_type router(router_actor self,
                                             std::shared_ptr<const node_set> nodes,
                                             std::string self_id, actors::resolver_actor local,
                                             std::chrono::milliseconds retry_after) {
  self->state.nodes = std::move(nodes);
  self->state.self_id = std::move(self_id);
  self->state.local = std::move(local);
  self->state.retry_after = retry_after;
  self->set_down_handler([self](caf::down_msg& dm) {
    for (auto& [id, p] : self->state.peers) {
      if (p.registry && p.registry.address() == dm.source) {
        ROOMS_LOG(warn, "cluster: lost node " << id << " (" << caf::to_string(dm.reason) << ")");
        p.registry = published_registry();
        p.failed_at = clock_type::now();
      }
    }
  });
  return {
      [self](resolve_atom, const std::string& sid) -> caf::result<caf::actor> {
        auto rp = self->make_response_promise();
        auto members = self->state.nodes->current();
        const node owner = owner_of(*members, sid);
        if (owner.id == self->state.self_id) {
          return rp.delegate(self->state.local, resolve_atom::value, sid);
        }
        auto& p = self->state.peers[owner.id];
        if (p.registry) {
          resolve_remote(self, owner.id, rp, sid);
        } else if (p.failed_at && clock_type::now() - *p.failed_at < self->state.retry_after) {
          deliver_unavailable(rp, owner.id);  // fail fast while the node is known to be down
        } else {
          p.waiting.emplace_back(rp, sid);
          if (!p.connecting) connect(self, owner);
        }
        return rp;
      },
      [self](detach_atom, const std::string& sid) {
        auto members = self->state.nodes->current();
        const node& owner = owner_of(*members, sid);
        if (owner.id == self->state.self_id)
          return self->send(self->state.local, detach_atom::value, sid);
        auto& p = self->state.peers[owner.id];
        if (p.registry) self->send(p.registry, detach_atom::value, sid);
      },
  };
}

}  // namespace

actors::resolver_actor spawn_router(caf::actor_system& system,
                                    std::shared_ptr<const node_set> nodes, std::string self_id,
                                    actors::resolver_actor local_registry,
                                    std::chrono::milliseconds retry_after) {
  return system.spawn(router, std::move(nodes), std::move(self_id), std::move(local_registry),
                      retry_after);
}

namespace {

/// The published face of the registry: resolve and detach, forwarded with their sender (the
/// registry counts a remote node's attachments by its router, and answers it directly).
published_registry::behavior_type registry_gate(published_registry::pointer self,
                                                actors::resolver_actor registry) {
  return {
      [self, registry](resolve_atom, const std::string& sid) -> caf::result<caf::actor> {
        auto rp = self->make_response_promise<caf::actor>();
        return rp.delegate(registry, resolve_atom::value, sid);
      },
      [self, registry](detach_atom, const std::string& sid) {
        registry->enqueue(self->current_sender(), caf::make_message_id(),
                          caf::make_message(detach_atom::value, sid), self->context());
      },
  };
}

}  // namespace

std::string publish_registry(caf::actor_system& system, const node& self,
                             const actors::resolver_actor& registry) {
  auto gate = system.spawn(registry_gate, registry);
  auto port = system.middleman().publish(gate, self.caf_port, self.caf_host.c_str(), true);
  if (!port)
    return "cannot publish the registry on " + self.caf_host + ":" + std::to_string(self.caf_port) +
           ": " + system.render(port.error());
  return {};
}

}  // namespace rooms::cluster
