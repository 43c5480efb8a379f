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

#include "actors/errors.hpp"
#include "actors/room.hpp"
#include "base/cpus.hpp"
#include "base/log.hpp"
#include "base/secrets.hpp"
#include "cluster/cluster.hpp"
#include "eventlog/store.hpp"
#include "gateway/detail/context.hpp"  // open_question_store
#include "gateway/oidc_client.hpp"
#include "gateway/roomd_options.hpp"
#include "gateway/server.hpp"
#include "ha/replica.hpp"
#include "runner/runner.hpp"

namespace {

using namespace rooms;

/// The admin token: ROOMD_ADMIN_TOKEN, else <data-dir>/admin.token (created 0600 on first start).
std::string admin_token(const std::string& data_dir) {
  if (const char* env = std::getenv("ROOMD_ADMIN_TOKEN"); env && *env) return env;
  auto path = std::filesystem::path(data_dir) / "admin.token";
  std::ifstream in(path);
  std::string token;
  if (in && std::getline(in, token) && !token.empty()) return token;
  token = base::random_hex(32);
  auto old = ::umask(077);
  std::ofstream out(path, std::ios::trunc);
  out << token << '\n';
  out.close();
  ::umask(old);
  ::chmod(path.c_str(), 0600);
  ROOMS_LOG(info, "generated the admin token in " << path.string() << " (mode 0600)");
  return token;
}

/// Cluster membership: every node reads the same file; this one is `o.node_id`. An error
/// message, or empty (also for a single node).
std::string load_cluster(const gateway::roomd_options& o, gateway::cluster_options& cluster) {
  if (!o.nats_urls.empty()) {
    // High availability: this node alone until the heartbeats say who else is live.
    auto parsed = cluster::parse_cluster(o.node_id + " " + o.caf_address + " " + o.advertise);
    if (auto* err = std::get_if<std::string>(&parsed))
      return "--node-id, --caf-address, --advertise: " + *err;
    cluster.nodes =
        std::make_shared<cluster::node_set>(std::get<std::vector<cluster::node>>(parsed));
    cluster.self_id = o.node_id;
    return {};
  }
  if (o.cluster_file.empty()) return {};
  std::ifstream in(o.cluster_file);
  if (!in) return "cannot read the cluster file " + o.cluster_file;
  std::stringstream text;
  text << in.rdbuf();
  auto parsed = cluster::parse_cluster(text.str());
  if (auto* err = std::get_if<std::string>(&parsed)) return o.cluster_file + ": " + *err;
  auto nodes = std::get<std::vector<cluster::node>>(parsed);
  cluster.self_id = o.node_id;
  if (std::none_of(nodes.begin(), nodes.end(),
                   [&](const cluster::node& n) { return n.id == o.node_id; }))
    return "node \"" + o.node_id + "\" is not in " + o.cluster_file;
  cluster.nodes = std::make_shared<cluster::node_set>(std::move(nodes));
  return {};
}

/// The runner --runner names; null for none.
std::unique_ptr<runner::runner> make_runner(const gateway::roomd_options& o) {
  if (o.runner == "local") {
    runner::local_options lo;
    lo.run_timeout = o.run_timeout_ms;
    lo.terminal_timeout = o.terminal_timeout_ms;
    lo.use_cgroups = !o.no_run_cgroups;
    lo.sandbox_uid = o.sandbox_uid;
    if (!o.postgres_socket.empty()) {
      runner::postgres_options pg;
      pg.socket_dir = o.postgres_socket;
      pg.admin_user = o.postgres_user;
      lo.postgres = pg;
    }
    return runner::make_local_runner(lo);
  }
  if (o.runner == "piston") {
    runner::piston_options po;
    po.url = o.piston_url;
    po.run_timeout = o.run_timeout_ms;
    return runner::make_piston_runner(po);
  }
  return nullptr;
}

/// Blocks the signals the main thread waits for (stop: TERM, INT; reload TLS: HUP) in every
/// thread, ignores SIGPIPE and raises the descriptor limit. Returns the waited-for signals.
sigset_t prepare_process() {
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  // Every connection is a descriptor: take the hard limit (the soft default is often 1024).
  if (rlimit nofile{};
      ::getrlimit(RLIMIT_NOFILE, &nofile) == 0 && nofile.rlim_cur < nofile.rlim_max) {
    nofile.rlim_cur = nofile.rlim_max;
    (void)::setrlimit(RLIMIT_NOFILE, &nofile);
  }
  return stop_signals;
}

/// Starts the actors, the cluster membership and the server; waits for a stop signal; stops
/// them in order. The exit code.
int serve(const gateway::roomd_options& opts, std::shared_ptr<actors::services> svc,
          gateway::cluster_options& cluster, ha::node_replica* replica,
          const sigset_t& stop_signals) {
  const auto& gw = opts.gateway;
  const auto& node_id = opts.node_id;
  int exit_code = 0;
  caf::actor_system_config cfg;
  actors::register_error_category(cfg);
  // The sharing policy sleeps when idle; work stealing would spin on our two cores.
  cfg.set("scheduler.policy", caf::atom("sharing"));
  // By the CPUs this process may use (taskset, a cpuset), not the machine's: more workers than
  // cores only adds context switches. Two at least, so one busy room never stalls the rest.
  cfg.set("scheduler.max-threads", std::max(2u, base::usable_cpus()));
  if (cluster.nodes) cfg.load<caf::io::middleman>();
  caf::actor_system system{cfg};
  auto registry = actors::spawn_registry(system, svc);
  std::string cluster_error;
  if (cluster.nodes) {
    // Other nodes reach this node's rooms through its published registry.
    auto members = cluster.nodes->current();
    const auto& self_node = *std::find_if(members->begin(), members->end(),
                                          [&](const cluster::node& n) { return n.id == node_id; });
    cluster_error = cluster::publish_registry(system, self_node, registry);
    cluster.router = cluster::spawn_router(system, cluster.nodes, node_id, registry);
    if (cluster_error.empty())
      ROOMS_LOG(info, "cluster: node " << node_id << " of " << members->size()
                                       << (replica ? " live" : "") << ", registry on "
                                       << self_node.caf_host << ":" << self_node.caf_port);
  }
  // A session this node must stop serving (lease lost, or it belongs to another node now).
  if (replica)
    replica->on_lost([registry](const std::string& sid) {
      caf::anon_send(registry, actors::moved_atom::value, sid);
    });
  gateway::server server(gw, system, registry, svc, cluster);
  if (!cluster_error.empty()) {
    std::cerr << "roomd: " << cluster_error << "\n";
    exit_code = 1;
  } else if (auto err = server.start(); !err.empty()) {
    std::cerr << "roomd: " << err << "\n";
    exit_code = 1;
  } else {
    ROOMS_LOG(info, "roomd " << ROOMS_VERSION << " listening on "
                             << (server.tls() ? "https://" : "http://") << gw.host << ":"
                             << server.port() << " (data " << opts.data_dir
                             << (opts.fsync ? ", fsync" : ", WAL") << ")");
    if (const auto& port_file = opts.port_file; !port_file.empty()) {
      std::ofstream(port_file + ".tmp") << server.port() << '\n';
      std::error_code ec;
      std::filesystem::rename(port_file + ".tmp", port_file, ec);
    }
    int sig = 0;
    // SIGHUP reloads the certificate (new connections only); the others stop.
    while (sigwait(&stop_signals, &sig) == 0 && sig == SIGHUP) {
      if (!server.tls()) {
        ROOMS_LOG(info, "SIGHUP: TLS is off, nothing to reload");
      } else if (auto err = server.reload_tls(); !err.empty()) {
        ROOMS_LOG(error, "SIGHUP: " << err);
      }
    }
    ROOMS_LOG(info, "signal " << sig << ": shutting down");
    server.stop();
    caf::scoped_actor self{system};
    self->request(registry, std::chrono::seconds(15), actors::shutdown_atom::value)
        .receive([] {},
                 [](caf::error& err) {
                   ROOMS_LOG(warn, "rooms did not all stop cleanly: " << caf::to_string(err));
                 });
  }
  // Also after a failed start: the actor system waits for every actor before it goes.
  caf::anon_send_exit(registry, caf::exit_reason::user_shutdown);
  if (cluster.router) caf::anon_send_exit(cluster.router, caf::exit_reason::user_shutdown);
  return exit_code;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"roomd: the Interview Rooms server (HTTP, WebSocket, event log, code runner)"};
  app.set_version_flag("--version", std::string("roomd ") + ROOMS_VERSION);
  gateway::roomd_options opts;
  gateway::define_roomd_options(app, opts);
  try {
    app.parse(argc, argv);
  } catch (const CLI::FileError& e) {
    // --config FILE that cannot be read, or a name in it that is no flag: one line (CLI11
    // would add its usage text).
    std::cerr << "roomd: --config: " << e.what() << "\n";
    return 2;
  } catch (const CLI::ConfigError& e) {
    std::cerr << "roomd: --config: " << e.what() << "\n";
    return 2;
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  if (auto err = gateway::resolve_roomd_options(opts); !err.empty()) {
    std::cerr << "roomd: " << err << "\n";
    return 2;
  }
  log::set_level(opts.level);
  log::set_format(opts.format);
  gateway::cluster_options cluster;
  if (auto err = load_cluster(opts, cluster); !err.empty()) {
    std::cerr << "roomd: " << err << "\n";
    return 2;
  }
  const auto& data_dir = opts.data_dir;

  const sigset_t stop_signals = prepare_process();

  std::error_code ec;
  std::filesystem::create_directories(data_dir, ec);
  eventlog::store_options store_options;
  store_options.path = data_dir;
  store_options.sync = opts.fsync;
  store_options.retention = opts.retention_ms;
  auto store = eventlog::store::open(store_options);
  if (!store.ok()) {
    std::cerr << "roomd: cannot open the event log in " << data_dir << ": "
              << store.error().to_string() << "\n";
    return 1;
  }
  opts.gateway.admin_token = admin_token(data_dir);
  if (!opts.oidc_issuer.empty()) {
    // Discovery once at start: a provider that cannot be reached is a clear start-up error.
    auto idp = std::make_shared<gateway::oidc_provider>();
    idp->config = {opts.oidc_issuer, opts.oidc_client_id, opts.oidc_client_secret,
                   opts.oidc_allowed_domain, opts.oidc_name};
    if (auto why = idp->discover(); !why.empty()) {
      ROOMS_LOG(error, "OpenID Connect discovery failed: " << why);
      std::cerr << "roomd: --oidc-issuer " << opts.oidc_issuer << ": " << why << "\n";
      return 2;
    }
    ROOMS_LOG(info, "OpenID Connect sign-in with " << idp->config.issuer << " as client "
                                                   << opts.oidc_client_id);
    opts.gateway.oidc = std::move(idp);
  }

  actors::metrics stats;
  actors::run_queue runs(make_runner(opts), opts.run_workers, opts.run_queue);
  {
    std::string names;
    for (const auto& rt : runs.runtimes()) names += " " + rt.language;
    ROOMS_LOG(info,
              "runner " << runs.backend_name() << ":" << (names.empty() ? " no languages" : names));
  }

  auto svc = std::make_shared<actors::services>();
  svc->store = store->get();
  svc->runs = &runs;
  svc->stats = &stats;
  svc->config = opts.room;
  // One question store for REST and the rooms (it numbers versions under its own lock).
  auto question_store = gateway::detail::open_question_store(*svc);
  svc->questions = question_store.get();

  std::unique_ptr<ha::node_replica> replica;
  if (!opts.nats_urls.empty()) {
    ha::options ho;
    std::stringstream urls(opts.nats_urls);
    for (std::string url; std::getline(urls, url, ',');)
      if (!url.empty()) ho.urls.push_back(url);
    ho.self = cluster.nodes->current()->front();
    ho.lease_ttl = opts.lease_ttl;
    auto started = ha::node_replica::start(ho, *store->get(), cluster.nodes);
    if (!started.ok()) {
      std::cerr << "roomd: --nats " << opts.nats_urls << ": " << started.error().to_string()
                << "\n";
      return 1;
    }
    replica = std::move(*started);
    svc->replica = replica.get();
    ROOMS_LOG(info, "ha: replicated log on " << opts.nats_urls << ", lease "
                                             << opts.lease_ttl.count() << " ms");
  }

  int exit_code = serve(opts, svc, cluster, replica.get(), stop_signals);
  replica.reset();         // gives the leases up; before the store its workers write
  question_store.reset();  // before the database it reads
  store->reset();          // drains pending appends, closes RocksDB
  ROOMS_LOG(info, "stopped");
  return exit_code;
}
