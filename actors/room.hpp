#pragma once
/// The room actors: one actor per live session, and the registry that activates and
/// passivates them. The gateway reaches rooms only through the registry, by message.
///
/// What crosses nodes (resolve, detach, the room's frames) is atoms, strings, integers and
/// actor handles: all serialisable, so rooms live on another node behind CAF's middleman
/// (DESIGN.md). Failures are caf::errors of the rooms category (actors/errors.hpp).
///
/// Connection protocol (gateway side is one small "connection actor" per WebSocket):
///   conn -> registry: (resolve_atom, session_id)        -> room actor, or an error:
///                                                        not_found, unavailable
///   conn -> room:     (ws_in_atom, conn, frame text)    one per received text frame
///   conn -> room:     (ws_in_atom, conn, frame text, account id) the same from a browser
///                                                        signed in to an account (the
///                                                        gateway checked its cookie)
///   conn -> room:     (ws_closed_atom, conn, close code) when the socket is gone
///   conn -> registry: (detach_atom, session_id)         after ws_closed
///   room -> conn:     (ws_out_atom, payload)            a text frame to send; one shared
///                                                        message per broadcast
///   room -> conn:     (ws_close_atom, code, reason)     close the socket with this code
///   room -> conn:     (joined_atom)                     join accepted (stops the join timer)
///   room -> conn:     (reroute_atom, frame text)        room is stopping: resolve again, resend

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include <caf/all.hpp>
#include <nlohmann/json.hpp>

#include "actors/domain/errors.hpp"
#include "actors/domain/validate.hpp"
#include "actors/metrics.hpp"
#include "actors/run_queue.hpp"
#include "eventlog/replica.hpp"
#include "eventlog/store.hpp"
#include "questions/question_store.hpp"

// The live participants go from a room to its node's REST API as a JSON value (never across
// nodes: the registry's live request is not published).
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(nlohmann::json)

