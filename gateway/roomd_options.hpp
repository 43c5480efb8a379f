#pragma once
/// roomd's command line: one struct that CLI11 fills from the flags, their ROOMD_* variables and
/// the config file (README.md "roomd flags" is the contract: names, variables and defaults;
/// docs/operations.md "Configure" the order: flag, variable, PORT, file, default).

#include <chrono>
#include <cstddef>
#include <string>

#include <CLI/CLI.hpp>

#include "actors/room.hpp"
#include "base/log.hpp"
#include "gateway/server.hpp"

namespace rooms::gateway {

/// The config file roomd reads when --config is not given (missing is fine).
inline constexpr const char* default_config_file = "/etc/roomd/roomd.conf";

/// Everything roomd is told. A flag beats its variable, a variable the config file; an empty
/// variable counts as unset.
struct roomd_options {
  // -- as given; resolve_roomd_options turns them into the values below --
  /// HOST:PORT; port 0 picks a free one. ROOMD_LISTEN; else PORT (the original system's
  /// variable) sets the port. Default (empty): 127.0.0.1:8080.
  std::string listen;
  /// Keep a session this long after its last activity. ROOMD_RETENTION. Default: 24h.
  std::string retention = "24h";
  /// debug, info, warn, error, off. ROOMD_LOG_LEVEL. Default: info.
  std::string log_level = "info";
  /// text or json (one object per line). ROOMD_LOG_FORMAT. Default: text.
  std::string log_format = "text";
  /// Durations of the room and the gateway. Defaults: 5s, 5m, 30s, 60s, 10s, 30s.
  std::string run_timeout = "5s", terminal_timeout = "5m", resume_grace = "30s",
              idle_passivate = "60s", join_timeout = "10s", header_timeout = "30s";
  /// A sign-in unused this long ends. ROOMD_SIGN_IN_TTL. Default: 12h.
  std::string sign_in_ttl = "12h";

  // -- used as given --
  /// OpenID Connect sign-in (docs/operations.md): the provider's issuer URL, roomd's client id
  /// there, the client secret (ROOMD_OIDC_CLIENT_SECRET only: never a flag nor a config
  /// file), and the e-mail domain an account must have. Default: none (OIDC off).
  std::string oidc_issuer, oidc_client_id, oidc_client_secret, oidc_allowed_domain;
  /// The provider's name on the sign-in page's button ("Sign in with <name>"). Default: the
  /// issuer URL's host.
  std::string oidc_name;
  /// RocksDB data directory. ROOMD_DATA_DIR. Default: ./data.
  std::string data_dir = "./data";
  /// Written with the bound port once listening (tests). Default: none.
  std::string port_file;
  /// fsync every group commit. ROOMD_FSYNC=1. Default: off.
  bool fsync = false;
  /// Code runner: local, piston or none. ROOMD_RUNNER. Default: local.
  std::string runner = "local";
  /// Piston v2 base URL, with --runner piston. ROOMD_PISTON_URL. Default: none.
  std::string piston_url;
  /// Code runs at once. Default: 2.
  std::size_t run_workers = 2;
  /// Runs waiting for a worker; more are refused (busy). Default: 64.
  std::size_t run_queue = 64;
  /// Local runner without per-run cgroups. Default: off.
  bool no_run_cgroups = false;
  /// Local runner run as root: the first of the uids runs drop to (one per parallel run).
  /// RLIMIT_NPROC counts per uid, so two roomds on one host need ranges that do not overlap.
  /// ROOMD_SANDBOX_UID. Default: 61000.
  int sandbox_uid = 61000;
  /// Local runner: the socket directory of a PostgreSQL server (e.g. /var/run/postgresql) the
  /// postgresql language runs against, a throwaway database per run; the admin role below
  /// authenticates by libpq's own means (PGPASSWORD, PGPASSFILE, ~/.pgpass).
  /// ROOMD_POSTGRES_SOCKET. Default: none (the language is not offered).
  std::string postgres_socket;
  /// The admin role of --postgres-socket. ROOMD_POSTGRES_USER. Default: postgres.
  std::string postgres_user = "postgres";
  /// Cluster file and this node's id in it (both or neither). Default: a single node.
  std::string cluster_file, node_id;
  /// High availability (docs/cluster.md): the NATS servers holding the replicated log
  /// (comma-separated nats://host:port), this node's CAF address and the HTTP address peers
  /// use (default: --listen). Membership then comes from heartbeats, not a file.
  std::string nats_urls, caf_address, advertise;
  /// How long a dead node's leases and heartbeat live. Default: 2 s.
  std::string lease_ttl_text = "2s";
  std::chrono::milliseconds lease_ttl{2000};
  /// Limits of each room (snapshot period, participants, document size; the durations above).
  actors::room_config room;
  /// The front (web dir, origins, message limits, threads, ...; host, port and timeouts above).
  gateway_options gateway;

  // -- resolved --
  std::chrono::milliseconds retention_ms{0};
  std::chrono::milliseconds run_timeout_ms{0};
  std::chrono::milliseconds terminal_timeout_ms{0};
  log::level level = log::level::info;
  log::format format = log::format::text;
};

/// Defines every flag of roomd on `app`, bound to `o`.
void define_roomd_options(CLI::App& app, roomd_options& o);

/// Checks and converts what the flags hold as text (durations, HOST:PORT, the log level) into
/// `o`'s resolved fields, `o.room` and `o.gateway`; reads the original system's PORT (when no
/// listen address is set) and CLIENT_URL (one more allowed origin). An error message, or empty
/// when all is well.
std::string resolve_roomd_options(roomd_options& o);

}  // namespace rooms::gateway
