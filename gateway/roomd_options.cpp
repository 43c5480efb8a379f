#include "gateway/roomd_options.hpp"

#include <cstdlib>

#include "actors/domain/validate.hpp"
#include "base/duration.hpp"

namespace rooms::gateway {

namespace {

const char* env(const char* name) {
  const char* value = std::getenv(name);
  return value && *value ? value : nullptr;
}

/// A port number 0-65535 in `text` (digits only), or -1.
long parse_port(const std::string& text) {
  if (text.empty() || text.size() > 5 || text.find_first_not_of("0123456789") != std::string::npos)
    return -1;
  long port = std::stol(text);
  return port <= 65535 ? port : -1;
}

/// The config file's reader: TOML-style `name = value` lines (CLI11), except that an option
/// whose variable is set keeps the variable's value (CLI11 alone would let the file win), and
/// PORT replaces the port of the file's `listen` (it is weaker only than --listen and
/// ROOMD_LISTEN).
class env_first_config : public CLI::ConfigTOML {
 public:
  explicit env_first_config(const CLI::App& app) : app_(app) {}

  std::vector<CLI::ConfigItem> from_config(std::istream& input) const override {
    auto items = CLI::ConfigTOML::from_config(input);
    std::vector<CLI::ConfigItem> kept;
    for (auto& item : items) {
      const CLI::Option* opt =
          item.parents.empty() ? app_.get_option_no_throw("--" + item.name) : nullptr;
      if (opt && !opt->get_envname().empty() && env(opt->get_envname().c_str())) continue;
      if (opt && item.name == "listen" && env("PORT") && item.inputs.size() == 1) {
        auto colon = item.inputs[0].rfind(':');
        if (colon != std::string::npos)
          item.inputs[0] = item.inputs[0].substr(0, colon + 1) + env("PORT");
      }
      kept.push_back(std::move(item));
    }
    return kept;
  }

