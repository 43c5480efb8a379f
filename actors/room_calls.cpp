/// Audio and video calls (PROTOCOL.md "Calls"): the room relays WebRTC signalling between its
/// own participants and logs who is in the call with which media; media never passes here.

#include "actors/detail/room_impl.hpp"

namespace rooms::actors::detail {

namespace {

json call_state_frame(const std::string& pid, const events::call_state_changed& c) {
  return {{"type", "call_state_changed"},
          {"participantId", pid},
          {"audio", c.audio},
          {"video", c.video},
          {"joined", c.in_call()}};
}

}  // namespace

bool room::take_call_token(member& who, const json& ref) {
  const auto& cfg = st_.svc->config;
  if (!who.call_signals) who.call_signals.emplace(cfg.call_signal_rate, cfg.call_signal_burst);
  if (who.call_signals->take()) return true;
  error_to(who.conn, error_code::rate_limited, "too many call messages; slow down", ref);
  return false;
}

void room::on_command(member& who, const domain::call_signal& signal, const json& ref) {
  // The token first: probing for participant ids costs the same as signalling.
  if (!take_call_token(who, ref)) return;
  auto to = st_.members.find(signal.to);
  if (signal.to == who.pid)
    return error_to(who.conn, error_code::forbidden, "a signal goes to another participant", ref);
  // Only to a participant of this room, connected now: a signal for anyone else is refused,
  // never forwarded (the room knows no other room's participants).
  if (to == st_.members.end() || !to->second.conn)
    return error_to(who.conn, error_code::forbidden,
                    "no participant \"" + signal.to + "\" is connected to this room", ref);
  // Not logged: offers carry the peers' addresses (ICE candidates) and are worth nothing later.
  emit({to->second.conn},
       frame({{"type", "call_signal"}, {"from", who.pid}, {"signal", signal.signal}}));
}

void room::on_command(member& who, const domain::call_state& call, const json& ref) {
  if (!take_call_token(who, ref)) return;
  events::call_state_changed changed{call.audio, call.video, call.joined};
  auto now = st_.state.calls.find(who.pid);
  const bool unchanged =
      now == st_.state.calls.end()
          ? !call.joined
          : call.joined && now->second == domain::call_media{call.audio, call.video};
  // A repeat changes nothing and is not logged; the sender still gets its answer.
  if (unchanged) return reply(who.conn, with_ref(call_state_frame(who.pid, changed), ref));
  std::vector<event> txn;
  if (auto err = record(txn, who.pid, changed))
    return error_to(who.conn, error_code::busy, *err, ref);
  submit(std::move(txn));
  json out = call_state_frame(who.pid, changed);
  emit(others(who.pid), frame(out));
  reply(who.conn, with_ref(std::move(out), ref));  // the sender's ref is for the sender only
}

json room::end_call(std::vector<event>& txn, const std::string& pid) {
  if (!st_.state.calls.count(pid)) return nullptr;
  events::call_state_changed ended{false, false, false};
  if (record(txn, pid, ended)) return nullptr;
  return call_state_frame(pid, ended);
}

}  // namespace rooms::actors::detail
