#pragma once
/// The protocol's error codes and WebSocket close codes (PROTOCOL.md): one enum each, so no
/// bare "forbidden" or 4401 is spelled anywhere else.

#include <cstdint>
#include <string_view>

namespace rooms::domain {

/// `error {"code"}` on the WebSocket and `{"error"}` of REST answers.
enum class error_code {
  bad_json,              ///< not JSON, or not an object
  unknown_type,          ///< no "type", or one the server does not know
  not_joined,            ///< a message before join_session
  invalid_changes,       ///< a field is missing, of the wrong type, or does not fit the document
  too_large,             ///< a size limit (document, note, stdin, updates per push, title)
  rate_limited,          ///< too many messages or session creations
  unsupported_language,  ///< not a language of GET /api/runtimes nor plaintext
  forbidden,             ///< the role or key does not allow it, or a name breaks the rules
  busy,                  ///< the room cannot take it now (full, a run in progress, log down)
  bad_request,           ///< REST: a malformed request
  unauthorized,          ///< REST: no credential sent (401)
  not_found,             ///< REST: unknown or expired (404)
  already_exists,        ///< REST: the id is taken (409)
  method_not_allowed,    ///< REST: a method the path does not answer (405)
  unavailable,           ///< REST: the log, the registry or a node cannot answer (503)
  internal,              ///< REST: a bug or an unexpected failure (500)
  cluster_mismatch,      ///< REST: a peer with another cluster secret (cluster forwarding)
  invalid_question,      ///< REST: a question fails validation (the answer names the fields)
  no_question,           ///< run_tests in a room with no question loaded
};

/// "bad_json", "unknown_type", ... (the wire spelling).
constexpr std::string_view to_string(error_code code) {
  switch (code) {
    case error_code::bad_json:
      return "bad_json";
    case error_code::unknown_type:
      return "unknown_type";
    case error_code::not_joined:
      return "not_joined";
    case error_code::invalid_changes:
      return "invalid_changes";
    case error_code::too_large:
      return "too_large";
    case error_code::rate_limited:
      return "rate_limited";
    case error_code::unsupported_language:
      return "unsupported_language";
    case error_code::forbidden:
      return "forbidden";
    case error_code::busy:
      return "busy";
    case error_code::bad_request:
      return "bad_request";
    case error_code::unauthorized:
      return "unauthorized";
    case error_code::not_found:
      return "not_found";
    case error_code::already_exists:
      return "already_exists";
    case error_code::method_not_allowed:
      return "method_not_allowed";
    case error_code::unavailable:
      return "unavailable";
    case error_code::internal:
      return "internal";
    case error_code::cluster_mismatch:
      return "cluster_mismatch";
    case error_code::invalid_question:
      return "invalid_question";
    case error_code::no_question:
      return "no_question";
  }
  return "busy";
}

/// WebSocket close codes the server sends or reports (RFC 6455 section 7.4 and PROTOCOL.md).
enum class close_code : std::uint16_t {
  normal = 1000,           ///< a clean close by the client: it left
  going_away = 1001,       ///< the client navigated away (also: it left); the server shuts down
  policy = 1008,           ///< slow consumer, message flood
  too_big = 1009,          ///< a frame over the message limit
  abnormal = 1006,         ///< no close frame: the connection dropped (never sent, only reported)
  internal_error = 1011,   ///< the session is unavailable, or the event log failed: resume
  server_restart = 1012,   ///< the server itself dropped the socket: disconnected, may resume
  bad_key = 4401,          ///< wrong or missing interviewer key
  unknown_session = 4404,  ///< unknown or expired session
  join_timeout = 4408,     ///< no join_session in time
  replaced = 4409,         ///< a newer connection resumed this participant
  expired = 4410,          ///< expired by an admin
  unavailable = 4503,      ///< the session's node is unavailable (cluster)
};

constexpr std::uint16_t value(close_code code) {
  return static_cast<std::uint16_t>(code);
}

/// True for the closes that mean "the participant left" (not a drop they may resume from).
constexpr bool is_clean_leave(int code) {
  return code == value(close_code::normal) || code == value(close_code::going_away);
}

}  // namespace rooms::domain
