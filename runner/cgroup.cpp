#include "runner/cgroup.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace rooms::runner::detail {
namespace {

namespace fs = std::filesystem;

std::string read_text(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Writes the whole value with one write(2), as cgroup files want; false with errno set.
bool write_text(const std::string& path, const std::string& value) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  ssize_t n = ::write(fd, value.data(), value.size());
  int saved = errno;
  ::close(fd);
  errno = saved;
  return n == static_cast<ssize_t>(value.size());
}

bool exists(const std::string& path) {
  return ::access(path.c_str(), F_OK) == 0;
}

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  out.push_back(cur);
  return out;
}

bool has_word(const std::string& text, const std::string& word) {
  std::istringstream in(text);
  std::string w;
  while (in >> w) {
    if (w == word) return true;
  }
  return false;
}

/// "key value" lines (memory.events, memory.oom_control): the value of `key`, or 0.
std::uint64_t keyed_value(const std::string& text, const std::string& key) {
  std::istringstream in(text);
  std::string k;
  std::uint64_t v = 0;
  while (in >> k >> v) {
    if (k == key) return v;
  }
  return 0;
}

/// mountinfo unescapes: "\040" is a space in a mount point.
std::string unescape(const std::string& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      int v = 0;
      bool ok = true;
      for (int k = 1; k <= 3 && ok; ++k) {
        char c = s[i + static_cast<std::size_t>(k)];
        ok = c >= '0' && c <= '7';
        v = v * 8 + (c - '0');
      }
      if (ok) {
        out += static_cast<char>(v);
        i += 3;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

/// The directory of cgroup `path` in a hierarchy mounted at `mount_point` whose mount shows
/// `mount_root` of the hierarchy; empty when the group is outside what is mounted.
std::string join_mount(const std::string& mount_point, const std::string& mount_root,
                       const std::string& path) {
  if (mount_root == "/") return path == "/" ? mount_point : mount_point + path;
  if (path == mount_root) return mount_point;
  if (path.rfind(mount_root + "/", 0) == 0) return mount_point + path.substr(mount_root.size());
  return {};
}

std::vector<pid_t> procs_of(const std::string& dir) {
  std::vector<pid_t> out;
  std::istringstream in(read_text(dir + "/cgroup.procs"));
  long pid;
  while (in >> pid) out.push_back(static_cast<pid_t>(pid));
  return out;
}

bool remove_group_dir(const std::string& dir, int version) {
  // Kill first: a group with members cannot be removed. Normally it is empty already (the
  // sandbox's pid 1 took its namespace down with it); this catches anything that escaped.
  if (version == 2 && exists(dir + "/cgroup.kill")) write_text(dir + "/cgroup.kill", "1");
  for (int round = 0; round < 200; ++round) {
    auto pids = procs_of(dir);
    if (pids.empty()) break;
    for (pid_t pid : pids) ::kill(pid, SIGKILL);
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  // Dying members leave the group asynchronously: rmdir is EBUSY until they have.
  for (int round = 0; round < 100; ++round) {
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return true;
    if (errno != EBUSY) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

/// "rooms-runner-<pid>-<n>": one per runner, as a process may have several (tests do), each
/// removing its own parent when it is destroyed.
std::string make_parent_name() {
  static std::atomic<unsigned> next{0};
  return "rooms-runner-" + std::to_string(::getpid()) + "-" + std::to_string(next++);
}

/// Removes the groups of runners whose process is gone (a crash leaves them behind). Only
/// empty groups: rmdir, never a kill, as a pid that is not ours may be another pid namespace's
/// live roomd sharing this hierarchy (a crashed roomd's sandboxes died with it anyway).
void remove_stale(const std::string& base) {
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(base, ec)) {
    auto name = e.path().filename().string();
    if (name.rfind("rooms-runner-", 0) != 0 || !e.is_directory()) continue;
    long pid = std::strtol(name.c_str() + 13, nullptr, 10);
    if (pid <= 0 || ::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    std::error_code ec2;
    for (const auto& run : fs::directory_iterator(e.path(), ec2)) {
      if (run.is_directory()) ::rmdir(run.path().c_str());
    }
    ::rmdir(e.path().c_str());
  }
}

}  // namespace

cgroup_location locate_cgroups(const std::string& proc_self_cgroup, const std::string& mountinfo) {
  // Mounts: (fstype, super options, root, mount point).
  struct mount {
    std::string type, options, root, point;
  };
  std::vector<mount> mounts;
  std::istringstream mi(mountinfo);
  std::string line;
  while (std::getline(mi, line)) {
    auto dash = line.find(" - ");
    if (dash == std::string::npos) continue;
    std::istringstream left(line.substr(0, dash)), right(line.substr(dash + 3));
    std::string id, parent, dev, root, point, type, source, options;
    if (!(left >> id >> parent >> dev >> root >> point) || !(right >> type >> source >> options))
      continue;
    if (type == "cgroup" || type == "cgroup2")
      mounts.push_back({type, options, unescape(root), unescape(point)});
  }
  cgroup_location out;
  std::istringstream pc(proc_self_cgroup);
  while (std::getline(pc, line)) {
    // "hierarchy-id:controller,list:/path"; the path may itself contain ':'.
    auto a = line.find(':');
    auto b = a == std::string::npos ? a : line.find(':', a + 1);
    if (b == std::string::npos) continue;
    std::string id = line.substr(0, a), controllers = line.substr(a + 1, b - a - 1),
                path = line.substr(b + 1);
    if (id == "0" && controllers.empty()) {
      for (const auto& m : mounts) {
        if (m.type != "cgroup2") continue;
        auto dir = join_mount(m.point, m.root, path);
        if (!dir.empty()) {
          out.v2_dir = dir;
          break;
        }
      }
      continue;
    }
    for (const auto& controller : split(controllers, ',')) {
      if (controller != "memory" && controller != "pids") continue;
      for (const auto& m : mounts) {
        if (m.type != "cgroup") continue;
        auto opts = split(m.options, ',');
        if (std::find(opts.begin(), opts.end(), controller) == opts.end()) continue;
        auto dir = join_mount(m.point, m.root, path);
        if (dir.empty()) continue;
        (controller == "memory" ? out.memory_dir : out.pids_dir) = dir;
        break;
      }
    }
  }
  return out;
}

bool cgroup_manager::remove_group(const std::string& dir, int version) {
  return remove_group_dir(dir, version);
}

cgroup_manager::cgroup_manager() : parent_name_(make_parent_name()) {
  auto where = locate_cgroups(read_text("/proc/self/cgroup"), read_text("/proc/self/mountinfo"));
  std::string why_v2, why_v1;
  if (where.v2_dir.empty()) {
    why_v2 = "cgroup2 not mounted";
  } else if (setup_v2(where.v2_dir, why_v2)) {
    return;
  }
  if (setup_v1(where, why_v1)) return;
  version_ = 0;
  description_ = "no cgroups (v2: " + why_v2 + "; v1: " + why_v1 + ")";
}

bool cgroup_manager::setup_v2(const std::string& own, std::string& why) {
  auto available = read_text(own + "/cgroup.controllers");
  if (!has_word(available, "memory") || !has_word(available, "pids")) {
    why = "memory and pids controllers not offered in " + own + " (cgroup.controllers: \"" +
          available.substr(0, available.find('\n')) + "\")";
    return false;
  }
  auto enabled = [](const std::string& dir) {
    auto s = read_text(dir + "/cgroup.subtree_control");
    return has_word(s, "memory") && has_word(s, "pids");
  };
  if (!enabled(own) && !write_text(own + "/cgroup.subtree_control", "+memory +pids")) {
    // "No internal processes": a non-root group with members cannot hand controllers to its
    // children. Move this process into a leaf of its own, as a delegated service manager
    // does, and try again.
    if (errno != EBUSY) {
      why = "cannot enable controllers in " + own + ": " + std::strerror(errno);
      return false;
    }
    std::string leaf = own + "/roomd";
    ::mkdir(leaf.c_str(), 0755);
    if (!write_text(leaf + "/cgroup.procs", std::to_string(::getpid()))) {
      why = "cannot move this process into " + leaf + ": " + std::strerror(errno);
      return false;
    }
    if (!write_text(own + "/cgroup.subtree_control", "+memory +pids")) {
      why = "cannot enable controllers in " + own +
            " (other processes in it?): " + std::strerror(errno);
      return false;
    }
  }
  remove_stale(own);
  std::string parent = own + "/" + parent_name_;
  if (::mkdir(parent.c_str(), 0755) != 0 && errno != EEXIST) {
    why = "cannot create " + parent + ": " + std::strerror(errno);
    return false;
  }
  if (!enabled(parent) && !write_text(parent + "/cgroup.subtree_control", "+memory +pids")) {
    why = "cannot enable controllers in " + parent + ": " + std::strerror(errno);
    ::rmdir(parent.c_str());
    return false;
  }
  version_ = 2;
  memory_parent_ = parent;
  description_ = "cgroup v2 (memory, pids) in " + parent;
  return true;
}

bool cgroup_manager::setup_v1(const cgroup_location& where, std::string& why) {
  auto make_parent = [&](const std::string& base, const char* control_file, std::string& out) {
    if (base.empty()) return std::string("not mounted");
    if (::access((base + "/cgroup.procs").c_str(), W_OK) != 0) return base + " is not writable";
    remove_stale(base);
    std::string parent = base + "/" + parent_name_;
    if (::mkdir(parent.c_str(), 0755) != 0 && errno != EEXIST) {
      return "cannot create " + parent + ": " + std::strerror(errno);
    }
    if (!exists(parent + "/" + control_file)) {
      ::rmdir(parent.c_str());
      return parent + " has no " + control_file;
    }
    out = parent;
    return std::string();
  };
  auto memory_why = make_parent(where.memory_dir, "memory.limit_in_bytes", memory_parent_);
  auto pids_why = make_parent(where.pids_dir, "pids.max", pids_parent_);
  if (memory_parent_.empty() && pids_parent_.empty()) {
    why = "memory: " + memory_why + ", pids: " + pids_why;
    return false;
  }
  version_ = 1;
  description_ = "cgroup v1 (";
  if (!memory_parent_.empty()) description_ += "memory";
  if (!pids_parent_.empty()) description_ += memory_parent_.empty() ? "pids" : ", pids";
  description_ += ")";
  if (memory_parent_.empty()) description_ += "; no memory cgroup: " + memory_why;
  if (pids_parent_.empty()) description_ += "; no pids cgroup: " + pids_why;
  return true;
}

cgroup_manager::~cgroup_manager() {
  retry_deferred();
  if (!memory_parent_.empty()) ::rmdir(memory_parent_.c_str());
  if (!pids_parent_.empty()) ::rmdir(pids_parent_.c_str());
}

void cgroup_manager::defer(const std::string& dir) {
  std::lock_guard lock(deferred_mutex_);
  deferred_.push_back(dir);
}

void cgroup_manager::retry_deferred() {
  std::vector<std::string> dirs;
  {
    std::lock_guard lock(deferred_mutex_);
    dirs.swap(deferred_);
  }
  for (const auto& d : dirs) {
    if (!remove_group(d, version_)) defer(d);
  }
}

std::unique_ptr<cgroup_run> cgroup_manager::create(const cgroup_limits& limits,
                                                   std::string& error) {
  if (version_ == 0) return nullptr;
  retry_deferred();
  std::string name = "/run-" + std::to_string(++counter_);
  std::vector<std::string> dirs;
  std::string memory_dir;
  auto fail = [&](const std::string& what) {
    error = what + ": " + std::strerror(errno);
    for (const auto& d : dirs) ::rmdir(d.c_str());
    return nullptr;
  };
  if (!memory_parent_.empty()) {
    memory_dir = memory_parent_ + name;
    if (::mkdir(memory_dir.c_str(), 0755) != 0) return fail("cannot create " + memory_dir);
    dirs.push_back(memory_dir);
  }
  std::string pids_dir = version_ == 2          ? memory_dir
                         : pids_parent_.empty() ? ""
                                                : pids_parent_ + name;
  if (version_ == 1 && !pids_dir.empty()) {
    if (::mkdir(pids_dir.c_str(), 0755) != 0) return fail("cannot create " + pids_dir);
    dirs.push_back(pids_dir);
  }
  auto memory = std::to_string(limits.memory_bytes);
  if (limits.memory_bytes > 0 && !memory_dir.empty()) {
    if (version_ == 2) {
      if (!write_text(memory_dir + "/memory.max", memory)) return fail("cannot set memory.max");
      // No swap beyond the limit (the file exists only with swap accounting).
      if (exists(memory_dir + "/memory.swap.max")) write_text(memory_dir + "/memory.swap.max", "0");
    } else {
      if (!write_text(memory_dir + "/memory.limit_in_bytes", memory))
        return fail("cannot set memory.limit_in_bytes");
      // memory+swap = memory: no swap beyond the limit (only with swap accounting).
      if (exists(memory_dir + "/memory.memsw.limit_in_bytes"))
        write_text(memory_dir + "/memory.memsw.limit_in_bytes", memory);
    }
  }
  if (limits.pids > 0 && !pids_dir.empty()) {
    if (!write_text(pids_dir + "/pids.max", std::to_string(limits.pids)))
      return fail("cannot set pids.max");
  }
  return std::unique_ptr<cgroup_run>(new cgroup_run(this, std::move(dirs), memory_dir, version_));
}

cgroup_run::cgroup_run(cgroup_manager* owner, std::vector<std::string> dirs, std::string memory_dir,
                       int version)
    : owner_(owner), dirs_(std::move(dirs)), memory_dir_(std::move(memory_dir)), version_(version) {
  for (const auto& d : dirs_) procs_.push_back(d + "/cgroup.procs");
}

cgroup_run::~cgroup_run() {
  for (const auto& d : dirs_) {
    if (!cgroup_manager::remove_group(d, version_)) owner_->defer(d);
  }
}

std::uint64_t cgroup_run::oom_kills() const {
  if (memory_dir_.empty()) return 0;
  if (version_ == 2) return keyed_value(read_text(memory_dir_ + "/memory.events"), "oom_kill");
  return keyed_value(read_text(memory_dir_ + "/memory.oom_control"), "oom_kill");
}

}  // namespace rooms::runner::detail
