#pragma once
/// What one message of a session's subject in the replicated log holds (JSON text, readable
/// with `nats stream view`): the session's creation (its meta and first event), or one append
/// (its events and, when it changed, the listing's summary). A node taking a session over
/// replays these into its local store exactly as the writer wrote them.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "eventlog/store.hpp"

namespace rooms::ha {

struct wire_message {
  enum class kind { create, append } what = kind::append;
  eventlog::session_meta meta;          ///< create: everything but the id (the subject names it)
  std::vector<eventlog::event> events;  ///< create: exactly the first event
  std::optional<eventlog::session_summary> summary;
};

std::string encode_create(const eventlog::session_meta& meta, const eventlog::event& first);
std::string encode_append(const std::vector<eventlog::event>& events,
                          const std::optional<eventlog::session_summary>& summary);
/// invalid_argument on anything this version did not write.
eventlog::result<wire_message> decode(std::string_view text, const eventlog::session_id& id);

}  // namespace rooms::ha
