/// roomd: the Interview Rooms server. Wires the log, the runner, the actors and the gateway.

#include <sys/resource.h>
#include <sys/stat.h>

#include <algorithm>
#include <csignal>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include <CLI/CLI.hpp>
#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include "actors/detail/ids.hpp"
#include "actors/room.hpp"
#include "base/log.hpp"
#include "cluster/cluster.hpp"
#include "eventlog/store.hpp"
#include "gateway/server.hpp"
#include "runner/runner.hpp"

namespace {

using namespace rooms;

/// "90s", "30m", "24h", "7d", "1500ms" -> milliseconds; nullopt when malformed.
std::optional<std::chrono::milliseconds> parse_duration(const std::string& text) {
  std::size_t pos = 0;
  long long value = 0;
  try {
    value = std::stoll(text, &pos);
  } catch (...) {
    return std::nullopt;
  }
  if (value < 0) return std::nullopt;
  auto unit = text.substr(pos);
  if (unit == "ms") return std::chrono::milliseconds(value);
  if (unit == "s") return std::chrono::seconds(value);
  if (unit == "m") return std::chrono::minutes(value);
  if (unit == "h") return std::chrono::hours(value);
  if (unit == "d") return std::chrono::hours(24 * value);
  return std::nullopt;
}

/// The admin token: ROOMD_ADMIN_TOKEN, else <data-dir>/admin.token (created 0600 on first start).
std::string admin_token(const std::string& data_dir) {
  if (const char* env = std::getenv("ROOMD_ADMIN_TOKEN"); env && *env) return env;
  auto path = std::filesystem::path(data_dir) / "admin.token";
  std::ifstream in(path);
  std::string token;
  if (in && std::getline(in, token) && !token.empty()) return token;
  token = actors::detail::random_hex(32);
  auto old = ::umask(077);
  std::ofstream out(path, std::ios::trunc);
  out << token << '\n';
  out.close();
  ::umask(old);
  ::chmod(path.c_str(), 0600);
  ROOMS_LOG(info, "generated the admin token in " << path.string() << " (mode 0600)");
  return token;
}

const char* env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"roomd: the Interview Rooms server (HTTP, WebSocket, event log, code runner)"};
  app.set_version_flag("--version", std::string("roomd ") + ROOMS_VERSION);
  std::string listen = env_or("ROOMD_LISTEN", "127.0.0.1:8080");
  std::string data_dir = env_or("ROOMD_DATA_DIR", "./data");
  std::string web_dir = env_or("ROOMD_WEB_DIR", "./web/dist");
  std::string port_file;
  std::string retention = env_or("ROOMD_RETENTION", "24h");
  bool fsync = std::string(env_or("ROOMD_FSYNC", "0")) == "1";
  std::string runner_kind = env_or("ROOMD_RUNNER", "local");
  std::string piston_url = env_or("ROOMD_PISTON_URL", "");
  std::string log_level = env_or("ROOMD_LOG_LEVEL", "info");
  std::vector<std::string> allowed_origins;
  actors::room_config room;
  gateway::gateway_options gw;
  std::string resume_grace = "30s", idle_passivate = "60s", join_timeout = "10s", run_timeout = "5s";
  std::string header_timeout = "30s";
  std::size_t run_workers = 2;
  std::size_t run_queue_limit = 64;
  bool no_run_cgroups = false;
  std::string cluster_file, node_id;

  app.add_option("--listen", listen, "HOST:PORT to listen on; port 0 picks a free one (ROOMD_LISTEN)")->capture_default_str();
  app.add_option("--data-dir", data_dir, "RocksDB data directory (ROOMD_DATA_DIR)")->capture_default_str();
  app.add_option("--web-dir", web_dir, "built web app to serve (ROOMD_WEB_DIR)")->capture_default_str();
  app.add_option("--port-file", port_file, "write the bound port to this file once listening");
  app.add_option("--retention", retention, "keep a session this long after its last activity (ROOMD_RETENTION)")->capture_default_str();
  app.add_flag("--fsync", fsync, "fsync every group commit: survive power loss, not only a crash (ROOMD_FSYNC=1)");
  app.add_option("--snapshot-every", room.snapshot_every, "snapshot a room every N events")->capture_default_str();
  app.add_option("--runner", runner_kind, "code runner: local (bubblewrap sandbox), piston, none (ROOMD_RUNNER)")
      ->check(CLI::IsMember({"local", "piston", "none"}))
      ->capture_default_str();
  app.add_option("--piston-url", piston_url, "Piston v2 API base URL, with --runner piston (ROOMD_PISTON_URL)");
  app.add_option("--run-timeout", run_timeout, "wall-clock limit of a program run")->capture_default_str();
  app.add_option("--run-workers", run_workers, "code runs at once")->capture_default_str();
  app.add_option("--run-queue", run_queue_limit, "runs waiting for a worker; more are refused (busy)")->capture_default_str();
  app.add_flag("--no-run-cgroups", no_run_cgroups, "local runner: no per-run cgroups (memory, pids), rlimits only");
  app.add_option("--log-level", log_level, "debug, info, warn, error, off (ROOMD_LOG_LEVEL)")->capture_default_str();
  app.add_option("--allowed-origin", allowed_origins, "an extra Origin allowed to open WebSockets (repeatable)");
  app.add_option("--max-participants", room.max_participants, "participants per room")->capture_default_str();
  app.add_option("--max-doc", room.max_doc_units, "document size limit in UTF-16 units")->capture_default_str();
  app.add_option("--max-message-bytes", gw.max_message_bytes, "largest WebSocket message; larger closes with 1009")->capture_default_str();
  app.add_option("--message-rate", gw.message_rate, "messages per second per connection")->capture_default_str();
  app.add_option("--message-burst", gw.message_burst, "burst of the per-connection rate limit")->capture_default_str();
  app.add_option("--max-send-queue", gw.max_send_queue, "queued outgoing frames before a slow consumer is closed (1008)")->capture_default_str();
  app.add_option("--create-per-minute", gw.create_per_minute, "sessions one address may create per minute")->capture_default_str();
  app.add_option("--resume-grace", resume_grace, "how long a dropped participant may resume")->capture_default_str();
  app.add_option("--idle-passivate", idle_passivate, "stop a room nobody is connected to after this long")->capture_default_str();
  app.add_option("--join-timeout", join_timeout, "close a socket that has not joined after this long (4408)")->capture_default_str();
  app.add_option("--header-timeout", header_timeout, "close an HTTP connection that has not sent a request's headers after this long (slowloris)")->capture_default_str();
  app.add_option("--io-threads", gw.io_threads, "Asio I/O threads")->capture_default_str();
  app.add_flag("--metrics-need-token", gw.metrics_need_token, "require the admin token for /metrics");
  app.add_flag("--serve-piston", gw.serve_piston, "serve the Piston v2 API (/api/v2/...) from the local runner, to loopback clients");
  app.add_flag("--serve-piston-public", gw.serve_piston_public, "with --serve-piston: to every client, not only loopback");
  app.add_option("--cluster", cluster_file, "cluster file: one node per line, \"<id> <caf-host:port> <http-host:port>\" (docs/cluster.md)");
  app.add_option("--node-id", node_id, "this node's id in the cluster file");
  CLI11_PARSE(app, argc, argv);

  log::level level;
  if (!log::parse_level(log_level, level)) {
    std::cerr << "roomd: --log-level must be debug, info, warn, error or off\n";
    return 2;
  }
  log::set_level(level);
  auto durations = {std::pair{&resume_grace, &room.resume_grace}, std::pair{&idle_passivate, &room.idle_passivate}};
  for (auto [text, out] : durations) {
    auto d = parse_duration(*text);
    if (!d) {
      std::cerr << "roomd: bad duration \"" << *text << "\" (use e.g. 500ms, 30s, 10m, 24h, 7d)\n";
      return 2;
    }
    *out = *d;
  }
  auto retention_ms = parse_duration(retention);
  auto join_ms = parse_duration(join_timeout);
  auto run_ms = parse_duration(run_timeout);
  auto header_ms = parse_duration(header_timeout);
  if (!retention_ms || !join_ms || !run_ms || !header_ms || header_ms->count() == 0) {
    std::cerr << "roomd: bad duration in --retention, --join-timeout, --run-timeout or --header-timeout\n";
    return 2;
  }
  gw.join_timeout = *join_ms;
  gw.header_timeout = *header_ms;
  auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "roomd: --listen takes HOST:PORT\n";
    return 2;
  }
  gw.host = listen.substr(0, colon);
  try {
    gw.port = static_cast<std::uint16_t>(std::stoul(listen.substr(colon + 1)));
  } catch (...) {
    std::cerr << "roomd: bad port in --listen " << listen << "\n";
    return 2;
  }
  // Cluster membership: every node reads the same file; this one is --node-id.
  gateway::cluster_options cluster;
  if (!cluster_file.empty() || !node_id.empty()) {
    if (cluster_file.empty() || node_id.empty()) {
      std::cerr << "roomd: --cluster and --node-id go together\n";
      return 2;
    }
    std::ifstream in(cluster_file);
    if (!in) {
      std::cerr << "roomd: cannot read the cluster file " << cluster_file << "\n";
      return 2;
    }
    std::stringstream text;
    text << in.rdbuf();
    auto parsed = cluster::parse_cluster(text.str());
    if (auto* err = std::get_if<std::string>(&parsed)) {
      std::cerr << "roomd: " << cluster_file << ": " << *err << "\n";
      return 2;
    }
    cluster.nodes = std::get<std::vector<cluster::node>>(parsed);
    cluster.self_id = node_id;
    if (std::none_of(cluster.nodes.begin(), cluster.nodes.end(), [&](const cluster::node& n) { return n.id == node_id; })) {
      std::cerr << "roomd: node \"" << node_id << "\" is not in " << cluster_file << "\n";
      return 2;
    }
  }
  gw.web_dir = web_dir;
  gw.allowed_origins = allowed_origins;

  // Block the stop signals in every thread; the main thread waits for them below.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  // Every connection is a descriptor: take the hard limit (the soft default is often 1024).
  if (rlimit nofile{}; ::getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
    nofile.rlim_cur = nofile.rlim_max;
    (void)::setrlimit(RLIMIT_NOFILE, &nofile);
  }

  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  eventlog::store_options store_options;
  store_options.path = data_dir;
  store_options.sync = fsync;
  store_options.retention = *retention_ms;
  auto store = eventlog::store::open(store_options);
  if (!store.ok()) {
    std::cerr << "roomd: cannot open the event log in " << data_dir << ": " << store.error().to_string() << "\n";
    return 1;
  }
  gw.admin_token = admin_token(data_dir);

  std::unique_ptr<runner::runner> backend;
  if (runner_kind == "local") {
    runner::local_options lo;
    lo.run_timeout = *run_ms;
    lo.use_cgroups = !no_run_cgroups;
    backend = runner::make_local_runner(lo);
  } else if (runner_kind == "piston") {
    if (piston_url.empty()) {
      std::cerr << "roomd: --runner piston needs --piston-url\n";
      return 2;
    }
    runner::piston_options po;
    po.url = piston_url;
    po.run_timeout = *run_ms;
    backend = runner::make_piston_runner(po);
  }
  actors::metrics stats;
  actors::run_queue runs(std::move(backend), run_workers, run_queue_limit);
  {
    std::string names;
    for (const auto& rt : runs.runtimes()) names += " " + rt.language;
    ROOMS_LOG(info, "runner " << runs.backend_name() << ":" << (names.empty() ? " no languages" : names));
  }

  auto svc = std::make_shared<actors::services>();
  svc->store = store->get();
  svc->runs = &runs;
  svc->stats = &stats;
  svc->config = room;

  int exit_code = 0;
  {
    caf::actor_system_config cfg;
    // The sharing policy sleeps when idle; work stealing would spin on our two cores.
    cfg.set("scheduler.policy", caf::atom("sharing"));
    cfg.set("scheduler.max-threads", std::max(2u, std::thread::hardware_concurrency()));
    if (!cluster.nodes.empty()) cfg.load<caf::io::middleman>();
    caf::actor_system system{cfg};
    auto registry = actors::spawn_registry(system, svc);
    std::string cluster_error;
    if (!cluster.nodes.empty()) {
      // Other nodes reach this node's rooms through its published registry.
      const auto& self_node = *std::find_if(cluster.nodes.begin(), cluster.nodes.end(), [&](const cluster::node& n) { return n.id == node_id; });
      cluster_error = cluster::publish_registry(system, self_node, registry);
      cluster.router = cluster::spawn_router(system, cluster.nodes, node_id, registry);
      if (cluster_error.empty())
        ROOMS_LOG(info, "cluster: node " << node_id << " of " << cluster.nodes.size() << ", registry on " << self_node.caf_host << ":" << self_node.caf_port);
    }
    gateway::server server(gw, system, registry, svc, cluster);
    if (!cluster_error.empty()) {
      std::cerr << "roomd: " << cluster_error << "\n";
      exit_code = 1;
    } else if (auto err = server.start(); !err.empty()) {
      std::cerr << "roomd: " << err << "\n";
      exit_code = 1;
    } else {
      ROOMS_LOG(info, "roomd " << ROOMS_VERSION << " listening on http://" << gw.host << ":" << server.port() << " (data "
                               << data_dir << (fsync ? ", fsync" : ", WAL") << ")");
      if (!port_file.empty()) {
        std::ofstream(port_file + ".tmp") << server.port() << '\n';
        std::filesystem::rename(port_file + ".tmp", port_file, ec);
      }
      int sig = 0;
      sigwait(&stop_signals, &sig);
      ROOMS_LOG(info, "signal " << sig << ": shutting down");
      server.stop();
      caf::scoped_actor self{system};
      self->request(registry, std::chrono::seconds(15), actors::shutdown_atom::value)
          .receive([](const std::string&) {},
                   [](caf::error& err) { ROOMS_LOG(warn, "rooms did not all stop cleanly: " << caf::to_string(err)); });
      caf::anon_send_exit(registry, caf::exit_reason::user_shutdown);
      if (cluster.router) caf::anon_send_exit(cluster.router, caf::exit_reason::user_shutdown);
    }
  }
  store->reset();  // drains pending appends, closes RocksDB
  ROOMS_LOG(info, "stopped");
  return exit_code;
}
