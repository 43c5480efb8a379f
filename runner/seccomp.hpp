#pragma once
/// Internal: the seccomp filter bubblewrap installs in the sandbox (`bwrap --seccomp FD`).
///
/// A deny list on top of namespaces, the uid drop and rlimits: it closes the kernel attack
/// surface a program could reach without any capability (new user namespaces, bpf, io_uring,
/// userfaultfd, perf events, keyrings, ptrace), refuses every socket family but AF_UNIX, and
/// kills syscalls of any other ABI (i386 via int 0x80, x32), which would bypass a deny list.

#include <string>
#include <vector>

namespace rooms::runner::detail {

/// The compiled classic-BPF program (struct sock_filter[]), as bwrap reads it from its fd.
/// Empty with `error` set when libseccomp failed.
std::string build_seccomp_filter(std::string& error);

/// What the filter refuses, one human-readable entry per rule group (for docs and logs).
const std::vector<std::string>& seccomp_rules();

/// A fresh memfd holding `program` at offset 0 (each bwrap gets its own open file, so
/// concurrent runs never share a file offset); -1 on failure.
int seccomp_fd(const std::string& program);

}  // namespace rooms::runner::detail
