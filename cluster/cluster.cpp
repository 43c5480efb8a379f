#include "cluster/cluster.hpp"

#include <algorithm>
#include <charconv>
#include <set>
#include <sstream>

namespace rooms::cluster {
namespace {

std::optional<std::pair<std::string, std::uint16_t>> host_port(std::string_view text) {
  auto colon = text.rfind(':');
  if (colon == std::string_view::npos || colon == 0) return std::nullopt;
  unsigned port = 0;
  auto digits = text.substr(colon + 1);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), port);
  if (ec != std::errc() || end != digits.data() + digits.size() || port == 0 || port > 65535)
    return std::nullopt;
  return std::pair{std::string(text.substr(0, colon)), static_cast<std::uint16_t>(port)};
}

bool valid_id(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  return std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
  });
}

/// FNV-1a then a splitmix64 finaliser: stable across builds and machines (std::hash is not).
std::uint64_t weight(std::string_view node_id, std::string_view session_id) {
  std::uint64_t h = 1469598103934665603ull;
  auto mix = [&](std::string_view s) {
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  };
  mix(node_id);
  mix("\x1f");
  mix(session_id);
  h += 0x9e3779b97f4a7c15ull;
  h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ull;
  h = (h ^ (h >> 27)) * 0x94d049bb133111ebull;
  return h ^ (h >> 31);
}

}  // namespace

std::variant<std::vector<node>, std::string> parse_cluster(std::string_view text) {
  std::vector<node> nodes;
  std::set<std::string> ids;
  std::istringstream in{std::string(text)};
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (auto hash = line.find('#'); hash != std::string::npos) line.erase(hash);
    std::istringstream words(line);
    std::string id, caf, http, extra;
    if (!(words >> id)) continue;
    auto where = "line " + std::to_string(number) + ": ";
    if (!(words >> caf >> http) || (words >> extra))
      return where + "expected \"<id> <caf-host:port> <http-host:port>\"";
    if (!valid_id(id)) return where + "node id \"" + id + "\" must be 1-64 of [A-Za-z0-9_.-]";
    if (!ids.insert(id).second) return where + "node id \"" + id + "\" appears twice";
    auto c = host_port(caf), h = host_port(http);
    if (!c) return where + "bad CAF address \"" + caf + "\" (host:port)";
    if (!h) return where + "bad HTTP address \"" + http + "\" (host:port)";
    nodes.push_back({id, c->first, c->second, h->first, h->second});
  }
  if (nodes.empty()) return std::string("the cluster file lists no nodes");
  return nodes;
}

const node& owner_of(const std::vector<node>& nodes, std::string_view session_id) {
  const node* best = &nodes.front();
  std::uint64_t best_weight = weight(best->id, session_id);
  for (const auto& n : nodes) {
    auto w = weight(n.id, session_id);
    if (w > best_weight || (w == best_weight && n.id < best->id)) {
      best = &n;
      best_weight = w;
    }
  }
  return *best;
}

}  // namespace rooms::cluster
