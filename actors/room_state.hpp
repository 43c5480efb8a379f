#pragma once
/// Forwarder: the room state and its fold moved to the domain library
/// (actors/domain/room_state.hpp). Kept so that other folders compile unchanged until they
/// include the domain header themselves.

#include "actors/domain/room_state.hpp"

namespace rooms::actors {
using domain::apply;
using domain::apply_error;
using domain::color_for;
using domain::cursor;
using domain::decode_snapshot;
using domain::encode_snapshot;
using domain::participant;
using domain::room_state;
using domain::to_json;
}  // namespace rooms::actors
