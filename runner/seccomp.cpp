#include "runner/seccomp.hpp"

#include <errno.h>
#include <sched.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <seccomp.h>

#include <cstring>

namespace rooms::runner::detail {
namespace {

/// Refused with EPERM outright. Most already need a capability the sandbox lacks; listing
/// them anyway keeps them shut should a capability ever leak in. The first groups are reachable
/// without one, which is the point of the filter.
const char* const denied[] = {
    // namespaces and mounts: new user namespaces are the door to most kernel bugs
    "unshare",
    "setns",
    "mount",
    "umount2",
    "pivot_root",
    "chroot",
    "move_mount",
    "open_tree",
    "fsopen",
    "fsconfig",
    "fsmount",
    "fspick",
    "mount_setattr",
    // looking into or steering other processes
    "ptrace",
    "process_vm_readv",
    "process_vm_writev",
    "process_madvise",
    "pidfd_getfd",
    "kcmp",
    // large kernel attack surface reachable unprivileged
    "bpf",
    "perf_event_open",
    "userfaultfd",
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    "keyctl",
    "add_key",
    "request_key",
    // the host itself
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    "reboot",
    "swapon",
    "swapoff",
    "acct",
    "quotactl",
    "quotactl_fd",
    "syslog",
    "iopl",
    "ioperm",
    "settimeofday",
    "clock_settime",
    "sethostname",
    "setdomainname",
    "vhangup",
    "lookup_dcookie",
    "open_by_handle_at",
    "fanotify_init",
    "nfsservctl",
    "uselib",
};

bool add_rule(scmp_filter_ctx ctx, std::uint32_t action, const char* name, unsigned count,
              const scmp_arg_cmp* cmp, std::string& error) {
  int nr = seccomp_syscall_resolve_name(name);
  if (nr == __NR_SCMP_ERROR) return true;  // unknown to this libseccomp / arch: nothing to block
  int rc = seccomp_rule_add_array(ctx, action, nr, count, cmp);
  if (rc != 0) {
    error = std::string("seccomp rule for ") + name + ": " + std::strerror(-rc);
    return false;
  }
  return true;
}

}  // namespace

const std::vector<std::string>& seccomp_rules() {
  static const std::vector<std::string> rules = [] {
    std::vector<std::string> r = {
        "socket/socketpair with a family other than AF_UNIX: EAFNOSUPPORT",
        "clone with any CLONE_NEW* flag: EPERM (threads and fork work)",
        "clone3: ENOSYS (its flags are out of a filter's reach; libc falls back to clone)",
        "ioctl TIOCSTI, TIOCLINUX: EPERM (typing into a terminal)",
        "any syscall of another ABI (i386, x32): the process is killed",
    };
    std::string plain = "EPERM:";
    for (const char* name : denied) plain += std::string(" ") + name;
    r.push_back(plain);
    return r;
  }();
  return rules;
}

std::string build_seccomp_filter(std::string& error) {
  // Allow by default, deny the listed calls. The filter's architecture is the native one only:
  // a syscall of another ABI kills the process, which shuts the int 0x80 / x32 side doors
  // (their syscall numbers differ, so a native deny list would not match them).
  scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
  if (ctx == nullptr) {
    error = "seccomp_init failed";
    return {};
  }
  struct release {
    scmp_filter_ctx ctx;
    ~release() { seccomp_release(ctx); }
  } guard{ctx};
  // The whole process, not only the thread, so the run ends visibly (SIGSYS).
  if (int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS); rc != 0) {
    error = std::string("seccomp bad-arch action: ") + std::strerror(-rc);
    return {};
  }
  const std::uint32_t eperm = SCMP_ACT_ERRNO(EPERM);
  for (const char* name : denied) {
    if (!add_rule(ctx, eperm, name, 0, nullptr, error)) return {};
  }
  // Only local sockets: the network namespace is empty anyway, but netlink, packet, vsock,
  // bluetooth, ... sockets reach kernel code that a network namespace does not remove.
  const scmp_arg_cmp not_unix = SCMP_A0(SCMP_CMP_NE, AF_UNIX);
  if (!add_rule(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), "socket", 1, &not_unix, error) ||
      !add_rule(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), "socketpair", 1, &not_unix, error)) {
    return {};
  }
  // clone with a namespace flag, one rule per flag (rules of one syscall are or-ed). Thread
  // and process creation (CLONE_VM, CLONE_THREAD, CLONE_VFORK, ...) stay allowed: the JVM,
  // the Go runtime and compilers need them.
  for (unsigned long flag : {CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
                             CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET}) {
    const scmp_arg_cmp has_flag = SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag);
    if (!add_rule(ctx, eperm, "clone", 1, &has_flag, error)) return {};
  }
  // clone3 passes its flags in memory, which a filter cannot read: ENOSYS makes glibc (and
  // Go, Rust's std) fall back to clone, where the rule above applies.
  if (!add_rule(ctx, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, nullptr, error)) return {};
  for (unsigned long request :
       {static_cast<unsigned long>(TIOCSTI), static_cast<unsigned long>(TIOCLINUX)}) {
    // The kernel reads the request as 32 bits: compare only those.
    const scmp_arg_cmp is_request = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xFFFFFFFFul, request);
    if (!add_rule(ctx, eperm, "ioctl", 1, &is_request, error)) return {};
  }

  // Export through a memfd: libseccomp writes the program to a file descriptor.
  int fd = static_cast<int>(::memfd_create("rooms-seccomp-export", MFD_CLOEXEC));
  if (fd < 0) {
    error = std::string("memfd_create: ") + std::strerror(errno);
    return {};
  }
  std::string program;
  int rc = seccomp_export_bpf(ctx, fd);
  if (rc != 0) {
    error = std::string("seccomp_export_bpf: ") + std::strerror(-rc);
  } else if (::lseek(fd, 0, SEEK_SET) == 0) {
    char buf[4096];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof buf)) > 0) program.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  if (error.empty() && program.empty()) error = "seccomp_export_bpf wrote nothing";
  return error.empty() ? program : std::string();
}

int seccomp_fd(const std::string& program) {
  int fd = static_cast<int>(::memfd_create("rooms-seccomp", MFD_CLOEXEC));
  if (fd < 0) return -1;
  std::size_t done = 0;
  while (done < program.size()) {
    ssize_t n = ::write(fd, program.data() + done, program.size() - done);
    if (n <= 0) {
      ::close(fd);
      return -1;
    }
    done += static_cast<std::size_t>(n);
  }
  if (::lseek(fd, 0, SEEK_SET) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace rooms::runner::detail
