#pragma once
/// The project's CAF error category: an actor's failure is a `caf::error` whose code is a
/// `domain::error_code` and whose category is `rooms_category` (its context: one message
/// text), so a reply is a value or an error, never a status string to compare. The category
/// is registered with each actor system (`register_error_category`) so CAF renders it.

#include <optional>
#include <string>

#include <caf/all.hpp>

#include "actors/domain/errors.hpp"

namespace rooms::domain {

/// A caf::error of `code` with `message` (what a person reads: logs, close reasons). Found by
/// CAF through argument-dependent lookup, so a handler may return a bare error_code.
caf::error make_error(error_code code, std::string message = {});

}  // namespace rooms::domain

namespace rooms::actors {

inline constexpr caf::atom_value rooms_category = caf::atom("rooms");

/// The error_code of one of our errors; nullopt for CAF's own (a timeout, a dead actor).
std::optional<domain::error_code> code_of(const caf::error& err);
/// The message text of one of our errors ("" when none, or not ours).
std::string message_of(const caf::error& err);

/// Renders rooms_category errors as "rooms:<code>: <message>".
void register_error_category(caf::actor_system_config& cfg);

}  // namespace rooms::actors
