#pragma once
/// Between the registry and the rooms it owns (not used outside actors/).

#include <memory>

#include <caf/all.hpp>

#include "actors/room.hpp"

namespace rooms::actors::detail {

/// registry -> room: (stop_atom) -> bool; true once the room snapshotted and is quitting,
/// false when participants are connected (it stays).
using stop_atom = caf::atom_constant<caf::atom("stop")>;
/// stop for a server shutdown: resumable participants are not logged as left.
using halt_atom = caf::atom_constant<caf::atom("halt")>;

/// Spawns the actor of one session; it loads its state from the log first.
caf::actor spawn_room(caf::actor_system& system, std::shared_ptr<const services> svc,
                      eventlog::session_meta meta);

}  // namespace rooms::actors::detail
