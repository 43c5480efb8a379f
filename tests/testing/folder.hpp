#pragma once
/// A room state folded from events given one at a time, for the domain tests (tests/domain).

#include <gtest/gtest.h>

#include <optional>
#include <string>

#include "actors/domain/events.hpp"
#include "actors/domain/room_state.hpp"

namespace rooms::testing {

/// Each event gets the next seq and ts 1000 + seq, so a test's times are exact.
struct folder {
  domain::room_state state;
  /// Applies one event; the fold's error when it is refused.
  std::optional<domain::apply_error> add(eventlog::event_type type, const std::string& pid,
                                         nlohmann::json payload) {
    eventlog::event e;
    e.seq = state.seq + 1;
    e.ts = 1000 + static_cast<std::int64_t>(e.seq);
    e.type = type;
    e.participant_id = pid;
    e.payload = std::move(payload);
    return domain::apply(state, e);
  }
  /// add(), failing the test when the event does not apply.
  void ok(eventlog::event_type type, const std::string& pid, nlohmann::json payload) {
    auto err = add(type, pid, payload);
    ASSERT_FALSE(err) << payload << ": " << err->message;
  }
};

}  // namespace rooms::testing
