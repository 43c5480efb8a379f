#include "actors/detail/room_impl.hpp"

namespace rooms::actors::detail {

/// Keeps code updates for pull, resume and cursor mapping, packed, within the history's
/// count and byte limits (older ones are read from the log).
void room::remember(const event& e) {
  if (e.type != event_type::code_changed) return;
  auto changes = e.payload.find("changes");
  if (changes == e.payload.end() || !changes->is_array()) return;
  const std::string client_id = e.payload.value("clientID", "");
  auto& authors = st_.authors;
  std::size_t author = authors.size();
  for (std::size_t i = authors.size(); i-- > 0;) {
    if (authors[i].client_id == client_id && authors[i].pid == e.participant_id) {
      author = i;
      break;
    }
  }
  if (author == authors.size()) authors.push_back({client_id, e.participant_id});
  history_entry h;
  h.version = e.payload.value("version", std::uint64_t{0});
  h.author = static_cast<std::uint32_t>(author);
  h.changes = detail::packed_changes(*changes);
  st_.history_bytes += entry_bytes(h);
  st_.history.push_back(std::move(h));
  trim_history();
  if (authors.size() > 64) compact_authors();
}

void room::acknowledge(member& who, std::uint64_t version) {
  if (version <= who.acked) return;
  who.acked = version;
  trim_history();
}

void room::trim_history() {
  // With nobody connected or resumable the history stays until the room drains (on_drained
  // clears it): a joiner gets the document itself.
  std::uint64_t needed_after = 0;
  if (!st_.members.empty()) {
    needed_after = UINT64_MAX;
    for (const auto& [pid, m] : st_.members) needed_after = std::min(needed_after, m.acked);
  }
  const auto& cfg = st_.svc->config;
  while (!st_.history.empty() &&
         ((st_.history.front().version <= needed_after &&
           st_.history.size() > cfg.history_min_entries) ||
          st_.history.size() > cfg.history_window || st_.history_bytes > cfg.history_max_bytes)) {
    st_.history_bytes -= entry_bytes(st_.history.front());
    st_.history.pop_front();
  }
}

std::size_t room::entry_bytes(const history_entry& h) {
  return sizeof(history_entry) + h.changes.heap_bytes();
}

void room::clear_history() {
  st_.history.clear();
  st_.history.shrink_to_fit();
  st_.authors.clear();
  st_.history_bytes = 0;
}

/// Drops authors no entry refers to any more (a long room sees many client sessions).
void room::compact_authors() {
  std::vector<history_author> kept;
  std::map<std::uint32_t, std::uint32_t> renumbered;
  for (auto& h : st_.history) {
    auto [it, fresh] = renumbered.try_emplace(h.author, static_cast<std::uint32_t>(kept.size()));
    if (fresh) kept.push_back(st_.authors[h.author]);
    h.author = it->second;
  }
  st_.authors = std::move(kept);
}

/// An update as code_changed carries it.
json room::update_json(const history_entry& h) const {
  const auto& a = st_.authors[h.author];
  return {{"clientID", a.client_id}, {"changes", h.changes.to_json()}, {"participantId", a.pid}};
}

/// code_changed {from, updates} with every update after `from`, from memory or, further
/// back, from the log without waiting: the reply keeps its place among what is sent after it.
void room::send_updates_since(const caf::actor& conn, std::uint64_t from, const json& ref) {
  json updates = json::array();
  bool in_memory = !st_.history.empty() && st_.history.front().version <= from + 1;
  if (in_memory || from >= st_.state.version) {
    if (in_memory)
      for (const auto& h : st_.history)
        if (h.version > from) updates.push_back(update_json(h));
    return reply(
        conn,
        with_ref({{"type", "code_changed"}, {"from", from}, {"updates", std::move(updates)}}, ref));
  }
  pending_append p;
  p.ticket = st_.next_ticket++;
  p.submitted = std::chrono::steady_clock::now();
  p.out.push_back({{conn}, caf::message()});
  st_.pending.push_back(std::move(p));
  // The store runs the scan after the appends queued so far: it sees every event up to the
  // current seq; later ones are sent after the reply.
  const auto upto = st_.state.version, last_seq = st_.state.seq, ticket = st_.pending.back().ticket;
  auto found = std::make_shared<json>(json::array());
  caf::actor me = caf::actor_cast<caf::actor>(self_);
  auto* stats = st_.svc->stats;
  st_.svc->store->scan_async(
      st_.meta.id, 1,
      [found, from, upto, last_seq](const event& e) {
        if (e.seq > last_seq) return false;
        auto v =
            e.type == event_type::code_changed ? e.payload.value("version", std::uint64_t{0}) : 0;
        if (v > from && v <= upto)
          found->push_back({{"clientID", e.payload.value("clientID", "")},
                            {"changes", e.payload["changes"]},
                            {"participantId", e.participant_id}});
        return true;
      },
      [found, from, ref, me, ticket, stats](eventlog::status s) {
        json out;
        if (s.ok()) {
          out = with_ref({{"type", "code_changed"}, {"from", from}, {"updates", std::move(*found)}},
                         ref);
        } else {
          stats->errors_sent.fetch_add(1, std::memory_order_relaxed);
          out = with_ref({{"type", "error"},
                          {"code", to_string(error_code::busy)},
                          {"message", "cannot read the log: " + s.to_string()}},
                         ref);
        }
        caf::anon_send(me, log_read_atom::value, ticket, dump(out));
      });
}

}  // namespace rooms::actors::detail