namespace rooms::actors {

using resolve_atom = caf::atom_constant<caf::atom("resolve")>;
using detach_atom = caf::atom_constant<caf::atom("detach")>;
using ws_in_atom = caf::atom_constant<caf::atom("ws_in")>;
using ws_closed_atom = caf::atom_constant<caf::atom("ws_closed")>;
using ws_out_atom = caf::atom_constant<caf::atom("ws_out")>;
using ws_close_atom = caf::atom_constant<caf::atom("ws_close")>;
using joined_atom = caf::atom_constant<caf::atom("joined")>;
using reroute_atom = caf::atom_constant<caf::atom("reroute")>;
using expire_atom = caf::atom_constant<caf::atom("expire")>;
using live_atom = caf::atom_constant<caf::atom("live")>;
using list_atom = caf::atom_constant<caf::atom("list")>;
using shutdown_atom = caf::atom_constant<caf::atom("shutdown")>;
/// registry, and registry -> room: (moved_atom, session_id) this node no longer owns the
/// session (its lease was lost, or the members changed: ha/replica); the room closes its
/// sockets with the resumable close code `unavailable` and stops.
using moved_atom = caf::atom_constant<caf::atom("moved")>;

/// Where a connection finds its room: this node's registry, or the cluster router in front of
/// every node's (cluster/cluster.hpp), which is also all a node publishes to its peers.
/// resolve answers the room, or an error: not_found (unknown or expired), unavailable (the
/// log, or the session's node, cannot serve it now).
using resolver_actor =
    caf::typed_actor<caf::replies_to<resolve_atom, std::string>::with<caf::actor>,
                     caf::reacts_to<detach_atom, std::string>>;

/// This node's live rooms: session id -> connections attached.
using live_rooms = std::map<std::string, std::int32_t>;

/// The registry: resolve and detach, and the requests of this node's own REST API (never
/// published: peers reach only the resolver part).
///   (expire_atom, session_id, by) -> nothing once the session is gone from the log and its
///       sockets were told (4410); errors not_found, unavailable (the log's reason)
///   (live_atom, session_id) -> the live participants (a JSON array, as participant views),
///       null when the room is not live; a local value, never serialised
///   (list_atom) -> live_rooms
///   (shutdown_atom) -> nothing once every room wrote its snapshot and stopped
///   (moved_atom, session_id) see moved_atom
using registry_actor =
    resolver_actor::extend<caf::replies_to<expire_atom, std::string, std::string>::with<void>,
                           caf::replies_to<live_atom, std::string>::with<nlohmann::json>,
                           caf::replies_to<list_atom>::with<live_rooms>,
                           caf::replies_to<shutdown_atom>::with<void>,
                           caf::reacts_to<moved_atom, std::string>>;

/// Close code a gateway reports when the server itself drops the socket (shutdown): the
/// participant is disconnected, not gone, and may resume.
inline constexpr std::uint16_t close_server_going_away =
    domain::value(domain::close_code::server_restart);

/// Room behaviour limits and timings. Every field has a default.
struct room_config {
  /// Participants (connected or resumable) per room. Default: 16.
  std::size_t max_participants = 16;
  /// Document size limit in UTF-16 units. Default: 1,000,000.
  std::size_t max_doc_units = 1'000'000;
  /// Updates in one code_update. Default: 100.
  std::size_t max_updates_per_push = 100;
  /// A dropped participant may resume this long. Default: 30 s.
  std::chrono::milliseconds resume_grace{30'000};
  /// A room nobody is attached to is passivated after this long. Default: 60 s.
  std::chrono::milliseconds idle_passivate{60'000};
  /// Snapshot every this many events. Default: 5000 (tools/benchmarks/bench_replay: state at any
  /// seq stays under 10 ms while snapshots cost about 1% of append throughput).
  std::uint64_t snapshot_every = 5000;
  /// Recent code updates kept in memory for pull, resume and cursor mapping (older ones are
  /// read from the log, without blocking the room). Default: 4096.
  std::size_t history_window = 4096;
  /// The most recent updates kept even when every member has acknowledged them: a client's
  /// cursor or pull may still name a version a little older than its last push (its messages
  /// cross the server's echo). 256 keystrokes are about 12 KiB. Default: 256.
  std::size_t history_min_entries = 256;
  /// Bytes the in-memory history may hold, entries and their inserted text (a keystroke takes
  /// 48 bytes, a large paste its size); past it, older updates are read from the log.
  /// Default: 4 MiB.
  std::size_t history_max_bytes = 4u << 20;
  /// Longest participant name in characters. Default: 64.
  std::size_t max_name_chars = domain::default_max_name_chars;
  /// Longest note in bytes. Default: 10,000.
  std::size_t max_note_bytes = domain::default_max_note_bytes;
  /// Largest stdin of a run in bytes. Default: 64 KiB.
  std::size_t max_stdin_bytes = 64u << 10;
  /// Retention sweep period of the registry. Default: 60 s.
  std::chrono::milliseconds sweep_every{60'000};
  /// call_signal and call_state per second per participant (token bucket), and its burst.
  /// Defaults 20 and 120: a call's negotiation with three peers is some 10 to 30 signals
  /// each, well inside; both stay under the gateway's per-connection limit (60/s, burst
  /// 200), so a flood of signals meets this one, answered rate_limited, first.
  double call_signal_rate = 20;
  double call_signal_burst = 120;
  /// Wall clock of one test of run_tests when the question names no timeoutMs. Default: 5 s
  /// (the local runner's default run limit).
  std::chrono::milliseconds test_timeout{5'000};
  /// Total wall clock of one run_tests: tests not started by then are reported as not run, a
  /// running one is cut to what is left. Default: 60 s.
  std::chrono::milliseconds tests_total_budget{60'000};
  /// Tests of one run_tests running at once (inside its one run-queue job). Default: 4.
  std::size_t tests_parallel = 4;
};

/// What rooms share. Owned by main; outlives the actor system's actors.
struct services {
  eventlog::store* store = nullptr;
  /// The log of record when the store is this node's copy of it (`roomd --nats`): rooms take
  /// the session's lease before loading and append through it. Null on a single node: log()
  /// is then the store itself.
  eventlog::replica* replica = nullptr;
  /// The question library (load_question, run_tests); null: rooms answer `unavailable`. Its
  /// calls block on RocksDB: rooms call it only on the store's reader thread (read_async).
  questions::question_store* questions = nullptr;
  run_queue* runs = nullptr;
  metrics* stats = nullptr;
  room_config config;

  /// What rooms and the registry write through: `*replica`, or an eventlog::local_replica
  /// over `store` (made on first use; `store` is set by then).
  eventlog::replica& log() const;

 private:
  mutable std::once_flag local_once_;
  mutable std::unique_ptr<eventlog::local_replica> local_;
};

/// Spawns the registry. It activates a room on the first resolve of its session.
registry_actor spawn_registry(caf::actor_system& system, std::shared_ptr<const services> svc);

/// Language names a session may use: the runner's runtimes plus "plaintext".
bool is_known_language(const services& svc, const std::string& language);

}  // namespace rooms::actors