 private:
  const CLI::App& app_;
};

/// The Origin a browser sends for a page at `url` (scheme://host[:port]), or empty.
std::string origin_of_url(std::string url) {
  auto scheme = url.find("://");
  if (scheme == std::string::npos || scheme == 0) return {};
  auto path = url.find('/', scheme + 3);
  if (path != std::string::npos) url.resize(path);
  return url.size() > scheme + 3 ? url : std::string();
}

}  // namespace

void define_roomd_options(CLI::App& app, roomd_options& o) {
  auto& gw = o.gateway;
  auto& room = o.room;
  app.set_config("--config", default_config_file,
                 "read options from this file (name = value lines, names as the flags without "
                 "--); flags and variables beat it; a missing default file is fine");
  app.config_formatter(std::make_shared<env_first_config>(app));
  app.allow_config_extras(false);  // a misspelt name is an error, not silently ignored
  app.add_option("--listen", o.listen, "HOST:PORT to listen on; port 0 picks a free one")
      ->envname("ROOMD_LISTEN")
      ->default_str("127.0.0.1:8080 (PORT sets the port)");
  app.add_option("--data-dir", o.data_dir, "RocksDB data directory")
      ->envname("ROOMD_DATA_DIR")
      ->capture_default_str();
  app.add_option("--web-dir", gw.web_dir, "built web app to serve")
      ->envname("ROOMD_WEB_DIR")
      ->capture_default_str();
  app.add_option("--port-file", o.port_file, "write the bound port to this file once listening");
  app.add_option("--retention", o.retention, "keep a session this long after its last activity")
      ->envname("ROOMD_RETENTION")
      ->capture_default_str();
  app.add_flag("--fsync", o.fsync,
               "fsync every group commit: survive power loss, not only a crash (ROOMD_FSYNC=1)")
      ->envname("ROOMD_FSYNC");
  app.add_option("--snapshot-every", room.snapshot_every, "snapshot a room every N events")
      ->capture_default_str();
  app.add_option("--runner", o.runner, "code runner: local (bubblewrap sandbox), piston, none")
      ->envname("ROOMD_RUNNER")
      ->check(CLI::IsMember({"local", "piston", "none"}))
      ->capture_default_str();
  app.add_option("--piston-url", o.piston_url, "Piston v2 API base URL, with --runner piston")
      ->envname("ROOMD_PISTON_URL");
  app.add_option("--run-timeout", o.run_timeout, "wall-clock limit of a program run")
      ->capture_default_str();
  app.add_option("--terminal-timeout", o.terminal_timeout,
                 "wall-clock limit of an interactive run or REPL (local runner)")
      ->capture_default_str();
  app.add_option("--run-workers", o.run_workers, "code runs at once")->capture_default_str();
  app.add_option("--run-queue", o.run_queue, "runs waiting for a worker; more are refused (busy)")
      ->capture_default_str();
  app.add_flag("--no-run-cgroups", o.no_run_cgroups,
               "local runner: no per-run cgroups (memory, pids), rlimits only");
  app.add_option("--sandbox-uid", o.sandbox_uid,
                 "local runner as root: first uid of the runs (one per run at once; two roomds on "
                 "one host need ranges that do not overlap, as process limits count per uid)")
      ->envname("ROOMD_SANDBOX_UID")
      ->check(CLI::Range(1000, 2000000000))
      ->capture_default_str();
  app.add_option("--postgres-socket", o.postgres_socket,
                 "local runner: socket directory of a PostgreSQL server for the postgresql "
                 "language (a throwaway database per run; the admin's password from PGPASSWORD "
                 "or ~/.pgpass)")
      ->envname("ROOMD_POSTGRES_SOCKET");
  app.add_option("--postgres-user", o.postgres_user,
                 "local runner: the admin role of --postgres-socket (creates and drops the "
                 "runs' roles and databases)")
      ->envname("ROOMD_POSTGRES_USER")
      ->capture_default_str();
  app.add_option("--log-level", o.log_level, "debug, info, warn, error, off")
      ->envname("ROOMD_LOG_LEVEL")
      ->capture_default_str();
  app.add_option("--log-format", o.log_format, "text, or json: one object per line")
      ->envname("ROOMD_LOG_FORMAT")
      ->capture_default_str();
  app.add_option("--tls-cert", gw.tls_cert,
                 "PEM certificate chain: serve HTTPS and WSS (reloaded on SIGHUP)")
      ->envname("ROOMD_TLS_CERT");
  app.add_option("--tls-key", gw.tls_key, "PEM private key of --tls-cert")
      ->envname("ROOMD_TLS_KEY");
  app.add_option("--http-redirect-port", gw.http_redirect_port,
                 "with TLS: also listen on this plain-HTTP port and redirect (301) to https")
      ->envname("ROOMD_HTTP_REDIRECT_PORT");
  app.add_option("--allowed-origin", gw.allowed_origins,
                 "an extra Origin allowed to open WebSockets (repeatable)");
  app.add_option("--max-participants", room.max_participants, "participants per room")
      ->capture_default_str();
  app.add_option("--max-doc", room.max_doc_units, "document size limit in UTF-16 units")
      ->capture_default_str();
  app.add_option("--max-message-bytes", gw.max_message_bytes,
                 "largest WebSocket message; larger closes with 1009")
      ->capture_default_str();
  app.add_option("--message-rate", gw.message_rate, "messages per second per connection")
      ->capture_default_str();
  app.add_option("--message-burst", gw.message_burst, "burst of the per-connection rate limit")
      ->capture_default_str();
  app.add_option("--max-send-queue", gw.max_send_queue,
                 "queued outgoing frames before a slow consumer is closed (1008)")
      ->capture_default_str();
  app.add_option("--create-per-minute", gw.create_per_minute,
                 "sessions one address may create per minute")
      ->capture_default_str();
  app.add_option("--resume-grace", o.resume_grace, "how long a dropped participant may resume")
      ->capture_default_str();
  app.add_option("--idle-passivate", o.idle_passivate,
                 "stop a room nobody is connected to after this long")
      ->capture_default_str();
  app.add_option("--join-timeout", o.join_timeout,
                 "close a socket that has not joined after this long (4408)")
      ->capture_default_str();
  app.add_option("--header-timeout", o.header_timeout,
                 "close an HTTP connection that has not sent a request's headers after this long "
                 "(slowloris)")
      ->capture_default_str();
  app.add_option("--io-threads", gw.io_threads, "Asio I/O threads")->capture_default_str();
  app.add_flag("--metrics-need-token", gw.metrics_need_token,
               "require the admin token for /metrics");
  app.add_flag("--serve-piston", gw.serve_piston,
               "serve the Piston v2 API (/api/v2/...) from the local runner, to loopback clients");
  app.add_flag("--serve-piston-public", gw.serve_piston_public,
               "with --serve-piston: to every client, not only loopback");
  app.add_option("--cluster", o.cluster_file,
                 "cluster file: one node per line, \"<id> <caf-host:port> <http-host:port>\" "
                 "(docs/cluster.md)");
  app.add_option("--node-id", o.node_id,
                 "this node's id in the cluster file, or among the --nats nodes "
                 "([A-Za-z0-9_-])");
  app.add_option("--nats", o.nats_urls,
                 "high availability: the NATS JetStream servers (nats://host:port,...) that "
                 "hold the replicated log, the leases and the members (docs/cluster.md)")
      ->envname("ROOMD_NATS");
  app.add_option("--caf-address", o.caf_address,
                 "with --nats: HOST:PORT where this node's rooms are published to its peers");
  app.add_option("--advertise", o.advertise,
                 "with --nats: HOST:PORT peers forward HTTP to (default: --listen)");
  app.add_option("--lease-ttl", o.lease_ttl_text,
                 "with --nats: a dead node's sessions move to other nodes after about this long "
                 "(at least 500ms)")
      ->capture_default_str();
  app.add_flag("--require-sign-in", gw.require_sign_in,
               "creating interviews needs a signed-in account (roomctl user add) or the admin "
               "token; candidates' links and interviewer keys work as without it "
               "(ROOMD_REQUIRE_SIGN_IN=1)")
      ->envname("ROOMD_REQUIRE_SIGN_IN");
  app.add_option("--sign-in-ttl", o.sign_in_ttl,
                 "a sign-in unused this long ends (sessions are in memory: a restart signs "
                 "everyone out)")
      ->envname("ROOMD_SIGN_IN_TTL")
      ->capture_default_str();
  app.add_option("--login-per-minute", gw.login_per_minute,
                 "sign-in attempts one address may make per minute (5 failures lock a login "
                 "for 15 minutes)")
      ->check(CLI::Range(1.0, 100000.0))
      ->capture_default_str();
  app.add_option("--oidc-issuer", o.oidc_issuer,
                 "sign-in with this OpenID Connect provider (its issuer URL; discovery at start); "
                 "the client secret comes from ROOMD_OIDC_CLIENT_SECRET only")
      ->envname("ROOMD_OIDC_ISSUER");
  app.add_option("--oidc-client-id", o.oidc_client_id, "roomd's client id at --oidc-issuer")
      ->envname("ROOMD_OIDC_CLIENT_ID");
  app.add_option("--oidc-allowed-domain", o.oidc_allowed_domain,
                 "with --oidc-issuer: only people whose verified e-mail is in this domain sign in")
      ->envname("ROOMD_OIDC_ALLOWED_DOMAIN");
  app.add_option("--oidc-name", o.oidc_name,
                 "with --oidc-issuer: the provider's name on the sign-in page (\"Sign in with "
                 "<name>\"); default the issuer's host")
      ->envname("ROOMD_OIDC_NAME");
  app.add_option("--turn-url", gw.turn_urls,
                 "a STUN or TURN server for calls, e.g. turn:turn.example.com:3478 (repeatable)")
      ->envname("ROOMD_TURN_URL");
  app.add_option("--turn-secret", gw.turn_secret,
                 "TURN REST shared secret (coturn use-auth-secret); prefer ROOMD_TURN_SECRET")
      ->envname("ROOMD_TURN_SECRET");
}

std::string resolve_roomd_options(roomd_options& o) {
  if (!log::parse_level(o.log_level, o.level))
    return "--log-level must be debug, info, warn, error or off";
  if (!log::parse_format(o.log_format, o.format)) return "--log-format must be text or json";
  struct duration_flag {
    const char* name;
    const std::string& text;
    std::chrono::milliseconds& out;
  };
  const duration_flag durations[] = {
      {"--retention", o.retention, o.retention_ms},
      {"--run-timeout", o.run_timeout, o.run_timeout_ms},
      {"--terminal-timeout", o.terminal_timeout, o.terminal_timeout_ms},
      {"--resume-grace", o.resume_grace, o.room.resume_grace},
      {"--idle-passivate", o.idle_passivate, o.room.idle_passivate},
      {"--join-timeout", o.join_timeout, o.gateway.join_timeout},
      {"--header-timeout", o.header_timeout, o.gateway.header_timeout},
      {"--sign-in-ttl", o.sign_in_ttl, o.gateway.sign_in_ttl},
      {"--lease-ttl", o.lease_ttl_text, o.lease_ttl},
  };
  for (const auto& d : durations) {
    auto parsed = base::parse_duration(d.text);
    if (!parsed)
      return std::string("bad duration \"") + d.text + "\" for " + d.name +
             " (use e.g. 500ms, 30s, 10m, 24h, 7d)";
    d.out = *parsed;
  }
  if (o.gateway.header_timeout.count() == 0) return "--header-timeout must be more than 0";
  if (o.gateway.sign_in_ttl.count() < 1000) return "--sign-in-ttl must be at least 1s";
  if (!o.oidc_issuer.empty()) {
    if (o.oidc_issuer.rfind("https://", 0) != 0 && o.oidc_issuer.rfind("http://", 0) != 0)
      return "--oidc-issuer must be an http:// or https:// URL";
    if (o.oidc_client_id.empty()) return "--oidc-issuer needs --oidc-client-id";
    if (const char* secret = env("ROOMD_OIDC_CLIENT_SECRET")) o.oidc_client_secret = secret;
    if (o.oidc_client_secret.empty())
      return "--oidc-issuer needs the client secret in ROOMD_OIDC_CLIENT_SECRET";
    if (o.oidc_name.empty()) {
      auto host = o.oidc_issuer.substr(o.oidc_issuer.find("://") + 3);
      o.oidc_name = host.substr(0, host.find_first_of(":/?#"));
    }
    if (o.oidc_name.size() > 64 || domain::has_control_chars(o.oidc_name))
      return "--oidc-name must be one line of at most 64 bytes";
  } else if (!o.oidc_client_id.empty() || !o.oidc_allowed_domain.empty() || !o.oidc_name.empty()) {
    return "--oidc-client-id, --oidc-allowed-domain and --oidc-name need --oidc-issuer";
  }
  if (o.lease_ttl.count() < 500) return "--lease-ttl must be at least 500ms";
  if (o.listen.empty()) {
    std::string port = "8080";
    if (const char* p = env("PORT")) {
      if (parse_port(p) < 0)
        return std::string("PORT must be a port number (0-65535), not \"") + p + "\"";
      port = p;
    }
    o.listen = "127.0.0.1:" + port;
  }
  auto colon = o.listen.rfind(':');
  if (colon == std::string::npos) return "--listen takes HOST:PORT";
  o.gateway.host = o.listen.substr(0, colon);
  auto port = parse_port(o.listen.substr(colon + 1));
  if (port < 0) return "bad port in --listen " + o.listen;
  o.gateway.port = static_cast<std::uint16_t>(port);
  if (const char* client_url = env("CLIENT_URL")) {
    auto origin = origin_of_url(client_url);
    if (origin.empty())
      return std::string("CLIENT_URL must be a URL such as https://rooms.example.com, not \"") +
             client_url + "\"";
    o.gateway.allowed_origins.push_back(origin);
  }
  if (o.gateway.tls_cert.empty() != o.gateway.tls_key.empty())
    return "--tls-cert and --tls-key go together";
  if (o.gateway.http_redirect_port != 0 && o.gateway.tls_cert.empty())
    return "--http-redirect-port needs --tls-cert and --tls-key";
  if (!o.nats_urls.empty()) {
    if (!o.cluster_file.empty()) return "--nats and --cluster exclude each other";
    if (o.node_id.empty() || o.caf_address.empty())
      return "--nats needs --node-id and --caf-address";
    if (o.advertise.empty()) o.advertise = o.listen;
  } else if (o.cluster_file.empty() != o.node_id.empty()) {
    return "--cluster and --node-id go together";
  }
  if (o.runner == "piston" && o.piston_url.empty()) return "--runner piston needs --piston-url";
  return {};
}

}  // namespace rooms::gateway
